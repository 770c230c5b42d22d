package queue

// The complaints workflow (意见簿、投诉电话、举报箱): the hall keeps its
// channels open to the citizens' supervision (chapter 2 §7: 设立意见簿、投诉
// 电话、举报箱等，自觉接受服务对象的监督). The director or staff record what
// came in — a complaint (投诉), a suggestion (建议) or praise (表扬) — with its
// channel, the staff or window concerned and the citizen's contact; the
// director replies within a number of working days and closes it, saying
// whether the complaint was upheld (查证属实). A kiosk takes a suggestion
// without a login (the suggestion box). Its commands, its payload, its events
// (who hears them), their fold, the reply deadline and its views are all
// here.

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The complaint events.
const (
	EvComplaintRecorded EventType = "complaint_recorded" // Complaint: the whole record
	EvComplaintReplied  EventType = "complaint_replied"  // Complaint: ID, Reply
	EvComplaintClosed   EventType = "complaint_closed"   // Complaint: ID, Upheld
)

// complaintEvents: the director hears them in full, the staff member
// concerned at their terminal (without the citizen's contact); no public
// screen hears them.
var complaintEvents = map[EventType]eventSpec{
	EvComplaintRecorded: {hidden: true, director: true, more: complaintConcerned},
	EvComplaintReplied:  {hidden: true, director: true, more: complaintConcerned},
	EvComplaintClosed:   {hidden: true, director: true, more: complaintConcerned},
}

// complaintConcerned adds the staff member a complaint names: their counter
// terminal hears what becomes of it, wherever they are signed in.
func complaintConcerned(s *State, e *Event, a *Audience) {
	if e.Complaint == nil {
		return
	}
	if c := s.Complaints[e.Complaint.ID]; c != nil && c.Staff != "" {
		a.Staff = append(a.Staff, c.Staff)
	}
}

// Complaint is the payload of the complaint events (Event.Complaint). The
// citizen's contact is personal data: only the director gets it.
type Complaint struct {
	ID      string    `json:"id"`
	Channel string    `json:"channel,omitempty"`
	Kind    string    `json:"kind,omitempty"`
	Topic   string    `json:"topic,omitempty"`
	Text    string    `json:"text,omitempty"`
	Staff   string    `json:"staff,omitempty"`
	Window  int       `json:"window,omitempty"`
	Contact string    `json:"contact,omitempty" private:"director"`
	Due     time.Time `json:"due,omitzero"`
	Reply   string    `json:"reply,omitempty"`
	Upheld  bool      `json:"upheld,omitempty"`
}

// The channels a complaint comes by: 意见簿, 投诉电话, 举报箱, 网上, 现场, and
// the kiosk's suggestion box (自助机意见箱), which only a kiosk uses.
var ComplaintChannels = []string{"book", "phone", "box", "online", "in_person", "kiosk"}

// The kinds of what comes in: 投诉, 建议, 表扬.
var ComplaintKinds = []string{"complaint", "suggestion", "praise"}

// The topics a citizen picks at the kiosk's suggestion box (any recording may
// carry one): 等候时间, 引导与告知, 服务态度, 办事效率, 大厅环境, 其他.
var ComplaintTopics = []string{"waiting", "guidance", "attitude", "efficiency", "environment", "other"}

// The states of a complaint.
const (
	ComplaintOpen    = "open"
	ComplaintReplied = "replied"
	ComplaintClosed  = "closed"
)

// Errors of the complaints workflow.
var (
	ErrUnknownComplaint = define(KindNotFound, "unknown_complaint", "no such complaint")
	ErrComplaintClosed  = define(KindConflict, "complaint_closed", "this complaint is closed")
)

// ComplaintRecord is one entry of the complaints register.
type ComplaintRecord struct {
	ID string `json:"id"`
	// Seq is the event that recorded it: the register's order.
	Seq        uint64    `json:"seq"`
	Channel    string    `json:"channel"`
	Kind       string    `json:"kind"`
	Topic      string    `json:"topic,omitempty"`
	Text       string    `json:"text,omitempty"`
	Staff      string    `json:"staff,omitempty"`
	Window     int       `json:"window,omitempty"`
	Contact    string    `json:"contact,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	At         time.Time `json:"at"`
	Due        time.Time `json:"due"`
	State      string    `json:"state"`
	Reply      string    `json:"reply,omitempty"`
	RepliedBy  string    `json:"replied_by,omitempty"`
	RepliedAt  time.Time `json:"replied_at,omitzero"`
	Upheld     bool      `json:"upheld,omitempty"`
	ClosedBy   string    `json:"closed_by,omitempty"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	// Overdue: not closed and past its reply deadline; worked out on
	// reading, not stored.
	Overdue bool `json:"overdue,omitempty"`
}

