package agent

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

// SimKind is what a simulated device plays.
type SimKind string

// The simulated devices.
const (
	SimPrinter SimKind = "printer" // answers DLE EOT, shows each job up to its cut
	SimLED     SimKind = "led"     // decodes each frame
	SimKeypad  SimKind = "keypad"  // sends key presses
)

// SimSpec is one simulated device.
type SimSpec struct {
	Kind   SimKind
	Name   string    // the device name in the agent configuration
	Window int       // LED and keypad: their window
	Kiosks []string  // printer: the kiosks it prints for
	Slips  []int     // printer: windows whose return slips it prints
	Frame  led.Frame // LED: the frame it decodes
}

// SimOptions configure a Sim.
type SimOptions struct {
	Devices []SimSpec
	// LinkDir, when set, gets a symbolic link per device, named after it, to
	// its pseudo-terminal: Plug re-points it, as udev's /dev/serial/by-id
	// links follow a USB adapter plugged in again.
	LinkDir string
	// OnEvent is told what each device receives, one call at a time.
	OnEvent func(SimEvent)
}

// SimEvent is something a simulated device received or did.
type SimEvent struct {
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
	opts SimOptions
	evMu sync.Mutex // serializes OnEvent

	mu      sync.Mutex // guards devs' state below and changed
	devs    []*simDev
	changed chan struct{} // closed (and replaced) whenever a device observes something
	closed  bool
}

type simDev struct {
	spec SimSpec
	gen  int      // bumped by Plug; a reader of an older pair stops
	dev  *os.File // far end, read by the reader goroutine
	tty  *os.File // kept open, so that the far end does not hang up while the agent reopens
	path string   // the tty's name
	stop func()   // ends releaseOnClose's watch of tty

	state      PrinterState
	jobs       [][]byte
	queries    int
	unanswered int
	texts      []string
	received   int // bytes
}

