package queue_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/queue"
)

// The rules a whole hall day found broken (issue 10): numbers unique within
// the business day, no ticket waiting for a window that cannot serve it, wait
// estimates that do not lie, and the smaller ones.

// numbersOnce fails when two tickets in the hall now share a number.
func numbersOnce(t *testing.T, h *hall) {
	t.Helper()
	err := h.View(ctx, func(s *queue.State) error {
		seen := map[string]string{}
		for id, tk := range s.Tickets {
			if tk.State == queue.TicketSuspended || tk.State.Final() {
				continue // not in the hall today
			}
			if o, dup := seen[tk.Number]; dup {
				t.Errorf("tickets %s and %s both hold %s", o, id, tk.Number)
			}
			seen[tk.Number] = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEngine_ReturnSlipNumberUniqueInTheDay(t *testing.T) {
	// Day 1: A001 leaves with a return slip.
	suspendA001 := func(t *testing.T) (*hall, queue.TicketView, queue.SlipView) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		a := h.issue("employment")
		h.callNext("1001", 1)
		slip, err := h.Suspend(ctx, "1001", 1, []string{"户口簿"})
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Set(at(9, 0).AddDate(0, 0, 1))
		return h, a, slip
	}

	t.Run("today's A001 issued first", func(t *testing.T) {
		h, a, slip := suspendA001(t)
		today := h.issue("employment")
		if today.Number != "A001" {
			t.Fatalf("day 2 starts at %s", today.Number)
		}
		h.signIn("1001", 1)
		back, err := h.ReturnSlip(ctx, "kiosk-1", slip.SlipID)
		if err != nil {
			t.Fatal(err)
		}
		if back.ID != a.ID || back.Number == "A001" || back.ForWindow != 1 {
			t.Fatalf("returned %+v: want a fresh number of today for window 1", back)
		}
		if next := h.issue("employment"); next.Number == back.Number || next.Number == today.Number {
			t.Fatalf("then issued %s again", next.Number)
		}
		numbersOnce(t, h)
		var called []string
		for range 3 {
			called = append(called, h.callNext("1001", 1).Number)
			h.finish("1001", 1)
		}
		if called[0] != back.Number || len(slices.Compact(slices.Sorted(slices.Values(called)))) != 3 {
			t.Fatalf("window 1 called %v: want the returned %s first, three numbers", called, back.Number)
		}
	})

	t.Run("slip back before anyone is issued", func(t *testing.T) {
		h, _, slip := suspendA001(t)
		back, err := h.ReturnSlip(ctx, "kiosk-1", slip.SlipID)
		if err != nil {
			t.Fatal(err)
		}
		// A001 is today's first number: the returned ticket holds it now,
		// so the next ticket issued must not.
		if next := h.issue("employment"); next.Number == back.Number {
			t.Fatalf("returned ticket holds %s and the next ticket issued is %s too", back.Number, next.Number)
		}
		numbersOnce(t, h)
		h.restart() // the rule is in the fold: a replay keeps it
		if next := h.issue("employment"); next.Number == back.Number {
			t.Fatalf("after a restart %s is issued again", next.Number)
		}
		numbersOnce(t, h)
	})
}

func TestEngine_NoTicketWaitsForAClosedWindow(t *testing.T) {
	t.Run("transfer to a window that cannot serve it is refused", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		h.signIn("1003", 3) // unemployment as A, employment as B (backup closed)
		h.issue("employment")
		h.callNext("1001", 1)
		before := h.state()
		_, err := h.Transfer(ctx, "1001", 1, "", 2) // window 2: nobody signed in
		wantCode(t, err, "window_closed")
		_, err = h.Transfer(ctx, "1001", 1, "", 3) // window 3 does not serve employment now
		wantCode(t, err, "service_not_offered")
		_, err = h.Transfer(ctx, "1001", 1, "pension", 3) // nor pension
		wantCode(t, err, "service_not_offered")
		if after := h.state(); after != before {
			t.Fatalf("a refused transfer changed the state:\n%s\n%s", before, after)
		}
		// To a service's queue, or to an open window serving the service: taken.
		if _, err := h.Transfer(ctx, "1001", 1, "unemployment", 3); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("sign-out puts the window's tickets back in their place", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		h.signIn("1002", 2)
		// A001 leaves window 1 with a slip and comes back: bound to window 1.
		h.issue("employment")
		h.callNext("1001", 1)
		slip, err := h.Suspend(ctx, "1001", 1, []string{"照片"})
		if err != nil {
			t.Fatal(err)
		}
		b := h.issue("employment") // A002
		c := h.issue("employment") // A003
		// A003 goes to window 1 by a transfer from window 2: bound to it too.
		if got := h.callNext("1002", 2); got.ID != b.ID {
			t.Fatalf("window 2 called %s", got.Number)
		}
		h.finish("1002", 2)
		if got := h.callNext("1002", 2); got.ID != c.ID {
			t.Fatalf("window 2 called %s", got.Number)
		}
		if _, err := h.Transfer(ctx, "1002", 2, "", 1); err != nil {
			t.Fatal(err)
		}
		d := h.issue("employment") // A004, after A003 in the queue
		back, err := h.ReturnSlip(ctx, "kiosk-1", slip.SlipID)
		if err != nil {
			t.Fatal(err)
		}
		if back.ForWindow != 1 {
			t.Fatalf("returned %+v, want bound to the open window 1", back)
		}
		seq := h.seq()
		if _, err := h.SignOut(ctx, "1001", 1); err != nil {
			t.Fatal(err)
		}
		var rerouted *queue.Event
		for _, e := range h.events(seq) {
			if e.Type == queue.EvTicketsRerouted {
				rerouted = &e
			}
		}
		if rerouted == nil || rerouted.Window != 1 || len(rerouted.Tickets) != 2 {
			t.Fatalf("no tickets_rerouted for window 1's two tickets: %v", h.eventTypes(seq))
		}
		aud := audienceOf(t, h, rerouted)
		if !aud.Director {
			t.Errorf("the director is not told of the re-routing: %+v", aud)
		}
		for _, id := range []string{back.ID, c.ID} {
			v, _ := h.Ticket(ctx, id)
			if v.ForWindow != 0 || !v.State.Queued() {
				t.Errorf("%s still bound to window %d after it closed: %+v", v.Number, v.ForWindow, v)
			}
		}
		// Window 2 calls them in their place: the returned ticket first, then
		// A003 (its wait kept), then A004.
		var got []string
		for range 3 {
			got = append(got, h.callNext("1002", 2).ID)
			h.finish("1002", 2)
		}
		if want := []string{back.ID, c.ID, d.ID}; !slices.Equal(got, want) {
			t.Fatalf("window 2 called %v, want %v", got, want)
		}
	})

	t.Run("a backup opened by hand picks them up", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		h.issue("employment")
		h.callNext("1001", 1)
		slip, _ := h.Suspend(ctx, "1001", 1, []string{"照片"})
		if _, err := h.ReturnSlip(ctx, "kiosk-1", slip.SlipID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.SignOut(ctx, "1001", 1); err != nil {
			t.Fatal(err)
		}
		h.signIn("1003", 3) // employment as B
		if _, err := h.SetBackup(ctx, "9001", "employment", true); err != nil {
			t.Fatal(err)
		}
		if got := h.callNext("1003", 3); got.Number != "A001" {
			t.Fatalf("backup window 3 called %s, want the returned A001", got.Number)
		}
	})

	t.Run("a slip brought back to a closed window goes to its service", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		h.issue("employment")
		h.callNext("1001", 1)
		slip, _ := h.Suspend(ctx, "1001", 1, []string{"照片"})
		if _, err := h.SignOut(ctx, "1001", 1); err != nil {
			t.Fatal(err)
		}
		h.signIn("1002", 2)
		back, err := h.ReturnSlip(ctx, "kiosk-1", slip.SlipID)
		if err != nil {
			t.Fatal(err)
		}
		if back.ForWindow != 0 || !back.Return || back.NoWindow {
			t.Fatalf("returned %+v: want it in its service's queue, first, served by window 2", back)
		}
		if got := h.callNext("1002", 2); got.ID != back.ID {
			t.Fatalf("window 2 called %s, want the returned ticket", got.Number)
		}
	})
}

// start starts the service of the ticket called at window.
func (h *hall) start(staff string, window int) {
	h.t.Helper()
	if _, err := h.Start(ctx, staff, window); err != nil {
		h.t.Fatalf("start at %d: %v", window, err)
	}
}

// audienceOf is who hears ev.
func audienceOf(t *testing.T, h *hall, ev *queue.Event) queue.Audience {
	t.Helper()
	var a queue.Audience
	if err := h.View(ctx, func(s *queue.State) error { a = s.Audience(ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestEngine_WaitEstimates(t *testing.T) {
	h := newHall(t, nil) // employment: 300 s standard, A at windows 1 and 2
	svc := func(code string) queue.ServiceView {
		t.Helper()
		svcs, err := h.Services(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range svcs {
			if s.Code == code {
				return s
			}
		}
		t.Fatalf("no service %s", code)
		return queue.ServiceView{}
	}
	// Nobody signed in: no window serves it, and the answer says so.
	h.issue("employment")
	v := h.issue("employment")
	if s := svc("employment"); s.ServingWindows != 0 || !v.NoWindow {
		t.Fatalf("nobody serves employment: service %+v, ticket %+v", s, v)
	}
	h.signIn("1001", 1)
	// One staffed window, the standard 300 s a ticket: 1 ahead is 300 s.
	if v, _ = h.Ticket(ctx, v.ID); v.NoWindow || v.EstWaitS != 300 {
		t.Fatalf("1 ahead, one window at 300 s: %+v", v)
	}
	// One quick service does not make the estimate: the standard holds until
	// 5 services are measured.
	h.callNext("1001", 1)
	h.start("1001", 1)
	h.clock.Add(time.Second)
	h.finish("1001", 1)
	w := h.issue("employment")
	w = h.issue("employment")
	if w.Ahead != 2 || w.EstWaitS != 600 {
		t.Fatalf("after one 1-s service, 2 ahead: %+v, want 600 s", w)
	}
	// From 5 services on, the median of the recent ones: 1 s, 240 s ×3, 3600 s
	// → 240 s.
	for _, d := range []time.Duration{240 * time.Second, 240 * time.Second, 240 * time.Second, time.Hour} {
		h.issue("employment")
		h.callNext("1001", 1)
		h.start("1001", 1)
		h.clock.Add(d)
		h.finish("1001", 1)
	}
	if s := svc("employment"); s.Waiting != 3 || s.EstWaitS != 3*240 || s.ServingWindows != 1 {
		t.Fatalf("3 waiting, median 240 s, one window: %+v", s)
	}
	// Two staffed windows halve it.
	h.signIn("1002", 2)
	if s := svc("employment"); s.EstWaitS != 3*240/2 || s.ServingWindows != 2 {
		t.Fatalf("two windows: %+v", s)
	}
	// Another service nobody serves.
	if s := svc("injury"); s.ServingWindows != 0 {
		t.Fatalf("injury: %+v", s)
	}
}

func TestEngine_HallDaySmaller(t *testing.T) {
	t.Run("backup answer says issuing", func(t *testing.T) {
		h := newHall(t, nil)
		v, err := h.SetBackup(ctx, "9001", "employment", true)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Issuing || !v.BackupOpen {
			t.Fatalf("backup answer %+v: the demo hall issues all day", v)
		}
	})

	t.Run("whereabouts end with the day", func(t *testing.T) {
		h := newHall(t, nil)
		if _, err := h.SetWhereabouts(ctx, "1005", queue.Meeting, "局务会"); err != nil {
			t.Fatal(err)
		}
		h.clock.Set(at(9, 0).AddDate(0, 0, 1))
		h.issue("employment") // opens the new day
		var where map[string]queue.WhereaboutsView
		if err := h.View(ctx, func(s *queue.State) error { where = s.Whereabouts(); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(where) != 0 {
			t.Fatalf("yesterday's whereabouts on today's board: %+v", where)
		}
	})

	t.Run("times in the hall's zone", func(t *testing.T) {
		// A server whose clock reads UTC (as time.Now on a server in UTC).
		h := newHall(t, nil)
		h.clock.Set(at(10, 0).UTC())
		h.signIn("1001", 1)
		h.issue("employment")
		h.callNext("1001", 1)
		if _, err := h.Finish(ctx, "1001", 1, queue.FinishOptions{DueDefault: true}); err != nil {
			t.Fatal(err)
		}
		p, err := h.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p.Cases)
		evs, _ := json.Marshal(h.events(0))
		zone := regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)"`)
		for _, js := range []string{string(b), string(evs)} {
			for _, m := range zone.FindAllStringSubmatch(js, -1) {
				if m[1] != "+08:00" {
					t.Fatalf("a time not in the hall's zone: %s in %s", m[0], js[:min(len(js), 400)])
				}
			}
		}
		if !strings.Contains(string(b), `"opened":"2026-11-26T10:00:00+08:00"`) {
			t.Fatalf("case %s", b)
		}
	})

	t.Run("the director releases a window left signed in", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		a := h.issue("employment")
		h.issue("employment")
		h.callNext("1001", 1) // A001 called, then the clerk walks off
		_, err := h.ReleaseWindow(ctx, "9001", 2)
		wantCode(t, err, "window_closed")
		seq := h.seq()
		v, err := h.ReleaseWindow(ctx, "9001", 1)
		if err != nil {
			t.Fatal(err)
		}
		if v.Staff != nil || v.State != "closed" || v.Current != nil {
			t.Fatalf("released window %+v", v)
		}
		var rel *queue.Event
		for _, e := range h.events(seq) {
			if e.Type == queue.EvWindowReleased {
				rel = &e
			}
		}
		if rel == nil || rel.Staff != "1001" || rel.Ticket != a.ID || rel.Actor != "9001" || !audienceOf(t, h, rel).Director {
			t.Fatalf("window_released %+v", rel)
		}
		// A001 waits again in its place, first; someone else takes the window.
		tv, _ := h.Ticket(ctx, a.ID)
		if tv.State != queue.TicketWaiting || tv.Position != 1 {
			t.Fatalf("A001 after the release: %+v", tv)
		}
		h.signIn("1011", 1)
		if got := h.callNext("1011", 1); got.ID != a.ID {
			t.Fatalf("called %s, want A001 again", got.Number)
		}
	})
}
