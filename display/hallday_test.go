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

// errorCode is the code of an error answer.
type errorAnswer struct {
	Error struct{ Code, Message string }
}

// TestHallDay_WindowClosesTicketsRerouted: a transfer to a closed window, or
// to one that does not serve the service, is refused with its code and
// changes nothing; window 1 signs out with two tickets bound to it (a return
// slip, a transfer): they go back to employment's queue in their place, the
// director's console hears it, and the phone of the returned ticket shows it
// no longer waits for window 1. Then the director releases window 2, left
// signed in with a ticket called: the ticket waits again.
func TestHallDay_WindowClosesTicketsRerouted(t *testing.T) {
	e := newHubEnv(t)
	s1, s2, s3 := e.login("1001"), e.login("1002"), e.login("1003")
	director := e.login("9001")
	dir, _, err := e.dial("client=director", bearerOf(director))
	if err != nil {
		t.Fatal(err)
	}
	dir.next() // snapshot
	e.must(200, "POST", "/api/windows/1/signin", s1, struct{}{}, nil)
	e.must(200, "POST", "/api/windows/2/signin", s2, struct{}{}, nil)
	e.must(200, "POST", "/api/windows/3/signin", s3, struct{}{}, nil)

	var a, b, c struct{ ID, Number string }
	e.must(201, "POST", "/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, &a)
	e.must(201, "POST", "/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, &b)
	e.must(201, "POST", "/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, &c)
	e.must(200, "POST", "/api/windows/1/call-next", s1, struct{}{}, nil) // A001
	var slip struct {
		SlipID string `json:"slip_id"`
	}
	e.must(200, "POST", "/api/windows/1/suspend", s1, map[string]any{"missing": []string{"照片"}}, &slip)
	e.must(200, "POST", "/api/windows/2/call-next", s2, struct{}{}, nil) // A002

	// Refused transfers, each with its code; nothing changes.
	before := e.seq()
	for _, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"window": 4}, 409, "window_closed"},       // nobody at window 4
		{map[string]any{"window": 3}, 409, "service_not_offered"}, // window 3: employment only as B, closed
		{map[string]any{"service": "pension", "window": 1}, 409, "service_not_offered"},
	} {
		var out errorAnswer
		if got := e.do("POST", "/api/windows/2/transfer", s2, tc.body, &out); got != tc.status || out.Error.Code != tc.code {
			t.Errorf("transfer %v: %d %s, want %d %s", tc.body, got, out.Error.Code, tc.status, tc.code)
		}
	}
	if e.seq() != before {
		t.Fatalf("refused transfers changed the hall: seq %d → %d", before, e.seq())
	}
	// A002 to window 1, open and serving employment: taken, bound to it.
	e.must(200, "POST", "/api/windows/2/transfer", s2, map[string]any{"window": 1}, nil)
	var back struct {
		Ticket struct {
			ID        string
			ForWindow int `json:"for_window"`
		}
	}
	e.must(200, "POST", "/api/slips/"+slip.SlipID+"/return", "demo-kiosk", struct{}{}, &back)
	if back.Ticket.ForWindow != 1 {
		t.Fatalf("returned to window %d, want the open window 1", back.Ticket.ForWindow)
	}
	phone := e.mustDial("client=phone&ticket=" + a.ID)
	phone.next() // snapshot

	// Window 1 signs out with A001 (slip) and A002 (transfer) bound to it.
	e.must(200, "POST", "/api/windows/1/signout", s1, struct{}{}, nil)
	for {
		m := dir.next()
		if m.Type != "tickets_rerouted" {
			continue
		}
		var ids []string
		m.decode(t, "tickets", &ids)
		if m.num("window") != 1 || len(ids) != 2 {
			t.Fatalf("director heard %s", m.Raw)
		}
		break
	}
	for {
		m := phone.next()
		if m.Type != "state" {
			continue
		}
		var tk struct {
			ForWindow int  `json:"for_window"`
			NoWindow  bool `json:"no_window"`
			Position  int
		}
		m.decode(t, "ticket", &tk)
		if tk.ForWindow == 0 && !tk.NoWindow && tk.Position == 1 {
			break
		}
	}
	// Window 2 calls them in their place: A001 (return), A002, then A003.
	for _, want := range []string{"A001", "A002", "A003"} {
		var got struct{ Ticket struct{ Number string } }
		e.must(200, "POST", "/api/windows/2/call-next", s2, struct{}{}, &got)
		if got.Ticket.Number != want {
			t.Fatalf("window 2 called %s, want %s", got.Ticket.Number, want)
		}
		if want != "A003" {
			e.must(200, "POST", "/api/windows/2/finish", s2, struct{}{}, nil)
		}
	}
	// Window 2's clerk walks off with A003 called: the director releases it.
	var out errorAnswer
	if got := e.do("POST", "/api/windows/2/release", s3, struct{}{}, &out); got != 403 {
		t.Fatalf("staff released a window: %d", got)
	}
	if got := e.do("POST", "/api/windows/4/release", director, struct{}{}, &out); got != 409 || out.Error.Code != "window_closed" {
		t.Fatalf("release of a closed window: %d %s", got, out.Error.Code)
	}
	var rel struct{ Window struct{ State string } }
	e.must(200, "POST", "/api/windows/2/release", director, struct{}{}, &rel)
	if rel.Window.State != "closed" {
		t.Fatalf("released window %+v", rel.Window)
	}
	var st struct {
		State    string
		Position int
	}
	e.must(200, "GET", "/api/tickets/"+c.ID, "", nil, &st)
	if st.State != "waiting" || st.Position != 1 {
		t.Fatalf("A003 after the release: %+v", st)
	}
	for {
		if m := dir.next(); m.Type == "window_released" && m.str("staff") == "1002" {
			break
		}
	}
	_ = b
}
