package queue_test

import (
	"testing"
	"time"

	"qcall/queue"
)

// day is midnight of a date in the hall's zone.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, shanghai) }

// TestCalendar_AddWorkingDays: case days count the working days of the
// hall's calendar after the day a matter is accepted: weekends are skipped,
// public holidays too, and the make-up working days (调休) on a weekend count.
func TestCalendar_AddWorkingDays(t *testing.T) {
	cal := queue.China2026
	for _, c := range []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"across a weekend: Wed 2 Dec + 5 is Wed 9 Dec, not Sun 6 Dec", day(2026, 12, 2).Add(10 * time.Hour), 5, day(2026, 12, 9)},
		{"across National Day and its make-up Saturday 10 Oct", day(2026, 9, 30).Add(15 * time.Hour), 5, day(2026, 10, 13)},
		{"a make-up Sunday (20 Sep) is a working day", day(2026, 9, 18), 1, day(2026, 9, 20)},
		{"a make-up Saturday (9 May) is a working day", day(2026, 5, 8), 1, day(2026, 5, 9)},
		{"Labour Day holidays and the weekend skipped", day(2026, 4, 30), 1, day(2026, 5, 6)},
		{"accepted on a Sunday", day(2026, 12, 6), 1, day(2026, 12, 7)},
		{"Spring Festival: 14 Feb (a make-up Saturday) + 1 is 24 Feb", day(2026, 2, 14), 1, day(2026, 2, 24)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := cal.AddWorkingDays(c.from, c.n, shanghai)
			want := c.want.Add(24*time.Hour - time.Second)
			if !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s (%s), want %s (%s)", c.from.Format(time.DateTime), c.n,
					got.Format(time.DateTime), got.Weekday(), want.Format(time.DateTime), want.Weekday())
			}
		})
	}
	if n := cal.WorkingDaysLeft(day(2026, 9, 30), day(2026, 10, 13), shanghai); n != 5 {
		t.Errorf("working days left from 30 Sep to 13 Oct 2026: %d, want 5", n)
	}
	if n := cal.WorkingDaysLeft(day(2026, 10, 13).Add(9*time.Hour), day(2026, 10, 13), shanghai); n != 0 {
		t.Errorf("working days left on the due day: %d, want 0", n)
	}
}

// TestConfig_Calendar: the calendar's dates are checked at start.
func TestConfig_Calendar(t *testing.T) {
	for _, c := range []struct {
		name string
		cal  queue.Calendar
	}{
		{"not a date", queue.Calendar{Holidays: []string{"2026-13-01"}}},
		{"no date at all", queue.Calendar{Workdays: []string{"soon"}}},
		{"a date twice", queue.Calendar{Holidays: []string{"2026-10-01", "2026-10-01"}}},
		{"both a holiday and a working day", queue.Calendar{Holidays: []string{"2026-10-10"}, Workdays: []string{"2026-10-10"}}},
	} {
		cfg := queue.Demo()
		cfg.Calendar = c.cal
		var ce *queue.ConfigError
		if err := cfg.Validate(); err == nil || !asConfigError(err, &ce) || ce.Path[:8] != "calendar" {
			t.Errorf("%s: Validate() = %v, want an error on calendar", c.name, err)
		}
	}
}

func asConfigError(err error, ce **queue.ConfigError) bool {
	e, ok := err.(*queue.ConfigError)
	*ce = e
	return ok
}

