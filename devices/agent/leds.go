package agent

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"qcall/devices/led"
)

// ledBar is one LED window bar.
type ledBar struct {
	port     *ledPort
	cfg      *LEDConfig
	template string // a call
	ready    string // signed in, nothing called
	closed   string // signed out
}

// ledText is what a bar should show, and how: a recall blinks once, every
// later send of the same text (a refresh) shows it still.
type ledText struct {
	text string
	mode led.Mode
}

// ledPort is a serial line with one or more LED bars (RS-485 bars share one
// by address). Its goroutine (run) alone opens the port and writes to it; a
// second goroutine only reads it, to notice a hang-up and skip what a bar
// sends back.
type ledPort struct {
	a       *Agent
	cfg     *PortConfig
	bars    []*ledBar
	wake    chan struct{}
	gap     time.Duration // pause after each frame, once it has left the port
	refresh time.Duration // resend every bar's text this often; 0 never
	again   atomic.Bool   // resend every bar's text at the next flush

	mu   sync.Mutex // guards want and seq
	want map[*ledBar]ledText
	seq  map[*ledBar]int // bumped for each text to send (a recall sends the same text again)

	// Owned by run.
	shown     map[*ledBar]int // the seq of what each bar shows, -1 nothing known
	port      port
	nextWrite time.Time // not before: the gap after the last frame
}

func newLEDPort(a *Agent, cfg *PortConfig) *ledPort {
	return &ledPort{a: a, cfg: cfg, wake: make(chan struct{}, 1), want: map[*ledBar]ledText{}, seq: map[*ledBar]int{},
		shown: map[*ledBar]int{}}
}

func (lp *ledPort) add(cfg *LEDConfig) *ledBar {
	b := &ledBar{port: lp, cfg: cfg, template: cfg.Template, ready: cfg.Ready, closed: cfg.Closed}
	if b.template == "" {
		b.template = lp.a.t("printer.led.call")
	}
	if b.ready == "" {
		b.ready = lp.a.t("agent.led.ready")
	}
	if b.closed == "" {
		b.closed = lp.a.t("agent.led.closed")
	}
	lp.bars = append(lp.bars, b)
	lp.shown[b] = -1
	// One line, one pause and one refresh: the longest pause and the
	// shortest refresh any of its bars asks for.
	lp.gap = max(lp.gap, cfg.Gap.D())
	if r := cfg.Refresh.D(); r > 0 && (lp.refresh == 0 || r < lp.refresh) {
		lp.refresh = r
	}
	return b
}

// show asks for text on b in mode m: always when force (a call or a recall
// flashes the same text again), else only if b shows something else.
func (lp *ledPort) show(b *ledBar, text string, m led.Mode, force bool) {
	lp.mu.Lock()
	if force || lp.want[b].text != text {
		lp.want[b] = ledText{text, m}
		lp.seq[b]++
	}
	lp.mu.Unlock()
	signal(lp.wake)
}

// resend sends every bar's text again: after the agent reconnected to the
// server, a bar may have been switched off and on meanwhile.
func (lp *ledPort) resend() {
	lp.again.Store(true)
	signal(lp.wake)
}

