package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"qcall/display/internal/answer"
	"qcall/queue"
)

// maxBodyBytes caps a request body; past it the answer is 413 body_too_large.
const maxBodyBytes = 64 << 10

// decodeBody reads the JSON object of r's body into v. An empty body is taken as
// {}. Malformed JSON, unknown fields and anything after the object are
// bad_json; a value of the wrong type is invalid_input; a body over maxBodyBytes is
// body_too_large.
func decodeBody(r *http.Request, v any) error { return decodeJSON(r.Body, v) }

// decodeJSON is decodeBody on any reader.
func decodeJSON(rd io.Reader, v any) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return answer.Errorf(answer.CodeBadJSON, "one JSON object expected")
	}
	return nil
}

// stringField is a JSON object member of string type, for decodeStrings.
type stringField struct {
	name string
	dst  *string
}

// bodyBufs holds the buffers decodeStrings reads bodies into.
var bodyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// decodeStrings is decodeBody for a v whose fields are all strings, each
// given in fields with its JSON name, for the requests that come by the
// thousand (a ticket from the kiosk). The common body, an object of plain
// strings named exactly, is read without reflection; anything else (escapes,
// other types, unknown or differently cased names, bad JSON) goes to
// decodeBody's decoder, so that what is accepted and every error are as
// decodeBody has them.
func decodeStrings(r *http.Request, v any, fields ...stringField) error {
	buf := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(buf)
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return decodeError(err)
		}
	}
	if cap(b) <= 64<<10 {
		*buf = b
	}
	if plainStrings(b, fields) {
		return nil
	}
	return decodeJSON(bytes.NewReader(b), v)
}

// plainStrings decodes b when it is an object whose members are all among
// fields and all strings without escapes, control characters or invalid
// UTF-8 (or when b is only white space, taken as {}). It reports whether it
// did; when not, the fields may hold part of it.
func plainStrings(b []byte, fields []stringField) bool {
	i := skipSpace(b, 0)
	if i == len(b) {
		return true
	}
	if b[i] != '{' {
		return false
	}
	if i = skipSpace(b, i+1); i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		key, j, ok := plainString(b, i)
		if !ok {
			return false
		}
		if i = skipSpace(b, j); i == len(b) || b[i] != ':' {
			return false
		}
		val, j, ok := plainString(b, skipSpace(b, i+1))
		if !ok {
			return false
		}
		k := slices.IndexFunc(fields, func(f stringField) bool { return f.name == string(key) })
		if k < 0 {
			return false
		}
		*fields[k].dst = string(val)
		if i = skipSpace(b, j); i == len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// plainString reads the JSON string at b[i:] when it needs no unescaping, and
// returns its bytes and the index after it.
func plainString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s = b[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return answer.Errorf(answer.CodeBodyTooLarge, "at most %d bytes", tooBig.Limit)
	case errors.As(err, &typ):
		return answer.Errorf(queue.ErrInvalid.Code, "%s must be %s, not %s", typ.Field, typ.Type, typ.Value)
	default:
		return answer.Errorf(answer.CodeBadJSON, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// statusRecorder notes the status a handler answers with, for the metrics, and
// whether it has begun answering, for the panic handler.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush, deadlines).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// muxProbe catches what the ServeMux would answer for a request no pattern
// matches (its 404, its 405 with Allow, its redirect to a cleaned path), so
// that the API can say it in its own JSON.
type muxProbe struct {
	header http.Header
	status int
}

func (p *muxProbe) Header() http.Header         { return p.header }
func (p *muxProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *muxProbe) WriteHeader(code int)        { p.status = code }

// ServeHTTP answers one request: every answer carries Cache-Control: no-store, a
// panic is answered 500 and logged, and the route and status go to the metrics.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	rec.Header()["Cache-Control"] = answer.NoStore
	h, pattern := a.mux.Handler(r)
	route := pattern
	if pattern == "" {
		route = "unmatched"
		p := &muxProbe{header: http.Header{}}
		h.ServeHTTP(p, r)
		switch p.status {
		case http.StatusMethodNotAllowed:
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", p.header.Get("Allow"))
				a.fail(w, r, answer.Errorf(answer.CodeMethodNotAllowed, "allowed: %s", p.header.Get("Allow")))
			})
		case http.StatusNotFound:
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a.fail(w, r, answer.Errorf(answer.CodeNotFound, ""))
			})
		}
	} else {
		h = a.mux // sets the path values of the pattern
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				a.metrics.observe(route, 0, time.Since(start))
				panic(v)
			}
			a.log.Error("display: panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if rec.status == 0 {
				a.fail(rec, r, fmt.Errorf("panic: %v", v))
			}
		}
		a.metrics.observe(route, rec.status, time.Since(start))
	}()
	h.ServeHTTP(rec, r)
}

// fail answers err with the HTTP side's one error answer (answer.Error).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) { answer.Error(w, r, a.log, err) }
