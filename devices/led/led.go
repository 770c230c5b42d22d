// Package led drives the LED bar above a service window, the one that shows
// "A012 请到3号窗口".
//
// No vendor publishes its protocol, but the bars sold to Chinese halls all take
// one frame shape with a few knobs, which a Frame describes:
//
//		Prefix | Address? | Command? | Length? | Payload | Checksum? | Suffix
//
//	  - Prefix and Suffix: fixed bytes, any length, possibly none (often 0x02 STX /
//	    0x03 ETX, or 0xAA 0x55).
//	  - Address: the bar's address on a shared RS-485 line, if HasAddress: one
//	    byte, or ASCII digits ("001", decimal; or hex "0A").
//	  - Command: fixed bytes saying what to do with the text: show it, show it
//	    blinking (a recall), or scroll it (a text wider than the bar).
//	  - Length: one or two bytes (big- or little-endian), the number of Payload
//	    bytes, if Length. It counts the payload only.
//	  - Payload: the text in GB18030, GB2312 or ASCII; what the encoding lacks
//	    is replaced by '?' or refused. A text wider than MaxWidth is cut, or
//	    scrolled by the bar.
//	  - Checksum: none, sum8, xor, sum16 or crc16modbus, over the parts named in
//	    ChecksumCovers (default: address, command, length and payload).
//	  - Escaping, if Escape is set: between prefix and suffix, a byte that could
//	    be taken for the frame's start or end (a checksum that happens to be 0x02
//	    inside an STX/ETX frame) goes out behind an escape byte.
//
// README.md in this folder works four configurations through to the bytes.
//
// A Display writes frames to an io.Writer the caller opened (the serial port);
// Decode reads a frame back, for the device simulator and tests.
package led

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Frame describes how a bar wants its text framed (see the package comment).
// The zero Frame sends the bare GB18030 text.
//
// The toml tags give the configuration file's keys (see README.md).
type Frame struct {
	Prefix []byte `toml:"prefix"` // bytes before everything else

	HasAddress bool `toml:"has_address"` // send Address after the prefix
	// Address is the bar's address, if HasAddress: 0–255 as one byte, up to
	// 999 in ASCII decimal, up to 255 in ASCII hex.
	Address int `toml:"address"`
	// AddressFormat is "binary" (one byte, also when ""), "ascii" (decimal
	// digits, "001") or "hex" (hex digits, "0A").
	AddressFormat string `toml:"address_format"`
	// AddressDigits is the number of ASCII digits, zero-padded; default 3 for
	// ascii, 2 for hex.
	AddressDigits int `toml:"address_digits"`

	// Command is sent after the address to show a text; BlinkCommand instead
	// for a recall (default Command: the bar cannot blink), ScrollCommand
	// instead for a text wider than MaxWidth when Overflow is "scroll". The
	// three have the same length.
	Command       []byte `toml:"command"`
	BlinkCommand  []byte `toml:"blink_command"`
	ScrollCommand []byte `toml:"scroll_command"`

	Length      bool   `toml:"length"`       // send the payload's length before it
	LengthSize  int    `toml:"length_size"`  // 1 (default) or 2 bytes
	LengthOrder string `toml:"length_order"` // two bytes: "big" (high byte first, default) or "little"

	// Encoding is GB18030 ("gb18030", also when ""), GB2312 ("gb2312": the
	// older bars' font) or ASCII ("ascii").
	Encoding string `toml:"encoding"`
	// Unsupported says what happens to a character the encoding lacks:
	// "replace" (default) sends '?', "refuse" fails the frame.
	Unsupported string `toml:"unsupported"`
	// MaxWidth is how many half-width characters the bar holds (a Chinese
	// character takes two); 0 is no limit.
	MaxWidth int `toml:"max_width"`
	// Overflow says what happens to a wider text: "cut" (default) keeps what
	// fits, "scroll" sends it whole with ScrollCommand.
	Overflow string `toml:"overflow"`

	Checksum Checksum `toml:"checksum"` // "none", "sum8", "xor", "sum16", "crc16modbus"
	// ChecksumCovers names the parts the checksum covers, in any order:
	// "prefix", "address", "command", "length", "payload". Default all but
	// the prefix.
	ChecksumCovers []string `toml:"checksum_covers"`

	// Escape is "none" (also when ""), "dle" (a byte of EscapeBytes goes out
	// as DLE and the byte: DLE STX … DLE ETX framing) or "byte" (it goes out
	// as EscapeByte and the byte xor EscapeXOR).
	Escape      string `toml:"escape"`
	EscapeByte  byte   `toml:"escape_byte"`  // "byte": the escape byte, e.g. 0x1B
	EscapeXOR   byte   `toml:"escape_xor"`   // "byte": xored into an escaped byte, e.g. 0x80; not 0
	EscapeBytes []byte `toml:"escape_bytes"` // bytes escaped; default the prefix's first, the suffix's first and the escape byte

	Suffix []byte `toml:"suffix"` // bytes after everything else
}

