// Package escpos drives the ticket printers of the hall: 80 mm and 58 mm thermal
// printers of the Chinese models that speak ESC/POS and start in Chinese mode.
//
// A Printer builds a print job in memory (text encoded GB18030, alignment, sizes,
// bold, QR codes, feeds, cut) and writes it to the port in one Write, so a job is
// never interleaved with another. PrintTicket and PrintSlip lay out the queue
// ticket and the return slip (直通反馈单). QueryStatus asks the printer for its
// real-time status (DLE EOT). Parse and Render decode a byte stream back into
// operations and a readable text, for tests and for the device simulator.
//
// The driver never opens the port: the caller opens /dev/ttyUSB0 (or a USB printer
// class device) and hands over an io.Writer, or an io.ReadWriter for status. One
// goroutine owns the port and makes every call on it.
//
// Byte sequences follow the Epson "ESC/POS Command Reference" (TM series), as
// implemented by the Chinese-model printers (Xprinter, GPrinter, HPRT, …). Chinese
// models start in Chinese character mode, where bytes 0x81–0xFE lead a GB18030
// character; this package never sends FS . (cancel Chinese mode), and sends FS &
// (select Chinese mode) only for models that need it (Options.ChineseMode; an
// Epson TM-T88 with the simplified Chinese font). Models lists the presets.
package escpos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Control codes and command prefixes (ESC/POS Command Reference, "Command
// notation": ESC = 0x1B, GS = 0x1D, FS = 0x1C, DLE = 0x10).
const (
	lf  = 0x0A
	cr  = 0x0D
	ht  = 0x09
	dle = 0x10
	eot = 0x04
	esc = 0x1B
	fs  = 0x1C
	gs  = 0x1D
)

// Align is a line justification, the argument of ESC a n.
type Align byte

// Justifications of ESC a n (n = 0, 1, 2).
const (
	Left Align = iota
	Center
	Right
)

// String returns left, center or right.
func (a Align) String() string {
	switch a {
	case Left:
		return "left"
	case Center:
		return "center"
	case Right:
		return "right"
	}
	return fmt.Sprintf("align(%d)", byte(a))
}

// Cut selects how the paper is cut at the end of a job: GS V m with m = 0 (full
// cut) or m = 1 (partial cut, one point left uncut so the ticket hangs from the
// printer until taken); or not at all, for a printer with a tear bar.
type Cut byte

// Cut modes. The zero value is a full cut.
const (
	CutFull Cut = iota
	CutPartial
	CutNone
)

// String returns full, partial or none.
func (c Cut) String() string {
	switch c {
	case CutFull:
		return "full"
	case CutPartial:
		return "partial"
	case CutNone:
		return "none"
	}
	return fmt.Sprintf("cut(%d)", byte(c))
}

// QRLevel is the error correction level of a QR code, the argument of GS ( k
// function 169: 48 = L (7 %), 49 = M (15 %), 50 = Q (25 %), 51 = H (30 %).
type QRLevel byte

// QR error correction levels. The zero value is M.
const (
	QRLevelM QRLevel = iota
	QRLevelL
	QRLevelQ
	QRLevelH
)

// String returns L, M, Q or H.
func (l QRLevel) String() string {
	switch l {
	case QRLevelL:
		return "L"
	case QRLevelM:
		return "M"
	case QRLevelQ:
		return "Q"
	case QRLevelH:
		return "H"
	}
	return fmt.Sprintf("qrlevel(%d)", byte(l))
}

// code is the byte GS ( k function 169 takes for l.
func (l QRLevel) code() byte {
	switch l {
	case QRLevelL:
		return 48
	case QRLevelQ:
		return 50
	case QRLevelH:
		return 51
	}
	return 49
}

// MaxQRData is the most bytes a QR code holds (version 40, level L, byte mode is
// 2953; GS ( k function 180 accepts up to 7089, numeric). PrintTicket and
// Printer.QR refuse longer data.
const MaxQRData = 2953

// Printer builds one ESC/POS print job over an io.Writer. Its methods append to the
// job and return the Printer, so calls chain; the first error is kept and later
// calls do nothing. Flush writes the job to the port in one Write.
//
// A Printer is not safe for concurrent use; one goroutine owns the port.
type Printer struct {
	w   io.Writer
	buf bytes.Buffer
	enc *encoding.Encoder
	err error
}

// NewPrinter returns a Printer that writes its jobs to w.
func NewPrinter(w io.Writer) *Printer {
	return &Printer{w: w, enc: encoding.ReplaceUnsupported(simplifiedchinese.GB18030.NewEncoder())}
}

// String names the device for logs: "escpos{/dev/ttyUSB0}" when the writer has a
// Name (an *os.File), else "escpos{}".
func (p *Printer) String() string { return "escpos{" + portName(p.w) + "}" }

func portName(w any) string {
	if n, ok := w.(interface{ Name() string }); ok {
		return n.Name()
	}
	return ""
}

// Err returns the first error met while building the job, if any.
func (p *Printer) Err() error { return p.err }

// Bytes returns the job built so far, not yet written.
func (p *Printer) Bytes() []byte { return p.buf.Bytes() }

func (p *Printer) raw(b ...byte) *Printer {
	if p.err == nil {
		p.buf.Write(b)
	}
	return p
}

func (p *Printer) fail(err error) *Printer {
	if p.err == nil {
		p.err = err
	}
	return p
}

// Init appends ESC @ (0x1B 0x40, "Initialize printer"): clears the print buffer and
// resets the modes (size, bold, alignment) to their power-on values. Chinese mode,
// the power-on default of Chinese models, stays on.
func (p *Printer) Init() *Printer { return p.raw(esc, '@') }

// Align appends ESC a n (0x1B 0x61 n, "Select justification"). It takes effect
// at the start of a line.
func (p *Printer) Align(a Align) *Printer {
	if a > Right {
		return p.fail(fmt.Errorf("escpos: bad alignment %d", a))
	}
	return p.raw(esc, 'a', byte(a))
}

// Size appends GS ! n (0x1D 0x21 n, "Select character size"): width and height
// are magnifications 1–8, sent as (width-1)<<4 | (height-1). Size(8, 8) is
// GS ! 0x77.
func (p *Printer) Size(width, height int) *Printer {
	if width < 1 || width > 8 || height < 1 || height > 8 {
		return p.fail(fmt.Errorf("escpos: bad character size %dx%d", width, height))
	}
	return p.raw(gs, '!', byte(width-1)<<4|byte(height-1))
}

// Bold appends ESC E n (0x1B 0x45 n, "Turn emphasized mode on/off"), n = 1 or 0.
func (p *Printer) Bold(on bool) *Printer {
	var n byte
	if on {
		n = 1
	}
	return p.raw(esc, 'E', n)
}

// Text appends s encoded in GB18030 (see Sanitize for what is replaced first).
func (p *Printer) Text(s string) *Printer {
	if p.err != nil {
		return p
	}
	b, err := p.enc.Bytes([]byte(Sanitize(s)))
	if err != nil {
		return p.fail(fmt.Errorf("escpos: encode %q: %w", s, err))
	}
	p.buf.Write(b)
	return p
}

// Sanitize returns s as Printer.Text prints it. Control characters (C0, DEL, C1)
// become spaces, so text from configuration or a visitor can never inject a
// command. Invalid UTF-8 becomes '?', and so do private-use characters: they have
// no glyph on a printer, and GB18030 maps some of them to bytes that read back as
// other characters.
func Sanitize(s string) string {
	if !strings.ContainsFunc(s, unprintable) && utf8.ValidString(s) {
		return s
	}
	var sb strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"), unicode.Is(unicode.Co, r):
			sb.WriteByte('?')
		case unicode.IsControl(r):
			sb.WriteByte(' ')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func unprintable(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Co, r) }

// Line appends Text(s) and LF (0x0A, "Print and line feed").
func (p *Printer) Line(s string) *Printer { return p.Text(s).LF() }

// LF appends LF (0x0A): prints the buffered line and feeds one line.
func (p *Printer) LF() *Printer { return p.raw(lf) }

// Feed appends ESC d n (0x1B 0x64 n, "Print and feed n lines"), n = 0–255.
func (p *Printer) Feed(n int) *Printer {
	if n < 0 || n > 255 {
		return p.fail(fmt.Errorf("escpos: bad feed %d lines", n))
	}
	return p.raw(esc, 'd', byte(n))
}

// QR appends a QR code of data, model 2, with the given module size (dots per
// module, 1–16) and error correction level, using the GS ( k functions of
// symbol type cn = 49 (QR Code):
//
//	function 165: 1D 28 6B 04 00 31 41 32 00      select model 2
//	function 167: 1D 28 6B 03 00 31 43 n          module size n
//	function 169: 1D 28 6B 03 00 31 45 n          error correction (48–51)
//	function 180: 1D 28 6B pL pH 31 50 30 d…      store data, pL+pH×256 = len+3
//	function 181: 1D 28 6B 03 00 31 51 30         print the stored symbol
//
// The symbol prints with the current alignment.
func (p *Printer) QR(data string, module int, level QRLevel) *Printer {
	switch {
	case len(data) == 0:
		return p.fail(errors.New("escpos: empty QR data"))
	case len(data) > MaxQRData:
		return p.fail(fmt.Errorf("escpos: QR data is %d bytes, more than %d", len(data), MaxQRData))
	case module < 1 || module > 16:
		return p.fail(fmt.Errorf("escpos: bad QR module size %d", module))
	case level > QRLevelH:
		return p.fail(fmt.Errorf("escpos: bad QR level %d", level))
	}
	n := len(data) + 3
	p.raw(gs, '(', 'k', 4, 0, 49, 65, 50, 0)
	p.raw(gs, '(', 'k', 3, 0, 49, 67, byte(module))
	p.raw(gs, '(', 'k', 3, 0, 49, 69, level.code())
	p.raw(gs, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
	if p.err == nil {
		p.buf.WriteString(data)
	}
	return p.raw(gs, '(', 'k', 3, 0, 49, 81, 48)
}

// Cut appends GS V m (0x1D 0x56 m, "Select cut mode and cut paper", function A):
// m = 0 full cut, m = 1 partial cut; CutNone appends nothing. Feed first so the
// last line clears the cutter (or the tear bar).
func (p *Printer) Cut(c Cut) *Printer {
	switch {
	case c == CutNone:
		return p
	case c > CutNone:
		return p.fail(fmt.Errorf("escpos: bad cut mode %d", c))
	}
	return p.raw(gs, 'V', byte(c))
}

// ChineseMode appends FS & (0x1C 0x26, "Select Kanji character mode"): from
// here bytes 0x81–0xFE lead a double-byte (GB18030) character. For models that
// do not start in Chinese mode (Model.ChineseMode).
func (p *Printer) ChineseMode() *Printer { return p.raw(fs, '&') }

// Logo appends FS p n m (0x1C 0x70 n 0, "Print NV bit image", normal size): the
// logo stored as image n (1–255) in the printer's non-volatile memory with the
// vendor's tool.
func (p *Printer) Logo(n int) *Printer {
	if n < 1 || n > 255 {
		return p.fail(fmt.Errorf("escpos: bad NV image number %d", n))
	}
	return p.raw(fs, 'p', byte(n), 0)
}

// Flush writes the job built so far to the port in one Write and empties it. It
// returns the first error met while building the job (nothing is written then)
// or the write error, prefixed "escpos: ".
func (p *Printer) Flush() error {
	if p.err != nil {
		err := p.err
		p.err = nil
		p.buf.Reset()
		return err
	}
	defer p.buf.Reset()
	if _, err := p.w.Write(p.buf.Bytes()); err != nil {
		return fmt.Errorf("escpos: write: %w", err)
	}
	return nil
}
