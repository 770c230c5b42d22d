package queue

import (
	"context"
	"slices"
	"strings"
	"time"
)

// HallView is the hall as GET /api/hall shows it.
type HallView struct {
	Name        string        `json:"name"`
	NameEn      string        `json:"name_en,omitempty"`
	BusinessDay string        `json:"business_day"`
	Open        bool          `json:"open"`
	Hours       HoursView     `json:"hours"`
	Notice      string        `json:"notice,omitempty"`
	Services    []ServiceView `json:"services"`
	Windows     []WindowView  `json:"windows"`
	// Recent are the day's latest calls, newest first (at most RecentCalls):
	// what a hall screen shows below the call in large, also after a reload.
	Recent []CallView `json:"recent"`
	Seq    uint64     `json:"seq"`
}

// RecentCalls is how many calls HallView.Recent holds.
const RecentCalls = 5

// CallView is one call made in the hall today: the number and the window
// it was called to, and when.
type CallView struct {
	Number string    `json:"number"`
	Window int       `json:"window"`
	At     time.Time `json:"at"`
}

// recentCalls returns the latest calls of the date of now in the hall's time
// zone loc, newest first: the tickets called that day to a window they are
// still at or were served at (one moved back to the queue or transferred has
// left its window).
func (s *State) recentCalls(now time.Time, loc *time.Location) []CallView {
	y, m, d := now.In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	out := make([]CallView, 0, RecentCalls+1)
	for _, t := range s.Tickets {
		if t.Window == 0 || t.CalledAt.Before(from) {
			continue
		}
		c := CallView{Number: t.Number, Window: t.Window, At: t.CalledAt}
		i, _ := slices.BinarySearchFunc(out, c, func(a, b CallView) int {
			if d := b.At.Compare(a.At); d != 0 { // newest first
				return d
			}
			return strings.Compare(a.Number, b.Number)
		})
		if i >= RecentCalls {
			continue
		}
		out = slices.Insert(out, i, c)
		if len(out) > RecentCalls {
			out = out[:RecentCalls]
		}
	}
	return out
}

// HoursView are the hall's hours.
type HoursView struct {
	Open        string `json:"open"`
	Close       string `json:"close"`
	IssueCutoff string `json:"issue_cutoff"`
}

// read runs fn with the committed state and a tx that knows the time.
func read[T any](ctx context.Context, e *Engine, fn func(*tx) (T, error)) (T, error) {
	r, err := e.do(ctx, "", true, func(t *tx) (any, error) {
		t.now = e.now()
		return fn(t)
	})
	v, _ := r.(T)
	return v, err
}

// servicesView lists the services at minute of the day mins.
func (s *State) servicesView(mins int) []ServiceView {
	out := make([]ServiceView, len(s.Config.Services))
	for i := range s.Config.Services {
		svc := &s.Config.Services[i]
		out[i] = s.ServiceView(svc.Code)
		out[i].Issuing = s.issuingAt(svc, mins) && (svc.DailyQuota == 0 || s.Issued[svc.Code] < svc.DailyQuota)
	}
	return out
}

func (t *tx) servicesView() []ServiceView { return t.s.servicesView(t.clock()) }

// serviceView is service's entry of servicesView: whether it issues now
// included, as GET /api/services says it.
func (t *tx) serviceView(service string) ServiceView {
	for _, v := range t.servicesView() {
		if v.Code == service {
			return v
		}
	}
	return ServiceView{}
}

// Hall returns the hall at now, in the hall's time zone loc: its day, whether
// it is open, its services (issuing or not) and windows. It is what
// Engine.Hall answers, and the hall screens' view.
func (s *State) Hall(now time.Time, loc *time.Location) HallView {
	h := s.Config.Hall
	open, _ := clockMinutes(h.Open)
	closing, _ := clockMinutes(h.Close)
	mins := minuteOfDay(now, loc)
	return HallView{Name: h.Name, NameEn: h.NameEn, BusinessDay: s.Day, Open: mins >= open && mins < closing,
		Hours:    HoursView{Open: h.Open, Close: h.Close, IssueCutoff: h.IssueCutoff},
		Notice:   h.Notice,
		Services: s.servicesView(mins), Windows: s.WindowsView(), Recent: s.recentCalls(now, loc), Seq: s.Seq}
}

