package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"qcall/devices/keypad"
)

// keypadDev is one satisfaction keypad. Its goroutine (run) opens the port and
// reads presses; a second goroutine (rate) sends them to the server in order,
// so a slow server never holds up the port.
type keypadDev struct {
	a      *Agent
	cfg    *KeypadConfig
	keys   keypad.Keymap
	scores chan int // presses waiting to be sent
	// prompt asks for the "please rate" prompt (Prompt's bytes) to be sent;
	// nil for a keypad without one.
	prompt      chan struct{}
	promptBytes []byte
}

func newKeypad(a *Agent, cfg *KeypadConfig) (*keypadDev, error) {
	keys, err := cfg.keymap()
	if err != nil {
		return nil, fmt.Errorf("agent: keypad %s: %w", cfg.Name, err)
	}
	k := &keypadDev{a: a, cfg: cfg, keys: keys, scores: make(chan int, 16)}
	if k.promptBytes, _ = keypad.ParseSequence(cfg.Prompt); len(k.promptBytes) > 0 { // checked by Validate
		k.prompt = make(chan struct{}, 1)
	}
	return k, nil
}

// press hands a press to the rate goroutine, never waiting.
func (k *keypadDev) press(p keypad.Press) {
	select {
	case k.scores <- p.Score:
	default:
		k.a.log.Warn("agent: keypad presses pile up; press dropped", "keypad", k.cfg.Name)
	}
}

// askRating sends the keypad its "please rate" prompt, if it has one: a
// service has just finished at its window.
func (k *keypadDev) askRating() {
	if k.prompt != nil {
		signal(k.prompt)
	}
}

// open opens the keypad's port, or its keyboard (Input) as a stream of key
// bytes.
func (k *keypadDev) open(ctx context.Context) (port, *PortConfig, error) {
	if k.cfg.Input == "" {
		pt, err := openPort(ctx, &k.cfg.PortConfig)
		return pt, &k.cfg.PortConfig, err
	}
	pc := &PortConfig{Port: k.cfg.Input}
	in, err := openInput(k.cfg.Input)
	if err != nil {
		return nil, pc, err
	}
	return in, pc, nil
}

func (k *keypadDev) run(ctx context.Context) {
	bo := newBackoff(k.a.cfg.Reconnect)
	tl := &throttledLog{log: k.a.log, interval: 10 * time.Second}
	for ctx.Err() == nil {
		pt, pc, err := k.open(ctx)
		if err != nil {
			k.a.report.set(k.cfg.Name, statusOffline, k.a.portFailed(k.cfg.Name, pc, err))
			if !wait(ctx, bo.next(), nil) {
				return
			}
			continue
		}
		bo.reset()
		k.a.portOpened(k.cfg.Name)
		k.a.report.set(k.cfg.Name, statusOK, k.a.t("agent.note.ok"))
		// With its keys, so that a technician sees which key gives which of
		// the five levels (a four-key keypad left on the default keys reads
		// "4" as 满意).
		k.a.log.Info("agent: keypad port open", "keypad", k.cfg.Name, "port", pc.String(), "keys", k.keys.String())
		r, _ := keypad.NewReader(pt, k.keys) // the keymap was checked by Validate
		r.Unknown = func(skipped []byte) {
			k.a.stats.garbage.Add(int64(len(skipped)))
			tl.warn("agent: keypad sent bytes that are no key; skipped", "keypad", k.cfg.Name, "bytes", fmt.Sprintf("% x", skipped[:min(len(skipped), 16)]))
		}
		// Closing the port is what ends a blocked read when ctx ends.
		stop := context.AfterFunc(ctx, func() { pt.Close() })
		// The prompt's writer: the only goroutine that writes to this port,
		// while Run reads it.
		done := make(chan struct{})
		go k.writePrompts(ctx, pt, done)
		err = r.Run(k.press)
		close(done)
		stop()
		pt.Close()
		if ctx.Err() != nil {
			return
		}
		k.a.log.Warn("agent: keypad port lost", "keypad", k.cfg.Name, "err", err)
		k.a.report.set(k.cfg.Name, statusOffline, k.a.t("agent.note.port", k.cfg.PortConfig.String()))
		if !wait(ctx, bo.next(), nil) {
			return
		}
	}
}

// writePrompts writes the prompt to pt each time one is asked for, until done.
func (k *keypadDev) writePrompts(ctx context.Context, pt port, done <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-k.prompt:
			if _, err := pt.Write(k.promptBytes); err != nil {
				k.a.log.Warn("agent: keypad prompt not sent", "keypad", k.cfg.Name, "err", err)
				return
			}
		}
	}
}

// rate sends each press as a rating of the window's last finished ticket. A
// press with nothing to rate (409 nothing_to_rate, already_rated) is logged
// and forgotten; one the server could not take is tried again for a few
// seconds only, since later it might rate the next visitor.
func (k *keypadDev) rate(ctx context.Context) {
	for {
		var score int
		select {
		case <-ctx.Done():
			return
		case score = <-k.scores:
		}
		deadline := time.Now().Add(10 * time.Second)
		delay := 200 * time.Millisecond
		for {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := k.a.post(cctx, "/api/ratings", map[string]int{"window": k.cfg.Window, "score": score}, nil)
			cancel()
			if err == nil {
				k.a.stats.ratings.Add(1)
				k.a.log.Info("agent: rating", "keypad", k.cfg.Name, "window", k.cfg.Window, "score", keypad.ScoreName(score))
				break
			}
			if code, ok := isConflict(err, "nothing_to_rate", "already_rated"); ok {
				k.a.stats.refused.Add(1)
				k.a.log.Info("agent: keypad press with nothing to rate; ignored", "keypad", k.cfg.Name, "window", k.cfg.Window, "reason", code)
				break
			}
			var ae *apiError
			if errors.As(err, &ae) || time.Now().Add(delay).After(deadline) || ctx.Err() != nil {
				k.a.log.Warn("agent: rating not sent", "keypad", k.cfg.Name, "window", k.cfg.Window, "err", err)
				break
			}
			if !wait(ctx, delay, nil) {
				return
			}
			delay *= 2
		}
	}
}
