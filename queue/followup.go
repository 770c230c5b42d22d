package queue

// The follow-up workflow (差评整改): every rating of BadScore or lower opens a
// follow-up, which the duty director assigns to a person; it is due a
// configured number of working days later (Rules.FollowupDays) and is closed,
// by the director or the assignee, with whether the citizen was called back
// (回访), what was found and what was changed. The rated staff member may
// appeal (申诉) once; the director upholds or rejects the appeal with a note,
// and an upheld appeal keeps the rating on record but out of evaluations
// (FollowupRecord.Excluded, State.RatingExcluded). Its commands, its events
// (one typed payload, Followup), their audience and fold, its views, its
// alerts and its register are all here. Follow-ups are kept across days:
// they are few (bad ratings), and the register reads them from the state.

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// BadScore is the highest rating that opens a follow-up: 2 不满意 and
// 1 非常不满意 on the national five-level scale.
const BadScore = 2

// DefaultFollowupDays is how many working days a follow-up is due after it
// opens, when Rules.FollowupDays is not set.
const DefaultFollowupDays = 5

// The follow-up events; each carries its fields in the payload Followup.
const (
	EvFollowupOpened   EventType = "followup_opened"         // Followup: ID, Ticket, Number, Service, Window, Staff, Score, Reason, Due
	EvFollowupAssigned EventType = "followup_assigned"       // Followup: ID, Assignee
	EvFollowupClosed   EventType = "followup_closed"         // Followup: ID, Contacted, Finding, Action
	EvFollowupAppealed EventType = "followup_appealed"       // Followup: ID, Appeal
	EvAppealDecided    EventType = "followup_appeal_decided" // Followup: ID, Ticket, Upheld, Note
)

// followupEvents: the director, the rated staff member and the assignee hear
// the follow-up events (at their terminals, wherever they sit); no public
// screen, window or phone does, not even their envelope.
var followupEvents = map[EventType]eventSpec{
	EvFollowupOpened:   {hidden: true, director: true, more: followupPeople},
	EvFollowupAssigned: {hidden: true, director: true, more: followupPeople},
	EvFollowupClosed:   {hidden: true, director: true, more: followupPeople},
	EvFollowupAppealed: {hidden: true, director: true, more: followupPeople},
	EvAppealDecided:    {hidden: true, director: true, more: followupPeople},
}

// Followup is the payload of the follow-up events: the fields each sets.
type Followup struct {
	ID      string `json:"id"`
	Ticket  string `json:"ticket,omitempty"`
	Number  string `json:"number,omitempty"`
	Service string `json:"service,omitempty"`
	Window  int    `json:"window,omitempty"`
	// Staff is the staff member rated.
	Staff  string `json:"staff,omitempty"`
	Score  int    `json:"score,omitempty"`
	Reason string `json:"reason,omitempty"` // the rating's reason (attitude, efficiency, …)
	// Due is the end of the last working day to close it in.
	Due       time.Time `json:"due,omitzero"`
	Assignee  string    `json:"assignee,omitempty"`
	Contacted bool      `json:"contacted,omitempty"`
	Finding   string    `json:"finding,omitempty"`
	Action    string    `json:"action,omitempty"`
	Appeal    string    `json:"appeal,omitempty"` // the appeal's reason
	Upheld    bool      `json:"upheld,omitempty"`
	Note      string    `json:"note,omitempty"` // the director's note on the appeal
}

// followupPeople adds the rated staff member and the assignee: their
// terminals hear the follow-up.
func followupPeople(s *State, e *Event, a *Audience) {
	if e.Followup == nil {
		return
	}
	if f := s.Followups[e.Followup.ID]; f != nil {
		for _, p := range []string{f.Staff, f.Assignee} {
			if p != "" && !slices.Contains(a.Staff, p) {
				a.Staff = append(a.Staff, p)
			}
		}
	}
}

