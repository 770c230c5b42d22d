package agent

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"qcall/devices/keypad"
	"qcall/devices/led"
)

// Probe opens the serial port pc as the agent would and writes to w whether
// it opens — if not, why, with the hint — then, for listen, each burst of
// bytes the device sends, in hex and as text (qcall devices --probe).
func Probe(ctx context.Context, pc PortConfig, lang string, listen time.Duration, w io.Writer) error {
	if err := pc.validate(false); err != nil {
		return err
	}
	a := &Agent{cfg: &Config{Lang: lang}} // for the catalogue's hints
	pt, err := openPort(ctx, &pc)
	if err != nil {
		reason := portReason(err)
		fmt.Fprintln(w, a.t("agent.probe.failed", pc.Port, reason, err))
		fmt.Fprintln(w, "  "+a.portHint(reason, &pc))
		return err
	}
	fmt.Fprintln(w, a.t("agent.probe.open", pc.Port, pc.Baud, listen))
	return showBytes(ctx, pt, listen, func(b []byte) { fmt.Fprintf(w, "  % x  %q\n", b, b) })
}

// showBytes reads pt until listen has passed or ctx ended, handing each
// read's bytes to show, then closes pt.
func showBytes(ctx context.Context, pt port, listen time.Duration, show func([]byte)) error {
	ctx, cancel := context.WithTimeout(ctx, listen)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { pt.Close() })
	defer stop()
	buf := make([]byte, 256)
	for {
		n, err := pt.Read(buf)
		if n > 0 {
			show(buf[:n])
		}
		if err != nil || ctx.Err() != nil {
			pt.Close()
			return nil
		}
	}
}

// CheckDevices is the technician's test of cfg's LED bars and keypads (qcall
// agent test): each bar shows its name, address and window; then, for
// listen, the bytes each keypad sends are shown as they come, with the key
// the keymap reads in them, so that a keypad's codes can be learnt. It
// writes what it does to w, in the configuration's language.
func CheckDevices(ctx context.Context, cfg *Config, listen time.Duration, w io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	a := &Agent{cfg: cfg, portWhy: map[string]string{}}
	var mu sync.Mutex // serializes writes to w
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, format+"\n", args...)
	}
	// Bars: one port at a time, each frame after the line's gap.
	done := map[string]bool{}
	for i := range cfg.LEDs {
		l := &cfg.LEDs[i]
		if done[l.Port] {
			continue
		}
		done[l.Port] = true
		pt, err := openPort(ctx, &l.PortConfig)
		if err != nil {
			say("%s", a.t("agent.test.port_failed", l.Name, a.portHint(portReason(err), &l.PortConfig)))
			continue
		}
		for j := range cfg.LEDs {
			b := &cfg.LEDs[j]
			if b.Port != l.Port {
				continue
			}
			text := a.t("agent.test.led", b.Name, b.Frame.AddressString(), b.Window)
			frame, err := b.Frame.BuildMode(text, led.ModeShow)
			if err == nil {
				_, err = pt.Write(frame)
			}
			if err != nil {
				say("%s", a.t("agent.test.led_failed", b.Name, err))
				continue
			}
			say("%s", a.t("agent.test.led_sent", b.Name, text, frame))
			wait(ctx, b.PortConfig.transmitTime(len(frame))+b.Gap.D(), nil)
		}
		pt.Close()
	}
	// Keypads: every one at once, for listen.
	var wg sync.WaitGroup
	for i := range cfg.Keypads {
		k := &cfg.Keypads[i]
		if k.Poll != 0 {
			say("%s", a.t("agent.test.keypad_polled", k.Name))
			continue
		}
		dev, _ := newKeypad(a, k) // checked by Validate
		pt, pc, err := dev.open(ctx)
		if err != nil {
			say("%s", a.t("agent.test.port_failed", k.Name, a.portHint(portReason(err), pc)))
			continue
		}
		dec, _ := keypad.NewDecoder(dev.keys)
		say("%s", a.t("agent.test.keypad_listen", k.Name, pc.String(), listen))
		wg.Go(func() {
			showBytes(ctx, pt, listen, func(b []byte) {
				presses, _ := dec.Decode(b)
				keys := ""
				for _, p := range presses {
					keys += " " + a.t("agent.test.key", p.Score)
				}
				say("  [%s] % x  %q%s", k.Name, b, b, keys)
			})
		})
	}
	wg.Wait()
	return nil
}
