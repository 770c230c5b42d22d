// Package agent is the device agent (qcall agent): it runs next to the hall's
// hardware, follows the hall server's events over the websocket as an agent
// client, and drives the devices its configuration names:
//
//   - ticket printers (ESC/POS over serial or TCP 9100): each kiosk's tickets
//     and each window's return slips, through a spool on disk that prints
//     every job once, also across printer faults and agent restarts;
//   - LED window bars: each call, recall, sign-in and sign-out;
//   - satisfaction keypads: each press becomes a rating of the window;
//   - the loudspeaker: each call's announcement, one at a time.
//
// Each device has one goroutine that owns its port, opens it, writes to it and
// reopens it after a fault, with back-off; the server connection likewise
// comes back by itself and resumes after the last event it handled. Device
// states go to the hall as device_status reports.
//
// The drivers (escpos, led, keypad, voice) take the ports this package opens.
package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"qcall/assets"
	"qcall/devices/escpos"
	"qcall/devices/led"
	"qcall/queue"
)

// Options are what the agent takes besides its configuration.
type Options struct {
	// Logger gets what happens; default slog.Default().
	Logger *slog.Logger
	// HTTPClient talks to the server; default one with a 10 s timeout.
	HTTPClient *http.Client
	// Now is this PC's clock; default time.Now. The agent's timing rules
	// follow the server's clock (see serverClock), corrected from this one.
	Now func() time.Time
}

// Agent drives a hall's devices. Open it, Run it until its context ends, then
// Close it.
type Agent struct {
	cfg  *Config
	log  *slog.Logger
	http *http.Client
	tls  *tls.Config // for the websocket to an https:// server
	loc  *time.Location

	spool  *spool
	report *reporter
	clock  *serverClock // the server's clock, for timing rules

	printers    []*printer
	byKiosk     map[string]*printer // kiosk device name → its printer
	anyKiosk    *printer            // the printer of "*"
	bySlip      map[int]*printer    // window → printer of its return slips
	ledPorts    []*ledPort
	ledByWindow map[int][]*ledBar
	keypads     []*keypadDev // those with a port or a keyboard of their own
	keyBuses    []*keypadBus // lines of polled keypads
	keyByWindow map[int][]*keypadDev
	voice       *voiceOut

	// Owned by the connection goroutine.
	hall       *queue.HallView // the newest hall view: names, materials
	seq        uint64          // the last event seq handled
	savedSeq   uint64          // the seq last written to the spool
	needResync bool            // set the LED bars from the next hall view

	connected atomic.Bool
	stats     counters

	portMu  sync.Mutex        // guards portWhy
	portWhy map[string]string // device → why its port did not open last (portReason)

	runOnce sync.Once
}

// counters are the Stats, updated by the agent's goroutines.
type counters struct {
	connects, pongs, printed, spooled, skipped, dropped, frames, ratings, refused, announced, garbage atomic.Int64
	seq                                                                                               atomic.Uint64
}

// Stats tells what the agent has done since it started.
type Stats struct {
	Connected      bool   // the websocket to the server is up, and its snapshot came
	Connects       int    // websocket connections made
	Pongs          int    // the server's answers to the agent's pings
	Seq            uint64 // the last hall event handled
	Spooled        int    // print jobs added to the spool
	Printed        int    // print jobs printed
	Skipped        int    // tickets not printed: older than max_age when they arrived or while they waited
	Dropped        int    // jobs dropped after drop_after
	Frames         int    // LED frames written
	Ratings        int    // keypad presses the server took as ratings
	RatingsRefused int    // presses refused (nothing to rate, already rated)
	Announced      int    // calls handed to the loudspeaker
	Garbage        int    // bytes from devices that made no sense, skipped
}

