package queue

import (
	"bytes"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"time"
)

// A snapshot (Snapshot.State) is the state in a compact form: most of a busy
// day's state is its tickets, tens of thousands of them, and a restart reads
// them all. So the tickets are written field by field in binary, with the
// strings few tickets differ in (service, day, state, channel, priority,
// staff) once in a table, ticket ids as their 16 random bytes, and the queue
// time left out when it is the issue time; the rest of the state is JSON.
//
//	"QCS2"  uvarint len, JSON of the state without its tickets
//	        uvarint n, the strings of the table (uvarint len, bytes), the first ""
//	        uvarint m, m tickets (encodeTicket)
//
// Snapshots written before (the JSON of State, starting with '{') load as
// they are.
var snapMagic = []byte("QCS2")

// ticketFields is how many fields Ticket has; encodeTicket writes each.
// TestSnapshot_TicketFields fails when a field is added and this is not.
const ticketFields = 23

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// encodeState is the snapshot of s (Snapshot.State).
func encodeState(s *State) ([]byte, error) {
	rest := *s
	rest.Tickets = nil
	j, err := json.Marshal(&rest)
	if err != nil {
		return nil, err
	}
	e := snapEncoder{index: map[string]uint64{"": 0}, table: []string{""}}
	body := make([]byte, 0, 64*len(s.Tickets))
	body = binary.AppendUvarint(body, uint64(len(s.Tickets)))
	for _, t := range s.Tickets {
		body = e.ticket(body, t)
	}
	out := make([]byte, 0, len(snapMagic)+len(j)+len(body)+16*len(e.table)+20)
	out = append(out, snapMagic...)
	out = binary.AppendUvarint(out, uint64(len(j)))
	out = append(out, j...)
	out = binary.AppendUvarint(out, uint64(len(e.table)))
	for _, str := range e.table {
		out = appendString(out, str)
	}
	return append(out, body...), nil
}

