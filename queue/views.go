package queue

import (
	"slices"
	"time"
)

// serves reports whether window id serves service now: as A, as a temporary
// window, or as B while the service's backup is open.
func (s *State) serves(id int, service string) bool {
	w := s.Config.Window(id)
	if w == nil {
		return false
	}
	if slices.Contains(w.ServicesA, service) || slices.Contains(s.peek(id).Temporary, service) {
		return true
	}
	b := s.Backup[service]
	return b != nil && b.Open && slices.Contains(w.ServicesB, service)
}

// servesTicket reports whether window id may call tk: a ticket pinned to a window
// goes only there, any other to the windows that serve its service now.
func (s *State) servesTicket(id int, tk *Ticket) bool {
	if tk.PinWindow != 0 {
		return tk.PinWindow == id
	}
	return s.serves(id, tk.Service)
}

// before reports whether a goes before b: class, then the wait credited with the
// priority class's head start, then issue order.
func (s *State) before(a, b *Ticket) bool {
	if a.Class != b.Class {
		return a.Class < b.Class
	}
	ka, kb := s.waitKey(a), s.waitKey(b)
	if !ka.Equal(kb) {
		return ka.Before(kb)
	}
	return a.QueueSeq < b.QueueSeq
}

func (s *State) waitKey(t *Ticket) time.Time {
	if t.Class == ClassNormal && t.Priority != "" {
		if p := s.Config.Priority(t.Priority); p != nil {
			return t.QueuedAt.Add(-time.Duration(p.HeadStartS) * time.Second)
		}
	}
	return t.QueuedAt
}

// servedNow lists the services window id serves now (serves), each once.
func (s *State) servedNow(id int) []string {
	w := s.Config.Window(id)
	if w == nil {
		return nil
	}
	var out []string
	add := func(svc string) {
		if !slices.Contains(out, svc) {
			out = append(out, svc)
		}
	}
	for _, svc := range w.ServicesA {
		add(svc)
	}
	for _, svc := range s.peek(id).Temporary {
		add(svc)
	}
	for _, svc := range w.ServicesB {
		if b := s.Backup[svc]; b != nil && b.Open {
			add(svc)
		}
	}
	return out
}

// callable returns the lists window id calls from, each in calling order:
// its services' (where only the tickets not pinned to a window count) and,
// last, the tickets pinned to it.
func (s *State) callable(id int) [][]*Ticket {
	svcs := s.servedNow(id)
	lists := make([][]*Ticket, 0, len(svcs)+1)
	for _, svc := range svcs {
		lists = append(lists, s.queued[svc])
	}
	return append(lists, s.pinned[id])
}

// servable counts the waiting tickets window id could call now.
func (s *State) servable(id int) int {
	n := 0
	lists := s.callable(id)
	for i, l := range lists {
		if i == len(lists)-1 {
			n += len(l)
			break
		}
		for _, t := range l {
			if t.PinWindow == 0 {
				n++
			}
		}
	}
	return n
}

// ahead counts the waiting tickets of tk's service that go before it: its
// place in the service's list.
func (s *State) ahead(tk *Ticket) int {
	return s.place(s.queued[tk.Service], tk)
}

// measuredServices is how many measured service times the estimates wait
// for before they trust their median over the service's configured time:
// one quick service must not make a queue look empty.
const measuredServices = 5

// ServiceTimeS is the time one service of service takes, for the estimates:
// the median of its recent service times (the last recentDurations) once
// measuredServices are measured, else its configured time (Service.AvgServiceS).
// A median, so that one service of a second or of an hour moves it little.
func (s *State) ServiceTimeS(service string) int {
	r := s.Recent[service]
	if len(r) < measuredServices {
		if svc := s.Config.Service(service); svc != nil && svc.AvgServiceS > 0 {
			return svc.AvgServiceS
		}
		return 300
	}
	m := slices.Sorted(slices.Values(r))
	if n := len(m); n%2 == 0 {
		return (m[n/2-1] + m[n/2]) / 2
	}
	return m[len(m)/2]
}

