package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/display/internal/answer"
	"qcall/queue"
	"qcall/queue/bolt"
)

type ticketAnswer struct {
	Ticket queue.TicketView `json:"ticket"`
}

type windowAnswer struct {
	Window queue.WindowView `json:"window"`
}

// issue takes a ticket of service at the kiosk.
func (h *apiTestHall) issue(service string) issuedJSON {
	h.t.Helper()
	var out issuedJSON
	r := h.ok("POST", "/api/tickets", "kiosk", map[string]string{"service": service}, &out, http.StatusCreated)
	// The answer is written without reflection; it must be the very bytes
	// encoding/json writes for it.
	var want bytes.Buffer
	if err := json.NewEncoder(&want).Encode(out); err != nil {
		h.t.Fatal(err)
	}
	if !bytes.Equal(r.body, want.Bytes()) {
		h.t.Fatalf("issue answer\n%s\nencoding/json writes\n%s", r.body, want.Bytes())
	}
	return out
}

// act runs a window action that answers {"ticket":...}.
func (h *apiTestHall) act(caller string, window, action string, body any) queue.TicketView {
	h.t.Helper()
	if body == nil {
		body = struct{}{}
	}
	var out ticketAnswer
	h.ok("POST", "/api/windows/"+window+"/"+action, caller, body, &out, http.StatusOK)
	return out.Ticket
}

// ticketStatus reads GET /api/tickets/{id} as anyone, as raw fields.
func (h *apiTestHall) ticketStatus(id string) map[string]any {
	h.t.Helper()
	var out map[string]any
	h.ok("GET", "/api/tickets/"+id, "", nil, &out, http.StatusOK)
	return out
}

// types lists the types of events.
func eventTypes(evs []queue.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Type))
	}
	return out
}

