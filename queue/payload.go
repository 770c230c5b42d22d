package queue

import (
	"fmt"
	"reflect"
	"strings"
)

// Typed payloads. The fields of Event up to Tickets are the hall's common
// vocabulary (a ticket, its number and service, a window, a staff member, a
// note, a reason …). A workflow whose events carry fields of their own
// declares them as one struct in its own file, its payload, which Event
// holds in one of two ways.
//
// The hall's first workflows (issue, call, slip, refusal, express, case,
// rating, backup, posts, device) embed theirs: its fields are at the top level
// of the event's JSON, as docs/api.md, the screens, the device agents and the
// logs already stored have them.
//
//	// in slip.go
//	type SlipFields struct {
//		Slip       string    `json:"slip,omitempty"`
//		Missing    []string  `json:"missing,omitempty"`
//		ValidUntil time.Time `json:"valid_until,omitzero"`
//	}
//	// in event.go, among the embedded payloads
//	SlipFields
//
// A new workflow holds its payload by pointer, after Config: its fields are
// one JSON object under the payload's name.
//
//	// in complaint.go
//	type Complaint struct {
//		ID      string `json:"id"`
//		Kind    string `json:"kind"`
//		Text    string `json:"text"`
//		Contact string `json:"contact,omitempty" private:"director"`
//	}
//	// in event.go, after Config
//	Complaint *Complaint `json:"complaint,omitempty"`
//
// Either way a field added to a payload is one edit: AppendJSON writes every
// field it finds by reflection (eventjson.go), and the drift test fills every
// field, found by reflection too, and compares the bytes with encoding/json's.
// Two fields of one JSON name (which encoding/json would silently drop)
// panic when the package starts.
//
// A payload field tagged private:"director" is a citizen's personal data (a
// phone, an address, a complaint's contact): it is stored, and the duty
// director's console and the director's and admin's API read it, but
// ForClients clears it, so no terminal, screen, phone or device agent ever
// gets it. One tagged private:"stored" (the hash of a citizen's ID number)
// is stored for the hall's own rules, and no client gets it: ForDirector
// clears it too. A public screen gets an event's envelope and the fields its event
// type allowlists by JSON name ("to_window", or "complaint.kind" for a field
// of a payload held by pointer); a private field can never be allowlisted.

// payloadIndex are the indexes of the payloads Event holds by pointer:
// Config and every field after it. Each must be a pointer to a struct with an
// omitempty JSON name.
var payloadIndex = func() []int {
	rt := reflect.TypeFor[Event]()
	cfg, _ := rt.FieldByName("Config")
	var out []int
	for i := cfg.Index[0]; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct || name == "" || name == "-" ||
			!strings.Contains(opts, "omitempty") || f.Anonymous {
			panic(fmt.Sprintf("queue: Event.%s: a payload is a named pointer to a struct with an omitempty JSON name", f.Name))
		}
		out = append(out, i)
	}
	return out
}()

// The privacy of a field, by its private tag: who of the clients may read it.
const (
	// privateDirector: a citizen's personal data, for the duty director
	// (and the director's and admin's API) alone.
	privateDirector = "director"
	// privateStored: for no client at all, kept for the hall's own rules
	// (the hash of a citizen's ID number, for the daily limit).
	privateStored = "stored"
)

// isPrivate reports whether a struct field is private to some clients.
func isPrivate(f reflect.StructField) bool { return hiddenFrom(f, false) }

// hiddenFrom reports whether a client may not read field f: the duty
// director (director), or any other client.
func hiddenFrom(f reflect.StructField, director bool) bool {
	switch tag := f.Tag.Get("private"); tag {
	case "":
		return false
	case privateStored:
		return true
	case privateDirector:
		return !director
	default:
		panic(fmt.Sprintf("queue: %s: private:%q is neither %q nor %q", f.Name, tag, privateDirector, privateStored))
	}
}

// privateField is a field of Event some clients may not read.
type privateField struct {
	payload  int   // the Event field of the payload held by pointer it is in, or -1
	index    []int // its index, in that payload or in Event (through an embedded payload)
	director bool  // the duty director may read it
}

