package queue_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"qcall/queue"
)

// TestState_OrderedQueues runs random hall days through the engine, with
// every command that moves a ticket in or out of a queue or changes its
// place (priority classes, no-shows sent back, transfers to a service or a
// window, return slips, express, backups, temporary windows, new head starts,
// restarts, a new day), and after each command checks the waiting lists kept
// in order against the order computed from every waiting ticket: each
// window's queue with every ticket's place and estimate, the ticket each
// window calls next, what it could serve, and the waiting counts.
func TestState_OrderedQueues(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			randomDay(t, rand.New(rand.NewPCG(seed, 9)), 500)
		})
	}
}

func randomDay(t *testing.T, r *rand.Rand, steps int) {
	h := newHall(t, nil)
	services := []string{"employment", "unemployment", "pension", "medical", "injury", "consult"}
	priorities := []string{"", "", "", "", "senior", "disabled", "military"}
	staffAt := map[int]string{}
	signIn := func() {
		for w := 1; w <= 10; w++ {
			staff := fmt.Sprintf("%d", 1000+w)
			if _, err := h.SignIn(ctx, staff, w); err == nil {
				staffAt[w] = staff
			}
		}
	}
	signIn()
	var slips []string
	var express []string
	for i := range 40 {
		if _, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: services[i%len(services)], Priority: priorities[r.IntN(len(priorities))]}); err != nil {
			t.Fatal(err)
		}
	}
	for step := range steps {
		w := 1 + r.IntN(10)
		staff := staffAt[w]
		var op string
		var err error
		switch k := r.IntN(100); {
		case k < 30:
			op = "issue"
			_, err = h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: services[r.IntN(len(services))],
				Priority: priorities[r.IntN(len(priorities))]})
		case k < 45:
			op = "call-next"
			_, err = h.CallNext(ctx, staff, w)
		case k < 50:
			op = "call"
			if id := randomWaiting(t, h, r); id != "" {
				_, err = h.Call(ctx, staff, w, id)
			}
		case k < 60:
			op = "finish"
			_, err = h.Finish(ctx, staff, w, queue.FinishOptions{})
		case k < 65:
			op = "no-show"
			_, err = h.NoShow(ctx, staff, w)
		case k < 69:
			op = "transfer to a service"
			_, err = h.Transfer(ctx, staff, w, services[r.IntN(len(services))], 0)
		case k < 72:
			op = "transfer to a window"
			_, err = h.Transfer(ctx, staff, w, "", 1+r.IntN(10))
		case k < 75:
			op = "suspend"
			var sl queue.SlipView
			if sl, err = h.Suspend(ctx, staff, w, []string{"身份证"}); err == nil {
				slips = append(slips, sl.SlipID)
			}
		case k < 79:
			op = "return slip"
			if len(slips) > 0 {
				i := r.IntN(len(slips))
				_, err = h.ReturnSlip(ctx, "kiosk-1", slips[i])
				slips = slices.Delete(slips, i, i+1)
			}
		case k < 82:
			op = "ask express"
			if id := randomWaiting(t, h, r); id != "" {
				var x queue.ExpressRequest
				if x, err = h.RequestExpress(ctx, staff, w, id, "urgent"); err == nil {
					express = append(express, x.ID)
				}
			}
		case k < 86:
			op = "decide express"
			if len(express) > 0 {
				i := r.IntN(len(express))
				if r.IntN(3) > 0 {
					_, err = h.ApproveExpress(ctx, "9001", express[i])
				} else {
					_, err = h.DenyExpress(ctx, "9001", express[i], "no")
				}
				express = slices.Delete(express, i, i+1)
			}
		case k < 89:
			op = "backup"
			_, err = h.SetBackup(ctx, "9001", services[r.IntN(len(services))], r.IntN(2) == 0)
		case k < 91:
			op = "temporary window"
			var svcs []string
			for range r.IntN(3) {
				svcs = append(svcs, services[r.IntN(len(services))])
			}
			_, err = h.OpenTemporary(ctx, "9001", w, svcs)
		case k < 93:
			op = "head starts"
			var cfg *queue.Config
			if cfg, err = h.Config(ctx); err == nil {
				for i := range cfg.Priorities {
					cfg.Priorities[i].HeadStartS = 60 * r.IntN(30)
				}
				err = h.ChangeConfig(ctx, "9999", cfg)
			}
		case k < 95:
			op = "restart"
			h.restart()
		case k < 96 && step > steps/2:
			op = "new day"
			h.clock.Add(24 * time.Hour)
			err = h.Tick(ctx)
			clear(staffAt)
			signIn()
		default:
			op = "time passes"
			h.clock.Add(time.Duration(r.IntN(600)) * time.Second)
		}
		_ = err // refused commands are part of a day too
		checkOrder(t, h, fmt.Sprintf("step %d (%s)", step, op))
		if t.Failed() {
			return
		}
	}
}

// randomWaiting returns the id of a waiting ticket, or "".
func randomWaiting(t *testing.T, h *hall, r *rand.Rand) string {
	var ids []string
	if err := h.View(ctx, func(s *queue.State) error {
		for id, tk := range s.Tickets {
			if tk.State.Queued() {
				ids = append(ids, id)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		return ""
	}
	slices.Sort(ids)
	return ids[r.IntN(len(ids))]
}

// checkOrder compares the waiting lists with the order worked out from every
// waiting ticket.
func checkOrder(t *testing.T, h *hall, when string) {
	t.Helper()
	err := h.View(ctx, func(s *queue.State) error {
		for _, w := range s.Config.Windows {
			got, want := s.Queue(w.ID), s.RefQueue(w.ID)
			if g, w2 := mustJSON(t, got), mustJSON(t, want); g != w2 {
				return fmt.Errorf("window %d queue\n got %s\nwant %s", w.ID, g, w2)
			}
			if g, w2 := s.Next(w.ID), s.RefNext(w.ID); g != w2 {
				return fmt.Errorf("window %d calls %q next, want %q", w.ID, g, w2)
			}
			if g, w2 := s.Servable(w.ID), s.RefServable(w.ID); g != w2 {
				return fmt.Errorf("window %d can serve %d, want %d", w.ID, g, w2)
			}
		}
		for id, tk := range s.Tickets {
			if !tk.State.Queued() {
				continue
			}
			if g, w2 := mustJSON(t, s.TicketView(id)), mustJSON(t, s.RefTicketView(id)); g != w2 {
				return fmt.Errorf("ticket %s\n got %s\nwant %s", tk.Number, g, w2)
			}
		}
		for _, svc := range s.Config.Services {
			if g, w2 := s.Waiting(svc.Code), s.RefWaiting(svc.Code); g != w2 {
				return fmt.Errorf("%s: %d waiting, want %d", svc.Code, g, w2)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("%s: %v", when, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
