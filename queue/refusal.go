package queue

// The refusal workflow (否定报备): a matter refused at the window is filed
// with its reason and legal basis for the duty director, who acknowledges
// it. Its commands, its events (their audience and what a public screen gets
// of them), their fold, its views and its day roll-over are all here.

import (
	"context"
	"time"
)

// The refusal events.
const (
	EvTicketRejected EventType = "ticket_rejected"      // Window, Ticket, Number, Service, Refusal, Reason, Basis
	EvRefusalAcked   EventType = "refusal_acknowledged" // Refusal, Ticket, Number, Window
)

// refusalEvents: who hears the refusal events, and what a public screen gets
// of them (never the reason, the basis or the refusal's id).
var refusalEvents = map[EventType]eventSpec{
	EvTicketRejected: {public: []string{"number", "service"}, director: true},
	EvRefusalAcked:   {public: []string{"number"}, director: true},
}

// RefusalFields are what the refusal events carry besides the common fields
// (the refusal's reason is the common Reason): the filed refusal's id and
// the legal basis.
type RefusalFields struct {
	Refusal string `json:"refusal,omitempty"`
	Basis   string `json:"basis,omitempty"`
}

// Refusal is a filed refusal (否定报备): the matter was refused at the window,
// with the reason and the legal basis, for the duty director to acknowledge.
type Refusal struct {
	ID      string    `json:"id"`
	Ticket  string    `json:"ticket"`
	Number  string    `json:"number"`
	Service string    `json:"service"`
	Window  int       `json:"window"`
	Staff   string    `json:"staff"`
	Reason  string    `json:"reason"`
	Basis   string    `json:"basis"`
	At      time.Time `json:"at"`
	AckedBy string    `json:"acked_by,omitempty"`
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// Reject refuses the matter of the ticket in hand, with the reason and its legal
// basis, filed for the duty director (否定报备).
func (e *Engine) Reject(ctx context.Context, actor string, window int, reason, basis string) (RefusalView, error) {
	return call(ctx, e, actor, func(t *tx) (RefusalView, error) {
		_, tk, err := t.current(window, TicketCalled, TicketServing)
		if err != nil {
			return RefusalView{}, err
		}
		if reason, err = cleanText(reason, "reason", true); err != nil {
			return RefusalView{}, err
		}
		if basis, err = cleanText(basis, "basis", true); err != nil {
			return RefusalView{}, err
		}
		id := newCode(8, func(s string) bool { return t.s.Refusals[s] != nil })
		t.emit(Event{Type: EvTicketRejected, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service,
			RefusalFields: RefusalFields{Refusal: id, Basis: basis}, Reason: reason})
		return t.s.RefusalView(id), nil
	})
}

// AckRefusal records that the duty director has seen a filed refusal.
func (e *Engine) AckRefusal(ctx context.Context, actor, id string) (RefusalView, error) {
	return call(ctx, e, actor, func(t *tx) (RefusalView, error) {
		r := t.s.Refusals[id]
		if r == nil {
			return RefusalView{}, ErrUnknownRefusal
		}
		if r.AckedBy != "" {
			return RefusalView{}, ErrAlreadyDecided
		}
		t.emit(Event{Type: EvRefusalAcked, RefusalFields: RefusalFields{Refusal: id}, Ticket: r.Ticket, Number: r.Number, Window: r.Window})
		return t.s.RefusalView(id), nil
	})
}

// applyRefusal folds a refusal event; t is its ticket.
func (s *State) applyRefusal(e *Event, t *Ticket) {
	switch e.Type {
	case EvTicketRejected:
		s.window(e.Window).Current = ""
		s.setState(t, TicketRejected)
		s.Refusals[e.Refusal] = &Refusal{ID: e.Refusal, Ticket: t.ID, Number: t.Number, Service: t.Service,
			Window: e.Window, Staff: t.Staff, Reason: e.Reason, Basis: e.Basis, At: e.At}
	case EvRefusalAcked:
		r := s.Refusals[e.Refusal]
		r.AckedBy, r.AckedAt = e.Actor, e.At
	}
}

// refusalDayOpened forgets the refusals acknowledged before the new day.
func (s *State) refusalDayOpened() {
	for id, r := range s.Refusals {
		if r.AckedBy != "" {
			delete(s.Refusals, id)
		}
	}
}

// RefusalView is a filed refusal as the API shows it.
type RefusalView = Refusal

// RefusalView returns a copy of refusal id.
func (s *State) RefusalView(id string) RefusalView {
	if r := s.Refusals[id]; r != nil {
		return *r
	}
	return RefusalView{}
}

// pendingRefusals lists the refusals the director has not acknowledged,
// oldest id first.
func (s *State) pendingRefusals() []Refusal {
	out := []Refusal{}
	for _, id := range sortedKeys(s.Refusals) {
		if r := s.Refusals[id]; r.AckedBy == "" {
			out = append(out, *r)
		}
	}
	return out
}
