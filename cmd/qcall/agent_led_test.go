//go:build linux

package main

import (
	"strings"
	"testing"
)

// TestAgent_LEDSameAfterRestart: a bar shows the same for the same state,
// whether the agent followed the events (a finish) or has just started; an
// agent that reconnects sends every bar its text again, even unchanged, since
// a bar switched off and on meanwhile would stay blank.
func TestAgent_LEDSameAfterRestart(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	m := agStartHall(t, data, "127.0.0.1:0")
	addr := strings.TrimPrefix(m.URL, "http://")
	sim := agSim(t, "", []int{1})
	// No periodic refresh here: what is resent, is resent for the reconnect.
	cfg := strings.Replace(sim.ConfigText(m.URL, "demo-agent", t.TempDir()), "  window = 1\n  [led.frame]",
		"  window = 1\n  refresh = \"0s\"\n  [led.frame]", 1)
	if !strings.Contains(cfg, `refresh = "0s"`) {
		t.Fatalf("configuration has no LED bar:\n%s", cfg)
	}
	a, stop := agRun(t, cfg)
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	tk := agIssue(t, m.URL, "employment")
	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agSimWait(t, sim, "the call", func() bool { return sim.Text("led-1") == tk.Number+" 请到1号窗口" })
	agWindow(t, m.URL, staff, 1, "start", nil)
	agWindow(t, m.URL, staff, 1, "finish", nil)
	const ready = "1号窗口 欢迎您"
	agSimWait(t, sim, "the bar to show the window ready after the finish", func() bool { return sim.Text("led-1") == ready })

	// The server restarts: the agent reconnects and sends the same text again.
	n := len(sim.Texts("led-1"))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	agWaitFor(t, "the agent to notice", func() bool { return !a.Stats().Connected })
	m = agStartHall(t, data, addr)
	agWaitFor(t, "the agent to reconnect", func() bool { return a.Stats().Connected && a.Stats().Connects >= 2 })
	agSimWait(t, sim, "the text sent again after the reconnect", func() bool { return len(sim.Texts("led-1")) > n })
	if got := sim.Text("led-1"); got != ready {
		t.Fatalf("after the reconnect the bar shows %q, want %q", got, ready)
	}

	// A new agent shows what the first one showed for this state.
	stop()
	n = len(sim.Texts("led-1"))
	a2, _ := agRun(t, cfg)
	agWaitFor(t, "the new agent to connect", func() bool { return a2.Stats().Connected })
	agSimWait(t, sim, "the new agent's first frame", func() bool { return len(sim.Texts("led-1")) > n })
	if got := sim.Texts("led-1")[n:]; strings.Join(got, "|") != strings.Repeat(ready+"|", len(got)-1)+ready {
		t.Fatalf("after a restart the bar showed %q, want only %q as after the finish", got, ready)
	}
}
