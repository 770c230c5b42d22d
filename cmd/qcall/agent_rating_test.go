//go:build linux

package main

import "testing"

// TestAgent_KeypadRatesOnlyTheTicketJustFinished: on a keypad played on a
// pseudo-terminal, key 5 gives the top level of the five-level scale; after
// A002 is finished and A003 called and started, a press is refused by the
// server (nothing_to_rate) and A002 keeps no rating.
func TestAgent_KeypadRatesOnlyTheTicketJustFinished(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	a, _ := agRun(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()))
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	director := login(t, m.URL, "9001")
	staff := login(t, m.URL, "1001")
	a1, a2 := agIssue(t, m.URL, "employment"), agIssue(t, m.URL, "employment")
	agIssue(t, m.URL, "employment")
	agWindow(t, m.URL, staff, 1, "signin", nil)

	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agWindow(t, m.URL, staff, 1, "finish", nil) // A001
	if err := sim.Press("keypad-1", 5); err != nil {
		t.Fatal(err)
	}
	agWaitFor(t, "A001 rated 5", func() bool {
		return agCount(t, m.URL, director, func(e agEvent) bool {
			return e.Type == "rating_given" && e.Ticket == a1.ID && e.Score == 5
		}) == 1
	})

	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agWindow(t, m.URL, staff, 1, "finish", nil) // A002
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agWindow(t, m.URL, staff, 1, "start", nil) // A003 at the window
	if err := sim.Press("keypad-1", 1); err != nil {
		t.Fatal(err)
	}
	agWaitFor(t, "the press refused", func() bool { return a.Stats().RatingsRefused == 1 })
	if n := agCount(t, m.URL, director, func(e agEvent) bool { return e.Type == "rating_given" && e.Ticket == a2.ID }); n != 0 {
		t.Fatalf("A002 was rated by a press made while A003 was served")
	}
	if s := a.Stats(); s.Ratings != 1 {
		t.Errorf("stats %+v, want one rating", s)
	}
}
