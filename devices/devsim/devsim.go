// Package devsim plays a hall's serial devices on pseudo-terminal pairs, for
// `qcall devsim` and the tests: ESC/POS printers (status answers, jobs cut
// apart, paper running out), LED window bars (each frame decoded) and
// satisfaction keypads (key presses sent). The device agent opens each device's
// Path as it would open /dev/ttyUSB0; nothing of the agent is in here, so the
// production agent carries no simulator. Linux only (pseudo-terminals).
package devsim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"qcall/devices/escpos"
	"qcall/devices/led"
)

// Kind is what a simulated device plays.
type Kind string

// The simulated devices.
const (
	Printer Kind = "printer" // answers DLE EOT, shows each job up to its cut
	LED     Kind = "led"     // decodes each frame
	Keypad  Kind = "keypad"  // sends key presses
)

// Spec is one simulated device.
type Spec struct {
	Kind   Kind
	Name   string    // the device name in the agent configuration
	Window int       // LED and keypad: their window
	Kiosks []string  // printer: the kiosks it prints for
	Slips  []int     // printer: windows whose return slips it prints
	Frame  led.Frame // LED: the frame it decodes
}

// Options configure a Sim.
type Options struct {
	Devices []Spec
	// LinkDir, when set, gets a symbolic link per device, named after it, to
	// its pseudo-terminal: Plug re-points it, as udev's /dev/serial/by-id
	// links follow a USB adapter plugged in again.
	LinkDir string
	// OnEvent is told what each device receives, one call at a time.
	OnEvent func(Event)
}

// Event is something a simulated device received or did.
type Event struct {
	Device string
	Kind   string // ticket (a job up to its cut; Text is escpos.Render's), led (Text decoded), status (a status query), bytes (a keypad or LED got bytes it does not expect), plug, unplug
	Text   string
	Raw    []byte
}

// PrinterState is how a simulated printer answers its status queries.
type PrinterState struct {
	PaperOut, PaperNearEnd, CoverOpen bool
	// Silent printers do not answer (switched off, or not a printer).
	Silent bool
	// MuteAfterJob turns Silent on as soon as a job's cut is received, before
	// the query that follows it is answered: the agent is then caught between
	// writing a job and knowing it printed.
	MuteAfterJob bool
	// RollEndsAfter makes the roll run out after this many more bytes of
	// print data (0: it does not): the printer then says paper out, answers
	// real-time status queries (DLE EOT) at once as before, and keeps the rest
	// of the data, in-order status requests (GS r, GS ( H) included, until the
	// paper is back (PaperOut set false again), when it prints it.
	RollEndsAfter int
	// Rate is how many bytes of print data the printer prints a second; 0
	// prints them as they come. A real printer buffers the data and answers
	// DLE EOT at once, before the paper has moved: with a Rate, so does the
	// simulator.
	Rate int
}

// answer is the printer's answer to DLE EOT n (see escpos.ParseStatus).
func (st PrinterState) answer(n byte) byte {
	b := byte(0x12)
	switch n {
	case escpos.StatusPrinter:
		if st.CoverOpen || st.PaperOut {
			b |= 0x08 // offline: printers stop while the cover is open or the roll is out
		}
	case escpos.StatusOffline:
		if st.CoverOpen {
			b |= 0x04
		}
		if st.PaperOut {
			b |= 0x20
		}
	case escpos.StatusPaper:
		if st.PaperNearEnd {
			b |= 0x0C
		}
		if st.PaperOut {
			b |= 0x60
		}
	}
	return b
}

// Sim plays printers, LED bars and keypads on pseudo-terminal pairs, for
// `qcall devsim` and the tests: the agent opens each device's Path as a
// serial port.
type Sim struct {
	opts Options
	evMu sync.Mutex // serializes OnEvent

	mu      sync.Mutex // guards devs' state below and changed
	devs    []*simDev
	changed chan struct{} // closed (and replaced) whenever a device observes something
	closed  bool
}

