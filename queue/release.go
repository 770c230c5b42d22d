package queue

// Releasing a window (director): a window left signed in by someone who is
// gone (the clerk went home, the terminal died) blocks the hall: nobody
// else can sign in there, and the ticket in hand waits for no one. The duty
// director releases it: the ticket in hand goes back to its queue in its
// place (unpinned, so that any window serving its service may call it), and
// the window is signed out, free for a colleague to take over. Its command,
// its event (its audience and what a public screen gets of it) and its fold
// are here.

import "context"

// The release event; a window_signed_out follows it.
const (
	EvWindowReleased EventType = "window_released" // Window, Staff (who was signed in), Ticket, Number (back in its queue)
)

// releaseEvents: who hears a release (the window, the ticket's phone, the
// director), and what a public screen gets of it.
var releaseEvents = map[EventType]eventSpec{
	EvWindowReleased: {public: []string{"number", "service"}, director: true},
}

// ErrNobodySignedIn: there is no one at the window to release.
var ErrNobodySignedIn = define(KindConflict, "nobody_signed_in", "nobody is signed in at this window")

// applyRelease folds a release: the ticket in hand back to its queue.
func (s *State) applyRelease(e *Event, t *Ticket) {
	w := s.window(e.Window)
	w.Current = ""
	if t != nil {
		t.Window, t.Staff, t.Calls, t.PinWindow = 0, "", 0, 0
		s.setState(t, TicketWaiting)
	}
}

// ReleaseWindow signs out whoever is signed in at window id (director),
// putting the ticket in hand back in its queue, in its place.
func (e *Engine) ReleaseWindow(ctx context.Context, actor string, id int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(id) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", id)
		}
		w := t.s.peek(id)
		if w.Staff == "" {
			return WindowView{}, Errorf(ErrNobodySignedIn.Code, "nobody is signed in at window %d", id)
		}
		staff := w.Staff
		ev := Event{Type: EvWindowReleased, Window: id, Staff: staff}
		if tk := t.s.Tickets[w.Current]; tk != nil {
			ev.Ticket, ev.Number, ev.Service = tk.ID, tk.Number, tk.Service
		}
		t.emit(ev)
		t.emit(Event{Type: EvSignedOut, Window: id, Staff: staff, Note: "released by the duty director"})
		return t.s.WindowView(id), nil
	})
}