// hasSubsequence reports whether want appears in got in order, not
// necessarily next to each other.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestAPI_Lifecycle(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())

	// Issue and look up.
	a1 := h.issue("employment")
	if a1.Number != "A001" || a1.Position != 1 || a1.Ahead != 0 || a1.State != queue.TicketWaiting || a1.ID == "" {
		t.Fatalf("issued %+v", a1)
	}
	if a1.StatusURL != h.url+"/t/"+a1.ID {
		t.Errorf("status_url %q, want %q", a1.StatusURL, h.url+"/t/"+a1.ID)
	}
	pub := h.ticketStatus(a1.ID)
	if pub["number"] != "A001" || pub["state"] != "waiting" || pub["position"] != 1.0 || pub["est_wait_s"] == nil {
		t.Errorf("public ticket %v", pub)
	}
	for _, secret := range []string{"id", "slip"} {
		if _, ok := pub[secret]; ok {
			t.Errorf("public ticket shows %q: %v", secret, pub)
		}
	}
	var svcs []queue.ServiceView
	h.ok("GET", "/api/services", "", nil, &svcs, http.StatusOK)
	if len(svcs) != 6 || svcs[0].Code != "employment" || svcs[0].Waiting != 1 || !svcs[0].Issuing {
		t.Errorf("services %+v", svcs)
	}

	// Sign in, call, recall, start, finish, rate.
	var win windowAnswer
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, &win, http.StatusOK)
	if win.Window.Staff == nil || win.Window.Staff.JobNo != "1001" || win.Window.State != "idle" {
		t.Fatalf("signin: %+v", win.Window)
	}
	var ws []queue.WindowView
	h.ok("GET", "/api/windows", "display", nil, &ws, http.StatusOK)
	if len(ws) != 10 || ws[0].Staff == nil || ws[0].Staff.JobNo != "1001" {
		t.Errorf("windows %+v", ws)
	}
	var q []queue.TicketView
	h.ok("GET", "/api/windows/1/queue", "staff", nil, &q, http.StatusOK)
	if len(q) != 1 || q[0].ID != a1.ID {
		t.Errorf("queue of window 1: %+v", q)
	}
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a1.ID || tk.State != queue.TicketCalled || tk.Window != 1 {
		t.Fatalf("call-next: %+v", tk)
	}
	if pub := h.ticketStatus(a1.ID); pub["state"] != "called" || pub["window"] != 1.0 || pub["window_name"] != "1号窗口" {
		t.Errorf("public ticket when called: %v", pub)
	}
	var hall map[string]any
	h.ok("GET", "/api/hall", "", nil, &hall, http.StatusOK)
	cur := hall["windows"].([]any)[0].(map[string]any)["current"].(map[string]any)
	if _, hasID := cur["id"]; cur["number"] != "A001" || hasID {
		t.Errorf("hall shows the current ticket as %v: number yes, id no", cur)
	}
	if tk := h.act("staff", "1", "recall", nil); tk.Calls != 2 {
		t.Errorf("recall: calls %d, want 2", tk.Calls)
	}
	h.clock.Add(2 * time.Minute)
	if tk := h.act("staff", "1", "start", nil); tk.State != queue.TicketServing {
		t.Errorf("start: %+v", tk)
	}
	h.clock.Add(6 * time.Minute)
	if tk := h.act("staff", "1", "finish", nil); tk.State != queue.TicketDone {
		t.Errorf("finish: %+v", tk)
	}
	var rated ticketAnswer
	h.ok("POST", "/api/ratings", "evaluator", map[string]int{"window": 1, "score": 4}, &rated, http.StatusOK)
	if rated.Ticket.ID != a1.ID || rated.Ticket.Rating != 4 {
		t.Errorf("rating: %+v", rated.Ticket)
	}
	h.refused("POST", "/api/ratings", "agent", map[string]int{"window": 1, "score": 3}, http.StatusConflict, "already_rated")

	// Suspend with a return slip; back with it, the ticket is called first.
	a2, a3 := h.issue("employment"), h.issue("employment")
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a2.ID {
		t.Fatalf("call-next: %s, want %s", tk.Number, a2.Number)
	}
	var slip queue.SlipView
	h.ok("POST", "/api/windows/1/suspend", "staff", map[string]any{"missing": []string{"劳动合同原件"}}, &slip, http.StatusOK)
	if len(slip.SlipID) != 8 || slip.Ticket != a2.ID || !slip.ValidUntil.Equal(time.Date(2026, 3, 8, 23, 59, 59, 0, hallZone)) {
		t.Errorf("slip %+v", slip)
	}
	if pub := h.ticketStatus(a2.ID); pub["state"] != "suspended" {
		t.Errorf("suspended ticket shows %v", pub)
	}
	var back ticketAnswer
	h.ok("POST", "/api/slips/"+slip.SlipID+"/return", "kiosk", struct{}{}, &back, http.StatusOK)
	if back.Ticket.ID != a2.ID || back.Ticket.State != queue.TicketWaiting || !back.Ticket.Return {
		t.Errorf("returned: %+v", back.Ticket)
	}
	h.refused("POST", "/api/slips/"+slip.SlipID+"/return", "kiosk", struct{}{}, http.StatusConflict, "wrong_state")
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a2.ID {
		t.Fatalf("after the slip's return, call-next gave %s, want %s (before %s)", tk.Number, a2.Number, a3.Number)
	}
	h.act("staff", "1", "finish", nil)

	// Reject; the refusal waits for the director, who acknowledges it.
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a3.ID {
		t.Fatalf("call-next: %s, want %s", tk.Number, a3.Number)
	}
	var ref queue.RefusalView
	h.ok("POST", "/api/windows/1/reject", "staff", map[string]string{"reason": "不属于本大厅受理范围", "basis": "《就业服务与就业管理规定》第六十二条"}, &ref, http.StatusOK)
	if ref.ID == "" || ref.Ticket != a3.ID || ref.Staff != "1001" {
		t.Errorf("refusal %+v", ref)
	}
	var pend queue.Pending
	h.ok("GET", "/api/pending", "director", nil, &pend, http.StatusOK)
	if len(pend.Refusals) != 1 || pend.Refusals[0].ID != ref.ID {
		t.Fatalf("pending refusals %+v", pend.Refusals)
	}
	h.ok("POST", "/api/refusals/"+ref.ID+"/ack", "director", struct{}{}, &ref, http.StatusOK)
	if ref.AckedBy != "9001" {
		t.Errorf("acknowledged by %q", ref.AckedBy)
	}
	h.ok("GET", "/api/pending", "director", nil, &pend, http.StatusOK)
	if len(pend.Refusals) != 0 {
		t.Errorf("refusals still pending: %+v", pend.Refusals)
	}
	h.refused("POST", "/api/refusals/"+ref.ID+"/ack", "director", struct{}{}, http.StatusConflict, "already_decided")

	// Express: asked by the window, approved by the director, called first.
	a4, a5, a6 := h.issue("employment"), h.issue("employment"), h.issue("employment")
	var x6, x5 queue.ExpressRequest
	h.ok("POST", "/api/windows/1/express", "staff", map[string]string{"reason": "八十岁老人，行动不便", "ticket_id": a6.ID}, &x6, http.StatusOK)
	h.ok("POST", "/api/windows/1/express", "staff", map[string]string{"reason": "赶时间", "ticket_id": a5.ID}, &x5, http.StatusOK)
	h.refused("POST", "/api/windows/1/express", "staff", map[string]string{"reason": "again", "ticket_id": a6.ID}, http.StatusConflict, "express_pending")
	h.ok("GET", "/api/pending", "director", nil, &pend, http.StatusOK)
	if len(pend.Express) != 2 {
		t.Fatalf("pending express %+v", pend.Express)
	}
	h.ok("POST", "/api/express/"+x6.ID+"/approve", "director", struct{}{}, &x6, http.StatusOK)
	h.ok("POST", "/api/express/"+x5.ID+"/deny", "director", map[string]string{"reason": "不符合快捷服务条件"}, &x5, http.StatusOK)
	if x6.State != "approved" || x6.DecidedBy != "9001" || x5.State != "denied" || x5.Note != "不符合快捷服务条件" {
		t.Errorf("express decisions %+v / %+v", x6, x5)
	}
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a6.ID || !tk.Express {
		t.Fatalf("call-next after express: %s, want %s", tk.Number, a6.Number)
	}
	h.act("staff", "1", "finish", nil)

	// Transfer to another service, where window 9 calls it.
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a4.ID {
		t.Fatalf("call-next: %s, want %s", tk.Number, a4.Number)
	}
	if tk := h.act("staff", "1", "transfer", map[string]string{"service": "consult"}); tk.State != queue.TicketTransferred || tk.Service != "consult" {
		t.Errorf("transferred: %+v", tk)
	}
	h.ok("GET", "/api/windows/9/queue", "1009", nil, &q, http.StatusOK)
	if len(q) != 1 || q[0].ID != a4.ID {
		t.Errorf("queue of window 9: %+v", q)
	}
	h.ok("POST", "/api/windows/9/signin", "1009", struct{}{}, nil, http.StatusOK)
	if tk := h.act("1009", "9", "call-next", nil); tk.ID != a4.ID {
		t.Errorf("window 9 called %s, want %s", tk.Number, a4.Number)
	}
	h.act("1009", "9", "finish", nil)
	h.ok("POST", "/api/windows/9/signout", "1009", struct{}{}, nil, http.StatusOK)

	// No-show: back to the queue once (the demo's rule), then dropped.
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a5.ID {
		t.Fatalf("call-next: %s, want %s", tk.Number, a5.Number)
	}
	if tk := h.act("staff", "1", "no-show", nil); tk.State != queue.TicketWaiting {
		t.Errorf("first no-show: %+v, want requeued", tk)
	}
	if tk := h.act("staff", "1", "call-next", nil); tk.ID != a5.ID {
		t.Fatalf("call-next: %s, want %s again", tk.Number, a5.Number)
	}
	if tk := h.act("staff", "1", "no-show", nil); tk.State != queue.TicketNoShow {
		t.Errorf("second no-show: %+v, want no_show", tk)
	}
	h.refused("POST", "/api/windows/1/call-next", "staff", struct{}{}, http.StatusNotFound, "queue_empty")

	// Call out of order; finish with case deadlines.
	a7, a8 := h.issue("employment"), h.issue("employment")
	if tk := h.act("staff", "1", "call", map[string]string{"ticket_id": a8.ID}); tk.ID != a8.ID {
		t.Fatalf("call: %s, want %s", tk.Number, a8.Number)
	}
	h.act("staff", "1", "finish", map[string]any{"due": true})
	h.act("staff", "1", "call-next", nil)
	h.act("staff", "1", "finish", map[string]any{"due": "2026-12-01"})
	a9 := h.issue("employment")
	h.act("staff", "1", "call-next", nil)
	h.act("staff", "1", "finish", map[string]any{"due": "2026-04-01T17:00:00+08:00"})
	h.ok("GET", "/api/pending", "director", nil, &pend, http.StatusOK)
	dues := map[string]time.Time{}
	for _, c := range pend.Cases {
		dues[c.Ticket] = c.Due
	}
	for id, want := range map[string]time.Time{
		a8.ID: time.Date(2026, 3, 9, 23, 59, 59, 0, hallZone), // employment: 5 committed working days after Monday 2 March
		a7.ID: time.Date(2026, 12, 1, 23, 59, 59, 0, hallZone),
		a9.ID: time.Date(2026, 4, 1, 17, 0, 0, 0, hallZone),
	} {
		if !dues[id].Equal(want) {
			t.Errorf("case of %s due %v, want %v", id, dues[id], want)
		}
	}
	var cs queue.Case
	h.ok("POST", "/api/cases/"+pend.Cases[0].ID+"/done", "staff", map[string]bool{"notified": true}, &cs, http.StatusOK)
	if cs.Done.IsZero() || !cs.Notified {
		t.Errorf("case done: %+v", cs)
	}

	// Whereabouts, for any window named, signed in there or not.
	var where queue.Whereabouts
	h.ok("POST", "/api/windows/1/whereabouts", "staff", map[string]string{"status": "break", "note": "午休"}, &where, http.StatusOK)
	if where.Status != "break" || where.Note != "午休" {
		t.Errorf("whereabouts %+v", where)
	}
	h.ok("POST", "/api/windows/1/whereabouts", "staff", map[string]string{"status": "on_duty"}, nil, http.StatusOK)
	h.ok("POST", "/api/windows/5/whereabouts", "1002", map[string]string{"status": "meeting"}, nil, http.StatusOK)

	// The director's tools.
	var svc queue.ServiceView
	h.ok("POST", "/api/services/employment/backup", "director", map[string]bool{"open": true}, &svc, http.StatusOK)
	if !svc.BackupOpen {
		t.Errorf("backup not open: %+v", svc)
	}
	h.ok("GET", "/api/windows", "staff", nil, &ws, http.StatusOK)
	if !slices.Contains(ws[2].BackupActive, "employment") {
		t.Errorf("window 3 (B of employment) backup_active %v", ws[2].BackupActive)
	}
	h.ok("POST", "/api/services/employment/backup", "director", map[string]bool{"open": false}, nil, http.StatusOK)
	h.ok("POST", "/api/windows/10/temporary", "director", map[string][]string{"services": {"employment"}}, &win, http.StatusOK)
	if !slices.Equal(win.Window.Temporary, []string{"employment"}) {
		t.Errorf("temporary window %+v", win.Window)
	}
	var closed windowAnswer
	h.ok("POST", "/api/windows/10/temporary", "director", map[string][]string{"services": {}}, &closed, http.StatusOK)
	if len(closed.Window.Temporary) != 0 {
		t.Errorf("temporary window not closed: %+v", win.Window)
	}
	h.ok("POST", "/api/windows/1/allow-signout", "director", struct{}{}, nil, http.StatusOK)

	// Devices report their state.
	var dev queue.DeviceState
	h.ok("POST", "/api/devices/status", "agent", map[string]any{"device": "printer-1", "status": "paper_out", "note": "纸仓空",
		"kiosks": []string{"kiosk-1", " kiosk-1"}}, &dev, http.StatusOK)
	if !slices.Equal(dev.Kiosks, []string{"kiosk-1"}) {
		t.Errorf("printer's kiosks %v", dev.Kiosks)
	}
	h.ok("POST", "/api/devices/status", "agent", map[string]string{"status": "ok"}, nil, http.StatusOK)
	var devs map[string]queue.DeviceState
	h.ok("GET", "/api/devices", "kiosk", nil, &devs, http.StatusOK)
	if devs["printer-1"].Status != "paper_out" || !slices.Equal(devs["printer-1"].Kiosks, []string{"kiosk-1"}) || devs["agent-1"].Status != "ok" {
		t.Errorf("GET /api/devices %+v", devs)
	}
	h.ok("GET", "/api/pending", "director", nil, &pend, http.StatusOK)
	if pend.Devices["printer-1"].Status != "paper_out" || pend.Devices["agent-1"].Status != "ok" {
		t.Errorf("devices %+v", pend.Devices)
	}

	// Sign out.
	win = windowAnswer{}
	h.ok("POST", "/api/windows/1/signout", "staff", struct{}{}, &win, http.StatusOK)
	if win.Window.Staff != nil || win.Window.State != "closed" {
		t.Errorf("after signout: %+v", win.Window)
	}

	// The event log tells the whole story, with who did what.
	evs := h.events(0)
	if evs[len(evs)-1].Seq != h.seq() {
		t.Errorf("last event %d, engine at %d", evs[len(evs)-1].Seq, h.seq())
	}
	want := []string{"ticket_issued", "window_signed_in", "ticket_called", "ticket_recalled", "service_started",
		"service_finished", "rating_given", "ticket_suspended", "ticket_returned", "ticket_rejected",
		"refusal_acknowledged", "express_requested", "express_approved", "express_denied", "ticket_transferred",
		"ticket_no_show", "ticket_no_show", "case_done", "whereabouts_changed", "backup_opened", "backup_closed",
		"temporary_window_opened", "temporary_window_closed", "signout_allowed", "device_status", "window_signed_out"}
	if got := eventTypes(evs); !inOrder(got, want) {
		t.Errorf("events %v\nlack, in order, %v", got, want)
	}
	actors := map[queue.EventType]string{}
	for _, e := range evs {
		if _, seen := actors[e.Type]; !seen {
			actors[e.Type] = e.Actor
		}
	}
	for typ, actor := range map[queue.EventType]string{queue.EvTicketIssued: "kiosk-1", queue.EvTicketCalled: "1001",
		queue.EvRatingGiven: "evaluator", queue.EvExpressApproved: "9001", queue.EvDeviceStatus: "agent-1"} {
		if actors[typ] != actor {
			t.Errorf("first %s by %q, want %q", typ, actors[typ], actor)
		}
	}
	for _, e := range evs {
		if e.Type == queue.EvTicketCalled && e.Ticket == a8.ID && !e.OutOfOrder {
			t.Errorf("the call of %s is not recorded as out of order", a8.Number)
		}
	}
}

