//go:build linux

package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"qcall/devices/agent"
)

// agRunLogged runs an agent in the test process, as agRun, with options, and
// gives its log, debug lines included (level=DEBUG: what a technician does
// not see at the normal level).
func agRunLogged(t *testing.T, text string, opts agent.Options) (*agent.Agent, *agLog) {
	t.Helper()
	cfg, err := agent.ParseConfig(text)
	if err != nil {
		t.Fatalf("agent configuration: %v\n%s", err, text)
	}
	logs := &agLog{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := agent.Open(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
		if t.Failed() {
			t.Logf("agent log:\n%s", logs.String())
		}
	})
	return a, logs
}

// TestAgent_WrongToken: an agent whose token the hall does not know says so,
// once, at error level, and does not report a lost connection over and over.
func TestAgent_WrongToken(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	data := t.TempDir()
	text := "server = \"" + m.URL + "\"\ntoken = \"not-a-token\"\ndata = \"" + data + "\"\n[reconnect]\nmin = \"10ms\"\nmax = \"20ms\"\n"
	_, logs := agRunLogged(t, text, agent.Options{})
	// The kiosk's token is a real one, of another role: refused as well.
	_, logs2 := agRunLogged(t, strings.Replace(strings.Replace(text, "not-a-token", "demo-kiosk", 1), data, t.TempDir(), 1), agent.Options{})
	for _, l := range []*agLog{logs, logs2} {
		agWaitFor(t, "the token refused, then asked again a few times", func() bool {
			return strings.Count(l.String(), "token still refused") >= 3
		})
		var normal []string // the lines a technician sees
		for _, line := range strings.Split(l.String(), "\n") {
			if !strings.Contains(line, "level=DEBUG") {
				normal = append(normal, line)
			}
		}
		out := strings.Join(normal, "\n")
		if strings.Contains(out, "connection lost") || strings.Count(out, "level=ERROR msg=\"agent: the server refuses the agent's token") != 1 ||
			!strings.Contains(out, "role = \\\"agent\\\"") {
			t.Errorf("want the refusal said once with its hint, and no lost connection:\n%s", out)
		}
	}
}
