package escpos

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Ticket is what a queue ticket shows. It holds plain values so the driver needs
// nothing from the rest of qcall; the caller fills it from the issued ticket.
type Ticket struct {
	HallName      string        // 示范劳动保障服务大厅
	ServiceName   string        // 社保卡业务, printed large
	ServiceNameEn string        // Social security card, under it when English is printed
	Number        string        // A012, printed as large as the paper allows
	Ahead         int           // people ahead at issue time
	EstWait       time.Duration // estimated wait; 0 leaves the line out
	NoWindow      bool          // no window serves the service now: said instead of a wait
	IssuedAt      time.Time     // printed in its own location; zero leaves the line out
	Materials     []string      // required materials, all of them at once (一次性告知)
	URL           string        // the visitor's phone page, printed as a QR code; "" for none
	Footer        string        // last line, e.g. the hall's phone number
	Lang          string        // the visitor's language; "en…" always adds the English lines
}

// Slip is a return slip (直通反馈单): handed out when a window turns a visitor away
// for missing materials, it lets the visitor come back and be served without
// queuing again. Its Code is printed as text and as a QR code.
type Slip struct {
	HallName    string
	Code        string // slip code, scanned at the kiosk or window on return
	Number      string // the ticket number the visitor held
	ServiceName string
	Window      int    // window number
	WindowName  string // optional, e.g. 社保综合窗口
	Missing     []string
	ValidUntil  time.Time // zero leaves the line out
}

// Labels words the labels a ticket or slip prints: it returns the text of a
// catalogue key (printer.ahead, printer.slip.title, …) in lang, "zh-CN" or "en",
// with fmt-style args applied. The driver holds no text of its own: the caller
// passes its catalogue (the agent passes qcall's, assets.T).
type Labels func(lang, key string, args ...any) string

// Options tunes the layout to the printer.
type Options struct {
	// Labels words the printed labels; nil prints each label's catalogue key
	// as it is, so that a missing catalogue shows plainly.
	Labels Labels
	// Columns is the number of normal-size ASCII characters per line (a Chinese
	// character takes two): 48 on 80 mm paper (the default when 0), 32 on 58 mm,
	// 42 on an Epson TM-T88 (Models).
	Columns int
	// English says whether every label gets its English line under the Chinese
	// one: EnglishAuto (the zero value) with 42 columns or more, and on tickets
	// whose Lang is English; EnglishOn always; EnglishOff only on tickets whose
	// Lang is English.
	English English
	// Cut is the cut at the end of the job: CutFull (the zero value), CutPartial
	// or CutNone (a tear bar).
	Cut Cut
	// Feed is the number of lines fed before the cut, so the last line clears the
	// cutter; 0 means 4.
	Feed int
	// QRModule is the QR module size in dots, 1–16; 0 means 6.
	QRModule int
	// QRLevel is the QR error correction level; the zero value is M.
	QRLevel QRLevel
	// NumberSize is the largest magnification of the ticket number, 1–8; 0
	// means 8. The number is printed smaller when it does not fit the line.
	NumberSize int
	// NoMaterials leaves the list of required materials off the ticket (the
	// kiosk shows it, and the phone page).
	NoMaterials bool
	// Logo prints NV image Logo (1–255, stored in the printer) at the top of
	// tickets and slips; 0 prints none.
	Logo int
	// ChineseMode sends FS & after ESC @, for models that do not start in
	// Chinese mode (Model.ChineseMode).
	ChineseMode bool
}

// English is whether the English lines are printed (Options.English).
type English int

// English line modes.
const (
	EnglishAuto English = iota
	EnglishOn
	EnglishOff
)

// Paper widths, as Options.Columns.
const (
	Columns80mm = 48
	Columns58mm = 32
)

func (o Options) withDefaults() Options {
	if o.Columns <= 0 {
		o.Columns = Columns80mm
	}
	if o.Feed == 0 {
		o.Feed = 4
	}
	if o.QRModule == 0 {
		o.QRModule = 6
	}
	if o.NumberSize <= 0 || o.NumberSize > 8 {
		o.NumberSize = 8
	}
	return o
}

// english reports whether labels get their English line, for a job in lang.
func (o Options) english(lang string) bool {
	switch {
	case strings.HasPrefix(strings.ToLower(strings.TrimSpace(lang)), "en"):
		return true
	case o.English == EnglishOn:
		return true
	case o.English == EnglishOff:
		return false
	}
	return o.Columns >= 42
}

