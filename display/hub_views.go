package display

import (
	"slices"
	"time"

	"qcall/queue"
)

// wsKind is what a websocket client is (?client=).
type wsKind uint8

const (
	kindHall      wsKind = iota // hall TV screen
	kindWindow                  // screen above window N
	kindTerminal                // counter terminal of window N (staff)
	kindKiosk                   // ticket kiosk
	kindEvaluator               // satisfaction tablet at window N
	kindPhone                   // a citizen's phone, for one ticket
	kindAgent                   // device agent (printers, LEDs, keypads, speakers)
	kindDirector                // the duty director's console
	kindStaff                   // a staff member's terminal at no window: the hall, and their own alerts
	numKinds
)

var kindNames = [numKinds]string{"hall", "window", "terminal", "kiosk", "evaluator", "phone", "agent", "director", "staff"}

func (k wsKind) String() string { return kindNames[k] }

func parseKind(s string) (wsKind, bool) {
	i := slices.Index(kindNames[:], s)
	return wsKind(i), i >= 0
}

// kindRoles says which roles may open which kind of client. A phone needs no
// role: its ticket id is its key.
var kindRoles = [numKinds][]queue.Role{
	kindHall:      {queue.RoleDisplay, queue.RoleDirector, queue.RoleAdmin},
	kindWindow:    {queue.RoleDisplay, queue.RoleEvaluator, queue.RoleAgent, queue.RoleStaff, queue.RoleDirector},
	kindEvaluator: {queue.RoleDisplay, queue.RoleEvaluator, queue.RoleAgent, queue.RoleStaff, queue.RoleDirector},
	kindTerminal:  {queue.RoleStaff, queue.RoleDirector},
	kindKiosk:     {queue.RoleKiosk, queue.RoleAgent},
	kindAgent:     {queue.RoleAgent},
	kindDirector:  {queue.RoleDirector, queue.RoleAdmin},
	kindStaff:     {queue.RoleStaff, queue.RoleDirector},
}

// listenerKinds says what each kind of client is to the hall's rules of who
// hears which event (queue.Audience).
var listenerKinds = [numKinds]queue.ListenerKind{
	kindHall:      queue.ListenPublic,
	kindKiosk:     queue.ListenPublic,
	kindWindow:    queue.ListenWindow,
	kindEvaluator: queue.ListenWindow,
	kindTerminal:  queue.ListenTerminal,
	kindPhone:     queue.ListenPhone,
	kindAgent:     queue.ListenAgent,
	kindDirector:  queue.ListenDirector,
	kindStaff:     queue.ListenStaff,
}

// needsWindow reports whether the kind is for one window (?window=).
func (k wsKind) needsWindow() bool {
	return k == kindWindow || k == kindTerminal || k == kindEvaluator
}

// viewKind is the shape of a client's snapshot and state messages.
type viewKind uint8

const (
	viewHall     viewKind = iota // hall + whereabouts, without ticket ids (hall screen, kiosk)
	viewAgent                    // hall, with ids
	viewWindow                   // one window, without ticket ids (window screen, evaluator)
	viewTerminal                 // one window and its queue
	viewPhone                    // one ticket
	viewDirector                 // hall, with ids, and what waits for the director
)

// stateKey names one distinct view: clients with the same key share one
// encoding of each state.
type stateKey struct {
	view   viewKind
	window int
	ticket string
}

func keyOf(k wsKind, window int, ticket string) stateKey {
	switch k {
	case kindHall, kindKiosk, kindStaff:
		return stateKey{view: viewHall}
	case kindAgent:
		return stateKey{view: viewAgent}
	case kindDirector:
		return stateKey{view: viewDirector}
	case kindWindow, kindEvaluator:
		return stateKey{view: viewWindow, window: window}
	case kindTerminal:
		return stateKey{view: viewTerminal, window: window}
	default:
		return stateKey{view: viewPhone, ticket: ticket}
	}
}

// The languages of calls (window_name, voice_url), by index.
var hubLangs = [2]string{"zh-CN", "en"}

// hubHallBody is the hall view: the hall screen's and kiosk's (with the staff
// whereabouts board) and the agent's.
type hubHallBody struct {
	Hall        *queue.HallView                  `json:"hall"`
	Whereabouts map[string]queue.WhereaboutsView `json:"whereabouts,omitzero"`
}

// hubDirectorBody is the director console's view: the hall, and what waits
// for the director.
type hubDirectorBody struct {
	Hall    *queue.HallView `json:"hall"`
	Pending queue.Pending   `json:"pending"`
	// Alerts are what needs the director now, loudest first.
	Alerts []queue.Alert `json:"alerts"`
}

// hubWindowBody is a window screen's, evaluator's or terminal's view.
type hubWindowBody struct {
	Window queue.WindowView   `json:"window"`
	Queue  []queue.TicketView `json:"queue,omitzero"` // terminal only, [] when empty
}

// hubPhoneBody is a phone's view.
type hubPhoneBody = queue.PhoneView

