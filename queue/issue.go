package queue

// The issuing workflow (取号): a kiosk, a greeter or a phone gives a citizen
// the next number of a service, within the hours, the service's daily quota
// and the citizen ID's daily limit. Its commands, its events (their audience
// and what a public screen gets of them), their fold, its views and its day
// roll-over are all here.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The issuing events.
const (
	EvTicketIssued EventType = "ticket_issued" // Ticket, Number, Service, Channel, Priority, IDHash
	// EvTicketCancelled takes a ticket out of the hall (Ticket). No command
	// emits it today; logs may hold it.
	EvTicketCancelled EventType = "ticket_cancelled"
	// EvEventsLost stands in for an event that damage to the disk destroyed,
	// written by `qcall repair` in its place: Count events lost there (the
	// ticket numbers of each service skip as many, since a lost event may
	// have issued one that a citizen holds), Note what the repair found.
	EvEventsLost EventType = "events_lost" // Count, Note
)

// issueEvents: who hears the issuing events, and what a public screen gets
// of them (never the citizen ID's hash or the ticket's id).
var issueEvents = map[EventType]eventSpec{
	EvTicketIssued:    {public: []string{"number", "service", "channel", "priority"}},
	EvTicketCancelled: {public: []string{}},
	EvEventsLost:      {public: []string{}, director: true}, // what repair found is for the director
}

// IssueFields are what a ticket_issued event carries besides the common
// fields: how the ticket was taken, its priority class, and the hash of the
// citizen's ID number (for the daily limit; no client gets it).
type IssueFields struct {
	Channel  string `json:"channel,omitempty"`
	Priority string `json:"priority,omitempty"`
	IDHash   string `json:"id_hash,omitempty" private:"stored"`
}

// applyIssue folds an issuing event; t is its ticket (nil for a new one).
func (s *State) applyIssue(e *Event, t *Ticket) {
	switch e.Type {
	case EvTicketIssued:
		t := &Ticket{ID: e.Ticket, Number: e.Number, Service: e.Service, Day: s.Day, State: TicketWaiting,
			Channel: e.Channel, Priority: e.Priority, QueueSeq: e.Seq,
			IssuedAt: e.At, QueuedAt: e.At, Class: ClassNormal}
		s.Tickets[t.ID] = t
		s.enqueue(t)
		s.Numbers[e.Service] = numberValue(e.Number)
		s.Issued[e.Service]++
		if e.IDHash != "" {
			s.Persons[e.IDHash]++
		}
	case EvTicketCancelled:
		if t.Window != 0 && s.window(t.Window).Current == t.ID {
			s.window(t.Window).Current = ""
		}
		s.setState(t, TicketCancelled)
	case EvEventsLost:
		if s.Config != nil {
			for _, svc := range s.Config.Services {
				s.Numbers[svc.Code] += e.Count
			}
		}
	}
}

// issueDayOpened restarts the numbers, the quotas and the citizen IDs' counts.
func (s *State) issueDayOpened() {
	clear(s.Numbers)
	clear(s.Issued)
	clear(s.Persons)
}

// IssueRequest is what a kiosk, a greeter or a phone asks a ticket with.
type IssueRequest struct {
	Service string
	// Channel is kiosk, greeter, mobile or api.
	Channel string
	// IDNo is the citizen's ID number, optional; only its keyed hash is kept.
	IDNo string
	// Priority is a configured priority class code, optional.
	Priority string
}

// Channels a ticket can be issued through.
var Channels = []string{"kiosk", "greeter", "mobile", "api"}

