package display_test

import (
	"testing"
	"time"

	"qcall/display"
	"qcall/queue"
)

// alertKinds reads the kinds of the alerts of a director's state.
func alertKinds(t *testing.T, m hubMsg) []string {
	t.Helper()
	var as []queue.Alert
	m.decode(t, "alerts", &as)
	var out []string
	for _, a := range as {
		out = append(out, a.Kind)
	}
	return out
}

// TestHub_DirectorAlerts: the director's view carries the alerts queue
// builds; one that comes with the time alone (a wait passing its service's
// committed time) is pushed with no event, when the clock round finds the
// view changed.
func TestHub_DirectorAlerts(t *testing.T) {
	e := newHubEnv(t, func(o *display.HubOptions) { o.ClockEvery = 20 * time.Millisecond })
	dir, _, err := e.dial("client=director", bearerOf(e.login("9001")))
	if err != nil {
		t.Fatal(err)
	}
	if k := alertKinds(t, dir.next()); len(k) != 0 {
		t.Fatalf("a quiet hall's alerts: %v", k)
	}
	e.issue("injury") // no window serves it
	msgs := dir.until(e.seq())
	if k := alertKinds(t, msgs[len(msgs)-1]); len(k) != 1 || k[0] != queue.AlertUnserved {
		t.Fatalf("alerts %v, want unserved", k)
	}
	if _, err := e.eng.SignIn(hubCtx, "1008", 8); err != nil {
		t.Fatal(err)
	}
	msgs = dir.until(e.seq())
	if k := alertKinds(t, msgs[len(msgs)-1]); len(k) != 0 {
		t.Fatalf("served, the alerts are %v", k)
	}
	// 51 minutes on, nothing happens but the time: injury's 50 are passed.
	seq := e.seq()
	e.clock.Add(51 * time.Minute)
	for {
		m := dir.next()
		if m.Type != "state" {
			t.Fatalf("got %s, want only a state: %s", m.Type, m.Raw)
		}
		if m.Seq != seq {
			t.Fatalf("state at %d, want %d: no event happened", m.Seq, seq)
		}
		if k := alertKinds(t, m); len(k) == 1 && k[0] == queue.AlertWaitOverLimit {
			break
		}
	}
}
