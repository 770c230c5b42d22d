package queue

// The rating workflow (评价, the national 好差评 scale): the citizen rates the
// service of the ticket just finished at the window, once, within the hall's
// rating window (rules.rating_window_s) and before the next call there. Its
// command, its event (its audience and what a public screen gets of it) and
// its fold are here; the rating shows in the ticket's view, and the window's
// view says until when a rating is awaited (WindowView.RateUntil).

import (
	"context"
	"slices"
	"time"
)

// The rating event.
const (
	EvRatingGiven EventType = "rating_given" // Window, Ticket, Number, Service, Score, Scale, Reason, Staff
)

// ratingEvents: who hears the rating event, and what a public screen gets of
// it (never the reason: a bad rating's reason is for the director).
var ratingEvents = map[EventType]eventSpec{
	EvRatingGiven: {public: []string{"number", "service", "score", "scale", "staff"}},
}

// RatingFields are what a rating_given event carries besides the common
// fields (the reason for a low rating is the common Reason).
type RatingFields struct {
	Score int `json:"score,omitempty"`
	// Scale is the scale of Score: 5 (the national 好差评 levels); absent on
	// ratings stored before, which are of four levels.
	Scale int `json:"scale,omitempty"`
}

// The five levels of the national 好差评 scale, the Score of a rating.
const (
	RatingVeryDissatisfied = 1 // 非常不满意
	RatingDissatisfied     = 2 // 不满意
	RatingFair             = 3 // 基本满意
	RatingSatisfied        = 4 // 满意
	RatingVerySatisfied    = 5 // 非常满意
)

// RatingScale is the Scale of every rating event written now: five levels.
// A rating_given event without a scale was written before the hall moved to
// the national scale, on four levels (4 非常满意, 3 满意, 2 基本满意, 1 不满意);
// it is kept as it was stored, never rescaled (see Event.RatingLevel).
const RatingScale = 5

// RatingReasons are the reasons a citizen may give with a rating of 2 or 1
// (态度, 效率, 业务不熟, 环境, 其他).
var RatingReasons = []string{"attitude", "efficiency", "knowledge", "environment", "other"}

// DefaultRatingWindow is how long after a finish its ticket may be rated when
// the configuration says nothing (rules.rating_window_s).
const DefaultRatingWindow = 120 * time.Second

// RatingWindow is how long after a finish its ticket may be rated.
func (r Rules) RatingWindow() time.Duration {
	if r.RatingWindowS <= 0 {
		return DefaultRatingWindow
	}
	return time.Duration(r.RatingWindowS) * time.Second
}

// RatingLevel returns the five-level score of a rating event: its Score when
// it was given on the five-level scale, and for an event of the old
// four-level scale (no Scale) the level of the same words, Score+1 (4 非常满意
// → 5, 3 满意 → 4, 2 基本满意 → 3, 1 不满意 → 2). The stored event is not
// changed; reports that count levels read them through this.
func (e *Event) RatingLevel() int {
	if e.Scale == 0 && e.Score > 0 {
		return e.Score + 1
	}
	return e.Score
}

// applyRating folds a rating event; t is its ticket.
func (s *State) applyRating(e *Event, t *Ticket) {
	t.Rating = e.Score
}

// rateable returns the ticket a rating at window w may go to now: the one
// just finished there, unrated, within the rating window; nil when there is
// none. A call at the window clears LastFinished (applyCall), so the next
// citizen's arrival ends the last one's chance.
func (s *State) rateable(w *WindowState, now time.Time) *Ticket {
	tk := s.Tickets[w.LastFinished]
	if tk == nil || tk.Rating != 0 || now.Sub(tk.FinishedAt) > s.Config.Rules.RatingWindow() {
		return nil
	}
	return tk
}

// Rate records the citizen's rating (5 非常满意 … 1 非常不满意) of the ticket
// just finished at the window, with an optional reason after a rating of 2 or
// 1 (RatingReasons). Each ticket is rated once (already_rated); with no ticket
// finished there within the rating window, or a ticket called there since,
// the answer is nothing_to_rate.
func (e *Engine) Rate(ctx context.Context, actor string, window, score int, reason string) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		if t.s.Config.Window(window) == nil {
			return TicketView{}, Errorf(ErrUnknownWindow.Code, "no window %d", window)
		}
		if score < RatingVeryDissatisfied || score > RatingVerySatisfied {
			return TicketView{}, Errorf(ErrInvalid.Code, "score must be 1–5").Say("score")
		}
		if reason != "" && !slices.Contains(RatingReasons, reason) {
			return TicketView{}, Errorf(ErrInvalid.Code, "reason %q is not one of attitude, efficiency, knowledge, environment, other", reason).Say("rating_reason")
		}
		if reason != "" && score > RatingDissatisfied {
			return TicketView{}, Errorf(ErrInvalid.Code, "a reason goes only with a rating of 2 or 1").Say("rating_reason")
		}
		w := t.s.peek(window)
		if tk := t.s.Tickets[w.LastFinished]; tk != nil && tk.Rating != 0 {
			return TicketView{}, ErrAlreadyRated
		}
		tk := t.s.rateable(w, t.now)
		if tk == nil {
			return TicketView{}, ErrNothingToRate
		}
		t.followRating(t.emit(Event{Type: EvRatingGiven, Window: window, Ticket: tk.ID, Number: tk.Number, Service: tk.Service,
			RatingFields: RatingFields{Score: score, Scale: RatingScale}, Reason: reason, Staff: tk.Staff}))
		return t.s.TicketView(tk.ID), nil
	})
}