// begin starts a job: ESC @, FS & where the model needs it, the logo.
func (l *layout) begin(o Options) {
	l.p.Init()
	if o.ChineseMode {
		l.p.ChineseMode()
	}
	if o.Logo > 0 {
		l.p.Align(Center).Logo(o.Logo)
	}
	l.p.Align(Center)
}

const timeLayout = "2006-01-02 15:04"

// PrintTicket prints t on w as one job: hall name, service, the number as large as
// the paper allows (GS ! 0x77 for a four-character number), people ahead,
// estimated wait, issue time, the materials list, the QR code of t.URL, the footer,
// then it feeds and cuts. Labels are the printer.* catalogue keys worded by
// Options.Labels, Chinese first and English under it (see Options.English). It
// returns an error starting with "escpos: " if t has no number, a value does not
// fit a command, or the write fails; nothing is written unless the whole job was
// built.
func PrintTicket(w io.Writer, t Ticket, opts Options) error {
	if strings.TrimSpace(t.Number) == "" {
		return errors.New("escpos: ticket has no number")
	}
	opts = opts.withDefaults()
	l := newLayout(w, opts, opts.english(t.Lang))
	p := l.p
	l.begin(opts)
	if t.HallName != "" {
		l.fit(t.HallName, 2, true)
	}
	if t.ServiceName != "" {
		l.fit(t.ServiceName, 2, true)
	}
	if l.en && t.ServiceNameEn != "" {
		l.fit(t.ServiceNameEn, 1, false)
	}
	l.number(t.Number, opts.NumberSize)
	l.both("printer.ahead", max(t.Ahead, 0))
	switch {
	case t.NoWindow:
		l.both("printer.no_window")
	case t.EstWait > 0:
		l.both("printer.wait", int((t.EstWait+time.Minute-1)/time.Minute))
	}
	if !t.IssuedAt.IsZero() {
		l.both("printer.issued", t.IssuedAt.Format(timeLayout))
	}
	if len(t.Materials) > 0 && !opts.NoMaterials {
		p.Align(Left)
		l.both("printer.materials")
		l.list(t.Materials)
		p.Align(Center)
	}
	if t.URL != "" {
		p.LF().QR(t.URL, opts.QRModule, opts.QRLevel).LF()
		l.both("printer.scan")
	}
	if t.Footer != "" {
		l.fit(t.Footer, 1, false)
	}
	p.Feed(opts.Feed).Cut(opts.Cut)
	return p.Flush()
}

// PrintSlip prints s on w as one job: hall name, the title 直通反馈单, the ticket
// number, service and window, the missing materials, how to come back, the
// validity, then the code as a QR code and as text, and it feeds and cuts. Errors
// are as for PrintTicket; s.Code is required.
func PrintSlip(w io.Writer, s Slip, opts Options) error {
	if strings.TrimSpace(s.Code) == "" {
		return errors.New("escpos: slip has no code")
	}
	opts = opts.withDefaults()
	l := newLayout(w, opts, opts.english(""))
	p := l.p
	l.begin(opts)
	if s.HallName != "" {
		l.fit(s.HallName, 1, true)
	}
	l.fit(l.label("zh-CN", "printer.slip.title"), 2, true)
	if l.en {
		l.fit(l.label("en", "printer.slip.title"), 1, false)
	}
	p.LF().Align(Left)
	if s.Number != "" {
		l.both("printer.slip.number", s.Number)
	}
	if s.ServiceName != "" {
		l.wrap(l.label("zh-CN", "printer.service", s.ServiceName), "")
	}
	if s.Window > 0 {
		if s.WindowName != "" && !sameWindow(s.Window, s.WindowName) {
			l.both("printer.slip.window_named", s.Window, s.WindowName)
		} else {
			l.both("printer.slip.window", s.Window)
		}
	}
	if len(s.Missing) > 0 {
		l.both("printer.slip.missing")
		l.list(s.Missing)
	}
	l.both("printer.slip.hint")
	if !s.ValidUntil.IsZero() {
		l.both("printer.slip.valid", s.ValidUntil.Format(timeLayout))
	}
	p.Align(Center).LF().QR(s.Code, opts.QRModule, opts.QRLevel).LF()
	p.Bold(true)
	l.both("printer.slip.code", s.Code)
	p.Bold(false)
	p.Feed(opts.Feed).Cut(opts.Cut)
	return p.Flush()
}

// layout writes lines that fit the paper width.
type layout struct {
	p      *Printer
	cols   int
	en     bool   // print the English line under each label
	labels Labels // nil: the keys themselves
}

