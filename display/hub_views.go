package display

import (
	"slices"
	"strconv"
	"strings"
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
	numKinds
)

var kindNames = [numKinds]string{"hall", "window", "terminal", "kiosk", "evaluator", "phone", "agent"}

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
	case kindHall, kindKiosk:
		return stateKey{view: viewHall}
	case kindAgent:
		return stateKey{view: viewAgent}
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
	Hall        *queue.HallView           `json:"hall"`
	Whereabouts map[string]hubWhereabouts `json:"whereabouts,omitzero"`
}

// hubWhereabouts is a staff member's whereabouts as the hall board shows it.
type hubWhereabouts struct {
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
	Since  time.Time `json:"since"`
	Name   string    `json:"name"`
	NameEn string    `json:"name_en,omitempty"`
}

// hubWindowBody is a window screen's, evaluator's or terminal's view.
type hubWindowBody struct {
	Window queue.WindowView   `json:"window"`
	Queue  []queue.TicketView `json:"queue,omitzero"` // terminal only, [] when empty
}

// hubPhoneBody is a phone's view.
type hubPhoneBody struct {
	Ticket queue.TicketView `json:"ticket"`
}

// buildView returns the body of view k from st (hall: the hall view, for the
// hall kinds), and the service of a phone's ticket. It runs on the engine's
// goroutine and copies what it keeps, so the result may be encoded later.
func (h *Hub) buildView(st *queue.State, k stateKey, hall *queue.HallView) (any, string) {
	switch k.view {
	case viewHall:
		pub := *hall
		pub.Windows = slices.Clone(hall.Windows)
		for i := range pub.Windows {
			pub.Windows[i] = publicWindow(pub.Windows[i])
		}
		return hubHallBody{Hall: &pub, Whereabouts: whereabouts(st)}, ""
	case viewAgent:
		return hubHallBody{Hall: hall}, ""
	case viewWindow:
		return hubWindowBody{Window: publicWindow(copyWindow(st.WindowView(k.window)))}, ""
	case viewTerminal:
		q := st.Queue(k.window)
		if q == nil {
			q = []queue.TicketView{}
		}
		return hubWindowBody{Window: copyWindow(st.WindowView(k.window)), Queue: q}, ""
	default:
		v := st.TicketView(k.ticket)
		return hubPhoneBody{Ticket: v}, v.Service
	}
}

// copyWindow detaches a window view from the state (its Temporary slice is the
// state's own).
func copyWindow(w queue.WindowView) queue.WindowView {
	w.Temporary = slices.Clone(w.Temporary)
	return w
}

// publicWindow is w without its ticket's id and slip: a public screen shows
// numbers, never the keys to a ticket.
func publicWindow(w queue.WindowView) queue.WindowView {
	if w.Current != nil {
		t := *w.Current
		t.ID, t.Slip = "", ""
		w.Current = &t
	}
	return w
}

func whereabouts(st *queue.State) map[string]hubWhereabouts {
	m := make(map[string]hubWhereabouts, len(st.Where))
	for jobNo, w := range st.Where {
		v := hubWhereabouts{Status: w.Status, Note: w.Note, Since: w.Since}
		if s := st.Config.StaffByJobNo(jobNo); s != nil {
			v.Name, v.NameEn = s.Name, s.NameEn
		}
		m[jobNo] = v
	}
	return m
}

// hallView is what Engine.Hall answers, computed from st at now, so that it
// is consistent with st.Seq. (Engine.Hall is a separate look at the state.)
func (h *Hub) hallView(st *queue.State, now time.Time) queue.HallView {
	cfg := st.Config
	hall := cfg.Hall
	l := now.In(h.eng.Location())
	mins := l.Hour()*60 + l.Minute()
	open, closing, cutoff := hubMinutes(hall.Open), hubMinutes(hall.Close), hubMinutes(hall.IssueCutoff)
	v := queue.HallView{Name: hall.Name, NameEn: hall.NameEn, BusinessDay: st.Day, Open: mins >= open && mins < closing,
		Hours:  queue.HoursView{Open: hall.Open, Close: hall.Close, IssueCutoff: hall.IssueCutoff},
		Notice: hall.Notice, Services: make([]queue.ServiceView, len(cfg.Services)), Seq: st.Seq}
	for i := range cfg.Services {
		svc := &cfg.Services[i]
		sv := st.ServiceView(svc.Code)
		cut := cutoff
		if svc.IssueCutoff != "" {
			cut = hubMinutes(svc.IssueCutoff)
		}
		sv.Issuing = mins >= open && mins < cut && (svc.DailyQuota == 0 || st.Issued[svc.Code] < svc.DailyQuota)
		v.Services[i] = sv
	}
	v.Windows = st.WindowsView()
	for i := range v.Windows {
		v.Windows[i] = copyWindow(v.Windows[i])
	}
	return v
}

// hubMinutes reads "HH:MM" (validated by the configuration) as minutes.
func hubMinutes(s string) int {
	hh, mm, _ := strings.Cut(s, ":")
	a, _ := strconv.Atoi(hh)
	b, _ := strconv.Atoi(mm)
	return a*60 + b
}

// hubDirty says which phones' views a batch may have moved.
type hubDirty struct {
	all      bool
	services map[string]bool
	tickets  map[string]bool
}

// phoneDirty finds what evs change in phones' views: a ticket's own changes,
// and the position and estimate of everyone in the queues it touches. Events
// of the whole hall (staffing, backup, configuration, the day) move them all;
// events that touch no queue (whereabouts, devices, ratings, cases) none.
func phoneDirty(st *queue.State, evs []*hubEvent) hubDirty {
	d := hubDirty{services: map[string]bool{}, tickets: map[string]bool{}}
	for _, e := range evs {
		ev := &e.ev
		switch ev.Type {
		case queue.EvWhereabouts, queue.EvDeviceStatus, queue.EvRatingGiven, queue.EvRefusalAcked,
			queue.EvCaseWarned, queue.EvCaseDone, queue.EvCoverNeeded, queue.EvPostCovered, queue.EvSignoutAllowed:
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
