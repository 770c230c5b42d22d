package queue_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/internal/fieldfill"
	"qcall/queue"
)

// jsonStrings are the strings the random values draw from: the cases
// encoding/json escapes, and some it does not.
var jsonStrings = []string{
	"",
	"A001",
	"employment",
	"示范区人力资源和社会保障局",
	`<>&'"\`,
	"<script>alert(1)</script> & more",
	"\x00\x01\x07\x1f\b\f\n\r\t\x7f",
	"\u2028\u2029",
	"a\u2028b\u2029c",
	"\xff\xfe",
	"bad \xe4\xb8 tail \xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80",
	"emoji 😀🎫👍🏽",
	"mixed <b>中文\xff\u2028\"\\\n</b>",
	"\ufffd\ufeff\u00e9\u0301",
	"http://hall.example.gov.cn/t/0123&x=<1>",
}

var (
	cst  = time.FixedZone("CST", 8*3600)
	east = time.FixedZone("", 8*3600)
)

// jsonTimes are the times the random values draw from.
var jsonTimes = []time.Time{
	{},
	time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC),
	time.Date(2026, 3, 2, 8, 30, 15, 123456789, time.UTC),
	time.Date(2026, 3, 2, 8, 30, 15, 120000000, time.UTC),
	time.Date(2026, 3, 2, 16, 30, 0, 0, cst),
	time.Date(2026, 12, 31, 23, 59, 59, 999999999, cst),
	time.Date(2026, 12, 31, 23, 59, 59, 1000, east),
	time.Date(1, 1, 1, 0, 0, 0, 0, cst), // not the zero time: 8 hours before it
	time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
}

type jsonRand struct{ *rand.Rand }

func (r jsonRand) str() string {
	if r.IntN(3) == 0 {
		return ""
	}
	return jsonStrings[r.IntN(len(jsonStrings))]
}

func (r jsonRand) int() int {
	switch r.IntN(4) {
	case 0, 1:
		return 0
	case 2:
		return r.IntN(100)
	}
	return int(r.Uint64()) // any sign, any size
}

func (r jsonRand) bool() bool { return r.IntN(2) == 0 }

func (r jsonRand) time() time.Time {
	if r.IntN(3) == 0 {
		return time.Time{}
	}
	return jsonTimes[r.IntN(len(jsonTimes))]
}

func (r jsonRand) strs() []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	ss := make([]string, 1+r.IntN(4))
	for i := range ss {
		ss[i] = jsonStrings[r.IntN(len(jsonStrings))]
	}
	return ss
}

func (r jsonRand) event() queue.Event {
	e := queue.Event{
		Seq: r.Uint64N(1 << 40), At: r.time(), Type: queue.EventType(r.str()), Actor: r.str(), Window: r.int(), Ticket: r.str(),
		Number: r.str(), Service: r.str(), Day: r.str(), Staff: r.str(), Status: r.str(), Note: r.str(),
		Reason: r.str(), Count: r.int(), Tickets: r.strs(),
		IssueFields:   queue.IssueFields{Channel: r.str(), Priority: r.str(), IDHash: r.str()},
		CallFields:    queue.CallFields{ToService: r.str(), ToWindow: r.int(), OutOfOrder: r.bool(), Requeued: r.bool()},
		SlipFields:    queue.SlipFields{Slip: r.str(), Missing: r.strs(), ValidUntil: r.time()},
		RefusalFields: queue.RefusalFields{Refusal: r.str(), Basis: r.str()},
		ExpressFields: queue.ExpressFields{Express: r.str()},
		CaseFields:    queue.CaseFields{Case: r.str(), Due: r.time(), Notified: r.bool()},
		RatingFields:  queue.RatingFields{Score: r.int(), Scale: r.int()},
		BackupFields:  queue.BackupFields{Manual: r.bool(), Waiting: r.int(), EstWaitS: r.int()},
		PostFields:    queue.PostFields{Cover: r.strs(), UncoveredS: r.int(), Services: r.strs()},
		DeviceFields:  queue.DeviceFields{Device: r.str(), Kiosks: r.strs()},
	}
	if r.IntN(10) == 0 {
		e.Seq = 0
	}
	if r.IntN(50) == 0 {
		e.Seq = ^uint64(0)
	}
	if r.IntN(20) == 0 {
		e.Config = queue.Demo()
	}
	return e
}

func (r jsonRand) ticketView() queue.TicketView {
	return queue.TicketView{
		ID: r.str(), Number: r.str(), Service: r.str(), State: queue.TicketState(r.str()),
		Position: r.int(), Ahead: r.int(), EstWaitS: r.int(), IssuedAt: r.time(),
		Window: r.int(), WindowName: r.str(), ForWindow: r.int(), ForWindowName: r.str(), Calls: r.int(),
		Express: r.bool(), Return: r.bool(), Priority: r.str(), Slip: r.str(), Rating: r.int(),
	}
}

// stdJSON is v as encoding/json encodes it (no newline), or nil on its error.
func stdJSON(t testing.TB, v any, escapeHTML bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	if escapeHTML {
		m, err := json.Marshal(v)
		if err != nil || !bytes.Equal(m, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})) {
			t.Fatalf("json.Marshal and Encoder disagree: %v\n%s\n%s", err, m, buf.Bytes())
		}
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

// checkEvent checks e.AppendJSON against encoding/json, appending after a
// prefix that must stay as it is. It returns the JSON, nil where both fail.
func checkEvent(t testing.TB, e *queue.Event) []byte {
	t.Helper()
	want := stdJSON(t, e, false)
	prefix := []byte("prefix")
	got := e.AppendJSON(prefix[:len(prefix):len(prefix)])
	if string(got[:len(prefix)]) != "prefix" {
		t.Fatalf("AppendJSON changed the bytes before it: %q", got)
	}
	got = got[len(prefix):]
	if want == nil {
		if len(got) != 0 {
			t.Fatalf("encoding/json fails on %#v, AppendJSON gives\n%s", e, got)
		}
		return nil
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON of %#v:\n got %s\nwant %s", e, got, want)
	}
	return got
}

// checkTicketView checks v.AppendJSON against encoding/json with both HTML
// escaping settings. It returns the HTML-escaped JSON, nil where both fail.
func checkTicketView(t testing.TB, v *queue.TicketView) []byte {
	t.Helper()
	var out []byte
	for _, html := range []bool{true, false} {
		want := stdJSON(t, v, html)
		got := v.AppendJSON(nil, html)
		if want == nil {
			if len(got) != 0 {
				t.Fatalf("encoding/json fails on %#v, AppendJSON(html %v) gives\n%s", v, html, got)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON(html %v) of %#v:\n got %s\nwant %s", html, v, got, want)
		}
		if html {
			out = got
		}
	}
	return out
}

// validUTF8 is s as encoding/json decodes its encoding: each byte of
// invalid UTF-8 replaced by U+FFFD.
func validUTF8(s string) string {
	return string([]rune(s))
}

func validUTF8s(ss []string) []string {
	if len(ss) == 0 {
		return nil // omitempty drops nil and empty alike
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = validUTF8(s)
	}
	return out
}

// sameTime reports whether a and b are the same instant in the same offset
// (a decoded time's Location is a fixed zone, or Local, not the original).
func sameTime(a, b time.Time) bool {
	_, oa := a.Zone()
	_, ob := b.Zone()
	return a.Equal(b) && oa == ob
}

// wantEvent is e as decoding its JSON should give it back.
func wantEvent(e queue.Event) queue.Event {
	w := e
	for _, p := range []*string{(*string)(&w.Type), &w.Actor, &w.Ticket, &w.Number, &w.Service, &w.Channel, &w.Priority,
		&w.IDHash, &w.Day, &w.Staff, &w.Status, &w.Note, &w.Device, &w.ToService, &w.Slip, &w.Refusal, &w.Reason,
		&w.Basis, &w.Express, &w.Case} {
		*p = validUTF8(*p)
	}
	for _, p := range []*[]string{&w.Cover, &w.Kiosks, &w.Missing, &w.Services, &w.Tickets} {
		*p = validUTF8s(*p)
	}
	return w
}

// checkEventRoundTrip checks that data decodes to e.
func checkEventRoundTrip(t testing.TB, e queue.Event, data []byte) {
	t.Helper()
	var got queue.Event
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	want := wantEvent(e)
	for _, p := range [][2]*time.Time{{&got.At, &want.At}, {&got.ValidUntil, &want.ValidUntil}, {&got.Due, &want.Due}} {
		if !sameTime(*p[0], *p[1]) {
			t.Fatalf("decode %s: time %v, want %v", data, *p[0], *p[1])
		}
		*p[0], *p[1] = time.Time{}, time.Time{}
	}
	if (got.Config == nil) != (want.Config == nil) {
		t.Fatalf("decode %s: config %v, want %v", data, got.Config, want.Config)
	}
	if want.Config != nil {
		// Compared by their JSON: a Config's empty slices come back nil.
		g, _ := json.Marshal(got.Config)
		w, _ := json.Marshal(want.Config)
		if !bytes.Equal(g, w) {
			t.Fatalf("decode: config\n%s\nwant\n%s", g, w)
		}
		got.Config, want.Config = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decode %s:\n got %#v\nwant %#v", data, got, want)
	}
}

// checkTicketViewRoundTrip checks that data decodes to v.
func checkTicketViewRoundTrip(t testing.TB, v queue.TicketView, data []byte) {
	t.Helper()
	var got queue.TicketView
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	want := v
	for _, p := range []*string{&want.ID, &want.Number, &want.Service, (*string)(&want.State), &want.WindowName,
		&want.ForWindowName, &want.Priority, &want.Slip} {
		*p = validUTF8(*p)
	}
	if !sameTime(got.IssuedAt, want.IssuedAt) {
		t.Fatalf("decode %s: issued_at %v, want %v", data, got.IssuedAt, want.IssuedAt)
	}
	got.IssuedAt, want.IssuedAt = time.Time{}, time.Time{}
	if got != want {
		t.Fatalf("decode %s:\n got %#v\nwant %#v", data, got, want)
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	r := jsonRand{rand.New(rand.NewPCG(1, 2))}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		e := r.event()
		data := checkEvent(t, &e)
		if data == nil {
			t.Fatalf("encoding/json fails on %#v", e)
		}
		checkEventRoundTrip(t, e, data)

		v := r.ticketView()
		data = checkTicketView(t, &v)
		if data == nil {
			t.Fatalf("encoding/json fails on %#v", v)
		}
		checkTicketViewRoundTrip(t, v, data)
	}
}

// Every string of the set in every string field at once, every field set.
func TestAppendJSONAllFields(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 30, 15, 5, cst)
	for _, s := range jsonStrings {
		ss := []string{s, s + "x", ""}
		e := queue.Event{Seq: 7, At: at, Type: queue.EventType(s), Actor: s, Window: 3, Ticket: s, Number: s, Service: s,
			Day: s, Staff: s, Status: s, Note: s, Reason: s, Count: 1, Tickets: ss,
			IssueFields:   queue.IssueFields{Channel: s, Priority: s, IDHash: s},
			CallFields:    queue.CallFields{ToService: s, ToWindow: -4, OutOfOrder: true, Requeued: true},
			SlipFields:    queue.SlipFields{Slip: s, Missing: ss, ValidUntil: at},
			RefusalFields: queue.RefusalFields{Refusal: s, Basis: s},
			ExpressFields: queue.ExpressFields{Express: s},
			CaseFields:    queue.CaseFields{Case: s, Due: at.UTC(), Notified: true},
			RatingFields:  queue.RatingFields{Score: 5, Scale: 5},
			BackupFields:  queue.BackupFields{Manual: true, Waiting: 12, EstWaitS: 600},
			PostFields:    queue.PostFields{Cover: ss, UncoveredS: 30, Services: ss},
			DeviceFields:  queue.DeviceFields{Device: s, Kiosks: ss},
			Config:        queue.Demo()}
		checkEventRoundTrip(t, e, checkEvent(t, &e))
		v := queue.TicketView{ID: s, Number: s, Service: s, State: queue.TicketState(s), Position: 1, Ahead: -1,
			EstWaitS: 3, IssuedAt: at, Window: 2, WindowName: s, ForWindow: 9, ForWindowName: s, Calls: 2,
			Express: true, Return: true, Priority: s, Slip: s, Rating: 5}
		checkTicketViewRoundTrip(t, v, checkTicketView(t, &v))
	}
	var e queue.Event
	checkEventRoundTrip(t, e, checkEvent(t, &e))
	var v queue.TicketView
	checkTicketViewRoundTrip(t, v, checkTicketView(t, &v))
}

// TestAppendJSON_EveryField is the drift test: an Event and a TicketView with
// every exported field set, nested ones too (the embedded payloads', the
// Config's), found by reflection, so that a field the encoders' plan writes
// otherwise than encoding/json (or not at all) fails here, without anyone
// listing it. The appender's bytes must be encoding/json's, and decoding them
// must give back every field set.
func TestAppendJSON_EveryField(t *testing.T) {
	var e queue.Event
	if err := fieldfill.Fill(&e); err != nil {
		t.Fatal(err)
	}
	want := stdJSON(t, &e, false)
	if want == nil {
		t.Fatalf("encoding/json fails on %#v", e)
	}
	got := e.AppendJSON(nil)
	if d := jsonFieldsDiffer(got, want); d != "" {
		t.Fatalf("Event.AppendJSON differs from encoding/json (a field of a kind planJSON, in queue/eventjson.go, writes otherwise):\n%s", d)
	}
	var back queue.Event
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("decode %s: %v", got, err)
	}
	if z := fieldfill.Zero(&back); len(z) != 0 {
		t.Fatalf("fields set but not stored (a json:\"-\" tag?): %v", z)
	}

	var v queue.TicketView
	if err := fieldfill.Fill(&v); err != nil {
		t.Fatal(err)
	}
	for _, html := range []bool{true, false} {
		want := stdJSON(t, &v, html)
		if want == nil {
			t.Fatalf("encoding/json fails on %#v", v)
		}
		got := v.AppendJSON(nil, html)
		if d := jsonFieldsDiffer(got, want); d != "" {
			t.Fatalf("TicketView.AppendJSON(html %v) differs from encoding/json (a field of a kind planJSON, in queue/eventjson.go, writes otherwise):\n%s", html, d)
		}
		var back queue.TicketView
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("decode %s: %v", got, err)
		}
		if z := fieldfill.Zero(&back); len(z) != 0 {
			t.Fatalf("TicketView fields set but not encoded: %v", z)
		}
	}
}

// jsonFieldsDiffer returns "" when got and want are the same bytes, else
// what differs, key by key where both are JSON objects.
func jsonFieldsDiffer(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	var g, w map[string]json.RawMessage
	if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil {
		return fmt.Sprintf(" got %s\nwant %s", got, want)
	}
	var out []string
	for k, wv := range w {
		gv, ok := g[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%q is not written", k))
		case !bytes.Equal(gv, wv):
			out = append(out, fmt.Sprintf("%q is %s, want %s", k, gv, wv))
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			out = append(out, fmt.Sprintf("%q is written, encoding/json does not write it", k))
		}
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("same fields, other bytes (order?):\n got %s\nwant %s", got, want))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// Times encoding/json refuses: the appenders append nothing.
func TestAppendJSONBadTime(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -100*3600)),
	} {
		for _, e := range []queue.Event{{Seq: 1, At: at}, {Seq: 1,
			SlipFields: queue.SlipFields{ValidUntil: at}}, {Seq: 1, CaseFields: queue.CaseFields{Due: at}}} {
			if checkEvent(t, &e) != nil {
				t.Fatalf("encoding/json takes %v", at)
			}
		}
		v := queue.TicketView{ID: "x", IssuedAt: at}
		if checkTicketView(t, &v) != nil {
			t.Fatalf("encoding/json takes %v", at)
		}
	}
	// The extremes it takes, and an offset with seconds (written without them).
	for _, at := range []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 23*3600+59*60+59)),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(23*3600+59*60+59))),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 59)),
	} {
		e := queue.Event{Seq: 1, At: at, SlipFields: queue.SlipFields{ValidUntil: at}, CaseFields: queue.CaseFields{Due: at}}
		if checkEvent(t, &e) == nil {
			t.Fatalf("encoding/json refuses %v", at)
		}
	}
}

func TestAppendJSONAllocs(t *testing.T) {
	r := jsonRand{rand.New(rand.NewPCG(3, 4))}
	buf := make([]byte, 0, 64<<10)
	for range 200 {
		e := r.event()
		e.Config = nil
		v := r.ticketView()
		if n := testing.AllocsPerRun(5, func() {
			_ = e.AppendJSON(buf)
			_ = v.AppendJSON(buf, true)
			_ = queue.AppendJSONString(buf, e.Note, true)
		}); n != 0 {
			t.Fatalf("%v allocations", n)
		}
	}
}

// FuzzAppendJSON puts the fuzzer's strings, numbers and times into every
// field of an Event and a TicketView and compares the appenders' output with
// encoding/json's.
func FuzzAppendJSON(f *testing.F) {
	for i, s := range jsonStrings {
		t := jsonTimes[i%len(jsonTimes)]
		_, off := t.Zone()
		f.Add(s, jsonStrings[(i+1)%len(jsonStrings)], jsonStrings[(i+5)%len(jsonStrings)],
			int64(i*37-100), t.Unix(), int64(t.Nanosecond()), off, uint64(i)*0x9e3779b97f4a7c15)
	}
	f.Add("", "", "", int64(0), int64(0), int64(0), 0, uint64(0))
	f.Add("a", "b", "c", int64(-1), int64(253402300800), int64(0), 0, ^uint64(0)) // year 10000
	f.Add("a", "b", "c", int64(1), int64(1772440200), int64(1), 24*3600, ^uint64(0))
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, n, sec, nsec int64, off int, flags uint64) {
		bit := func(i uint) bool { return flags>>i&1 != 0 }
		pick := func(i uint) string {
			switch flags >> (2 * i) & 3 {
			case 0:
				return ""
			case 1:
				return s1
			case 2:
				return s2
			}
			return s3
		}
		num := func(i uint) int {
			if bit(i) {
				return int(n)
			}
			return 0
		}
		tm := func(i uint) time.Time {
			if bit(i) {
				return time.Time{}
			}
			return time.Unix(sec, nsec).In(time.FixedZone("", off))
		}
		strs := func(i uint) []string {
			switch flags >> (2 * i) & 3 {
			case 0:
				return nil
			case 1:
				return []string{}
			case 2:
				return []string{s1}
			}
			return []string{s1, s2, s3}
		}
		e := queue.Event{
			Seq: uint64(n) ^ flags, At: tm(1), Type: queue.EventType(pick(0)), Actor: pick(1), Window: num(2), Ticket: pick(2),
			Number: pick(3), Service: pick(4), Day: pick(8), Staff: pick(9), Status: pick(11), Note: pick(12),
			Reason: pick(19), Count: num(7), Tickets: strs(24),
			IssueFields:   queue.IssueFields{Channel: pick(5), Priority: pick(6), IDHash: pick(7)},
			CallFields:    queue.CallFields{ToService: pick(15), ToWindow: num(3), OutOfOrder: bit(9), Requeued: bit(8)},
			SlipFields:    queue.SlipFields{Slip: pick(16), Missing: strs(17), ValidUntil: tm(4)},
			RefusalFields: queue.RefusalFields{Refusal: pick(18), Basis: pick(20)},
			ExpressFields: queue.ExpressFields{Express: pick(21)},
			CaseFields:    queue.CaseFields{Case: pick(22), Due: tm(5), Notified: bit(11)},
			RatingFields:  queue.RatingFields{Score: num(6), Scale: num(6)},
			BackupFields:  queue.BackupFields{Manual: bit(10), Waiting: num(12), EstWaitS: num(13)},
			PostFields:    queue.PostFields{Cover: strs(10), UncoveredS: num(14), Services: strs(23)},
			DeviceFields:  queue.DeviceFields{Device: pick(13), Kiosks: strs(14)},
		}
		if flags>>58 == 0 {
			e.Config = queue.Demo()
		}
		if data := checkEvent(t, &e); data != nil {
			var back queue.Event
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatalf("decode %s: %v", data, err)
			}
		}
		v := queue.TicketView{
			ID: pick(25), Number: pick(26), Service: pick(27), State: queue.TicketState(pick(28)),
			Position: num(15), Ahead: num(16), EstWaitS: num(17), IssuedAt: tm(18), Window: num(19),
			WindowName: pick(29), ForWindow: num(20), ForWindowName: pick(30), Calls: num(21), Express: bit(22),
			Return: bit(23), Priority: pick(31), Slip: pick(1), Rating: num(24),
		}
		if data := checkTicketView(t, &v); data != nil {
			var back queue.TicketView
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatalf("decode %s: %v", data, err)
			}
		}
		for _, s := range []string{s1, s2, s3} {
			for _, html := range []bool{true, false} {
				want := stdJSON(t, s, html)
				if got := queue.AppendJSONString(nil, s, html); !bytes.Equal(got, want) {
					t.Fatalf("AppendJSONString(%q, %v) = %s, want %s", s, html, got, want)
				}
			}
		}
	})
}

// benchEvent is a ticket_issued event as the engine writes one.
var benchEvent = queue.Event{Seq: 123456, At: time.Date(2026, 3, 2, 9, 41, 7, 123456789, cst), Type: queue.EvTicketIssued,
	Actor: "kiosk-1", Ticket: "20260302-employment-0042", Number: "A042", Service: "employment",
	IssueFields: queue.IssueFields{Channel: "kiosk", Priority: "senior", IDHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
}

// benchView is the view of a ticket just issued.
var benchView = queue.TicketView{ID: "20260302-employment-0042", Number: "A042", Service: "employment",
	State: queue.TicketWaiting, Position: 17, Ahead: 16, EstWaitS: 1920, IssuedAt: benchEvent.At}

func BenchmarkEventAppendJSON(b *testing.B) {
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = benchEvent.AppendJSON(buf[:0])
	}
}

// BenchmarkEventEncodingJSON is what queue/bolt did before: one Encoder with
// HTML escaping off, writing into a buffer.
func BenchmarkEventEncodingJSON(b *testing.B) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := enc.Encode(&benchEvent); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTicketViewAppendJSON(b *testing.B) {
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = benchView.AppendJSON(buf[:0], true)
	}
}

// BenchmarkTicketViewEncodingJSON is what the API's sendJSON does: a new
// Encoder per answer, into a pooled buffer.
func BenchmarkTicketViewEncodingJSON(b *testing.B) {
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := json.NewEncoder(&buf).Encode(benchView); err != nil {
			b.Fatal(err)
		}
	}
}
