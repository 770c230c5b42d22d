package queue

// The home-service workflow (上门服务, chapter 5 §10(三)): for a citizen
// seriously ill, seriously disabled or old and frail (重病、重残、年老体弱等
// 行动不便者), the person acting for them (委托人) applies on the
// 《上门服务申请表》; the director reviews it (审核) and approves it with a
// team (党团员积极分子或为民服务小组) and a date, or denies it with a reason;
// the visit is then marked done with a note. Its commands, its payload, its
// events (who hears them), their fold and its views are all here.

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// The home-service events.
const (
	EvHomeVisitRequested EventType = "home_visit_requested" // HomeVisit: the application
	EvHomeVisitApproved  EventType = "home_visit_approved"  // HomeVisit: ID, Team, Date
	EvHomeVisitDenied    EventType = "home_visit_denied"    // HomeVisit: ID, Denied
	EvHomeVisitDone      EventType = "home_visit_done"      // HomeVisit: ID, Note
)

// homeVisitEvents: the director hears them in full, the staff member who
// recorded the application at their terminal (without the applicant's
// personal data); no public screen hears them.
var homeVisitEvents = map[EventType]eventSpec{
	EvHomeVisitRequested: {hidden: true, director: true, more: homeVisitRecorder},
	EvHomeVisitApproved:  {hidden: true, director: true, more: homeVisitRecorder},
	EvHomeVisitDenied:    {hidden: true, director: true, more: homeVisitRecorder},
	EvHomeVisitDone:      {hidden: true, director: true, more: homeVisitRecorder},
}

// homeVisitRecorder adds the staff member who recorded the application: their
// terminal hears how it was decided.
func homeVisitRecorder(s *State, e *Event, a *Audience) {
	if e.HomeVisit == nil {
		return
	}
	if v := s.HomeVisits[e.HomeVisit.ID]; v != nil && s.Config != nil && s.Config.StaffByJobNo(v.RecordedBy) != nil {
		a.Staff = append(a.Staff, v.RecordedBy)
	}
}

// HomeVisit is the payload of the home-service events (Event.HomeVisit). Who
// the applicant is, who acts for them, where they live, their phone and the
// notes are personal data (a note may say how ill the person is): only the
// director gets them.
type HomeVisit struct {
	ID        string `json:"id"`
	Applicant string `json:"applicant,omitempty" private:"director"`
	Agent     string `json:"agent,omitempty" private:"director"`
	Reason    string `json:"reason,omitempty"`
	Address   string `json:"address,omitempty" private:"director"`
	Phone     string `json:"phone,omitempty" private:"director"`
	Service   string `json:"service,omitempty"`
	Note      string `json:"note,omitempty" private:"director"`
	Team      string `json:"team,omitempty"`
	Date      string `json:"date,omitempty"`
	Denied    string `json:"denied,omitempty"`
}

// The reasons for a home visit: 重病, 重残, 年老体弱.
var HomeVisitReasons = []string{"illness", "disability", "frail"}

// The states of a home-service request.
const (
	HomeVisitPending  = "pending"
	HomeVisitApproved = "approved"
	HomeVisitDenied   = "denied"
	HomeVisitDone     = "done"
)

// Errors of the home-service workflow.
var (
	ErrUnknownHomeVisit     = define(KindNotFound, "unknown_home_visit", "no such home-service request")
	ErrHomeVisitNotApproved = define(KindConflict, "home_visit_not_approved", "the home visit has not been approved")
)

// HomeVisitRecord is one entry of the home-service register.
type HomeVisitRecord struct {
	ID string `json:"id"`
	// Seq is the event that recorded it: the register's order.
	Seq        uint64    `json:"seq"`
	Applicant  string    `json:"applicant"`
	Agent      string    `json:"agent"`
	Reason     string    `json:"reason"`
	Address    string    `json:"address"`
	Phone      string    `json:"phone"`
	Service    string    `json:"service"`
	Note       string    `json:"note,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	At         time.Time `json:"at"`
	State      string    `json:"state"`
	Team       string    `json:"team,omitempty"`
	Date       string    `json:"date,omitempty"`
	Denied     string    `json:"denied,omitempty"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	DoneNote   string    `json:"done_note,omitempty"`
	DoneAt     time.Time `json:"done_at,omitzero"`
}

