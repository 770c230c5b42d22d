package queue

// The posts workflow (AB岗, 签到): staff sign in and out at windows; a B-post
// holder covers for an A-post holder who is away, and the time a window
// stood uncovered is recorded; after the issuing cut-off a window signs out
// only when its queue is empty or the director allows it (延时服务); the
// director opens temporary windows (临时窗口). Its commands, its events
// (their audience and what a public screen gets of them), their fold and
// its day roll-over are all here; the windows' views are views.go's.

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// The posts events.
const (
	EvSignedIn       EventType = "window_signed_in"        // Window, Staff
	EvSignedOut      EventType = "window_signed_out"       // Window, Staff, Note
	EvSignoutAllowed EventType = "signout_allowed"         // Window
	EvCoverNeeded    EventType = "cover_needed"            // Window, Staff (A holder away), Cover (B holders)
	EvPostCovered    EventType = "post_covered"            // Window, Staff (who covers), UncoveredS
	EvTempOpened     EventType = "temporary_window_opened" // Window, Services
	EvTempClosed     EventType = "temporary_window_closed" // Window
)

// postsEvents: who hears the posts events, and what a public screen gets of
// them. A cover request goes to the terminals of the B-post holders asked.
var postsEvents = map[EventType]eventSpec{
	EvSignedIn:       {public: []string{"staff"}},
	EvSignedOut:      {public: []string{"staff", "note"}},
	EvSignoutAllowed: {public: []string{}, director: true},
	EvCoverNeeded: {public: []string{"staff", "cover"}, director: true,
		more: func(_ *State, e *Event, a *Audience) { a.Staff = append(a.Staff, e.Cover...) }},
	EvPostCovered: {public: []string{"staff", "uncovered_s"}, director: true},
	EvTempOpened:  {public: []string{"services"}, director: true},
	EvTempClosed:  {public: []string{}, director: true},
}

// applyPosts folds a posts event.
func (s *State) applyPosts(e *Event, _ *Ticket) {
	switch e.Type {
	case EvTempOpened:
		s.window(e.Window).Temporary = slices.Clone(e.Services)
	case EvTempClosed:
		s.window(e.Window).Temporary = nil
	case EvSignedIn:
		w := s.window(e.Window)
		w.Staff, w.SignedInAt, w.AllowSignout = e.Staff, e.At, false
	case EvSignedOut:
		w := s.window(e.Window)
		w.Staff, w.SignedInAt, w.AllowSignout = "", time.Time{}, false
	case EvSignoutAllowed:
		s.window(e.Window).AllowSignout = true
	case EvCoverNeeded:
		s.window(e.Window).UncoveredSince = e.At
	case EvPostCovered:
		s.window(e.Window).UncoveredSince = time.Time{}
	}
}

// postsDayClosed ends every window's leave to sign out and its temporary
// services when the day closes.
func (s *State) postsDayClosed() {
	for _, w := range s.Windows {
		w.AllowSignout, w.Temporary = false, nil
	}
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
				return WindowView{}, Errorf(ErrTicketsWaiting.Code, "%d tickets this window can serve are waiting", n).Say("count", "n", strconv.Itoa(n))
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

// afterCutoff reports whether the hall has stopped issuing for the day (延时服务).
func (t *tx) afterCutoff() bool {
	cut, _ := clockMinutes(t.s.Config.Hall.IssueCutoff)
	return t.clock() >= cut
}
