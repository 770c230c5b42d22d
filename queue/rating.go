package queue

// The rating workflow (评价): the citizen rates the service of the last ticket
// finished at the window, once. Its command, its event (its audience and
// what a public screen gets of it) and its fold are here; the rating shows in
// the ticket's view.

import "context"

// The rating event.
const (
	EvRatingGiven EventType = "rating_given" // Window, Ticket, Score, Staff
)

// ratingEvents: who hears the rating event, and what a public screen gets of
// it.
var ratingEvents = map[EventType]eventSpec{
	EvRatingGiven: {public: []string{"number", "service", "score", "staff"}},
}

// applyRating folds a rating event; t is its ticket.
func (s *State) applyRating(e *Event, t *Ticket) {
	t.Rating = e.Score
}

// Rate records the citizen's rating (4 非常满意 … 1 不满意) of the last ticket
// finished at the window; each ticket is rated once.
func (e *Engine) Rate(ctx context.Context, actor string, window, score int) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		if t.s.Config.Window(window) == nil {
			return TicketView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		if score < 1 || score > 4 {
			return TicketView{}, Errorf(ErrInvalid.Code, "score must be 1–4")
		}
		tk := t.s.Tickets[t.s.peek(window).LastFinished]
		if tk == nil {
			return TicketView{}, ErrNothingToRate
		}
		if tk.Rating != 0 {
			return TicketView{}, ErrAlreadyRated
		}
		t.followRating(t.emit(Event{Type: EvRatingGiven, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service, Score: score, Staff: tk.Staff}))
		return t.s.TicketView(tk.ID), nil
	})
}