// Public returns the hall as a public screen shows it: each window's ticket
// in hand in its public view (TicketView.Public).
func (v HallView) Public() HallView {
	v.Windows = slices.Clone(v.Windows)
	for i := range v.Windows {
		v.Windows[i] = v.Windows[i].Public()
	}
	return v
}

// Hall returns the hall.
func (e *Engine) Hall(ctx context.Context) (HallView, error) {
	return read(ctx, e, func(t *tx) (HallView, error) { return t.s.Hall(t.now, t.e.loc), nil })
}

// Services returns every service with its queue length, estimated wait,
// whether it issues tickets now, and its guide (一次性告知).
func (e *Engine) Services(ctx context.Context) ([]ServiceView, error) {
	return read(ctx, e, func(t *tx) ([]ServiceView, error) { return withGuides(t.s.Config, t.servicesView()), nil })
}

// Windows returns every window's view.
func (e *Engine) Windows(ctx context.Context) ([]WindowView, error) {
	return read(ctx, e, func(t *tx) ([]WindowView, error) { return t.s.WindowsView(), nil })
}

// Ticket returns ticket id's view, or ErrUnknownTicket.
func (e *Engine) Ticket(ctx context.Context, id string) (TicketView, error) {
	return read(ctx, e, func(t *tx) (TicketView, error) {
		if t.s.Tickets[id] == nil {
			return TicketView{}, ErrUnknownTicket
		}
		return t.s.TicketView(id), nil
	})
}

// Queue returns the tickets window id could call now, in calling order.
func (e *Engine) Queue(ctx context.Context, window int) ([]TicketView, error) {
	return read(ctx, e, func(t *tx) ([]TicketView, error) {
		if t.s.Config.Window(window) == nil {
			return nil, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		return t.s.Queue(window), nil
	})
}

// Config returns a copy of the hall configuration in force.
func (e *Engine) Config(ctx context.Context) (*Config, error) {
	return read(ctx, e, func(t *tx) (*Config, error) { return t.s.Config.clone(), nil })
}

// CurrentConfig returns the configuration in force without a trip through the
// engine goroutine, for the hot paths (authenticating every request). The
// returned value is shared: callers must not modify it; use Config for a copy.
func (e *Engine) CurrentConfig() *Config { return e.config.Load() }

// Location is the hall's time zone, which business days and hours are in.
func (e *Engine) Location() *time.Location { return e.loc }

// Now is the engine's clock reading.
func (e *Engine) Now() time.Time { return e.opts.Clock.Now() }

// now is the clock's reading in the hall's time zone: every time the engine
// records (events, tickets, cases, slips) is in the zone of its business
// day, as its deadlines are, never a mix of the server's zone and the hall's.
// Before the zone is known (the first configuration), the clock's own.
func (e *Engine) now() time.Time {
	t := e.opts.Clock.Now()
	if e.loc != nil {
		t = t.In(e.loc)
	}
	return t
}

// Seq is the seq of the newest committed event.
func (e *Engine) Seq(ctx context.Context) (uint64, error) {
	return read(ctx, e, func(t *tx) (uint64, error) { return t.s.Seq, nil })
}

// Events pages the committed events from the store (seq > after, at most
// limit). Config events come without secrets; citizen ID hashes stay (a
// client gets Event.ForClients).
func (e *Engine) Events(after uint64, limit int) ([]Event, error) {
	evs, err := e.store.Events(after, limit)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		if evs[i].Config != nil {
			evs[i].Config = evs[i].Config.Public()
		}
	}
	return evs, nil
}

// Pending lists what waits for the duty director: express requests not decided,
// refusals not acknowledged, cases not done.
type Pending struct {
	Express  []ExpressRequest       `json:"express"`
	Refusals []Refusal              `json:"refusals"`
	Cases    []Case                 `json:"cases"`
	Devices  map[string]DeviceState `json:"devices"`
	// Followups are the follow-ups open or with an appeal to decide.
	Followups []FollowupRecord `json:"followups"`
}

// Pending returns what waits for the duty director, oldest first.
func (e *Engine) Pending(ctx context.Context) (Pending, error) {
	return read(ctx, e, func(t *tx) (Pending, error) { return t.s.Pending(), nil })
}

// Pending returns what waits for the duty director, oldest first: the
// director console's work.
func (s *State) Pending() Pending {
	return Pending{Express: s.pendingExpress(), Refusals: s.pendingRefusals(), Cases: s.pendingCases(),
		Devices: s.pendingDevices(), Followups: s.pendingFollowups()}
}
