package queue

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Hand-written JSON encoders for the two types on the ticket-issuing hot path:
// an Event goes into the write-ahead log once per event, a TicketView into
// every POST /api/tickets answer. They append exactly the bytes encoding/json
// produces (the tests compare the two on random values), without reflection
// and without allocating. Keep them in step with the struct definitions: a
// common field added to Event (before Config) or to TicketView must be added
// here too, in its place; TestAppendJSON_EveryField (every field set by
// reflection) fails until it is. A workflow's own fields go into its typed
// payload instead (payload.go), which needs no edit here.

// AppendJSON appends the JSON of e to b: the very bytes json.Marshal gives with
// HTML escaping off (a json.Encoder with SetEscapeHTML(false), without the
// newline Encode adds). Where encoding/json fails (a time outside years
// 0–9999 or with a zone offset of 24 hours or more, a Config it cannot
// encode), it appends nothing and returns b as it was: the JSON of an Event is
// never empty, so a caller sees the failure by the length.
func (e *Event) AppendJSON(b []byte) []byte {
	start := len(b)
	ok := true
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"at":`...)
	if b, ok = appendTime(b, e.At); !ok {
		return b[:start]
	}
	b = append(b, `,"type":`...)
	b = AppendJSONString(b, string(e.Type), false)
	b = append(b, `,"actor":`...)
	b = AppendJSONString(b, e.Actor, false)
	b = appendIntField(b, `,"window":`, e.Window)
	b = appendStringField(b, `,"ticket":`, e.Ticket, false)

	b = appendStringField(b, `,"number":`, e.Number, false)
	b = appendStringField(b, `,"service":`, e.Service, false)
	b = appendStringField(b, `,"channel":`, e.Channel, false)
	b = appendStringField(b, `,"priority":`, e.Priority, false)
	b = appendStringField(b, `,"id_hash":`, e.IDHash, false)
	b = appendStringField(b, `,"day":`, e.Day, false)

	b = appendStringField(b, `,"staff":`, e.Staff, false)
	b = appendStringsField(b, `,"cover":`, e.Cover)
	b = appendStringField(b, `,"status":`, e.Status, false)
	b = appendStringField(b, `,"note":`, e.Note, false)
	b = appendStringField(b, `,"device":`, e.Device, false)
	b = appendStringsField(b, `,"kiosks":`, e.Kiosks)

	b = appendStringField(b, `,"to_service":`, e.ToService, false)
	b = appendIntField(b, `,"to_window":`, e.ToWindow)
	b = appendStringField(b, `,"slip":`, e.Slip, false)
	b = appendStringsField(b, `,"missing":`, e.Missing)
	if !e.ValidUntil.IsZero() { // omitzero
		b = append(b, `,"valid_until":`...)
		if b, ok = appendTime(b, e.ValidUntil); !ok {
			return b[:start]
		}
	}
	b = appendStringField(b, `,"refusal":`, e.Refusal, false)
	b = appendStringField(b, `,"reason":`, e.Reason, false)
	b = appendStringField(b, `,"basis":`, e.Basis, false)
	b = appendStringField(b, `,"express":`, e.Express, false)
	b = appendStringField(b, `,"case":`, e.Case, false)
	if !e.Due.IsZero() { // omitzero
		b = append(b, `,"due":`...)
		if b, ok = appendTime(b, e.Due); !ok {
			return b[:start]
		}
	}

	b = appendIntField(b, `,"score":`, e.Score)
	b = appendIntField(b, `,"scale":`, e.Scale)
	b = appendIntField(b, `,"count":`, e.Count)
	b = appendBoolField(b, `,"requeued":true`, e.Requeued)
	b = appendBoolField(b, `,"out_of_order":true`, e.OutOfOrder)
	b = appendBoolField(b, `,"manual":true`, e.Manual)
	b = appendBoolField(b, `,"notified":true`, e.Notified)
	b = appendIntField(b, `,"waiting":`, e.Waiting)
	b = appendIntField(b, `,"est_wait_s":`, e.EstWaitS)
	b = appendIntField(b, `,"uncovered_s":`, e.UncoveredS)
	b = appendStringsField(b, `,"services":`, e.Services)
	b = appendStringsField(b, `,"tickets":`, e.Tickets)

	// Config and the workflows' payloads: rare and off the hot path,
	// encoding/json writes them (payload.go).
	if b, ok = appendPayloads(b, e); !ok {
		return b[:start]
	}
	return append(b, '}')
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

// appendStringsField appends key and the array ss unless ss is nil or empty
// (omitempty), with HTML escaping off.
func appendStringsField(b []byte, key string, ss []string) []byte {
	if len(ss) == 0 {
		return b
	}
	b = append(b, key...)
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, s, false)
	}
	return append(b, ']')
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