type simDev struct {
	spec Spec
	gen  int      // bumped by Plug; a reader of an older pair stops
	dev  *os.File // far end, read by the reader goroutine
	tty  *os.File // kept open, so that the far end does not hang up while the agent reopens
	path string   // the tty's name
	stop func()   // ends releaseOnClose's watch of tty

	state      PrinterState
	proc       sync.Mutex       // guards pr and held: the reader, SetPrinter and the print engine feed the printer
	pr         simPrinterParser // the printer's input so far
	held       []byte           // print data received, not yet printed (no paper, or printing at Rate)
	out        *os.File         // where the printer answers: dev of the current pair
	jobs       [][]byte
	queries    int
	unanswered int
	confirms   int // in-order status requests answered
	texts      []string
	received   int // bytes
}

// Open opens a pseudo-terminal pair per device and starts playing them.
func Open(opts Options) (*Sim, error) {
	s := &Sim{opts: opts, changed: make(chan struct{})}
	for _, spec := range opts.Devices {
		if spec.Name == "" || s.dev(spec.Name) != nil {
			s.Close()
			return nil, fmt.Errorf("devsim: bad or repeated device name %q", spec.Name)
		}
		d := &simDev{spec: spec}
		s.devs = append(s.devs, d)
		if err := s.plug(d); err != nil {
			s.Close()
			return nil, err
		}
		if spec.Kind == Printer {
			go s.engine(d)
		}
	}
	return s, nil
}

func (s *Sim) dev(name string) *simDev {
	for _, d := range s.devs {
		if d.spec.Name == name {
			return d
		}
	}
	return nil
}

func (s *Sim) mustDev(name string) (*simDev, error) {
	if d := s.dev(name); d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("devsim: no device %q", name)
}

// Devices returns the devices' specs.
func (s *Sim) Devices() []Spec {
	specs := make([]Spec, len(s.devs))
	for i, d := range s.devs {
		specs[i] = d.spec
	}
	return specs
}

