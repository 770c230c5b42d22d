package display

import (
	"context"
	"errors"
	"fmt"
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

// codeStatuses is the one place an error code meets HTTP: every code the API can
// answer with and its status. A queue code missing here is answered as 500
// (and logged), so a new engine error shows up at once rather than as a wrong 4xx.
//
// issuing_closed, quota_reached and person_limit are 409: the request is well
// formed and allowed for the caller, but the hall's state refuses it now, like
// every other rule the engine enforces.
var codeStatuses = map[string]int{
	// The API's own.
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

	// The engine's (queue/errors.go).
	queue.ErrInvalid.Code:          http.StatusBadRequest,
	queue.ErrInvalidIDNo.Code:      http.StatusBadRequest,
	queue.ErrUnknownService.Code:   http.StatusNotFound,
	queue.ErrUnknownWindow.Code:    http.StatusNotFound,
	queue.ErrUnknownTicket.Code:    http.StatusNotFound,
	queue.ErrUnknownSlip.Code:      http.StatusNotFound,
	queue.ErrUnknownExpress.Code:   http.StatusNotFound,
	queue.ErrUnknownRefusal.Code:   http.StatusNotFound,
	queue.ErrUnknownCase.Code:      http.StatusNotFound,
	queue.ErrUnknownStaff.Code:     http.StatusNotFound,
	queue.ErrQueueEmpty.Code:       http.StatusNotFound,
	queue.ErrWrongState.Code:       http.StatusConflict,
	queue.ErrNoCurrentTicket.Code:  http.StatusConflict,
	queue.ErrWindowBusy.Code:       http.StatusConflict,
	queue.ErrNotSignedIn.Code:      http.StatusForbidden,
	queue.ErrWindowTaken.Code:      http.StatusConflict,
	queue.ErrNotServedHere.Code:    http.StatusConflict,
	queue.ErrIssuingClosed.Code:    http.StatusConflict,
	queue.ErrQuotaReached.Code:     http.StatusConflict,
	queue.ErrPersonLimit.Code:      http.StatusConflict,
	queue.ErrTicketsWaiting.Code:   http.StatusConflict,
	queue.ErrSlipExpired.Code:      http.StatusConflict,
	queue.ErrAlreadyRated.Code:     http.StatusConflict,
	queue.ErrNothingToRate.Code:    http.StatusConflict,
	queue.ErrAlreadyDecided.Code:   http.StatusConflict,
	queue.ErrExpressPending.Code:   http.StatusConflict,
	queue.ErrRequeueExhausted.Code: http.StatusConflict,
	queue.ErrUnavailable.Code:      http.StatusServiceUnavailable,
	queue.ErrClosed.Code:           http.StatusServiceUnavailable,
}

// statusOf returns the HTTP status of an error code; an unknown code is 500.
func statusOf(code string) int {
	if s, ok := codeStatuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// engineMessages are the engine's errors by code, to tell its generic message (not
// worth repeating after the catalogue's) from a detail.
var engineMessages = func() map[string]string {
	m := map[string]string{}
	for _, e := range []*queue.Error{queue.ErrInvalid, queue.ErrInvalidIDNo, queue.ErrUnknownService, queue.ErrUnknownWindow,
		queue.ErrUnknownTicket, queue.ErrUnknownSlip, queue.ErrUnknownExpress, queue.ErrUnknownRefusal,
		queue.ErrUnknownCase, queue.ErrUnknownStaff, queue.ErrQueueEmpty, queue.ErrWrongState,
		queue.ErrNoCurrentTicket, queue.ErrWindowBusy, queue.ErrNotSignedIn, queue.ErrWindowTaken,
		queue.ErrNotServedHere, queue.ErrIssuingClosed, queue.ErrQuotaReached, queue.ErrPersonLimit,
		queue.ErrTicketsWaiting, queue.ErrSlipExpired, queue.ErrAlreadyRated, queue.ErrNothingToRate,
		queue.ErrAlreadyDecided, queue.ErrExpressPending, queue.ErrRequeueExhausted, queue.ErrUnavailable,
		queue.ErrClosed} {
		m[e.Code] = e.Message
	}
	return m
}()

// classifyError returns the code of err and the detail worth showing with it. An
// error that is neither an *apiError nor a known *queue.Error is internal: its
// text stays in the log.
func classifyError(err error) (code, detail string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code, ae.detail
	}
	var qe *queue.Error
	if errors.As(err, &qe) {
		if _, known := codeStatuses[qe.Code]; !known {
			return codeInternal, ""
		}
		if qe.Message != engineMessages[qe.Code] {
			detail = qe.Message
		}
		return qe.Code, detail
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return queue.ErrUnavailable.Code, ""
	}
	return codeInternal, ""
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
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

// fail answers err as {"error":{"code","message"}} with the status of its code.
// Internal errors are logged with their text and answered without it.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, detail := classifyError(err)
	status := statusOf(code)
	switch {
	case code == codeInternal:
		a.log.Error("display: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case status >= 500:
		a.log.Warn("display: request failed", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	if ae := (*apiError)(nil); errors.As(err, &ae) && ae.retry > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((ae.retry+time.Second-1)/time.Second), 10))
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = errorMessage(assets.Lang(r.Header.Get("Accept-Language")), code, detail)
	sendJSON(w, status, body)
}