// Open checks cfg, opens the spool in its data folder (failing at once if
// another agent has it) and prepares the devices; nothing is opened on the
// devices before Run.
func Open(cfg *Config, opts Options) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	a := &Agent{cfg: cfg, log: opts.Logger, http: opts.HTTPClient, byKiosk: map[string]*printer{},
		bySlip: map[int]*printer{}, ledByWindow: map[int][]*ledBar{}, portWhy: map[string]string{}}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.clock = &serverClock{now: opts.Now}
	if a.clock.now == nil {
		a.clock.now = time.Now
	}
	a.clock = &serverClock{now: opts.Now}
	if a.clock.now == nil {
		a.clock.now = time.Now
	}
	var err error
	if a.tls, err = cfg.tlsConfig(); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if a.http == nil {
		a.http = a.newHTTPClient(a.tls)
	}
	if a.loc, err = time.LoadLocation(cfg.TimeZone); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if a.spool, err = openSpool(cfg.dataPath()); err != nil {
		return nil, err
	}
	a.seq = a.spool.Seq()
	a.savedSeq = a.seq
	a.report = newReporter(a)
	for i := range cfg.Printers {
		p := newPrinter(a, &cfg.Printers[i])
		a.printers = append(a.printers, p)
		for _, k := range p.cfg.Kiosks {
			if k == "*" {
				a.anyKiosk = p
			} else {
				a.byKiosk[k] = p
			}
		}
		for _, w := range p.cfg.Windows {
			a.bySlip[w] = p
		}
	}
	ports := map[string]*ledPort{}
	for i := range cfg.LEDs {
		lc := &cfg.LEDs[i]
		lp := ports[lc.Port]
		if lp == nil {
			lp = newLEDPort(a, &lc.PortConfig)
			ports[lc.Port] = lp
			a.ledPorts = append(a.ledPorts, lp)
		}
		bar := lp.add(lc)
		a.ledByWindow[lc.Window] = append(a.ledByWindow[lc.Window], bar)
	}
	a.keyByWindow = map[int][]*keypadDev{}
	buses := map[string]*keypadBus{}
	for i := range cfg.Keypads {
		k, err := newKeypad(a, &cfg.Keypads[i])
		if err != nil {
			a.spool.Close()
			return nil, err
		}
		a.keyByWindow[k.cfg.Window] = append(a.keyByWindow[k.cfg.Window], k)
		if k.cfg.Poll == 0 {
			a.keypads = append(a.keypads, k)
			continue
		}
		if buses[k.cfg.Port] == nil {
			buses[k.cfg.Port] = newKeypadBus(a, &k.cfg.PortConfig)
			a.keyBuses = append(a.keyBuses, buses[k.cfg.Port])
		}
		buses[k.cfg.Port].add(k)
	}
	if cfg.Voice.Enabled {
		a.voice = newVoiceOut(a)
	}
	return a, nil
}

// Run drives the devices and follows the server until ctx ends, then stops
// every goroutine it started and returns ctx's error. It is called once.
func (a *Agent) Run(ctx context.Context) error {
	err := errors.New("agent: Run called twice")
	a.runOnce.Do(func() {
		var wg sync.WaitGroup
		wg.Go(func() { a.report.run(ctx) })
		for _, p := range a.printers {
			wg.Go(func() { p.run(ctx) })
		}
		for _, lp := range a.ledPorts {
			wg.Go(func() { lp.run(ctx) })
		}
		for _, k := range a.keypads {
			wg.Go(func() { k.run(ctx) })
		}
		for _, b := range a.keyBuses {
			wg.Go(func() { b.run(ctx) })
		}
		for _, ks := range a.keyByWindow {
			for _, k := range ks {
				wg.Go(func() { k.rate(ctx) })
			}
		}
		if a.voice != nil {
			wg.Go(func() { a.voice.run(ctx) })
		}
		a.log.Info("agent: started", "server", a.cfg.Server, "printers", len(a.printers), "leds", len(a.cfg.LEDs),
			"keypads", len(a.cfg.Keypads), "voice", a.voice != nil, "resume_after", a.seq)
		a.follow(ctx)
		wg.Wait()
		if a.seq != a.savedSeq {
			a.spool.SaveSeq(a.seq)
		}
		err = ctx.Err()
	})
	return err
}

