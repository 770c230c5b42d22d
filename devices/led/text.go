package led

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Payload returns text encoded as it goes in a frame (see BuildMode). Control
// characters become spaces (so text can never imitate a prefix, suffix or
// command byte), invalid UTF-8 and private-use characters become '?', and so
// does each character the encoding lacks unless Unsupported is "refuse". A
// text wider than MaxWidth is cut unless Overflow is "scroll".
func (f Frame) Payload(text string) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	b, _, err := f.payload(text)
	return b, err
}

// payload encodes text and tells whether it is to scroll.
func (f Frame) payload(text string) (out []byte, scroll bool, err error) {
	width := 0
	for i, r := range text {
		var enc []byte
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(text[i:], "\uFFFD"), unicode.Is(unicode.Co, r):
			enc = []byte{'?'}
		case unicode.IsControl(r):
			enc = []byte{' '}
		default:
			if enc = f.encodeRune(r); enc == nil {
				if f.refuse() {
					return nil, false, fmt.Errorf("%w: %q (U+%04X) is not in %s", ErrUnsupported, r, r, f.encoding())
				}
				enc = []byte{'?'}
			}
		}
		w := min(len(enc), 2) // half-width ASCII, full-width the rest
		if f.MaxWidth > 0 && width+w > f.MaxWidth {
			if strings.EqualFold(f.Overflow, "scroll") {
				scroll = true
			} else {
				break
			}
		}
		width += w
		out = append(out, enc...)
	}
	return out, scroll, nil
}

// encodeRune returns r in the frame's encoding, or nil if it has no r.
func (f Frame) encodeRune(r rune) []byte {
	if r < utf8.RuneSelf {
		return []byte{byte(r)}
	}
	switch f.encoding() {
	case ASCII:
		return nil
	case GB2312:
		// GB2312 is the part of GBK whose two bytes are both in A1–FE, with
		// the lead byte in rows 1–9 (A1–A9, symbols) or 16–87 (B0–F7,
		// hanzi): EUC-CN, GB/T 2312-1980. GBK's own additions (lead 81–A0,
		// trail 40–A0, rows AA–AF and F8–FE) are not in it.
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(string(r)))
		if err != nil || len(b) != 2 || b[1] < 0xA1 || b[1] > 0xFE ||
			!(0xA1 <= b[0] && b[0] <= 0xA9 || 0xB0 <= b[0] && b[0] <= 0xF7) {
			return nil
		}
		return b
	}
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(string(r)))
	if err != nil {
		return nil
	}
	return b
}

// decodeText decodes a payload in the frame's encoding.
func (f Frame) decodeText(payload []byte) (string, error) {
	if f.encoding() == ASCII {
		return strings.ToValidUTF8(string(payload), "\uFFFD"), nil
	}
	// GB2312 is a part of GB18030: one decoder reads both.
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(payload)
	if err != nil {
		return "", fmt.Errorf("led: decode %s: %w", f.encoding(), err)
	}
	return string(text), nil
}
