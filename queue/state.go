package queue

import (
	"fmt"
	"slices"
	"time"
)

// TicketState is where a ticket is in its life.
type TicketState string

// The ticket states (API.md "States").
const (
	TicketWaiting     TicketState = "waiting"
	TicketCalled      TicketState = "called"
	TicketServing     TicketState = "serving"
	TicketDone        TicketState = "done"
	TicketNoShow      TicketState = "no_show"
	TicketTransferred TicketState = "transferred" // waiting in the queue it was transferred to
	TicketSuspended   TicketState = "suspended"   // holds a return slip
	TicketRejected    TicketState = "rejected"
	TicketCancelled   TicketState = "cancelled"
)

func (s TicketState) String() string { return string(s) }

// Queued reports whether a ticket in this state waits to be called.
func (s TicketState) Queued() bool { return s == TicketWaiting || s == TicketTransferred }

// Final reports whether nothing more happens to a ticket in this state.
func (s TicketState) Final() bool {
	return s == TicketDone || s == TicketNoShow || s == TicketRejected || s == TicketCancelled
}

// Priority classes, served in this order before the wait decides.
const (
	ClassReturn  = 0 // back with a return slip (直通)
	ClassExpress = 1 // express approved by the duty director (快捷)
	ClassNormal  = 2
)

