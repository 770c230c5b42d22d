package queue

// The return-slip workflow (直通反馈单): a citizen who lacks materials leaves
// with a slip listing them, and with it comes back straight to the same
// window, ahead of the queue. Its commands, its events (their audience and
// what a public screen gets of them), their fold, its views and its day
// roll-over are all here.

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The return-slip events.
const (
	EvTicketSuspended EventType = "ticket_suspended" // Window, Ticket, Slip, Missing, ValidUntil
	// EvTicketReturned: Window is the window the ticket goes straight back
	// to, the slip's, or 0 when that window was closed (its service's queue).
	EvTicketReturned EventType = "ticket_returned" // Window, Ticket, Slip, Number (new number on a later day)
)

// slipEvents: who hears the return-slip events, and what a public screen
// gets of them (never the slip's code or the missing materials).
var slipEvents = map[EventType]eventSpec{
	EvTicketSuspended: {public: []string{"number", "service", "valid_until"}},
	EvTicketReturned:  {public: []string{"number", "service"}},
}

// SlipFields are what the return-slip events carry: the slip's code, the
// materials missing and until when the slip is valid.
type SlipFields struct {
	Slip       string    `json:"slip,omitempty"`
	Missing    []string  `json:"missing,omitempty"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

// applySlip folds a return-slip event; t is its ticket.
func (s *State) applySlip(e *Event, t *Ticket) {
	switch e.Type {
	case EvTicketSuspended:
		s.window(e.Window).Current = ""
		s.setState(t, TicketSuspended)
		t.Slip = e.Slip
		s.Slips[e.Slip] = &Slip{ID: e.Slip, Ticket: t.ID, Number: t.Number, Service: t.Service, Window: e.Window,
			Staff: t.Staff, Missing: slices.Clone(e.Missing), IssuedAt: e.At, ValidUntil: e.ValidUntil}
	case EvTicketReturned:
		sl := s.Slips[e.Slip]
		sl.Used = true
		// A ticket of an earlier day takes a number of today's sequence (the
		// command gives it), which no ticket issued today may take again:
		// even when it reads as yesterday's (A001 back before today's A001).
		if t.Day != s.Day && e.Number != "" {
			t.Number, t.Day = e.Number, s.Day
			s.Numbers[t.Service] = max(s.Numbers[t.Service], numberValue(e.Number))
		}
		t.Class, t.PinWindow, t.QueuedAt, t.QueueSeq, t.Window, t.Calls = ClassReturn, e.Window, e.At, e.Seq, 0, 0
		s.setState(t, TicketWaiting)
	}
}

// slipDayOpened forgets the slips used, and those expired a while ago with
// their tickets.
func (s *State) slipDayOpened(e *Event) {
	for id, sl := range s.Slips {
		// Expired slips are kept a while, so that a citizen who comes late
		// is told the slip expired rather than that it does not exist.
		if sl.Used || !e.At.Before(sl.ValidUntil.AddDate(0, 0, slipKeepDays)) {
			delete(s.Slips, id)
			if t := s.Tickets[sl.Ticket]; t != nil && t.State == TicketSuspended {
				delete(s.Tickets, t.ID)
			}
		}
	}
}

// Slip is a return slip (直通反馈单): the citizen lacked materials and comes back
// straight to the same window, ahead of the queue, with this code.
type Slip struct {
	ID         string    `json:"id"`
	Ticket     string    `json:"ticket"`
	Number     string    `json:"number"`
	Service    string    `json:"service"`
	Window     int       `json:"window"`
	Staff      string    `json:"staff"`
	Missing    []string  `json:"missing"`
	IssuedAt   time.Time `json:"issued_at"`
	ValidUntil time.Time `json:"valid_until"`
	Used       bool      `json:"used,omitempty"`
}

// slipKeepDays is how long an expired return slip is kept.
const slipKeepDays = 30

// Suspend ends the visit of a citizen who lacks materials with a return slip
// (直通反馈单) listing what is missing; with it they come back straight to this
// window, ahead of the queue, within Rules.SlipValidDays.
func (e *Engine) Suspend(ctx context.Context, actor string, window int, missing []string) (SlipView, error) {
	return call(ctx, e, actor, func(t *tx) (SlipView, error) {
		_, tk, err := t.current(window, TicketCalled, TicketServing)
		if err != nil {
			return SlipView{}, err
		}
		m, err := cleanList(missing, "missing materials")
		if err != nil {
			return SlipView{}, err
		}
		code := newCode(8, func(s string) bool { return t.s.Slips[s] != nil })
		t.emit(Event{Type: EvTicketSuspended, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service,
			SlipFields: SlipFields{Slip: code, Missing: m, ValidUntil: t.endOfDay(t.s.Config.Rules.SlipValidDays - 1)}})
		return t.s.SlipView(code), nil
	})
}

// ReturnSlip puts the ticket of a return slip back at the front of its window's
// queue, or of its service's queue while nobody is signed in at that window.
// On a later day than the slip's it gets a number of today's sequence.
func (e *Engine) ReturnSlip(ctx context.Context, actor string, slipID string) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		sl := t.s.Slips[strings.ToUpper(strings.TrimSpace(slipID))]
		if sl == nil {
			return TicketView{}, ErrUnknownSlip
		}
		tk := t.s.Tickets[sl.Ticket]
		if sl.Used || tk == nil || tk.State != TicketSuspended {
			return TicketView{}, Errorf(ErrWrongState.Code, "slip %s has been used", sl.ID)
		}
		if !t.now.Before(sl.ValidUntil) {
			return TicketView{}, ErrSlipExpired
		}
		ev := Event{Type: EvTicketReturned, Window: sl.Window, Ticket: tk.ID, Service: tk.Service,
			SlipFields: SlipFields{Slip: sl.ID}, Number: tk.Number}
		if t.s.peek(sl.Window).Staff == "" {
			// Its window is closed: it waits first in its service's queue
			// instead, for whichever window serves it (Window 0).
			ev.Window = 0
		}
		if tk.Day != t.s.Day {
			ev.Number = formatNumber(t.s.Config.Service(tk.Service).Prefix, t.s.Numbers[tk.Service]+1)
		}
		t.emit(ev)
		return t.s.TicketView(tk.ID), nil
	})
}

// SlipView is a return slip as the API shows it.
type SlipView struct {
	SlipID     string    `json:"slip_id"`
	Ticket     string    `json:"ticket"`
	Number     string    `json:"number"`
	Service    string    `json:"service"`
	Window     int       `json:"window"`
	Missing    []string  `json:"missing"`
	ValidUntil time.Time `json:"valid_until"`
	Used       bool      `json:"used"`
}

// SlipView returns the view of slip id.
func (s *State) SlipView(id string) SlipView {
	sl := s.Slips[id]
	if sl == nil {
		return SlipView{}
	}
	return SlipView{SlipID: sl.ID, Ticket: sl.Ticket, Number: sl.Number, Service: sl.Service, Window: sl.Window,
		Missing: slices.Clone(sl.Missing), ValidUntil: sl.ValidUntil, Used: sl.Used}
}