// Path returns the path the agent opens for device name: its link in LinkDir,
// or its pseudo-terminal.
func (s *Sim) Path(name string) string {
	if s.opts.LinkDir != "" {
		return filepath.Join(s.opts.LinkDir, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.dev(name); d != nil {
		return d.path
	}
	return ""
}

// TTY returns device name's pseudo-terminal now (/dev/pts/N).
func (s *Sim) TTY(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.dev(name); d != nil {
		return d.path
	}
	return ""
}

// plug opens a new pair for d and starts its reader.
func (s *Sim) plug(d *simDev) error {
	dev, tty, err := openPTY()
	if err != nil {
		return err
	}
	stop, err := releaseOnClose(tty)
	if err != nil {
		dev.Close()
		tty.Close()
		return fmt.Errorf("devsim: %w", err)
	}
	s.mu.Lock()
	d.gen++
	gen := d.gen
	d.dev, d.tty, d.path, d.stop = dev, tty, tty.Name(), stop
	s.mu.Unlock()
	if s.opts.LinkDir != "" {
		link := filepath.Join(s.opts.LinkDir, d.spec.Name)
		tmp := link + ".new"
		os.Remove(tmp)
		if err := os.Symlink(tty.Name(), tmp); err != nil {
			return fmt.Errorf("devsim: link: %w", err)
		}
		if err := os.Rename(tmp, link); err != nil {
			return fmt.Errorf("devsim: link: %w", err)
		}
	}
	go s.read(d, gen, dev)
	return nil
}

// Unplug closes device name's pair, as if its cable were pulled: the agent's
// port hangs up, and its path (or link) leads nowhere.
func (s *Sim) Unplug(name string) error {
	d, err := s.mustDev(name)
	if err != nil {
		return err
	}
	s.detach(d)
	s.emit(Event{Device: name, Kind: "unplug"})
	return nil
}

// detach closes d's terminal pair, if it has one, and ends the goroutines of
// its generation.
func (s *Sim) detach(d *simDev) {
	s.mu.Lock()
	d.gen++
	dev, tty, stop := d.dev, d.tty, d.stop
	d.dev, d.tty, d.stop = nil, nil, nil
	s.mu.Unlock()
	if dev != nil {
		stop()
		dev.Close()
		tty.Close()
	}
}

// Plug gives device name a new pair (the cable put back) and re-points its
// link.
func (s *Sim) Plug(name string) error {
	d, err := s.mustDev(name)
	if err != nil {
		return err
	}
	if err := s.plug(d); err != nil {
		return err
	}
	s.emit(Event{Device: name, Kind: "plug", Text: d.path})
	return nil
}

// Close closes every pair and removes the links.
func (s *Sim) Close() error {
	s.mu.Lock()
	s.closed = true
	devs := slices.Clone(s.devs)
	s.mu.Unlock()
	for _, d := range devs {
		s.detach(d)
		if s.opts.LinkDir != "" {
			os.Remove(filepath.Join(s.opts.LinkDir, d.spec.Name))
		}
	}
	return nil
}

// SetPrinter sets how printer name answers from now on. A printer given its
// paper back prints the data it kept (see RollEndsAfter).
func (s *Sim) SetPrinter(name string, st PrinterState) {
	s.mu.Lock()
	d := s.dev(name)
	s.mu.Unlock()
	if d == nil {
		return
	}
	// The printer's input stops while the state changes, so that what it
	// kept is printed before what comes after.
	d.proc.Lock()
	defer d.proc.Unlock()
	s.mu.Lock()
	d.state = st
	s.note()
	s.mu.Unlock()
	if st.Rate == 0 {
		s.printHeld(d, len(d.held))
	}
}

// Printer returns how printer name answers now.
func (s *Sim) Printer(name string) PrinterState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.dev(name); d != nil {
		return d.state
	}
	return PrinterState{}
}

// Jobs returns the jobs printer name received, each up to its cut.
func (s *Sim) Jobs(name string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.dev(name); d != nil {
		return slices.Clone(d.jobs)
	}
	return nil
}

// Queries returns how many status queries printer name received, and how
// many of them it left unanswered.
func (s *Sim) Queries(name string) (all, unanswered int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.dev(name); d != nil {
		return d.queries, d.unanswered
	}
	return 0, 0
}

// Confirms returns how many in-order status requests (GS r 1, GS ( H)
// printer name has come to.
func (s *Sim) Confirms(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.dev(name); d != nil {
		return d.confirms
	}
	return 0
}

// Texts returns what LED bar name showed, frame by frame.
func (s *Sim) Texts(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.dev(name); d != nil {
		return slices.Clone(d.texts)
	}
	return nil
}

// Text returns what LED bar name shows now.
func (s *Sim) Text(name string) string {
	t := s.Texts(name)
	if len(t) == 0 {
		return ""
	}
	return t[len(t)-1]
}

// Press presses the key for score (1–5) on keypad name: it sends the digit,
// as the default keymap expects.
func (s *Sim) Press(name string, score int) error {
	if score < 1 || score > 5 {
		return fmt.Errorf("devsim: score %d not in 1–5", score)
	}
	return s.Send(name, []byte(strconv.Itoa(score)))
}

// plugged returns the two ends of device name's terminal, or an error when it
// is not plugged in.
func (s *Sim) plugged(name string) (dev, tty *os.File, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dev(name)
	if d == nil || d.dev == nil {
		return nil, nil, fmt.Errorf("devsim: %s is not plugged", name)
	}
	return d.dev, d.tty, nil
}

// Send writes b from device name to the agent: key presses, or noise.
func (s *Sim) Send(name string, b []byte) error {
	dev, _, err := s.plugged(name)
	if err != nil {
		return err
	}
	_, err = dev.Write(b)
	return err
}

// Wait waits until cond returns true, checking it whenever a device observes
// something, for at most timeout; it returns cond's last answer.
func (s *Sim) Wait(timeout time.Duration, cond func() bool) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-t.C:
			return cond()
		}
	}
}

// note wakes the waiters. mu held.
func (s *Sim) note() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Sim) emit(ev Event) {
	s.mu.Lock()
	s.note()
	s.mu.Unlock()
	if s.opts.OnEvent != nil {
		s.evMu.Lock()
		s.opts.OnEvent(ev)
		s.evMu.Unlock()
	}
}

