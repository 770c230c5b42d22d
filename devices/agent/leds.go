package agent

import (
	"context"
	"sync"
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

// ledPort is a serial line with one or more LED bars (RS-485 bars share one
// by address). Its goroutine (run) alone opens the port and writes to it; a
// second goroutine only reads it, to notice a hang-up and skip what a bar
// sends back.
type ledPort struct {
	a    *Agent
	cfg  *PortConfig
	bars []*ledBar
	wake chan struct{}

	mu   sync.Mutex         // guards want and seq
	want map[*ledBar]string // the text each bar should show
	seq  map[*ledBar]int    // bumped to show a text again (a recall)

	// Owned by run.
	shown map[*ledBar]int // the seq of what each bar shows, -1 nothing known
	port  port
}

func newLEDPort(a *Agent, cfg *PortConfig) *ledPort {
	return &ledPort{a: a, cfg: cfg, wake: make(chan struct{}, 1), want: map[*ledBar]string{}, seq: map[*ledBar]int{},
		shown: map[*ledBar]int{}}
}

func (lp *ledPort) add(cfg *LEDConfig) *ledBar {
	b := &ledBar{port: lp, cfg: cfg, template: cfg.Template, ready: cfg.Ready, closed: cfg.Closed}
	if b.template == "" {
		b.template = led.DefaultTemplate(lp.a.cfg.Lang)
	}
	if b.ready == "" {
		b.ready = lp.a.t("agent.led.ready")
	}
	if b.closed == "" {
		b.closed = lp.a.t("agent.led.closed")
	}
	lp.bars = append(lp.bars, b)
	lp.shown[b] = -1
	return b
}

// show asks for text on b: always when again (a recall flashes the same
// text), else only if b shows something else.
func (lp *ledPort) show(b *ledBar, text string, again bool) {
	lp.mu.Lock()
	if again || lp.want[b] != text {
		lp.want[b] = text
		lp.seq[b]++
	}
	lp.mu.Unlock()
	signal(lp.wake)
}

func (lp *ledPort) run(ctx context.Context) {
	bo := newBackoff(lp.a.cfg.Reconnect)
	hangup := make(chan port)
	defer func() {
		if lp.port != nil {
			lp.port.Close()
		}
	}()
	for ctx.Err() == nil {
		if lp.port == nil {
			pt, err := openPort(ctx, lp.cfg)
			if err != nil {
				lp.reportAll(statusOffline, lp.a.t("agent.note.port", lp.cfg.String()))
				if !wait(ctx, bo.next(), nil) {
					return
				}
				continue
			}
			bo.reset()
			lp.port = pt
			for _, b := range lp.bars {
				lp.shown[b] = -1 // a bar that was unplugged may have lost its text
			}
			go lp.read(ctx, pt, hangup)
			lp.reportAll(statusOK, lp.a.t("agent.note.ok"))
			lp.a.log.Info("agent: LED port open", "port", lp.cfg.String())
		}
		if !lp.flush() {
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
		case pt := <-hangup:
			if pt == lp.port {
				lp.fail()
			}
		}
	}
}

// flush writes each bar's text that it does not show yet; false if a write
// failed.
func (lp *ledPort) flush() bool {
	for _, b := range lp.bars {
		lp.mu.Lock()
		text, seq, ok := lp.want[b], lp.seq[b], lp.seq[b] > 0
		lp.mu.Unlock()
		if !ok || lp.shown[b] == seq {
			continue
		}
		frame, err := b.cfg.Frame.Build(text)
		if err != nil {
			lp.a.log.Error("agent: LED text cannot be sent", "led", b.cfg.Name, "text", text, "err", err)
			lp.shown[b] = seq
			continue
		}
		if _, err := lp.port.Write(frame); err != nil {
			lp.a.log.Warn("agent: LED write failed", "led", b.cfg.Name, "err", err)
			return false
		}
		lp.shown[b] = seq
		lp.a.stats.frames.Add(1)
	}
	return true
}

// fail closes the port after a fault; run opens it again.
func (lp *ledPort) fail() {
	lp.port.Close()
	lp.port = nil
	lp.reportAll(statusOffline, lp.a.t("agent.note.port", lp.cfg.String()))
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
