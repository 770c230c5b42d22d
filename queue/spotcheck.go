package queue

// The spot-check workflow (零差错, chapter 5 §5: 定期抽检抽查经办事项，及时
// 纠错): each month the director draws a random sample of the tickets each
// staff member finished that month, and records each as correct or with an
// error and a note; the error rate per staff member feeds the evaluations.
// Its commands, its payload, its events (who hears them), their fold and its
// views are all here.
//
// The tickets of past days are no longer in the state (it keeps the business
// day's), so the draw reads them from the event log: the first event of the
// month is found by bisection on the events' times (about 22 reads for a
// year's log), then only that month's events are read, in pages, off the
// engine's goroutine. A month of a busy hall (37,800 tickets, 151,200 events)
// is read in 1.3 s on a 2-core machine (BenchmarkSpotCheck_FinishedIn), once a
// month; the state stays the size of one day's tickets. The drawn tickets are stored in the event itself: a replay never
// draws again.

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The spot-check events.
const (
	EvSpotCheckDrawn  EventType = "spot_check_drawn"  // SpotCheck: ID, Month, PerStaff, Items
	EvSpotCheckMarked EventType = "spot_check_marked" // SpotCheck: ID, Ticket, OK, Note
)

// spotCheckEvents: the director hears them; a marking also reaches the
// terminal of the staff member whose ticket it was. No public screen hears
// them.
var spotCheckEvents = map[EventType]eventSpec{
	EvSpotCheckDrawn:  {hidden: true, director: true},
	EvSpotCheckMarked: {hidden: true, director: true, more: spotCheckStaff},
}

// spotCheckStaff adds the staff member whose ticket was marked.
func spotCheckStaff(s *State, e *Event, a *Audience) {
	if e.SpotCheck == nil {
		return
	}
	if c := s.SpotChecks[e.SpotCheck.ID]; c != nil {
		if i := c.item(e.SpotCheck.Ticket); i >= 0 {
			a.Staff = append(a.Staff, c.Items[i].Staff)
		}
	}
}

// SpotCheck is the payload of the spot-check events (Event.SpotCheck).
type SpotCheck struct {
	ID       string          `json:"id"`
	Month    string          `json:"month,omitempty"`
	PerStaff int             `json:"per_staff,omitempty"`
	Items    []SpotCheckItem `json:"items,omitempty"`
	Ticket   string          `json:"ticket,omitempty"`
	OK       bool            `json:"ok,omitempty"`
	Note     string          `json:"note,omitempty"`
}

// SpotCheckItem is one finished ticket drawn for a spot check.
type SpotCheckItem struct {
	Ticket   string    `json:"ticket"`
	Number   string    `json:"number"`
	Service  string    `json:"service"`
	Window   int       `json:"window"`
	Staff    string    `json:"staff"`
	Finished time.Time `json:"finished"`
}

// Errors of the spot-check workflow.
var (
	ErrUnknownSpotCheck = define(KindNotFound, "unknown_spot_check", "no such spot check")
	ErrNotInSample      = define(KindNotFound, "not_in_sample", "the ticket is not in this spot check's sample")
	ErrSpotCheckDrawn   = define(KindConflict, "spot_check_drawn", "this month's sample has been drawn")
	ErrNothingToCheck   = define(KindConflict, "nothing_to_check", "no ticket was finished in that month")
)

// Limits of a spot check.
const (
	maxPerStaff      = 50
	maxSpotCheckNote = 500
)

