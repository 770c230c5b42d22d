package queue

import "time"

// EventType names what happened.
type EventType string

func (t EventType) String() string { return string(t) }

// The event types are declared in their workflow's file, each with the
// fields of Event it sets, who hears it (eventSpec) and its fold: issue.go,
// call.go, slip.go, express.go, refusal.go, case.go, rating.go, backup.go,
// whereabouts.go, device.go, posts.go, day.go, config.go, complaint.go,
// homevisit.go, spotcheck.go, followup.go and inquiry.go.

// Event is one change to the hall: the only source of truth. Its fields up to
// Tickets are the hall's common vocabulary; a workflow's own fields are its
// typed payload, after Config. Seq numbers events
// hall-wide, strictly increasing and gap-free; events are never edited. Fields
// not used by a type are left empty, so the JSON of an event carries just what it
// says.
type Event struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Type   EventType `json:"type"`
	Actor  string    `json:"actor"`
	Window int       `json:"window,omitempty"`
	Ticket string    `json:"ticket,omitempty"`

	Number   string `json:"number,omitempty"`
	Service  string `json:"service,omitempty"`
	Channel  string `json:"channel,omitempty"`
	Priority string `json:"priority,omitempty"`
	IDHash   string `json:"id_hash,omitempty"`
	Day      string `json:"day,omitempty"`

	Staff  string   `json:"staff,omitempty"`
	Cover  []string `json:"cover,omitempty"`
	Status string   `json:"status,omitempty"`
	Note   string   `json:"note,omitempty"`
	Device string   `json:"device,omitempty"`
	// Kiosks are the kiosks a device (a ticket printer) prints for.
	Kiosks []string `json:"kiosks,omitempty"`

	ToService  string    `json:"to_service,omitempty"`
	ToWindow   int       `json:"to_window,omitempty"`
	Slip       string    `json:"slip,omitempty"`
	Missing    []string  `json:"missing,omitempty"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	Refusal    string    `json:"refusal,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Basis      string    `json:"basis,omitempty"`
	Express    string    `json:"express,omitempty"`
	Case       string    `json:"case,omitempty"`
	Due        time.Time `json:"due,omitzero"`

	Score int `json:"score,omitempty"`
	// Scale is the scale of a rating's Score: 5 (the national 好差评 levels);
	// absent on ratings stored before, which are of four levels.
	Scale      int      `json:"scale,omitempty"`
	Count      int      `json:"count,omitempty"`
	Requeued   bool     `json:"requeued,omitempty"`
	OutOfOrder bool     `json:"out_of_order,omitempty"`
	Manual     bool     `json:"manual,omitempty"`
	Notified   bool     `json:"notified,omitempty"`
	Waiting    int      `json:"waiting,omitempty"`
	EstWaitS   int      `json:"est_wait_s,omitempty"`
	UncoveredS int      `json:"uncovered_s,omitempty"`
	Services   []string `json:"services,omitempty"`
	Tickets    []string `json:"tickets,omitempty"`

	// Config and, after it, the workflows' typed payloads: a pointer to
	// the struct a workflow declares in its own file for the fields only
	// its events carry (payload.go says how, and how personal data is
	// kept from every client but the director).
	Config *Config `json:"config,omitempty"`

	// The hall office's registers: complaint.go, homevisit.go, spotcheck.go.
	Complaint *Complaint `json:"complaint,omitempty"`
	HomeVisit *HomeVisit `json:"home_visit,omitempty"`
	SpotCheck *SpotCheck `json:"spot_check,omitempty"`
	// Followup is the follow-up workflow's payload (followup.go).
	Followup *Followup `json:"followup,omitempty"`
	// Inquiry is an inquiry_logged event's (inquiry.go).
	Inquiry *Inquiry `json:"inquiry,omitempty"`
}

// EventSink receives the committed events, in seq order, from the engine's own
// goroutine right after each commit. Publish must not block: a sink hands the
// events on to its own goroutines or buffers. It must not keep the slice it is
// given, which the engine reuses: it copies what it keeps.
type EventSink interface {
	Publish(events []Event)
}

// Store keeps the events durably. The engine is its only writer.
type Store interface {
	// Load returns the newest snapshot (nil when there is none) and every event
	// after it, in seq order.
	Load() (*Snapshot, []Event, error)
	// Append writes events, and snap when it is not nil, in one transaction, and
	// returns only once it is on disk (fsynced). On error nothing of it is stored.
	Append(events []Event, snap *Snapshot) error
	// Events returns up to limit events with seq greater than after, in order.
	Events(after uint64, limit int) ([]Event, error)
	// Close releases the store.
	Close() error
}

// Snapshot is the folded State at Seq, as the JSON encoding of State.
type Snapshot struct {
	Seq   uint64
	State []byte
}