// Encodings of the payload.
const (
	GB18030 = "gb18030"
	GB2312  = "gb2312"
	ASCII   = "ascii"
)

// DLE is the escape byte of Escape "dle" (ASCII data link escape).
const DLE = 0x10

// Mode says how a text is to be shown.
type Mode int

// The modes: a call shows, a recall blinks where the bar can.
const (
	ModeShow Mode = iota
	ModeBlink
)

// Parts of a frame that ChecksumCovers names.
const (
	PartPrefix  = "prefix"
	PartAddress = "address"
	PartCommand = "command"
	PartLength  = "length"
	PartPayload = "payload"
)

var allParts = []string{PartPrefix, PartAddress, PartCommand, PartLength, PartPayload}

// Errors; callers branch on them with errors.Is.
var (
	ErrShort       = errors.New("led: frame too short")
	ErrPrefix      = errors.New("led: wrong prefix")
	ErrSuffix      = errors.New("led: wrong suffix")
	ErrLength      = errors.New("led: length does not match")
	ErrChecksum    = errors.New("led: bad checksum")
	ErrEscape      = errors.New("led: bad escape")
	ErrAddress     = errors.New("led: bad address")
	ErrCommand     = errors.New("led: unknown command")
	ErrUnsupported = errors.New("led: character not in the encoding")
	ErrTooLong     = errors.New("led: text too long for the length field")
)

// Validate reports a configuration error: an unknown encoding, checksum, part
// or escape scheme, an address out of range, commands of different lengths,
// or an escape that would leave an escaped byte on the line.
func (f Frame) Validate() error {
	switch f.encoding() {
	case GB18030, GB2312, ASCII:
	default:
		return fmt.Errorf("led: unknown encoding %q (want gb18030, gb2312 or ascii)", f.Encoding)
	}
	switch strings.ToLower(f.Unsupported) {
	case "", "replace", "refuse":
	default:
		return fmt.Errorf("led: unsupported %q (want replace or refuse)", f.Unsupported)
	}
	if f.Checksum < ChecksumNone || int(f.Checksum) >= len(checksumNames) {
		return fmt.Errorf("led: unknown checksum %d", int(f.Checksum))
	}
	for _, p := range f.ChecksumCovers {
		if !slices.Contains(allParts, strings.ToLower(p)) {
			return fmt.Errorf("led: checksum_covers: unknown part %q (want prefix, address, command, length, payload)", p)
		}
	}
	if f.HasAddress {
		switch f.addressFormat() {
		case "binary":
			if f.Address < 0 || f.Address > 255 {
				return fmt.Errorf("led: address %d: one byte holds 0–255", f.Address)
			}
		case "ascii", "hex":
			if f.AddressDigits < 0 || f.AddressDigits > 8 {
				return fmt.Errorf("led: address_digits %d: 1–8", f.AddressDigits)
			}
			if f.Address < 0 || len(f.addressBytes(f.Address)) > f.addressDigits() || (f.addressFormat() == "hex" && f.Address > 255) {
				return fmt.Errorf("led: address %d does not fit in %d %s digits", f.Address, f.addressDigits(), f.addressFormat())
			}
		default:
			return fmt.Errorf("led: unknown address_format %q (want binary, ascii or hex)", f.AddressFormat)
		}
	}
	for name, c := range map[string][]byte{"blink_command": f.BlinkCommand, "scroll_command": f.ScrollCommand} {
		if len(c) > 0 && len(c) != len(f.Command) {
			return fmt.Errorf("led: %s has %d bytes, command %d: they must be as long", name, len(c), len(f.Command))
		}
	}
	switch f.LengthSize {
	case 0, 1, 2:
	default:
		return fmt.Errorf("led: length_size %d (want 1 or 2)", f.LengthSize)
	}
	switch strings.ToLower(f.LengthOrder) {
	case "", "big", "little":
	default:
		return fmt.Errorf("led: length_order %q (want big or little)", f.LengthOrder)
	}
	if f.MaxWidth < 0 {
		return fmt.Errorf("led: max_width %d", f.MaxWidth)
	}
	switch strings.ToLower(f.Overflow) {
	case "", "cut":
	case "scroll":
		if len(f.ScrollCommand) == 0 {
			return errors.New("led: overflow \"scroll\" needs the bar's scroll_command")
		}
	default:
		return fmt.Errorf("led: overflow %q (want cut or scroll)", f.Overflow)
	}
	switch f.escape() {
	case "none", "dle":
	case "byte":
		if f.EscapeXOR == 0 {
			return errors.New("led: escape \"byte\" needs escape_xor: with 0 the escaped byte stays on the line")
		}
		set := f.escapeSet()
		for _, b := range set {
			if slices.Contains(set, b^f.EscapeXOR) {
				return fmt.Errorf("led: escape_xor %#02x turns %#02x into %#02x, itself escaped", f.EscapeXOR, b, b^f.EscapeXOR)
			}
		}
	default:
		return fmt.Errorf("led: unknown escape %q (want none, dle or byte)", f.Escape)
	}
	return nil
}