// buildView returns the body of view k from the read model m (hall: its hall
// view, for the views that show the hall), and the service of a phone's
// ticket. It runs on the hub's goroutines under viewMu, and the result holds
// nothing of the model, so it may be encoded later. Every view is queue's:
// the hub only picks which one a client gets.
func buildView(m *queue.ReadModel, k stateKey, hall *queue.HallView, now time.Time) (any, string) {
	st := m.State()
	switch k.view {
	case viewHall:
		pub := hall.Public()
		return hubHallBody{Hall: &pub, Whereabouts: st.Whereabouts()}, ""
	case viewAgent:
		return hubHallBody{Hall: hall}, ""
	case viewDirector:
		return hubDirectorBody{Hall: hall, Pending: st.Pending(), Alerts: m.Alerts(now)}, ""
	case viewWindow:
		return hubWindowBody{Window: st.WindowView(k.window).Public()}, ""
	case viewTerminal:
		q := st.Queue(k.window)
		if q == nil {
			q = []queue.TicketView{}
		}
		return hubWindowBody{Window: st.WindowView(k.window), Queue: q}, ""
	default:
		v := st.PhoneView(k.ticket)
		return v, v.Ticket.Service
	}
}

// showsHall reports whether view k shows the hall (built once a round).
func (k stateKey) showsHall() bool {
	return k.view == viewHall || k.view == viewAgent || k.view == viewDirector
}

// hubDirty says which phones' and terminals' views a batch may have moved.
type hubDirty struct {
	all       bool // every phone's view
	terminals bool // every terminal's view: an event of no one ticket
	services  map[string]bool
	tickets   map[string]bool
	windows   map[int]bool // windows named by an event (window, to_window)
}

// phoneDirty finds what evs change in phones' and terminals' views: a ticket's own changes,
// and the position and estimate of everyone in the queues it touches. Events
// of the whole hall (staffing, backup, configuration, the day) move them all;
// events that touch no queue (whereabouts, devices, ratings, cases) none.
func phoneDirty(st *queue.State, evs []*hubEvent) hubDirty {
	d := hubDirty{services: map[string]bool{}, tickets: map[string]bool{}, windows: map[int]bool{}}
	for _, e := range evs {
		ev := &e.ev
		d.windows[ev.Window], d.windows[ev.ToWindow] = true, true
		if ev.Ticket == "" || len(ev.Tickets) > 0 {
			d.terminals = true
		}
		switch ev.Type {
		case queue.EvWhereabouts, queue.EvDeviceStatus, queue.EvRatingGiven, queue.EvRefusalAcked,
			queue.EvFollowupOpened, queue.EvFollowupAssigned, queue.EvFollowupClosed, queue.EvFollowupAppealed, queue.EvAppealDecided,
			queue.EvCaseWarned, queue.EvCaseDone, queue.EvCoverNeeded, queue.EvPostCovered, queue.EvSignoutAllowed,
			queue.EvInquiryLogged:
			if ev.Ticket != "" {
				d.tickets[ev.Ticket] = true
			}
			continue
		}
		if ev.Ticket == "" {
			d.all = true
			continue
		}
		d.tickets[ev.Ticket] = true
		if t := st.Tickets[ev.Ticket]; t != nil {
			d.services[t.Service] = true
		}
		d.services[ev.Service] = true
		d.services[ev.ToService] = true
	}
	return d
}

// terminalMoved reports whether the events of d may have changed the
// terminal view of window id: an event of no one ticket (staffing, backup,
// configuration, whereabouts, the day) or naming the window, or one of a
// ticket the window has (or had) in hand, that is pinned to it, or that is in
// a service it calls from (a call elsewhere moves everyone's place behind it).
// Otherwise the view is what it was, and is not built again.
func terminalMoved(st *queue.State, id int, d *hubDirty) bool {
	if d.all || d.terminals || d.windows[id] {
		return true
	}
	w := st.WindowView(id)
	if w.Current != nil && d.tickets[w.Current.ID] {
		return true
	}
	calls := func(service string) bool {
		return slices.Contains(w.ServicesA, service) || slices.Contains(w.Temporary, service) ||
			slices.Contains(w.BackupActive, service)
	}
	for svc := range d.services {
		if calls(svc) {
			return true
		}
	}
	for tid := range d.tickets {
		t := st.Tickets[tid]
		if t == nil || t.PinWindow == id || t.Window == id || calls(t.Service) {
			return true
		}
	}
	return false
}

// appendTerminal appends the JSON of a terminal's view b (b.Queue not nil),
// the very bytes json.Marshal gives for it: its rows, the bulk of it, through
// queue's hand-written encoder of ticket views.
func appendTerminal(out []byte, b *hubWindowBody) []byte {
	out = append(out, `{"window":`...)
	out = append(out, mustJSON(b.Window)...)
	out = append(out, `,"queue":[`...)
	for i := range b.Queue {
		if i > 0 {
			out = append(out, ',')
		}
		n := len(out)
		if out = b.Queue[i].AppendJSON(out, true); len(out) == n {
			// A time encoding/json refuses (never on a real ticket): the
			// encoder writes nothing, encoding/json tells why.
			mustJSON(b.Queue[i])
		}
	}
	return append(out, "]}"...)
}