func TestAPI_Tickets(t *testing.T) {
	cfg := queue.Demo()
	cfg.Rules.PersonDailyLimit = 1
	cfg.Services[5].DailyQuota = 1 // consult
	h := newAPITestHall(t, cfg, func(o *Options) {
		o.PublicURL = func(*http.Request) string { return "https://hall.example.gov.cn/" }
	})

	var tk issuedJSON
	r := h.ok("POST", "/api/tickets", "staff", map[string]string{"service": "pension", "id_no": "110101199003071233", "priority": "senior"}, &tk, http.StatusCreated)
	if tk.StatusURL != "https://hall.example.gov.cn/t/"+tk.ID || r.header.Get("Location") != "/api/tickets/"+tk.ID {
		t.Errorf("status_url %q, Location %q", tk.StatusURL, r.header.Get("Location"))
	}
	if tk.Number != "C001" || tk.Priority != "senior" || tk.IssuedAt.IsZero() {
		t.Errorf("ticket %+v", tk)
	}
	h.refused("POST", "/api/tickets", "kiosk", map[string]string{"service": "pension", "id_no": "110101900307123"}, http.StatusConflict, "person_limit") // the 15-digit form: the same person
	h.ok("POST", "/api/tickets", "agent", map[string]string{"service": "consult"}, nil, http.StatusCreated)
	h.refused("POST", "/api/tickets", "kiosk", map[string]string{"service": "consult"}, http.StatusConflict, "quota_reached")

	evs := h.events(0)
	var channels []string
	for _, e := range evs {
		if e.Type == queue.EvTicketIssued {
			channels = append(channels, e.Channel)
		}
	}
	if !slices.Equal(channels, []string{"greeter", "api"}) {
		t.Errorf("channels %v, want greeter (staff), api (agent)", channels)
	}
	raw := h.do("GET", "/api/events?after=0", "admin", nil)
	if strings.Contains(string(raw.body), "id_hash") {
		t.Errorf("events show a citizen ID hash: %s", raw.body)
	}
}