// Ticket is one citizen's place in a queue.
type Ticket struct {
	ID       string      `json:"id"`
	Number   string      `json:"number"`
	Service  string      `json:"service"`
	Day      string      `json:"day"`
	State    TicketState `json:"state"`
	Channel  string      `json:"channel,omitempty"`
	Priority string      `json:"priority,omitempty"`
	// A citizen ID's hash is not kept with the ticket: Persons counts it for
	// the day. (Snapshots before it was left out hold "id_hash"; it is ignored.)
	// QueueSeq is the seq of the event that put the ticket in its queue (issued,
	// re-queued after a no-show, back with a slip): the tie-breaker of the order.
	QueueSeq uint64    `json:"queue_seq"`
	IssuedAt time.Time `json:"issued_at"`
	// QueuedAt is what the wait is counted from: the issue time, kept across a
	// transfer, reset when a no-show goes back to the end of the queue.
	QueuedAt time.Time `json:"queued_at"`
	Class    int       `json:"class"`
	// PinWindow, when set, is the only window that may call the ticket (a
	// return slip, a transfer to a window).
	PinWindow  int       `json:"pin_window,omitempty"`
	Window     int       `json:"window,omitempty"`
	Staff      string    `json:"staff,omitempty"`
	CalledAt   time.Time `json:"called_at,omitzero"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Calls      int       `json:"calls,omitempty"`
	NoShows    int       `json:"no_shows,omitempty"`
	Rating     int       `json:"rating,omitempty"`
	Slip       string    `json:"slip,omitempty"`
	Express    string    `json:"express,omitempty"`
	// Case is the case deadline (限时办结) opened when the ticket was
	// finished; the ticket is kept past its day while the case is open.
	Case string `json:"case,omitempty"`
}

// WindowState is what is happening at a window.
type WindowState struct {
	ID    int    `json:"id"`
	Staff string `json:"staff,omitempty"`
	// Current is the ticket in hand, called or serving.
	Current string `json:"current,omitempty"`
	// LastFinished is the ticket a rating at this window goes to.
	LastFinished string    `json:"last_finished,omitempty"`
	SignedInAt   time.Time `json:"signed_in_at,omitzero"`
	AllowSignout bool      `json:"allow_signout,omitempty"`
	// Temporary are services opened here by the director (临时窗口), served as A.
	Temporary []string `json:"temporary,omitempty"`
	// UncoveredSince is when the A-post holder went away with nobody covering.
	UncoveredSince time.Time `json:"uncovered_since,omitzero"`
}

// State is the hall now: the fold of every event. Only the engine's goroutine
// touches it; View hands a read-only look to others.
type State struct {
	Seq      uint64                     `json:"seq"`
	Day      string                     `json:"day"`
	Config   *Config                    `json:"config"`
	Tickets  map[string]*Ticket         `json:"tickets"`
	Numbers  map[string]int             `json:"numbers"` // service → last number issued today
	Windows  map[int]*WindowState       `json:"windows"`
	Backup   map[string]*BackupState    `json:"backup"`
	Slips    map[string]*Slip           `json:"slips"`
	Express  map[string]*ExpressRequest `json:"express"`
	Refusals map[string]*Refusal        `json:"refusals"`
	Cases    map[string]*Case           `json:"cases"`
	Where    map[string]*Whereabouts    `json:"whereabouts"`
	Persons  map[string]int             `json:"persons"` // citizen ID hash → tickets today
	Recent   map[string][]int           `json:"recent"`  // service → last service times (s)
	Devices  map[string]*DeviceState    `json:"devices"` // device name → last status
	Issued   map[string]int             `json:"issued"`  // service → tickets issued today
	// Covers is the register of the times A-posts stood uncovered (AB岗),
	// oldest first.
	Covers []*CoverGap `json:"covers,omitempty"`

	// The hall office's registers, kept across days (made by their folds
	// when first needed): complaint.go, homevisit.go, spotcheck.go.
	Complaints map[string]*ComplaintRecord `json:"complaints,omitempty"`
	HomeVisits map[string]*HomeVisitRecord `json:"home_visits,omitempty"`
	SpotChecks map[string]*SpotCheckRecord `json:"spot_checks,omitempty"`
	// Followups are the bad ratings' follow-ups, kept across days.
	Followups map[string]*FollowupRecord `json:"followups,omitempty"`

	// queued lists the tickets waiting to be called, per service, in calling
	// order (before); pinned lists those of them pinned to one window, per
	// window, in the same order. Both are derived from Tickets (rebuilt by
	// reindex) and not stored. A ticket's place depends on its Service,
	// PinWindow, Class, Priority, QueuedAt and QueueSeq (and the priority
	// classes of the configuration): apply changes them only while the ticket
	// is out of the lists.
	queued map[string][]*Ticket
	pinned map[int][]*Ticket
}

// NewState returns the empty state of a hall that has never run.
func NewState() *State {
	s := &State{}
	s.init()
	return s
}

func (s *State) init() {
	if s.Tickets == nil {
		s.Tickets = map[string]*Ticket{}
	}
	if s.Numbers == nil {
		s.Numbers = map[string]int{}
	}
	if s.Issued == nil {
		s.Issued = map[string]int{}
	}
	if s.Windows == nil {
		s.Windows = map[int]*WindowState{}
	}
	if s.Backup == nil {
		s.Backup = map[string]*BackupState{}
	}
	if s.Slips == nil {
		s.Slips = map[string]*Slip{}
	}
	if s.Express == nil {
		s.Express = map[string]*ExpressRequest{}
	}
	if s.Refusals == nil {
		s.Refusals = map[string]*Refusal{}
	}
	if s.Cases == nil {
		s.Cases = map[string]*Case{}
	}
	if s.Where == nil {
		s.Where = map[string]*Whereabouts{}
	}
	if s.Persons == nil {
		s.Persons = map[string]int{}
	}
	if s.Recent == nil {
		s.Recent = map[string][]int{}
	}
	if s.Devices == nil {
		s.Devices = map[string]*DeviceState{}
	}
	if s.Followups == nil {
		s.Followups = map[string]*FollowupRecord{}
	}
	s.reindex()
}

// reindex builds the waiting lists from Tickets: on loading, and when the
// configuration (the priority classes' head starts) changes.
func (s *State) reindex() {
	s.queued = map[string][]*Ticket{}
	s.pinned = map[int][]*Ticket{}
	for _, t := range s.Tickets {
		if t.State.Queued() {
			s.queued[t.Service] = append(s.queued[t.Service], t)
			if t.PinWindow != 0 {
				s.pinned[t.PinWindow] = append(s.pinned[t.PinWindow], t)
			}
		}
	}
	order := func(a, b *Ticket) int {
		if s.before(a, b) {
			return -1
		}
		if s.before(b, a) {
			return 1
		}
		return 0
	}
	for _, l := range s.queued {
		slices.SortFunc(l, order)
	}
	for _, l := range s.pinned {
		slices.SortFunc(l, order)
	}
}

// place is where t goes in l, a list in calling order.
func (s *State) place(l []*Ticket, t *Ticket) int {
	// Most tickets join at the end (a new ticket, with the same class as
	// those before it): one comparison instead of a search.
	if n := len(l); n == 0 || s.before(l[n-1], t) {
		return n
	}
	i, _ := slices.BinarySearchFunc(l, t, func(o, t *Ticket) int {
		if s.before(o, t) {
			return -1
		}
		if o == t {
			return 0
		}
		return 1
	})
	return i
}

// without returns l less t.
func (s *State) without(l []*Ticket, t *Ticket) []*Ticket {
	i := s.place(l, t)
	if i >= len(l) || l[i] != t {
		// Not where its order puts it: a key changed while it was listed.
		// Never expected, but the lists must not keep a ticket gone.
		if i = slices.Index(l, t); i < 0 {
			return l
		}
	}
	return slices.Delete(l, i, i+1)
}

func (s *State) enqueue(t *Ticket) {
	l := s.queued[t.Service]
	s.queued[t.Service] = slices.Insert(l, s.place(l, t), t)
	if t.PinWindow != 0 {
		p := s.pinned[t.PinWindow]
		s.pinned[t.PinWindow] = slices.Insert(p, s.place(p, t), t)
	}
}

func (s *State) dequeue(t *Ticket) {
	if l, ok := s.queued[t.Service]; ok {
		s.queued[t.Service] = s.without(l, t)
	}
	if t.PinWindow != 0 {
		if p, ok := s.pinned[t.PinWindow]; ok {
			s.pinned[t.PinWindow] = s.without(p, t)
		}
	}
}

// setState moves a ticket to st, keeping the waiting lists right.
func (s *State) setState(t *Ticket, st TicketState) {
	was := t.State.Queued()
	t.State = st
	switch now := st.Queued(); {
	case was && !now:
		s.dequeue(t)
	case !was && now:
		s.enqueue(t)
	}
}

// peek returns window id's state for reading; it adds nothing to the state.
func (s *State) peek(id int) *WindowState {
	if w := s.Windows[id]; w != nil {
		return w
	}
	return &WindowState{ID: id}
}

// window returns window id's state for changing, adding it when new. Only apply
// calls it.
func (s *State) window(id int) *WindowState {
	w := s.Windows[id]
	if w == nil {
		w = &WindowState{ID: id}
		s.Windows[id] = w
	}
	return w
}

// apply folds one event into the state. It is the only code that changes State,
// both live and when the state is rebuilt from the store, so it must depend on
// nothing but the state and the event. Each event type's fold is its
// workflow's (eventSpecs); an event of an undeclared type changes only Seq.
func (s *State) apply(e *Event) {
	s.Seq = e.Seq
	if spec, ok := eventSpecs[e.Type]; ok {
		spec.apply(s, e, s.Tickets[e.Ticket])
	}
}

// replay folds an event read back from the store. After `qcall repair` an
// event may refer to a ticket, slip or case whose own event was lost, which
// apply, written for a whole log, does not expect: such an event is skipped,
// and replay reports why.
func (s *State) replay(e *Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.Seq = e.Seq
			err = fmt.Errorf("event %d (%s) does not fit the state: %v", e.Seq, e.Type, p)
		}
	}()
	s.apply(e)
	return nil
}
