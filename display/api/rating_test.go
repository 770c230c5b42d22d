package api

import (
	"net/http"
	"testing"
	"time"

	"qcall/queue"
)

// TestAPI_RatingWindow: POST /api/ratings rates only the ticket just
// finished at the window, on the five-level scale with a reason after 2 or
// 1, within rules.rating_window_s and before the next call there.
func TestAPI_RatingWindow(t *testing.T) {
	cfg := queue.Demo()
	cfg.Rules.RatingWindowS = 60
	h := newAPITestHall(t, cfg)
	for range 4 {
		h.issue("employment")
	}
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK)
	h.act("staff", "1", "call-next", nil)
	a1 := h.act("staff", "1", "finish", nil)

	// Bad input: a code, nothing written.
	s0 := h.seq()
	h.refused("POST", "/api/ratings", "evaluator", map[string]any{"window": 1, "score": 6}, http.StatusBadRequest, "invalid_input")
	h.refused("POST", "/api/ratings", "evaluator", map[string]any{"window": 1, "score": 2, "reason": "rude"}, http.StatusBadRequest, "invalid_input")
	h.refused("POST", "/api/ratings", "evaluator", map[string]any{"window": 1, "score": 4, "reason": "attitude"}, http.StatusBadRequest, "invalid_input")
	if h.seq() != s0 {
		t.Fatal("refused ratings wrote events")
	}
	// 5 is a score now, and a bad rating carries its reason into the event.
	var out ticketAnswer
	h.ok("POST", "/api/ratings", "evaluator", map[string]any{"window": 1, "score": 1, "reason": "knowledge"}, &out, http.StatusOK)
	if out.Ticket.ID != a1.ID || out.Ticket.Rating != 1 {
		t.Fatalf("rated %+v", out.Ticket)
	}
	evs := h.events(s0)
	// A bad rating opens its follow-up (差评整改) in the same batch.
	if len(evs) != 2 || evs[0].Type != queue.EvRatingGiven || evs[0].Score != 1 || evs[0].Scale != 5 || evs[0].Reason != "knowledge" ||
		evs[1].Type != queue.EvFollowupOpened || evs[1].Followup == nil || evs[1].Followup.Reason != "knowledge" {
		t.Fatalf("rating event %+v", evs)
	}
	h.refused("POST", "/api/ratings", "evaluator", map[string]any{"window": 1, "score": 5}, http.StatusConflict, "already_rated")

	// The issue's case: A002 finished, A003 called and started; a press now
	// must not rate A002.
	h.act("staff", "1", "call-next", nil)
	h.act("staff", "1", "finish", nil)
	s1 := h.seq()
	var ws []queue.WindowView
	h.ok("GET", "/api/windows", "display", nil, &ws, http.StatusOK)
	if want := h.clock.Now().Add(60 * time.Second); !ws[0].RateUntil.Equal(want) {
		t.Fatalf("rate_until %v, want %v", ws[0].RateUntil, want)
	}
	h.act("staff", "1", "call-next", nil)
	h.act("staff", "1", "start", nil)
	h.refused("POST", "/api/ratings", "evaluator", map[string]any{"window": 1, "score": 1}, http.StatusConflict, "nothing_to_rate")
	for _, e := range h.events(s1) {
		if e.Type == queue.EvRatingGiven {
			t.Fatalf("a press after the next call rated %s", e.Number)
		}
	}

	// Past the configured window: nothing to rate.
	h.act("staff", "1", "finish", nil)
	h.clock.Add(61 * time.Second)
	h.refused("POST", "/api/ratings", "agent", map[string]any{"window": 1, "score": 5}, http.StatusConflict, "nothing_to_rate")
}
