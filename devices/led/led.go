// Package led drives the LED bar above a service window, the one that shows
// "A012 请到3号窗口".
//
// No vendor publishes its protocol, but the cheap bars sold to Chinese halls all
// take one frame shape with a few knobs, which a Frame describes:
//
//		Prefix | Address? | Length? | Payload | Checksum? | Suffix
//
//	  - Prefix and Suffix: fixed bytes, any length, possibly none (often 0x02 STX /
//	    0x03 ETX, or 0xAA 0x55).
//	  - Address: one byte, the bar's address on a shared RS-485 line, if HasAddress.
//	  - Length: one byte, the number of Payload bytes (0–255), if Length. It counts
//	    the payload only, not the address, itself or the checksum.
//	  - Payload: the text in GB18030, or in ASCII with every non-ASCII character
//	    replaced by '?'.
//	  - Checksum: none, sum8 (sum of the bytes mod 256), xor (xor of the bytes), or
//	    crc16modbus (CRC-16/MODBUS: polynomial 0x8005 reflected = 0xA001, initial
//	    value 0xFFFF, no final xor; two bytes, low byte first). It covers Address,
//	    Length and Payload, those of them that are present, and never Prefix or
//	    Suffix.
//
// README.md in this folder works two configurations through to the bytes.
//
// A Display writes frames to an io.Writer the caller opened (the serial port);
// Decode reads a frame back, for the device simulator and tests.
package led

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Checksum is the kind of check a frame carries.
type Checksum int

// Checksum kinds. The zero value is none.
const (
	ChecksumNone        Checksum = iota // no checksum bytes
	ChecksumSum8                        // 1 byte: sum of the covered bytes mod 256
	ChecksumXOR                         // 1 byte: xor of the covered bytes
	ChecksumCRC16Modbus                 // 2 bytes: CRC-16/MODBUS, low byte first
)

var checksumNames = [...]string{"none", "sum8", "xor", "crc16modbus"}

// String returns the kind's configuration name: none, sum8, xor or crc16modbus.
func (c Checksum) String() string {
	if c >= 0 && int(c) < len(checksumNames) {
		return checksumNames[c]
	}
	return fmt.Sprintf("checksum(%d)", int(c))
}

// ParseChecksum returns the kind named s (see String); "" is none.
func ParseChecksum(s string) (Checksum, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ChecksumNone, nil
	}
	for i, n := range checksumNames {
		if s == n {
			return Checksum(i), nil
		}
	}
	return 0, fmt.Errorf("led: unknown checksum %q (want none, sum8, xor or crc16modbus)", s)
}