func (f Frame) encoding() string {
	if f.Encoding == "" {
		return GB18030
	}
	return strings.ToLower(f.Encoding)
}

func (f Frame) refuse() bool { return strings.EqualFold(f.Unsupported, "refuse") }

func (f Frame) addressFormat() string {
	if f.AddressFormat == "" {
		return "binary"
	}
	return strings.ToLower(f.AddressFormat)
}

func (f Frame) addressDigits() int {
	switch {
	case f.AddressDigits > 0:
		return f.AddressDigits
	case f.addressFormat() == "hex":
		return 2
	}
	return 3
}

// addressBytes returns addr as it goes on the wire.
func (f Frame) addressBytes(addr int) []byte {
	switch f.addressFormat() {
	case "ascii":
		return fmt.Appendf(nil, "%0*d", f.addressDigits(), addr)
	case "hex":
		return fmt.Appendf(nil, "%0*X", f.addressDigits(), addr)
	}
	return []byte{byte(addr)}
}

func (f Frame) addressSize() int {
	if !f.HasAddress {
		return 0
	}
	if f.addressFormat() == "binary" {
		return 1
	}
	return f.addressDigits()
}

func (f Frame) lengthSize() int {
	if !f.Length {
		return 0
	}
	return max(f.LengthSize, 1)
}

func (f Frame) lengthBytes(n int) []byte {
	if f.lengthSize() == 1 {
		return []byte{byte(n)}
	}
	if strings.EqualFold(f.LengthOrder, "little") {
		return []byte{byte(n), byte(n >> 8)}
	}
	return []byte{byte(n >> 8), byte(n)}
}

func (f Frame) lengthValue(b []byte) int {
	if len(b) == 1 {
		return int(b[0])
	}
	if strings.EqualFold(f.LengthOrder, "little") {
		return int(b[0]) | int(b[1])<<8
	}
	return int(b[0])<<8 | int(b[1])
}

func (f Frame) covers(part string) bool {
	if len(f.ChecksumCovers) == 0 {
		return part != PartPrefix
	}
	return slices.ContainsFunc(f.ChecksumCovers, func(p string) bool { return strings.EqualFold(p, part) })
}

// command returns the command bytes for mode m and a payload of width w.
func (f Frame) command(m Mode, scroll bool) []byte {
	switch {
	case scroll:
		return f.ScrollCommand
	case m == ModeBlink && len(f.BlinkCommand) > 0:
		return f.BlinkCommand
	}
	return f.Command
}

// Build returns the frame that shows text (ModeShow).
func (f Frame) Build(text string) ([]byte, error) { return f.BuildMode(text, ModeShow) }

// BuildMode returns the frame that shows text in mode m: a recall (ModeBlink)
// takes BlinkCommand, a text wider than MaxWidth is cut or takes
// ScrollCommand (a scrolling text does not blink). It fails with the
// configuration's error, an error wrapping ErrUnsupported when the encoding
// lacks a character and Unsupported is "refuse", or ErrTooLong when the payload
// does not fit the length field.
func (f Frame) BuildMode(text string, m Mode) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	payload, scroll, err := f.payload(text)
	if err != nil {
		return nil, err
	}
	return f.build(payload, m, scroll)
}

// BuildPayload returns the frame that carries payload as it is, not encoded
// nor cut: the poll of a keypad, or its "please rate" prompt. It fails with
// the configuration's error, or ErrTooLong.
func (f Frame) BuildPayload(payload []byte, m Mode) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f.build(payload, m, false)
}

func (f Frame) build(payload []byte, m Mode, scroll bool) ([]byte, error) {
	if f.Length && len(payload) >= 1<<(8*f.lengthSize()) {
		return nil, fmt.Errorf("%w: %d bytes, more than %d length bytes hold", ErrTooLong, len(payload), f.lengthSize())
	}
	var body, covered []byte
	add := func(part string, b []byte) {
		body = append(body, b...)
		if f.covers(part) {
			covered = append(covered, b...)
		}
	}
	if f.covers(PartPrefix) {
		covered = append(covered, f.Prefix...)
	}
	if f.HasAddress {
		add(PartAddress, f.addressBytes(f.Address))
	}
	add(PartCommand, f.command(m, scroll))
	if f.Length {
		add(PartLength, f.lengthBytes(len(payload)))
	}
	add(PartPayload, payload)
	body = append(body, f.Checksum.Sum(covered)...)
	out := make([]byte, 0, len(f.Prefix)+2*len(body)+len(f.Suffix))
	out = append(out, f.Prefix...)
	out = f.escapeTo(out, body)
	return append(out, f.Suffix...), nil
}