func TestAPI_RatingWindowBound(t *testing.T) {
	cfg := queue.Demo()
	cfg.Devices = append(cfg.Devices, queue.Device{Name: "evaluator-2", Role: queue.RoleEvaluator, Token: "evaluator-2-token", Window: 2})
	h := newAPITestHall(t, cfg)
	h.tokens["evaluator-2"] = "evaluator-2-token"
	h.issue("employment")
	h.ok("POST", "/api/windows/2/signin", "1002", struct{}{}, nil, http.StatusOK)
	h.act("1002", "2", "call-next", nil)
	h.act("1002", "2", "finish", nil)
	h.refused("POST", "/api/ratings", "evaluator-2", map[string]int{"window": 1, "score": 4}, http.StatusForbidden, "forbidden")
	var out ticketAnswer
	h.ok("POST", "/api/ratings", "evaluator-2", map[string]int{"score": 2}, &out, http.StatusOK)
	if out.Ticket.Rating != 2 {
		t.Errorf("rated %+v", out.Ticket)
	}
}

// TestAPI_RatingWho: only the evaluator tied to a window, or the agent of its
// keypad, rates it; every other device is refused 403 and the ticket stays
// unrated, for the citizen's own press.
func TestAPI_RatingWho(t *testing.T) {
	cfg := queue.Demo()
	cfg.Demo = false // a real hall: no evaluator for every window
	cfg.Devices = []queue.Device{
		{Name: "kiosk-1", Role: queue.RoleKiosk, Token: "kiosk-token-1"},
		{Name: "hall-screen", Role: queue.RoleDisplay, Token: "display-token-1"},
		{Name: "evaluator-1", Role: queue.RoleEvaluator, Token: "evaluator-token-1", Window: 1},
		{Name: "evaluator-2", Role: queue.RoleEvaluator, Token: "evaluator-token-2", Window: 2},
		{Name: "evaluator-x", Role: queue.RoleEvaluator, Token: "evaluator-token-x"},
		{Name: "agent-1", Role: queue.RoleAgent, Token: "agent-token-1", KeypadWindows: []int{1}},
		{Name: "agent-2", Role: queue.RoleAgent, Token: "agent-token-2", KeypadWindows: []int{2, 3}},
	}
	h := newAPITestHall(t, cfg)
	for _, d := range cfg.Devices {
		h.tokens[d.Name] = d.Token
	}
	h.tokens["kiosk"] = "kiosk-token-1"
	h.issue("employment")
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK)
	h.act("staff", "1", "call-next", nil)
	done := h.act("staff", "1", "finish", nil)

	for _, caller := range []string{"kiosk-1", "hall-screen", "evaluator-2", "evaluator-x", "agent-2"} {
		h.refused("POST", "/api/ratings", caller, map[string]int{"window": 1, "score": 1}, http.StatusForbidden, "forbidden")
	}
	// An unbound evaluator cannot name no window either.
	h.refused("POST", "/api/ratings", "evaluator-x", map[string]int{"score": 1}, http.StatusBadRequest, "invalid_input")
	evs, err := h.eng.Events(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(eventTypes(evs), string(queue.EvRatingGiven)) {
		t.Fatalf("a refused rating wrote an event: %v", eventTypes(evs))
	}

	var out ticketAnswer
	h.ok("POST", "/api/ratings", "evaluator-1", map[string]int{"score": 5 - 1}, &out, http.StatusOK)
	if out.Ticket.ID != done.ID || out.Ticket.Rating != 4 {
		t.Fatalf("the window's own evaluator rated %+v", out.Ticket)
	}
	// The agent of window 1's keypad may rate window 1: the ticket is rated.
	h.refused("POST", "/api/ratings", "agent-1", map[string]int{"window": 1, "score": 3}, http.StatusConflict, "already_rated")
	// And window 2's agent rates window 2 (nothing finished there).
	h.refused("POST", "/api/ratings", "agent-2", map[string]int{"window": 2, "score": 3}, http.StatusConflict, "nothing_to_rate")
}

