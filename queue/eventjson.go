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
// POST /api/tickets answer. They append exactly the bytes encoding/json
// produces with HTML escaping off (the tests compare the two on random values
// and with every field set, found by reflection), without allocating.
//
// An Event is written by a plan found by reflection when the package starts
// (eventPlan): one step per JSON field, in encoding/json's order, with the
// embedded payloads' fields flattened in their place, as encoding/json does.
// So a field added to Event or to a payload is one edit, and it is written.
// Strings, numbers, booleans, times and string lists are appended here; any
// other type (Config, the payloads held by pointer) through encoding/json,
// which is slower but rare. TicketView's encoder is written out by hand; a
// field added to it must be added below, in its place, and
// TestAppendJSON_EveryField fails until it is.

// AppendJSON appends the JSON of e to b: the very bytes json.Marshal gives with
// HTML escaping off (a json.Encoder with SetEscapeHTML(false), without the
// newline Encode adds). Where encoding/json fails (a time outside years
// 0–9999 or with a zone offset of 24 hours or more, a Config it cannot
// encode), it appends nothing and returns b as it was: the JSON of an Event is
// never empty, so a caller sees the failure by the length.
func (e *Event) AppendJSON(b []byte) []byte {
	start := len(b)
	b = append(b, '{')
	first := true
	for i := range eventPlan {
		st := &eventPlan[i]
		// The field's address: eventPlan has its offset and its exact type
		// (planJSON), so each kind reads it as what it is.
		p := unsafe.Add(unsafe.Pointer(e), st.offset)
		if st.omit && st.empty(p) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, st.key...)
		var ok bool
		if b, ok = st.append(b, p); !ok {
			return b[:start]
		}
	}
	return append(b, '}')
}

// jsonKind is how a plan step writes its field.
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

// jsonStep writes one JSON field of an Event.
type jsonStep struct {
	index  []int        // the field, through the embedded payloads
	offset uintptr      // its offset in Event
	typ    reflect.Type // its type
	name   string       // its JSON name
	key    string       // "name":
	kind   jsonKind     // how to write it
	omit   bool         // omitempty or omitzero: left out when empty
	zero   bool         // omitzero (rather than omitempty)
}

// eventPlan are the steps that write an Event, in encoding/json's order.
var eventPlan = planJSON(reflect.TypeFor[Event](), nil, 0)

// planJSON returns the steps that write struct type rt, whose fields are at
// index and offset within Event. It follows encoding/json's rules for what
// it meets in Event (exported fields, json tags, "-", embedded structs
// flattened in place) and panics on what encoding/json would treat otherwise
// or silently drop: two fields of one JSON name, an embedded pointer, a tag
// option it does not know. The tests run it, so such an edit fails in every
// test.
func planJSON(rt reflect.Type, index []int, offset uintptr) []jsonStep {
	var out []jsonStep
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
				panic(fmt.Sprintf("queue: Event embeds %s: embed payload structs only, not pointers", f.Type))
			}
			out = append(out, planJSON(f.Type, idx, offset+f.Offset)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		st := jsonStep{index: idx, offset: offset + f.Offset, typ: f.Type, name: name,
			key: string(AppendJSONString(nil, name, false)) + ":", kind: jsonOther}
		for o := range strings.SplitSeq(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				st.omit = true
			case "omitzero":
				st.omit, st.zero = true, true
			default:
				panic(fmt.Sprintf("queue: Event.%s: json option %q is not written by AppendJSON", f.Name, o))
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
				panic(fmt.Sprintf("queue: Event has two fields named %q (encoding/json would drop both)", st.name))
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

// empty reports whether the field at p is left out under the step's
// omitempty or omitzero, as encoding/json decides.
func (st *jsonStep) empty(p unsafe.Pointer) bool {
	switch st.kind {
	case jsonString:
		return len(*(*string)(p)) == 0
	case jsonInt:
		return *(*int)(p) == 0
	case jsonUint64:
		return *(*uint64)(p) == 0
	case jsonBool:
		return !*(*bool)(p)
	case jsonTime:
		// omitempty never leaves a struct out; omitzero asks IsZero.
		return st.zero && (*time.Time)(p).IsZero()
	case jsonStrings:
		if st.zero {
			return *(*[]string)(p) == nil
		}
		return len(*(*[]string)(p)) == 0
	case jsonPointer:
		return *(*unsafe.Pointer)(p) == nil
	}
	f := reflect.NewAt(st.typ, p).Elem()
	if st.zero {
		return f.IsZero()
	}
	switch f.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return f.Len() == 0
	case reflect.Bool:
		return !f.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return f.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return f.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return f.IsNil()
	}
	return false
}

// append appends the value of the field at p; it reports false where
// encoding/json fails.
func (st *jsonStep) append(b []byte, p unsafe.Pointer) ([]byte, bool) {
	switch st.kind {
	case jsonString:
		return AppendJSONString(b, *(*string)(p), false), true
	case jsonInt:
		return strconv.AppendInt(b, int64(*(*int)(p)), 10), true
	case jsonUint64:
		return strconv.AppendUint(b, *(*uint64)(p), 10), true
	case jsonBool:
		return strconv.AppendBool(b, *(*bool)(p)), true
	case jsonTime:
		return appendTime(b, *(*time.Time)(p))
	case jsonStrings:
		ss := *(*[]string)(p)
		if ss == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, s := range ss {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, s, false)
		}
		return append(b, ']'), true
	}
	return appendEncodingJSON(b, reflect.NewAt(st.typ, p).Elem())
}

