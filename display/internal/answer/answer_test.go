package answer

import (
	"errors"
	"fmt"
	"testing"

	"qcall/assets"
	"qcall/queue"
)

func TestStatusOf(t *testing.T) {
	// Written out here, so that a slip in the table is caught.
	for code, want := range map[string]int{
		"queue_empty":        404,
		"unknown_service":    404,
		"unknown_ticket":     404,
		"wrong_state":        409,
		"window_busy":        409,
		"window_taken":       409,
		"not_served_here":    409,
		"tickets_waiting":    409,
		"already_rated":      409,
		"already_decided":    409,
		"express_pending":    409,
		"requeue_exhausted":  409,
		"slip_expired":       409,
		"nothing_to_rate":    409,
		"issuing_closed":     409,
		"quota_reached":      409,
		"person_limit":       409,
		"not_signed_in":      403,
		"invalid_input":      400,
		"invalid_id_no":      400,
		"unavailable":        503,
		"closed":             503,
		"bad_json":           400,
		"body_too_large":     413,
		"method_not_allowed": 405,
		"not_found":          404,
		"unauthorized":       401,
		"forbidden":          403,
		"demo_loopback_only": 403,
		"rate_limited":       429,
		"host_not_allowed":   403,
		"internal":           500,
		"something_new":      500,
	} {
		if got := Status(code); got != want {
			t.Errorf("Status(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestStatuses_Catalogue(t *testing.T) {
	for code := range CodeStatuses {
		key := "error." + code
		zh, en := assets.T("zh-CN", key), assets.T("en", key)
		if zh == key || en == key || zh == en {
			t.Errorf("%s: zh-CN %q, en %q", key, zh, en)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err          error
		code, detail string
	}{
		{queue.ErrQueueEmpty, "queue_empty", ""},
		{fmt.Errorf("call next: %w", queue.Errorf("invalid_input", "score must be 1–4")), "invalid_input", "score must be 1–4"},
		{queue.Errorf("brand_new", "x"), "internal", ""},
		{errors.New("disk on fire"), "internal", ""},
		{Errorf("bad_json", "unexpected EOF"), "bad_json", "unexpected EOF"},
	} {
		code, detail := Classify(tc.err)
		if code != tc.code || detail != tc.detail {
			t.Errorf("Classify(%v) = %q, %q; want %q, %q", tc.err, code, detail, tc.code, tc.detail)
		}
	}
}
