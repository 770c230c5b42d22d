package led

import (
	"fmt"
	"slices"
	"strings"
)

func (f Frame) escape() string {
	if f.Escape == "" {
		return "none"
	}
	return strings.ToLower(f.Escape)
}

// escapeByte is the byte sent before an escaped byte.
func (f Frame) escapeByte() byte {
	if f.escape() == "dle" {
		return DLE
	}
	return f.EscapeByte
}

// escapeSet is the bytes escaped between prefix and suffix: EscapeBytes, or
// the first byte of the prefix and of the suffix, which a bar hunts for to
// find a frame's start and end; and always the escape byte itself.
func (f Frame) escapeSet() []byte {
	set := slices.Clone(f.EscapeBytes)
	if len(set) == 0 {
		if len(f.Prefix) > 0 {
			set = append(set, f.Prefix[0])
		}
		if len(f.Suffix) > 0 {
			set = append(set, f.Suffix[0])
		}
	}
	if !slices.Contains(set, f.escapeByte()) {
		set = append(set, f.escapeByte())
	}
	return set
}

// escapeTo appends body to out, escaped as the frame says.
func (f Frame) escapeTo(out, body []byte) []byte {
	if f.escape() == "none" {
		return append(out, body...)
	}
	set, esc := f.escapeSet(), f.escapeByte()
	x := f.EscapeXOR
	if f.escape() == "dle" {
		x = 0 // DLE stuffing: the byte itself follows the DLE
	}
	for _, b := range body {
		if slices.Contains(set, b) {
			out = append(out, esc, b^x)
		} else {
			out = append(out, b)
		}
	}
	return out
}

// unescape undoes escapeTo; an escape byte at the end, or one followed by a
// byte that is no escaped byte, is ErrEscape.
func (f Frame) unescape(b []byte) ([]byte, error) {
	if f.escape() == "none" {
		return b, nil
	}
	set, esc := f.escapeSet(), f.escapeByte()
	x := f.EscapeXOR
	if f.escape() == "dle" {
		x = 0
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == esc:
			if i+1 == len(b) || !slices.Contains(set, b[i+1]^x) {
				return nil, fmt.Errorf("%w at byte %d of % x", ErrEscape, i, b)
			}
			i++
			out = append(out, b[i]^x)
		case slices.Contains(set, c):
			// An escaped byte on its own: not a frame of ours.
			return nil, fmt.Errorf("%w: %#02x unescaped at byte %d", ErrEscape, c, i)
		default:
			out = append(out, c)
		}
	}
	return out, nil
}
