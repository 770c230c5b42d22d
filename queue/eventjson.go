package queue

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Fast JSON encoders for the two types on the ticket-issuing hot path: an
// Event goes into the write-ahead log once per event, a TicketView into every
// POST /api/tickets answer and a counter terminal's rows. They append exactly
// the bytes encoding/json produces (the tests compare the two on random
// values and with every field set, found by reflection), without allocating.
//
// Each type is written by a plan found by reflection when the package starts
// (planJSON): one step per JSON field, in encoding/json's order, with the
// embedded payloads' fields flattened in their place, as encoding/json does.
// So a field added to Event, to one of its payloads or to TicketView is one
// edit, and it is written. Strings, integers, booleans, times and string
// lists are appended here; any other type (Config, the payloads held by
// pointer) through encoding/json, which is slower but rare.

// AppendJSON appends the JSON of e to b: the very bytes json.Marshal gives with
// HTML escaping off (a json.Encoder with SetEscapeHTML(false), without the
// newline Encode adds). Where encoding/json fails (a time outside years
// 0–9999 or with a zone offset of 24 hours or more, a Config it cannot
// encode), it appends nothing and returns b as it was: the JSON of an Event is
// never empty, so a caller sees the failure by the length.
func (e *Event) AppendJSON(b []byte) []byte {
	return eventPlan.append(b, unsafe.Pointer(e), false)
}

// AppendJSON appends the JSON of v to b: the very bytes json.Marshal gives
// when escapeHTML is true (<, > and & in strings as \u003c, \u003e, \u0026),
// those of a json.Encoder with SetEscapeHTML(false) when it is false; no
// newline. Where encoding/json fails (an IssuedAt outside years 0–9999 or with
// a zone offset of 24 hours or more), it appends nothing and returns b as it
// was.
func (v *TicketView) AppendJSON(b []byte, escapeHTML bool) []byte {
	return ticketViewPlan.append(b, unsafe.Pointer(v), escapeHTML)
}

// The plans of the two types.
var (
	eventPlan      = planJSON(reflect.TypeFor[Event](), nil, 0)
	ticketViewPlan = planJSON(reflect.TypeFor[TicketView](), nil, 0)
)

// jsonPlan writes a struct: a step per JSON field.
type jsonPlan []jsonStep

// jsonStep writes one JSON field.
type jsonStep struct {
	index  []int        // the field, through the embedded structs
	offset uintptr      // its offset in the struct
	typ    reflect.Type // its type
	name   string       // its JSON name
	key    string       // ,"name":
	kind   jsonKind     // how to write it
	omit   bool         // omitempty or omitzero: left out when empty
	zero   bool         // omitzero (rather than omitempty)
}

// jsonKind is how a step writes its field.
type jsonKind uint8

const (
	jsonString  jsonKind = iota // a string (or a string type such as EventType)
	jsonInt                     // an int
	jsonUint64                  // a uint64
	jsonBool                    // a bool
	jsonTime                    // a time.Time
	jsonStrings                 // a []string
	jsonPointer                 // a pointer: through encoding/json unless nil
	jsonOther                   // anything else: through encoding/json
)

// append appends the JSON of the struct at p, the plan's type. Each field
// goes out with a comma before its key; the first field's comma becomes the
// object's opening brace.
func (plan jsonPlan) append(b []byte, p unsafe.Pointer, escapeHTML bool) []byte {
	start := len(b)
	for i := range plan {
		st := &plan[i]
		// The field's address: the plan has its offset and its exact type
		// (planJSON), so each kind reads it as what it is.
		f := unsafe.Add(p, st.offset)
		switch st.kind {
		case jsonString:
			s := *(*string)(f)
			if st.omit && s == "" {
				continue
			}
			b = AppendJSONString(append(b, st.key...), s, escapeHTML)
		case jsonInt:
			n := *(*int)(f)
			if st.omit && n == 0 {
				continue
			}
			b = strconv.AppendInt(append(b, st.key...), int64(n), 10)
		case jsonUint64:
			n := *(*uint64)(f)
			if st.omit && n == 0 {
				continue
			}
			b = strconv.AppendUint(append(b, st.key...), n, 10)
		case jsonBool:
			v := *(*bool)(f)
			if st.omit && !v {
				continue
			}
			b = strconv.AppendBool(append(b, st.key...), v)
		case jsonTime:
			t := (*time.Time)(f)
			// omitempty never leaves a struct out; omitzero asks IsZero.
			if st.zero && t.IsZero() {
				continue
			}
			var ok bool
			if b, ok = appendTime(append(b, st.key...), *t); !ok {
				return b[:start]
			}
		case jsonStrings:
			ss := *(*[]string)(f)
			if st.omit && (ss == nil || !st.zero && len(ss) == 0) {
				continue
			}
			b = appendStrings(append(b, st.key...), ss, escapeHTML)
		default:
			if st.kind == jsonPointer && st.omit && *(*unsafe.Pointer)(f) == nil {
				continue // most events: no Config, no payload held by pointer
			}
			v := reflect.NewAt(st.typ, f).Elem()
			if st.omit && isEmptyJSON(v, st.zero) {
				continue
			}
			var ok bool
			if b, ok = appendEncodingJSON(append(b, st.key...), v, escapeHTML); !ok {
				return b[:start]
			}
		}
	}
	if len(b) == start {
		return append(b, '{', '}')
	}
	b[start] = '{'
	return append(b, '}')
}

