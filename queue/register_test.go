package queue_test

import (
	"testing"
	"time"

	"qcall/queue"
)

// TestEngine_Registers: refusals and express decisions are searchable by
// date after the state has forgotten them (the next day), each with what
// became of it, and by state.
func TestEngine_Registers(t *testing.T) {
	h := newHall(t, nil)
	day := func(d int) queue.Period {
		p, err := h.ParsePeriod(at(9, 0).AddDate(0, 0, d).Format(time.DateOnly), at(9, 0).AddDate(0, 0, d).Format(time.DateOnly))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Thursday: a refusal acknowledged, an express approved, one left pending.
	h.signIn("1001", 1)
	for range 3 {
		h.issue("employment")
	}
	h.callNext("1001", 1)
	r1, err := h.Reject(ctx, "1001", 1, "not ours", "art. 1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AckRefusal(ctx, "9001", r1.ID); err != nil {
		t.Fatal(err)
	}
	h.callNext("1001", 1)
	x1, err := h.RequestExpress(ctx, "1001", 1, "", "frail")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.ApproveExpress(ctx, "9001", x1.ID); err != nil {
		t.Fatal(err)
	}
	x2, err := h.RequestExpress(ctx, "1001", 1, "", "in a hurry")
	if err == nil {
		t.Fatalf("a second request for the same ticket: %+v", x2)
	}
	h.finish("1001", 1)
	h.callNext("1001", 1)
	x2, err = h.RequestExpress(ctx, "1001", 1, "", "in a hurry")
	if err != nil {
		t.Fatal(err)
	}
	// Friday: a refusal left unread.
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	h.signIn("1001", 1)
	h.issue("employment")
	h.callNext("1001", 1)
	r2, err := h.Reject(ctx, "1001", 1, "no papers", "art. 2")
	if err != nil {
		t.Fatal(err)
	}
	h.restart()

	rs, err := h.RefusalRegister(ctx, day(0), "")
	if err != nil || len(rs) != 1 || rs[0].ID != r1.ID || rs[0].AckedBy != "9001" || rs[0].Reason != "not ours" || rs[0].Staff != "1001" {
		t.Fatalf("Thursday's refusals: %+v %v", rs, err)
	}
	rs, err = h.RefusalRegister(ctx, day(1), "")
	if err != nil || len(rs) != 1 || rs[0].ID != r2.ID || rs[0].AckedBy != "" {
		t.Fatalf("Friday's refusals: %+v %v", rs, err)
	}
	both := queue.Period{From: day(0).From, To: day(1).To}
	for state, want := range map[string]string{"pending": r2.ID, "acknowledged": r1.ID} {
		rs, err = h.RefusalRegister(ctx, both, state)
		if err != nil || len(rs) != 1 || rs[0].ID != want {
			t.Errorf("%s refusals: %+v %v", state, rs, err)
		}
	}
	if rs, err = h.RefusalRegister(ctx, day(2), ""); err != nil || len(rs) != 0 {
		t.Errorf("Saturday's refusals: %+v %v", rs, err)
	}
	_, err = h.RefusalRegister(ctx, both, "lost")
	wantCode(t, err, "invalid_input")

	xs, err := h.ExpressRegister(ctx, day(0), "")
	if err != nil || len(xs) != 2 || xs[0].ID != x1.ID || xs[0].State != "approved" || xs[0].DecidedBy != "9001" ||
		xs[1].ID != x2.ID || xs[1].State != "denied" || xs[1].Note != "day closed" {
		t.Fatalf("Thursday's express: %+v %v", xs, err)
	}
	if xs, err = h.ExpressRegister(ctx, both, "approved"); err != nil || len(xs) != 1 || xs[0].ID != x1.ID {
		t.Errorf("approved: %+v %v", xs, err)
	}
	_, err = h.ExpressRegister(ctx, both, "maybe")
	wantCode(t, err, "invalid_input")
}