func newLayout(w io.Writer, o Options, en bool) *layout {
	return &layout{p: NewPrinter(w), cols: o.Columns, en: en, labels: o.Labels}
}

// label returns the text of key in lang from the caller's Labels, or the key
// itself without them.
func (l *layout) label(lang, key string, args ...any) string {
	if l.labels == nil {
		return key
	}
	return l.labels(lang, key, args...)
}

// sameWindow reports whether a window's name only repeats its number ("2号窗口",
// "2 号窗口", "Window 2"), which the slip then leaves out.
func sameWindow(n int, name string) bool {
	name = strings.ToLower(strings.Join(strings.Fields(name), ""))
	num := fmt.Sprint(n)
	return name == num || name == num+"号窗口" || name == num+"号" || name == "窗口"+num ||
		name == "window"+num || name == "第"+num+"号窗口" || name == "第"+num+"窗口"
}

// fit prints s at the largest magnification up to mag whose width fits one line,
// else at normal size over lines of balanced width, then returns to normal size.
func (l *layout) fit(s string, mag int, bold bool) {
	s = Sanitize(s)
	m := mag
	for m > 1 && Width(s)*m > l.cols {
		m--
	}
	l.p.Size(m, m).Bold(bold)
	for _, line := range Balance(s, l.cols/m) {
		l.p.Line(line)
	}
	l.p.Size(1, 1).Bold(false)
}

// Balance breaks s as Wrap does into the fewest lines of at most cols columns,
// but with widths as even as they can be, so that a heading does not leave its
// last character alone on a line (示范劳动保障服务大 / 厅).
func Balance(s string, cols int) []string {
	lines := Wrap(s, cols, 0)
	if len(lines) < 2 {
		return lines
	}
	for w := (Width(s) + len(lines) - 1) / len(lines); w < cols; w++ {
		if b := Wrap(s, w, 0); len(b) == len(lines) {
			return b
		}
	}
	return lines
}

// number prints the ticket number as large as fits, up to size×size (8×8 is
// GS ! 0x77).
func (l *layout) number(n string, size int) {
	w := max(Width(n), 1)
	m := min(size, max(1, l.cols/w))
	l.p.Size(m, m).Bold(true).Line(Sanitize(n)).Size(1, 1).Bold(false)
}

// both prints the zh-CN text of key, then the English text if l.en.
func (l *layout) both(key string, args ...any) {
	zh := l.label("zh-CN", key, args...)
	l.wrap(zh, "")
	if l.en {
		if en := l.label("en", key, args...); en != zh {
			l.wrap(en, "")
		}
	}
}

// list prints numbered items with a hanging indent.
func (l *layout) list(items []string) {
	for i, it := range items {
		mark := fmt.Sprintf("%d. ", i+1)
		if len(items) >= 10 && i < 9 {
			mark = " " + mark
		}
		l.wrap(mark+Sanitize(it), strings.Repeat(" ", len(mark)))
	}
}

// wrap prints s over as many lines as it takes at the current normal size;
// continuation lines start with indent.
func (l *layout) wrap(s string, indent string) {
	for i, line := range Wrap(Sanitize(s), l.cols, Width(indent)) {
		if i > 0 {
			line = indent + line
		}
		l.p.Line(line)
	}
}

// Width returns the printed width of s in normal-size columns: 1 for an ASCII
// character, 2 for anything sent as a multi-byte GB18030 character (the printer
// draws those from its 24×24 Chinese font).
func Width(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	if r < utf8.RuneSelf {
		return 1
	}
	return 2
}

// Wrap breaks s into lines of at most cols columns (see Width); lines after the
// first have indent columns fewer. English words are kept whole where a line has
// a space to break at; Chinese breaks between any two characters. Every line
// holds at least one character.
func Wrap(s string, cols, indent int) []string {
	var lines []string
	width := max(cols, 1)
	for s != "" {
		w, cut, space := 0, len(s), -1
		for i, r := range s {
			rw := runeWidth(r)
			if w+rw > width && i > 0 {
				cut = i
				break
			}
			if r == ' ' {
				space = i
			}
			w += rw
		}
		if cut < len(s) && space > 0 && isWordByte(s[cut]) && isWordByte(s[cut-1]) {
			cut = space
		}
		line := strings.TrimRight(s[:cut], " ")
		s = strings.TrimLeft(s[cut:], " ")
		lines = append(lines, line)
		width = max(cols-indent, 1)
	}
	return lines
}

func isWordByte(b byte) bool {
	return b > ' ' && b < utf8.RuneSelf
}
