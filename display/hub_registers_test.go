package display_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"qcall/queue"
)

// readAll reads c's messages (states too) until the event at seq or later.
func (c *hubConn) readAll(seq uint64) []hubMsg {
	c.t.Helper()
	var out []hubMsg
	for {
		m := c.next()
		out = append(out, m)
		switch m.Type {
		case "snapshot", "state", "pong":
			continue
		}
		if m.Seq >= seq {
			return out
		}
	}
}

// TestHub_RegistersPersonalData: the registers' personal data (a complaint's
// contact, a home-service applicant's name, phone and address) goes out over
// real websockets to the duty director only. The staff member a complaint
// names, who recorded a home-service request, or whose ticket a spot check
// marked hears of it at their counter terminal, without the personal data;
// the hall screen, the kiosk and the window screen hear nothing of the
// registers at all.
func TestHub_RegistersPersonalData(t *testing.T) {
	e := newHubEnv(t)
	const (
		contact = "王先生 13800001111"
		phone   = "13911112222"
		address = "幸福路8号3单元201"
		person  = "赵大爷"
	)
	private := []string{contact, phone, address, person}
	if _, err := e.eng.SignIn(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	done := e.issue("employment")
	if _, err := e.eng.CallNext(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Finish(hubCtx, "1001", 1, queue.FinishOptions{}); err != nil {
		t.Fatal(err)
	}

	director, _, err := e.dial("client=director", bearerOf(e.login("9001")))
	if err != nil {
		t.Fatal(err)
	}
	term, _, err := e.dial("client=terminal&window=1", http.Header{"Authorization": {"Bearer " + e.login("1001")}})
	if err != nil {
		t.Fatal(err)
	}
	hall := e.mustDial("client=hall&token=demo-display")
	kiosk := e.mustDial("client=kiosk&token=demo-kiosk")
	screen := e.mustDial("client=window&window=1&token=demo-display")
	// Each has its snapshot before anything happens.
	for _, c := range []*hubConn{director, term, hall, kiosk, screen} {
		c.next()
	}
	from := e.seq()

	if _, err := e.eng.RecordComplaint(hubCtx, "9001", queue.ComplaintInput{Channel: "phone", Kind: "complaint",
		Text: "态度生硬", Staff: "1001", Window: 1, Contact: contact}); err != nil {
		t.Fatal(err)
	}
	v, err := e.eng.RequestHomeVisit(hubCtx, "1001", queue.HomeVisitInput{Applicant: person, Agent: "赵小红",
		Reason: "frail", Address: address, Phone: phone, Service: "pension", Note: "卧床"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.ApproveHomeVisit(hubCtx, "9001", v.ID, "为民服务小组", "2026-03-04"); err != nil {
		t.Fatal(err)
	}
	c, err := e.eng.DrawSpotCheck(hubCtx, "9001", "2026-03", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.MarkSpotCheck(hubCtx, "9001", c.ID, done.ID, false, "未核对原件"); err != nil {
		t.Fatal(err)
	}
	lastOffice := e.seq()
	// Then something every client hears: a call at window 1.
	e.issue("employment")
	if _, err := e.eng.CallNext(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	last := e.seq()

	office := func(msgs []hubMsg) map[string]hubMsg {
		out := map[string]hubMsg{}
		for _, m := range msgs {
			if m.Seq > from && queue.Hidden(queue.EventType(m.Type)) {
				out[m.Type] = m
			}
		}
		return out
	}

	// The director: every register event, with the personal data.
	got := office(director.readAll(lastOffice))
	if len(got) != 5 {
		t.Errorf("director got %d of the 5 register event types made: %v", len(got), slices.Collect(maps.Keys(got)))
	}
	var cp queue.Complaint
	got["complaint_recorded"].decode(t, "complaint", &cp)
	var hv queue.HomeVisit
	got["home_visit_requested"].decode(t, "home_visit", &hv)
	if cp.Contact != contact || hv.Phone != phone || hv.Address != address || hv.Applicant != person {
		t.Errorf("director got %+v and %+v, want the contact, phone, address and applicant", cp, hv)
	}

	// The staff member concerned: told, without the personal data.
	termMsgs := term.readAll(last)
	got = office(termMsgs)
	for _, typ := range []string{"complaint_recorded", "home_visit_requested", "home_visit_approved", "spot_check_marked"} {
		if _, ok := got[typ]; !ok {
			t.Errorf("the terminal of 1001 did not hear %s", typ)
		}
	}
	if _, ok := got["spot_check_drawn"]; ok {
		t.Errorf("the terminal heard the whole spot-check draw: %s", got["spot_check_drawn"].Raw)
	}
	cp = queue.Complaint{}
	got["complaint_recorded"].decode(t, "complaint", &cp)
	if cp.Text != "态度生硬" || cp.Contact != "" {
		t.Errorf("terminal got the complaint %+v", cp)
	}

	// No one but the director ever gets the personal data; the public
	// clients hear nothing of the registers.
	for name, msgs := range map[string][]hubMsg{"terminal": termMsgs, "hall": hall.readAll(last),
		"kiosk": kiosk.readAll(last), "window screen": screen.readAll(last)} {
		for _, m := range msgs {
			for _, p := range private {
				if strings.Contains(string(m.Raw), p) {
					t.Errorf("%s got %q: %s", name, p, m.Raw)
				}
			}
			if name != "terminal" && m.Seq > from && queue.Hidden(queue.EventType(m.Type)) {
				t.Errorf("%s heard %s", name, m.Raw)
			}
		}
	}
}
