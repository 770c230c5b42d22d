package queue

// The whereabouts workflow (工作人员去向): staff say where they are (on duty,
// on a break, in a meeting, out) on the hall's board; an A-post holder going
// away asks the B-post holders to cover (posts.go). Its command, its event
// (its audience and what a public screen gets of it), its fold and its view
// are here.

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The whereabouts event.
const (
	EvWhereabouts EventType = "whereabouts_changed" // Staff, Status, Note
)

// whereaboutsEvents: who hears the whereabouts event, and what a public
// screen gets of it.
var whereaboutsEvents = map[EventType]eventSpec{
	EvWhereabouts: {public: []string{"staff", "status", "note"}},
}

// applyWhereabouts folds a whereabouts event.
func (s *State) applyWhereabouts(e *Event, _ *Ticket) {
	s.Where[e.Staff] = &Whereabouts{Status: e.Status, Note: e.Note, Since: e.At}
}

// whereaboutsDayOpened clears the board: where someone was yesterday says
// nothing of today.
func (s *State) whereaboutsDayOpened() { clear(s.Where) }

// Whereabouts is where a staff member is (工作人员去向).
type Whereabouts struct {
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
	Since  time.Time `json:"since"`
}

// The whereabouts statuses.
const (
	OnDuty  = "on_duty"
	Break   = "break"
	Meeting = "meeting"
	Out     = "out"
)

// Whereabouts statuses a staff member can set.
var WhereaboutsStatuses = []string{OnDuty, Break, Meeting, Out}

// SetWhereabouts shows where the actor is on the hall board. An A-post holder
// going away leaves their windows uncovered: a cover_needed event tells the
// B-post holders, and the time until someone covers is recorded (AB岗).
func (e *Engine) SetWhereabouts(ctx context.Context, actor, status, note string) (Whereabouts, error) {
	return call(ctx, e, actor, func(t *tx) (Whereabouts, error) {
		st := t.s.Config.StaffByJobNo(actor)
		if st == nil {
			return Whereabouts{}, ErrUnknownStaff
		}
		if !slices.Contains(WhereaboutsStatuses, status) {
			return Whereabouts{}, Errorf(ErrInvalid.Code, "status must be one of %s", strings.Join(WhereaboutsStatuses, ", "))
		}
		note, err := cleanText(note, "note", false)
		if err != nil {
			return Whereabouts{}, err
		}
		t.emit(Event{Type: EvWhereabouts, Staff: actor, Status: status, Note: note})
		for _, id := range st.PostsA {
			w := t.s.peek(id)
			switch {
			case status != OnDuty:
				t.askCover(id, actor, status)
			case !w.UncoveredSince.IsZero() && w.Staff == actor:
				// Back at the desk still signed in: the post is covered
				// again. Back from a sign-out, signing in covers it.
				t.emit(Event{Type: EvPostCovered, Window: id, Staff: actor,
					PostFields: PostFields{UncoveredS: int(t.now.Sub(w.UncoveredSince) / time.Second)}})
			}
		}
		return *t.s.Where[actor], nil
	})
}

// WhereaboutsView is a staff member's whereabouts as the hall's board shows
// it (工作人员去向).
type WhereaboutsView struct {
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
	Since  time.Time `json:"since"`
	Name   string    `json:"name"`
	NameEn string    `json:"name_en,omitempty"`
}

// Whereabouts returns the whereabouts board: job number → where the staff
// member is.
func (s *State) Whereabouts() map[string]WhereaboutsView {
	m := make(map[string]WhereaboutsView, len(s.Where))
	for jobNo, w := range s.Where {
		v := WhereaboutsView{Status: w.Status, Note: w.Note, Since: w.Since}
		if st := s.Config.StaffByJobNo(jobNo); st != nil {
			v.Name, v.NameEn = st.Name, st.NameEn
		}
		m[jobNo] = v
	}
	return m
}
