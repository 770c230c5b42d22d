package api

import (
	"net/http"
	"testing"

	"qcall/queue"
)

// TestAPI_Inquiries: the inquiry log (首问 咨询台账) over HTTP: staff and the
// director log, the director and admin read by date; every other role is
// refused 403, bad input a coded 4xx that changes nothing.
func TestAPI_Inquiries(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())

	for _, caller := range []string{"kiosk", "display", "evaluator", "agent", "admin"} {
		h.refused("POST", "/api/inquiries", caller, map[string]any{"topic": "x", "answered": true}, http.StatusForbidden, "forbidden")
	}
	for _, caller := range []string{"kiosk", "display", "evaluator", "agent", "staff"} {
		h.refused("GET", "/api/inquiries", caller, nil, http.StatusForbidden, "forbidden")
	}
	h.refused("POST", "/api/inquiries", "", map[string]any{"topic": "x", "answered": true}, http.StatusUnauthorized, "unauthorized")

	seq := h.seq()
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no answered", map[string]any{"topic": "社保卡挂失"}, 400, "invalid_input"},
		{"no topic", map[string]any{"answered": true}, 400, "invalid_input"},
		{"not referred", map[string]any{"topic": "工伤认定", "answered": false}, 400, "referral_required"},
		{"unknown service", map[string]any{"topic": "工伤认定", "answered": true, "service": "nope"}, 404, "unknown_service"},
		{"answered as a string", `{"topic":"x","answered":"yes"}`, 400, "invalid_input"},
		{"unknown field", `{"topic":"x","answered":true,"phone":"13800000000"}`, 400, "bad_json"},
	} {
		if r := h.do("POST", "/api/inquiries", "staff", tc.body); r.status != tc.status || r.code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
	}
	if h.seq() != seq {
		t.Fatal("refused inquiries were stored")
	}

	var logged queue.InquiryView
	h.ok("POST", "/api/inquiries", "staff", map[string]any{"topic": "失业金领取条件", "service": "unemployment", "answered": true},
		&logged, http.StatusCreated)
	if logged.Staff != "1001" || logged.StaffName != "王芳" || logged.Service != "unemployment" || !logged.Answered {
		t.Fatalf("logged %+v", logged)
	}
	h.ok("POST", "/api/inquiries", "director", map[string]any{"topic": "工伤认定", "answered": false, "referred_to": "8号窗口"},
		nil, http.StatusCreated)

	for _, caller := range []string{"director", "admin"} {
		var out struct {
			Inquiries []queue.InquiryView `json:"inquiries"`
		}
		day := apiMonday9.Format("2006-01-02")
		h.ok("GET", "/api/inquiries?from="+day+"&to="+day, caller, nil, &out)
		if len(out.Inquiries) != 2 || out.Inquiries[0].Topic != "失业金领取条件" || out.Inquiries[1].ReferredTo != "8号窗口" {
			t.Fatalf("as %s: %+v", caller, out.Inquiries)
		}
	}
	h.refused("GET", "/api/inquiries?from=yesterday", "director", nil, 400, "invalid_input")
	h.refused("GET", "/api/inquiries?from=2026-02-01&to=2026-01-01", "director", nil, 400, "invalid_input")
}

// TestAPI_ServicesGuide: GET /api/services, public, carries each service's
// 一次性告知 and 服务承诺; GET /api/priorities the classes with their proof.
func TestAPI_ServicesGuide(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	var svcs []queue.ServiceView
	h.ok("GET", "/api/services", "", nil, &svcs)
	if len(svcs) != 6 {
		t.Fatalf("%d services", len(svcs))
	}
	for _, s := range svcs {
		if s.Guide == nil || len(s.Guide.Basis) == 0 || len(s.Guide.Procedure) == 0 || len(s.Materials) == 0 ||
			s.Commitment == nil || s.Commitment.WaitMin == 0 || s.Commitment.HandleMin == 0 {
			t.Errorf("%s: guide %+v, commitment %+v", s.Code, s.Guide, s.Commitment)
		}
	}
	var pr []queue.Priority
	h.ok("GET", "/api/priorities", "kiosk", nil, &pr)
	if len(pr) != 4 || pr[3].Code != "pregnant" || pr[3].Name != "孕妇优先" || pr[0].Proof == "" {
		t.Fatalf("priorities %+v", pr)
	}
	h.refused("GET", "/api/priorities", "display", nil, http.StatusForbidden, "forbidden")

	// A greeter (staff) issues a pregnant woman's ticket with her ID number;
	// a bad ID number is refused with its code.
	var tk issuedJSON
	h.ok("POST", "/api/tickets", "staff", map[string]string{"service": "medical", "priority": "pregnant", "id_no": "11010519491231002X"},
		&tk, http.StatusCreated)
	if tk.Priority != "pregnant" || tk.Number != "D001" {
		t.Fatalf("issued %+v", tk)
	}
	h.refused("POST", "/api/tickets", "staff", map[string]string{"service": "medical", "priority": "pregnant", "id_no": "110105194912310021"},
		400, "invalid_id_no")
}