// read plays device d on its pair gen until the pair is closed.
func (s *Sim) read(d *simDev, gen int, dev *os.File) {
	d.proc.Lock()
	d.pr, d.held, d.out = simPrinterParser{}, nil, dev
	d.proc.Unlock()
	var lb []byte // LED bytes not yet a frame
	buf := make([]byte, 4096)
	for {
		n, err := dev.Read(buf)
		if n > 0 {
			s.mu.Lock()
			current := d.gen == gen
			if current {
				d.received += n
			}
			s.mu.Unlock()
			if !current {
				return
			}
			switch d.spec.Kind {
			case Printer:
				d.proc.Lock()
				s.printerBytes(d, dev, buf[:n])
				d.proc.Unlock()
			case LED:
				lb = s.ledBytes(d, append(lb, buf[:n]...))
			default:
				s.emit(Event{Device: d.spec.Name, Kind: "bytes", Raw: slices.Clone(buf[:n]), Text: fmt.Sprintf("% x", buf[:n])})
			}
		}
		if err != nil {
			return // closed by Unplug or Close; EIO while nobody has the tty open does not happen, the Sim holds it
		}
	}
}

// simPrinterParser splits a printer's input into status queries and jobs.
type simPrinterParser struct {
	job []byte
	dle int // 1 after DLE, 2 after DLE EOT
}

// printerBytes takes what the agent wrote to printer d: it answers each DLE
// EOT n at once, as a printer does with real-time commands, and holds the rest
// to print: at once, or at its Rate, and not while the paper is out (see
// RollEndsAfter). d.proc held.
func (s *Sim) printerBytes(d *simDev, dev *os.File, b []byte) {
	pr := &d.pr
	s.mu.Lock()
	rate := d.state.Rate
	s.mu.Unlock()
	for _, c := range b {
		switch {
		case pr.dle == 0 && c == 0x10:
			pr.dle = 1
			continue
		case pr.dle == 1 && c == 0x04:
			pr.dle = 2
			continue
		case pr.dle == 2 && (c == escpos.StatusPrinter || c == escpos.StatusOffline || c == escpos.StatusPaper):
			pr.dle = 0
			if rate == 0 {
				// Without a Rate the data before the query has printed: in
				// one read, the query comes after it.
				s.printHeld(d, len(d.held))
			}
			s.mu.Lock()
			d.queries++
			st := d.state
			if st.Silent {
				d.unanswered++
			}
			s.note()
			s.mu.Unlock()
			if !st.Silent {
				dev.Write([]byte{st.answer(c)})
			}
			continue
		}
		switch pr.dle {
		case 1:
			d.held = append(d.held, 0x10)
		case 2:
			d.held = append(d.held, 0x10, 0x04)
		}
		pr.dle = 0
		d.held = append(d.held, c)
	}
	if rate == 0 {
		s.printHeld(d, len(d.held))
	}
}

// printHeld prints up to n bytes of the data held, unless the printer cannot
// print. d.proc held.
func (s *Sim) printHeld(d *simDev, n int) {
	i := 0
	for ; i < n && i < len(d.held); i++ {
		s.mu.Lock()
		if d.state.PaperOut || d.state.CoverOpen {
			s.mu.Unlock()
			break
		}
		if d.state.RollEndsAfter > 0 {
			if d.state.RollEndsAfter--; d.state.RollEndsAfter == 0 {
				d.state.PaperOut = true
				s.note()
			}
		}
		s.mu.Unlock()
		s.printerByte(d, d.out, d.held[i])
	}
	d.held = d.held[i:]
}

// engine prints the data printer d holds at its Rate, until the Sim closes.
func (s *Sim) engine(d *simDev) {
	const step = 10 * time.Millisecond
	tick := time.NewTicker(step)
	defer tick.Stop()
	for range tick.C {
		s.mu.Lock()
		closed, rate := s.closed, d.state.Rate
		s.mu.Unlock()
		if closed {
			return
		}
		if rate > 0 {
			d.proc.Lock()
			s.printHeld(d, max(1, rate*int(step/time.Millisecond)/1000))
			d.proc.Unlock()
		}
	}
}

