package queue

import (
	"fmt"
	"reflect"
	"slices"
)

// This file says who may see each event, and what a public screen gets of it.
// The realtime hub (package display) only routes by it: it asks an event's
// Audience, asks each client's Listener whether it Hears it, and sends a
// public listener the PublicEvent, a phone the TicketEvent.
//
// Privacy is an allowlist: a public screen (hall TV, kiosk, window screen,
// evaluator) gets an event's envelope (seq, at, type, actor, window) and the
// fields its type lists in eventSpecs, nothing else. An event type with no
// entry there reaches no screen, no terminal, no phone and not the director:
// only the hall's device agents, which hear every event in full. A test walks
// the EventType constants of the package and fails for one without an entry.

// Audience is who may see one event.
type Audience struct {
	// Public: the hall screens and kiosks hear it, with its type's allowlisted
	// fields only.
	Public bool
	// Windows hear it: their screens and evaluators with the allowlisted
	// fields, their counter terminals in full. AllWindows: every window.
	Windows    []int
	AllWindows bool
	// Terminals are windows whose counter terminals alone hear it: alerts for
	// the staff there (a backup opened for a B service, an express decision).
	Terminals []int
	// Staff are the job numbers whose counter terminal hears it, at whichever
	// window they are signed in, or signed in at none (the B-post holders
	// asked to cover).
	Staff []string
	// Director: the duty director's console hears it, in full.
	Director bool
	// Tickets are the tickets whose phone pages hear it, each of its own
	// ticket only (TicketEvent).
	Tickets []string
}

// ListenerKind is what a client of the realtime stream is, for the rules of
// who hears what.
type ListenerKind uint8

// The kinds of listeners.
const (
	ListenPublic   ListenerKind = iota // a hall screen or a kiosk: public fields
	ListenWindow                       // a window's screen or evaluator: its window's events, public fields
	ListenTerminal                     // a window's counter terminal (staff): in full
	ListenDirector                     // the duty director's console: in full
	ListenPhone                        // a citizen's phone page, for one ticket
	ListenAgent                        // a device agent: every event, in full
	ListenStaff                        // a staff member's own alerts, at no window (the terminal's window list): in full
)

// Listener is one client of the realtime stream: its kind, the window of a
// window screen or terminal, the staff member at a terminal, the ticket of a
// phone.
type Listener struct {
	Kind   ListenerKind
	Window int
	Staff  string
	Ticket string
}

// Hears reports whether l hears an event of audience a, and whether in full;
// otherwise it gets the PublicEvent only.
func (a *Audience) Hears(l Listener) (hears, full bool) {
	switch l.Kind {
	case ListenAgent:
		return true, true
	case ListenPublic:
		return a.Public, false
	case ListenDirector:
		return a.Director, true
	case ListenPhone:
		return l.Ticket != "" && slices.Contains(a.Tickets, l.Ticket), true
	case ListenWindow:
		return a.AllWindows || slices.Contains(a.Windows, l.Window), false
	case ListenStaff:
		return l.Staff != "" && slices.Contains(a.Staff, l.Staff), true
	case ListenTerminal:
		return a.AllWindows || slices.Contains(a.Windows, l.Window) || slices.Contains(a.Terminals, l.Window) ||
			l.Staff != "" && slices.Contains(a.Staff, l.Staff), true
	}
	return false, false
}

// eventSpec is what an event type declares about its audience.
type eventSpec struct {
	// public are the JSON fields, besides the envelope, that a public screen
	// gets.
	public []string
	// director: the duty director's console hears it.
	director bool
	// hidden: no public screen, window or phone hears it, not even its
	// envelope; only the director and whom more names (a workflow of the
	// staff and the director, such as follow-ups).
	hidden bool
	// more adds to the audience what the state (after the event) tells.
	more func(s *State, e *Event, a *Audience)
	// apply folds the event into the state: its workflow's fold.
	apply func(s *State, e *Event, t *Ticket)
}

// envelopeFields every public screen gets of an event it hears.
var envelopeFields = []string{"seq", "at", "type", "actor", "window"}

// eventSpecs declares, per event type, what a public screen gets and who
// else hears it, and how it is folded into the state. Every event is heard by
// the windows it names (Window, ToWindow: their screens and terminals) and by
// the phone of the ticket it names (Ticket), and every declared type by the
// public screens. Each workflow's file declares its events; a new workflow
// adds its line here.
var eventSpecs = mergeSpecs(
	workflow{issueEvents, (*State).applyIssue},
	workflow{callEvents, (*State).applyCall},
	workflow{slipEvents, (*State).applySlip},
	workflow{expressEvents, (*State).applyExpress},
	workflow{refusalEvents, (*State).applyRefusal},
	workflow{caseEvents, (*State).applyCase},
	workflow{ratingEvents, (*State).applyRating},
	workflow{backupEvents, (*State).applyBackup},
	workflow{whereaboutsEvents, (*State).applyWhereabouts},
	workflow{deviceEvents, (*State).applyDevice},
	workflow{postsEvents, (*State).applyPosts},
	workflow{rerouteEvents, (*State).applyReroute},
	workflow{dayEvents, (*State).applyDay},
	workflow{configEvents, (*State).applyConfig},
	workflow{complaintEvents, (*State).applyComplaint},
	workflow{homeVisitEvents, (*State).applyHomeVisit},
	workflow{spotCheckEvents, (*State).applySpotCheck},
	workflow{followupEvents, (*State).applyFollowup},
	workflow{inquiryEvents, (*State).applyInquiry},
)