// ServingWindows counts the windows with someone signed in that serve
// service now: 0 when nobody serves it ("暂无窗口办理").
func (s *State) ServingWindows(service string) int {
	n := 0
	for _, w := range s.Config.Windows {
		if s.peek(w.ID).Staff != "" && s.serves(w.ID, service) {
			n++
		}
	}
	return n
}

// estWindows is the windows the estimate shares a service's queue among:
// those serving it now, or when nobody does, those that have it as A (the
// estimate assumes they will be staffed; the views say that nobody serves
// it now).
func (s *State) estWindows(service string) int {
	if n := s.ServingWindows(service); n > 0 {
		return n
	}
	a := 0
	for _, w := range s.Config.Windows {
		if slices.Contains(w.ServicesA, service) {
			a++
		}
	}
	return max(a, 1)
}

// EstWait estimates the wait in seconds of a ticket with ahead people before
// it: ahead services of ServiceTimeS shared among the windows serving it.
func (s *State) EstWait(service string, ahead int) int {
	return ahead * s.ServiceTimeS(service) / s.estWindows(service)
}

// noWindow reports whether no window can call t now: the window it is bound
// to is closed, or nobody serves its service.
func (s *State) noWindow(t *Ticket) bool {
	if t.PinWindow != 0 {
		return s.peek(t.PinWindow).Staff == ""
	}
	return s.ServingWindows(t.Service) == 0
}

// Waiting counts the tickets waiting in service.
func (s *State) Waiting(service string) int { return len(s.queued[service]) }

// TicketView is a ticket as the API and the screens show it. It carries no
// personal data.
type TicketView struct {
	ID         string      `json:"id"`
	Number     string      `json:"number"`
	Service    string      `json:"service"`
	State      TicketState `json:"state"`
	Position   int         `json:"position"` // 1: next; 0 when not waiting
	Ahead      int         `json:"ahead"`
	EstWaitS   int         `json:"est_wait_s"`
	IssuedAt   time.Time   `json:"issued_at"`
	Window     int         `json:"window,omitempty"`
	WindowName string      `json:"window_name,omitempty"`
	// ForWindow is the one window a waiting ticket goes to (a return slip, a
	// transfer to a window).
	ForWindow     int    `json:"for_window,omitempty"`
	ForWindowName string `json:"for_window_name,omitempty"`
	Calls         int    `json:"calls,omitempty"`
	Express       bool   `json:"express,omitempty"`
	Return        bool   `json:"return,omitempty"`
	Priority      string `json:"priority,omitempty"`
	Slip          string `json:"slip,omitempty"`
	Rating        int    `json:"rating,omitempty"`
	// NoWindow: the ticket waits and no window can call it now (nobody
	// serves its service): screens say "暂无窗口办理", not a wait.
	NoWindow bool `json:"no_window,omitempty"`
}

// TicketView returns the view of ticket id (the zero view when there is none).
func (s *State) TicketView(id string) TicketView {
	t := s.Tickets[id]
	if t == nil {
		return TicketView{}
	}
	if t.State.Queued() {
		ahead := s.ahead(t)
		return s.ticketView(t, ahead, s.EstWait(t.Service, ahead), s.noWindow(t))
	}
	return s.ticketView(t, 0, 0, false)
}

// ticketView is the view of t, with ahead tickets before it and an estimated
// wait of est seconds when it waits, and whether no window can call it now.
func (s *State) ticketView(t *Ticket, ahead, est int, noWindow bool) TicketView {
	v := TicketView{ID: t.ID, Number: t.Number, Service: t.Service, State: t.State, IssuedAt: t.IssuedAt,
		Window: t.Window, Calls: t.Calls, Express: t.Class == ClassExpress, Return: t.Class == ClassReturn,
		Priority: t.Priority, Slip: t.Slip, Rating: t.Rating}
	if w := s.Config.Window(t.Window); w != nil && t.Window != 0 {
		v.WindowName = w.Name
	}
	if w := s.Config.Window(t.PinWindow); w != nil && t.State.Queued() {
		v.ForWindow, v.ForWindowName = w.ID, w.Name
	}
	if t.State.Queued() {
		v.Ahead = ahead
		v.Position = ahead + 1
		v.EstWaitS = est
		v.NoWindow = noWindow
	}
	return v
}