// TestEngine_CaseDeadline: finishing with a due date answers the case and
// its due date, counted in working days; staff list and close their own
// cases only, the director every one; the ticket's page keeps the case
// across days until it is done; the register says what is due today and
// what is overdue.
func TestEngine_CaseDeadline(t *testing.T) {
	h := newHall(t, nil)
	h.clock.Set(day(2026, 12, 2).Add(10 * time.Hour)) // Wednesday
	h.signIn("1001", 1)
	h.signIn("1002", 2)
	h.issue("employment")
	h.issue("employment")
	h.callNext("1001", 1)
	f, err := h.Finish(ctx, "1001", 1, queue.FinishOptions{DueDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 9, 23, 59, 59, 0, shanghai)
	if f.Case == nil || f.Case.ID == "" || !f.Case.Due.Equal(want) || f.Case.Staff != "1001" || f.Case.Ticket != f.Ticket.ID {
		t.Fatalf("finish answered %+v, want its case due %s", f, want)
	}
	if f.Case.Due.Weekday() == time.Sunday || f.Case.Due.Weekday() == time.Saturday {
		t.Fatalf("due on a %s", f.Case.Due.Weekday())
	}
	h.callNext("1002", 2)
	g, err := h.Finish(ctx, "1002", 2, queue.FinishOptions{Due: time.Date(2026, 12, 3, 23, 59, 59, 0, shanghai)})
	if err != nil || g.Case == nil {
		t.Fatalf("finish with a date: %+v, %v", g, err)
	}
	// A finish without a due date opens no case.
	h.issue("employment")
	h.callNext("1001", 1)
	if n, err := h.Finish(ctx, "1001", 1, queue.FinishOptions{}); err != nil || n.Case != nil {
		t.Fatalf("plain finish: %+v, %v", n, err)
	}

	ids := func(cs []queue.CaseView) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	mine, err := h.Cases(ctx, queue.CaseQuery{Staff: "1001"})
	if err != nil || len(mine) != 1 || mine[0].ID != f.Case.ID || mine[0].State != "open" {
		t.Fatalf("1001's cases: %+v, %v", mine, err)
	}
	if other, _ := h.Cases(ctx, queue.CaseQuery{Staff: "1003"}); len(other) != 0 {
		t.Fatalf("1003 sees %v", ids(other))
	}
	all, _ := h.Cases(ctx, queue.CaseQuery{})
	if len(all) != 2 {
		t.Fatalf("all cases %v", ids(all))
	}
	_, err = h.CaseDone(ctx, "1001", g.Case.ID, true)
	wantCode(t, err, "not_your_case")

	// Thursday 3 December: 1002's case is due today; the ticket of 1001's
	// case is still found, with its case, though its day has passed.
	h.clock.Set(day(2026, 12, 3).Add(9 * time.Hour))
	h.tick()
	if due, _ := h.Cases(ctx, queue.CaseQuery{State: "due_today"}); len(due) != 1 || due[0].ID != g.Case.ID || !due[0].DueToday {
		t.Fatalf("due today: %+v", due)
	}
	if _, err := h.Ticket(ctx, f.Ticket.ID); err != nil {
		t.Fatalf("the ticket of an open case is gone the next day: %v", err)
	}
	var tc *queue.TicketCase
	h.View(ctx, func(s *queue.State) error { tc = s.TicketCase(f.Ticket.ID); return nil })
	if tc == nil || tc.ID != f.Case.ID || !tc.Due.Equal(want) || !tc.Done.IsZero() {
		t.Fatalf("the ticket's case: %+v", tc)
	}
	// Friday: 1002's is overdue.
	h.clock.Set(day(2026, 12, 4).Add(9 * time.Hour))
	h.tick()
	if late, _ := h.Cases(ctx, queue.CaseQuery{State: "overdue"}); len(late) != 1 || late[0].ID != g.Case.ID || !late[0].Overdue {
		t.Fatalf("overdue: %+v", late)
	}
	if _, err := h.CaseDone(ctx, "9001", g.Case.ID, true); err != nil {
		t.Fatalf("the director closes any case: %v", err)
	}
	if _, err := h.CaseDone(ctx, "1001", f.Case.ID, true); err != nil {
		t.Fatalf("staff close their own case: %v", err)
	}
	if done, _ := h.Cases(ctx, queue.CaseQuery{State: "done", From: "2026-12-02", To: "2026-12-02"}); len(done) != 2 || done[0].DoneBy == "" {
		t.Fatalf("done cases of 2 December: %+v", done)
	}
	if none, _ := h.Cases(ctx, queue.CaseQuery{From: "2026-12-03"}); len(none) != 0 {
		t.Fatalf("cases opened from 3 December: %v", ids(none))
	}
	// Done, the ticket goes at the next day's opening; the register keeps the case.
	h.clock.Set(day(2026, 12, 7).Add(9 * time.Hour))
	h.tick()
	_, err = h.Ticket(ctx, f.Ticket.ID)
	wantCode(t, err, "unknown_ticket")
	h.restart()
	if all, _ := h.Cases(ctx, queue.CaseQuery{}); len(all) != 2 {
		t.Fatalf("after a restart the register holds %v", ids(all))
	}

	for _, q := range []queue.CaseQuery{{State: "late"}, {From: "2.12.2026"}, {To: "x"}, {From: "2026-12-05", To: "2026-12-01"}} {
		_, err := h.Cases(ctx, q)
		wantCode(t, err, "invalid_input")
	}
}

// tick applies the rules of time, the new business day first.
func (h *hall) tick() {
	h.t.Helper()
	if err := h.Tick(ctx); err != nil {
		h.t.Fatal(err)
	}
}
