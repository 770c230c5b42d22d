package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/queue"
)

// refusedNoChange is refused, and checks that no event was written.
func (h *apiTestHall) refusedNoChange(method, path, caller string, body any, status int, code string) {
	h.t.Helper()
	seq := h.seq()
	h.refused(method, path, caller, body, status, code)
	if h.seq() != seq {
		h.t.Fatalf("%s %s as %q was refused (%s) and wrote an event", method, path, caller, code)
	}
}

// TestAPI_RegistersRoles: who may use the registers, written out here so
// that a slip in apiRoutes is caught (the role matrix then checks every
// route answers as its row says).
func TestAPI_RegistersRoles(t *testing.T) {
	want := map[string][]queue.Role{
		"POST /api/complaints":                         {"kiosk", "staff", "director"},
		"GET /api/complaints":                          {"director", "admin"},
		"POST /api/complaints/{id}/reply":              {"director"},
		"POST /api/complaints/{id}/close":              {"director"},
		"POST /api/home-visits":                        {"staff", "director"},
		"GET /api/home-visits":                         {"director", "admin"},
		"POST /api/home-visits/{id}/approve":           {"director"},
		"POST /api/home-visits/{id}/deny":              {"director"},
		"POST /api/home-visits/{id}/done":              {"director"},
		"POST /api/spot-checks":                        {"director"},
		"GET /api/spot-checks":                         {"director", "admin"},
		"POST /api/spot-checks/{id}/items/{ticket_id}": {"director"},
	}
	for pattern, roles := range want {
		i := slices.IndexFunc(apiRoutes, func(r apiRoute) bool { return r.pattern == pattern })
		if i < 0 {
			t.Errorf("%s is not a route", pattern)
			continue
		}
		got := slices.Sorted(slices.Values(apiRoutes[i].access.roles))
		if apiRoutes[i].access.public || !slices.Equal(got, slices.Sorted(slices.Values(roles))) {
			t.Errorf("%s: %v, want %v", pattern, got, roles)
		}
	}
}

