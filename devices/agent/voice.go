package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"qcall/devices/voice"
)

// voiceOut announces calls on the sound card: one goroutine (run) fetches
// each call's WAV from the server in order and queues it on a voice.Player,
// which plays them one after the other, never two at once.
type voiceOut struct {
	a     *Agent
	calls chan call
}

// call is one announcement to fetch: the server's voice_url of a call.
type call struct {
	url    string
	number string
	at     time.Time
}

func newVoiceOut(a *Agent) *voiceOut {
	return &voiceOut{a: a, calls: make(chan call, 32)}
}

// announce queues m's announcement, unless it is stale (it reached the agent
// later than max_delay after the call: a replay after an outage) or too many
// wait already.
func (v *voiceOut) announce(m *message) {
	if m.VoiceURL == "" {
		return
	}
	// The call's time is the server's: compared with the server's clock, not
	// this PC's, which may be off by minutes.
	if !m.At.IsZero() && v.a.clock.Since(m.At) > v.a.cfg.Voice.MaxDelay.D() {
		v.a.log.Info("agent: call too old to announce", "number", m.Number, "at", m.At, "age", v.a.clock.Since(m.At).Round(time.Second))
		return
	}
	select {
	case v.calls <- call{url: m.VoiceURL, number: m.Number, at: m.At}:
	default:
		v.a.log.Warn("agent: announcements pile up; call not announced", "number", m.Number)
	}
}

func (v *voiceOut) run(ctx context.Context) {
	pl := voice.NewPlayer(voice.PlayerConfig{Command: v.a.cfg.Voice.Command, OnError: func(err error) {
		v.a.log.Warn("agent: announcement failed", "err", err)
	}})
	defer pl.Close()
	for {
		var c call
		select {
		case <-ctx.Done():
			return
		case c = <-v.calls:
		}
		wav, err := v.fetch(ctx, c.url)
		if err != nil {
			v.a.log.Warn("agent: announcement not fetched", "number", c.number, "err", err)
			continue
		}
		if err := pl.Play(wav); err != nil {
			v.a.log.Warn("agent: announcement not played", "number", c.number, "err", err)
			continue
		}
		v.a.stats.announced.Add(1)
	}
}

// fetch GETs the WAV at u (relative to the server, as the hub gives it). An
// address on another server is refused: the request carries the agent's token.
func (v *voiceOut) fetch(ctx context.Context, u string) ([]byte, error) {
	u, err := v.a.serverURL(u)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+v.a.cfg.Token)
	resp, err := v.a.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err == nil && len(b) == 0 {
		err = errors.New("empty announcement")
	}
	return b, err
}
