// Package answer is the one error answer of qcall's HTTP side: the API
// (display/api), the realtime hub (display), the screens (display/static) and
// the guards (display/guard) answer every error with Error, as
// {"error":{"code","message","detail"?}} with the status of its code and the
// catalogue's message in the request's language. It holds the HTTP side's own
// error codes and their statuses, the status of each kind of queue.Error, and
// the JSON answer every job writes (JSON, RawJSON).
package answer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"qcall/assets"
	"qcall/queue"
)

// CodeError is an error answered with a code of the HTTP side's own
// (bad_json, unauthorized, …) rather than one of the engine's. detail is added
// to the catalogue's message. Make one with Errorf or RateLimited.
type CodeError struct {
	code   string
	detail string
	retry  time.Duration // > 0: the answer says Retry-After, in whole seconds
}

// Error is the code, and the detail after it when there is one.
func (e *CodeError) Error() string {
	if e.detail == "" {
		return e.code
	}
	return e.code + ": " + e.detail
}

// Errorf returns a *CodeError with code and a formatted detail.
func Errorf(code, format string, args ...any) error {
	return &CodeError{code: code, detail: fmt.Sprintf(format, args...)}
}

// The HTTP side's own codes. The engine's come from queue (queue.Error).
const (
	CodeBadJSON          = "bad_json"
	CodeBodyTooLarge     = "body_too_large"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeUnauthorized     = "unauthorized"
	CodeBadCredentials   = "bad_credentials"
	CodeForbidden        = "forbidden"
	CodeDemoLoopback     = "demo_loopback_only"
	CodeRateLimited      = "rate_limited"
	CodeHostNotAllowed   = "host_not_allowed"
	CodeInternal         = "internal"
)

// CodeStatuses are the HTTP side's own codes and their HTTP statuses. The engine's
// codes are not here: their status is their kind's (kindStatuses).
var CodeStatuses = map[string]int{
	CodeBadJSON:          http.StatusBadRequest,
	CodeBodyTooLarge:     http.StatusRequestEntityTooLarge,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeBadCredentials:   http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeDemoLoopback:     http.StatusForbidden,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeHostNotAllowed:   http.StatusForbidden,
	CodeInternal:         http.StatusInternalServerError,
}

// kindStatuses is the one place an engine error meets HTTP: the status of
// each kind of queue.Error. A code queue defines is answered with its kind's
// status, so a new one needs no edit here; a code queue does not define, or
// of a kind missing here, is answered as 500 (and logged).
//
// Conflict is 409 for every rule of the hall's state, issuing_closed,
// quota_reached and person_limit among them: the request is well formed and
// allowed for the caller, but the hall refuses it now. queue_empty is of kind
// not found (nothing to call): 404.
var kindStatuses = map[queue.Kind]int{
	queue.KindInvalid:     http.StatusBadRequest,
	queue.KindNotFound:    http.StatusNotFound,
	queue.KindConflict:    http.StatusConflict,
	queue.KindForbidden:   http.StatusForbidden,
	queue.KindUnavailable: http.StatusServiceUnavailable,
}

// Status returns the HTTP status of an error code: the HTTP side's own, else that
// of the kind queue defines for it; an unknown code is 500.
func Status(code string) int {
	if s, ok := CodeStatuses[code]; ok {
		return s
	}
	if e := queue.Defined(code); e != nil {
		if s, ok := kindStatuses[e.Kind]; ok {
			return s
		}
	}
	return http.StatusInternalServerError
}

// Classify returns the code of err and the detail worth showing with it. An
// error that is neither an *CodeError nor a *queue.Error of a code queue
// defines is internal: its text stays in the log. The detail of a queue.Error
// is its message when it differs from the generic one of its code.
func Classify(err error) (code, detail string) {
	var ae *CodeError
	if errors.As(err, &ae) {
		return ae.code, ae.detail
	}
	var qe *queue.Error
	if errors.As(err, &qe) {
		def := queue.Defined(qe.Code)
		if def == nil || Status(qe.Code) == http.StatusInternalServerError {
			return CodeInternal, ""
		}
		if qe.Message != def.Message {
			detail = qe.Message
		}
		return qe.Code, detail
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return queue.ErrUnavailable.Code, ""
	}
	return CodeInternal, ""
}

