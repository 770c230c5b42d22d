package queue

// The case-deadline workflow (限时办结): a matter accepted at the window and
// finished later has a due date; the hall is warned as it nears, and the
// case is closed with whether the citizen was told. The case itself is
// opened by finishing the service with a due date (call.go). Its commands,
// its events (their audience and what a public screen gets of them), their
// fold, the due-date rule, its views and its day roll-over are all here.

import (
	"context"
	"time"
)

// The case events.
const (
	EvCaseWarned EventType = "case_due_soon" // Case, Ticket, Due
	EvCaseDone   EventType = "case_done"     // Case, Ticket, Notified
)

// caseEvents: who hears the case events, and what a public screen gets of
// them (never the case's id).
var caseEvents = map[EventType]eventSpec{
	EvCaseWarned: {public: []string{"number", "due"}, director: true},
	EvCaseDone:   {public: []string{"number", "notified"}, director: true},
}

// applyCase folds a case event.
func (s *State) applyCase(e *Event, _ *Ticket) {
	switch e.Type {
	case EvCaseWarned:
		s.Cases[e.Case].Warned = true
	case EvCaseDone:
		c := s.Cases[e.Case]
		c.Done, c.Notified = e.At, e.Notified
	}
}

// caseDayOpened forgets the cases done before the new day.
func (s *State) caseDayOpened() {
	for id, c := range s.Cases {
		if !c.Done.IsZero() {
			delete(s.Cases, id)
		}
	}
}

// pendingCases lists the cases not done, oldest id first.
func (s *State) pendingCases() []Case {
	out := []Case{}
	for _, id := range sortedKeys(s.Cases) {
		if c := s.Cases[id]; c.Done.IsZero() {
			out = append(out, *c)
		}
	}
	return out
}

// Case is a matter accepted at the window and finished later (限时办结).
type Case struct {
	ID       string    `json:"id"`
	Ticket   string    `json:"ticket"`
	Number   string    `json:"number"`
	Service  string    `json:"service"`
	Window   int       `json:"window"`
	Staff    string    `json:"staff"`
	Opened   time.Time `json:"opened"`
	Due      time.Time `json:"due"`
	Warned   bool      `json:"warned,omitempty"`
	Done     time.Time `json:"done,omitzero"`
	Notified bool      `json:"notified,omitempty"`
}

// CaseDone records that a case was finished and whether the citizen was told.
func (e *Engine) CaseDone(ctx context.Context, actor, id string, notified bool) (Case, error) {
	return call(ctx, e, actor, func(t *tx) (Case, error) {
		c := t.s.Cases[id]
		if c == nil {
			return Case{}, ErrUnknownCase
		}
		if !c.Done.IsZero() {
			return Case{}, ErrAlreadyDecided
		}
		t.emit(Event{Type: EvCaseDone, Case: id, Ticket: c.Ticket, Number: c.Number, Window: c.Window, Notified: notified})
		return *t.s.Cases[id], nil
	})
}

// warnCases warns of open cases due within Rules.CaseWarnDays.
func (t *tx) warnCases() {
	warn := time.Duration(t.s.Config.Rules.CaseWarnDays) * 24 * time.Hour
	for _, id := range sortedKeys(t.s.Cases) {
		c := t.s.Cases[id]
		if c.Done.IsZero() && !c.Warned && !t.now.Before(c.Due.Add(-warn)) {
			t.emit(Event{Type: EvCaseWarned, Case: id, Ticket: c.Ticket, Number: c.Number, Window: c.Window, Due: c.Due})
		}
	}
}

// ParseDue reads the due date of a case deadline as a person gives it: an
// RFC 3339 time, or a date YYYY-MM-DD, which is the end of that day in the
// hall's time zone, as the engine's own deadlines. Anything else is
// ErrInvalid.
func (e *Engine) ParseDue(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(e.loc), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, e.loc)
	if err != nil {
		return time.Time{}, Errorf(ErrInvalid.Code, "due %q must be true, an RFC 3339 time or a date YYYY-MM-DD", s)
	}
	return endOfDay(d, 0, e.loc), nil
}
