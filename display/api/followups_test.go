package api

import (
	"net/http"
	"testing"

	"qcall/queue"
)

// TestAPI_Followups: the follow-up of a bad rating through the API, every
// new endpoint's coded 4xx for bad input and 403 for the wrong role and the
// wrong person.
func TestAPI_Followups(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.tokens["1011"] = h.api.signSession("1011", apiMonday9.Add(SessionTTL))
	h.ok("POST", "/api/windows/1/signin", "staff", map[string]any{}, nil)
	h.issue("employment")
	h.act("staff", "1", "call-next", nil)
	h.act("staff", "1", "finish", nil)
	h.ok("POST", "/api/ratings", "evaluator", map[string]int{"window": 1, "score": 1}, nil)

	var list []queue.FollowupRecord
	h.ok("GET", "/api/followups", "director", nil, &list)
	if len(list) != 1 || list[0].Staff != "1001" || list[0].Score != 1 || list[0].State != "open" {
		t.Fatalf("follow-ups: %+v", list)
	}
	id := list[0].ID
	base := "/api/followups/" + id

	// Staff see their own only.
	h.ok("GET", "/api/followups", "1002", nil, &list)
	if len(list) != 0 {
		t.Errorf("1002 sees %+v", list)
	}
	h.ok("GET", "/api/followups?state=open", "staff", nil, &list)
	if len(list) != 1 {
		t.Errorf("1001 sees %+v", list)
	}

	// Bad input: a coded 4xx, nothing changed.
	seq, _ := h.eng.Seq(t.Context())
	for _, c := range []struct {
		method, path, caller string
		body                 any
		status               int
		code                 string
	}{
		{"GET", "/api/followups?from=monday", "director", nil, 400, "invalid_input"},
		{"GET", "/api/followups?from=2026-03-03&to=2026-03-01", "director", nil, 400, "invalid_input"},
		{"GET", "/api/followups?state=lost", "director", nil, 400, "invalid_input"},
		{"POST", "/api/followups/nope/assign", "director", map[string]string{"job_no": "1011"}, 404, "unknown_followup"},
		{"POST", base + "/assign", "director", map[string]string{}, 400, "invalid_input"},
		{"POST", base + "/assign", "director", map[string]string{"job_no": "4242"}, 404, "unknown_staff"},
		{"POST", base + "/assign", "director", `{"job_no":`, 400, "bad_json"},
		{"POST", base + "/assign", "director", map[string]any{"job_no": "1011", "extra": 1}, 400, "bad_json"},
		{"POST", base + "/close", "director", map[string]any{"finding": "f", "action": "a"}, 400, "invalid_input"},
		{"POST", base + "/close", "director", map[string]any{"contacted": true, "action": "a"}, 400, "invalid_input"},
		{"POST", base + "/close", "1002", map[string]any{"contacted": true, "finding": "f", "action": "a"}, 403, "not_assignee"},
		{"POST", base + "/appeal", "1002", map[string]string{"reason": "r"}, 403, "not_rated_staff"},
		{"POST", base + "/appeal", "staff", map[string]string{"reason": ""}, 400, "invalid_input"},
		{"POST", base + "/appeal/decide", "director", map[string]any{"note": "n"}, 400, "invalid_input"},
		{"POST", base + "/appeal/decide", "director", map[string]any{"upheld": true, "note": "n"}, 409, "no_appeal"},
		{"GET", "/api/refusals?to=2026-13-01", "director", nil, 400, "invalid_input"},
		{"GET", "/api/refusals?state=lost", "director", nil, 400, "invalid_input"},
		{"GET", "/api/express?state=maybe", "director", nil, 400, "invalid_input"},
		{"POST", "/api/windows/2/release", "director", map[string]any{}, 409, "window_closed"},
		{"POST", "/api/windows/x/release", "director", map[string]any{}, 404, "unknown_window"},
		// The wrong role: 403.
		{"POST", base + "/assign", "staff", map[string]string{"job_no": "1011"}, 403, "forbidden"},
		{"POST", base + "/appeal", "director", map[string]string{"reason": "r"}, 403, "forbidden"},
		{"POST", base + "/appeal/decide", "staff", map[string]any{"upheld": true, "note": "n"}, 403, "forbidden"},
		{"POST", base + "/close", "admin", map[string]any{"contacted": true, "finding": "f", "action": "a"}, 403, "forbidden"},
		{"GET", "/api/followups", "kiosk", nil, 403, "forbidden"},
		{"GET", "/api/refusals", "staff", nil, 403, "forbidden"},
		{"GET", "/api/express", "staff", nil, 403, "forbidden"},
		{"POST", "/api/windows/1/release", "staff", map[string]any{}, 403, "forbidden"},
	} {
		h.refused(c.method, c.path, c.caller, c.body, c.status, c.code)
	}
	if now, _ := h.eng.Seq(t.Context()); now != seq {
		t.Fatalf("refused requests changed the hall: seq %d → %d", seq, now)
	}

	// The workflow: assign, appeal, uphold, close by the assignee.
	var f queue.FollowupRecord
	h.ok("POST", base+"/assign", "director", map[string]string{"job_no": "1011"}, &f)
	h.ok("POST", base+"/appeal", "staff", map[string]string{"reason": "the queue machine was down"}, &f)
	h.ok("POST", base+"/appeal/decide", "director", map[string]any{"upheld": true, "note": "confirmed"}, &f)
	h.ok("POST", base+"/close", "1011", map[string]any{"contacted": true, "finding": "f", "action": "a"}, &f)
	if f.State != "closed" || !f.Excluded || f.Appeal == nil || f.Appeal.State != "upheld" || f.ClosedBy != "1011" {
		t.Fatalf("closed: %+v", f)
	}
	h.refused("POST", base+"/close", "director", map[string]any{"contacted": true, "finding": "f", "action": "a"}, 409, "followup_closed")
	h.refused("POST", base+"/appeal", "staff", map[string]string{"reason": "again"}, 409, "appeal_exists")
	h.ok("GET", "/api/followups?state=closed", "1011", nil, &list)
	if len(list) != 1 || !list[0].Excluded {
		t.Errorf("1011's closed: %+v", list)
	}
	// Its events carry the payload; the upheld appeal names the ticket for
	// the reports.
	var decided *queue.Followup
	for _, e := range h.events(0) {
		if e.Type == queue.EvAppealDecided {
			decided = e.Followup
		}
	}
	if decided == nil || !decided.Upheld || decided.Ticket != f.Ticket {
		t.Errorf("appeal decided: %+v", decided)
	}

	// Registers and release answer.
	var refusals []queue.Refusal
	h.ok("GET", "/api/refusals?from=2026-03-02&to=2026-03-02", "admin", nil, &refusals, http.StatusOK)
	var express []queue.ExpressRequest
	h.ok("GET", "/api/express", "director", nil, &express, http.StatusOK)
	var w windowAnswer
	h.ok("POST", "/api/windows/1/release", "director", map[string]any{}, &w)
	if w.Window.Staff != nil {
		t.Errorf("released: %+v", w.Window)
	}
}