// OpenSim opens a pseudo-terminal pair per device and starts playing them.
func OpenSim(opts SimOptions) (*Sim, error) {
	s := &Sim{opts: opts, changed: make(chan struct{})}
	for _, spec := range opts.Devices {
		if spec.Name == "" || s.dev(spec.Name) != nil {
			s.Close()
			return nil, fmt.Errorf("agent: sim: bad or repeated device name %q", spec.Name)
		}
		d := &simDev{spec: spec}
		s.devs = append(s.devs, d)
		if err := s.plug(d); err != nil {
			s.Close()
			return nil, err
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
	return nil, fmt.Errorf("agent: sim: no device %q", name)
}

// Devices returns the devices' specs.
func (s *Sim) Devices() []SimSpec {
	specs := make([]SimSpec, len(s.devs))
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
		return fmt.Errorf("agent: sim: %w", err)
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
			return fmt.Errorf("agent: sim: link: %w", err)
		}
		if err := os.Rename(tmp, link); err != nil {
			return fmt.Errorf("agent: sim: link: %w", err)
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
	s.emit(SimEvent{Device: name, Kind: "unplug"})
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
	s.emit(SimEvent{Device: name, Kind: "plug", Text: d.path})
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

// SetPrinter sets how printer name answers from now on.
func (s *Sim) SetPrinter(name string, st PrinterState) {
	s.mu.Lock()
	if d := s.dev(name); d != nil {
		d.state = st
	}
	s.note()
	s.mu.Unlock()
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

// Press presses the key for score (1–4) on keypad name: it sends the digit,
// as the default keymap expects.
func (s *Sim) Press(name string, score int) error {
	if score < 1 || score > 4 {
		return fmt.Errorf("agent: sim: score %d not in 1–4", score)
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
		return nil, nil, fmt.Errorf("agent: sim: %s is not plugged", name)
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

func (s *Sim) emit(ev SimEvent) {
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
	var pr simPrinterParser
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
			case SimPrinter:
				s.printerBytes(d, &pr, dev, buf[:n])
			case SimLED:
				lb = s.ledBytes(d, append(lb, buf[:n]...))
			default:
				s.emit(SimEvent{Device: d.spec.Name, Kind: "bytes", Raw: slices.Clone(buf[:n]), Text: fmt.Sprintf("% x", buf[:n])})
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
// EOT n at once, as a printer does with real-time commands, and collects the
// rest into a job until its cut (GS V).
func (s *Sim) printerBytes(d *simDev, pr *simPrinterParser, dev *os.File, b []byte) {
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
		case pr.dle == 1:
			pr.job = append(pr.job, 0x10)
		case pr.dle == 2:
			pr.job = append(pr.job, 0x10, 0x04)
		}
		pr.dle = 0
		pr.job = append(pr.job, c)
		if cutAt(pr.job) {
			job := pr.job
			pr.job = nil
			text, _ := escpos.Render(job)
			s.mu.Lock()
			d.jobs = append(d.jobs, job)
			if d.state.MuteAfterJob {
				d.state.Silent = true
			}
			s.mu.Unlock()
			s.emit(SimEvent{Device: d.spec.Name, Kind: "ticket", Text: text, Raw: job})
		}
		if len(pr.job) > 1<<20 {
			pr.job = nil // not a printer's input
		}
	}
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
					s.emit(SimEvent{Device: d.spec.Name, Kind: "bytes", Raw: slices.Clone(b), Text: fmt.Sprintf("% x", b)})
					return nil
				}
				return b
			}
			if i > 0 {
				s.emit(SimEvent{Device: d.spec.Name, Kind: "bytes", Raw: slices.Clone(b[:i]), Text: fmt.Sprintf("% x", b[:i])})
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
		s.emit(SimEvent{Device: d.spec.Name, Kind: "led", Text: msg.Text, Raw: slices.Clone(b[:found])})
		b = b[found:]
	}
	return nil
}

// DefaultSimFrame is the LED frame of the simulator's bars: STX, address,
// GB18030 text, xor, ETX (devices/led README, example 1).
func DefaultSimFrame(address int) led.Frame {
	return led.Frame{Prefix: []byte{0x02}, HasAddress: true, Address: address, Checksum: led.ChecksumXOR, Suffix: []byte{0x03}}
}

// SimDevices returns the devices of a hall on a laptop: one printer for
// kiosk-1's tickets and the windows' return slips, and per window an LED bar
// and a keypad.
func SimDevices(windows []int) []SimSpec {
	specs := []SimSpec{{Kind: SimPrinter, Name: "printer-1", Kiosks: []string{"kiosk-1"}, Slips: windows}}
	for _, w := range windows {
		specs = append(specs, SimSpec{Kind: SimLED, Name: fmt.Sprintf("led-%d", w), Window: w, Frame: DefaultSimFrame(w)})
	}
	for _, w := range windows {
		specs = append(specs, SimSpec{Kind: SimKeypad, Name: fmt.Sprintf("keypad-%d", w), Window: w})
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
		case SimPrinter:
			fmt.Fprintf(&b, "\n[[printer]]\n  name = %q\n  port = %q\n  baud = 115200\n", sp.Name, s.Path(sp.Name))
			fmt.Fprintf(&b, "  kiosks = [%s]\n  windows = [%s]\n  retry = \"500ms\"\n  poll = \"5s\"\n", quoteList(sp.Kiosks), intList(sp.Slips))
		case SimLED:
			fmt.Fprintf(&b, "\n[[led]]\n  name = %q\n  port = %q\n  baud = 9600\n  window = %d\n", sp.Name, s.Path(sp.Name), sp.Window)
			f := sp.Frame
			fmt.Fprintf(&b, "  [led.frame]\n    prefix = [%s]\n    has_address = %t\n    address = 0x%02X\n    length = %t\n"+
				"    encoding = %q\n    checksum = %q\n    suffix = [%s]\n",
				hexList(f.Prefix), f.HasAddress, f.Address, f.Length, or(f.Encoding, led.GB18030), f.Checksum, hexList(f.Suffix))
		case SimKeypad:
			fmt.Fprintf(&b, "\n[[keypad]]\n  name = %q\n  port = %q\n  baud = 9600\n  window = %d\n", sp.Name, s.Path(sp.Name), sp.Window)
		}
	}
	return b.String()
}

// WriteConfig writes ConfigText to path.
func (s *Sim) WriteConfig(path, server, token, data string) error {
	if path == "" {
		return errors.New("agent: sim: no configuration path")
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
