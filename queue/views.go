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

// AvgServiceS is the mean of the service's recent service times, or its
// configured assumption before any was measured.
func (s *State) AvgServiceS(service string) int {
	r := s.Recent[service]
	if len(r) == 0 {
		if svc := s.Config.Service(service); svc != nil {
			return svc.AvgServiceS
		}
		return 300
	}
	sum := 0
	for _, d := range r {
		sum += d
	}
	return sum / len(r)
}

// ServingWindows counts the signed-in windows that serve service now; when none
// is staffed, the windows that have it as A (the estimate assumes they will be).
func (s *State) ServingWindows(service string) int {
	n, a := 0, 0
	for _, w := range s.Config.Windows {
		if s.peek(w.ID).Staff != "" && s.serves(w.ID, service) {
			n++
		}
		if slices.Contains(w.ServicesA, service) {
			a++
		}
	}
	if n == 0 {
		n = max(a, 1)
	}
	return n
}

// EstWait estimates the wait in seconds of a ticket with ahead people before it.
func (s *State) EstWait(service string, ahead int) int {
	return ahead * s.AvgServiceS(service) / s.ServingWindows(service)
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
}

// TicketView returns the view of ticket id (the zero view when there is none).
func (s *State) TicketView(id string) TicketView {
	t := s.Tickets[id]
	if t == nil {
		return TicketView{}
	}
	if t.State.Queued() {
		ahead := s.ahead(t)
		return s.ticketView(t, ahead, s.EstWait(t.Service, ahead))
	}
	return s.ticketView(t, 0, 0)
}

// ticketView is the view of t, with ahead tickets before it and an estimated
// wait of est seconds when it waits.
func (s *State) ticketView(t *Ticket, ahead, est int) TicketView {
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
		Return: v.Return, Priority: v.Priority, Rating: v.Rating}
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
	Issuing     bool     `json:"issuing"`
	BackupOpen  bool     `json:"backup_open"`
	Issued      int      `json:"issued"`
	DailyQuota  int      `json:"daily_quota,omitempty"`
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
		BackupOpen: b != nil && b.Open, Issued: s.Issued[code], DailyQuota: c.DailyQuota, Commitment: commitmentView(c.Commitment)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}