// StaffView is what the public may know of a staff member (公示).
type StaffView struct {
	JobNo  string `json:"job_no"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
	Photo  string `json:"photo,omitempty"`
}

// WindowView is a window as the API and the screens show it.
type WindowView struct {
	ID           int         `json:"id"`
	Name         string      `json:"name"`
	NameEn       string      `json:"name_en,omitempty"`
	ServicesA    []string    `json:"services_a"`
	ServicesB    []string    `json:"services_b"`
	BackupActive []string    `json:"backup_active"`
	Temporary    []string    `json:"temporary,omitempty"`
	Staff        *StaffView  `json:"staff"`
	Current      *TicketView `json:"current"`
	// State is closed (nobody signed in), idle, called, serving or away (the
	// staff member's whereabouts is not on duty).
	State     string `json:"state"`
	Uncovered bool   `json:"uncovered,omitempty"`
	// RateUntil, while the ticket just finished here awaits its rating, is
	// when the rating window closes (the evaluator shows its buttons until
	// then); a call here or the rating ends it.
	RateUntil time.Time `json:"rate_until,omitzero"`
}

// WindowView returns the view of window id.
func (s *State) WindowView(id int) WindowView {
	c := s.Config.Window(id)
	if c == nil {
		return WindowView{}
	}
	w := s.peek(id)
	v := WindowView{ID: id, Name: c.Name, NameEn: c.NameEn, ServicesA: nonNil(c.ServicesA), ServicesB: nonNil(c.ServicesB),
		BackupActive: []string{}, Temporary: slices.Clone(w.Temporary), State: "closed", Uncovered: !w.UncoveredSince.IsZero()}
	for _, b := range c.ServicesB {
		if bs := s.Backup[b]; bs != nil && bs.Open {
			v.BackupActive = append(v.BackupActive, b)
		}
	}
	if st := s.Config.StaffByJobNo(w.Staff); st != nil {
		v.Staff = &StaffView{JobNo: st.JobNo, Name: st.Name, NameEn: st.NameEn, Photo: st.Photo}
		v.State = "idle"
		if wh := s.Where[st.JobNo]; wh != nil && wh.Status != OnDuty {
			v.State = "away"
		}
	}
	if t := s.Tickets[w.LastFinished]; t != nil && t.Rating == 0 {
		v.RateUntil = t.FinishedAt.Add(s.Config.Rules.RatingWindow())
	}
	if t := s.Tickets[w.Current]; t != nil {
		tv := s.TicketView(t.ID)
		v.Current = &tv
		v.State = string(t.State)
	}
	return v
}

// Public returns the window as a public screen shows it: its ticket in hand
// in its public view.
func (v WindowView) Public() WindowView {
	if v.Current != nil {
		t := v.Current.Public()
		v.Current = &t
	}
	return v
}

// Public returns what a public screen (hall TV, kiosk, window screen,
// evaluator) shows of the ticket: an allowlist of its fields, never its id or
// slip, the keys to the ticket.
func (v TicketView) Public() TicketView {
	return TicketView{Number: v.Number, Service: v.Service, State: v.State, Position: v.Position, Ahead: v.Ahead,
		EstWaitS: v.EstWaitS, IssuedAt: v.IssuedAt, Window: v.Window, WindowName: v.WindowName,
		ForWindow: v.ForWindow, ForWindowName: v.ForWindowName, Calls: v.Calls, Express: v.Express,
		Return: v.Return, Priority: v.Priority, Rating: v.Rating, NoWindow: v.NoWindow}
}

// Windows returns every window's view, in configuration order.
func (s *State) WindowsView() []WindowView {
	out := make([]WindowView, len(s.Config.Windows))
	for i, w := range s.Config.Windows {
		out[i] = s.WindowView(w.ID)
	}
	return out
}

// ServiceView is a service as the kiosk and the API show it.
type ServiceView struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	NameEn      string   `json:"name_en,omitempty"`
	Prefix      string   `json:"prefix"`
	Materials   []string `json:"materials"`
	MaterialsEn []string `json:"materials_en,omitempty"`
	LimitS      int      `json:"limit_s"`
	CaseDays    int      `json:"case_days,omitempty"`
	Waiting     int      `json:"waiting"`
	EstWaitS    int      `json:"est_wait_s"`
	// ServingWindows counts the windows with someone signed in that serve
	// the service now; 0: nobody does ("暂无窗口办理"), whatever EstWaitS says.
	ServingWindows int  `json:"serving_windows"`
	Issuing        bool `json:"issuing"`
	BackupOpen     bool `json:"backup_open"`
	Issued         int  `json:"issued"`
	DailyQuota     int  `json:"daily_quota,omitempty"`
	// Commitment is the service's 服务承诺 (nil: none); Guide its
	// 一次性告知 besides the materials, in GET /api/services only.
	Commitment *Commitment `json:"commitment,omitempty"`
	Guide      *Guide      `json:"guide,omitempty"`
}

// ServiceView returns the view of service code. issuing is filled in by the
// caller that knows the time (ServicesView).
func (s *State) ServiceView(code string) ServiceView {
	c := s.Config.Service(code)
	if c == nil {
		return ServiceView{}
	}
	n := s.Waiting(code)
	b := s.Backup[code]
	return ServiceView{Code: c.Code, Name: c.Name, NameEn: c.NameEn, Prefix: c.Prefix, Materials: nonNil(c.Materials),
		MaterialsEn: c.MaterialsEn, LimitS: c.LimitS, CaseDays: c.CaseDays, Waiting: n, EstWaitS: s.EstWait(code, n),
		ServingWindows: s.ServingWindows(code),
		BackupOpen:     b != nil && b.Open, Issued: s.Issued[code], DailyQuota: c.DailyQuota, Commitment: commitmentView(c.Commitment)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// PhoneView is what a citizen's phone page shows of its own ticket: the
// ticket, and what happened to it — the missed calls that moved it back in
// the queue, its return slip (the code, the missing materials and the last
// day), a refusal's reason and legal basis. Only the ticket's own phone gets
// it (its id is the key); public screens never do.
type PhoneView struct {
	Ticket  TicketView    `json:"ticket"`
	NoShows int           `json:"no_shows,omitempty"`
	Slip    *SlipView     `json:"slip,omitempty"`
	Refusal *PhoneRefusal `json:"refusal,omitempty"`
	// ClosedDay is the business day whose close cancelled the ticket.
	ClosedDay string `json:"closed_day,omitempty"`
	// Case is the case deadline (限时办结) its matter went on to.
	Case *TicketCase `json:"case,omitempty"`
}

// PhoneRefusal is a refusal as the citizen is told it.
type PhoneRefusal struct {
	Reason string `json:"reason"`
	Basis  string `json:"basis"`
}

// PhoneView returns the phone view of ticket id (the zero view when there
// is none).
func (s *State) PhoneView(id string) PhoneView {
	t := s.Tickets[id]
	if t == nil {
		return PhoneView{}
	}
	v := PhoneView{Ticket: s.TicketView(id), NoShows: t.NoShows, Case: s.TicketCase(id)}
	if t.State == TicketCancelled && t.Day != s.Day {
		v.ClosedDay = t.Day
	}
	if t.State == TicketSuspended && s.Slips[t.Slip] != nil {
		sv := s.SlipView(t.Slip)
		v.Slip = &sv
	}
	if t.State == TicketRejected {
		for _, r := range s.Refusals {
			if r.Ticket == t.ID {
				v.Refusal = &PhoneRefusal{Reason: r.Reason, Basis: r.Basis}
			}
		}
	}
	return v
}
