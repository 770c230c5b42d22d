package queue

// The case-deadline workflow (限时办结): a matter accepted at the window and
// finished later has a due date; the hall is warned as it nears, and the
// case is closed with whether the citizen was told. The case itself is
// opened by finishing the service with a due date (call.go). Its commands,
// its events (their audience and what a public screen gets of them), their
// fold, the due-date rule, its views and its day roll-over are all here.

import (
	"context"
	"slices"
	"strings"
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

// CaseFields are what the case events carry (and a service_finished event
// that opens a case): the case's id, its due date, and whether the citizen
// was told it is done.
type CaseFields struct {
	Case     string    `json:"case,omitempty"`
	Due      time.Time `json:"due,omitzero"`
	Notified bool      `json:"notified,omitempty"`
}

// ErrNotYourCase: staff close only the cases they opened; the director any.
var ErrNotYourCase = define(KindForbidden, "not_your_case", "this case is another staff member's")

// caseKeepDays is how long a case done stays in the register (GET
// /api/cases), counted from when it was done: long enough for the year's
// evaluation (监督和评议考核), short enough that the state stays small.
const caseKeepDays = 400

// applyCase folds a case event.
func (s *State) applyCase(e *Event, _ *Ticket) {
	switch e.Type {
	case EvCaseWarned:
		s.Cases[e.Case].Warned = true
	case EvCaseDone:
		c := s.Cases[e.Case]
		c.Done, c.Notified, c.DoneBy = e.At, e.Notified, e.Actor
	}
}

// caseDayOpened forgets the cases done more than caseKeepDays before the
// new day.
func (s *State) caseDayOpened(e *Event) {
	for id, c := range s.Cases {
		if !c.Done.IsZero() && e.At.Sub(c.Done) > caseKeepDays*24*time.Hour {
			delete(s.Cases, id)
		}
	}
}

// caseOpen reports whether ticket t has a case not yet done: the ticket is
// kept past its day for the citizen's phone page until it is.
func (s *State) caseOpen(t *Ticket) bool {
	c := s.Cases[t.Case]
	return t.Case != "" && c != nil && c.Done.IsZero()
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
	DoneBy   string    `json:"done_by,omitempty"`
	Notified bool      `json:"notified,omitempty"`
}

// The states of a case in the register, as GET /api/cases filters them.
const (
	CaseOpen     = "open"      // not done
	CaseDoneSt   = "done"      // done
	CaseOverdue  = "overdue"   // not done, past its due date
	CaseDueToday = "due_today" // not done, due by the end of today
)

// CaseStates are the values of CaseQuery.State.
var CaseStates = []string{CaseOpen, CaseDoneSt, CaseOverdue, CaseDueToday}

// CaseView is a case as the register shows it: its state now.
type CaseView struct {
	Case
	State    string `json:"state"` // open or done
	Overdue  bool   `json:"overdue,omitempty"`
	DueToday bool   `json:"due_today,omitempty"`
}

// caseView is c's view at now in loc.
func caseView(c *Case, now time.Time, loc *time.Location) CaseView {
	v := CaseView{Case: *c, State: CaseOpen}
	if !c.Done.IsZero() {
		v.State = CaseDoneSt
		return v
	}
	v.Overdue = now.After(c.Due)
	v.DueToday = !v.Overdue && now.In(loc).Format(time.DateOnly) == c.Due.In(loc).Format(time.DateOnly)
	return v
}

// TicketCase is what a ticket's page shows of its case: its id, when it is
// due and whether it is done.
type TicketCase struct {
	ID   string    `json:"id"`
	Due  time.Time `json:"due"`
	Done time.Time `json:"done,omitzero"`
}

// TicketCase returns the case of ticket id, or nil when it has none.
func (s *State) TicketCase(id string) *TicketCase {
	t := s.Tickets[id]
	if t == nil || t.Case == "" || s.Cases[t.Case] == nil {
		return nil
	}
	c := s.Cases[t.Case]
	return &TicketCase{ID: c.ID, Due: c.Due, Done: c.Done}
}

// CaseQuery selects cases of the register: of one staff member ("" all),
// opened from From to To (dates YYYY-MM-DD in the hall's zone, inclusive;
// "" no bound), in State (one of CaseStates; "" any).
type CaseQuery struct {
	Staff    string
	From, To string
	State    string
}

// Cases lists the cases q selects, oldest first: the register of case
// deadlines (限时办结), with what is overdue and due today.
func (e *Engine) Cases(ctx context.Context, q CaseQuery) ([]CaseView, error) {
	if q.State != "" && !slices.Contains(CaseStates, q.State) {
		return nil, Errorf(ErrInvalid.Code, "state must be one of %s", strings.Join(CaseStates, ", "))
	}
	from, to, err := e.dateRange(q.From, q.To)
	if err != nil {
		return nil, err
	}
	return read(ctx, e, func(t *tx) ([]CaseView, error) {
		out := []CaseView{}
		for _, c := range t.s.Cases {
			if q.Staff != "" && c.Staff != q.Staff || c.Opened.Before(from) || !to.IsZero() && c.Opened.After(to) {
				continue
			}
			v := caseView(c, t.now, t.e.loc)
			switch q.State {
			case CaseOpen, CaseDoneSt:
				if v.State != q.State {
					continue
				}
			case CaseOverdue:
				if !v.Overdue {
					continue
				}
			case CaseDueToday:
				if !v.DueToday {
					continue
				}
			}
			out = append(out, v)
		}
		slices.SortFunc(out, func(a, b CaseView) int {
			if c := a.Opened.Compare(b.Opened); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		return out, nil
	})
}

// dateRange reads a register's from and to (dates YYYY-MM-DD, "" for no
// bound) as the start of from's day and the end of to's, in the hall's zone.
func (e *Engine) dateRange(from, to string) (time.Time, time.Time, error) {
	var f, l time.Time
	for _, d := range []struct {
		name, v string
		t       *time.Time
	}{{"from", from, &f}, {"to", to, &l}} {
		if d.v == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.v, e.loc)
		if err != nil {
			return f, l, Errorf(ErrInvalid.Code, "%s %q must be a date YYYY-MM-DD", d.name, clip(d.v, 20))
		}
		*d.t = day
	}
	if !l.IsZero() {
		l = endOfDay(l, 0, e.loc)
	}
	if !f.IsZero() && !l.IsZero() && l.Before(f) {
		return f, l, Errorf(ErrInvalid.Code, "to %s is before from %s", to, from)
	}
	return f, l, nil
}

// CaseDone records that a case was finished and whether the citizen was
// told. Staff close their own cases; the director any.
func (e *Engine) CaseDone(ctx context.Context, actor, id string, notified bool) (Case, error) {
	return call(ctx, e, actor, func(t *tx) (Case, error) {
		c := t.s.Cases[id]
		if c == nil {
			return Case{}, ErrUnknownCase
		}
		if st := t.s.Config.StaffByJobNo(actor); c.Staff != actor && (st == nil || st.Role != RoleDirector) {
			return Case{}, ErrNotYourCase
		}
		if !c.Done.IsZero() {
			return Case{}, ErrAlreadyDecided
		}
		t.emit(Event{Type: EvCaseDone,
			CaseFields: CaseFields{Case: id, Notified: notified}, Ticket: c.Ticket, Number: c.Number, Window: c.Window})
		return *t.s.Cases[id], nil
	})
}

// caseDue is the due date of a case opened now with days committed working
// days: the end of the days-th working day of the hall's calendar after
// today (Calendar.AddWorkingDays). It is the one due-date rule of the hall.
func (t *tx) caseDue(days int) time.Time {
	return t.s.Config.Calendar.AddWorkingDays(t.now, days, t.e.loc)
}

// warnCases warns of open cases due within Rules.CaseWarnDays working days:
// with the default 1, on the day they are due.
func (t *tx) warnCases() {
	var ids []string
	for id, c := range t.s.Cases {
		if c.Done.IsZero() && !c.Warned {
			ids = append(ids, id)
		}
	}
	sortStrings(ids)
	for _, id := range ids {
		c := t.s.Cases[id]
		if t.s.Config.Calendar.WorkingDaysLeft(t.now, c.Due, t.e.loc) < t.s.Config.Rules.CaseWarnDays {
			t.emit(Event{Type: EvCaseWarned, CaseFields: CaseFields{Case: id, Due: c.Due}, Ticket: c.Ticket, Number: c.Number, Window: c.Window})
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
