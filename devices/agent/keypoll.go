package agent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"qcall/devices/keypad"
	"qcall/devices/led"
)

// keypadBus is an RS-485 line of keypads that speak only when asked: its
// goroutine (run) alone opens the port and writes to it, asking each keypad
// in turn for its presses (a frame to its address carrying Request) and
// sending it its "please rate" prompt; a second goroutine only reads.
type keypadBus struct {
	a    *Agent
	cfg  *PortConfig
	pads []*keypadDev
	decs map[*keypadDev]*keypad.Decoder
	poll time.Duration // the shortest poll of its keypads
}

func newKeypadBus(a *Agent, cfg *PortConfig) *keypadBus {
	return &keypadBus{a: a, cfg: cfg, decs: map[*keypadDev]*keypad.Decoder{}}
}

func (b *keypadBus) add(k *keypadDev) {
	b.pads = append(b.pads, k)
	b.decs[k], _ = keypad.NewDecoder(k.keys) // checked by Validate
	if b.poll == 0 || k.cfg.Poll.D() < b.poll {
		b.poll = k.cfg.Poll.D()
	}
}

func (b *keypadBus) name() string {
	names := make([]string, len(b.pads))
	for i, k := range b.pads {
		names[i] = k.cfg.Name
	}
	return strings.Join(names, ",")
}

func (b *keypadBus) reportAll(status, note string) {
	for _, k := range b.pads {
		b.a.report.set(k.cfg.Name, status, note)
	}
}

func (b *keypadBus) run(ctx context.Context) {
	bo := newBackoff(b.a.cfg.Reconnect)
	for ctx.Err() == nil {
		pt, err := openPort(ctx, b.cfg)
		if err != nil {
			b.reportAll(statusOffline, b.a.portFailed(b.name(), b.cfg, err))
			if !wait(ctx, bo.next(), nil) {
				return
			}
			continue
		}
		bo.reset()
		b.a.portOpened(b.name())
		b.a.log.Info("agent: keypad line open", "keypads", b.name(), "port", b.cfg.String())
		in := make(chan []byte, 64)
		go func() {
			defer close(in)
			buf := make([]byte, 256)
			for {
				n, err := pt.Read(buf)
				if n > 0 {
					in <- append([]byte(nil), buf[:n]...)
				}
				if err != nil {
					return
				}
			}
		}()
		stop := context.AfterFunc(ctx, func() { pt.Close() })
		err = b.cycle(ctx, pt, in)
		stop()
		pt.Close()
		for range in { // until the reader has ended
		}
		if ctx.Err() != nil {
			return
		}
		b.a.log.Warn("agent: keypad line lost", "keypads", b.name(), "err", err)
		b.reportAll(statusOffline, b.a.t("agent.note.port", b.cfg.String()))
		if !wait(ctx, bo.next(), nil) {
			return
		}
	}
}

// cycle asks every keypad in turn, every poll, until the port fails.
func (b *keypadBus) cycle(ctx context.Context, pt port, in <-chan []byte) error {
	silent := map[*keypadDev]int{} // questions unanswered in a row
	tick := time.NewTicker(b.poll)
	defer tick.Stop()
	for {
		for _, k := range b.pads {
			f := k.cfg.Frame
			select {
			case <-k.prompt:
				frame, err := f.BuildPayload(k.promptBytes, led.ModeShow)
				if err == nil {
					if _, err := pt.Write(frame); err != nil {
						return err
					}
				}
			default:
			}
			request, _ := keypad.ParseSequence(k.cfg.Request) // checked by Validate
			q, err := f.BuildPayload(request, led.ModeShow)
			if err != nil {
				return fmt.Errorf("keypad %s: %w", k.cfg.Name, err)
			}
			if _, err := pt.Write(q); err != nil {
				return err
			}
			payload, ok, err := b.answer(ctx, in, f, k.cfg.Timeout.D()+b.cfg.transmitTime(len(q)))
			if err != nil {
				return err
			}
			switch {
			case !ok:
				if silent[k]++; silent[k] == 3 {
					b.a.report.set(k.cfg.Name, statusOffline, b.a.t("agent.note.keypad_silent", f.AddressString()))
				}
				continue
			case silent[k] >= 3 || b.a.report.get(k.cfg.Name).Status != statusOK:
				b.a.report.set(k.cfg.Name, statusOK, b.a.t("agent.note.ok"))
			}
			silent[k] = 0
			presses, skipped := b.decs[k].Decode(payload)
			if len(skipped) > 0 {
				b.a.stats.garbage.Add(int64(len(skipped)))
			}
			for _, p := range presses {
				k.press(p)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// answer waits up to timeout for a frame of f at f's address and returns
// its payload (empty: no key pressed); false if none came. Bytes around it
// (noise, another keypad's late answer) are skipped.
func (b *keypadBus) answer(ctx context.Context, in <-chan []byte, f led.Frame, timeout time.Duration) ([]byte, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	var got []byte
	for {
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-t.C:
			return nil, false, nil
		case p, ok := <-in:
			if !ok {
				return nil, false, fmt.Errorf("keypad line %s hung up", b.cfg.String())
			}
			got = append(got, p...)
			for start := range got {
				for end := start + 1; end <= len(got); end++ {
					if m, err := led.Decode(got[start:end], f); err == nil && m.Address == f.Address {
						return m.Payload, true, nil
					}
				}
			}
		}
	}
}