// planJSON returns the steps that write struct type rt, whose fields are at
// index and offset within the struct written. It follows encoding/json's
// rules for what it meets (exported fields, json tags, "-", embedded structs
// flattened in place) and panics on what encoding/json would treat otherwise
// or silently drop: two fields of one JSON name, an embedded pointer, a tag
// option it does not know. The tests run it, so such an edit fails in every
// test.
func planJSON(rt reflect.Type, index []int, offset uintptr) jsonPlan {
	var out jsonPlan
	for i := range rt.NumField() {
		f := rt.Field(i)
		idx := append(slices.Clone(index), i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if f.Type.Kind() != reflect.Struct {
				panic(fmt.Sprintf("queue: %s embeds %s: embed structs only, not pointers", rt, f.Type))
			}
			out = append(out, planJSON(f.Type, idx, offset+f.Offset)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		st := jsonStep{index: idx, offset: offset + f.Offset, typ: f.Type, name: name,
			key: "," + string(AppendJSONString(nil, name, false)) + ":", kind: jsonOther}
		for o := range strings.SplitSeq(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				st.omit = true
			case "omitzero":
				st.omit, st.zero = true, true
			default:
				panic(fmt.Sprintf("queue: %s.%s: json option %q is not written by AppendJSON", rt, f.Name, o))
			}
		}
		switch k := f.Type.Kind(); {
		case f.Type == reflect.TypeFor[time.Time]():
			st.kind = jsonTime
		case marshalsItself(f.Type):
			// encoding/json asks its own methods: leave it to it.
		case f.Type == reflect.TypeFor[[]string]():
			st.kind = jsonStrings
		case k == reflect.String:
			st.kind = jsonString
		case k == reflect.Bool:
			st.kind = jsonBool
		case k == reflect.Int:
			st.kind = jsonInt
		case k == reflect.Uint64:
			st.kind = jsonUint64
		case k == reflect.Pointer:
			st.kind = jsonPointer
		}
		out = append(out, st)
	}
	for i, st := range out {
		for _, o := range out[:i] {
			if o.name == st.name {
				panic(fmt.Sprintf("queue: %s has two fields named %q (encoding/json would drop both)", rt, st.name))
			}
		}
	}
	return out
}

// marshalsItself reports whether encoding/json writes a value of type t (or
// of *t) by its own MarshalJSON or MarshalText.
func marshalsItself(t reflect.Type) bool {
	for _, m := range []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// isEmptyJSON reports whether v is left out under omitempty (or omitzero,
// when zero), as encoding/json decides.
func isEmptyJSON(v reflect.Value, zero bool) bool {
	if zero {
		return v.IsZero()
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// appendStrings appends ss as a JSON array (null when nil).
func appendStrings(b []byte, ss []string, escapeHTML bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, s, escapeHTML)
	}
	return append(b, ']')
}

// appendEncodingJSON appends f as encoding/json writes it; it reports false
// when encoding/json fails.
func appendEncodingJSON(b []byte, f reflect.Value, escapeHTML bool) ([]byte, bool) {
	// A buffer of its own rather than one on b: b must not escape to the
	// heap through the encoder, or every caller's buffer would.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(f.Interface()); err != nil {
		return b, false
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...), true
}

// appendTime appends t in quotes as time.Time.MarshalJSON writes it: RFC 3339
// with nanoseconds, trailing zeros trimmed. It reports false where
// MarshalJSON fails.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	n0 := len(b)
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	if !strictRFC3339(b[n0+1:]) {
		// Not valid RFC 3339: MarshalJSON fails on it (as the checks in
		// time.Time.appendStrictRFC3339 say). Let it decide, so that a
		// time these checks get wrong still comes out as encoding/json's.
		j, err := t.MarshalJSON()
		if err != nil {
			return b[:n0], false
		}
		return append(b[:n0], j...), true
	}
	return append(b, '"'), true
}

// strictRFC3339 mirrors the checks of time.Time.MarshalJSON on s, the output
// of AppendFormat(RFC3339Nano): the year has exactly 4 digits, and the zone
// offset's hours are below 24.
func strictRFC3339(s []byte) bool {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' {
		return false
	}
	if s[len(s)-1] == 'Z' {
		return true
	}
	c := s[len(s)-len("Z07:00")]
	if '0' <= c && c <= '9' {
		return false
	}
	h := s[len(s)-len("07:00"):]
	return 10*(h[0]-'0')+(h[1]-'0') < 24
}

// The ASCII bytes a JSON string carries as they are: jsonSafe with HTML
// escaping off, jsonHTMLSafe with it on (not <, >, &).
var jsonSafe, jsonHTMLSafe = func() (safe, html [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\'
		html[c] = safe[c] && c != '<' && c != '>' && c != '&'
	}
	return
}()

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string, escaped exactly as
// encoding/json does (its appendString): " and \ with a backslash; \b, \f,
// \n, \r, \t as such; the other bytes below 0x20 as \u00XX; U+2028 and U+2029
// as \u2028 and \u2029; each byte of invalid UTF-8 as \ufffd; and, when
// escapeHTML is set, <, > and & as \u003c, \u003e and \u0026.
func AppendJSONString(b []byte, s string, escapeHTML bool) []byte {
	safe := &jsonSafe
	if escapeHTML {
		safe = &jsonHTMLSafe
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // the other control bytes; <, >, & when escaping HTML
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