// Message is what a decoded frame says.
type Message struct {
	Address int    // the frame's address; 0 if the frame has none
	Mode    Mode   // ModeBlink if the frame carries BlinkCommand (and it differs from Command)
	Scroll  bool   // the frame carries ScrollCommand
	Text    string // the payload decoded to UTF-8
	Payload []byte // the payload as it came
}

// Decode checks frame, one whole frame, against f and returns its address,
// mode and text. The address is returned as found, not compared with
// f.Address. It returns an error wrapping ErrShort, ErrPrefix, ErrSuffix,
// ErrEscape, ErrAddress, ErrCommand, ErrLength or ErrChecksum if the frame does
// not fit f, or a configuration error.
func Decode(frame []byte, f Frame) (Message, error) {
	if err := f.Validate(); err != nil {
		return Message{}, err
	}
	if len(frame) < len(f.Prefix)+len(f.Suffix) {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrShort, len(frame))
	}
	if string(frame[:len(f.Prefix)]) != string(f.Prefix) {
		return Message{}, fmt.Errorf("%w: % x", ErrPrefix, frame[:len(f.Prefix)])
	}
	if string(frame[len(frame)-len(f.Suffix):]) != string(f.Suffix) {
		return Message{}, fmt.Errorf("%w: % x", ErrSuffix, frame[len(frame)-len(f.Suffix):])
	}
	body, err := f.unescape(frame[len(f.Prefix) : len(frame)-len(f.Suffix)])
	if err != nil {
		return Message{}, err
	}
	head := f.addressSize() + len(f.Command) + f.lengthSize()
	if need := head + f.Checksum.Size(); len(body) < need {
		return Message{}, fmt.Errorf("%w: %d bytes inside, need at least %d", ErrShort, len(body), need)
	}
	sum := body[len(body)-f.Checksum.Size():]
	body = body[:len(body)-f.Checksum.Size()]
	var covered []byte
	if f.covers(PartPrefix) {
		covered = append(covered, f.Prefix...)
	}
	take := func(part string, n int) []byte {
		b := body[:n]
		body = body[n:]
		if f.covers(part) {
			covered = append(covered, b...)
		}
		return b
	}
	addr := take(PartAddress, f.addressSize())
	cmd := take(PartCommand, len(f.Command))
	length := take(PartLength, f.lengthSize())
	payload := take(PartPayload, len(body))
	if want := f.Checksum.Sum(covered); string(want) != string(sum) {
		return Message{}, fmt.Errorf("%w: % x, want % x", ErrChecksum, sum, want)
	}
	var m Message
	if f.HasAddress {
		if m.Address, err = f.parseAddress(addr); err != nil {
			return Message{}, err
		}
	}
	switch {
	case string(cmd) == string(f.Command):
	case len(f.BlinkCommand) > 0 && string(cmd) == string(f.BlinkCommand):
		m.Mode = ModeBlink
	case len(f.ScrollCommand) > 0 && string(cmd) == string(f.ScrollCommand):
		m.Scroll = true
	default:
		return Message{}, fmt.Errorf("%w: % x", ErrCommand, cmd)
	}
	if f.Length {
		if n := f.lengthValue(length); n != len(payload) {
			return Message{}, fmt.Errorf("%w: %d, payload %d bytes", ErrLength, n, len(payload))
		}
	}
	m.Payload = payload
	if m.Text, err = f.decodeText(payload); err != nil {
		// A keypad's answer need not be text.
		m.Text = strings.ToValidUTF8(string(payload), "\uFFFD")
	}
	return m, nil
}

func (f Frame) parseAddress(b []byte) (int, error) {
	if f.addressFormat() == "binary" {
		return int(b[0]), nil
	}
	n := 0
	for _, c := range b {
		var d int
		switch {
		case '0' <= c && c <= '9':
			d = int(c - '0')
		case f.addressFormat() == "hex" && 'A' <= c && c <= 'F':
			d = int(c-'A') + 10
		case f.addressFormat() == "hex" && 'a' <= c && c <= 'f':
			d = int(c-'a') + 10
		default:
			return 0, fmt.Errorf("%w: %q", ErrAddress, b)
		}
		if f.addressFormat() == "hex" {
			n = n*16 + d
		} else {
			n = n*10 + d
		}
	}
	return n, nil
}
