package queue

// The inquiry log (咨询台账) of first-question duty (首问责任制): "服务对象前来
// 办事，第一个接洽的工作人员必须认真负责地提供帮助和解答有关问题，对不属于工作
// 范围或一时不知晓的问题，应积极主动地引导至相关窗口、部门办理或耐心做出解释".
// The hall's greeter (引导员), or any staff member first asked, logs each
// inquiry: its topic, the service it concerns, and whether it was answered on
// the spot or to whom the citizen was referred. The log is the events
// themselves: it is read back from the store by date (Inquiries), so that it
// keeps no state and costs no snapshot. Its command, its event (its audience
// and what a public screen gets of it), its fold and its view are here.

import (
	"context"
	"sort"
	"time"
)

// The inquiry event.
const (
	EvInquiryLogged EventType = "inquiry_logged" // Inquiry
)

// ErrReferralRequired is answered for an inquiry logged as not answered
// without saying where the citizen was referred: first-question duty allows
// no inquiry to end with nobody.
var ErrReferralRequired = define(KindInvalid, "referral_required",
	"an inquiry not answered on the spot says to which window or office the citizen was referred")

// inquiryEvents: the director's console hears an inquiry; a public screen
// gets its envelope only (never the topic).
var inquiryEvents = map[EventType]eventSpec{
	EvInquiryLogged: {public: []string{}, director: true},
}

// Inquiry is the payload of an inquiry_logged event: one question a citizen
// asked the staff member first approached (the event's actor). It names no
// citizen.
type Inquiry struct {
	ID string `json:"id"`
	// Topic is what was asked, in a few words.
	Topic string `json:"topic"`
	// Service is the service the question concerns, if any.
	Service string `json:"service,omitempty"`
	// Answered: answered on the spot. Otherwise ReferredTo says to which
	// window, office or person the citizen was taken (引导).
	Answered   bool   `json:"answered"`
	ReferredTo string `json:"referred_to,omitempty"`
}

// InquiryRequest is what LogInquiry is asked with.
type InquiryRequest struct {
	Topic      string
	Service    string
	Answered   bool
	ReferredTo string
}

// maxTopic bounds an inquiry's topic and referral, in characters: a line of
// a register, not a letter.
const maxTopic = 200

// LogInquiry writes an inquiry to the log (首问 咨询台账) as asked of actor.
func (e *Engine) LogInquiry(ctx context.Context, actor string, r InquiryRequest) (InquiryView, error) {
	return call(ctx, e, actor, func(t *tx) (InquiryView, error) {
		topic, err := cleanLine(r.Topic, "topic", true, maxTopic)
		if err != nil {
			return InquiryView{}, err
		}
		ref, err := cleanLine(r.ReferredTo, "referred_to", false, maxTopic)
		if err != nil {
			return InquiryView{}, err
		}
		if r.Service != "" && t.s.Config.Service(r.Service) == nil {
			return InquiryView{}, Errorf(ErrUnknownService.Code, "no service %q", r.Service)
		}
		if r.Answered && ref != "" {
			return InquiryView{}, Errorf(ErrInvalid.Code, "an inquiry answered on the spot is referred to no one")
		}
		if !r.Answered && ref == "" {
			return InquiryView{}, ErrReferralRequired
		}
		ev := t.emit(Event{Type: EvInquiryLogged, Inquiry: &Inquiry{ID: newCode(10, func(string) bool { return false }),
			Topic: topic, Service: r.Service, Answered: r.Answered, ReferredTo: ref}})
		return inquiryView(t.s.Config, ev), nil
	})
}

// applyInquiry folds an inquiry event: the log is read from the events, the
// state keeps nothing of it.
func (s *State) applyInquiry(*Event, *Ticket) {}

// InquiryView is one line of the inquiry log: who was asked (job number and
// name), when, and the inquiry.
type InquiryView struct {
	Inquiry
	At        time.Time `json:"at"`
	Seq       uint64    `json:"seq"`
	Staff     string    `json:"staff"`
	StaffName string    `json:"staff_name,omitempty"`
}

func inquiryView(cfg *Config, ev *Event) InquiryView {
	v := InquiryView{Inquiry: *ev.Inquiry, At: ev.At, Seq: ev.Seq, Staff: ev.Actor}
	if st := cfg.StaffByJobNo(ev.Actor); st != nil {
		v.StaffName = st.Name
	}
	return v
}

// maxRangeDays bounds a register's date range.
const maxRangeDays = 366

// DayRange parses a register's from and to, dates YYYY-MM-DD in the hall's
// zone, both days included (from defaults to to, to to today), into the
// instants [start, end).
func (e *Engine) DayRange(from, to string) (start, end time.Time, err error) {
	day := func(s, what string) (time.Time, error) {
		d, err := time.ParseInLocation(time.DateOnly, s, e.loc)
		if err != nil {
			return time.Time{}, Errorf(ErrInvalid.Code, "%s %q must be a date YYYY-MM-DD", what, clip(s, 20))
		}
		return d, nil
	}
	if to == "" {
		to = e.Now().In(e.loc).Format(time.DateOnly)
	}
	if from == "" {
		from = to
	}
	if start, err = day(from, "from"); err != nil {
		return
	}
	last, err := day(to, "to")
	if err != nil {
		return
	}
	end = last.AddDate(0, 0, 1)
	if !start.Before(end) {
		return start, end, Errorf(ErrInvalid.Code, "from %s is after to %s", from, to)
	}
	if end.Sub(start) > maxRangeDays*24*time.Hour+time.Hour { // an hour for a daylight-saving shift
		return start, end, Errorf(ErrInvalid.Code, "at most %d days at a time", maxRangeDays)
	}
	return start, end, nil
}

// Inquiries returns the inquiries logged in [start, end), oldest first.
func (e *Engine) Inquiries(ctx context.Context, start, end time.Time) ([]InquiryView, error) {
	cfg := e.CurrentConfig()
	out := []InquiryView{}
	err := e.eventsBetween(ctx, start, end, func(ev *Event) {
		if ev.Type == EvInquiryLogged && ev.Inquiry != nil {
			out = append(out, inquiryView(cfg, ev))
		}
	})
	return out, err
}

// clockSlack is how far back the hall's clock may have been set between two
// events (a correction of the system clock): the log is searched that much
// wider than asked, and each event is then judged by its own time.
const clockSlack = 6 * time.Hour

// eventsBetween calls fn with each stored event stamped in [start, end). It
// finds the first by bisecting the log on the events' times (the clock may
// step back by up to clockSlack), then reads on in pages.
func (e *Engine) eventsBetween(ctx context.Context, start, end time.Time, fn func(*Event)) error {
	last, err := e.Seq(ctx)
	if err != nil {
		return err
	}
	lo := uint64(0)
	var bad error
	// The first seq whose event is at or after start - clockSlack; seq n's
	// event is the one after n-1.
	n := sort.Search(int(last), func(i int) bool {
		if bad != nil {
			return true
		}
		evs, err := e.store.Events(uint64(i), 1)
		if err != nil || len(evs) == 0 {
			bad = err
			return true
		}
		return !evs[0].At.Before(start.Add(-clockSlack))
	})
	if bad != nil {
		return bad
	}
	lo = uint64(n)
	const page = 500
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		evs, err := e.store.Events(lo, page)
		if err != nil {
			return err
		}
		for i := range evs {
			ev := &evs[i]
			if ev.At.After(end.Add(clockSlack)) {
				return nil
			}
			if !ev.At.Before(start) && ev.At.Before(end) {
				fn(ev)
			}
			lo = ev.Seq
		}
		if len(evs) < page {
			return nil
		}
	}
}
