package display_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"qcall/display"
	"qcall/display/api"
)

// TestHub_LogoutClosesSessionSockets: a logout closes every websocket opened
// with that session, whatever its kind, with CloseSessionEnded and before
// anything committed after the logout reaches it; the same person's other
// session, another staff member's and a device's sockets stay open; the
// ended session cannot reconnect. A session whose 12 hours run out (a
// console left open overnight) closes its sockets the same way.
func TestHub_LogoutClosesSessionSockets(t *testing.T) {
	e := newHubEnv(t, func(o *display.HubOptions) { o.ClockEvery = 20 * time.Millisecond })
	if _, err := e.eng.SignIn(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	cookie := func(tok string) http.Header { return http.Header{"Cookie": {api.SessionCookie + "=" + tok}} }
	open := func(query string, hdr http.Header) *hubConn {
		t.Helper()
		c, resp, err := e.dial(query, hdr)
		if err != nil {
			t.Fatalf("dial %s: %v (%v)", query, err, resp)
		}
		if m := c.next(); m.Type != "snapshot" {
			t.Fatalf("%s: first %s", query, m.Raw)
		}
		return c
	}
	logout := func(tok string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/logout", nil)
		req.Header = bearer(tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
	}
	// ended checks that c closes with CloseSessionEnded, having heard
	// nothing committed after seq.
	ended := func(who string, c *hubConn, seq uint64) {
		t.Helper()
		for {
			m, err := c.read()
			var ce *websocket.CloseError
			switch {
			case errors.As(err, &ce):
				if ce.Code != display.CloseSessionEnded {
					t.Errorf("%s closed with %d %q, want %d", who, ce.Code, ce.Text, display.CloseSessionEnded)
				}
				return
			case err != nil:
				t.Fatalf("%s: %v, want it closed by the server", who, err)
			case m.Seq > seq:
				t.Errorf("%s heard %s after its session ended", who, m.Raw)
			}
		}
	}
	// open checks that c still answers a ping.
	alive := func(who string, c *hubConn) {
		t.Helper()
		if err := c.c.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		for {
			m, err := c.read()
			if err != nil {
				t.Fatalf("%s: %v, want it open", who, err)
			}
			if m.Type == "pong" {
				return
			}
		}
	}

	wang, wangPhone, director := e.login("1001"), e.login("1001"), e.login("9001")
	terminal := open("client=terminal&window=1", bearer(wang))
	staff := open("client=staff", cookie(wang)) // as a browser page opens it
	window := open("client=window&window=1", bearer(wang))
	otherSession := open("client=staff", bearer(wangPhone))
	console := open("client=director", cookie(director))
	hall := open("client=hall", bearer(director))
	screen := open("client=hall&token=demo-display", nil)

	logout(wang)
	seq := e.seq()
	e.issue("employment")
	ended("the terminal", terminal, seq)
	ended("the staff stream", staff, seq)
	ended("the window screen", window, seq)
	alive("1001's other session", otherSession)
	alive("the director's console", console)
	alive("the director's hall", hall)
	alive("the hall screen", screen)
	e.refused("client=staff", bearer(wang), http.StatusUnauthorized, "unauthorized")

	logout(director)
	seq = e.seq()
	e.issue("employment")
	ended("the director's console", console, seq)
	ended("the director's hall", hall, seq)
	alive("1001's other session", otherSession)
	alive("the hall screen", screen)

	// Expiry: a session logged in later outlives the first by a minute.
	e.clock.Add(time.Minute)
	later := open("client=director", bearer(e.login("9001")))
	e.clock.Add(api.SessionTTL - time.Minute) // the first sessions' time is up
	seq = e.seq()
	ended("1001's other session, expired", otherSession, seq)
	alive("a later session", later)
	alive("the hall screen", screen)
	e.clock.Add(time.Minute)
	ended("the later session, expired", later, e.seq())
	alive("the hall screen", screen)
}
