package queue

import (
	"errors"
	"fmt"
	"slices"
)

// Kind is the class of an Error: what its refusal means whatever its code, so
// that a caller (the API) can answer a code it has never heard of. The zero
// Kind is KindInternal.
type Kind uint8

// The kinds of Error.
const (
	// KindInternal is not a refusal but a fault: an error no code of queue
	// defines. The API answers it 500, without its text.
	KindInternal Kind = iota
	// KindInvalid: the input does not make sense whatever the state (a
	// missing field, a bad value).
	KindInvalid
	// KindNotFound: what the request names, or what it asks for, is not
	// there: no such service, window, ticket…, and no ticket waiting to call.
	KindNotFound
	// KindConflict: the request is well formed and allowed for the caller,
	// but the hall's state refuses it now (a ticket in the wrong state, the
	// issuing hours over, a quota reached).
	KindConflict
	// KindForbidden: the caller may not do this where it asks (staff not
	// signed in at the window).
	KindForbidden
	// KindUnavailable: the hall cannot take changes now (the store failed,
	// the engine is closing); nothing changed, the caller may try again.
	KindUnavailable
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "forbidden", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Error is an error a person will read: a stable snake_case Code that callers and
// the API branch on, its Kind, and a Message with the detail (in English, for
// logs and developers; screens show the catalogue's text for the code, error.<code>
// in assets/i18n). Every code is defined once, by the Err… variables below and
// beside their workflows, and listed by Errors; an Error with another code is
// built with Errorf from a defined one's code. The display package maps kinds,
// not codes, to HTTP statuses, so a new code needs only its definition here and
// its text in the catalogue.
type Error struct {
	Code    string
	Kind    Kind
	Message string
	// Text, when set, names a more precise catalogue text for the code,
	// error.<code>.<text>, and Params fill its {name} placeholders: what a
	// person reads is always the catalogue's, in their language, never
	// Message (see Say).
	Text   string
	Params map[string]string
}

// Say returns a copy of e whose person-facing text is the catalogue's
// error.<code>.<text>, its {name} placeholders filled from the pairs kv
// ("n", "3"). Message, the English detail for developers, stays e's.
func (e *Error) Say(text string, kv ...string) *Error {
	c := *e
	c.Text, c.Params = text, nil
	if len(kv) > 0 {
		c.Params = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			c.Params[kv[i]] = kv[i+1]
		}
	}
	return &c
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

// definedErrors are the errors define made, in the order made, and by code.
// Written only while the package's variables are initialised; read-only after.
var (
	definedErrors []*Error
	errorsByCode  = map[string]*Error{}
)

// define returns a new Error with its kind, code and generic message, and
// registers it so that Errors and Defined know it. A code defined twice is a
// bug and stops the program at start.
func define(kind Kind, code, message string) *Error {
	if _, dup := errorsByCode[code]; dup {
		panic("queue: error code " + code + " defined twice")
	}
	e := &Error{Code: code, Kind: kind, Message: message}
	definedErrors = append(definedErrors, e)
	errorsByCode[code] = e
	return e
}

// Errors returns every error queue defines, one per code, in the order defined:
// the codes the API can answer for the engine.
func Errors() []*Error { return slices.Clone(definedErrors) }

// Defined returns the error queue defines with code (its kind and generic
// message), or nil when queue defines no such code.
func Defined(code string) *Error { return errorsByCode[code] }

// Errorf returns an *Error with code, the kind defined for code, and a
// formatted message. A code queue does not define gets KindInternal.
func Errorf(code, format string, args ...any) *Error {
	var kind Kind
	if d := errorsByCode[code]; d != nil {
		kind = d.Kind
	}
	return &Error{Code: code, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else "internal".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}

// KindOf returns the kind of err if it is (or wraps) an *Error, else KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// The errors callers branch on. Each is answered by the API with its code and
// the HTTP status of its kind; the message of a returned error may carry more
// detail than the sentinel's. A new one is a define here (or beside its
// workflow) and its text, error.<code>, in both catalogues of assets/i18n.
var (
	// Input that does not make sense whatever the state (missing field, bad value).
	ErrInvalid = define(KindInvalid, "invalid_input", "invalid input")

	// Something named does not exist.
	ErrUnknownService = define(KindNotFound, "unknown_service", "no such service")
	ErrUnknownWindow  = define(KindNotFound, "unknown_window", "no such window")
	ErrUnknownTicket  = define(KindNotFound, "unknown_ticket", "no such ticket")
	ErrUnknownSlip    = define(KindNotFound, "unknown_slip", "no such return slip")
	ErrUnknownExpress = define(KindNotFound, "unknown_express", "no such express request")
	ErrUnknownRefusal = define(KindNotFound, "unknown_refusal", "no such refusal")
	ErrUnknownCase    = define(KindNotFound, "unknown_case", "no such case")
	ErrUnknownStaff   = define(KindNotFound, "unknown_staff", "no such staff")

	// The action does not fit the current state. Nothing to call is "not
	// found" (as the API has always answered it, 404), and staff acting at a
	// window they are not signed in at is forbidden there.
	ErrQueueEmpty       = define(KindNotFound, "queue_empty", "no ticket waiting for this window")
	ErrWrongState       = define(KindConflict, "wrong_state", "the ticket is not in a state that allows this")
	ErrNoCurrentTicket  = define(KindConflict, "no_current_ticket", "the window has no current ticket")
	ErrWindowBusy       = define(KindConflict, "window_busy", "the window still has a ticket in hand")
	ErrNotSignedIn      = define(KindForbidden, "not_signed_in", "you are not signed in at this window")
	ErrWindowTaken      = define(KindConflict, "window_taken", "another staff member is signed in at this window")
	ErrNotServedHere    = define(KindConflict, "not_served_here", "this window does not serve that ticket now")
	ErrIssuingClosed    = define(KindConflict, "issuing_closed", "tickets are not being issued now")
	ErrQuotaReached     = define(KindConflict, "quota_reached", "the daily quota of this service is reached")
	ErrPersonLimit      = define(KindConflict, "person_limit", "this citizen has reached the daily ticket limit")
	ErrTicketsWaiting   = define(KindConflict, "tickets_waiting", "tickets this window can serve are still waiting")
	ErrSlipExpired      = define(KindConflict, "slip_expired", "the return slip is no longer valid")
	ErrAlreadyRated     = define(KindConflict, "already_rated", "this ticket has been rated")
	ErrNothingToRate    = define(KindConflict, "nothing_to_rate", "no finished ticket to rate at this window")
	ErrAlreadyDecided   = define(KindConflict, "already_decided", "this request has been decided")
	ErrExpressPending   = define(KindConflict, "express_pending", "an express request for this ticket is pending")
	ErrRequeueExhausted = define(KindConflict, "requeue_exhausted", "the ticket may not be re-queued again")

	// No ticket waits for a window that cannot serve it (reroute.go): a
	// ticket goes only to an open window that serves its service now.
	ErrWindowClosed      = define(KindConflict, "window_closed", "nobody is signed in at that window")
	ErrServiceNotOffered = define(KindConflict, "service_not_offered", "that window does not serve this service now")

	// The store could not make a change durable; nothing was acknowledged.
	ErrUnavailable = define(KindUnavailable, "unavailable", "the hall cannot store changes right now")
	// The engine is closed.
	ErrClosed = define(KindUnavailable, "closed", "the engine is closed")
)
