package display_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// do calls the API of e as token (a device token or a session) and decodes
// the answer into out (when not nil); it returns the status.
func (e *hubEnv) do(method, path, token string, body any, out any) int {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			e.t.Fatalf("%s %s: %d: %v", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// must is do, failing the test unless the answer is want.
func (e *hubEnv) must(want int, method, path, token string, body any, out any) {
	e.t.Helper()
	if got := e.do(method, path, token, body, out); got != want {
		e.t.Fatalf("%s %s: %d, want %d", method, path, got, want)
	}
}

// TestHallDay_ReturnSlipNumbers: two tickets leave with return slips on day 1
// (A001, A002); on day 2 one is brought back before anyone takes a ticket,
// today's tickets are issued, the other is brought back: no two tickets of
// the day hold one number, in window 1's queue, in the answers, or in the
// calls the hall screen announces.
func TestHallDay_ReturnSlipNumbers(t *testing.T) {
	e := newHubEnv(t)
	hall := e.mustDial("client=hall&token=demo-display")
	hall.next() // snapshot

	staff := e.login("1001")
	e.must(200, "POST", "/api/windows/1/signin", staff, struct{}{}, nil)
	var slips []string
	for range 2 {
		e.must(201, "POST", "/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, nil)
		e.must(200, "POST", "/api/windows/1/call-next", staff, struct{}{}, nil)
		var slip struct {
			SlipID string `json:"slip_id"`
		}
		e.must(200, "POST", "/api/windows/1/suspend", staff, map[string]any{"missing": []string{"户口簿"}}, &slip)
		slips = append(slips, slip.SlipID)
	}

	e.clock.Add(24 * time.Hour) // day 2
	numbers := map[string]int{}
	take := func(n string) {
		t.Helper()
		if numbers[n]++; numbers[n] > 1 {
			t.Fatalf("%s handed out twice on day 2: %v", n, numbers)
		}
	}
	var ret struct{ Ticket struct{ Number string } }
	e.must(200, "POST", "/api/slips/"+slips[0]+"/return", "demo-kiosk", struct{}{}, &ret)
	take(ret.Ticket.Number)
	for range 2 {
		var tk struct{ Number string }
		e.must(201, "POST", "/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, &tk)
		take(tk.Number)
	}
	e.must(200, "POST", "/api/slips/"+slips[1]+"/return", "demo-kiosk", struct{}{}, &ret)
	take(ret.Ticket.Number)

	staff = e.login("1001")
	e.must(200, "POST", "/api/windows/1/signin", staff, struct{}{}, nil)
	var queued []struct{ Number string }
	e.must(200, "GET", "/api/windows/1/queue", staff, nil, &queued)
	inQueue := map[string]bool{}
	for _, q := range queued {
		if inQueue[q.Number] {
			t.Fatalf("window 1's queue holds %s twice: %v", q.Number, queued)
		}
		inQueue[q.Number] = true
	}
	if len(queued) != 4 {
		t.Fatalf("window 1's queue %v, want the 4 tickets of the day", queued)
	}
	for range 4 {
		e.must(200, "POST", "/api/windows/1/call-next", staff, struct{}{}, nil)
		e.must(200, "POST", "/api/windows/1/finish", staff, struct{}{}, nil)
	}
	announced := map[string]bool{}
	for m := hall.next(); m.Type != "day_opened"; m = hall.next() {
	}
	for len(announced) < 4 {
		m := hall.next()
		if m.Type != "ticket_called" {
			continue
		}
		n := m.str("number")
		if announced[n] {
			t.Fatalf("the hall announces %s twice on day 2", n)
		}
		announced[n] = true
	}
}
