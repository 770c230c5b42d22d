package queue

// The calling workflow (叫号): a window calls the next ticket (or one out of
// order), calls it again, starts and finishes its service, skips a citizen
// who did not come, or transfers the ticket to another service or window.
// Its commands, its events (their audience and what a public screen gets of
// them), their fold, its views and its day roll-over are all here.

import (
	"cmp"
	"context"
	"time"
)

// The calling events.
const (
	EvTicketCalled    EventType = "ticket_called"      // Window, Ticket, Number, Service, OutOfOrder
	EvTicketRecalled  EventType = "ticket_recalled"    // Window, Ticket, Number, Count
	EvServiceStarted  EventType = "service_started"    // Window, Ticket
	EvServiceFinished EventType = "service_finished"   // Window, Ticket, Case, Due
	EvTicketNoShow    EventType = "ticket_no_show"     // Window, Ticket, Requeued
	EvTicketTransfer  EventType = "ticket_transferred" // Window, Ticket, Number, Service, ToService, ToWindow
)

// callEvents: who hears the calling events, and what a public screen gets of
// them (never the ticket's id or its case).
var callEvents = map[EventType]eventSpec{
	EvTicketCalled:    {public: []string{"number", "service", "out_of_order"}},
	EvTicketRecalled:  {public: []string{"number", "service", "count"}},
	EvServiceStarted:  {public: []string{"number", "service"}},
	EvServiceFinished: {public: []string{"number", "service", "due"}},
	EvTicketNoShow:    {public: []string{"number", "service", "requeued"}},
	EvTicketTransfer:  {public: []string{"number", "service", "to_service", "to_window"}},
}

// CallFields are what the calling events carry besides the common fields.
type CallFields struct {
	// ToService and ToWindow: where a transfer sends the ticket.
	ToService string `json:"to_service,omitempty"`
	ToWindow  int    `json:"to_window,omitempty"`
	// OutOfOrder: a call of a ticket chosen by hand, not the next in line.
	OutOfOrder bool `json:"out_of_order,omitempty"`
	// Requeued: a no-show put back in the queue, not ended.
	Requeued bool `json:"requeued,omitempty"`
}

// recentDurations is how many service times per service the estimate uses.
const recentDurations = 20

// applyCall folds a calling event; t is its ticket.
func (s *State) applyCall(e *Event, t *Ticket) {
	switch e.Type {
	case EvTicketCalled:
		w := s.window(e.Window)
		// The next citizen is called: the last one may no longer rate.
		w.Current, w.LastFinished = t.ID, ""
		s.setState(t, TicketCalled)
		t.Window, t.Staff, t.CalledAt, t.Calls = e.Window, w.Staff, e.At, 1
	case EvTicketRecalled:
		t.Calls++
	case EvServiceStarted:
		s.setState(t, TicketServing)
		t.StartedAt = e.At
	case EvServiceFinished:
		w := s.window(e.Window)
		w.Current, w.LastFinished = "", t.ID
		s.setState(t, TicketDone)
		t.FinishedAt = e.At
		if !t.StartedAt.IsZero() {
			r := append(s.Recent[t.Service], int(e.At.Sub(t.StartedAt)/time.Second))
			if len(r) > recentDurations {
				r = r[len(r)-recentDurations:]
			}
			s.Recent[t.Service] = r
		}
		if e.Case != "" {
			t.Case = e.Case
			s.Cases[e.Case] = &Case{ID: e.Case, Ticket: t.ID, Number: t.Number, Service: t.Service,
				Window: e.Window, Staff: t.Staff, Opened: e.At, Due: e.Due}
		}
	case EvTicketNoShow:
		s.window(e.Window).Current = ""
		t.NoShows++
		if e.Requeued {
			t.QueuedAt, t.QueueSeq, t.Window, t.Calls = e.At, e.Seq, 0, 0
			s.setState(t, TicketWaiting)
		} else {
			s.setState(t, TicketNoShow)
		}
	case EvTicketTransfer:
		if t.Window != 0 && s.window(t.Window).Current == t.ID {
			s.window(t.Window).Current = ""
		}
		if t.State.Queued() {
			s.dequeue(t)
		}
		if e.ToService != "" {
			t.Service = e.ToService
		}
		t.PinWindow, t.Window, t.Calls = e.ToWindow, 0, 0
		t.State = ""
		s.setState(t, TicketTransferred)
	}
}

// callDayClosed empties every window's hands when the day closes: the
// tickets there are cancelled, and nothing is left to rate.
func (s *State) callDayClosed() {
	for _, w := range s.Windows {
		w.Current, w.LastFinished = "", ""
	}
}

