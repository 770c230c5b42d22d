package escpos

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// OpKind is the kind of a decoded ESC/POS operation.
type OpKind int

// Kinds of operations Parse decodes.
const (
	OpText    OpKind = iota // characters, Text in Style
	OpLF                    // LF: print the line and feed one line; Style of the line
	OpCR                    // CR: ignored by printers in Chinese serial setups
	OpInit                  // ESC @
	OpAlign                 // ESC a n; N = n
	OpSize                  // GS ! n; N = n (also ESC ! n, N = -1)
	OpBold                  // ESC E n; N = n
	OpFeed                  // ESC d n; N = lines
	OpQR                    // GS ( k function 181: print the stored QR code; QR set
	OpCut                   // GS V; N = m
	OpStatus                // DLE EOT n; N = n
	OpChinese               // FS & (N = 1, Chinese mode on) or FS . (N = 0, off)
	OpCommand               // another known command, no effect on the rendering
	OpUnknown               // bytes the parser does not know, or invalid text
)

var opNames = [...]string{"text", "lf", "cr", "init", "align", "size", "bold", "feed", "qr", "cut", "status", "chinese", "command", "unknown"}

// String returns the kind's name, e.g. "text" or "cut".
func (k OpKind) String() string {
	if k >= 0 && int(k) < len(opNames) {
		return opNames[k]
	}
	return fmt.Sprintf("opkind(%d)", int(k))
}

// Style is the print mode in effect for a run of text.
type Style struct {
	Align  Align // justification of the line the text is on
	Width  int   // magnification 1–8
	Height int   // magnification 1–8
	Bold   bool
}

// String returns the style as Render shows it: alignment letter, size, B if bold,
// e.g. "C 2x2 B".
func (s Style) String() string {
	b := "  "
	if s.Bold {
		b = " B"
	}
	return fmt.Sprintf("%c %dx%d%s", "LCR?"[min(int(s.Align), 3)], s.Width, s.Height, b)
}

// QR is a printed QR code with the settings in effect when it was printed.
type QR struct {
	Model  int // 1 or 2 (GS ( k function 165)
	Module int // dots per module (function 167)
	Level  QRLevel
	Data   []byte // what function 180 stored
}

// Op is one operation decoded from an ESC/POS stream.
type Op struct {
	Offset int    // of the first byte in the stream
	Raw    []byte // the bytes of the operation (for OpText, the encoded text)
	Kind   OpKind
	Name   string // command in notation, e.g. "GS V"; for OpUnknown, what is wrong
	N      int    // the argument, as the kind says
	Text   string // OpText: the characters, decoded to UTF-8
	Style  Style  // OpText: the print mode in effect
	QR     *QR    // OpQR
}

// Parse decodes an ESC/POS byte stream into operations, tracking the print mode as
// a printer does (ESC @ resets it, ESC a takes effect at the start of a line) and
// decoding text from GB18030 while Chinese mode is on, as it is at power-on (from
// code page 437 after FS .).
//
// It never stops early: bytes it does not know become OpUnknown operations, and
// the error returned joins one error per OpUnknown (nil if there are none).
func Parse(data []byte) ([]Op, error) {
	ps := parser{data: data, chinese: true}
	ps.reset()
	ps.run()
	return ps.ops, errors.Join(ps.errs...)
}

type parser struct {
	data    []byte
	i       int
	ops     []Op
	errs    []error
	chinese bool
	style   Style // the mode for the next character; Align is the next line's
	lineAl  Align // alignment of the current line
	inLine  bool  // a character has been put on the current line
	qr      QR
	run0    int // start of the pending text run
	text    strings.Builder
	tstyle  Style
}

func (ps *parser) reset() {
	ps.style = Style{Width: 1, Height: 1}
	ps.qr = QR{Model: 2, Module: 3, Level: QRLevelL}
}