// TestAPI_DeviceStatusOwned: only an agent reports device statuses, and only
// for itself and the devices it owns; a spam of 3,000 names, or one report
// naming 3,000 kiosks, is refused and changes nothing.
func TestAPI_DeviceStatusOwned(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	seq := func() uint64 {
		n, err := h.eng.Seq(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := seq()
	paperOut := map[string]any{"device": "printer-1", "status": "paper_out", "kiosks": []string{"kiosk-1"}}
	for _, caller := range []string{"kiosk", "display", "evaluator", "staff", "director"} {
		h.refused("POST", "/api/devices/status", caller, paperOut, http.StatusForbidden, "forbidden")
	}
	for i := range 3000 {
		h.refused("POST", "/api/devices/status", "agent", map[string]any{"device": fmt.Sprintf("spam-%04d", i), "status": "error"},
			http.StatusForbidden, "forbidden")
	}
	many := make([]string, 3000)
	for i := range many {
		many[i] = fmt.Sprintf("kiosk-%d", i)
	}
	for name, body := range map[string]map[string]any{
		"3,000 kiosks":   {"device": "printer-1", "status": "paper_out", "kiosks": many},
		"long note":      {"device": "printer-1", "status": "paper_out", "note": strings.Repeat("纸", 201)},
		"NUL in a note":  {"device": "printer-1", "status": "paper_out", "note": "a\x00b"},
		"bidi in kiosk":  {"device": "printer-1", "status": "paper_out", "kiosks": []string{"kiosk\u202e-1"}},
		"long kiosk":     {"device": "printer-1", "status": "paper_out", "kiosks": []string{strings.Repeat("k", 65)}},
		"unknown status": {"device": "printer-1", "status": "on_fire"},
	} {
		t.Run(name, func(t *testing.T) {
			h.refused("POST", "/api/devices/status", "agent", body, http.StatusBadRequest, "invalid_input")
		})
	}
	if got := seq(); got != before {
		t.Fatalf("refused reports wrote %d events", got-before)
	}
	var devs map[string]queue.DeviceState
	h.ok("GET", "/api/devices", "kiosk", nil, &devs, http.StatusOK)
	if len(devs) != 0 {
		t.Fatalf("refused reports left device states: %d of them", len(devs))
	}

	// The agent reports what it owns, and itself.
	h.ok("POST", "/api/devices/status", "agent", paperOut, nil, http.StatusOK)
	h.ok("POST", "/api/devices/status", "agent", map[string]any{"device": "keypad-10", "status": "offline"}, nil, http.StatusOK)
	h.ok("POST", "/api/devices/status", "agent", map[string]any{"status": "ok"}, nil, http.StatusOK)
	h.ok("GET", "/api/devices", "kiosk", nil, &devs, http.StatusOK)
	if len(devs) != 3 || devs["printer-1"].Status != "paper_out" || devs["keypad-10"].Status != "offline" || devs["agent-1"].Status != "ok" {
		t.Fatalf("devices %+v", devs)
	}
}

func TestAPI_SignoutAfterCutoff(t *testing.T) {
	cfg := queue.Demo()
	cfg.Hall.Open, cfg.Hall.Close, cfg.Hall.IssueCutoff = "08:30", "17:30", "17:00"
	h := newAPITestHall(t, cfg)
	h.clock.Set(time.Date(2026, 3, 2, 16, 50, 0, 0, hallZone))
	h.issue("employment")
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK)

	h.clock.Set(time.Date(2026, 3, 2, 17, 10, 0, 0, hallZone))
	var svcs []queue.ServiceView
	h.ok("GET", "/api/services", "", nil, &svcs, http.StatusOK)
	if svcs[0].Issuing {
		t.Errorf("still issuing after the cut-off")
	}
	h.refused("POST", "/api/tickets", "kiosk", map[string]string{"service": "employment"}, http.StatusConflict, "issuing_closed")
	before := h.seq()
	h.refused("POST", "/api/windows/1/signout", "staff", struct{}{}, http.StatusConflict, "tickets_waiting")
	if len(h.events(before)) != 0 {
		t.Errorf("a refused signout wrote events")
	}
	h.ok("POST", "/api/windows/1/allow-signout", "director", struct{}{}, nil, http.StatusOK)
	h.ok("POST", "/api/windows/1/signout", "staff", struct{}{}, nil, http.StatusOK)
}

func TestAPI_BadInputChangesNothing(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.issue("employment")
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK)
	h.act("staff", "1", "call-next", nil)
	h.act("staff", "1", "start", nil)
	before := h.seq()

	big := `{"service":"employment","id_no":"` + strings.Repeat("1", 70<<10) + `"}`
	for _, tc := range []struct {
		name, method, path, caller string
		body                       any
		status                     int
		code                       string
	}{
		{"malformed JSON", "POST", "/api/tickets", "kiosk", `{"service":`, 400, "bad_json"},
		{"not JSON", "POST", "/api/tickets", "kiosk", `hello`, 400, "bad_json"},
		{"two objects", "POST", "/api/tickets", "kiosk", `{"service":"employment"} {}`, 400, "bad_json"},
		{"unknown field", "POST", "/api/tickets", "kiosk", `{"service":"employment","colour":"red"}`, 400, "bad_json"},
		{"wrong type", "POST", "/api/tickets", "kiosk", `{"service":7}`, 400, "invalid_input"},
		{"array body", "POST", "/api/tickets", "kiosk", `[]`, 400, "invalid_input"},
		{"missing field", "POST", "/api/tickets", "kiosk", `{}`, 400, "invalid_input"},
		{"empty body", "POST", "/api/tickets", "kiosk", ``, 400, "invalid_input"},
		{"unknown service", "POST", "/api/tickets", "kiosk", `{"service":"nope"}`, 404, "unknown_service"},
		{"bad channel", "POST", "/api/tickets", "kiosk", `{"service":"employment","channel":"fax"}`, 400, "invalid_input"},
		{"bad id_no", "POST", "/api/tickets", "kiosk", `{"service":"employment","id_no":"123"}`, 400, "invalid_id_no"},
		{"id_no with a wrong check digit", "POST", "/api/tickets", "kiosk", `{"service":"employment","id_no":"110101199003070012"}`, 400, "invalid_id_no"},
		{"oversized body", "POST", "/api/tickets", "kiosk", big, 413, "body_too_large"},
		{"unknown ticket", "GET", "/api/tickets/NOSUCHTICKET", "", nil, 404, "unknown_ticket"},
		{"wrong state", "POST", "/api/windows/1/recall", "staff", `{}`, 409, "wrong_state"},
		{"window busy", "POST", "/api/windows/1/call-next", "staff", `{}`, 409, "window_busy"},
		{"unknown field in action", "POST", "/api/windows/1/finish", "staff", `{"due":true,"x":1}`, 400, "bad_json"},
		{"not signed in", "POST", "/api/windows/2/call-next", "staff", `{}`, 403, "not_signed_in"},
		{"window not a number", "POST", "/api/windows/abc/call-next", "staff", `{}`, 404, "unknown_window"},
		{"unknown window", "POST", "/api/windows/99/signin", "staff", `{}`, 404, "unknown_window"},
		{"call without ticket", "POST", "/api/windows/1/call", "staff", `{}`, 400, "invalid_input"},
		{"transfer nowhere", "POST", "/api/windows/1/transfer", "staff", `{}`, 400, "invalid_input"},
		{"transfer to unknown service", "POST", "/api/windows/1/transfer", "staff", `{"service":"nope"}`, 404, "unknown_service"},
		{"suspend nothing missing", "POST", "/api/windows/1/suspend", "staff", `{"missing":[]}`, 400, "invalid_input"},
		{"reject without basis", "POST", "/api/windows/1/reject", "staff", `{"reason":"x"}`, 400, "invalid_input"},
		{"express without reason", "POST", "/api/windows/1/express", "staff", `{}`, 400, "invalid_input"},
		{"due not a date", "POST", "/api/windows/1/finish", "staff", `{"due":"tomorrow"}`, 400, "invalid_input"},
		{"due past", "POST", "/api/windows/1/finish", "staff", `{"due":"2020-01-01"}`, 400, "invalid_input"},
		{"due a number", "POST", "/api/windows/1/finish", "staff", `{"due":5}`, 400, "invalid_input"},
		{"whereabouts unknown", "POST", "/api/windows/1/whereabouts", "staff", `{"status":"fishing"}`, 400, "invalid_input"},
		{"score out of range", "POST", "/api/ratings", "evaluator", `{"window":1,"score":9}`, 400, "invalid_input"},
		{"rating without window", "POST", "/api/ratings", "evaluator", `{"score":3}`, 400, "invalid_input"},
		{"rating unknown window", "POST", "/api/ratings", "evaluator", `{"window":99,"score":3}`, 404, "unknown_window"},
		{"nothing to rate", "POST", "/api/ratings", "evaluator", `{"window":2,"score":3}`, 409, "nothing_to_rate"},
		{"unknown slip", "POST", "/api/slips/NOSUCH22/return", "kiosk", `{}`, 404, "unknown_slip"},
		{"unknown express", "POST", "/api/express/NOSUCH22/approve", "director", `{}`, 404, "unknown_express"},
		{"unknown refusal", "POST", "/api/refusals/NOSUCH22/ack", "director", `{}`, 404, "unknown_refusal"},
		{"unknown case", "POST", "/api/cases/NOSUCH22/done", "staff", `{"notified":true}`, 404, "unknown_case"},
		{"backup without open", "POST", "/api/services/employment/backup", "director", `{}`, 400, "invalid_input"},
		{"backup of unknown service", "POST", "/api/services/nope/backup", "director", `{"open":true}`, 404, "unknown_service"},
		{"temporary without services", "POST", "/api/windows/10/temporary", "director", `{}`, 400, "invalid_input"},
		{"temporary unknown service", "POST", "/api/windows/10/temporary", "director", `{"services":["nope"]}`, 404, "unknown_service"},
		{"device status unknown", "POST", "/api/devices/status", "agent", `{"status":"on_fire"}`, 400, "invalid_input"},
		{"events after not a number", "GET", "/api/events?after=x", "director", nil, 400, "invalid_input"},
		{"events limit 0", "GET", "/api/events?limit=0", "director", nil, 400, "invalid_input"},
		{"login without password", "POST", "/api/login", "", `{"job_no":"1001"}`, 400, "invalid_input"},
		{"login malformed", "POST", "/api/login", "", `{"job_no":`, 400, "bad_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			r := h.refused(tc.method, tc.path, tc.caller, tc.body, tc.status, tc.code)
			var e answer.Body
			if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Message == "" || strings.HasPrefix(e.Error.Message, "error.") {
				t.Errorf("error without a catalogue answer.Message: %s", r.body)
			}
		})
	}
	h.t = t
	if after := h.seq(); after != before {
		t.Errorf("bad input changed the hall: seq %d → %d", before, after)
	}
	if evs := h.events(before); len(evs) != 0 {
		t.Errorf("bad input wrote events: %v", eventTypes(evs))
	}
}