// workflow is what a workflow's file declares: its events, and the fold of
// them into the state (t is the ticket the event names, nil when none).
type workflow struct {
	events map[EventType]eventSpec
	apply  func(s *State, e *Event, t *Ticket)
}

// mergeSpecs joins the declarations of the workflows' files, each event
// with its workflow's fold.
func mergeSpecs(all ...workflow) map[EventType]eventSpec {
	out := map[EventType]eventSpec{}
	for _, w := range all {
		for t, s := range w.events {
			if _, ok := out[t]; ok {
				panic(fmt.Sprintf("queue: event type %s declared twice", t))
			}
			s.apply = w.apply
			out[t] = s
		}
	}
	return out
}

// Declared reports whether events of type t have a declared audience.
func Declared(t EventType) bool {
	_, ok := eventSpecs[t]
	return ok
}

// Hidden reports whether events of type t reach no public screen, not even
// their envelope (eventSpec.hidden).
func Hidden(t EventType) bool { return eventSpecs[t].hidden }

// Audience returns who may see e, an event folded into s (s is the state
// after it, or later). An event of an undeclared type has the empty
// audience: only device agents hear it.
func (s *State) Audience(e *Event) Audience {
	spec, ok := eventSpecs[e.Type]
	if !ok {
		return Audience{}
	}
	a := Audience{Public: true, Director: spec.director}
	if spec.hidden {
		// Only the director and whom more names: no screen, window or phone.
		a.Public = false
		if spec.more != nil {
			spec.more(s, e, &a)
		}
		return a
	}
	for _, w := range []int{e.Window, e.ToWindow} {
		if w != 0 && !slices.Contains(a.Windows, w) {
			a.Windows = append(a.Windows, w)
		}
	}
	if e.Ticket != "" {
		a.Tickets = append(a.Tickets, e.Ticket)
	}
	if spec.more != nil {
		spec.more(s, e, &a)
	}
	return a
}

// PublicFields returns the JSON names of the fields of an event of type t that
// a public screen gets: the envelope and the type's allowlist (the envelope
// alone for an undeclared type).
func PublicFields(t EventType) []string {
	return slices.Concat(envelopeFields, eventSpecs[t].public)
}

// eventFieldIndex maps the JSON name of an Event field, or of a field of an
// embedded payload, to its index (as encoding/json and AppendJSON flatten
// them).
var eventFieldIndex = func() map[string][]int {
	m := map[string][]int{}
	for _, st := range eventPlan {
		m[st.name] = st.index
	}
	return m
}()

// publicIndex holds, per declared type, the fields a public screen gets. A
// name in eventSpecs that is no field of Event, a whole payload or a private
// field panics at start (and in every test).
var publicIndex = func() map[EventType][]publicPath {
	m := map[EventType][]publicPath{}
	for t := range eventSpecs {
		for _, name := range PublicFields(t) {
			p, err := resolvePublic(name)
			if err != nil {
				panic(fmt.Sprintf("queue: public field of %s: %v", t, err))
			}
			m[t] = append(m[t], p)
		}
	}
	return m
}()

var envelopeIndex = func() []publicPath {
	var out []publicPath
	for _, name := range envelopeFields {
		out = append(out, publicPath{field: eventFieldIndex[name], sub: -1})
	}
	return out
}()

// PublicEvent returns what a public screen gets of e: a copy with only the
// envelope and the allowlisted fields of its type set.
func PublicEvent(e *Event) Event {
	var out Event
	idx, ok := publicIndex[e.Type]
	if !ok {
		idx = envelopeIndex
	}
	src, dst := reflect.ValueOf(e).Elem(), reflect.ValueOf(&out).Elem()
	for _, p := range idx {
		copyPublic(dst, src, p)
	}
	if out.Config != nil {
		out.Config = out.Config.Public()
	}
	return out
}

// TicketEvent returns what the phone page of ticket id gets of e: an event
// that lists tickets (the day's close) lists its own only.
func TicketEvent(e *Event, id string) Event {
	out := e.ForClients()
	if out.Tickets != nil {
		out.Tickets = []string{id}
	}
	return out
}

// ForClients returns e as any client but the duty director may get it:
// without the citizen's ID hash and the payloads' private fields (personal
// data), with the configuration's public part.
func (e *Event) ForClients() Event {
	out := e.ForDirector()
	clearPrivate(&out, false)
	return out
}

// ForDirector returns e as the duty director's console gets it: everything
// but the citizen's ID hash, with the configuration's public part.
func (e *Event) ForDirector() Event {
	out := *e
	clearPrivate(&out, true)
	if out.Config != nil {
		out.Config = out.Config.Public()
	}
	return out
}

// EventTypes lists the event types with a declared audience, sorted.
func EventTypes() []EventType {
	out := make([]EventType, 0, len(eventSpecs))
	for t := range eventSpecs {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