// known fixed-length commands: prefix byte, command byte → argument bytes.
var fixedArgs = map[[2]byte]int{
	{esc, ' '}: 1, {esc, '!'}: 1, {esc, '$'}: 2, {esc, '-'}: 1, {esc, '2'}: 0, {esc, '3'}: 1,
	{esc, '='}: 1, {esc, '@'}: 0, {esc, 'E'}: 1, {esc, 'G'}: 1, {esc, 'J'}: 1, {esc, 'M'}: 1,
	{esc, 'R'}: 1, {esc, 'V'}: 1, {esc, '\\'}: 2, {esc, 'a'}: 1, {esc, 'c'}: 2, {esc, 'd'}: 1,
	{esc, 'e'}: 1, {esc, 'i'}: 0, {esc, 'm'}: 0, {esc, 'p'}: 3, {esc, 't'}: 1, {esc, '{'}: 1,
	{gs, '!'}: 1, {gs, 'B'}: 1, {gs, 'H'}: 1, {gs, 'L'}: 2, {gs, 'W'}: 2, {gs, 'a'}: 1,
	{gs, 'b'}: 1, {gs, 'f'}: 1, {gs, 'h'}: 1, {gs, 'r'}: 1, {gs, 'w'}: 1, {gs, 'I'}: 1,
	{fs, '&'}: 0, {fs, '.'}: 0, {fs, '!'}: 1, {fs, '-'}: 1, {fs, 'C'}: 1, {fs, 'S'}: 2,
	{fs, 'W'}: 1, {fs, 'p'}: 2,
	{dle, eot}: 1, {dle, 0x05}: 1,
}

var prefixName = map[byte]string{esc: "ESC", gs: "GS", fs: "FS", dle: "DLE"}

func (ps *parser) run() {
	for ps.i < len(ps.data) {
		b := ps.data[ps.i]
		switch {
		case b == lf:
			ps.flush()
			st := ps.style
			if ps.inLine {
				st.Align = ps.lineAl
			}
			ps.emit(Op{Kind: OpLF, Name: "LF", Style: st}, 1)
			ps.inLine = false
		case b == cr:
			ps.flush()
			ps.emit(Op{Kind: OpCR, Name: "CR"}, 1)
		case b == esc || b == gs || b == fs || b == dle:
			ps.flush()
			ps.command()
		case b == ht || (b >= 0x20 && b < 0x7F):
			ps.char(string(rune(b)), 1)
		case b >= 0x80 && ps.chinese:
			ps.gb18030()
		case b >= 0x80:
			ps.char(string(charmap.CodePage437.DecodeByte(b)), 1)
		default:
			ps.flush()
			ps.unknown(1, fmt.Sprintf("control byte %#02x", b))
		}
	}
	ps.flush()
}

// char adds r, made of the next n bytes, to the pending text run.
func (ps *parser) char(s string, n int) {
	if !ps.inLine {
		ps.inLine = true
		ps.lineAl = ps.style.Align
	}
	st := ps.style
	st.Align = ps.lineAl
	if ps.text.Len() > 0 && st != ps.tstyle {
		ps.flush()
	}
	if ps.text.Len() == 0 {
		ps.run0 = ps.i
		ps.tstyle = st
	}
	ps.text.WriteString(s)
	ps.i += n
}