// ComplaintInput is what is recorded of a complaint, suggestion or praise.
type ComplaintInput struct {
	Channel string `json:"channel"`
	Kind    string `json:"kind"`
	Topic   string `json:"topic"`
	Text    string `json:"text"`
	Staff   string `json:"staff"`   // the staff member concerned, by job number
	Window  int    `json:"window"`  // the window concerned
	Contact string `json:"contact"` // the citizen's contact: personal data
}

// Limits of a complaint's texts, in characters.
const (
	maxComplaintText = 2000
	maxContact       = 100
)

// RecordComplaint records a complaint, suggestion or praise in the register,
// due for a reply in Rules.ComplaintReplyDays working days.
func (e *Engine) RecordComplaint(ctx context.Context, actor string, in ComplaintInput) (ComplaintRecord, error) {
	return call(ctx, e, actor, func(t *tx) (ComplaintRecord, error) {
		if !slices.Contains(ComplaintChannels, in.Channel) {
			return ComplaintRecord{}, Errorf(ErrInvalid.Code, "channel must be one of %s", strings.Join(ComplaintChannels, ", "))
		}
		if !slices.Contains(ComplaintKinds, in.Kind) {
			return ComplaintRecord{}, Errorf(ErrInvalid.Code, "kind must be one of %s", strings.Join(ComplaintKinds, ", "))
		}
		if in.Topic != "" && !slices.Contains(ComplaintTopics, in.Topic) {
			return ComplaintRecord{}, Errorf(ErrInvalid.Code, "topic must be one of %s", strings.Join(ComplaintTopics, ", "))
		}
		text, err := cleanLong(in.Text, "text", in.Topic == "", maxComplaintText)
		if err != nil {
			return ComplaintRecord{}, err
		}
		contact, err := cleanLine(in.Contact, "contact", false, maxContact)
		if err != nil {
			return ComplaintRecord{}, err
		}
		staff := strings.TrimSpace(in.Staff)
		if staff != "" && t.s.Config.StaffByJobNo(staff) == nil {
			return ComplaintRecord{}, Errorf(ErrUnknownStaff.Code, "no staff %q", clip(staff, 20))
		}
		if in.Window != 0 && t.s.Config.Window(in.Window) == nil {
			return ComplaintRecord{}, Errorf(ErrUnknownWindow.Code, "no window %d", in.Window)
		}
		id := newCode(8, func(s string) bool { return t.s.Complaints[s] != nil })
		t.emit(Event{Type: EvComplaintRecorded, Complaint: &Complaint{ID: id, Channel: in.Channel, Kind: in.Kind,
			Topic: in.Topic, Text: text, Staff: staff, Window: in.Window, Contact: contact,
			Due: t.s.Config.Calendar.AddWorkingDays(t.now, t.s.Config.Rules.ComplaintReplyDays, t.e.loc)}})
		return t.s.complaintView(id, t.now), nil
	})
}

// ReplyComplaint records the hall's reply to a complaint that is not closed
// (a later reply replaces it in the register; the log keeps each).
func (e *Engine) ReplyComplaint(ctx context.Context, actor, id, reply string) (ComplaintRecord, error) {
	return call(ctx, e, actor, func(t *tx) (ComplaintRecord, error) {
		c := t.s.Complaints[id]
		if c == nil {
			return ComplaintRecord{}, ErrUnknownComplaint
		}
		if c.State == ComplaintClosed {
			return ComplaintRecord{}, ErrComplaintClosed
		}
		reply, err := cleanLong(reply, "text", true, maxComplaintText)
		if err != nil {
			return ComplaintRecord{}, err
		}
		t.emit(Event{Type: EvComplaintReplied, Complaint: &Complaint{ID: id, Reply: reply}})
		return t.s.complaintView(id, t.now), nil
	})
}

// CloseComplaint closes a complaint, saying whether it was upheld (查证属实).
func (e *Engine) CloseComplaint(ctx context.Context, actor, id string, upheld bool) (ComplaintRecord, error) {
	return call(ctx, e, actor, func(t *tx) (ComplaintRecord, error) {
		c := t.s.Complaints[id]
		if c == nil {
			return ComplaintRecord{}, ErrUnknownComplaint
		}
		if c.State == ComplaintClosed {
			return ComplaintRecord{}, ErrComplaintClosed
		}
		t.emit(Event{Type: EvComplaintClosed, Complaint: &Complaint{ID: id, Upheld: upheld}})
		return t.s.complaintView(id, t.now), nil
	})
}