// IssueTicket gives the citizen the next number of the service.
func (e *Engine) IssueTicket(ctx context.Context, actor string, r IssueRequest) (TicketView, error) {
	return call(ctx, e, actor, func(t *tx) (TicketView, error) {
		cfg := t.s.Config
		svc := cfg.Service(r.Service)
		if svc == nil {
			return TicketView{}, Errorf(ErrUnknownService.Code, "no service %q", r.Service)
		}
		if r.Channel == "" {
			r.Channel = "api"
		}
		if !slices.Contains(Channels, r.Channel) {
			return TicketView{}, Errorf(ErrInvalid.Code, "channel %q must be one of %s", r.Channel, strings.Join(Channels, ", "))
		}
		if r.Priority != "" && cfg.Priority(r.Priority) == nil {
			return TicketView{}, Errorf(ErrInvalid.Code, "no priority class %q", r.Priority)
		}
		if !t.issuing(svc) {
			return TicketView{}, ErrIssuingClosed
		}
		if svc.DailyQuota > 0 && t.s.Issued[svc.Code] >= svc.DailyQuota {
			return TicketView{}, ErrQuotaReached
		}
		var idHash string
		if r.IDNo != "" {
			id, err := NormalizeIDNo(r.IDNo)
			if err != nil {
				return TicketView{}, err
			}
			if idHash, err = t.hashID(id); err != nil {
				return TicketView{}, err
			}
			if lim := cfg.Rules.PersonDailyLimit; lim > 0 && t.s.Persons[idHash] >= lim {
				return TicketView{}, ErrPersonLimit
			}
		}
		ev := t.emit(Event{Type: EvTicketIssued, Ticket: newID(), Service: svc.Code,
			Number:      formatNumber(svc.Prefix, t.s.Numbers[svc.Code]+1),
			IssueFields: IssueFields{Channel: r.Channel, Priority: r.Priority, IDHash: idHash}})
		id := ev.Ticket
		t.checkBackup(svc.Code)
		return t.s.issuedView(id), nil
	})
}

// issuing reports whether svc issues tickets now: between opening and its cut-off.
func (t *tx) issuing(svc *Service) bool { return t.s.issuingAt(svc, t.clock()) }

// issuingAt reports whether svc issues tickets at minute of the day mins, by
// the hours: from the hall's opening to the service's cut-off (the hall's
// when it has none of its own). The daily quota is the caller's to check.
func (s *State) issuingAt(svc *Service, mins int) bool {
	h := s.Config.Hall
	open, _ := clockMinutes(h.Open)
	cut, _ := clockMinutes(h.IssueCutoff)
	if svc.IssueCutoff != "" {
		cut, _ = clockMinutes(svc.IssueCutoff)
	}
	return mins >= open && mins < cut
}

// issuedView is the view of a ticket just issued. A plain ticket goes after
// everyone already waiting, so its place needs no count (issuing stays O(1)
// however long the queue).
func (s *State) issuedView(id string) TicketView {
	t := s.Tickets[id]
	if t.Priority != "" {
		return s.TicketView(id)
	}
	ahead := len(s.queued[t.Service]) - 1
	return TicketView{ID: t.ID, Number: t.Number, Service: t.Service, State: t.State, IssuedAt: t.IssuedAt,
		Ahead: ahead, Position: ahead + 1, EstWaitS: s.EstWait(t.Service, ahead), NoWindow: s.noWindow(t)}
}

// formatNumber is the number of a service's nth ticket of the day: its
// prefix and n in three digits or more ("A" and 12 → "A012").
func formatNumber(prefix string, n int) string { return fmt.Sprintf("%s%03d", prefix, n) }

// numberValue is the numeric part of a ticket number ("A012" → 12).
func numberValue(number string) int {
	n := 0
	for _, c := range number[1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

// hashID is the keyed hash a citizen ID (NormalizeIDNo) is stored as: under
// the business day's key when the engine has Options.IDKeys, else under
// Options.IDKey.
func (t *tx) hashID(idNo string) (string, error) {
	key := t.e.opts.IDKey
	if t.e.opts.IDKeys != nil {
		var err error
		if key, err = t.dayKey(); err != nil {
			t.e.log.Error("queue: citizen ID key", "day", t.s.Day, "err", err)
			return "", Errorf(ErrUnavailable.Code, "the citizen ID key is not available")
		}
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(idNo))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// dayKey is the key of today's citizen-ID hashes; asking for it also makes
// the keyring forget the keys older than Rules.IDHashDays.
func (t *tx) dayKey() ([]byte, error) {
	day, err := time.ParseInLocation(time.DateOnly, t.s.Day, t.e.loc)
	if err != nil {
		return nil, fmt.Errorf("business day %q: %w", t.s.Day, err)
	}
	keep := max(t.s.Config.Rules.IDHashDays, 1)
	return t.e.opts.IDKeys.DayKey(t.s.Day, day.AddDate(0, 0, 1-keep).Format(time.DateOnly))
}
