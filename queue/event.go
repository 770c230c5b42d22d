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

// Event is one change to the hall: the only source of truth. Seq numbers
// events hall-wide, strictly increasing and gap-free; events are never edited.
// Fields not used by a type are left empty, so the JSON of an event carries
// just what it says.
//
// Its fields up to Tickets are the hall's common vocabulary: a ticket, its
// number and service, a window, a staff member, a status, a note, a reason.
// A workflow's own fields are its typed payload, declared in its file (see
// payload.go): the hall's first workflows embed theirs (IssueFields,
// CallFields …), whose fields stay at the top level of the event's JSON, as
// the screens, the devices and the stored logs have them; the later ones
// hold theirs by pointer, after Config, as one JSON object ("complaint":
// {…}). Either way, a field added to a payload is one edit: the encoder
// (eventjson.go) finds every field by reflection.
type Event struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Type   EventType `json:"type"`
	Actor  string    `json:"actor"`
	Window int       `json:"window,omitempty"`
	Ticket string    `json:"ticket,omitempty"`

	Number  string   `json:"number,omitempty"`
	Service string   `json:"service,omitempty"`
	Day     string   `json:"day,omitempty"`
	Staff   string   `json:"staff,omitempty"`
	Status  string   `json:"status,omitempty"`
	Note    string   `json:"note,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Count   int      `json:"count,omitempty"`
	Tickets []string `json:"tickets,omitempty"`

	// The embedded payloads, flat in the JSON: issue.go, call.go, slip.go,
	// refusal.go, express.go, case.go, rating.go, backup.go, posts.go,
	// device.go.
	IssueFields
	CallFields
	SlipFields
	RefusalFields
	ExpressFields
	CaseFields
	RatingFields
	BackupFields
	PostFields
	DeviceFields

	// Config and, after it, the payloads held by pointer: a pointer to the
	// struct a workflow declares in its own file (payload.go says how, and
	// how personal data is kept from every client but the director).
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
