package queue_test

import (
	"slices"
	"testing"

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
		h.signIn("1001", 1)
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