// CallNext calls the ticket that should go next at the window: return slips for
// this window first, then approved express, then the longest wait (credited with
// its priority class's head start) among the services the window serves now.
func (e *Engine) CallNext(ctx context.Context, actor string, window int) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		w, err := t.atWindow(window)
		if err != nil {
			return TicketView{}, err
		}
		if w.Current != "" {
			return TicketView{}, ErrWindowBusy
		}
		next := t.s.next(window)
		if next == nil {
			return TicketView{}, ErrQueueEmpty
		}
		t.emit(Event{Type: EvTicketCalled, Window: window, Ticket: next.ID, Number: next.Number, Service: next.Service})
		t.checkBackup(next.Service)
		return t.s.TicketView(next.ID), nil
	})
}

// Call calls one named ticket out of order; the event records that it was.
func (e *Engine) Call(ctx context.Context, actor string, window int, ticketID string) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		w, err := t.atWindow(window)
		if err != nil {
			return TicketView{}, err
		}
		if w.Current != "" {
			return TicketView{}, ErrWindowBusy
		}
		tk := t.s.Tickets[ticketID]
		if tk == nil {
			return TicketView{}, ErrUnknownTicket
		}
		if !tk.State.Queued() {
			return TicketView{}, Errorf(ErrWrongState.Code, "ticket %s is %s", tk.Number, tk.State)
		}
		if !t.s.servesTicket(window, tk) {
			return TicketView{}, ErrNotServedHere
		}
		t.emit(Event{Type: EvTicketCalled, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service,
			CallFields: CallFields{OutOfOrder: true}})
		t.checkBackup(tk.Service)
		return t.s.TicketView(tk.ID), nil
	})
}

// Recall announces the called ticket again.
func (e *Engine) Recall(ctx context.Context, actor string, window int) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		_, tk, err := t.current(window, TicketCalled)
		if err != nil {
			return TicketView{}, err
		}
		t.emit(Event{Type: EvTicketRecalled, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service, Count: tk.Calls + 1})
		return t.s.TicketView(tk.ID), nil
	})
}

// Start records that the called citizen has arrived and is being served.
func (e *Engine) Start(ctx context.Context, actor string, window int) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		_, tk, err := t.current(window, TicketCalled)
		if err != nil {
			return TicketView{}, err
		}
		t.emit(Event{Type: EvServiceStarted, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service})
		return t.s.TicketView(tk.ID), nil
	})
}

// FinishOptions open a case deadline (限时办结) for a matter accepted now and
// finished later: Due at the given time, or DueDefault for the end of the
// service's committed CaseDays-th working day after today (caseDue).
type FinishOptions struct {
	Due        time.Time
	DueDefault bool
}

// Finished is what Finish answers: the ticket, and the case it opened.
type Finished struct {
	Ticket TicketView `json:"ticket"`
	Case   *Case      `json:"case,omitempty"`
}

// Finish ends the service of the ticket in hand. A ticket only called is taken as
// started at once.
func (e *Engine) Finish(ctx context.Context, actor string, window int, o FinishOptions) (Finished, error) {
	return call(ctx, e, actor, func(t *tx) (Finished, error) {
		_, tk, err := t.current(window, TicketCalled, TicketServing)
		if err != nil {
			return Finished{}, err
		}
		due := o.Due
		if o.DueDefault {
			days := t.s.Config.Service(tk.Service).CaseDays
			if days <= 0 {
				return Finished{}, Errorf(ErrInvalid.Code, "service %s has no committed case days; give a due date", tk.Service).Say("no_case_days")
			}
			due = t.caseDue(days)
		}
		if !due.IsZero() && !due.After(t.now) {
			return Finished{}, Errorf(ErrInvalid.Code, "due date %s is not in the future", due.Format(time.RFC3339)).Say("due_past")
		}
		if tk.State == TicketCalled {
			t.emit(Event{Type: EvServiceStarted, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service})
		}
		ev := Event{Type: EvServiceFinished, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service}
		if !due.IsZero() {
			ev.Case, ev.Due = newCode(8, func(s string) bool { return t.s.Cases[s] != nil }), due
		}
		t.emit(ev)
		f := Finished{Ticket: t.s.TicketView(tk.ID)}
		if c := t.s.Cases[ev.Case]; c != nil {
			cc := *c
			f.Case = &cc
		}
		return f, nil
	})
}