// HomeVisitInput is the 《上门服务申请表》.
type HomeVisitInput struct {
	Applicant string `json:"applicant"` // the citizen the visit is for
	Agent     string `json:"agent"`     // the person acting for them (委托人)
	Reason    string `json:"reason"`    // illness, disability or frail
	Address   string `json:"address"`
	Phone     string `json:"phone"`
	Service   string `json:"service"` // the service's code
	Note      string `json:"note"`
}

// Limits of a home-service request's texts, in characters.
const (
	maxVisitLine = 200
	maxVisitNote = 1000
)

// RequestHomeVisit records an application for a home visit, for the
// director to review.
func (e *Engine) RequestHomeVisit(ctx context.Context, actor string, in HomeVisitInput) (HomeVisitRecord, error) {
	return call(ctx, e, actor, func(t *tx) (HomeVisitRecord, error) {
		p := &HomeVisit{Reason: in.Reason, Service: strings.TrimSpace(in.Service)}
		for _, f := range []struct {
			what string
			in   string
			out  *string
		}{{"applicant", in.Applicant, &p.Applicant}, {"agent", in.Agent, &p.Agent},
			{"address", in.Address, &p.Address}, {"phone", in.Phone, &p.Phone}} {
			v, err := cleanLine(f.in, f.what, true, maxVisitLine)
			if err != nil {
				return HomeVisitRecord{}, err
			}
			*f.out = v
		}
		if !slices.Contains(HomeVisitReasons, in.Reason) {
			return HomeVisitRecord{}, Errorf(ErrInvalid.Code, "reason must be one of %s", strings.Join(HomeVisitReasons, ", "))
		}
		if p.Service == "" {
			return HomeVisitRecord{}, Errorf(ErrInvalid.Code, "service is required")
		}
		if t.s.Config.Service(p.Service) == nil {
			return HomeVisitRecord{}, Errorf(ErrUnknownService.Code, "no service %q", clip(p.Service, 32))
		}
		var err error
		if p.Note, err = cleanLong(in.Note, "note", false, maxVisitNote); err != nil {
			return HomeVisitRecord{}, err
		}
		p.ID = newCode(8, func(s string) bool { return t.s.HomeVisits[s] != nil })
		t.emit(Event{Type: EvHomeVisitRequested, HomeVisit: p})
		return *t.s.HomeVisits[p.ID], nil
	})
}

// ApproveHomeVisit approves a pending request, sending team on date
// (YYYY-MM-DD, today or later).
func (e *Engine) ApproveHomeVisit(ctx context.Context, actor, id, team, date string) (HomeVisitRecord, error) {
	return call(ctx, e, actor, func(t *tx) (HomeVisitRecord, error) {
		v, err := t.pendingVisit(id)
		if err != nil {
			return HomeVisitRecord{}, err
		}
		if team, err = cleanLine(team, "team", true, maxVisitLine); err != nil {
			return HomeVisitRecord{}, err
		}
		d, err := time.ParseInLocation(time.DateOnly, date, t.e.loc)
		if err != nil {
			return HomeVisitRecord{}, Errorf(ErrInvalid.Code, "date must be YYYY-MM-DD")
		}
		if d.Format(time.DateOnly) < t.dayOf(t.now) {
			return HomeVisitRecord{}, Errorf(ErrInvalid.Code, "date %s is in the past", date)
		}
		t.emit(Event{Type: EvHomeVisitApproved, HomeVisit: &HomeVisit{ID: v.ID, Team: team, Date: d.Format(time.DateOnly)}})
		return *t.s.HomeVisits[id], nil
	})
}

// DenyHomeVisit denies a pending request, with the reason.
func (e *Engine) DenyHomeVisit(ctx context.Context, actor, id, reason string) (HomeVisitRecord, error) {
	return call(ctx, e, actor, func(t *tx) (HomeVisitRecord, error) {
		v, err := t.pendingVisit(id)
		if err != nil {
			return HomeVisitRecord{}, err
		}
		if reason, err = cleanLong(reason, "reason", true, maxVisitNote); err != nil {
			return HomeVisitRecord{}, err
		}
		t.emit(Event{Type: EvHomeVisitDenied, HomeVisit: &HomeVisit{ID: v.ID, Denied: reason}})
		return *t.s.HomeVisits[id], nil
	})
}

