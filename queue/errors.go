package queue

import (
	"errors"
	"fmt"
)

// Error is an error a person will read: a stable snake_case Code that callers and
// the API branch on, and a Message with the detail (in English, for logs; screens
// show the catalogue's text for the code). The display package maps codes to HTTP
// statuses in one place.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, ErrQueueEmpty) holds for any queue_empty error whatever its detail.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else "internal".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}

// The errors callers branch on. Each is answered by the API with its code; the
// message of a returned error may carry more detail than the sentinel's.
var (
	// Input that does not make sense whatever the state (missing field, bad value).
	ErrInvalid = &Error{Code: "invalid_input", Message: "invalid input"}

	// Something named does not exist.
	ErrUnknownService = &Error{Code: "unknown_service", Message: "no such service"}
	ErrUnknownWindow  = &Error{Code: "unknown_window", Message: "no such window"}
	ErrUnknownTicket  = &Error{Code: "unknown_ticket", Message: "no such ticket"}
	ErrUnknownSlip    = &Error{Code: "unknown_slip", Message: "no such return slip"}
	ErrUnknownExpress = &Error{Code: "unknown_express", Message: "no such express request"}
	ErrUnknownRefusal = &Error{Code: "unknown_refusal", Message: "no such refusal"}
	ErrUnknownCase    = &Error{Code: "unknown_case", Message: "no such case"}
	ErrUnknownStaff   = &Error{Code: "unknown_staff", Message: "no such staff"}

	// The action does not fit the current state.
	ErrQueueEmpty       = &Error{Code: "queue_empty", Message: "no ticket waiting for this window"}
	ErrWrongState       = &Error{Code: "wrong_state", Message: "the ticket is not in a state that allows this"}
	ErrNoCurrentTicket  = &Error{Code: "no_current_ticket", Message: "the window has no current ticket"}
	ErrWindowBusy       = &Error{Code: "window_busy", Message: "the window still has a ticket in hand"}
	ErrNotSignedIn      = &Error{Code: "not_signed_in", Message: "you are not signed in at this window"}
	ErrWindowTaken      = &Error{Code: "window_taken", Message: "another staff member is signed in at this window"}
	ErrNotServedHere    = &Error{Code: "not_served_here", Message: "this window does not serve that ticket now"}
	ErrIssuingClosed    = &Error{Code: "issuing_closed", Message: "tickets are not being issued now"}
	ErrQuotaReached     = &Error{Code: "quota_reached", Message: "the daily quota of this service is reached"}
	ErrPersonLimit      = &Error{Code: "person_limit", Message: "this citizen has reached the daily ticket limit"}
	ErrTicketsWaiting   = &Error{Code: "tickets_waiting", Message: "tickets this window can serve are still waiting"}
	ErrSlipExpired      = &Error{Code: "slip_expired", Message: "the return slip is no longer valid"}
	ErrAlreadyRated     = &Error{Code: "already_rated", Message: "this ticket has been rated"}
	ErrNothingToRate    = &Error{Code: "nothing_to_rate", Message: "no finished ticket to rate at this window"}
	ErrAlreadyDecided   = &Error{Code: "already_decided", Message: "this request has been decided"}
	ErrExpressPending   = &Error{Code: "express_pending", Message: "an express request for this ticket is pending"}
	ErrRequeueExhausted = &Error{Code: "requeue_exhausted", Message: "the ticket may not be re-queued again"}

	// The store could not make a change durable; nothing was acknowledged.
	ErrUnavailable = &Error{Code: "unavailable", Message: "the hall cannot store changes right now"}
	// The engine is closed.
	ErrClosed = &Error{Code: "closed", Message: "the engine is closed"}
)