// printerByte prints one byte of print data: it collects the job until its cut
// (GS V), and answers the in-order requests GS r 1 and GS ( H function 48 when
// it comes to them, after the data before them. d.proc held.
func (s *Sim) printerByte(d *simDev, dev *os.File, c byte) {
	pr := &d.pr
	pr.job = append(pr.job, c)
	if answer, n := inOrderRequest(pr.job); n > 0 {
		pr.job = pr.job[:len(pr.job)-n]
		s.mu.Lock()
		d.confirms++
		silent := d.state.Silent
		s.mu.Unlock()
		if len(pr.job) > 0 { // a job without a cut (cut = "none") ends here
			s.endJob(d, pr.job)
		}
		pr.job = nil
		if !silent {
			dev.Write(answer)
		}
		s.emit(Event{Device: d.spec.Name, Kind: "status"})
		return
	}
	if cutAt(pr.job) {
		s.endJob(d, pr.job)
		pr.job = nil
	}
	if len(pr.job) > 1<<20 {
		pr.job = nil // not a printer's input
	}
}

func (s *Sim) endJob(d *simDev, job []byte) {
	text, _ := escpos.Render(job)
	s.mu.Lock()
	d.jobs = append(d.jobs, job)
	if d.state.MuteAfterJob {
		d.state.Silent = true
	}
	s.mu.Unlock()
	s.emit(Event{Device: d.spec.Name, Kind: "ticket", Text: text, Raw: job})
}

// inOrderRequest reports whether job ends with GS r 1 (answered with the paper
// sensor status, 0x00: paper present) or GS ( H function 48 (answered 0x37 0x22
// d1…d4 0x00), returning the answer and the request's length.
func inOrderRequest(job []byte) ([]byte, int) {
	n := len(job)
	if n >= 3 && job[n-3] == 0x1D && job[n-2] == 'r' && (job[n-1] == 1 || job[n-1] == 49) {
		if ops, _ := escpos.Parse(job); len(ops) > 0 && ops[len(ops)-1].Name == fmt.Sprintf("GS r %d", job[n-1]) {
			return []byte{0x00}, 3
		}
	}
	if n >= 11 && bytes.Equal(job[n-11:n-4], []byte{0x1D, '(', 'H', 6, 0, 0x30, 0x30}) {
		if ops, _ := escpos.Parse(job); len(ops) > 0 && ops[len(ops)-1].Name == "GS ( H" {
			return []byte{0x37, 0x22, job[n-4], job[n-3], job[n-2], job[n-1], 0}, 11
		}
	}
	return nil, 0
}

// cutAt reports whether job ends with a cut (GS V m, m = 0, 1, 48, 49; or
// GS V m n, m = 65, 66) that Parse reads as one.
func cutAt(job []byte) bool {
	n := len(job)
	three := n >= 3 && job[n-3] == 0x1D && job[n-2] == 'V' && slices.Contains([]byte{0, 1, 48, 49}, job[n-1])
	four := n >= 4 && job[n-4] == 0x1D && job[n-3] == 'V' && (job[n-2] == 65 || job[n-2] == 66)
	if !three && !four {
		return false
	}
	ops, _ := escpos.Parse(job)
	return len(ops) > 0 && ops[len(ops)-1].Kind == escpos.OpCut
}

// ledBytes decodes the frames in b for LED d and returns the bytes left over
// (a frame not yet complete).
func (s *Sim) ledBytes(d *simDev, b []byte) []byte {
	f := d.spec.Frame
	for len(b) > 0 {
		if len(f.Prefix) > 0 {
			i := bytes.Index(b, f.Prefix)
			if i < 0 {
				if len(b) >= len(f.Prefix) {
					s.emit(Event{Device: d.spec.Name, Kind: "bytes", Raw: slices.Clone(b), Text: fmt.Sprintf("% x", b)})
					return nil
				}
				return b
			}
			if i > 0 {
				s.emit(Event{Device: d.spec.Name, Kind: "bytes", Raw: slices.Clone(b[:i]), Text: fmt.Sprintf("% x", b[:i])})
				b = b[i:]
			}
		}
		// The shortest run that decodes is the frame.
		found := 0
		var msg led.Message
		for end := 1; end <= len(b); end++ {
			if m, err := led.Decode(b[:end], f); err == nil {
				found, msg = end, m
				break
			}
		}
		if found == 0 {
			if len(b) > 4096 {
				return nil
			}
			return b
		}
		s.mu.Lock()
		d.texts = append(d.texts, msg.Text)
		s.mu.Unlock()
		s.emit(Event{Device: d.spec.Name, Kind: "led", Text: msg.Text, Raw: slices.Clone(b[:found])})
		b = b[found:]
	}
	return nil
}

