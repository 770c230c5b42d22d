package queue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Typed payloads. The fields of Event up to Tickets are the hall's common
// vocabulary (a ticket, its number and service, a window, a staff member, a
// note, a reason …), written by the hand encoder on the hot path. A workflow
// whose events carry fields of their own declares them as one struct in its
// own file, and Event holds a pointer to it in one field after Config:
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
// A field added to such a struct is one edit: encoding/json encodes payloads
// (they are rare: no payload event is on the ticket-issuing path) and the
// hand encoder writes every field from Config on through it, found by
// reflection. The drift test fills every field of every payload and compares
// the bytes with encoding/json's.
//
// A payload field tagged private:"director" is a citizen's personal data (a
// phone, an address, a complaint's contact): it is stored, and the duty
// director's console and the director's and admin's API read it, but
// ForClients clears it, so no terminal, screen, phone or device agent ever
// gets it. A public screen gets of a payload only the fields its event type
// allowlists by path ("complaint.kind"); a private field can never be
// allowlisted.

// payloadIndex are the indexes of the Event fields written through
// encoding/json: Config and every field after it. Each must be a pointer to a
// struct with an omitempty JSON name.
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

// appendPayloads appends the payload fields of e that are set, as
// encoding/json writes them with HTML escaping off. It reports false when
// encoding/json fails.
func appendPayloads(b []byte, e *Event) ([]byte, bool) {
	v := reflect.ValueOf(e).Elem()
	rt := v.Type()
	for _, i := range payloadIndex {
		f := v.Field(i)
		if f.IsNil() {
			continue
		}
		// A buffer of its own rather than one on b: b must not escape to
		// the heap through the encoder, or every caller's buffer would.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(f.Interface()); err != nil {
			return b, false
		}
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
	}
	return b, true
}

// isPrivate reports whether a struct field holds personal data.
func isPrivate(f reflect.StructField) bool { return f.Tag.Get("private") == "director" }

// clearPrivate returns e's payloads with their private fields cleared, each
// payload that has any copied first (the event's own are left alone).
func clearPrivate(e *Event) {
	v := reflect.ValueOf(e).Elem()
	for _, i := range payloadIndex {
		p := v.Field(i)
		if p.IsNil() || !hasPrivate(p.Type().Elem()) {
			continue
		}
		c := reflect.New(p.Type().Elem())
		c.Elem().Set(p.Elem())
		st := c.Elem().Type()
		for j := range st.NumField() {
			if isPrivate(st.Field(j)) {
				c.Elem().Field(j).SetZero()
			}
		}
		p.Set(c)
	}
}

// hasPrivate reports whether struct type st has a private field.
func hasPrivate(st reflect.Type) bool {
	for j := range st.NumField() {
		if isPrivate(st.Field(j)) {
			return true
		}
	}
	return false
}

// publicPath is one allowlisted field of an event: an Event field, or a
// field of one of its payloads ("complaint.kind").
type publicPath struct {
	field int // the Event field
	sub   int // the payload's field, or -1 for the Event field itself
}

// resolvePublic finds the field a public allowlist name names; a name that
// names no field, a whole payload, or a private field is an error.
func resolvePublic(name string) (publicPath, error) {
	top, sub, nested := strings.Cut(name, ".")
	i, ok := eventFieldIndex[top]
	if !ok {
		return publicPath{}, fmt.Errorf("%q is no field of Event", name)
	}
	f := reflect.TypeFor[Event]().Field(i)
	isPayload := false
	for _, p := range payloadIndex {
		isPayload = isPayload || p == i && f.Name != "Config"
	}
	if !nested {
		if isPayload {
			return publicPath{}, fmt.Errorf("%q is a whole payload: allowlist its fields one by one (%s.field)", name, name)
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
	sf := src.Field(p.field)
	if p.sub < 0 {
		dst.Field(p.field).Set(sf)
		return
	}
	if sf.IsNil() {
		return
	}
	df := dst.Field(p.field)
	if df.IsNil() {
		df.Set(reflect.New(sf.Type().Elem()))
	}
	df.Elem().Field(p.sub).Set(sf.Elem().Field(p.sub))
}
