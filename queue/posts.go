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
	EvCoverNeeded    EventType = "cover_needed"            // Window, Staff (A holder away), Status (why: a whereabouts or signed_out), Cover (B holders)
	EvPostCovered    EventType = "post_covered"            // Window, Staff (who covers; none when the day closed), UncoveredS, Note (day_closed)
	EvTempOpened     EventType = "temporary_window_opened" // Window, Services
	EvTempClosed     EventType = "temporary_window_closed" // Window
)

// postsEvents: who hears the posts events, and what a public screen gets of
// them. A cover request goes to the terminals of the B-post holders asked,
// wherever they are signed in or, on the window list, not signed in; that
// the post is covered goes to them too, so that their alert goes.
var postsEvents = map[EventType]eventSpec{
	EvSignedIn:       {public: []string{"staff"}},
	EvSignedOut:      {public: []string{"staff", "note"}},
	EvSignoutAllowed: {public: []string{}, director: true},
	EvCoverNeeded: {public: []string{"staff", "cover"}, director: true,
		more: func(_ *State, e *Event, a *Audience) { a.Staff = append(a.Staff, e.Cover...) }},
	EvPostCovered: {public: []string{"staff", "uncovered_s"}, director: true,
		more: func(s *State, e *Event, a *Audience) { a.Staff = append(a.Staff, s.Config.bHolders(e.Window)...) }},
	EvTempOpened: {public: []string{"services"}, director: true},
	EvTempClosed: {public: []string{}, director: true},
}

// PostFields are what the post events carry besides the common fields.
type PostFields struct {
	// Cover: the B-post holders a cover_needed event asks.
	Cover []string `json:"cover,omitempty"`
	// UncoveredS: how long the A-post stood uncovered, on post_covered.
	UncoveredS int `json:"uncovered_s,omitempty"`
	// Services: what a temporary window serves.
	Services []string `json:"services,omitempty"`
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
		s.Covers = append(s.Covers, &CoverGap{Window: e.Window, Staff: e.Staff, Reason: e.Status, From: e.At})
	case EvPostCovered:
		s.window(e.Window).UncoveredSince = time.Time{}
		for i := len(s.Covers) - 1; i >= 0; i-- {
			if g := s.Covers[i]; g.Window == e.Window && g.To.IsZero() {
				g.To, g.CoveredBy, g.UncoveredS = g.From.Add(time.Duration(e.UncoveredS)*time.Second), e.Staff, e.UncoveredS
				break
			}
		}
	}
}

// postsDayClosed ends every window's leave to sign out and its temporary
// services when the day closes.
func (s *State) postsDayClosed() {
	for _, w := range s.Windows {
		w.AllowSignout, w.Temporary = false, nil
	}
}

// postsDayOpened forgets the cover gaps that began more than coverKeepDays
// before the new day.
func (s *State) postsDayOpened(e *Event) {
	s.Covers = slices.DeleteFunc(s.Covers, func(g *CoverGap) bool {
		return e.At.Sub(g.From) > coverKeepDays*24*time.Hour
	})
}

// coverKeepDays is how long the register of cover gaps keeps one: long
// enough for the year's evaluation.
const coverKeepDays = 400

// The reason of a cover gap besides the whereabouts statuses: the A-post
// holder signed out of the window (签退).
const CoverSignedOut = "signed_out"

// CoverGap is a time an A-post's window stood uncovered (AB岗): from when
// its A-post holder left (a whereabouts away from the desk, or a sign-out)
// until a B-post holder, anyone else, or the A-post holder back took the
// window over, or the hall closed.
type CoverGap struct {
	Window int       `json:"window"`
	Staff  string    `json:"staff"`  // the A-post holder who left
	Reason string    `json:"reason"` // break, meeting, out or signed_out
	From   time.Time `json:"from"`
	To     time.Time `json:"to,omitzero"` // zero while uncovered
	// CoveredBy is who ended the gap: a B-post holder, the A-post holder
	// back; empty when the hall closed first.
	CoveredBy  string `json:"covered_by,omitempty"`
	UncoveredS int    `json:"uncovered_s"`
}

// CoverView is a cover gap as the register (GET /api/covers) shows it: the
// seconds and minutes uncovered, until now when it is still open.
type CoverView struct {
	CoverGap
	Open    bool `json:"open,omitempty"`
	Minutes int  `json:"minutes"`
}