// decodeState reads a snapshot written by encodeState, or the JSON of a
// State (older snapshots).
func decodeState(b []byte) (*State, error) {
	s := &State{}
	if !bytes.HasPrefix(b, snapMagic) {
		if err := json.Unmarshal(b, s); err != nil {
			return nil, err
		}
		s.init()
		return s, nil
	}
	d := snapDecoder{b: b[len(snapMagic):], zones: map[int]*time.Location{}}
	j := d.bytes()
	if d.err == nil {
		if err := json.Unmarshal(j, s); err != nil {
			return nil, err
		}
	}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
	}
	if d.err == nil {
		d.table = make([]string, n)
		for i := range d.table {
			d.table[i] = string(d.bytes())
		}
	}
	m := d.uvarint()
	if m > uint64(len(d.b)) {
		d.fail()
	}
	if d.err == nil {
		s.Tickets = make(map[string]*Ticket, m)
		for range m {
			t := d.ticket()
			if d.err != nil {
				break
			}
			s.Tickets[t.ID] = t
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	if d.err != nil {
		return nil, d.err
	}
	s.init()
	return s, nil
}

// The flags of an encoded ticket.
const (
	tfRawID      = 1 << iota // the id is 16 bytes, base32 without padding
	tfQueuedAt               // QueuedAt differs from IssuedAt
	tfCalledAt               // the times that are set
	tfStartedAt              //
	tfFinishedAt             //
	tfSlip                   // the strings that are set
	tfExpress                //
	tfCase                   //
)

type snapEncoder struct {
	index map[string]uint64
	table []string
}

func (e *snapEncoder) str(b []byte, s string) []byte {
	i, ok := e.index[s]
	if !ok {
		i = uint64(len(e.table))
		e.index[s] = i
		e.table = append(e.table, s)
	}
	return binary.AppendUvarint(b, i)
}

// ticket appends t: its flags, then each of its ticketFields fields.
func (e *snapEncoder) ticket(b []byte, t *Ticket) []byte {
	var flags uint64
	var raw [16]byte
	if len(t.ID) == idEncoding.EncodedLen(16) {
		if n, err := idEncoding.Decode(raw[:], []byte(t.ID)); err == nil && n == 16 && idEncoding.EncodeToString(raw[:]) == t.ID {
			flags |= tfRawID
		}
	}
	if !t.QueuedAt.Equal(t.IssuedAt) || zoneOffset(t.QueuedAt) != zoneOffset(t.IssuedAt) {
		flags |= tfQueuedAt
	}
	if !t.CalledAt.IsZero() {
		flags |= tfCalledAt
	}
	if !t.StartedAt.IsZero() {
		flags |= tfStartedAt
	}
	if !t.FinishedAt.IsZero() {
		flags |= tfFinishedAt
	}
	if t.Slip != "" {
		flags |= tfSlip
	}
	if t.Express != "" {
		flags |= tfExpress
	}
	if t.Case != "" {
		flags |= tfCase
	}
	b = binary.AppendUvarint(b, flags)
	if flags&tfRawID != 0 {
		b = append(b, raw[:]...)
	} else {
		b = appendString(b, t.ID)
	}
	b = appendString(b, t.Number)
	b = e.str(b, t.Service)
	b = e.str(b, t.Day)
	b = e.str(b, string(t.State))
	b = e.str(b, t.Channel)
	b = e.str(b, t.Priority)
	b = e.str(b, t.Staff)
	b = binary.AppendUvarint(b, t.QueueSeq)
	b = appendSnapTime(b, t.IssuedAt)
	if flags&tfQueuedAt != 0 {
		b = appendSnapTime(b, t.QueuedAt)
	}
	if flags&tfCalledAt != 0 {
		b = appendSnapTime(b, t.CalledAt)
	}
	if flags&tfStartedAt != 0 {
		b = appendSnapTime(b, t.StartedAt)
	}
	if flags&tfFinishedAt != 0 {
		b = appendSnapTime(b, t.FinishedAt)
	}
	for _, n := range [...]int{t.Class, t.PinWindow, t.Window, t.Calls, t.NoShows, t.Rating} {
		b = binary.AppendVarint(b, int64(n))
	}
	if flags&tfSlip != 0 {
		b = appendString(b, t.Slip)
	}
	if flags&tfExpress != 0 {
		b = appendString(b, t.Express)
	}
	if flags&tfCase != 0 {
		b = appendString(b, t.Case)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendTime appends tm as seconds, nanoseconds and its zone's offset: what
// its JSON says, so that it reads back as the JSON would.
func appendSnapTime(b []byte, tm time.Time) []byte {
	b = binary.AppendVarint(b, tm.Unix())
	b = binary.AppendUvarint(b, uint64(tm.Nanosecond()))
	return binary.AppendVarint(b, int64(zoneOffset(tm)))
}

func zoneOffset(tm time.Time) int {
	_, off := tm.Zone()
	return off
}

type snapDecoder struct {
	b     []byte
	table []string
	zones map[int]*time.Location
	err   error
}

var errSnapshot = errors.New("snapshot: damaged ticket data")

func (d *snapDecoder) fail() {
	if d.err == nil {
		d.err = errSnapshot
	}
	d.b = nil
}

func (d *snapDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *snapDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *snapDecoder) int() int {
	v := d.varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *snapDecoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *snapDecoder) str() string {
	i := d.uvarint()
	if i >= uint64(len(d.table)) {
		d.fail()
		return ""
	}
	return d.table[i]
}

// time reads what appendTime wrote, in the location JSON gives a time with
// that offset: UTC for 0, Local when the offset is the local one then, else a
// fixed zone.
func (d *snapDecoder) time() time.Time {
	sec, nsec, off := d.varint(), d.uvarint(), d.int()
	if nsec >= 1e9 {
		d.fail()
	}
	if d.err != nil {
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	if _, local := t.Zone(); local == off {
		return t
	}
	loc := d.zones[off]
	if loc == nil {
		loc = time.FixedZone("", off)
		d.zones[off] = loc
	}
	return t.In(loc)
}

func (d *snapDecoder) ticket() *Ticket {
	t := &Ticket{}
	flags := d.uvarint()
	if flags&tfRawID != 0 {
		if len(d.b) < 16 {
			d.fail()
			return t
		}
		t.ID = idEncoding.EncodeToString(d.b[:16])
		d.b = d.b[16:]
	} else {
		t.ID = string(d.bytes())
	}
	t.Number = string(d.bytes())
	t.Service = d.str()
	t.Day = d.str()
	t.State = TicketState(d.str())
	t.Channel = d.str()
	t.Priority = d.str()
	t.Staff = d.str()
	t.QueueSeq = d.uvarint()
	t.IssuedAt = d.time()
	t.QueuedAt = t.IssuedAt
	if flags&tfQueuedAt != 0 {
		t.QueuedAt = d.time()
	}
	if flags&tfCalledAt != 0 {
		t.CalledAt = d.time()
	}
	if flags&tfStartedAt != 0 {
		t.StartedAt = d.time()
	}
	if flags&tfFinishedAt != 0 {
		t.FinishedAt = d.time()
	}
	t.Class, t.PinWindow, t.Window, t.Calls, t.NoShows, t.Rating = d.int(), d.int(), d.int(), d.int(), d.int(), d.int()
	if flags&tfSlip != 0 {
		t.Slip = string(d.bytes())
	}
	if flags&tfExpress != 0 {
		t.Express = string(d.bytes())
	}
	if flags&tfCase != 0 {
		t.Case = string(d.bytes())
	}
	if flags >= tfCase<<1 {
		d.fail() // a flag this code does not know
	}
	return t
}
