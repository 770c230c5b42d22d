package queue

// The express workflow (快捷服务): staff ask the duty director to let a
// ticket be served first; the director approves or denies. Its commands, its
// events (their audience and what a public screen gets of them), their fold,
// its view and its day roll-over are all here.

import (
	"context"
	"time"
)

// The express events.
const (
	EvExpressAsked    EventType = "express_requested" // Window, Ticket, Number, Service, Express, Reason
	EvExpressApproved EventType = "express_approved"  // Express, Ticket, Number, Window (that asked)
	EvExpressDenied   EventType = "express_denied"    // Express, Ticket, Number, Window (that asked), Reason
)

// expressEvents: who hears the express events, and what a public screen gets
// of them (never the request's id or its reason).
var expressEvents = map[EventType]eventSpec{
	EvExpressAsked:    {public: []string{"number", "service"}, director: true},
	EvExpressApproved: {public: []string{"number"}, director: true, more: expressAsker},
	EvExpressDenied:   {public: []string{"number"}, director: true, more: expressAsker},
}

// ExpressFields are what the express events carry besides the common fields
// (the request's reason, or the denial's, is the common Reason).
type ExpressFields struct {
	Express string `json:"express,omitempty"`
}

// expressAsker adds the window that asked for an express decision: its
// terminal hears the answer.
func expressAsker(s *State, e *Event, a *Audience) {
	if x := s.Express[e.Express]; x != nil && x.Window != 0 {
		a.Terminals = append(a.Terminals, x.Window)
	}
}

// ExpressRequest asks the duty director to let a ticket be served first (快捷服务).
type ExpressRequest struct {
	ID        string    `json:"id"`
	Ticket    string    `json:"ticket"`
	Number    string    `json:"number"`
	Window    int       `json:"window,omitempty"`
	Staff     string    `json:"staff"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
	State     string    `json:"state"` // pending, approved, denied
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Note      string    `json:"note,omitempty"`
}

// RequestExpress asks the duty director to approve express service (快捷服务)
// for the ticket in hand, or for ticketID when given.
func (e *Engine) RequestExpress(ctx context.Context, actor string, window int, ticketID, reason string) (ExpressRequest, error) {
	return call(ctx, e, actor, func(t *tx) (ExpressRequest, error) {
		w, err := t.atWindow(window)
		if err != nil {
			return ExpressRequest{}, err
		}
		if reason, err = cleanText(reason, "reason", true); err != nil {
			return ExpressRequest{}, err
		}
		if ticketID == "" {
			ticketID = w.Current
			if ticketID == "" {
				return ExpressRequest{}, ErrNoCurrentTicket
			}
		}
		tk := t.s.Tickets[ticketID]
		if tk == nil {
			return ExpressRequest{}, ErrUnknownTicket
		}
		if !tk.State.Queued() && tk.State != TicketCalled && tk.State != TicketServing {
			return ExpressRequest{}, Errorf(ErrWrongState.Code, "ticket %s is %s", tk.Number, tk.State)
		}
		if x := t.s.Express[tk.Express]; x != nil && x.State == "pending" {
			return ExpressRequest{}, ErrExpressPending
		}
		if tk.Class <= ClassExpress {
			return ExpressRequest{}, Errorf(ErrWrongState.Code, "ticket %s is already served first", tk.Number)
		}
		id := newCode(8, func(s string) bool { return t.s.Express[s] != nil })
		t.emit(Event{Type: EvExpressAsked, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service,
			ExpressFields: ExpressFields{Express: id}, Reason: reason})
		return *t.s.Express[id], nil
	})
}

// ApproveExpress grants an express request; a waiting ticket is then served
// before all but return slips.
func (e *Engine) ApproveExpress(ctx context.Context, actor string, id string) (ExpressRequest, error) {
	return e.decideExpress(ctx, actor, id, true, "")
}

// DenyExpress refuses an express request.
func (e *Engine) DenyExpress(ctx context.Context, actor string, id, reason string) (ExpressRequest, error) {
	return e.decideExpress(ctx, actor, id, false, reason)
}

func (e *Engine) decideExpress(ctx context.Context, actor string, id string, approve bool, reason string) (ExpressRequest, error) {
	return call(ctx, e, actor, func(t *tx) (ExpressRequest, error) {
		x := t.s.Express[id]
		if x == nil {
			return ExpressRequest{}, ErrUnknownExpress
		}
		if x.State != "pending" {
			return ExpressRequest{}, ErrAlreadyDecided
		}
		reason, err := cleanText(reason, "reason", false)
		if err != nil {
			return ExpressRequest{}, err
		}
		ev := Event{Type: EvExpressDenied,
			ExpressFields: ExpressFields{Express: id}, Ticket: x.Ticket, Number: x.Number, Window: x.Window, Reason: reason}
		if approve {
			ev.Type = EvExpressApproved
		}
		t.emit(ev)
		return *t.s.Express[id], nil
	})
}

// applyExpress folds an express event; t is its ticket (nil when gone).
func (s *State) applyExpress(e *Event, t *Ticket) {
	switch e.Type {
	case EvExpressAsked:
		s.Express[e.Express] = &ExpressRequest{ID: e.Express, Ticket: t.ID, Number: t.Number, Window: e.Window,
			Staff: e.Actor, Reason: e.Reason, At: e.At, State: "pending"}
		t.Express = e.Express
	case EvExpressApproved:
		x := s.Express[e.Express]
		x.State, x.DecidedBy, x.DecidedAt = "approved", e.Actor, e.At
		if t != nil && t.Class > ClassExpress {
			queued := t.State.Queued()
			if queued {
				s.dequeue(t) // its place changes
			}
			t.Class = ClassExpress
			if queued {
				s.enqueue(t)
			}
		}
	case EvExpressDenied:
		x := s.Express[e.Express]
		x.State, x.DecidedBy, x.DecidedAt, x.Note = "denied", e.Actor, e.At, e.Reason
	}
}

// expressDayClosed denies the requests still pending when the day closes:
// their tickets are cancelled.
func (s *State) expressDayClosed(e *Event) {
	for _, x := range s.Express {
		if x.State == "pending" {
			x.State, x.DecidedAt, x.Note = "denied", e.At, "day closed"
		}
	}
}

// expressDayOpened forgets the requests decided before the new day.
func (s *State) expressDayOpened() {
	for id, x := range s.Express {
		if x.State != "pending" {
			delete(s.Express, id)
		}
	}
}

// pendingExpress lists the requests waiting for the director, oldest id
// first.
func (s *State) pendingExpress() []ExpressRequest {
	out := []ExpressRequest{}
	for _, id := range sortedKeys(s.Express) {
		if x := s.Express[id]; x.State == "pending" {
			out = append(out, *x)
		}
	}
	return out
}