// applyComplaint folds a complaint event.
func (s *State) applyComplaint(e *Event, _ *Ticket) {
	p := e.Complaint
	if s.Complaints == nil {
		s.Complaints = map[string]*ComplaintRecord{}
	}
	switch e.Type {
	case EvComplaintRecorded:
		s.Complaints[p.ID] = &ComplaintRecord{ID: p.ID, Seq: e.Seq, Channel: p.Channel, Kind: p.Kind, Topic: p.Topic, Text: p.Text,
			Staff: p.Staff, Window: p.Window, Contact: p.Contact, RecordedBy: e.Actor, At: e.At, Due: p.Due,
			State: ComplaintOpen}
	case EvComplaintReplied:
		c := s.Complaints[p.ID]
		c.Reply, c.RepliedBy, c.RepliedAt, c.State = p.Reply, e.Actor, e.At, ComplaintReplied
	case EvComplaintClosed:
		c := s.Complaints[p.ID]
		c.Upheld, c.ClosedBy, c.ClosedAt, c.State = p.Upheld, e.Actor, e.At, ComplaintClosed
	}
}

// complaintView is a copy of complaint id as the register shows it at now.
func (s *State) complaintView(id string, now time.Time) ComplaintRecord {
	c := s.Complaints[id]
	if c == nil {
		return ComplaintRecord{}
	}
	v := *c
	v.Overdue = v.State != ComplaintClosed && now.After(v.Due)
	return v
}

// Filter selects entries of a register: those recorded from From (a day's
// start) until To (a day's end), each when not zero, and in State when not
// empty.
type Filter struct {
	From, To time.Time
	State    string
}

func (f Filter) has(at time.Time, state string) bool {
	return (f.From.IsZero() || !at.Before(f.From)) && (f.To.IsZero() || !at.After(f.To)) &&
		(f.State == "" || f.State == state)
}

// Complaints lists the complaints register, oldest first. It carries the
// citizens' contacts: for the director and admin only.
func (e *Engine) Complaints(ctx context.Context, f Filter) ([]ComplaintRecord, error) {
	return read(ctx, e, func(t *tx) ([]ComplaintRecord, error) {
		if f.State != "" && f.State != ComplaintOpen && f.State != ComplaintReplied && f.State != ComplaintClosed {
			return nil, Errorf(ErrInvalid.Code, "state must be open, replied or closed")
		}
		out := []ComplaintRecord{}
		for _, c := range t.s.Complaints {
			if f.has(c.At, c.State) {
				out = append(out, t.s.complaintView(c.ID, t.now))
			}
		}
		slices.SortFunc(out, func(a, b ComplaintRecord) int { return cmp.Compare(a.Seq, b.Seq) })
		return out, nil
	})
}

// cleanLong checks a free text a person wrote (a complaint, a reply, a
// note): trimmed, at most max characters, lines kept (CRLF made LF) but no
// other control or invisible formatting character.
func cleanLong(s, what string, required bool, max int) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if required && s == "" {
		return "", Errorf(ErrInvalid.Code, "%s is required", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", Errorf(ErrInvalid.Code, "%s is %d characters long; at most %d", what, n, max)
	}
	for _, line := range strings.Split(s, "\n") {
		if why := textError(line, max); why != "" {
			return "", Errorf(ErrInvalid.Code, "%s %s", what, why)
		}
	}
	return s, nil
}

// complaintAlerts: complaints, suggestions and praise not closed whose reply
// is due by the end of the next working day, and those past it.
func complaintAlerts(s *State, now time.Time, loc *time.Location) []Alert {
	var out []Alert
	for _, id := range sortedKeys(s.Complaints) {
		c := s.Complaints[id]
		if c.State == ComplaintClosed {
			continue
		}
		a := Alert{Since: c.At, Due: c.Due, Window: c.Window, Staff: c.Staff, Ref: c.ID, Action: ActionOpenRegisters}
		switch {
		case now.After(c.Due):
			a.Kind, a.Level, a.Since = AlertComplaintLate, LevelUrgent, c.Due
		case s.Config.Calendar.WorkingDaysLeft(now, c.Due, loc) <= 1:
			a.Kind, a.Level = AlertComplaintDue, LevelWarn
		default:
			continue
		}
		out = append(out, a)
	}
	return out
}