func TestAPI_Complaints(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	// The kiosk's suggestion box: a suggestion, by the kiosk channel, no one
	// named, no contact.
	var s queue.ComplaintRecord
	h.ok("POST", "/api/complaints", "kiosk", map[string]any{"kind": "suggestion", "topic": "waiting", "text": "希望增加座椅"}, &s, http.StatusCreated)
	if s.Channel != "kiosk" || s.Kind != "suggestion" || s.RecordedBy != "kiosk-1" || s.ID == "" || s.Due.IsZero() {
		t.Fatalf("kiosk suggestion %+v", s)
	}
	for _, body := range []map[string]any{
		{"kind": "complaint", "text": "x"},
		{"kind": "suggestion", "text": "x", "contact": "138"},
		{"kind": "suggestion", "text": "x", "staff": "1001"},
		{"kind": "suggestion", "text": "x", "window": 1},
		{"kind": "suggestion", "text": "x", "channel": "book"},
	} {
		h.refusedNoChange("POST", "/api/complaints", "kiosk", body, http.StatusForbidden, "forbidden")
	}
	h.refusedNoChange("POST", "/api/complaints", "kiosk", map[string]any{"kind": "suggestion"}, http.StatusBadRequest, "invalid_input")

	var c queue.ComplaintRecord
	h.ok("POST", "/api/complaints", "staff", map[string]any{"channel": "phone", "kind": "complaint", "text": "叫号后等了很久",
		"staff": "1003", "window": 3, "contact": "王先生 138 0000 0000"}, &c, http.StatusCreated)
	if c.Contact != "王先生 138 0000 0000" || c.Due.Format(time.DateOnly) != "2026-03-09" || c.State != "open" {
		t.Fatalf("recorded %+v", c)
	}
	for _, tc := range []struct {
		body   any
		status int
		code   string
	}{
		{`{"channel":"phone","kind":"complaint","text":"x"`, 400, "bad_json"},
		{map[string]any{"channel": "phone", "kind": "complaint", "text": "x", "extra": 1}, 400, "bad_json"},
		{map[string]any{"channel": "phone", "kind": "complaint", "text": "x", "window": "3"}, 400, "invalid_input"},
		{map[string]any{"channel": "kiosk", "kind": "suggestion", "text": "x"}, 400, "invalid_input"},
		{map[string]any{"channel": "fax", "kind": "complaint", "text": "x"}, 400, "invalid_input"},
		{map[string]any{"channel": "phone", "kind": "complaint"}, 400, "invalid_input"},
		{map[string]any{"channel": "phone", "kind": "complaint", "text": "x", "staff": "4242"}, 404, "unknown_staff"},
		{map[string]any{"channel": "phone", "kind": "complaint", "text": "x", "window": 42}, 404, "unknown_window"},
	} {
		h.refusedNoChange("POST", "/api/complaints", "director", tc.body, tc.status, tc.code)
	}
	h.refusedNoChange("POST", "/api/complaints", "display", map[string]any{"kind": "suggestion", "text": "x"}, http.StatusForbidden, "forbidden")

	// The register, with the contact, for the director and admin only.
	var list []queue.ComplaintRecord
	for _, who := range []string{"director", "admin"} {
		h.ok("GET", "/api/complaints", who, nil, &list, http.StatusOK)
		if len(list) != 2 || list[1].Contact != "王先生 138 0000 0000" {
			t.Fatalf("%s reads %+v", who, list)
		}
	}
	for _, who := range []string{"staff", "kiosk", "display"} {
		h.refused("GET", "/api/complaints", who, nil, http.StatusForbidden, "forbidden")
	}
	h.refused("GET", "/api/complaints?from=yesterday", "director", nil, http.StatusBadRequest, "invalid_input")
	h.refused("GET", "/api/complaints?from=2026-03-03&to=2026-03-01", "director", nil, http.StatusBadRequest, "invalid_input")
	h.refused("GET", "/api/complaints?state=lost", "director", nil, http.StatusBadRequest, "invalid_input")
	h.ok("GET", "/api/complaints?from=2026-03-03", "director", nil, &list, http.StatusOK)
	if len(list) != 0 {
		t.Errorf("from tomorrow: %+v", list)
	}
	h.ok("GET", "/api/complaints?from=2026-03-02&to=2026-03-02&state=open", "director", nil, &list, http.StatusOK)
	if len(list) != 2 {
		t.Errorf("today's open ones: %+v", list)
	}

	path := "/api/complaints/" + c.ID
	h.refusedNoChange("POST", path+"/reply", "staff", map[string]any{"text": "x"}, http.StatusForbidden, "forbidden")
	h.refusedNoChange("POST", path+"/reply", "director", map[string]any{"text": ""}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", "/api/complaints/NOPE/reply", "director", map[string]any{"text": "x"}, http.StatusNotFound, "unknown_complaint")
	h.refusedNoChange("POST", path+"/close", "director", map[string]any{}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", path+"/close", "director", map[string]any{"upheld": "yes"}, http.StatusBadRequest, "invalid_input")
	h.ok("POST", path+"/reply", "director", map[string]any{"text": "已电话回复，致歉"}, &c, http.StatusOK)
	h.ok("POST", path+"/close", "director", map[string]any{"upheld": true}, &c, http.StatusOK)
	if c.State != "closed" || !c.Upheld || c.Reply != "已电话回复，致歉" {
		t.Fatalf("closed %+v", c)
	}
	h.refusedNoChange("POST", path+"/reply", "director", map[string]any{"text": "x"}, http.StatusConflict, "complaint_closed")
}

func TestAPI_HomeVisits(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	form := map[string]any{"applicant": "赵大爷", "agent": "赵小红", "reason": "disability", "address": "幸福路 8 号",
		"phone": "139 1111 2222", "service": "pension"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range form {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		body   any
		status int
		code   string
	}{
		{with("reason", "lazy"), 400, "invalid_input"},
		{with("address", nil), 400, "invalid_input"},
		{with("phone", ""), 400, "invalid_input"},
		{with("service", "tax"), 404, "unknown_service"},
		{with("phone", 139), 400, "invalid_input"},
		{with("id_no", "1"), 400, "bad_json"},
	} {
		h.refusedNoChange("POST", "/api/home-visits", "staff", tc.body, tc.status, tc.code)
	}
	for _, who := range []string{"kiosk", "display", "admin"} {
		h.refusedNoChange("POST", "/api/home-visits", who, form, http.StatusForbidden, "forbidden")
	}
	var v queue.HomeVisitRecord
	h.ok("POST", "/api/home-visits", "staff", form, &v, http.StatusCreated)
	if v.ID == "" || v.State != "pending" || v.RecordedBy != "1001" {
		t.Fatalf("requested %+v", v)
	}
	path := "/api/home-visits/" + v.ID
	h.refusedNoChange("POST", path+"/approve", "staff", map[string]any{"team": "t", "date": "2026-03-05"}, http.StatusForbidden, "forbidden")
	h.refusedNoChange("POST", path+"/approve", "director", map[string]any{"team": "t", "date": "2026-03-01"}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", path+"/approve", "director", map[string]any{"team": "", "date": "2026-03-05"}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", path+"/done", "director", map[string]any{"note": "x"}, http.StatusConflict, "home_visit_not_approved")
	h.refusedNoChange("POST", "/api/home-visits/NOPE/deny", "director", map[string]any{"reason": "x"}, http.StatusNotFound, "unknown_home_visit")
	h.ok("POST", path+"/approve", "director", map[string]any{"team": "为民服务小组", "date": "2026-03-05"}, &v, http.StatusOK)
	h.refusedNoChange("POST", path+"/deny", "director", map[string]any{"reason": "x"}, http.StatusConflict, "already_decided")
	h.ok("POST", path+"/done", "director", map[string]any{"note": "已上门办理"}, &v, http.StatusOK)
	if v.State != "done" || v.Team != "为民服务小组" || v.Date != "2026-03-05" || v.DoneNote != "已上门办理" {
		t.Fatalf("done %+v", v)
	}
	var list []queue.HomeVisitRecord
	h.ok("GET", "/api/home-visits?state=done", "admin", nil, &list, http.StatusOK)
	if len(list) != 1 || list[0].Phone != "139 1111 2222" || list[0].Address != "幸福路 8 号" {
		t.Fatalf("register %+v", list)
	}
	h.refused("GET", "/api/home-visits", "staff", nil, http.StatusForbidden, "forbidden")
	h.refused("GET", "/api/home-visits?state=lost", "director", nil, http.StatusBadRequest, "invalid_input")
}

func TestAPI_SpotChecks(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.act("staff", "1", "signin", nil)
	var finished []string
	for range 3 {
		tk := h.issue("employment")
		h.act("staff", "1", "call-next", nil)
		h.act("staff", "1", "finish", nil)
		finished = append(finished, tk.ID)
	}
	h.refusedNoChange("POST", "/api/spot-checks", "director", map[string]any{"month": "March"}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", "/api/spot-checks", "director", map[string]any{"month": "2026-03", "per_staff": -1}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", "/api/spot-checks", "director", map[string]any{"month": "2026-02"}, http.StatusConflict, "nothing_to_check")
	h.refusedNoChange("POST", "/api/spot-checks", "staff", map[string]any{"month": "2026-03"}, http.StatusForbidden, "forbidden")
	h.refusedNoChange("POST", "/api/spot-checks", "admin", map[string]any{"month": "2026-03"}, http.StatusForbidden, "forbidden")
	var c queue.SpotCheckRecord
	h.ok("POST", "/api/spot-checks", "director", map[string]any{"month": "2026-03", "per_staff": 2}, &c, http.StatusCreated)
	if len(c.Items) != 2 || c.Items[0].Staff != "1001" || !slices.Contains(finished, c.Items[0].Ticket) {
		t.Fatalf("drawn %+v", c)
	}
	h.refusedNoChange("POST", "/api/spot-checks", "director", map[string]any{"month": "2026-03"}, http.StatusConflict, "spot_check_drawn")

	item := "/api/spot-checks/" + c.ID + "/items/"
	h.refusedNoChange("POST", item+c.Items[0].Ticket, "director", map[string]any{}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", item+c.Items[0].Ticket, "director", map[string]any{"ok": false}, http.StatusBadRequest, "invalid_input")
	h.refusedNoChange("POST", item+"NOPE", "director", map[string]any{"ok": true}, http.StatusNotFound, "not_in_sample")
	h.refusedNoChange("POST", "/api/spot-checks/NOPE/items/"+c.Items[0].Ticket, "director", map[string]any{"ok": true}, http.StatusNotFound, "unknown_spot_check")
	h.refusedNoChange("POST", item+c.Items[0].Ticket, "staff", map[string]any{"ok": true}, http.StatusForbidden, "forbidden")
	h.ok("POST", item+c.Items[0].Ticket, "director", map[string]any{"ok": false, "note": "未核对原件"}, &c, http.StatusOK)
	h.ok("POST", item+c.Items[1].Ticket, "director", map[string]any{"ok": true}, &c, http.StatusOK)
	var list []queue.SpotCheckRecord
	h.ok("GET", "/api/spot-checks?month=2026-03", "admin", nil, &list, http.StatusOK)
	if len(list) != 1 || len(list[0].Staff) != 1 || list[0].Staff[0].ErrorRate != 0.5 || list[0].Staff[0].Checked != 2 {
		t.Fatalf("register %+v", list)
	}
	h.refused("GET", "/api/spot-checks?month=3", "director", nil, http.StatusBadRequest, "invalid_input")
	h.refused("GET", "/api/spot-checks", "staff", nil, http.StatusForbidden, "forbidden")
	if r := h.do("GET", "/api/spot-checks", "director", nil); !strings.Contains(string(r.body), `"error_rate":0.5`) {
		t.Errorf("GET /api/spot-checks: %s", r.body)
	}
}
