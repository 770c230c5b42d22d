package queue

// The director's registers (台账): the hall's records searchable by date.
// The state keeps only what is still to do (a refusal acknowledged or an
// express request decided is forgotten at the next day), so a register of
// past days is read from the event log: the first event of the period is
// found by bisection, and the log is read on from there, as far as it takes
// to learn what became of every record the period opened.

import (
	"context"
	"slices"
	"time"
)

// Period is a span of business days: From is the start of the first, To the
// last instant of the last.
type Period struct {
	From, To time.Time
}

// Contains reports whether t is within p.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && !t.After(p.To) }

// maxPeriodDays bounds a register's period.
const maxPeriodDays = 366

// ParsePeriod reads a register's from and to, dates YYYY-MM-DD in the hall's
// time zone, both included; either left out is today. A bad date, from after
// to, or more than a year is ErrInvalid.
func (e *Engine) ParsePeriod(from, to string) (Period, error) {
	today := e.opts.Clock.Now().In(e.loc).Format(time.DateOnly)
	if from == "" {
		from = today
	}
	if to == "" {
		to = today
	}
	f, err1 := time.ParseInLocation(time.DateOnly, from, e.loc)
	t, err2 := time.ParseInLocation(time.DateOnly, to, e.loc)
	if err1 != nil || err2 != nil {
		return Period{}, Errorf(ErrInvalid.Code, "from and to must be dates YYYY-MM-DD")
	}
	if t.Before(f) {
		return Period{}, Errorf(ErrInvalid.Code, "from %s is after to %s", from, to)
	}
	if t.Sub(f) > maxPeriodDays*24*time.Hour {
		return Period{}, Errorf(ErrInvalid.Code, "a period of at most %d days", maxPeriodDays)
	}
	return Period{From: f, To: endOfDay(t, 0, e.loc)}, nil
}

// scanPage is how many events a register reads from the store at a time.
const scanPage = 1000

// scanLog calls fn with each stored event from the first at or after from,
// in order, until fn returns false or the log ends.
func (e *Engine) scanLog(ctx context.Context, from time.Time, fn func(*Event) bool) error {
	last, err := e.Seq(ctx)
	if err != nil {
		return err
	}
	// The first seq whose event is at or after from: events are stored in
	// time order (the engine stamps them as it applies them).
	lo, hi := uint64(1), last+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		evs, err := e.store.Events(mid-1, 1)
		if err != nil {
			return err
		}
		if len(evs) == 0 || !evs[0].At.Before(from) {
			hi = mid
		} else {
			lo = evs[0].Seq + 1
		}
	}
	after := lo - 1
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		evs, err := e.store.Events(after, scanPage)
		if err != nil {
			return err
		}
		for i := range evs {
			if !fn(&evs[i]) {
				return nil
			}
		}
		if len(evs) < scanPage {
			return nil
		}
		after = evs[len(evs)-1].Seq
	}
}

// registerStates are the states each register may be asked for ("" is all).
var registerStates = map[string][]string{
	"refusals": {"", "pending", "acknowledged"},
	"express":  {"", "pending", "approved", "denied"},
}

func checkRegisterState(register, state string) error {
	if !slices.Contains(registerStates[register], state) {
		return Errorf(ErrInvalid.Code, "state %q: one of %v", clip(state, 20), registerStates[register][1:])
	}
	return nil
}

// RefusalRegister lists the refusals filed within p (否定报备台账), acknowledged
// or not, oldest first; state "pending" or "acknowledged" keeps those only.
func (e *Engine) RefusalRegister(ctx context.Context, p Period, state string) ([]Refusal, error) {
	if err := checkRegisterState("refusals", state); err != nil {
		return nil, err
	}
	var rows []*Refusal
	byID := map[string]*Refusal{}
	open := 0
	err := e.scanLog(ctx, p.From, func(ev *Event) bool {
		switch ev.Type {
		case EvTicketRejected:
			if ev.At.After(p.To) {
				return open > 0 // only what became of those filed within
			}
			r := &Refusal{ID: ev.Refusal, Ticket: ev.Ticket, Number: ev.Number, Service: ev.Service, Window: ev.Window,
				Staff: ev.Actor, Reason: ev.Reason, Basis: ev.Basis, At: ev.At}
			rows = append(rows, r)
			byID[r.ID] = r
			open++
		case EvRefusalAcked:
			if r := byID[ev.Refusal]; r != nil && r.AckedBy == "" {
				r.AckedBy, r.AckedAt = ev.Actor, ev.At
				open--
			}
		}
		return !ev.At.After(p.To) || open > 0
	})
	out := []Refusal{}
	for _, r := range rows {
		if state == "" || (state == "pending") == (r.AckedBy == "") {
			out = append(out, *r)
		}
	}
	return out, err
}

// ExpressRegister lists the express requests made within p (快捷服务台账)
// with their decisions, oldest first; state keeps those pending, approved or
// denied only.
func (e *Engine) ExpressRegister(ctx context.Context, p Period, state string) ([]ExpressRequest, error) {
	if err := checkRegisterState("express", state); err != nil {
		return nil, err
	}
	var rows []*ExpressRequest
	byID := map[string]*ExpressRequest{}
	open := 0
	decide := func(x *ExpressRequest, st string, ev *Event, note string) {
		if x != nil && x.State == "pending" {
			x.State, x.DecidedBy, x.DecidedAt, x.Note = st, ev.Actor, ev.At, note
			open--
		}
	}
	err := e.scanLog(ctx, p.From, func(ev *Event) bool {
		switch ev.Type {
		case EvExpressAsked:
			if ev.At.After(p.To) {
				return open > 0
			}
			x := &ExpressRequest{ID: ev.Express, Ticket: ev.Ticket, Number: ev.Number, Window: ev.Window, Staff: ev.Actor,
				Reason: ev.Reason, At: ev.At, State: "pending"}
			rows = append(rows, x)
			byID[x.ID] = x
			open++
		case EvExpressApproved:
			decide(byID[ev.Express], "approved", ev, "")
		case EvExpressDenied:
			decide(byID[ev.Express], "denied", ev, ev.Reason)
		case EvDayClosed:
			for _, x := range rows {
				if x.State == "pending" {
					decide(x, "denied", &Event{Actor: "system", At: ev.At}, "day closed")
				}
			}
		}
		return !ev.At.After(p.To) || open > 0
	})
	out := []ExpressRequest{}
	for _, x := range rows {
		if state == "" || x.State == state {
			out = append(out, *x)
		}
	}
	return out, err
}