// Covers lists the cover gaps that began from from to to (dates YYYY-MM-DD,
// "" for no bound), oldest first.
func (e *Engine) Covers(ctx context.Context, from, to string) ([]CoverView, error) {
	f, l, err := e.dateRange(from, to)
	if err != nil {
		return nil, err
	}
	return read(ctx, e, func(t *tx) ([]CoverView, error) {
		out := []CoverView{}
		for _, g := range t.s.Covers {
			if g.From.Before(f) || !l.IsZero() && g.From.After(l) {
				continue
			}
			v := CoverView{CoverGap: *g}
			if g.To.IsZero() {
				v.Open, v.UncoveredS = true, max(0, int(t.now.Sub(g.From)/time.Second))
			}
			v.Minutes = (v.UncoveredS + 30) / 60
			out = append(out, v)
		}
		return out, nil
	})
}

// bHolders lists the job numbers of the B-post holders of window id.
func (c *Config) bHolders(id int) []string {
	var out []string
	for _, o := range c.Staff {
		if slices.Contains(o.PostsB, id) {
			out = append(out, o.JobNo)
		}
	}
	return out
}

// askCover records that window id's A-post holder staff left it (reason: a
// whereabouts status, or CoverSignedOut) and asks its B-post holders to
// cover, unless the window is uncovered already or someone else holds it.
func (t *tx) askCover(id int, staff, reason string) {
	w := t.s.peek(id)
	if !w.UncoveredSince.IsZero() || w.Staff != "" && w.Staff != staff {
		return
	}
	t.emit(Event{Type: EvCoverNeeded, Window: id, Staff: staff, Status: reason, PostFields: PostFields{Cover: t.s.Config.bHolders(id)}})
}

// holdsA reports whether staff holds the A-post of window id.
func (t *tx) holdsA(staff string, id int) bool {
	st := t.s.Config.StaffByJobNo(staff)
	return st != nil && slices.Contains(st.PostsA, id)
}

// coversEndAtClose ends the gaps still open when the day closes, at the
// hall's closing time of that day (or now, when earlier): the hall was not
// waiting for anyone after it.
func (t *tx) coversEndAtClose() {
	closing, _ := clockMinutes(t.s.Config.Hall.Close)
	for _, id := range sortedKeys(t.s.Windows) {
		w := t.s.Windows[id]
		if w.UncoveredSince.IsZero() {
			continue
		}
		y, m, d := w.UncoveredSince.In(t.e.loc).Date()
		end := time.Date(y, m, d, 0, closing, 0, 0, t.e.loc)
		if t.now.Before(end) {
			end = t.now
		}
		t.emit(Event{Type: EvPostCovered, Actor: "system", Window: id, Note: "day_closed",
			PostFields: PostFields{UncoveredS: max(0, int(end.Sub(w.UncoveredSince)/time.Second))}})
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
			if t.holdsA(actor, old.ID) && !t.afterCutoff() {
				t.askCover(old.ID, actor, CoverSignedOut)
			}
			t.reroute(old.ID)
		}
		if takeover {
			t.emit(Event{Type: EvSignedOut, Window: window, Staff: w.Staff, Note: "taken over by B-post " + actor})
		}
		t.emit(Event{Type: EvSignedIn, Window: window, Staff: actor})
		if !w.UncoveredSince.IsZero() {
			t.emit(Event{Type: EvPostCovered, Window: window, Staff: actor,
				PostFields: PostFields{UncoveredS: int(t.now.Sub(w.UncoveredSince) / time.Second)}})
		}
		return t.s.WindowView(window), nil
	})
}

// SignOut takes the actor off the window. After the issuing cut-off it is
// refused while tickets the window can serve are waiting, unless the director
// has allowed it (延时服务). Before the cut-off, an A-post holder signing out
// asks the window's B-post holders to cover (cover_needed), and the time
// until someone signs in there is recorded.
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
		if t.holdsA(actor, window) && !t.afterCutoff() {
			// An A-post holder leaving the desk before the day's end leaves
			// the post to its B-post holders (AB岗).
			t.askCover(window, actor, CoverSignedOut)
		}
		t.reroute(window)
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
			t.emit(Event{Type: EvTempOpened, Window: window,
				PostFields: PostFields{Services: slices.Compact(slices.Sorted(slices.Values(services)))}})
		}
		return t.s.WindowView(window), nil
	})
}

// afterCutoff reports whether the hall has stopped issuing for the day (延时服务).
func (t *tx) afterCutoff() bool {
	cut, _ := clockMinutes(t.s.Config.Hall.IssueCutoff)
	return t.clock() >= cut
}