// appendEncodingJSON appends f as encoding/json writes it with HTML escaping
// off; it reports false when encoding/json fails.
func appendEncodingJSON(b []byte, f reflect.Value) ([]byte, bool) {
	// A buffer of its own rather than one on b: b must not escape to the
	// heap through the encoder, or every caller's buffer would.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f.Interface()); err != nil {
		return b, false
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...), true
}

// AppendJSON appends the JSON of v to b: the very bytes json.Marshal gives
// when escapeHTML is true (<, > and & in strings as \u003c, \u003e, \u0026),
// those of a json.Encoder with SetEscapeHTML(false) when it is false; no
// newline. Where encoding/json fails (an IssuedAt outside years 0–9999 or with
// a zone offset of 24 hours or more), it appends nothing and returns b as it
// was.
func (v *TicketView) AppendJSON(b []byte, escapeHTML bool) []byte {
	start := len(b)
	ok := true
	b = append(b, `{"id":`...)
	b = AppendJSONString(b, v.ID, escapeHTML)
	b = append(b, `,"number":`...)
	b = AppendJSONString(b, v.Number, escapeHTML)
	b = append(b, `,"service":`...)
	b = AppendJSONString(b, v.Service, escapeHTML)
	b = append(b, `,"state":`...)
	b = AppendJSONString(b, string(v.State), escapeHTML)
	b = append(b, `,"position":`...)
	b = strconv.AppendInt(b, int64(v.Position), 10)
	b = append(b, `,"ahead":`...)
	b = strconv.AppendInt(b, int64(v.Ahead), 10)
	b = append(b, `,"est_wait_s":`...)
	b = strconv.AppendInt(b, int64(v.EstWaitS), 10)
	b = append(b, `,"issued_at":`...)
	if b, ok = appendTime(b, v.IssuedAt); !ok {
		return b[:start]
	}
	b = appendIntField(b, `,"window":`, v.Window)
	b = appendStringField(b, `,"window_name":`, v.WindowName, escapeHTML)
	b = appendIntField(b, `,"for_window":`, v.ForWindow)
	b = appendStringField(b, `,"for_window_name":`, v.ForWindowName, escapeHTML)
	b = appendIntField(b, `,"calls":`, v.Calls)
	b = appendBoolField(b, `,"express":true`, v.Express)
	b = appendBoolField(b, `,"return":true`, v.Return)
	b = appendStringField(b, `,"priority":`, v.Priority, escapeHTML)
	b = appendStringField(b, `,"slip":`, v.Slip, escapeHTML)
	b = appendIntField(b, `,"rating":`, v.Rating)
	b = appendBoolField(b, `,"no_window":true`, v.NoWindow)
	return append(b, '}')
}

// appendIntField appends key and n unless n is 0 (omitempty).
func appendIntField(b []byte, key string, n int) []byte {
	if n == 0 {
		return b
	}
	b = append(b, key...)
	return strconv.AppendInt(b, int64(n), 10)
}

// appendStringField appends key and s unless s is empty (omitempty).
func appendStringField(b []byte, key, s string, escapeHTML bool) []byte {
	if s == "" {
		return b
	}
	b = append(b, key...)
	return AppendJSONString(b, s, escapeHTML)
}

// appendBoolField appends field (key and true) when set (omitempty).
func appendBoolField(b []byte, field string, set bool) []byte {
	if !set {
		return b
	}
	return append(b, field...)
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