// Close closes the spool. Call it after Run has returned.
func (a *Agent) Close() error { return a.spool.Close() }

// Stats returns the agent's counters.
func (a *Agent) Stats() Stats {
	c := &a.stats
	return Stats{Connected: a.connected.Load(), Connects: int(c.connects.Load()), Pongs: int(c.pongs.Load()), Seq: c.seq.Load(),
		Spooled: int(c.spooled.Load()), Printed: int(c.printed.Load()), Skipped: int(c.skipped.Load()),
		Dropped: int(c.dropped.Load()), Frames: int(c.frames.Load()), Ratings: int(c.ratings.Load()),
		RatingsRefused: int(c.refused.Load()), Announced: int(c.announced.Load()), Garbage: int(c.garbage.Load())}
}

// Pending returns the number of jobs waiting in the spool for printer name.
func (a *Agent) Pending(name string) int { return a.spool.Pending(name) }

// t returns the catalogue text of key in the agent's language.
func (a *Agent) t(key string, args ...any) string { return assets.T(a.cfg.Lang, key, args...) }

// message is one message of the websocket: a snapshot, a state, or a hall
// event (queue.Event and the hub's window_name and voice_url), of which the
// agent reads the fields below.
type message struct {
	Type       string          `json:"type"`
	Seq        uint64          `json:"seq"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	Window     int             `json:"window"`
	Ticket     string          `json:"ticket"`
	Number     string          `json:"number"`
	Service    string          `json:"service"`
	Channel    string          `json:"channel"`
	Slip       string          `json:"slip"`
	Missing    []string        `json:"missing"`
	ValidUntil time.Time       `json:"valid_until"`
	WindowName string          `json:"window_name"`
	VoiceURL   string          `json:"voice_url"`
	Hall       *queue.HallView `json:"hall"`
}

// handle acts on one message from the server, in order, on the connection's
// goroutine. It never waits for a device: it spools, or hands over to the
// device's goroutine.
func (a *Agent) handle(m *message) {
	switch m.Type {
	case "pong":
		a.stats.pongs.Add(1)
		return
	case "snapshot":
		a.setHall(m.Hall)
		a.seq = m.Seq
		// Connected from the snapshot on: whatever happens in the hall
		// from now comes as an event (a ticket issued between the
		// upgrade and the snapshot is in the snapshot, not printed by an
		// agent on its first start).
		a.connected.Store(true)
		a.resyncLEDs()
		a.saveSeq(false)
		return
	case "state":
		// Every state sets the bars from the hall view, as a snapshot does,
		// so that a bar shows the same for the same state whether the agent
		// followed the events or has just started.
		a.setHall(m.Hall)
		a.resyncLEDs()
		a.seq = max(a.seq, m.Seq)
		a.saveSeq(false)
		return
	}
	if m.Seq != 0 && m.Seq <= a.seq {
		return // had it already
	}
	switch queue.EventType(m.Type) {
	case queue.EvTicketIssued:
		a.ticketIssued(m)
	case queue.EvTicketSuspended:
		a.ticketSuspended(m)
	case queue.EvTicketCalled:
		a.showCall(m, led.ModeShow, true)
		if a.voice != nil {
			a.voice.announce(m)
		}
	case queue.EvTicketRecalled:
		a.showCall(m, led.ModeBlink, true)
		if a.voice != nil {
			a.voice.announce(m)
		}
	case queue.EvServiceFinished:
		// Not for a finish replayed long after (the agent was away).
		if m.At.IsZero() || a.clock.Since(m.At) < time.Minute {
			for _, k := range a.keyByWindow[m.Window] {
				k.askRating()
			}
		}
	case queue.EvSignedIn:
		a.showWindow(m.Window, func(b *ledBar) string { return b.ready })
	case queue.EvSignedOut:
		a.showWindow(m.Window, func(b *ledBar) string { return b.closed })
	}
	if m.Seq > a.seq {
		a.seq = m.Seq
	}
	// A call is saved at once, so that an agent restarted a moment later does
	// not announce it again.
	call := m.Type == string(queue.EvTicketCalled) || m.Type == string(queue.EvTicketRecalled)
	a.saveSeq(call && a.voice != nil)
}

// saveSeq writes the seq handled to the spool, every 64 events, or at once
// if now: replaying a few events after a crash is harmless (jobs are keyed,
// LED frames idempotent), and spooled jobs save their seq with them.
func (a *Agent) saveSeq(now bool) {
	a.stats.seq.Store(a.seq)
	if a.seq == a.savedSeq || (!now && a.seq > a.savedSeq && a.seq-a.savedSeq < 64) {
		return
	}
	if err := a.spool.SaveSeq(a.seq); err != nil {
		a.log.Error("agent: save seq", "err", err)
		return
	}
	a.savedSeq = a.seq
}

func (a *Agent) setHall(h *queue.HallView) {
	if h != nil {
		a.hall = h
	}
}

func (a *Agent) service(code string) *queue.ServiceView {
	if a.hall == nil {
		return nil
	}
	for i := range a.hall.Services {
		if a.hall.Services[i].Code == code {
			return &a.hall.Services[i]
		}
	}
	return nil
}

func (a *Agent) window(id int) *queue.WindowView {
	if a.hall == nil {
		return nil
	}
	for i := range a.hall.Windows {
		if a.hall.Windows[i].ID == id {
			return &a.hall.Windows[i]
		}
	}
	return nil
}

// serviceName is the service's name in the agent's language.
func (a *Agent) serviceName(code string) (zh, en string) {
	s := a.service(code)
	if s == nil {
		return code, ""
	}
	return s.Name, s.NameEn
}

func (a *Agent) windowName(id int) string {
	if w := a.window(id); w != nil {
		if a.cfg.Lang == "en" && w.NameEn != "" {
			return w.NameEn
		}
		return w.Name
	}
	return ""
}

func (a *Agent) hallName() string {
	if a.hall == nil {
		return ""
	}
	if a.cfg.Lang == "en" && a.hall.NameEn != "" {
		return a.hall.NameEn
	}
	return a.hall.Name
}

// printerFor returns the printer of a kiosk's tickets, or nil.
func (a *Agent) printerFor(m *message) *printer {
	if p := a.byKiosk[m.Actor]; p != nil {
		return p
	}
	if a.anyKiosk != nil && m.Channel == "kiosk" {
		return a.anyKiosk
	}
	return nil
}

// ticketIssued spools the ticket for its kiosk's printer.
func (a *Agent) ticketIssued(m *message) {
	p := a.printerFor(m)
	if p == nil || m.Ticket == "" {
		return
	}
	if age, old := p.tooOld(m.At); old {
		// Not spooled: its key stays free, and a replay finds it too old again.
		p.expire(m.Number, age, "arrival")
		return
	}
	zh, en := a.serviceName(m.Service)
	t := &escpos.Ticket{HallName: a.hallName(), ServiceName: zh, ServiceNameEn: en, Number: m.Number,
		IssuedAt: m.At.In(a.loc), URL: a.cfg.PublicURL + "/t/" + m.Ticket, Footer: p.footer, Lang: a.cfg.Lang}
	if s := a.service(m.Service); s != nil {
		t.Materials = s.Materials
		if a.cfg.Lang == "en" && len(s.MaterialsEn) > 0 {
			t.Materials = s.MaterialsEn
		}
		// Until the printer asks the server: those waiting before this ticket.
		t.Ahead = max(s.Waiting, 0)
		t.EstWait = time.Duration(s.EstWaitS) * time.Second
	}
	a.spoolJob(p, &job{Key: "t:" + m.Ticket, Printer: p.cfg.Name, Created: time.Now(), TicketID: m.Ticket, Ticket: t}, m.Seq)
}

// ticketSuspended spools the return slip for the window's printer.
func (a *Agent) ticketSuspended(m *message) {
	p := a.bySlip[m.Window]
	if p == nil || m.Slip == "" {
		return
	}
	zh, _ := a.serviceName(m.Service)
	s := &escpos.Slip{HallName: a.hallName(), Code: m.Slip, Number: m.Number, ServiceName: zh, Window: m.Window,
		WindowName: a.windowName(m.Window), Missing: m.Missing}
	if !m.ValidUntil.IsZero() {
		s.ValidUntil = m.ValidUntil.In(a.loc)
	}
	a.spoolJob(p, &job{Key: "s:" + m.Slip, Printer: p.cfg.Name, Created: time.Now(), Slip: s}, m.Seq)
}

func (a *Agent) spoolJob(p *printer, j *job, seq uint64) {
	added, err := a.spool.Add(j, seq)
	if err != nil {
		// The disk failed: the job cannot be kept, so it is not printed.
		a.log.Error("agent: spool failed; job not printed", "job", j.String(), "err", err)
		return
	}
	if seq > a.savedSeq {
		a.savedSeq = seq
	}
	if !added {
		a.log.Info("agent: job spooled before, not again", "job", j.String())
		return
	}
	a.stats.spooled.Add(1)
	a.log.Info("agent: spooled", "printer", p.cfg.Name, "job", j.String())
	signal(p.wake)
}

// showCall puts a call on the window's bars in mode m; force sends it even if
// they show it already (a call, a recall).
func (a *Agent) showCall(m *message, mode led.Mode, force bool) {
	if len(a.ledByWindow[m.Window]) == 0 {
		return
	}
	zh, en := a.serviceName(m.Service)
	if m.Service == "" {
		if w := a.window(m.Window); w != nil && w.Current != nil && w.Current.Number == m.Number {
			zh, en = a.serviceName(w.Current.Service)
		} else {
			zh = ""
		}
	}
	// The hall view's name first, as resyncLEDs has it, so that a call shows
	// the same from the event as from the state.
	name := a.windowName(m.Window)
	if name == "" {
		name = m.WindowName
	}
	call := led.Call{Number: m.Number, Window: m.Window, WindowName: name, Service: zh}
	if a.cfg.Lang == "en" && en != "" {
		call.Service = en
	}
	for _, b := range a.ledByWindow[m.Window] {
		b.port.show(b, led.Format(b.template, call), mode, force)
	}
}

// showWindow puts on the window's bars the text pick chooses, filled for the window.
func (a *Agent) showWindow(id int, pick func(*ledBar) string) {
	call := led.Call{Window: id, WindowName: a.windowName(id)}
	for _, b := range a.ledByWindow[id] {
		b.port.show(b, led.Format(pick(b), call), led.ModeShow, false)
	}
}

// resyncLEDs sets every bar from the hall view: the window's current ticket,
// or ready, or closed.
func (a *Agent) resyncLEDs() {
	if a.hall == nil {
		a.needResync = true
		return
	}
	a.needResync = false
	for id := range a.ledByWindow {
		w := a.window(id)
		switch {
		case w == nil || w.State == "closed":
			a.showWindow(id, func(b *ledBar) string { return b.closed })
		case w.Current != nil && w.Current.Number != "":
			a.showCall(&message{Window: id, Number: w.Current.Number, Service: w.Current.Service}, led.ModeShow, false)
		default:
			a.showWindow(id, func(b *ledBar) string { return b.ready })
		}
	}
}

// noteFor joins a status text and the kiosks a printer serves, so that a
// kiosk can tell its own printer's state.
func (a *Agent) noteFor(p *printer, text string) string {
	if len(p.cfg.Kiosks) == 0 {
		return text
	}
	return a.t("agent.note.kiosks", text, strings.Join(p.cfg.Kiosks, ", "))
}
