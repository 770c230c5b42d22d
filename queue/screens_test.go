package queue_test

import (
	"reflect"
	"testing"
	"time"

	"qcall/queue"
)

// phoneView is the phone view of ticket id, read from the committed state.
func (h *hall) phoneView(id string) queue.PhoneView {
	h.t.Helper()
	var v queue.PhoneView
	if err := h.View(ctx, func(s *queue.State) error { v = s.PhoneView(id); return nil }); err != nil {
		h.t.Fatal(err)
	}
	return v
}

// The hall's recent calls come from the state, newest first, so that a hall
// screen reloaded (or started) mid-day shows them; yesterday's calls are not
// among them, and a ticket moved back to the queue has left its window.
func TestEngine_HallRecentCalls(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1004", 4)
	h.issue("employment")
	h.callNext("1001", 1) // A001, yesterday
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	if v, _ := h.Hall(ctx); len(v.Recent) != 0 {
		t.Fatalf("a new day shows yesterday's calls: %+v", v.Recent)
	}
	h.signIn("1001", 1)
	h.signIn("1004", 4)
	for range 4 {
		h.issue("employment")
		h.issue("pension")
	}
	var want []string
	for i := range 4 {
		h.clock.Add(time.Minute)
		want = append([]string{h.callNext("1001", 1).Number + "@1"}, want...)
		h.finish("1001", 1)
		h.clock.Add(time.Minute)
		c := h.callNext("1004", 4)
		if i < 3 {
			want = append([]string{c.Number + "@4"}, want...)
			h.finish("1004", 4)
		}
	}
	// The last call at window 4 is a no-show moved back to the queue.
	if _, err := h.NoShow(ctx, "1004", 4); err != nil {
		t.Fatal(err)
	}
	v, err := h.Hall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range v.Recent {
		got = append(got, c.Number+"@"+string(rune('0'+c.Window)))
	}
	if !reflect.DeepEqual(got, want[:queue.RecentCalls]) {
		t.Fatalf("recent calls %v, want %v", got, want[:queue.RecentCalls])
	}
}

// A citizen's phone is told what happened to the ticket: the missing
// materials, code and last day of a return slip; a refusal's reason; a
// no-show that moved it back; a cancellation by the day's close, also the
// next day.
func TestEngine_PhoneView(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	a := h.issue("employment")
	b := h.issue("employment")
	c := h.issue("employment")
	d := h.issue("employment")

	h.callNext("1001", 1)
	slip, err := h.Suspend(ctx, "1001", 1, []string{"户口簿", "单位证明"})
	if err != nil {
		t.Fatal(err)
	}
	v := h.phoneView(a.ID)
	if v.Ticket.State != queue.TicketSuspended || v.Slip == nil || v.Slip.SlipID != slip.SlipID ||
		!reflect.DeepEqual(v.Slip.Missing, []string{"户口簿", "单位证明"}) || !v.Slip.ValidUntil.Equal(slip.ValidUntil) {
		t.Fatalf("suspended: %+v, slip %+v", v, v.Slip)
	}

	h.callNext("1001", 1)
	if _, err := h.Reject(ctx, "1001", 1, "不属于本窗口受理范围", "《办事指南》第三条"); err != nil {
		t.Fatal(err)
	}
	if v := h.phoneView(b.ID); v.Refusal == nil || v.Refusal.Reason != "不属于本窗口受理范围" || v.Refusal.Basis != "《办事指南》第三条" {
		t.Fatalf("rejected: %+v", v)
	}

	h.callNext("1001", 1)
	if _, err := h.NoShow(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	if v := h.phoneView(c.ID); v.Ticket.State != queue.TicketWaiting || v.NoShows != 1 {
		t.Fatalf("moved back after a no-show: %+v", v)
	}
	if v := h.phoneView(d.ID); v.NoShows != 0 || v.Slip != nil || v.Refusal != nil || v.ClosedDay != "" {
		t.Fatalf("a plain waiting ticket: %+v", v)
	}

	// The next day: the tickets the close cancelled are still known, and say so.
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	h.issue("employment")
	for _, id := range []string{c.ID, d.ID} {
		if v := h.phoneView(id); v.Ticket.State != queue.TicketCancelled || v.ClosedDay != "2026-11-26" {
			t.Fatalf("cancelled at the close: %+v", v)
		}
	}
	// The day after, they are forgotten.
	h.clock.Set(at(9, 0).AddDate(0, 0, 2))
	h.issue("employment")
	if v := h.phoneView(d.ID); v.Ticket.ID != "" {
		t.Fatalf("two days on, still known: %+v", v)
	}
}
