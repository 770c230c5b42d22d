package api

import (
	"net/http"
	"testing"
	"time"

	"qcall/queue"
)

// TestAPI_Cases: finish with a due date answers the case id and its due
// date (working days); GET /api/cases lists a staff member's own cases only
// and the director's every one, by date and state; staff close their own
// cases and not another's; the ticket's page shows its open case.
func TestAPI_Cases(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK) // 1001
	h.ok("POST", "/api/windows/2/signin", "1002", struct{}{}, nil, http.StatusOK)
	a1, a2 := h.issue("employment"), h.issue("employment")
	h.act("staff", "1", "call-next", nil)
	var fin struct {
		Ticket queue.TicketView `json:"ticket"`
		Case   *queue.Case      `json:"case"`
	}
	h.ok("POST", "/api/windows/1/finish", "staff", map[string]any{"due": true}, &fin, http.StatusOK)
	// Monday 2 March 2026 + 5 working days: Monday 9 March.
	want := time.Date(2026, 3, 9, 23, 59, 59, 0, hallZone)
	if fin.Ticket.ID != a1.ID || fin.Case == nil || fin.Case.ID == "" || !fin.Case.Due.Equal(want) {
		t.Fatalf("finish answered %+v, want a case due %s", fin, want)
	}
	h.act("1002", "2", "call-next", nil)
	var fin2 struct {
		Case *queue.Case `json:"case"`
	}
	h.ok("POST", "/api/windows/2/finish", "1002", map[string]any{"due": "2026-03-02T17:00:00+08:00"}, &fin2, http.StatusOK)
	if fin2.Case == nil {
		t.Fatal("finish with a time answered no case")
	}

	var mine, all []queue.CaseView
	h.ok("GET", "/api/cases", "staff", nil, &mine, http.StatusOK)
	if len(mine) != 1 || mine[0].ID != fin.Case.ID || mine[0].State != "open" {
		t.Fatalf("1001's cases: %+v", mine)
	}
	// Asking for another's cases gives one's own still.
	h.ok("GET", "/api/cases?staff=1002", "staff", nil, &mine, http.StatusOK)
	if len(mine) != 1 || mine[0].Staff != "1001" {
		t.Fatalf("1001 asking for 1002's cases got %+v", mine)
	}
	h.ok("GET", "/api/cases", "1003", nil, &mine, http.StatusOK)
	if len(mine) != 0 {
		t.Fatalf("1003 sees %+v", mine)
	}
	h.ok("GET", "/api/cases?from=2026-03-02&to=2026-03-02", "director", nil, &all, http.StatusOK)
	if len(all) != 2 {
		t.Fatalf("director's cases: %+v", all)
	}
	h.ok("GET", "/api/cases?staff=1002", "director", nil, &all, http.StatusOK)
	if len(all) != 1 || all[0].ID != fin2.Case.ID {
		t.Fatalf("director's cases of 1002: %+v", all)
	}
	h.ok("GET", "/api/cases?state=due_today", "director", nil, &all, http.StatusOK)
	if len(all) != 1 || all[0].ID != fin2.Case.ID || !all[0].DueToday {
		t.Fatalf("due today: %+v", all)
	}
	h.clock.Set(apiMonday9.Add(9 * time.Hour)) // 18:00
	h.ok("GET", "/api/cases?state=overdue", "director", nil, &all, http.StatusOK)
	if len(all) != 1 || all[0].ID != fin2.Case.ID || !all[0].Overdue {
		t.Fatalf("overdue: %+v", all)
	}
	h.ok("GET", "/api/cases?from=2026-03-03", "director", nil, &all, http.StatusOK)
	if len(all) != 0 {
		t.Fatalf("cases from 3 March: %+v", all)
	}
	for _, q := range []string{"state=late", "from=03/02/2026", "to=2026-02-30", "from=2026-03-05&to=2026-03-01"} {
		h.refused("GET", "/api/cases?"+q, "director", nil, http.StatusBadRequest, "invalid_input")
	}
	for _, who := range []string{"", "kiosk", "display", "evaluator", "agent", "admin"} {
		want := http.StatusForbidden
		if who == "" {
			want = http.StatusUnauthorized
		}
		if r := h.do("GET", "/api/cases", who, nil); r.status != want {
			t.Errorf("GET /api/cases as %q: %d %s, want %d", who, r.status, r.body, want)
		}
	}

	// The citizen's page shows the open case and its due date.
	st := h.ticketStatus(a1.ID)
	c, _ := st["case"].(map[string]any)
	if st["state"] != "done" || c == nil || c["id"] != fin.Case.ID || c["due"] != "2026-03-09T23:59:59+08:00" {
		t.Fatalf("ticket page %v", st)
	}
	if st := h.ticketStatus(a2.ID); st["case"] == nil {
		t.Fatalf("ticket page of the second case %v", st)
	}

	// Staff close their own case, not another's; the director any.
	h.refused("POST", "/api/cases/"+fin2.Case.ID+"/done", "staff", map[string]bool{"notified": true}, http.StatusForbidden, "not_your_case")
	var done queue.Case
	h.ok("POST", "/api/cases/"+fin.Case.ID+"/done", "staff", map[string]bool{"notified": true}, &done, http.StatusOK)
	if done.Done.IsZero() || !done.Notified || done.DoneBy != "1001" {
		t.Fatalf("closed %+v", done)
	}
	h.ok("POST", "/api/cases/"+fin2.Case.ID+"/done", "director", map[string]bool{"notified": false}, nil, http.StatusOK)
	h.ok("GET", "/api/cases?state=done", "staff", nil, &mine, http.StatusOK)
	if len(mine) != 1 || mine[0].State != "done" {
		t.Fatalf("1001's done cases %+v", mine)
	}
	c, _ = h.ticketStatus(a1.ID)["case"].(map[string]any)
	if c == nil || c["done"] == nil {
		t.Fatalf("ticket page after the case is done: %v", c)
	}
}

// TestAPI_Covers: an A-post holder's sign-out and the B-post holder's
// takeover leave a gap the director reads in GET /api/covers with its
// minutes uncovered.
func TestAPI_Covers(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK) // 1001, A-post of 1
	h.ok("POST", "/api/windows/1/signout", "staff", struct{}{}, nil, http.StatusOK)
	h.clock.Add(12 * time.Minute)
	var w windowAnswer
	h.ok("POST", "/api/windows/1/signin", "1002", struct{}{}, &w, http.StatusOK) // B-post of 1
	if w.Window.Uncovered {
		t.Fatalf("window 1 after the B-post signed in: %+v", w.Window)
	}
	var cov []queue.CoverView
	h.ok("GET", "/api/covers?from=2026-03-02&to=2026-03-02", "director", nil, &cov, http.StatusOK)
	if len(cov) != 1 || cov[0].Window != 1 || cov[0].Staff != "1001" || cov[0].CoveredBy != "1002" || cov[0].Minutes != 12 ||
		cov[0].Reason != "signed_out" {
		t.Fatalf("covers %+v", cov)
	}
	h.ok("GET", "/api/covers?from=2026-03-03", "director", nil, &cov, http.StatusOK)
	if len(cov) != 0 {
		t.Fatalf("covers from the next day %+v", cov)
	}
	h.refused("GET", "/api/covers?to=never", "director", nil, http.StatusBadRequest, "invalid_input")
	h.refused("GET", "/api/covers", "staff", nil, http.StatusForbidden, "forbidden")
}