// privateFields are Event's private fields, found once, those of each
// payload held by pointer together. A private tag of no known value panics
// here, when the package starts.
var privateFields = func() []privateField {
	rt := reflect.TypeFor[Event]()
	var out []privateField
	add := func(payload int, index []int, f reflect.StructField) {
		if isPrivate(f) {
			out = append(out, privateField{payload: payload, index: index, director: !hiddenFrom(f, true)})
		}
	}
	for _, st := range eventPlan {
		add(-1, st.index, rt.FieldByIndex(st.index))
	}
	for _, i := range payloadIndex {
		pt := rt.Field(i).Type.Elem()
		for j := range pt.NumField() {
			add(i, []int{j}, pt.Field(j))
		}
	}
	return out
}()

// clearPrivate clears the fields of e that the director (director), or any
// other client, may not read: those of Event and its embedded payloads, and
// those of its payloads held by pointer, each such payload copied first (the
// event's own are left alone).
func clearPrivate(e *Event, director bool) {
	v := reflect.ValueOf(e).Elem()
	copied := -1
	for _, f := range privateFields {
		if director && f.director {
			continue
		}
		if f.payload < 0 {
			v.FieldByIndex(f.index).SetZero()
			continue
		}
		p := v.Field(f.payload)
		if p.IsNil() {
			continue
		}
		if copied != f.payload {
			c := reflect.New(p.Type().Elem())
			c.Elem().Set(p.Elem())
			p.Set(c)
			copied = f.payload
		}
		p.Elem().FieldByIndex(f.index).SetZero()
	}
}

// publicPath is one allowlisted field of an event: an Event field, or a
// field of one of its payloads ("complaint.kind").
type publicPath struct {
	field []int // the Event field (through an embedded payload)
	sub   int   // the field of the payload it points to, or -1 for the field itself
}

// resolvePublic finds the field a public allowlist name names; a name that
// names no field, a whole payload, or a private field is an error.
func resolvePublic(name string) (publicPath, error) {
	top, sub, nested := strings.Cut(name, ".")
	i, ok := eventFieldIndex[top]
	if !ok {
		return publicPath{}, fmt.Errorf("%q is no field of Event", name)
	}
	f := reflect.TypeFor[Event]().FieldByIndex(i)
	isPayload := false
	for _, p := range payloadIndex {
		isPayload = isPayload || len(i) == 1 && p == i[0] && f.Name != "Config"
	}
	if !nested {
		if isPayload {
			return publicPath{}, fmt.Errorf("%q is a whole payload: allowlist its fields one by one (%s.field)", name, name)
		}
		if isPrivate(f) {
			return publicPath{}, fmt.Errorf("%q is private: it may not reach a public screen", name)
		}
		return publicPath{field: i, sub: -1}, nil
	}
	if !isPayload {
		return publicPath{}, fmt.Errorf("%q: %s is no payload", name, top)
	}
	st := f.Type.Elem()
	for j := range st.NumField() {
		jn, _, _ := strings.Cut(st.Field(j).Tag.Get("json"), ",")
		if jn == sub && st.Field(j).IsExported() {
			if isPrivate(st.Field(j)) {
				return publicPath{}, fmt.Errorf("%q is private: it may not reach a public screen", name)
			}
			return publicPath{field: i, sub: j}, nil
		}
	}
	return publicPath{}, fmt.Errorf("%q is no field of %s", name, st.Name())
}

// copyPublic sets in dst the field p names, from src.
func copyPublic(dst, src reflect.Value, p publicPath) {
	sf := src.FieldByIndex(p.field)
	if p.sub < 0 {
		dst.FieldByIndex(p.field).Set(sf)
		return
	}
	if sf.IsNil() {
		return
	}
	df := dst.FieldByIndex(p.field)
	if df.IsNil() {
		df.Set(reflect.New(sf.Type().Elem()))
	}
	df.Elem().Field(p.sub).Set(sf.Elem().Field(p.sub))
}