// HomeVisitDone records that an approved visit took place, with a note.
func (e *Engine) HomeVisitDone(ctx context.Context, actor, id, note string) (HomeVisitRecord, error) {
	return call(ctx, e, actor, func(t *tx) (HomeVisitRecord, error) {
		v := t.s.HomeVisits[id]
		if v == nil {
			return HomeVisitRecord{}, ErrUnknownHomeVisit
		}
		if v.State != HomeVisitApproved {
			return HomeVisitRecord{}, Errorf(ErrHomeVisitNotApproved.Code, "the request is %s", v.State)
		}
		note, err := cleanLong(note, "note", true, maxVisitNote)
		if err != nil {
			return HomeVisitRecord{}, err
		}
		t.emit(Event{Type: EvHomeVisitDone, HomeVisit: &HomeVisit{ID: id, Note: note}})
		return *t.s.HomeVisits[id], nil
	})
}

// pendingVisit is request id, when it waits for the director's decision.
func (t *tx) pendingVisit(id string) (*HomeVisitRecord, error) {
	v := t.s.HomeVisits[id]
	if v == nil {
		return nil, ErrUnknownHomeVisit
	}
	if v.State != HomeVisitPending {
		return nil, ErrAlreadyDecided
	}
	return v, nil
}

// applyHomeVisit folds a home-service event.
func (s *State) applyHomeVisit(e *Event, _ *Ticket) {
	p := e.HomeVisit
	if s.HomeVisits == nil {
		s.HomeVisits = map[string]*HomeVisitRecord{}
	}
	switch e.Type {
	case EvHomeVisitRequested:
		s.HomeVisits[p.ID] = &HomeVisitRecord{ID: p.ID, Seq: e.Seq, Applicant: p.Applicant, Agent: p.Agent, Reason: p.Reason,
			Address: p.Address, Phone: p.Phone, Service: p.Service, Note: p.Note, RecordedBy: e.Actor, At: e.At,
			State: HomeVisitPending}
	case EvHomeVisitApproved:
		v := s.HomeVisits[p.ID]
		v.State, v.Team, v.Date, v.DecidedBy, v.DecidedAt = HomeVisitApproved, p.Team, p.Date, e.Actor, e.At
	case EvHomeVisitDenied:
		v := s.HomeVisits[p.ID]
		v.State, v.Denied, v.DecidedBy, v.DecidedAt = HomeVisitDenied, p.Denied, e.Actor, e.At
	case EvHomeVisitDone:
		v := s.HomeVisits[p.ID]
		v.State, v.DoneNote, v.DoneAt = HomeVisitDone, p.Note, e.At
	}
}

// HomeVisits lists the home-service register, oldest first. It carries the
// applicants' personal data: for the director and admin only.
func (e *Engine) HomeVisits(ctx context.Context, f Filter) ([]HomeVisitRecord, error) {
	return read(ctx, e, func(t *tx) ([]HomeVisitRecord, error) {
		if f.State != "" && !slices.Contains([]string{HomeVisitPending, HomeVisitApproved, HomeVisitDenied, HomeVisitDone}, f.State) {
			return nil, Errorf(ErrInvalid.Code, "state must be pending, approved, denied or done")
		}
		out := []HomeVisitRecord{}
		for _, v := range t.s.HomeVisits {
			if f.has(v.At, v.State) {
				out = append(out, *v)
			}
		}
		slices.SortFunc(out, func(a, b HomeVisitRecord) int { return cmp.Compare(a.Seq, b.Seq) })
		return out, nil
	})
}

// cleanLine checks a one-line text a person wrote (a name, an address, a
// phone number): trimmed, at most max characters, no control or invisible
// formatting character.
func cleanLine(s, what string, required bool, max int) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", Errorf(ErrInvalid.Code, "%s is required", what)
	}
	if why := textError(s, max); why != "" {
		return "", Errorf(ErrInvalid.Code, "%s %s", what, why)
	}
	return s, nil
}
