package queue

import (
	"strings"
	"time"
)

// ErrInvalidIDNo is answered for a citizen ID number that cannot be one: wrong
// length or characters, an impossible date of birth, or a wrong check digit.
var ErrInvalidIDNo = define(KindInvalid, "invalid_id_no", "the citizen ID number is not valid")

// idWeights are the weights of the first 17 digits of an 18-digit citizen ID
// number, 2^(17-i) mod 11 (GB 11643-1999 §8.2, ISO 7064 MOD 11-2).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// NormalizeIDNo returns the 18-digit form of a citizen ID number
// (公民身份号码, GB 11643-1999), so that one person is one hash whichever form
// they give: a 15-digit number of the first generation becomes the 18-digit
// one (its year gets the century 19, and the check digit is computed); an
// 18-digit one must have a valid date of birth and the right check digit. A
// lowercase x is taken for X; spaces around are ignored. Anything else is
// ErrInvalidIDNo.
func NormalizeIDNo(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch len(s) {
	case 15:
		if !allDigits(s) {
			return "", Errorf(ErrInvalidIDNo.Code, "a 15-digit ID number has digits only")
		}
		s = s[:6] + "19" + s[6:]
		if !validBirth(s[6:14]) {
			return "", Errorf(ErrInvalidIDNo.Code, "no such date of birth")
		}
		return s + string(idCheckChar(s)), nil
	case 18:
		if !allDigits(s[:17]) || !(s[17] == 'X' || s[17] >= '0' && s[17] <= '9') {
			return "", Errorf(ErrInvalidIDNo.Code, "an 18-digit ID number has 17 digits and a digit or X")
		}
		if !validBirth(s[6:14]) {
			return "", Errorf(ErrInvalidIDNo.Code, "no such date of birth")
		}
		if idCheckChar(s) != s[17] {
			return "", Errorf(ErrInvalidIDNo.Code, "wrong check digit")
		}
		return s, nil
	}
	return "", Errorf(ErrInvalidIDNo.Code, "an ID number has 18 characters (or 15 digits)")
}

// idCheckChar is the check character of the first 17 digits of s.
func idCheckChar(s string) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(s[i]-'0') * w
	}
	return idCheckChars[sum%11]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validBirth reports whether YYYYMMDD is a real date from 1800 on.
func validBirth(ymd string) bool {
	d, err := time.Parse("20060102", ymd)
	return err == nil && d.Year() >= 1800
}