func TestAPI_Admin(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.issue("employment")
	r := h.ok("GET", "/api/admin/config", "admin", nil, nil, http.StatusOK)
	var cfg queue.Config
	if err := json.Unmarshal(r.body, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Services) != 6 || len(cfg.Staff) != 14 {
		t.Errorf("config %d services, %d staff", len(cfg.Services), len(cfg.Staff))
	}
	for _, secret := range []string{"password_hash", "token_sha256", queue.DemoPasswordHash, `"token"`} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("admin config shows %s", secret)
		}
	}

	seq := h.seq()
	r = h.ok("GET", "/api/admin/backup", "admin", nil, nil, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("backup Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "qcall-20260302-090000.db") {
		t.Errorf("backup Content-Disposition %q", cd)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB, err := bolt.Open(path)
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copyDB.Close()
	last, err := copyDB.LastSeq()
	if err != nil || last != seq {
		t.Errorf("backup holds events up to %d (%v), hall at %d", last, err, seq)
	}
}

func TestAPI_BackupMissing(t *testing.T) {
	h := newAPITestHall(t, queue.Demo(), func(o *Options) { o.Backup = nil })
	h.refused("GET", "/api/admin/backup", "admin", nil, http.StatusServiceUnavailable, "unavailable")
}

func TestAPI_EventsPaging(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	for range 5 {
		h.issue("consult")
	}
	var page struct {
		Events []queue.Event `json:"events"`
		Next   uint64        `json:"next"`
	}
	h.ok("GET", "/api/events?after=0&limit=3", "admin", nil, &page, http.StatusOK)
	if len(page.Events) != 3 || page.Events[0].Seq != 1 || page.Next != 3 {
		t.Fatalf("first page: %d events, next %d", len(page.Events), page.Next)
	}
	h.ok("GET", "/api/events?limit=1000&after=3", "admin", nil, &page, http.StatusOK)
	if len(page.Events) == 0 || page.Events[0].Seq != 4 || page.Next != h.seq() {
		t.Fatalf("second page: %d events, next %d, seq %d", len(page.Events), page.Next, h.seq())
	}
	h.ok("GET", "/api/events?after=1000", "admin", nil, &page, http.StatusOK)
	if len(page.Events) != 0 || page.Next != 1000 {
		t.Errorf("past the end: %d events, next %d", len(page.Events), page.Next)
	}
	// Config events come without secrets.
	raw := h.do("GET", "/api/events?after=0&limit=1", "admin", nil)
	if !strings.Contains(string(raw.body), "config_changed") || strings.Contains(string(raw.body), "$2a$") {
		t.Errorf("first event: %s", raw.body)
	}
}

// callers are who the role matrix calls as: nobody, each device and each staff role.
var matrixCallers = []string{"", "kiosk", "display", "evaluator", "agent", "staff", "director", "admin"}

// callerRole is the role each caller has in the demo hall.
func matrixRole(caller string) queue.Role {
	if caller == "" {
		return ""
	}
	return queue.Role(caller)
}

func TestAPI_RoleMatrix(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	// Log in for real once per staff role and use those tokens.
	for caller, jobNo := range map[string]string{"staff": "1001", "director": "9001", "admin": "9999"} {
		var out struct {
			Token string    `json:"token"`
			Staff staffJSON `json:"staff"`
		}
		h.ok("POST", "/api/login", "", map[string]string{"job_no": jobNo, "password": "demo"}, &out, http.StatusOK)
		if out.Token == "" || out.Staff.JobNo != jobNo || string(out.Staff.Role) != caller {
			t.Fatalf("login %s: %+v", jobNo, out)
		}
		h.tokens[caller] = out.Token
	}

	// Some rows written out here as well, so a wrong entry in the table is
	// caught rather than tested against itself.
	literal := map[string][]string{
		"GET /healthz":                           {"public"},
		"GET /api/tickets/{id}":                  {"public"},
		"GET /api/services":                      {"public"},
		"POST /api/tickets":                      {"kiosk", "agent", "staff", "director"},
		"GET /api/windows":                       {"kiosk", "display", "evaluator", "agent", "staff", "director", "admin"},
		"POST /api/windows/{id}/call-next":       {"staff", "director"},
		"GET /api/windows/{id}/queue":            {"staff", "director"},
		"POST /api/windows/{id}/allow-signout":   {"director"},
		"POST /api/windows/{id}/release":         {"director"},
		"POST /api/express/{id}/approve":         {"director"},
		"POST /api/ratings":                      {"evaluator", "agent"},
		"POST /api/devices/status":               {"agent"},
		"GET /api/devices":                       {"kiosk", "display", "evaluator", "agent", "staff", "director", "admin"},
		"GET /api/events":                        {"director", "admin"},
		"GET /api/cases":                         {"staff", "director"},
		"GET /api/covers":                        {"director"},
		"GET /api/admin/backup":                  {"admin"},
		"GET /api/admin/config":                  {"admin"},
		"GET /api/followups":                     {"staff", "director", "admin"},
		"GET /api/staff":                         {"director", "admin"},
		"POST /api/followups/{id}/assign":        {"director"},
		"POST /api/followups/{id}/close":         {"staff", "director"},
		"POST /api/followups/{id}/appeal":        {"staff"},
		"POST /api/followups/{id}/appeal/decide": {"director"},
		"GET /api/refusals":                      {"director", "admin"},
		"GET /api/express":                       {"director", "admin"},
	}
	table := map[string]access{}
	for _, rt := range apiRoutes {
		if _, dup := table[rt.pattern]; dup {
			t.Errorf("route %s twice in the table", rt.pattern)
		}
		table[rt.pattern] = rt.access
	}
	for pattern, roles := range literal {
		x, ok := table[pattern]
		switch {
		case !ok:
			t.Errorf("route %s missing from the table", pattern)
		case slices.Equal(roles, []string{"public"}):
			if !x.public {
				t.Errorf("%s: table says %v, want public", pattern, x.roles)
			}
		default:
			var got []string
			for _, r := range x.roles {
				got = append(got, string(r))
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(roles))
			if x.public || !slices.Equal(got, want) {
				t.Errorf("%s: table says %v (public %v), want %v", pattern, got, x.public, want)
			}
		}
	}

	wildcard := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, rt := range apiRoutes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = wildcard.ReplaceAllString(path, "1")
		var body any
		if method == "POST" {
			body = `{}`
		}
		for _, caller := range matrixCallers {
			r := h.do(method, path, caller, body)
			if rt.pattern == "POST /api/logout" && caller != "" {
				// The logout ended the caller's session: it gets a new one
				// for the routes after.
				h.tokens[caller] = h.api.signSession(map[string]string{"staff": "1001", "director": "9001", "admin": "9999"}[caller],
					apiMonday9.Add(SessionTTL))
				if _, device := demoDeviceTokens[caller]; device {
					h.tokens[caller] = demoDeviceTokens[caller]
				}
			}
			code := r.code()
			denied := r.status == http.StatusUnauthorized || code == "unauthorized" || code == "forbidden"
			switch {
			case rt.access.public || rt.access.allows(matrixRole(caller)):
				if denied || r.status >= 500 {
					t.Errorf("%s as %q: %d %s, want allowed", rt.pattern, caller, r.status, code)
				}
			case caller == "":
				if r.status != http.StatusUnauthorized || code != "unauthorized" {
					t.Errorf("%s without a token: %d %s, want 401 unauthorized", rt.pattern, r.status, code)
				}
			default:
				if r.status != http.StatusForbidden || code != "forbidden" {
					t.Errorf("%s as %q: %d %s, want 403 forbidden", rt.pattern, caller, r.status, code)
				}
			}
		}
	}
	// The role matrix went through every route of the table, and the engine
	// still answers.
	if _, err := h.eng.Seq(context.Background()); err != nil {
		t.Fatal(err)
	}
}