// NoShow skips the called ticket whose citizen did not come. It goes back to the
// end of its queue while it has re-queues left (Rules.NoShowRequeue).
func (e *Engine) NoShow(ctx context.Context, actor string, window int) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		_, tk, err := t.current(window, TicketCalled)
		if err != nil {
			return TicketView{}, err
		}
		requeue := tk.NoShows < t.s.Config.Rules.NoShowRequeue
		t.emit(Event{Type: EvTicketNoShow, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service,
			CallFields: CallFields{Requeued: requeue}})
		t.checkBackup(tk.Service)
		return t.s.TicketView(tk.ID), nil
	})
}

// Transfer sends the ticket in hand to another service's queue, or to one
// window, keeping its original wait so that it is not sent to the back. A
// window takes it only while someone is signed in there and the window
// serves the service now (ErrWindowClosed, ErrServiceNotOffered).
func (e *Engine) Transfer(ctx context.Context, actor string, window int, service string, toWindow int) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		_, tk, err := t.current(window, TicketCalled, TicketServing)
		if err != nil {
			return TicketView{}, err
		}
		if service == "" && toWindow == 0 {
			return TicketView{}, Errorf(ErrInvalid.Code, "give a service or a window to transfer to")
		}
		if service != "" && t.s.Config.Service(service) == nil {
			return TicketView{}, Errorf(ErrUnknownService.Code, "no service %q", service)
		}
		if toWindow != 0 && t.s.Config.Window(toWindow) == nil {
			return TicketView{}, Errorf(ErrUnknownWindow.Code, "no window %d", toWindow)
		}
		if service == tk.Service && toWindow == 0 {
			return TicketView{}, Errorf(ErrInvalid.Code, "the ticket is already in service %s", service)
		}
		if toWindow == window {
			return TicketView{}, Errorf(ErrInvalid.Code, "the ticket is already at window %d", window)
		}
		if toWindow != 0 {
			// Only to an open window that serves the ticket's service (the
			// one it goes to) now: no ticket waits for a window that cannot
			// serve it.
			svc := cmp.Or(service, tk.Service)
			if t.s.peek(toWindow).Staff == "" {
				return TicketView{}, Errorf(ErrWindowClosed.Code, "nobody is signed in at window %d", toWindow)
			}
			if !t.s.serves(toWindow, svc) {
				return TicketView{}, Errorf(ErrServiceNotOffered.Code, "window %d does not serve %s now", toWindow, svc)
			}
		}
		to := service
		if to == tk.Service {
			to = ""
		}
		from := tk.Service
		t.emit(Event{Type: EvTicketTransfer, Window: window, Ticket: tk.ID, Number: tk.Number, Service: from,
			CallFields: CallFields{ToService: to, ToWindow: toWindow}})
		t.checkBackup(from)
		if to != "" {
			t.checkBackup(to)
		}
		return t.s.TicketView(tk.ID), nil
	})
}

// next is the ticket window id should call now, or nil.
func (s *State) next(id int) *Ticket {
	var best *Ticket
	lists := s.callable(id)
	for i, l := range lists {
		pinnedList := i == len(lists)-1
		for _, t := range l {
			if t.PinWindow != 0 && !pinnedList {
				continue // in the list of the window it is pinned to
			}
			if best == nil || s.before(t, best) {
				best = t
			}
			break
		}
	}
	return best
}

// Queue lists the tickets window id could call now, in the order it would call
// them, for the counter terminal. It merges the lists the window calls from,
// which are kept in calling order as events apply: no sorting, and each
// ticket's place is its index in its service's list.
func (s *State) Queue(id int) []TicketView {
	lists := s.callable(id)
	pos := make([]int, len(lists))
	n := 0
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
	type est struct {
		each, windows int
		none          bool // nobody serves the service now
	}
	ests := map[string]est{}
	out := make([]TicketView, 0, n)
	for {
		best := -1
		for i, l := range lists {
			for pos[i] < len(l) && i < len(lists)-1 && l[pos[i]].PinWindow != 0 {
				pos[i]++ // listed for the window it is pinned to
			}
			if pos[i] < len(l) && (best < 0 || s.before(l[pos[i]], lists[best][pos[best]])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		t := lists[best][pos[best]]
		pos[best]++
		var ahead int
		if best < len(lists)-1 {
			ahead = pos[best] - 1 // its index in its service's list
		} else {
			ahead = s.ahead(t)
		}
		e, ok := ests[t.Service]
		if !ok {
			e = est{s.ServiceTimeS(t.Service), s.estWindows(t.Service), s.ServingWindows(t.Service) == 0}
			ests[t.Service] = e
		}
		// A ticket pinned here waits for this window: no window when it is closed.
		none := e.none
		if t.PinWindow != 0 {
			none = s.peek(t.PinWindow).Staff == ""
		}
		out = append(out, s.ticketView(t, ahead, ahead*e.each/e.windows, none))
	}
	return out
}
