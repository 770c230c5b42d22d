package queue

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestSnapshot_TicketFields fails when Ticket gains a field: the snapshot's
// ticket encoder (encodeTicket) writes each field by hand and must learn it.
func TestSnapshot_TicketFields(t *testing.T) {
	if n := reflect.TypeFor[Ticket]().NumField(); n != ticketFields {
		t.Fatalf("Ticket has %d fields, the snapshot writes %d: teach snapEncoder.ticket and snapDecoder.ticket the new ones", n, ticketFields)
	}
}

// TestSnapshot_RoundTrip: a state with tickets whose every field is set (by
// reflection, so that a new field is covered without a hand list), with times
// in several zones, at nanoseconds and zero, reads back from the compact
// snapshot exactly as it reads back from its JSON.
func TestSnapshot_RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("", 8*3600), time.FixedZone("X", -(3*3600 + 1800)),
		time.FixedZone("", 0)}
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		zones = append(zones, l)
	}
	strs := []string{"", "A001", "employment", "waiting", "kiosk", "senior", "1001", "2026-11-26", "号码", newID(), "not base32!",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"}
	s := NewState()
	s.Config = Demo()
	for i := range 500 {
		tk := &Ticket{}
		v := reflect.ValueOf(tk).Elem()
		for f := range v.NumField() {
			fv := v.Field(f)
			switch {
			case fv.Type() == reflect.TypeFor[time.Time]():
				tm := time.Time{}
				if r.IntN(5) > 0 {
					tm = time.Unix(1.7e9+r.Int64N(1e8), r.Int64N(3)*r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
				}
				fv.Set(reflect.ValueOf(tm))
			case fv.Kind() == reflect.String:
				fv.SetString(strs[r.IntN(len(strs))])
			case fv.Kind() == reflect.Int:
				fv.SetInt(r.Int64N(40) - 5)
			case fv.Kind() == reflect.Uint64:
				fv.SetUint(r.Uint64() >> r.IntN(64))
			default:
				t.Fatalf("field %s of kind %s: teach this test (and the snapshot) about it", v.Type().Field(f).Name, fv.Kind())
			}
		}
		if i%3 == 0 {
			tk.QueuedAt = tk.IssuedAt
		}
		tk.ID = fmt.Sprintf("%s-%d", tk.ID, i)
		if i%2 == 0 {
			tk.ID = newID()
		}
		s.Tickets[tk.ID] = tk
	}
	s.Seq, s.Day = 77, "2026-11-26"
	s.Numbers["employment"] = 3
	s.Where["1001"] = &Whereabouts{Status: Break, Since: time.Unix(1.7e9, 5).In(zones[2])}

	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := decodeState(js)
	if err != nil {
		t.Fatal(err)
	}
	compact, err := encodeState(s)
	if err != nil {
		t.Fatal(err)
	}
	fromCompact, err := decodeState(compact)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(fromJSON)
	got, _ := json.Marshal(fromCompact)
	if string(got) != string(want) {
		for id, w := range fromJSON.Tickets {
			g := fromCompact.Tickets[id]
			gb, _ := json.Marshal(g)
			wb, _ := json.Marshal(w)
			if string(gb) != string(wb) {
				t.Fatalf("ticket reads back\n %s\nwant\n %s", gb, wb)
			}
		}
		t.Fatalf("state reads back\n %.600s\nwant\n %.600s", got, want)
	}
	for _, tk := range fromCompact.Tickets {
		w := fromJSON.Tickets[tk.ID]
		for _, pair := range [][2]time.Time{{tk.IssuedAt, w.IssuedAt}, {tk.QueuedAt, w.QueuedAt}, {tk.CalledAt, w.CalledAt}} {
			if pair[0].Location().String() != pair[1].Location().String() {
				t.Fatalf("ticket %s: a time reads back in %s, from JSON in %s", tk.ID, pair[0].Location(), pair[1].Location())
			}
		}
	}
	if len(compact) >= len(js)/2 {
		t.Errorf("the compact snapshot is %d bytes, its JSON %d", len(compact), len(js))
	}
}

// TestSnapshot_Damaged: a snapshot cut short or with a byte changed is an
// error or a state, never a panic.
func TestSnapshot_Damaged(t *testing.T) {
	s := NewState()
	s.Config = Demo()
	for i := range 20 {
		tk := &Ticket{ID: newID(), Number: fmt.Sprintf("A%03d", i), Service: "employment", State: TicketWaiting,
			IssuedAt: time.Unix(1.7e9, 0), QueuedAt: time.Unix(1.7e9+1, 0), Slip: "S", Express: "X"}
		s.Tickets[tk.ID] = tk
	}
	b, err := encodeState(s)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		if _, err := decodeState(b[:n]); err == nil {
			t.Fatalf("a snapshot cut at %d of %d bytes reads", n, len(b))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		c := append([]byte(nil), b...)
		c[len(snapMagic)+r.IntN(len(c)-len(snapMagic))] ^= byte(1 + r.IntN(255))
		decodeState(c) // must not panic
	}
}