// gb18030 decodes one character led by a byte ≥ 0x80: two bytes (lead 0x81–0xFE,
// trail 0x40–0x7E or 0x80–0xFE) or four (0x81–0xFE, 0x30–0x39, 0x81–0xFE,
// 0x30–0x39), GB 18030-2005 §5.
func (ps *parser) gb18030() {
	d := ps.data[ps.i:]
	lead := func(b byte) bool { return b >= 0x81 && b <= 0xFE }
	digit := func(b byte) bool { return b >= 0x30 && b <= 0x39 }
	n := 0
	switch {
	case !lead(d[0]):
	case len(d) >= 2 && (d[1] >= 0x40 && d[1] <= 0x7E || d[1] >= 0x80 && d[1] <= 0xFE):
		n = 2
	case len(d) >= 4 && digit(d[1]) && lead(d[2]) && digit(d[3]):
		n = 4
	}
	if n == 0 {
		ps.flush()
		ps.unknown(1, fmt.Sprintf("invalid GB18030 byte %#02x", d[0]))
		return
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(d[:n])
	if err != nil || !utf8.Valid(s) {
		s = []byte("\uFFFD")
	}
	ps.char(string(s), n)
}

func (ps *parser) flush() {
	if ps.text.Len() == 0 {
		return
	}
	ps.ops = append(ps.ops, Op{
		Offset: ps.run0,
		Raw:    append([]byte(nil), ps.data[ps.run0:ps.i]...),
		Kind:   OpText,
		Text:   ps.text.String(),
		Style:  ps.tstyle,
	})
	ps.text.Reset()
}

// emit appends op, made of the next n bytes.
func (ps *parser) emit(op Op, n int) {
	op.Offset = ps.i
	op.Raw = append([]byte(nil), ps.data[ps.i:ps.i+n]...)
	ps.ops = append(ps.ops, op)
	ps.i += n
}

func (ps *parser) unknown(n int, why string) {
	ps.errs = append(ps.errs, fmt.Errorf("escpos: offset %d: %s", ps.i, why))
	ps.emit(Op{Kind: OpUnknown, Name: why}, n)
}

// command decodes the command starting at ps.i (an ESC, GS, FS or DLE byte).
func (ps *parser) command() {
	d := ps.data[ps.i:]
	pre := prefixName[d[0]]
	if len(d) < 2 {
		ps.unknown(1, pre+" at end of stream")
		return
	}
	c := d[1]
	name := fmt.Sprintf("%s %s", pre, printable(c))
	// Variable-length commands first.
	switch {
	case d[0] == gs && c == '(':
		ps.gsParen(d)
		return
	case d[0] == gs && c == 'V':
		n := 3
		if len(d) >= 3 && (d[2] == 65 || d[2] == 66 || d[2] == 97 || d[2] == 98 || d[2] == 103 || d[2] == 104) {
			n = 4 // function B–D: GS V m n
		}
		if len(d) < n {
			ps.unknown(len(d), name+" truncated")
			return
		}
		ps.emit(Op{Kind: OpCut, Name: name, N: int(d[2])}, n)
		ps.inLine = false
		return
	}
	args, ok := fixedArgs[[2]byte{d[0], c}]
	if !ok {
		ps.unknown(2, "unknown command "+name)
		return
	}
	if len(d) < 2+args {
		ps.unknown(len(d), name+" truncated")
		return
	}
	n := 0
	if args > 0 {
		n = int(d[2])
	}
	op := Op{Kind: OpCommand, Name: name, N: n}
	switch [2]byte{d[0], c} {
	case [2]byte{esc, '@'}:
		op.Kind = OpInit
		ps.reset()
		ps.inLine = false // ESC @ clears the print buffer
	case [2]byte{esc, 'a'}:
		op.Kind = OpAlign
		switch n {
		case 0, 48:
			ps.style.Align = Left
		case 1, 49:
			ps.style.Align = Center
		case 2, 50:
			ps.style.Align = Right
		}
	case [2]byte{gs, '!'}:
		op.Kind = OpSize
		ps.style.Width, ps.style.Height = n>>4&7+1, n&7+1
	case [2]byte{esc, '!'}:
		op.Kind = OpSize
		op.N = -1
		ps.style.Bold = n&0x08 != 0
		ps.style.Width, ps.style.Height = 1+n>>5&1, 1+n>>4&1
	case [2]byte{esc, 'E'}:
		op.Kind = OpBold
		ps.style.Bold = n&1 != 0
	case [2]byte{esc, 'd'}:
		op.Kind = OpFeed
		ps.inLine = false
	case [2]byte{esc, 'J'}:
		ps.inLine = false
	case [2]byte{fs, '&'}:
		op.Kind, op.N = OpChinese, 1
		ps.chinese = true
	case [2]byte{fs, '.'}:
		op.Kind, op.N = OpChinese, 0
		ps.chinese = false
	case [2]byte{dle, eot}:
		op.Kind = OpStatus
	}
	if args > 0 {
		op.Name = fmt.Sprintf("%s %d", name, n)
	}
	ps.emit(op, 2+args)
}

// gsParen decodes GS ( fn pL pH d1…dk, k = pL + pH×256; for QR codes (GS ( k with
// cn = 49) it tracks the settings and stored data and emits OpQR on function 181.
func (ps *parser) gsParen(d []byte) {
	if len(d) < 5 {
		ps.unknown(len(d), "GS ( truncated")
		return
	}
	k := int(d[3]) | int(d[4])<<8
	name := "GS ( " + printable(d[2])
	if len(d) < 5+k {
		ps.unknown(len(d), fmt.Sprintf("%s truncated: %d of %d bytes", name, len(d)-5, k))
		return
	}
	body := d[5 : 5+k]
	op := Op{Kind: OpCommand, Name: name}
	if d[2] == 'k' && k >= 2 && body[0] == 49 {
		fn := int(body[1]) + 100
		op.Name = fmt.Sprintf("GS ( k %d", fn)
		op.N = fn
		switch {
		case fn == 165 && k >= 3:
			ps.qr.Model = int(body[2]) - 48
		case fn == 167 && k >= 3:
			ps.qr.Module = int(body[2])
		case fn == 169 && k >= 3:
			ps.qr.Level = map[byte]QRLevel{48: QRLevelL, 49: QRLevelM, 50: QRLevelQ, 51: QRLevelH}[body[2]]
		case fn == 180 && k >= 3:
			ps.qr.Data = append([]byte(nil), body[3:]...)
		case fn == 181:
			q := ps.qr
			q.Data = append([]byte(nil), q.Data...)
			op.Kind = OpQR
			op.QR = &q
			ps.inLine = false
		}
	}
	ps.emit(op, 5+k)
}

func printable(c byte) string {
	if c > 0x20 && c < 0x7F {
		return string(rune(c))
	}
	return fmt.Sprintf("%#02x", c)
}

// Lines returns the text lines the operations print, in order, as plain UTF-8
// without styles; a line left in the buffer without LF comes last.
func Lines(ops []Op) []string {
	var lines []string
	var cur strings.Builder
	open := false
	for _, op := range ops {
		switch op.Kind {
		case OpText:
			cur.WriteString(op.Text)
			open = true
		case OpLF:
			lines = append(lines, cur.String())
			cur.Reset()
			open = false
		case OpFeed, OpQR, OpCut:
			if open {
				lines = append(lines, cur.String())
				cur.Reset()
				open = false
			}
		case OpInit:
			cur.Reset()
			open = false
		}
	}
	if open {
		lines = append(lines, cur.String())
	}
	return lines
}

// QRCodes returns the data of every QR code the operations print.
func QRCodes(ops []Op) []string {
	var qs []string
	for _, op := range ops {
		if op.Kind == OpQR {
			qs = append(qs, string(op.QR.Data))
		}
	}
	return qs
}

// Render decodes data with Parse and returns what the printer would print, one
// line per printed line or command, for a person to read:
//
//	init
//	C 2x2 B | 示范劳动保障服务大厅
//	C 8x8 B | A012
//	L 1x1   | 1. 身份证原件
//	qr model 2, module 6, level M | https://q.example/t/A012
//	feed 4
//	cut full
//
// A text line starts with its alignment (L, C, R), the size of its first
// character, B if bold; a style change within the line shows as {2x2 B}. Unknown
// bytes show as "?? offset: what, hex". The error is Parse's.
func Render(data []byte) (string, error) {
	ops, err := Parse(data)
	var sb strings.Builder
	var line []Op
	endLine := func(st Style, printed bool) {
		if len(line) == 0 && !printed {
			return
		}
		if len(line) > 0 {
			st = line[0].Style
		}
		var text strings.Builder
		for i, op := range line {
			if i > 0 && op.Style != line[i-1].Style {
				fmt.Fprintf(&text, "{%s}", strings.TrimSpace(op.Style.String()[2:]))
			}
			text.WriteString(op.Text)
		}
		s := strings.TrimRight(fmt.Sprintf("%s | %s", st, text.String()), " ")
		if !printed {
			s += "   (not printed: no LF)"
		}
		sb.WriteString(s)
		sb.WriteByte('\n')
		line = line[:0]
	}
	for _, op := range ops {
		switch op.Kind {
		case OpText:
			line = append(line, op)
			continue
		case OpLF:
			endLine(op.Style, true)
			continue
		case OpCR, OpAlign, OpSize, OpBold:
			continue
		}
		if op.Kind == OpFeed || op.Kind == OpQR || op.Kind == OpCut {
			if len(line) > 0 {
				endLine(Style{}, true)
			}
		}
		switch op.Kind {
		case OpInit:
			line = line[:0]
			sb.WriteString("init\n")
		case OpFeed:
			fmt.Fprintf(&sb, "feed %d\n", op.N)
		case OpQR:
			fmt.Fprintf(&sb, "qr model %d, module %d, level %s | %s\n", op.QR.Model, op.QR.Module, op.QR.Level, quoteIfNeeded(op.QR.Data))
		case OpCut:
			mode := "full"
			if op.N == 1 || op.N == 49 || op.N == 66 || op.N == 98 || op.N == 104 {
				mode = "partial"
			}
			fmt.Fprintf(&sb, "cut %s\n", mode)
		case OpStatus:
			fmt.Fprintf(&sb, "status query %d\n", op.N)
		case OpChinese:
			fmt.Fprintf(&sb, "%s (chinese mode %s)\n", op.Name, map[int]string{0: "off", 1: "on"}[op.N])
		case OpCommand:
			if !strings.HasPrefix(op.Name, "GS ( k 1") { // QR settings show on the qr line
				fmt.Fprintf(&sb, "cmd %s\n", op.Name)
			}
		case OpUnknown:
			fmt.Fprintf(&sb, "?? %d: %s, % x\n", op.Offset, op.Name, op.Raw[:min(len(op.Raw), 16)])
		}
	}
	endLine(Style{}, false)
	return sb.String(), err
}

func quoteIfNeeded(b []byte) string {
	s := string(b)
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7F }) {
		return s
	}
	return fmt.Sprintf("%q", s)
}