// SpotCheckEntry is a drawn ticket with what the check found.
type SpotCheckEntry struct {
	SpotCheckItem
	Checked   bool      `json:"checked"`
	OK        bool      `json:"ok"`
	Note      string    `json:"note,omitempty"`
	CheckedBy string    `json:"checked_by,omitempty"`
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// SpotCheckRecord is one month's spot check.
type SpotCheckRecord struct {
	ID       string           `json:"id"`
	Month    string           `json:"month"`
	PerStaff int              `json:"per_staff"`
	DrawnBy  string           `json:"drawn_by"`
	At       time.Time        `json:"at"`
	Items    []SpotCheckEntry `json:"items"`
	// Staff is the result per staff member; worked out on reading.
	Staff []SpotCheckRate `json:"staff,omitempty"`
}

// SpotCheckRate is a staff member's result in a spot check: of the tickets
// drawn, how many were checked and how many had an error.
type SpotCheckRate struct {
	Staff     string  `json:"staff"`
	Sampled   int     `json:"sampled"`
	Checked   int     `json:"checked"`
	Errors    int     `json:"errors"`
	ErrorRate float64 `json:"error_rate"` // errors / checked; 0 when none checked
}

// item is the index of ticket in c's sample, or -1.
func (c *SpotCheckRecord) item(ticket string) int {
	return slices.IndexFunc(c.Items, func(e SpotCheckEntry) bool { return e.Ticket == ticket })
}

// view is a copy of c with the rates per staff member.
func (c *SpotCheckRecord) view() SpotCheckRecord {
	v := *c
	v.Items = slices.Clone(c.Items)
	v.Staff = nil
	by := map[string]*SpotCheckRate{}
	for _, it := range c.Items {
		r := by[it.Staff]
		if r == nil {
			r = &SpotCheckRate{Staff: it.Staff}
			by[it.Staff] = r
		}
		r.Sampled++
		if it.Checked {
			r.Checked++
			if !it.OK {
				r.Errors++
			}
		}
	}
	for _, staff := range sortedKeys(by) {
		r := by[staff]
		if r.Checked > 0 {
			r.ErrorRate = float64(r.Errors) / float64(r.Checked)
		}
		v.Staff = append(v.Staff, *r)
	}
	return v
}

// DrawSpotCheck draws the month's sample (month "YYYY-MM", not after the
// current one): up to perStaff of the tickets each staff member finished that
// month, at random (0: Rules.SpotCheckPerStaff). One sample a month.
func (e *Engine) DrawSpotCheck(ctx context.Context, actor, month string, perStaff int) (SpotCheckRecord, error) {
	if perStaff == 0 {
		perStaff = e.CurrentConfig().Rules.SpotCheckPerStaff
	}
	if perStaff < 1 || perStaff > maxPerStaff {
		return SpotCheckRecord{}, Errorf(ErrInvalid.Code, "per_staff must be 1–%d", maxPerStaff)
	}
	first, err := time.ParseInLocation("2006-01", month, e.loc)
	if err != nil || first.Format("2006-01") != month {
		return SpotCheckRecord{}, Errorf(ErrInvalid.Code, "month must be YYYY-MM")
	}
	if month > e.Now().In(e.loc).Format("2006-01") {
		return SpotCheckRecord{}, Errorf(ErrInvalid.Code, "month %s is still to come", month)
	}
	last, err := read(ctx, e, func(t *tx) (uint64, error) {
		if t.s.spotCheckOf(month) != nil {
			return 0, ErrSpotCheckDrawn
		}
		return t.s.Seq, nil
	})
	if err != nil {
		return SpotCheckRecord{}, err
	}
	// Read the log off the engine's goroutine: it may take a second.
	done, err := finishedIn(e.store, last, first, first.AddDate(0, 1, 0), e.loc)
	if err != nil {
		return SpotCheckRecord{}, err
	}
	sample := drawSample(done, perStaff)
	if len(sample) == 0 {
		return SpotCheckRecord{}, Errorf(ErrNothingToCheck.Code, "no ticket was finished in %s", month)
	}
	return call(ctx, e, actor, func(t *tx) (SpotCheckRecord, error) {
		if t.s.spotCheckOf(month) != nil {
			return SpotCheckRecord{}, ErrSpotCheckDrawn
		}
		id := newCode(8, func(s string) bool { return t.s.SpotChecks[s] != nil })
		t.emit(Event{Type: EvSpotCheckDrawn, SpotCheck: &SpotCheck{ID: id, Month: month, PerStaff: perStaff, Items: sample}})
		return t.s.SpotChecks[id].view(), nil
	})
}

// MarkSpotCheck records what the check of one drawn ticket found: correct
// (ok), or an error described in note. A later marking of the same ticket
// corrects the earlier one.
func (e *Engine) MarkSpotCheck(ctx context.Context, actor, id, ticket string, ok bool, note string) (SpotCheckRecord, error) {
	return call(ctx, e, actor, func(t *tx) (SpotCheckRecord, error) {
		c := t.s.SpotChecks[id]
		if c == nil {
			return SpotCheckRecord{}, ErrUnknownSpotCheck
		}
		if c.item(ticket) < 0 {
			return SpotCheckRecord{}, ErrNotInSample
		}
		note, err := cleanLong(note, "note", !ok, maxSpotCheckNote)
		if err != nil {
			return SpotCheckRecord{}, err
		}
		t.emit(Event{Type: EvSpotCheckMarked, SpotCheck: &SpotCheck{ID: id, Ticket: ticket, OK: ok, Note: note}})
		return t.s.SpotChecks[id].view(), nil
	})
}

// SpotChecks lists the spot checks, newest month first, each with its
// rates per staff member; month ("YYYY-MM") selects one month's when not
// empty.
func (e *Engine) SpotChecks(ctx context.Context, month string) ([]SpotCheckRecord, error) {
	return read(ctx, e, func(t *tx) ([]SpotCheckRecord, error) {
		out := []SpotCheckRecord{}
		for _, c := range t.s.SpotChecks {
			if month == "" || c.Month == month {
				out = append(out, c.view())
			}
		}
		slices.SortFunc(out, func(a, b SpotCheckRecord) int { return strings.Compare(b.Month, a.Month) })
		return out, nil
	})
}

// spotCheckOf is the spot check of month, or nil.
func (s *State) spotCheckOf(month string) *SpotCheckRecord {
	for _, c := range s.SpotChecks {
		if c.Month == month {
			return c
		}
	}
	return nil
}

// applySpotCheck folds a spot-check event.
func (s *State) applySpotCheck(e *Event, _ *Ticket) {
	p := e.SpotCheck
	if s.SpotChecks == nil {
		s.SpotChecks = map[string]*SpotCheckRecord{}
	}
	switch e.Type {
	case EvSpotCheckDrawn:
		c := &SpotCheckRecord{ID: p.ID, Month: p.Month, PerStaff: p.PerStaff, DrawnBy: e.Actor, At: e.At}
		for _, it := range p.Items {
			c.Items = append(c.Items, SpotCheckEntry{SpotCheckItem: it})
		}
		s.SpotChecks[p.ID] = c
	case EvSpotCheckMarked:
		c := s.SpotChecks[p.ID]
		it := &c.Items[c.item(p.Ticket)]
		it.Checked, it.OK, it.Note, it.CheckedBy, it.CheckedAt = true, p.OK, p.Note, e.Actor, e.At
	}
}

// drawSample takes up to n of each staff member's finished tickets at random,
// and lists them by staff member, then by the time they were finished.
func drawSample(done []SpotCheckItem, n int) []SpotCheckItem {
	by := map[string][]SpotCheckItem{}
	for _, it := range done {
		by[it.Staff] = append(by[it.Staff], it)
	}
	var out []SpotCheckItem
	for _, staff := range sortedKeys(by) {
		l := by[staff]
		// A partial Fisher–Yates shuffle: the first k are a uniform sample.
		k := min(n, len(l))
		for i := range k {
			j := i + rand.IntN(len(l)-i)
			l[i], l[j] = l[j], l[i]
		}
		l = l[:k]
		slices.SortFunc(l, func(a, b SpotCheckItem) int { return a.Finished.Compare(b.Finished) })
		out = append(out, l...)
	}
	return out
}

// spotCheckPage is how many events finishedIn reads at a time.
const spotCheckPage = 2048

// finishedIn returns the tickets finished from from until before to
// (service_finished events, their staff the actor who finished them), read
// from the log st up to seq last. Event times need not rise strictly (a
// clock set back): the bisection looks a day early, the reading goes on a
// day late, and each event is judged by its own time.
func finishedIn(st Store, last uint64, from, to time.Time, loc *time.Location) ([]SpotCheckItem, error) {
	at := func(seq uint64) (time.Time, error) {
		evs, err := st.Events(seq-1, 1)
		if err != nil || len(evs) == 0 {
			return time.Time{}, err
		}
		return evs[0].At, nil
	}
	early, late := from.Add(-24*time.Hour), to.Add(24*time.Hour)
	// The first seq whose event is not before early.
	lo, hi := uint64(1), last+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		t, err := at(mid)
		if err != nil {
			return nil, err
		}
		if t.Before(early) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	var out []SpotCheckItem
	for after := lo - 1; after < last; {
		evs, err := st.Events(after, int(min(spotCheckPage, last-after)))
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			break
		}
		for i := range evs {
			ev := &evs[i]
			if ev.Type == EvServiceFinished && !ev.At.Before(from) && ev.At.Before(to) {
				out = append(out, SpotCheckItem{Ticket: ev.Ticket, Number: ev.Number, Service: ev.Service,
					Window: ev.Window, Staff: ev.Actor, Finished: ev.At.In(loc)})
			}
		}
		after = evs[len(evs)-1].Seq
		if evs[len(evs)-1].At.After(late) {
			break
		}
	}
	return out, nil
}
