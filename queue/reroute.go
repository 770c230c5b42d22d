package queue

// The re-routing workflow: no ticket waits for a window that cannot serve
// it. A ticket bound to one window (a return slip, a transfer to a window)
// goes back to its service's queue, in its place, when that window closes:
// its staff signs out, or the duty director releases a window left signed in
// with nobody there. The director hears of every ticket re-routed. Its
// command, its events (their audience and what a public screen gets of
// them) and their fold are here; Transfer (call.go) and ReturnSlip (slip.go)
// bind a ticket only to an open window.

import (
	"context"
	"time"
)

// The re-routing events.
const (
	// EvTicketsRerouted: the Tickets bound to Window, which closed, wait in
	// their services' queues now, each in its place.
	EvTicketsRerouted EventType = "tickets_rerouted" // Window, Tickets
	// EvWindowReleased: the director signed Staff out of Window; the ticket
	// that was in hand there (Ticket, when there was one) waits again in its
	// place.
	EvWindowReleased EventType = "window_released" // Window, Staff, Ticket
)

// rerouteEvents: who hears the re-routing events (the director; the phones
// of the tickets moved), and what a public screen gets of them.
var rerouteEvents = map[EventType]eventSpec{
	EvTicketsRerouted: {public: []string{}, director: true,
		more: func(_ *State, e *Event, a *Audience) { a.Tickets = append(a.Tickets, e.Tickets...) }},
	EvWindowReleased: {public: []string{"staff"}, director: true},
}

// applyReroute folds a re-routing event; t is its ticket.
func (s *State) applyReroute(e *Event, t *Ticket) {
	switch e.Type {
	case EvTicketsRerouted:
		for _, id := range e.Tickets {
			tk := s.Tickets[id]
			if tk == nil || !tk.State.Queued() || tk.PinWindow != e.Window {
				continue
			}
			// Its place (class, wait, queue seq) is kept: only the window
			// it waited for goes.
			s.dequeue(tk)
			tk.PinWindow = 0
			s.enqueue(tk)
		}
	case EvWindowReleased:
		w := s.window(e.Window)
		w.Staff, w.SignedInAt, w.AllowSignout = "", time.Time{}, false
		if t != nil {
			w.Current = ""
			t.Window, t.Staff, t.Calls, t.CalledAt, t.StartedAt = 0, "", 0, time.Time{}, time.Time{}
			s.setState(t, TicketWaiting)
		}
	}
}

// reroute sends the tickets bound to window id, which has just closed, back
// to their services' queues, and tells the director.
func (t *tx) reroute(id int) {
	var ids []string
	for _, tk := range t.s.pinned[id] {
		ids = append(ids, tk.ID)
	}
	if len(ids) == 0 {
		return
	}
	t.emit(Event{Type: EvTicketsRerouted, Window: id, Tickets: ids})
}

// ReleaseWindow signs out whoever is signed in at the window (the duty
// director, for a window left signed in with nobody there): the ticket in
// hand waits again in its place, the tickets bound to the window go back to
// their services' queues, and someone else may sign in. ErrWindowClosed when
// nobody is signed in there.
func (e *Engine) ReleaseWindow(ctx context.Context, actor string, window int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(window) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		w := t.s.peek(window)
		if w.Staff == "" {
			return WindowView{}, Errorf(ErrWindowClosed.Code, "nobody is signed in at window %d", window)
		}
		ev := Event{Type: EvWindowReleased, Window: window, Staff: w.Staff}
		var svc string
		if tk := t.s.Tickets[w.Current]; tk != nil {
			ev.Ticket, ev.Number, ev.Service, svc = tk.ID, tk.Number, tk.Service, tk.Service
		}
		t.emit(ev)
		t.reroute(window)
		if svc != "" {
			t.checkBackup(svc)
		}
		return t.s.WindowView(window), nil
	})
}
