package queue_test

import (
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

// windowView is the view of window id.
func (h *hall) windowView(id int) queue.WindowView {
	h.t.Helper()
	var v queue.WindowView
	if err := h.View(ctx, func(s *queue.State) error { v = s.WindowView(id); return nil }); err != nil {
		h.t.Fatal(err)
	}
	return v
}

func TestEngine_Rate(t *testing.T) {
	t.Run("five levels, a reason after 2 or 1, in the event", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		for score := 1; score <= 5; score++ {
			h.issue("employment")
			tk := h.callNext("1001", 1)
			h.finish("1001", 1)
			reason := ""
			if score <= 2 {
				reason = "attitude"
			}
			s0 := h.seq()
			v, err := h.Rate(ctx, "evaluator", 1, score, reason)
			if err != nil || v.Rating != score {
				t.Fatalf("rate %d: %+v %v", score, v, err)
			}
			evs := h.events(s0)
			if score <= 2 { // a bad rating opens its follow-up (差评整改)
				if len(evs) != 2 || evs[1].Type != queue.EvFollowupOpened {
					t.Fatalf("rate %d: events %+v", score, evs)
				}
				evs = evs[:1]
			}
			if len(evs) != 1 || evs[0].Type != queue.EvRatingGiven || evs[0].Ticket != tk.ID || evs[0].Score != score ||
				evs[0].Scale != 5 || evs[0].Reason != reason || evs[0].Staff != "1001" || evs[0].RatingLevel() != score {
				t.Fatalf("rate %d: events %+v", score, evs)
			}
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		h.issue("employment")
		h.callNext("1001", 1)
		h.finish("1001", 1)
		for _, c := range []struct {
			score  int
			reason string
		}{{0, ""}, {6, ""}, {-1, ""}, {1, "rude"}, {3, "attitude"}, {5, "other"}} {
			before := h.state()
			_, err := h.Rate(ctx, "evaluator", 1, c.score, c.reason)
			wantCode(t, err, "invalid_input")
			if h.state() != before {
				t.Fatalf("%+v changed the state", c)
			}
		}
	})

	// The issue's case: A002 finished, A003 called and started, a press
	// must not give A002 its score.
	t.Run("the next call ends the chance to rate", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		h.issue("employment")
		h.issue("employment")
		h.issue("employment")
		h.callNext("1001", 1)
		h.finish("1001", 1) // A001
		a2 := h.callNext("1001", 1)
		h.finish("1001", 1) // A002
		if v := h.windowView(1); !v.RateUntil.Equal(h.clock.Now().Add(120 * time.Second)) {
			t.Fatalf("after finish, rate_until %v", v.RateUntil)
		}
		h.callNext("1001", 1) // A003
		if _, err := h.Start(ctx, "1001", 1); err != nil {
			t.Fatal(err)
		}
		if v := h.windowView(1); !v.RateUntil.IsZero() {
			t.Fatalf("after the next call, rate_until %v", v.RateUntil)
		}
		before := h.state()
		_, err := h.Rate(ctx, "evaluator", 1, 1, "")
		wantCode(t, err, "nothing_to_rate")
		if h.state() != before {
			t.Fatal("refused rating changed the state")
		}
		if v, _ := h.Ticket(ctx, a2.ID); v.Rating != 0 {
			t.Fatalf("A002 rated %d", v.Rating)
		}
	})

	t.Run("only within the rating window", func(t *testing.T) {
		for _, c := range []struct {
			name    string
			windowS int // rules.rating_window_s; 0: the default, 120
			after   time.Duration
			code    string
		}{
			{"default, at 120 s", 0, 120 * time.Second, ""},
			{"default, at 121 s", 0, 121 * time.Second, "nothing_to_rate"},
			{"30 s configured, at 30 s", 30, 30 * time.Second, ""},
			{"30 s configured, at 31 s", 30, 31 * time.Second, "nothing_to_rate"},
		} {
			t.Run(c.name, func(t *testing.T) {
				cfg := queue.Demo()
				cfg.Rules.RatingWindowS = c.windowS
				h := newHall(t, cfg)
				h.signIn("1001", 1)
				h.issue("employment")
				h.callNext("1001", 1)
				h.finish("1001", 1)
				h.clock.Add(c.after)
				_, err := h.Rate(ctx, "evaluator", 1, 5, "")
				if c.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantCode(t, err, c.code)
			})
		}
	})

	t.Run("once per ticket", func(t *testing.T) {
		h := newHall(t, nil)
		h.signIn("1001", 1)
		h.issue("employment")
		h.callNext("1001", 1)
		h.finish("1001", 1)
		if _, err := h.Rate(ctx, "evaluator", 1, 2, "efficiency"); err != nil {
			t.Fatal(err)
		}
		if v := h.windowView(1); !v.RateUntil.IsZero() {
			t.Fatalf("after the rating, rate_until %v", v.RateUntil)
		}
		_, err := h.Rate(ctx, "agent-1", 1, 5, "")
		wantCode(t, err, "already_rated")
	})

	t.Run("a negative rating window is refused", func(t *testing.T) {
		cfg := queue.Demo()
		cfg.Rules.RatingWindowS = -5
		if err := cfg.Validate(); err == nil {
			t.Fatal("rules.rating_window_s -5 accepted")
		}
	})
}

// TestEngine_RateOldScale: a rating stored on the old four-level scale (no
// scale in the event) still loads, as it was stored; RatingLevel reads it on
// the five-level scale by its words.
func TestEngine_RateOldScale(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	tk := h.issue("employment")
	h.callNext("1001", 1)
	h.finish("1001", 1)
	seq := h.seq()
	h.close()
	st, err := bolt.Open(h.path)
	if err != nil {
		t.Fatal(err)
	}
	old := queue.Event{Seq: seq + 1, At: h.clock.Now(), Type: queue.EvRatingGiven, Actor: "evaluator", Window: 1,
		Ticket: tk.ID, Number: tk.Number, Service: tk.Service, RatingFields: queue.RatingFields{Score: 4}, Staff: "1001"}
	if err := st.Append([]queue.Event{old}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	h.open()
	if v, err := h.Ticket(ctx, tk.ID); err != nil || v.Rating != 4 {
		t.Fatalf("old rating: %+v %v", v, err)
	}
	evs := h.events(seq)
	if len(evs) != 1 || evs[0].Score != 4 || evs[0].Scale != 0 || evs[0].RatingLevel() != 5 {
		t.Fatalf("old rating event %+v, level %d", evs, evs[0].RatingLevel())
	}
	_, err = h.Rate(ctx, "evaluator", 1, 3, "")
	wantCode(t, err, "already_rated")
}