func (lp *ledPort) run(ctx context.Context) {
	bo := newBackoff(lp.a.cfg.Reconnect)
	hangup := make(chan port)
	var tick <-chan time.Time
	if lp.refresh > 0 {
		t := time.NewTicker(lp.refresh)
		defer t.Stop()
		tick = t.C
	}
	defer func() {
		if lp.port != nil {
			lp.port.Close()
		}
	}()
	for ctx.Err() == nil {
		if lp.port == nil {
			pt, err := openPort(ctx, lp.cfg)
			if err != nil {
				lp.reportAll(statusOffline, lp.a.portFailed(lp.name(), lp.cfg, err))
				if !wait(ctx, bo.next(), nil) {
					return
				}
				continue
			}
			bo.reset()
			lp.a.portOpened(lp.name())
			lp.port = pt
			lp.again.Store(true) // a bar that was unplugged may have lost its text
			go lp.read(ctx, pt, hangup)
			lp.reportAll(statusOK, lp.a.t("agent.note.ok"))
			lp.a.log.Info("agent: LED port open", "port", lp.cfg.String())
		}
		if lp.again.Swap(false) {
			for _, b := range lp.bars {
				lp.shown[b] = -1
			}
		}
		if !lp.flush(ctx) {
			if ctx.Err() != nil {
				return
			}
			lp.fail()
			if !wait(ctx, bo.next(), nil) {
				return
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-lp.wake:
		case <-tick:
			// A bar switched off and on by itself comes back blank, and
			// tells nobody: every bar gets its text again now and then.
			lp.again.Store(true)
		case pt := <-hangup:
			if pt == lp.port {
				lp.fail()
			}
		}
	}
}

// flush writes each bar's text that it does not show yet, each frame after
// the gap the one before it needs; false if a write failed or ctx ended.
func (lp *ledPort) flush(ctx context.Context) bool {
	for _, b := range lp.bars {
		lp.mu.Lock()
		want, seq, ok := lp.want[b], lp.seq[b], lp.seq[b] > 0
		lp.mu.Unlock()
		if !ok || lp.shown[b] == seq {
			continue
		}
		frame, err := b.cfg.Frame.BuildMode(want.text, want.mode)
		if err != nil {
			lp.a.log.Error("agent: LED text cannot be sent", "led", b.cfg.Name, "text", want.text, "err", err)
			lp.shown[b] = seq
			continue
		}
		if d := time.Until(lp.nextWrite); d > 0 && !wait(ctx, d, nil) {
			return false
		}
		if _, err := lp.port.Write(frame); err != nil {
			lp.a.log.Warn("agent: LED write failed", "led", b.cfg.Name, "err", err)
			return false
		}
		// Write returns once the kernel has the frame; it leaves the port at
		// the baud rate, then the line stays quiet for the gap.
		lp.nextWrite = time.Now().Add(lp.cfg.transmitTime(len(frame)) + lp.gap)
		lp.shown[b] = seq
		lp.a.stats.frames.Add(1)
		if want.mode == led.ModeBlink {
			// Blink once; a later resend of this text shows it still.
			lp.mu.Lock()
			if lp.seq[b] == seq {
				lp.want[b] = ledText{want.text, led.ModeShow}
			}
			lp.mu.Unlock()
		}
	}
	return true
}

// fail closes the port after a fault; run opens it again.
func (lp *ledPort) fail() {
	lp.port.Close()
	lp.port = nil
	lp.reportAll(statusOffline, lp.a.t("agent.note.port", lp.cfg.String()))
}

// name names the bars of the line for logs: "led-1,led-2".
func (lp *ledPort) name() string {
	names := make([]string, len(lp.bars))
	for i, b := range lp.bars {
		names[i] = b.cfg.Name
	}
	return strings.Join(names, ",")
}

func (lp *ledPort) reportAll(status, note string) {
	for _, b := range lp.bars {
		lp.a.report.set(b.cfg.Name, status, note)
	}
}

// read reads what the bars send (most send nothing) until the port fails,
// then tells run which port hung up. Bytes are skipped, logged rate-limited.
func (lp *ledPort) read(ctx context.Context, pt port, hangup chan<- port) {
	tl := &throttledLog{log: lp.a.log, interval: 10 * time.Second}
	buf := make([]byte, 256)
	for {
		n, err := pt.Read(buf)
		if n > 0 {
			lp.a.stats.garbage.Add(int64(n))
			tl.warn("agent: LED port sent bytes; skipped", "port", lp.cfg.String(), "bytes", n)
		}
		if err != nil {
			select {
			case hangup <- pt:
			case <-ctx.Done():
			}
			return
		}
	}
}