// DefaultFrame is the LED frame of the simulator's bars: STX, address,
// GB18030 text, xor, ETX (devices/led README, example 1).
func DefaultFrame(address int) led.Frame {
	return led.Frame{Prefix: []byte{0x02}, HasAddress: true, Address: address, Checksum: led.ChecksumXOR, Suffix: []byte{0x03}}
}

// Devices returns the devices of a hall on a laptop: one printer for
// kiosk-1's tickets and the windows' return slips, and per window an LED bar
// and a keypad.
func Devices(windows []int) []Spec {
	specs := []Spec{{Kind: Printer, Name: "printer-1", Kiosks: []string{"kiosk-1"}, Slips: windows}}
	for _, w := range windows {
		specs = append(specs, Spec{Kind: LED, Name: fmt.Sprintf("led-%d", w), Window: w, Frame: DefaultFrame(w)})
	}
	for _, w := range windows {
		specs = append(specs, Spec{Kind: Keypad, Name: fmt.Sprintf("keypad-%d", w), Window: w})
	}
	return specs
}

// ConfigText returns an agent configuration (TOML) for the simulated devices,
// talking to server with token, spooling in data.
func (s *Sim) ConfigText(server, token, data string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# qcall agent configuration for the devices of `qcall devsim` (%s).\n", time.Now().Format(time.DateTime))
	b.WriteString("# Run: qcall agent --config <this file>. See docs/agent.md.\n\n")
	fmt.Fprintf(&b, "server = %q\ntoken = %q\ndata = %q\n\n", server, token, data)
	b.WriteString("[reconnect]\n  min = \"200ms\"\n  max = \"2s\"\n")
	for _, d := range s.devs {
		sp := d.spec
		switch sp.Kind {
		case Printer:
			fmt.Fprintf(&b, "\n[[printer]]\n  name = %q\n  port = %q\n  baud = 115200\n", sp.Name, s.Path(sp.Name))
			fmt.Fprintf(&b, "  kiosks = [%s]\n  windows = [%s]\n  retry = \"500ms\"\n  poll = \"5s\"\n", quoteList(sp.Kiosks), intList(sp.Slips))
		case LED:
			fmt.Fprintf(&b, "\n[[led]]\n  name = %q\n  port = %q\n  baud = 9600\n  window = %d\n", sp.Name, s.Path(sp.Name), sp.Window)
			f := sp.Frame
			fmt.Fprintf(&b, "  [led.frame]\n    prefix = [%s]\n    has_address = %t\n    address = 0x%02X\n    length = %t\n"+
				"    encoding = %q\n    checksum = %q\n    suffix = [%s]\n",
				hexList(f.Prefix), f.HasAddress, f.Address, f.Length, or(f.Encoding, led.GB18030), f.Checksum, hexList(f.Suffix))
		case Keypad:
			fmt.Fprintf(&b, "\n[[keypad]]\n  name = %q\n  port = %q\n  baud = 9600\n  window = %d\n", sp.Name, s.Path(sp.Name), sp.Window)
		}
	}
	return b.String()
}

// WriteConfig writes ConfigText to path.
func (s *Sim) WriteConfig(path, server, token, data string) error {
	if path == "" {
		return errors.New("devsim: no configuration path")
	}
	return os.WriteFile(path, []byte(s.ConfigText(server, token, data)), 0o600)
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func intList(ns []int) string {
	q := make([]string, len(ns))
	for i, n := range ns {
		q[i] = strconv.Itoa(n)
	}
	return strings.Join(q, ", ")
}

// or returns v, or def when v is the zero value.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func hexList(b []byte) string {
	q := make([]string, len(b))
	for i, c := range b {
		q[i] = fmt.Sprintf("0x%02X", c)
	}
	return strings.Join(q, ", ")
}

// Release lets device name's port be opened again by anyone after an agent
// that had it open was killed (go.bug.st/serial opens ports exclusively, and
// the Sim keeps the terminal open, so the kernel does not reset it). The Sim
// does it by itself whenever a file open on the terminal is closed; Release
// is for a caller that cannot wait for that.
func (s *Sim) Release(name string) error {
	_, tty, err := s.plugged(name)
	if err != nil {
		return err
	}
	return releaseTTY(tty)
}