// MarshalText returns the kind's name, so configuration files hold "crc16modbus".
func (c Checksum) MarshalText() ([]byte, error) {
	if c < 0 || int(c) >= len(checksumNames) {
		return nil, fmt.Errorf("led: unknown checksum %d", int(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText sets c from its name, as ParseChecksum.
func (c *Checksum) UnmarshalText(b []byte) error {
	k, err := ParseChecksum(string(b))
	if err != nil {
		return err
	}
	*c = k
	return nil
}

// Size returns the number of checksum bytes in a frame: 0, 1 or 2.
func (c Checksum) Size() int {
	switch c {
	case ChecksumSum8, ChecksumXOR:
		return 1
	case ChecksumCRC16Modbus:
		return 2
	}
	return 0
}

// Sum returns the checksum bytes of b as they go on the wire.
func (c Checksum) Sum(b []byte) []byte {
	switch c {
	case ChecksumSum8:
		var s byte
		for _, x := range b {
			s += x
		}
		return []byte{s}
	case ChecksumXOR:
		var s byte
		for _, x := range b {
			s ^= x
		}
		return []byte{s}
	case ChecksumCRC16Modbus:
		crc := CRC16Modbus(b)
		return []byte{byte(crc), byte(crc >> 8)}
	}
	return nil
}

// CRC16Modbus returns the CRC-16/MODBUS of b (Modbus over Serial Line V1.02
// §6.2.2: polynomial 0xA001 reflected, initial 0xFFFF). Its check value, for
// "123456789", is 0x4B37.
func CRC16Modbus(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, x := range b {
		crc ^= uint16(x)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// Encodings of the payload.
const (
	GB18030 = "gb18030"
	ASCII   = "ascii"
)

// Frame describes how a bar wants its text framed (see the package comment).
// The zero Frame sends the bare GB18030 text.
//
// The toml tags give the configuration file's keys (see README.md).
type Frame struct {
	Prefix     []byte   `toml:"prefix"`      // bytes before everything else
	HasAddress bool     `toml:"has_address"` // send Address after the prefix
	Address    byte     `toml:"address"`     // the bar's address, if HasAddress
	Length     bool     `toml:"length"`      // send a length byte (payload bytes, 0–255) before the payload
	Encoding   string   `toml:"encoding"`    // GB18030 ("gb18030", also when "") or ASCII ("ascii")
	Checksum   Checksum `toml:"checksum"`    // over address, length and payload: "none", "sum8", "xor", "crc16modbus"
	Suffix     []byte   `toml:"suffix"`      // bytes after everything else
}

// Errors of a frame that does not decode; callers branch on them with errors.Is.
var (
	ErrShort    = errors.New("led: frame too short")
	ErrPrefix   = errors.New("led: wrong prefix")
	ErrSuffix   = errors.New("led: wrong suffix")
	ErrLength   = errors.New("led: length byte does not match")
	ErrChecksum = errors.New("led: bad checksum")
)

// Validate reports a configuration error: an unknown encoding or checksum kind.
func (f Frame) Validate() error {
	switch strings.ToLower(f.Encoding) {
	case "", GB18030, ASCII:
	default:
		return fmt.Errorf("led: unknown encoding %q (want gb18030 or ascii)", f.Encoding)
	}
	if f.Checksum < ChecksumNone || f.Checksum > ChecksumCRC16Modbus {
		return fmt.Errorf("led: unknown checksum %d", int(f.Checksum))
	}
	return nil
}

func (f Frame) ascii() bool { return strings.ToLower(f.Encoding) == ASCII }

// Payload returns text encoded as it goes in a frame. Control characters become
// spaces (so text can never imitate a prefix, suffix or command byte), invalid
// UTF-8 and private-use characters become '?', and in ASCII so does every
// non-ASCII character.
func (f Frame) Payload(text string) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var sb strings.Builder
	for i, r := range text {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(text[i:], "\uFFFD"), unicode.Is(unicode.Co, r):
			sb.WriteByte('?')
		case unicode.IsControl(r):
			sb.WriteByte(' ')
		case f.ascii() && r >= utf8.RuneSelf:
			sb.WriteByte('?')
		default:
			sb.WriteRune(r)
		}
	}
	if f.ascii() {
		return []byte(sb.String()), nil
	}
	b, err := encoding.ReplaceUnsupported(simplifiedchinese.GB18030.NewEncoder()).Bytes([]byte(sb.String()))
	if err != nil {
		return nil, fmt.Errorf("led: encode %q: %w", text, err)
	}
	return b, nil
}

// Build returns the frame that shows text. It fails if the configuration is
// invalid or, with a length byte, if the payload is longer than 255 bytes.
func (f Frame) Build(text string) ([]byte, error) {
	payload, err := f.Payload(text)
	if err != nil {
		return nil, err
	}
	if f.Length && len(payload) > 255 {
		return nil, fmt.Errorf("led: text is %d bytes, more than a length byte holds", len(payload))
	}
	out := make([]byte, 0, len(f.Prefix)+2+len(payload)+2+len(f.Suffix))
	out = append(out, f.Prefix...)
	start := len(out)
	if f.HasAddress {
		out = append(out, f.Address)
	}
	if f.Length {
		out = append(out, byte(len(payload)))
	}
	out = append(out, payload...)
	out = append(out, f.Checksum.Sum(out[start:])...)
	return append(out, f.Suffix...), nil
}

// Message is what a decoded frame says.
type Message struct {
	Address byte   // the frame's address byte; 0 if the frame has none
	Text    string // the payload decoded to UTF-8
}

// Decode checks frame, one whole frame, against f and returns its address and
// text. The address is returned as found, not compared with f.Address. It
// returns an error wrapping ErrShort, ErrPrefix, ErrSuffix, ErrLength or
// ErrChecksum if the frame does not fit f, or a configuration error.
func Decode(frame []byte, f Frame) (Message, error) {
	if err := f.Validate(); err != nil {
		return Message{}, err
	}
	head := 0
	if f.HasAddress {
		head++
	}
	if f.Length {
		head++
	}
	need := len(f.Prefix) + head + f.Checksum.Size() + len(f.Suffix)
	if len(frame) < need {
		return Message{}, fmt.Errorf("%w: %d bytes, need at least %d", ErrShort, len(frame), need)
	}
	if string(frame[:len(f.Prefix)]) != string(f.Prefix) {
		return Message{}, fmt.Errorf("%w: % x", ErrPrefix, frame[:len(f.Prefix)])
	}
	if string(frame[len(frame)-len(f.Suffix):]) != string(f.Suffix) {
		return Message{}, fmt.Errorf("%w: % x", ErrSuffix, frame[len(frame)-len(f.Suffix):])
	}
	body := frame[len(f.Prefix) : len(frame)-len(f.Suffix)]
	covered, sum := body[:len(body)-f.Checksum.Size()], body[len(body)-f.Checksum.Size():]
	if want := f.Checksum.Sum(covered); string(want) != string(sum) {
		return Message{}, fmt.Errorf("%w: % x, want % x", ErrChecksum, sum, want)
	}
	var m Message
	payload := covered[head:]
	if f.HasAddress {
		m.Address = covered[0]
	}
	if f.Length {
		if n := covered[head-1]; int(n) != len(payload) {
			return Message{}, fmt.Errorf("%w: %d, payload %d bytes", ErrLength, n, len(payload))
		}
	}
	if f.ascii() {
		m.Text = strings.ToValidUTF8(string(payload), "\uFFFD")
		return m, nil
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(payload)
	if err != nil {
		return Message{}, fmt.Errorf("led: decode GB18030: %w", err)
	}
	m.Text = string(text)
	return m, nil
}