// FollowupRecord is a follow-up as the state keeps it and the API shows it.
type FollowupRecord struct {
	ID       string    `json:"id"`
	Ticket   string    `json:"ticket"`
	Number   string    `json:"number"`
	Service  string    `json:"service"`
	Window   int       `json:"window"`
	Staff    string    `json:"staff"`
	Score    int       `json:"score"`
	Reason   string    `json:"reason,omitempty"`
	OpenedAt time.Time `json:"opened_at"`
	Due      time.Time `json:"due"`
	// State is open or closed.
	State      string    `json:"state"`
	Assignee   string    `json:"assignee,omitempty"`
	AssignedAt time.Time `json:"assigned_at,omitzero"`
	ClosedBy   string    `json:"closed_by,omitempty"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	Contacted  bool      `json:"contacted,omitempty"`
	Finding    string    `json:"finding,omitempty"`
	Action     string    `json:"action,omitempty"`
	Appeal     *Appeal   `json:"appeal,omitempty"`
	// Excluded: an appeal was upheld, so the rating stays on record but
	// counts in no evaluation.
	Excluded bool `json:"excluded,omitempty"`
}

// Appeal is a rated staff member's appeal (申诉) of a rating.
type Appeal struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// State is pending, upheld or rejected.
	State     string    `json:"state"`
	Note      string    `json:"note,omitempty"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// The follow-up states and appeal states.
const (
	FollowupOpen   = "open"
	FollowupClosed = "closed"
	AppealPending  = "pending"
	AppealUpheld   = "upheld"
	AppealRejected = "rejected"
)

// The follow-up errors.
var (
	ErrUnknownFollowup = define(KindNotFound, "unknown_followup", "no such follow-up")
	ErrFollowupClosed  = define(KindConflict, "followup_closed", "this follow-up is closed")
	ErrAppealExists    = define(KindConflict, "appeal_exists", "this rating has been appealed already")
	ErrNoAppeal        = define(KindConflict, "no_appeal", "there is no appeal pending on this follow-up")
	ErrNotRatedStaff   = define(KindForbidden, "not_rated_staff", "only the staff member rated may appeal")
	ErrNotAssignee     = define(KindForbidden, "not_assignee", "only the duty director or the person assigned may close this follow-up")
)

// applyFollowup folds a follow-up event.
func (s *State) applyFollowup(e *Event, _ *Ticket) {
	p := e.Followup
	switch e.Type {
	case EvFollowupOpened:
		s.Followups[p.ID] = &FollowupRecord{ID: p.ID, Ticket: p.Ticket, Number: p.Number, Service: p.Service, Window: p.Window,
			Staff: p.Staff, Score: p.Score, Reason: p.Reason, OpenedAt: e.At, Due: p.Due, State: FollowupOpen}
	case EvFollowupAssigned:
		f := s.Followups[p.ID]
		f.Assignee, f.AssignedAt = p.Assignee, e.At
	case EvFollowupClosed:
		f := s.Followups[p.ID]
		f.State, f.ClosedBy, f.ClosedAt = FollowupClosed, e.Actor, e.At
		f.Contacted, f.Finding, f.Action = p.Contacted, p.Finding, p.Action
	case EvFollowupAppealed:
		s.Followups[p.ID].Appeal = &Appeal{Reason: p.Appeal, At: e.At, State: AppealPending}
	case EvAppealDecided:
		f := s.Followups[p.ID]
		a := *f.Appeal
		a.State, a.Note, a.DecidedBy, a.DecidedAt = AppealRejected, p.Note, e.Actor, e.At
		if p.Upheld {
			a.State = AppealUpheld
			f.Excluded = true
		}
		f.Appeal = &a
	}
}

// followRating opens a follow-up for ev, a rating just given, when it is bad.
// Rate calls it with the rating event it emitted.
func (t *tx) followRating(ev *Event) {
	if ev.Score < 1 || ev.Score > BadScore {
		return
	}
	p := &Followup{Ticket: ev.Ticket, Number: ev.Number, Service: ev.Service, Window: ev.Window, Staff: ev.Staff,
		Score: ev.Score, Reason: ev.Reason}
	days := t.s.Config.Rules.FollowupDays
	if days <= 0 {
		days = DefaultFollowupDays
	}
	p.Due = t.s.Config.Calendar.AddWorkingDays(t.now, days, t.e.loc)
	p.ID = newCode(8, func(s string) bool { return t.s.Followups[s] != nil })
	t.emit(Event{Type: EvFollowupOpened, Followup: p})
}

// followup returns follow-up id for a command, or ErrUnknownFollowup.
func (t *tx) followup(id string) (*FollowupRecord, error) {
	f := t.s.Followups[id]
	if f == nil {
		return nil, ErrUnknownFollowup
	}
	return f, nil
}

// isDirector reports whether job number jobNo is the duty director.
func (s *State) isDirector(jobNo string) bool {
	st := s.Config.StaffByJobNo(jobNo)
	return st != nil && st.Role == RoleDirector
}

// AssignFollowup gives an open follow-up to a staff member (director).
func (e *Engine) AssignFollowup(ctx context.Context, actor, id, jobNo string) (FollowupRecord, error) {
	return call(ctx, e, actor, func(t *tx) (FollowupRecord, error) {
		f, err := t.followup(id)
		if err != nil {
			return FollowupRecord{}, err
		}
		if jobNo == "" {
			return FollowupRecord{}, Errorf(ErrInvalid.Code, "job_no is required")
		}
		if t.s.Config.StaffByJobNo(jobNo) == nil {
			return FollowupRecord{}, Errorf(ErrUnknownStaff.Code, "no staff %q", clip(jobNo, 32))
		}
		if f.State != FollowupOpen {
			return FollowupRecord{}, ErrFollowupClosed
		}
		t.emit(Event{Type: EvFollowupAssigned, Followup: &Followup{ID: id, Assignee: jobNo}})
		return t.s.FollowupView(id), nil
	})
}

// FollowupClose is how a follow-up is closed: whether the citizen was called
// back (回访), what was found and what was changed.
type FollowupClose struct {
	Contacted bool
	Finding   string
	Action    string
}

// CloseFollowup closes an open follow-up; the duty director or the person it
// is assigned to.
func (e *Engine) CloseFollowup(ctx context.Context, actor, id string, c FollowupClose) (FollowupRecord, error) {
	return call(ctx, e, actor, func(t *tx) (FollowupRecord, error) {
		f, err := t.followup(id)
		if err != nil {
			return FollowupRecord{}, err
		}
		finding, err := cleanText(c.Finding, "finding", true)
		if err != nil {
			return FollowupRecord{}, err
		}
		action, err := cleanText(c.Action, "action", true)
		if err != nil {
			return FollowupRecord{}, err
		}
		if actor != f.Assignee && !t.s.isDirector(actor) {
			return FollowupRecord{}, ErrNotAssignee
		}
		if f.State != FollowupOpen {
			return FollowupRecord{}, ErrFollowupClosed
		}
		t.emit(Event{Type: EvFollowupClosed, Followup: &Followup{ID: id, Contacted: c.Contacted, Finding: finding, Action: action}})
		return t.s.FollowupView(id), nil
	})
}

// AppealFollowup files the rated staff member's appeal (申诉) of the rating,
// once.
func (e *Engine) AppealFollowup(ctx context.Context, actor, id, reason string) (FollowupRecord, error) {
	return call(ctx, e, actor, func(t *tx) (FollowupRecord, error) {
		f, err := t.followup(id)
		if err != nil {
			return FollowupRecord{}, err
		}
		if reason, err = cleanText(reason, "reason", true); err != nil {
			return FollowupRecord{}, err
		}
		if actor != f.Staff {
			return FollowupRecord{}, ErrNotRatedStaff
		}
		if f.Appeal != nil {
			return FollowupRecord{}, ErrAppealExists
		}
		t.emit(Event{Type: EvFollowupAppealed, Followup: &Followup{ID: id, Appeal: reason}})
		return t.s.FollowupView(id), nil
	})
}

// DecideAppeal upholds or rejects the appeal pending on a follow-up, with a
// note (director). An upheld appeal takes the rating out of evaluations.
func (e *Engine) DecideAppeal(ctx context.Context, actor, id string, upheld bool, note string) (FollowupRecord, error) {
	return call(ctx, e, actor, func(t *tx) (FollowupRecord, error) {
		f, err := t.followup(id)
		if err != nil {
			return FollowupRecord{}, err
		}
		if note, err = cleanText(note, "note", true); err != nil {
			return FollowupRecord{}, err
		}
		switch {
		case f.Appeal == nil:
			return FollowupRecord{}, ErrNoAppeal
		case f.Appeal.State != AppealPending:
			return FollowupRecord{}, ErrAlreadyDecided
		}
		t.emit(Event{Type: EvAppealDecided, Followup: &Followup{ID: id, Ticket: f.Ticket, Upheld: upheld, Note: note}})
		return t.s.FollowupView(id), nil
	})
}

// FollowupView returns a copy of follow-up id (the zero record when none).
func (s *State) FollowupView(id string) FollowupRecord {
	f := s.Followups[id]
	if f == nil {
		return FollowupRecord{}
	}
	c := *f
	if f.Appeal != nil {
		a := *f.Appeal
		c.Appeal = &a
	}
	return c
}

// RatingExcluded reports whether the rating of ticket id is out of
// evaluations: an appeal against it was upheld. It stays on record.
func (s *State) RatingExcluded(ticket string) bool {
	for _, f := range s.Followups {
		if f.Ticket == ticket && f.Excluded {
			return true
		}
	}
	return false
}

// FollowupQuery selects follow-ups for the register: opened within the
// period, in a state ("", open, closed, or appeal: an appeal pending), and,
// when Person is set, those of that staff member (rated or assigned).
type FollowupQuery struct {
	Period Period
	State  string
	Person string
}

// followupStates are the states a follow-up query may ask for.
var followupStates = []string{"", FollowupOpen, FollowupClosed, "appeal"}

// Followups lists the follow-ups q selects, oldest first.
func (e *Engine) Followups(ctx context.Context, q FollowupQuery) ([]FollowupRecord, error) {
	if !slices.Contains(followupStates, q.State) {
		return nil, Errorf(ErrInvalid.Code, "state must be open, closed or appeal")
	}
	return read(ctx, e, func(t *tx) ([]FollowupRecord, error) {
		out := []FollowupRecord{}
		for _, f := range t.s.sortedFollowups() {
			switch {
			case !q.Period.Contains(f.OpenedAt),
				q.Person != "" && f.Staff != q.Person && f.Assignee != q.Person,
				q.State == "appeal" && (f.Appeal == nil || f.Appeal.State != AppealPending),
				q.State != "" && q.State != "appeal" && f.State != q.State:
				continue
			}
			out = append(out, t.s.FollowupView(f.ID))
		}
		return out, nil
	})
}

// sortedFollowups lists the follow-ups, oldest first.
func (s *State) sortedFollowups() []*FollowupRecord {
	out := make([]*FollowupRecord, 0, len(s.Followups))
	for _, f := range s.Followups {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *FollowupRecord) int {
		if c := a.OpenedAt.Compare(b.OpenedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// pendingFollowups lists what waits on follow-ups: those open, and those
// with an appeal to decide, oldest first.
func (s *State) pendingFollowups() []FollowupRecord {
	out := []FollowupRecord{}
	for _, f := range s.sortedFollowups() {
		if f.State == FollowupOpen || f.Appeal != nil && f.Appeal.State == AppealPending {
			out = append(out, s.FollowupView(f.ID))
		}
	}
	return out
}

// followupAlerts: appeals to decide, follow-ups nobody is assigned to, and
// those past due.
func followupAlerts(s *State, now time.Time, _ *time.Location) []Alert {
	var out []Alert
	for _, f := range s.sortedFollowups() {
		base := Alert{Ref: f.ID, Number: f.Number, Window: f.Window, Staff: f.Staff, Score: f.Score, Due: f.Due}
		if f.Appeal != nil && f.Appeal.State == AppealPending {
			a := base
			a.Kind, a.Level, a.Since, a.Action = AlertAppeal, LevelWarn, f.Appeal.At, ActionDecideAppeal
			out = append(out, a)
		}
		if f.State != FollowupOpen || f.Excluded {
			continue
		}
		a := base
		switch {
		case now.After(f.Due):
			a.Kind, a.Level, a.Since = AlertFollowupOverdue, LevelUrgent, f.Due
		case f.Assignee == "":
			a.Kind, a.Level, a.Since = AlertFollowupOpen, LevelWarn, f.OpenedAt
		default:
			continue // assigned and within its time: the assignee's work
		}
		a.Action = ActionAssignFollowup
		if f.Assignee != "" {
			a.Action = ActionCloseFollowup
		}
		out = append(out, a)
	}
	return out
}
