package queue

// The business day: the first command of a new date closes the old day
// (its tickets still in the hall are cancelled, its windows signed out) and
// opens today's. Its events (their audience and what a public screen gets
// of them) and their fold are here; the fold hands each workflow its own
// roll-over (issueDayOpened, slipDayOpened, callDayClosed, …), written in
// the workflow's file.

// The day events.
const (
	EvDayOpened EventType = "day_opened" // Day
	EvDayClosed EventType = "day_closed" // Day, Tickets (the ids cancelled)
)

// dayEvents: who hears the day events, and what a public screen gets of
// them. The day's close goes to the phones of the tickets it cancels.
var dayEvents = map[EventType]eventSpec{
	EvDayOpened: {public: []string{"day"}, director: true},
	EvDayClosed: {public: []string{"day"}, director: true,
		more: func(_ *State, e *Event, a *Audience) { a.Tickets = append(a.Tickets, e.Tickets...) }},
}

// applyDay folds a day event.
func (s *State) applyDay(e *Event, _ *Ticket) {
	switch e.Type {
	case EvDayOpened:
		closed := s.Day
		s.Day = e.Day
		s.issueDayOpened()
		for id, t := range s.Tickets {
			// The tickets the day just closed cancelled stay one more day,
			// so that their phones can say what happened to them.
			if t.Day != e.Day && t.State.Final() && !s.caseOpen(t) && !(t.Day == closed && t.State == TicketCancelled) {
				delete(s.Tickets, id)
			}
		}
		s.slipDayOpened(e)
		s.expressDayOpened()
		s.refusalDayOpened()
		s.caseDayOpened(e)
		s.postsDayOpened(e)
		s.whereaboutsDayOpened()
	case EvDayClosed:
		for _, id := range e.Tickets {
			if t := s.Tickets[id]; t != nil {
				s.setState(t, TicketCancelled)
			}
		}
		s.callDayClosed()
		s.postsDayClosed()
		s.backupDayClosed()
		s.expressDayClosed(e)
	}
}

// rollDay closes the old business day and opens today's when the date has
// changed: waiting tickets of the old day are cancelled, windows signed out,
// numbers restart.
func (t *tx) rollDay() {
	today := t.dayOf(t.now)
	if t.s.Day == today {
		return
	}
	if t.s.Day != "" {
		t.coversEndAtClose()
		var cancel []string
		for id, tk := range t.s.Tickets {
			if tk.State == TicketWaiting || tk.State == TicketTransferred || tk.State == TicketCalled || tk.State == TicketServing {
				cancel = append(cancel, id)
			}
		}
		sortStrings(cancel)
		t.emit(Event{Type: EvDayClosed, Actor: "system", Day: t.s.Day, Tickets: cancel})
		for _, id := range sortedKeys(t.s.Windows) {
			if w := t.s.Windows[id]; w.Staff != "" {
				t.emit(Event{Type: EvSignedOut, Actor: "system", Window: id, Staff: w.Staff})
			}
		}
	}
	t.emit(Event{Type: EvDayOpened, Actor: "system", Day: today})
	if t.e.opts.IDKeys != nil {
		// Forget the keys past retention now, whether or not an ID comes today.
		if _, err := t.dayKey(); err != nil {
			t.e.log.Error("queue: citizen ID keys", "day", today, "err", err)
		}
	}
}
