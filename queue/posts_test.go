package queue_test

import (
	"slices"
	"testing"
	"time"

	"qcall/queue"
)

// TestEngine_CoverOnSignOut: an A-post holder who signs out (签退) asks the
// window's B-post holders to cover, as one going on a break does; the gap
// lasts until someone signs in there, and the register lists it with its
// minutes. Staff without the A-post leave no gap.
func TestEngine_CoverOnSignOut(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1) // A-post of window 1; 1002 and 1011 hold its B-post
	s0 := h.seq()
	if _, err := h.SignOut(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	evs := h.events(s0)
	if len(evs) != 2 || evs[1].Type != queue.EvCoverNeeded || evs[1].Window != 1 || evs[1].Staff != "1001" ||
		evs[1].Status != queue.CoverSignedOut || !slices.Equal(evs[1].Cover, []string{"1002", "1011"}) {
		t.Fatalf("events after the A-post's sign-out: %+v", evs)
	}
	if w, _ := h.Windows(ctx); !w[0].Uncovered {
		t.Fatalf("window 1 %+v", w[0])
	}
	h.clock.Add(5*time.Minute + 10*time.Second)
	h.signIn("1011", 1)
	last := h.events(s0)[len(h.events(s0))-1]
	if last.Type != queue.EvPostCovered || last.Window != 1 || last.Staff != "1011" || last.UncoveredS != 310 {
		t.Fatalf("last event %+v", last)
	}
	// 1011 holds no A-post: signing out asks no one.
	s1 := h.seq()
	if _, err := h.SignOut(ctx, "1011", 1); err != nil {
		t.Fatal(err)
	}
	if n := countType(h.events(s1), queue.EvCoverNeeded); n != 0 {
		t.Fatalf("a B-post holder's sign-out asked for cover %d times", n)
	}
	cov, err := h.Covers(ctx, "2026-11-26", "2026-11-26")
	if err != nil || len(cov) != 1 {
		t.Fatalf("covers %+v, %v", cov, err)
	}
	if g := cov[0]; g.Window != 1 || g.Staff != "1001" || g.Reason != "signed_out" || g.CoveredBy != "1011" ||
		g.UncoveredS != 310 || g.Minutes != 5 || g.Open || !g.To.Equal(g.From.Add(310*time.Second)) {
		t.Fatalf("the gap %+v", g)
	}
	if none, _ := h.Covers(ctx, "2026-11-27", ""); len(none) != 0 {
		t.Fatalf("covers from the next day: %+v", none)
	}
	_, err = h.Covers(ctx, "yesterday", "")
	wantCode(t, err, "invalid_input")
}

// TestEngine_CoverTakeover: a B-post holder takes over the window of an
// A-post holder who is away: the A-post holder is signed out with the
// takeover said, the gap ends, and the B-post holder's own A window (left
// behind) now asks its own B-post holders.
func TestEngine_CoverTakeover(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1002", 2) // A of 2, B of 1
	if _, err := h.SetWhereabouts(ctx, "1001", queue.Break, ""); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(3 * time.Minute)
	s0 := h.seq()
	h.signIn("1002", 1)
	var got []string
	for _, e := range h.events(s0) {
		got = append(got, string(e.Type)+" "+e.Staff)
	}
	want := []string{"window_signed_out 1002", "cover_needed 1002", "window_signed_out 1001", "window_signed_in 1002", "post_covered 1002"}
	if !slices.Equal(got, want) {
		t.Fatalf("events of the takeover %q, want %q", got, want)
	}
	cov, _ := h.Covers(ctx, "", "")
	if len(cov) != 2 || cov[0].Window != 1 || cov[0].Minutes != 3 || cov[0].Reason != "break" || cov[1].Window != 2 || !cov[1].Open {
		t.Fatalf("covers %+v", cov)
	}
}

// TestEngine_CoverEndsAtClose: a gap still open when the day closes ends at
// the hall's closing time, not the next morning.
func TestEngine_CoverEndsAtClose(t *testing.T) {
	cfg := queue.Demo()
	cfg.Hall.Open, cfg.Hall.Close, cfg.Hall.IssueCutoff = "08:30", "17:30", "17:00"
	h := newHall(t, cfg)
	h.clock.Set(at(16, 0))
	h.signIn("1001", 1)
	if _, err := h.SignOut(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	h.tick()
	cov, _ := h.Covers(ctx, "", "")
	if len(cov) != 1 || cov[0].Open || cov[0].UncoveredS != 90*60 || cov[0].CoveredBy != "" {
		t.Fatalf("covers %+v", cov)
	}
	// After the cut-off a sign-out leaves no gap: the day is ending.
	h.clock.Set(at(17, 10).AddDate(0, 0, 1))
	h.signIn("1001", 1)
	s0 := h.seq()
	if _, err := h.SignOut(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	if n := countType(h.events(s0), queue.EvCoverNeeded); n != 0 {
		t.Fatalf("a sign-out after the cut-off asked for cover")
	}
}
