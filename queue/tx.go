package queue

import (
	"crypto/rand"
	"encoding/base32"
	"slices"
	"time"
)

// tx is one command's view of the state while it runs on the engine goroutine:
// the time it happens at, who does it, and where its events go.
type tx struct {
	e     *Engine
	s     *State
	now   time.Time
	actor string
	// events is the batch the command's events are appended to: they go
	// straight into the batch being gathered, which commits them whether the
	// command then succeeds or not (an emitted event is applied).
	events *[]Event
}

// reset makes t ready for a command of actor whose events go to events; the
// engine reuses one tx for every command, since it runs them one at a time.
func (t *tx) reset(e *Engine, actor string, events *[]Event) *tx {
	*t = tx{e: e, s: e.state, now: e.now(), actor: actor, events: events}
	return t
}

// emit stamps ev with the next seq, the time and the actor, applies it to the
// state and keeps it for the commit. Rules check everything before the first
// emit: an emitted event is a decision. The pointer it returns is valid until
// the next emit.
func (t *tx) emit(ev Event) *Event {
	ev.Seq = t.s.Seq + 1
	ev.At = t.now
	if ev.Actor == "" {
		ev.Actor = t.actor
	}
	if ev.Actor == "" {
		ev.Actor = "system"
	}
	t.s.apply(&ev)
	*t.events = append(*t.events, ev)
	return &(*t.events)[len(*t.events)-1]
}

// dayOf is the business day of tm in the hall's time zone.
func (t *tx) dayOf(tm time.Time) string {
	return tm.In(t.e.loc).Format(time.DateOnly)
}

// clock is the time of day of t.now in the hall's zone, in minutes.
func (t *tx) clock() int { return minuteOfDay(t.now, t.e.loc) }

// minuteOfDay is now's minute of the day in loc.
func minuteOfDay(now time.Time, loc *time.Location) int {
	l := now.In(loc)
	return l.Hour()*60 + l.Minute()
}

// newID returns an unguessable id: 16 random bytes, base32 without padding.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// slipAlphabet leaves out 0/O and 1/I/L, which a citizen typing a code at the
// kiosk would mix up.
const slipAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode returns an n-character code from slipAlphabet that is not yet in use.
func newCode(n int, used func(string) bool) string {
	for {
		var b = make([]byte, n)
		rand.Read(b)
		for i := range b {
			b[i] = slipAlphabet[int(b[i])%len(slipAlphabet)]
		}
		if s := string(b); !used(s) {
			return s
		}
	}
}

// endOfDay is the last instant of the business day days after today.
func (t *tx) endOfDay(days int) time.Time { return endOfDay(t.now, days, t.e.loc) }

// endOfDay is the last second of the day days after tm's day, in loc: every
// deadline of the hall (case due dates, return slips) ends there.
func endOfDay(tm time.Time, days int, loc *time.Location) time.Time {
	y, m, d := tm.In(loc).Date()
	return time.Date(y, m, d+days+1, 0, 0, 0, 0, loc).Add(-time.Second)
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
