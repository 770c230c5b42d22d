package queue

import (
	"context"
	"slices"
	"time"
)

// afterCutoff reports whether the hall has stopped issuing for the day (延时服务).
func (t *tx) afterCutoff() bool {
	cut, _ := clockMinutes(t.s.Config.Hall.IssueCutoff)
	return t.clock() >= cut
}

// atWindow checks that the actor is signed in at window id and returns its state.
func (t *tx) atWindow(id int) (*WindowState, error) {
	if t.s.Config.Window(id) == nil {
		return nil, Errorf(ErrUnknownWindow.Code, "no window %d", id)
	}
	w := t.s.peek(id)
	if w.Staff == "" || w.Staff != t.actor {
		return nil, ErrNotSignedIn
	}
	return w, nil
}

// current returns the ticket in hand at the actor's window, in one of states.
func (t *tx) current(id int, states ...TicketState) (*WindowState, *Ticket, error) {
	w, err := t.atWindow(id)
	if err != nil {
		return nil, nil, err
	}
	tk := t.s.Tickets[w.Current]
	if tk == nil {
		return nil, nil, ErrNoCurrentTicket
	}
	if !slices.Contains(states, tk.State) {
		return nil, nil, Errorf(ErrWrongState.Code, "ticket %s is %s", tk.Number, tk.State)
	}
	return w, tk, nil
}

// SignIn puts the actor at the window. A B-post holder takes over from an A-post
// holder who is away; signing in elsewhere first signs out of the old window.
func (e *Engine) SignIn(ctx context.Context, actor string, window int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(window) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		st := t.s.Config.StaffByJobNo(actor)
		if st == nil {
			return WindowView{}, ErrUnknownStaff
		}
		w := t.s.peek(window)
		if w.Staff == actor {
			return t.s.WindowView(window), nil
		}
		takeover := false
		if w.Staff != "" {
			away := t.s.Where[w.Staff] != nil && t.s.Where[w.Staff].Status != OnDuty
			if !away || !slices.Contains(st.PostsB, window) {
				return WindowView{}, ErrWindowTaken
			}
			if w.Current != "" {
				return WindowView{}, ErrWindowBusy
			}
			takeover = true
		}
		var old *WindowState
		for _, id := range sortedKeys(t.s.Windows) {
			if o := t.s.Windows[id]; o.Staff == actor {
				if o.Current != "" {
					return WindowView{}, Errorf(ErrWindowBusy.Code, "finish the ticket in hand at window %d first", id)
				}
				old = o
			}
		}
		if old != nil {
			t.emit(Event{Type: EvSignedOut, Window: old.ID, Staff: actor})
		}
		if takeover {
			t.emit(Event{Type: EvSignedOut, Window: window, Staff: w.Staff, Note: "taken over by B-post " + actor})
		}
		t.emit(Event{Type: EvSignedIn, Window: window, Staff: actor})
		if !w.UncoveredSince.IsZero() {
			t.emit(Event{Type: EvPostCovered, Window: window, Staff: actor, UncoveredS: int(t.now.Sub(w.UncoveredSince) / time.Second)})
		}
		return t.s.WindowView(window), nil
	})
}

// SignOut takes the actor off the window. After the issuing cut-off it is
// refused while tickets the window can serve are waiting, unless the director
// has allowed it (延时服务).
func (e *Engine) SignOut(ctx context.Context, actor string, window int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		w, err := t.atWindow(window)
		if err != nil {
			return WindowView{}, err
		}
		if w.Current != "" {
			return WindowView{}, ErrWindowBusy
		}
		if t.afterCutoff() && !w.AllowSignout {
			if n := t.s.servable(window); n > 0 {
				return WindowView{}, Errorf(ErrTicketsWaiting.Code, "%d tickets this window can serve are waiting", n)
			}
		}
		t.emit(Event{Type: EvSignedOut, Window: window, Staff: actor})
		return t.s.WindowView(window), nil
	})
}

// AllowSignout lets the window's staff sign out although tickets wait (director).
func (e *Engine) AllowSignout(ctx context.Context, actor string, window int) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(window) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		t.emit(Event{Type: EvSignoutAllowed, Window: window})
		return t.s.WindowView(window), nil
	})
}

// OpenTemporary makes a window serve services as A for now (临时窗口); no services
// closes it again.
func (e *Engine) OpenTemporary(ctx context.Context, actor string, window int, services []string) (WindowView, error) {
	return call(ctx, e, actor, func(t *tx) (WindowView, error) {
		if t.s.Config.Window(window) == nil {
			return WindowView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		for _, s := range services {
			if t.s.Config.Service(s) == nil {
				return WindowView{}, Errorf(ErrUnknownService.Code, "no service %q", s)
			}
		}
		if len(services) == 0 {
			t.emit(Event{Type: EvTempClosed, Window: window})
		} else {
			t.emit(Event{Type: EvTempOpened, Window: window, Services: slices.Compact(slices.Sorted(slices.Values(services)))})
		}
		return t.s.WindowView(window), nil
	})
}
