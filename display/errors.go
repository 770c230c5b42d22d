package display

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"qcall/assets"
	"qcall/queue"
)

// apiError is an error the API answers with a code of its own (bad_json,
// unauthorized, …) rather than one of the engine's. detail is added to the
// catalogue's message.
type apiError struct {
	code   string
	detail string
	retry  time.Duration // > 0: the answer says Retry-After, in whole seconds
}

func (e *apiError) Error() string {
	if e.detail == "" {
		return e.code
	}
	return e.code + ": " + e.detail
}

// errorf returns an *apiError with code and a formatted detail.
func errorf(code, format string, args ...any) error {
	return &apiError{code: code, detail: fmt.Sprintf(format, args...)}
}

// The API's own codes. The engine's come from queue (queue.Error).
const (
	codeBadJSON          = "bad_json"
	codeBodyTooLarge     = "body_too_large"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeUnauthorized     = "unauthorized"
	codeBadCredentials   = "bad_credentials"
	codeForbidden        = "forbidden"
	codeDemoLoopback     = "demo_loopback_only"
	codeRateLimited      = "rate_limited"
	codeHostNotAllowed   = "host_not_allowed"
	codeInternal         = "internal"
)

// codeStatuses are the API's own codes and their HTTP statuses. The engine's
// codes are not here: their status is their kind's (kindStatuses).
var codeStatuses = map[string]int{
	codeBadJSON:          http.StatusBadRequest,
	codeBodyTooLarge:     http.StatusRequestEntityTooLarge,
	codeNotFound:         http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	codeUnauthorized:     http.StatusUnauthorized,
	codeBadCredentials:   http.StatusUnauthorized,
	codeForbidden:        http.StatusForbidden,
	codeDemoLoopback:     http.StatusForbidden,
	codeRateLimited:      http.StatusTooManyRequests,
	codeHostNotAllowed:   http.StatusForbidden,
	codeInternal:         http.StatusInternalServerError,
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

// statusOf returns the HTTP status of an error code: the API's own, else that
// of the kind queue defines for it; an unknown code is 500.
func statusOf(code string) int {
	if s, ok := codeStatuses[code]; ok {
		return s
	}
	if e := queue.Defined(code); e != nil {
		if s, ok := kindStatuses[e.Kind]; ok {
			return s
		}
	}
	return http.StatusInternalServerError
}

// classifyError returns the code of err and the detail worth showing with it. An
// error that is neither an *apiError nor a *queue.Error of a code queue
// defines is internal: its text stays in the log. The detail of a queue.Error
// is its message when it differs from the generic one of its code.
func classifyError(err error) (code, detail string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code, ae.detail
	}
	var qe *queue.Error
	if errors.As(err, &qe) {
		def := queue.Defined(qe.Code)
		if def == nil || statusOf(qe.Code) == http.StatusInternalServerError {
			return codeInternal, ""
		}
		if qe.Message != def.Message {
			detail = qe.Message
		}
		return qe.Code, detail
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return queue.ErrUnavailable.Code, ""
	}
	return codeInternal, ""
}

// errorBody is the JSON of every error answer. Message is what a person reads:
// the catalogue's text for the code in the request's language, with the
// detail after it (as it has always been); Detail is the detail alone, in
// English, for developers and logs, left out when there is none.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Detail  string `json:"detail,omitempty"`
	} `json:"error"`
}

// newErrorBody is the answer to code with detail for a request whose
// Accept-Language is acceptLang.
func newErrorBody(acceptLang, code, detail string) errorBody {
	var body errorBody
	body.Error.Code = code
	body.Error.Message = errorMessage(assets.Lang(acceptLang), code, detail)
	body.Error.Detail = detail
	return body
}

// errorMessage is the catalogue's text for code in lang, with detail after it.
func errorMessage(lang, code, detail string) string {
	msg := assets.T(lang, "error."+code)
	if detail == "" {
		return msg
	}
	if lang == "en" {
		return msg + ": " + detail
	}
	return msg + "：" + detail
}

// answerError is the package's one error answer, for the API, the hub (before
// the upgrade), the screens and the guards alike: {"error":{"code","message",
// "detail"?}} with the status of err's code (statusOf), the message from the
// catalogue in the request's language, Cache-Control: no-store, and
// Retry-After when err says when to come back. An internal error is logged
// with its text (to log; slog.Default() when nil) and answered without it;
// other answers of 500 and over are logged as warnings.
func answerError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code, detail := classifyError(err)
	status := statusOf(code)
	if log == nil && status >= 500 {
		log = slog.Default()
	}
	switch {
	case code == codeInternal:
		log.Error("display: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case status >= 500:
		log.Warn("display: request failed", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	h := w.Header()
	h["Cache-Control"] = noStore
	if ae := (*apiError)(nil); errors.As(err, &ae) && ae.retry > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((ae.retry+time.Second-1)/time.Second), 10))
	}
	_ = sendJSON(w, status, newErrorBody(r.Header.Get("Accept-Language"), code, detail))
}

// fail answers err (answerError).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) { answerError(w, r, a.log, err) }
