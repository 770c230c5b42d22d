package queue_test

import (
	"slices"
	"testing"
	"time"

	"qcall/queue"
)

// served gives window's staff a finished ticket of service to be rated, and
// returns it.
func (h *hall) served(staff string, window int, service string) queue.TicketView {
	h.t.Helper()
	tk := h.issue(service)
	if v := h.callNext(staff, window); v.ID != tk.ID {
		h.t.Fatalf("called %s, want %s", v.Number, tk.Number)
	}
	h.finish(staff, window)
	return tk
}

func (h *hall) followups(q queue.FollowupQuery) []queue.FollowupRecord {
	h.t.Helper()
	if q.Period.From.IsZero() {
		q.Period = queue.Period{From: at(0, 0), To: at(23, 59)}
	}
	fs, err := h.Followups(ctx, q)
	if err != nil {
		h.t.Fatal(err)
	}
	return fs
}

// TestEngine_Followup: a bad rating opens a follow-up due five working days
// later; the director assigns it, the assignee closes it; the rated staff
// member appeals, the director upholds, and the rating stays on record but
// out of evaluations. It all survives a restart.
func TestEngine_Followup(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	good := h.served("1001", 1, "employment")
	if _, err := h.Rate(ctx, "evaluator", 1, 3, ""); err != nil {
		t.Fatal(err)
	}
	if fs := h.followups(queue.FollowupQuery{}); len(fs) != 0 {
		t.Fatalf("a rating of 3 opened %+v", fs)
	}
	bad := h.served("1001", 1, "employment")
	seq := h.seq()
	if _, err := h.Rate(ctx, "evaluator", 1, 2, ""); err != nil {
		t.Fatal(err)
	}
	if got := h.eventTypes(seq); !slices.Equal(got, []queue.EventType{queue.EvRatingGiven, queue.EvFollowupOpened}) {
		t.Fatalf("events %v", got)
	}
	fs := h.followups(queue.FollowupQuery{})
	if len(fs) != 1 {
		t.Fatalf("follow-ups %+v", fs)
	}
	f := fs[0]
	// Thursday 26 November: five working days on is Thursday 3 December,
	// past the weekend.
	if want := time.Date(2026, 12, 3, 23, 59, 59, 0, shanghai); !f.Due.Equal(want) || f.Ticket != bad.ID ||
		f.Staff != "1001" || f.Score != 2 || f.Window != 1 || f.State != queue.FollowupOpen || f.Number != bad.Number {
		t.Fatalf("follow-up %+v, due %v", f, f.Due)
	}

	steps := []struct {
		name string
		code string
		do   func() error
	}{
		{"assign an unknown follow-up", "unknown_followup", func() error { _, err := h.AssignFollowup(ctx, "9001", "nope", "1002"); return err }},
		{"assign to nobody", "invalid_input", func() error { _, err := h.AssignFollowup(ctx, "9001", f.ID, ""); return err }},
		{"assign to an unknown person", "unknown_staff", func() error { _, err := h.AssignFollowup(ctx, "9001", f.ID, "4242"); return err }},
		{"assign", "", func() error { _, err := h.AssignFollowup(ctx, "9001", f.ID, "1011"); return err }},
		{"close by someone else", "not_assignee", func() error {
			_, err := h.CloseFollowup(ctx, "1002", f.ID, queue.FollowupClose{Finding: "x", Action: "y"})
			return err
		}},
		{"close without a finding", "invalid_input", func() error {
			_, err := h.CloseFollowup(ctx, "1011", f.ID, queue.FollowupClose{Action: "y"})
			return err
		}},
		{"appeal by someone else", "not_rated_staff", func() error { _, err := h.AppealFollowup(ctx, "1002", f.ID, "unfair"); return err }},
		{"appeal without a reason", "invalid_input", func() error { _, err := h.AppealFollowup(ctx, "1001", f.ID, " "); return err }},
		{"decide with no appeal", "no_appeal", func() error { _, err := h.DecideAppeal(ctx, "9001", f.ID, true, "n"); return err }},
		{"appeal", "", func() error {
			_, err := h.AppealFollowup(ctx, "1001", f.ID, "the citizen came after hours")
			return err
		}},
		{"appeal twice", "appeal_exists", func() error { _, err := h.AppealFollowup(ctx, "1001", f.ID, "again"); return err }},
		{"decide without a note", "invalid_input", func() error { _, err := h.DecideAppeal(ctx, "9001", f.ID, true, ""); return err }},
		{"uphold", "", func() error { _, err := h.DecideAppeal(ctx, "9001", f.ID, true, "checked the recording"); return err }},
		{"decide twice", "already_decided", func() error { _, err := h.DecideAppeal(ctx, "9001", f.ID, false, "n"); return err }},
		{"close by the assignee", "", func() error {
			_, err := h.CloseFollowup(ctx, "1011", f.ID, queue.FollowupClose{Contacted: true, Finding: "slow printer", Action: "printer replaced"})
			return err
		}},
		{"close twice", "followup_closed", func() error {
			_, err := h.CloseFollowup(ctx, "9001", f.ID, queue.FollowupClose{Finding: "x", Action: "y"})
			return err
		}},
		{"assign when closed", "followup_closed", func() error { _, err := h.AssignFollowup(ctx, "9001", f.ID, "1002"); return err }},
	}
	for _, s := range steps {
		before := h.state()
		err := s.do()
		if s.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		wantCode(t, err, s.code)
		if h.state() != before {
			t.Fatalf("%s: refused, but the state changed", s.name)
		}
	}
	check := func(when string) {
		t.Helper()
		fs := h.followups(queue.FollowupQuery{})
		if len(fs) != 1 {
			t.Fatalf("%s: %+v", when, fs)
		}
		f := fs[0]
		if f.State != queue.FollowupClosed || f.Assignee != "1011" || f.ClosedBy != "1011" || !f.Contacted ||
			f.Finding != "slow printer" || f.Action != "printer replaced" || !f.Excluded ||
			f.Appeal == nil || f.Appeal.State != queue.AppealUpheld || f.Appeal.DecidedBy != "9001" || f.Appeal.Note != "checked the recording" {
			t.Fatalf("%s: %+v %+v", when, f, f.Appeal)
		}
		err := h.View(ctx, func(s *queue.State) error {
			if !s.RatingExcluded(bad.ID) || s.RatingExcluded(good.ID) {
				t.Errorf("%s: excluded %v / %v", when, s.RatingExcluded(bad.ID), s.RatingExcluded(good.ID))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("before the restart")
	// The rating itself stays on record.
	if v, err := h.Ticket(ctx, bad.ID); err != nil || v.Rating != 2 {
		t.Fatalf("ticket %+v %v", v, err)
	}
	h.restart()
	check("after a restart")
	// And across the next day's roll-over, and a restart from its snapshot.
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	if err := h.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.restart()
	check("the next day")
}

// TestEngine_FollowupQuery: the register filters by the day opened, by
// state and, for staff, by person; a bad state is refused.
func TestEngine_FollowupQuery(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1002", 2)
	h.served("1001", 1, "employment")
	if _, err := h.Rate(ctx, "evaluator", 1, 1, ""); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(9, 0).AddDate(0, 0, 1)) // Friday
	h.signIn("1002", 2)
	h.served("1002", 2, "employment")
	if _, err := h.Rate(ctx, "evaluator", 2, 2, ""); err != nil {
		t.Fatal(err)
	}
	day := func(d int) queue.Period {
		return queue.Period{From: at(0, 0).AddDate(0, 0, d), To: at(23, 59).AddDate(0, 0, d)}
	}
	if fs := h.followups(queue.FollowupQuery{Period: day(0)}); len(fs) != 1 || fs[0].Staff != "1001" {
		t.Errorf("Thursday: %+v", fs)
	}
	if fs := h.followups(queue.FollowupQuery{Period: day(1)}); len(fs) != 1 || fs[0].Staff != "1002" {
		t.Errorf("Friday: %+v", fs)
	} else if want := time.Date(2026, 12, 4, 23, 59, 59, 0, shanghai); !fs[0].Due.Equal(want) {
		t.Errorf("Friday's due %v, want %v", fs[0].Due, want)
	}
	both := queue.Period{From: at(0, 0), To: at(23, 59).AddDate(0, 0, 1)}
	if fs := h.followups(queue.FollowupQuery{Period: both, Person: "1002"}); len(fs) != 1 || fs[0].Staff != "1002" {
		t.Errorf("1002's: %+v", fs)
	}
	if fs := h.followups(queue.FollowupQuery{Period: both, State: "closed"}); len(fs) != 0 {
		t.Errorf("closed: %+v", fs)
	}
	if fs := h.followups(queue.FollowupQuery{Period: both, State: "open"}); len(fs) != 2 {
		t.Errorf("open: %+v", fs)
	}
	_, err := h.Followups(ctx, queue.FollowupQuery{Period: both, State: "lost"})
	wantCode(t, err, "invalid_input")
	for _, p := range [][2]string{{"2026-11-27", "2026-11-26"}, {"yesterday", ""}, {"2025-01-01", "2026-11-26"}} {
		if _, err := h.ParsePeriod(p[0], p[1]); queue.ErrorCode(err) != "invalid_input" {
			t.Errorf("period %v: %v", p, err)
		}
	}
}

// TestEngine_ReleaseWindow: the director releases a window abandoned with a
// ticket in hand: the ticket goes back to the front of its queue, and a
// colleague signs in there.
func TestEngine_ReleaseWindow(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	first := h.issue("employment")
	h.clock.Add(time.Minute)
	h.issue("employment")
	if v := h.callNext("1001", 1); v.ID != first.ID {
		t.Fatal(v)
	}
	_, err := h.ReleaseWindow(ctx, "9001", 2)
	wantCode(t, err, "window_closed")
	_, err = h.ReleaseWindow(ctx, "9001", 77)
	wantCode(t, err, "unknown_window")
	_, err = h.SignIn(ctx, "1002", 1)
	wantCode(t, err, "window_taken")
	w, err := h.ReleaseWindow(ctx, "9001", 1)
	if err != nil || w.Staff != nil || w.Current != nil {
		t.Fatalf("release: %+v %v", w, err)
	}
	v, err := h.Ticket(ctx, first.ID)
	if err != nil || v.State != queue.TicketWaiting || v.Position != 1 {
		t.Fatalf("the ticket in hand: %+v %v", v, err)
	}
	h.signIn("1002", 1)
	if v := h.callNext("1002", 1); v.ID != first.ID {
		t.Fatalf("the colleague called %s first", v.Number)
	}
}