// Body is the JSON of every error answer. Message is what a person reads:
// the catalogue's text for the code in the request's language (with its
// parameters filled in), never the engine's English; Detail is that English
// detail alone, for developers and logs, left out when there is none.
type Body struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Detail  string `json:"detail,omitempty"`
	} `json:"error"`
}

// NewBody is the answer to err, of code with detail (Classify), for a
// request whose Accept-Language is acceptLang.
func NewBody(acceptLang, code, detail string, err error) Body {
	var body Body
	text, params := Wording(err)
	if code != ErrorCodeOf(err) {
		text, params = "", nil // err was classified as another code (internal)
	}
	body.Error.Code = code
	body.Error.Message = Message(assets.Lang(acceptLang), code, text, params)
	body.Error.Detail = detail
	return body
}

// ErrorCodeOf is the code err carries itself: a *CodeError's or a
// *queue.Error's, else "".
func ErrorCodeOf(err error) string {
	var ae *CodeError
	if errors.As(err, &ae) {
		return ae.code
	}
	var qe *queue.Error
	if errors.As(err, &qe) {
		return qe.Code
	}
	return ""
}

// Wording is the catalogue text err asks for beyond its code's and the
// parameters of it (queue.Error.Say): "", nil for the code's own text.
func Wording(err error) (text string, params map[string]string) {
	var qe *queue.Error
	if errors.As(err, &qe) {
		return qe.Text, qe.Params
	}
	return "", nil
}

// Message is the catalogue's text for code in lang: error.<code>.<text> when
// text is set and the catalogue has it, else error.<code>, with its {name}
// placeholders filled from params. Details never go into it: they are for
// developers (Body.Detail), and in English.
func Message(lang, code, text string, params map[string]string) string {
	key := "error." + code
	if text != "" && assets.Has(key+"."+text) {
		key += "." + text
	}
	return assets.Fill(lang, key, params)
}

// Error is the HTTP side's one error answer, for the API, the hub (before
// the upgrade), the screens and the guards alike: {"error":{"code","message",
// "detail"?}} with the status of err's code (Status), the message from the
// catalogue in the request's language, Cache-Control: no-store, and
// Retry-After when err says when to come back. An internal error is logged
// with its text (to log; slog.Default() when nil) and answered without it;
// other answers of 500 and over are logged as warnings.
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code, detail := Classify(err)
	status := Status(code)
	if log == nil && status >= 500 {
		log = slog.Default()
	}
	switch {
	case code == CodeInternal:
		log.Error("display: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case status >= 500:
		log.Warn("display: request failed", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	h := w.Header()
	h["Cache-Control"] = NoStore
	if ae := (*CodeError)(nil); errors.As(err, &ae) && ae.retry > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((ae.retry+time.Second-1)/time.Second), 10))
	}
	_ = JSON(w, status, NewBody(r.Header.Get("Accept-Language"), code, detail, err))
}

// JSON answers v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) error {
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer putJSONBuf(buf)
	// Encode adds the newline; its output is json.Marshal's.
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return fmt.Errorf("encode respond: %w", err)
	}
	RawJSON(w, status, buf.Bytes())
	return nil
}

// RawJSON answers body, JSON already encoded as JSON encodes (with the
// newline at the end), with status and the headers of every JSON answer.
func RawJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["X-Content-Type-Options"] = noSniff
	// Said, so that an answer flushed before its handler returns goes out
	// whole, not chunked.
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	// A failed write means the client went away: nothing more to tell it, and
	// the change, if any, is already durable.
	_, _ = w.Write(body)
}

// The values of the headers every JSON answer carries, shared: a header value
// set through Header.Set is a new slice each time, and the API answers
// thousands of requests a second. Nothing appends to them (Header.Add would
// copy, since their capacity is their length).
var (
	contentTypeJSON = []string{"application/json; charset=utf-8"}
	noSniff         = []string{"nosniff"}
	NoStore         = []string{"no-store"}
)

// jsonBufs holds the buffers JSON encodes into.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putJSONBuf returns buf to jsonBufs unless an unusually large answer grew it.
func putJSONBuf(buf *bytes.Buffer) {
	if buf.Cap() > 64<<10 {
		return
	}
	buf.Reset()
	jsonBufs.Put(buf)
}

// RateLimited is the rate_limited error; the answer tells the client to try
// again after wait (Retry-After).
func RateLimited(wait time.Duration, format string, args ...any) error {
	return &CodeError{code: CodeRateLimited, detail: fmt.Sprintf(format, args...), retry: wait}
}
