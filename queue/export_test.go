package queue

import (
	"encoding/json"
	"slices"
)

// The calling order as it was computed before the waiting lists were kept in
// order: by looking at every waiting ticket. TestState_OrderedQueues checks
// the lists against it.

// RefQueue is Queue computed from every waiting ticket, sorted.
func (s *State) RefQueue(id int) []TicketView {
	var ts []*Ticket
	for _, t := range s.Tickets {
		if t.State.Queued() && s.servesTicket(id, t) {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *Ticket) int {
		if s.before(a, b) {
			return -1
		}
		return 1
	})
	out := make([]TicketView, len(ts))
	for i, t := range ts {
		out[i] = s.RefTicketView(t.ID)
	}
	return out
}

// RefTicketView is TicketView with the tickets ahead counted one by one.
func (s *State) RefTicketView(id string) TicketView {
	t := s.Tickets[id]
	if t == nil || !t.State.Queued() {
		return s.TicketView(id)
	}
	n := 0
	for _, o := range s.Tickets {
		if o != t && o.State.Queued() && o.Service == t.Service && s.before(o, t) {
			n++
		}
	}
	return s.ticketView(t, n, s.EstWait(t.Service, n), s.noWindow(t))
}

// RefNext is the id of the ticket window id should call, from every waiting
// ticket ("" when none).
func (s *State) RefNext(id int) string {
	var best *Ticket
	for _, t := range s.Tickets {
		if t.State.Queued() && s.servesTicket(id, t) && (best == nil || s.before(t, best)) {
			best = t
		}
	}
	if best == nil {
		return ""
	}
	return best.ID
}

// RefServable counts, one by one, the waiting tickets window id could call.
func (s *State) RefServable(id int) int {
	n := 0
	for _, t := range s.Tickets {
		if t.State.Queued() && s.servesTicket(id, t) {
			n++
		}
	}
	return n
}

// Next is the id of the ticket window id should call ("" when none).
func (s *State) Next(id int) string {
	if t := s.next(id); t != nil {
		return t.ID
	}
	return ""
}

// Servable counts the waiting tickets window id could call.
func (s *State) Servable(id int) int { return s.servable(id) }

// RefWaiting counts the tickets waiting in service one by one.
func (s *State) RefWaiting(service string) int {
	n := 0
	for _, t := range s.Tickets {
		if t.State.Queued() && t.Service == service {
			n++
		}
	}
	return n
}

// SnapshotJSON is snapshot b (either format) in the old format: the JSON of
// State.
func SnapshotJSON(b []byte) ([]byte, error) {
	s, err := decodeState(b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// FinishedIn is finishedIn, for the spot check's benchmark.
var FinishedIn = finishedIn
