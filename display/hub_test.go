package display_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"qcall/display"
	"qcall/display/api"
	"qcall/queue"
	"qcall/queue/bolt"
)

// hubWait bounds every wait of these tests.
const hubWait = 10 * time.Second

var hubCtx = context.Background()

// hubEnv is a hall on a real bbolt file, its API and hub, served on
// 127.0.0.1 by a real server.
type hubEnv struct {
	t     testing.TB
	eng   *queue.Engine
	hub   *display.Hub
	srv   *httptest.Server
	clock *queue.ManualClock
}

func newHubEnv(tb testing.TB, opts ...func(*display.HubOptions)) *hubEnv {
	tb.Helper()
	return newHubEnvOn(tb, nil, opts...)
}

// newHubEnvOn is newHubEnv with the server's listener wrapped by wrap.
func newHubEnvOn(tb testing.TB, wrap func(net.Listener) net.Listener, opts ...func(*display.HubOptions)) *hubEnv {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		tb.Fatal(err)
	}
	clock := queue.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, loc))
	store, err := bolt.Open(filepath.Join(tb.TempDir(), "q.db"))
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := queue.Open(store, queue.Options{Config: queue.Demo(), Clock: clock, IDKey: []byte("k")})
	if err != nil {
		store.Close()
		tb.Fatal(err)
	}
	a, err := api.New(api.Options{Engine: eng, Secret: []byte("hub-test-secret-0123456789"), DemoCredentials: true})
	if err != nil {
		tb.Fatal(err)
	}
	o := display.HubOptions{Engine: eng, Authenticate: a.Authenticate, Sessions: a}
	for _, f := range opts {
		f(&o)
	}
	hub, err := display.NewHub(o)
	if err != nil {
		tb.Fatal(err)
	}
	if err := hub.Start(hubCtx); err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", hub)
	mux.HandleFunc("GET /api/voice/{lang}/{number}/{window}", hub.ServeVoice)
	mux.Handle("/", a)
	srv := httptest.NewUnstartedServer(mux)
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Start()
	e := &hubEnv{t: tb, eng: eng, hub: hub, srv: srv, clock: clock}
	tb.Cleanup(func() {
		hub.Close()
		srv.CloseClientConnections()
		srv.Close()
		if err := eng.Close(); err != nil {
			tb.Error(err)
		}
		if err := store.Close(); err != nil {
			tb.Error(err)
		}
	})
	return e
}

// seq is the engine's newest seq.
func (e *hubEnv) seq() uint64 {
	e.t.Helper()
	s, err := e.eng.Seq(hubCtx)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// issue issues a ticket of service and returns it.
func (e *hubEnv) issue(service string) queue.TicketView {
	e.t.Helper()
	tv, err := e.eng.IssueTicket(hubCtx, "kiosk-1", queue.IssueRequest{Service: service, Channel: "kiosk"})
	if err != nil {
		e.t.Fatal(err)
	}
	return tv
}

func (e *hubEnv) url(query string) string {
	return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws?" + query
}

// dial opens a websocket with query and header.
func (e *hubEnv) dial(query string, hdr http.Header) (*hubConn, *http.Response, error) {
	d := websocket.Dialer{HandshakeTimeout: hubWait, ReadBufferSize: 1024, WriteBufferSize: 1024}
	c, resp, err := d.Dial(e.url(query), hdr)
	if err != nil {
		return nil, resp, err
	}
	hc := &hubConn{t: e.t, c: c}
	e.t.Cleanup(func() { c.Close() })
	return hc, resp, nil
}

func (e *hubEnv) mustDial(query string) *hubConn {
	e.t.Helper()
	c, resp, err := e.dial(query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e.t.Fatalf("dial %s: %v (status %d)", query, err, status)
	}
	return c
}

// refused dials query with hdr and checks the answer is status with code.
func (e *hubEnv) refused(query string, hdr http.Header, status int, code string) {
	e.t.Helper()
	_, resp, err := e.dial(query, hdr)
	if err == nil {
		e.t.Fatalf("dial %s: upgraded, want %d %s", query, status, code)
	}
	if resp == nil {
		e.t.Fatalf("dial %s: %v, want %d %s", query, err, status, code)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != status || body.Error.Code != code {
		e.t.Fatalf("dial %s: %d %q, want %d %q", query, resp.StatusCode, body.Error.Code, status, code)
	}
}

// hubConn is a test client.
type hubConn struct {
	t testing.TB
	c *websocket.Conn
}

// hubMsg is one message from the hub.
type hubMsg struct {
	Type string
	Seq  uint64
	Raw  []byte
	F    map[string]json.RawMessage
}

func (m hubMsg) str(key string) string {
	var s string
	_ = json.Unmarshal(m.F[key], &s)
	return s
}

func (m hubMsg) num(key string) int {
	var n int
	_ = json.Unmarshal(m.F[key], &n)
	return n
}

func (m hubMsg) has(key string) bool { _, ok := m.F[key]; return ok }

// decode reads key into v.
func (m hubMsg) decode(t testing.TB, key string, v any) {
	t.Helper()
	if err := json.Unmarshal(m.F[key], v); err != nil {
		t.Fatalf("%s of %s: %v", key, m.Raw, err)
	}
}

// next reads one message, failing the test after hubWait.
func (c *hubConn) next() hubMsg {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *hubConn) read() (hubMsg, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(hubWait))
	_, b, err := c.c.ReadMessage()
	if err != nil {
		return hubMsg{}, err
	}
	m := hubMsg{Raw: b}
	if err := json.Unmarshal(b, &m.F); err != nil {
		return m, err
	}
	m.Type, m.Seq = m.str("type"), uint64(m.num("seq"))
	return m, nil
}

// until reads messages up to and including the state (or snapshot) at seq or
// later, and returns them.
func (c *hubConn) until(seq uint64) []hubMsg {
	c.t.Helper()
	var out []hubMsg
	for {
		m := c.next()
		out = append(out, m)
		if (m.Type == "state" || m.Type == "snapshot") && m.Seq >= seq {
			return out
		}
	}
}

// closeCode reads until the connection ends and returns its close code.
func (c *hubConn) closeCode() int {
	c.t.Helper()
	for {
		_ = c.c.SetReadDeadline(time.Now().Add(hubWait))
		_, _, err := c.c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatalf("connection still open after %s", hubWait)
		}
		return websocket.CloseAbnormalClosure
	}
}

// events keeps the events of msgs (not snapshot, state or pong).
func events(msgs []hubMsg) []hubMsg {
	var out []hubMsg
	for _, m := range msgs {
		switch m.Type {
		case "snapshot", "state", "pong":
		default:
			out = append(out, m)
		}
	}
	return out
}

// checkRun fails unless evs are exactly the seqs from+1 … to, in order.
func checkRun(t testing.TB, who string, evs []hubMsg, from, to uint64) {
	t.Helper()
	want := from + 1
	for _, m := range evs {
		if m.Seq != want {
			t.Fatalf("%s: got event seq %d (%s), want %d", who, m.Seq, m.Type, want)
		}
		want++
	}
	if want != to+1 {
		t.Fatalf("%s: events end at %d, want %d", who, want-1, to)
	}
}

func TestHub_SnapshotThenDeltas(t *testing.T) {
	e := newHubEnv(t)
	hall := e.mustDial("client=hall&token=demo-display")
	snap := hall.next()
	if snap.Type != "snapshot" || snap.Seq != e.seq() {
		t.Fatalf("first message %s seq %d, want snapshot at %d", snap.Type, snap.Seq, e.seq())
	}
	var hv queue.HallView
	snap.decode(t, "hall", &hv)
	if len(hv.Windows) != 10 || len(hv.Services) != 6 || hv.Seq != snap.Seq || !snap.has("whereabouts") {
		t.Fatalf("snapshot: %d windows, %d services, seq %d, whereabouts %v", len(hv.Windows), len(hv.Services), hv.Seq, snap.has("whereabouts"))
	}

	if _, err := e.eng.SignIn(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.IssueTicket(hubCtx, "kiosk-1", queue.IssueRequest{Service: "employment", IDNo: "110101199003070011"}); err != nil {
		t.Fatal(err)
	}
	called, err := e.eng.CallNext(hubCtx, "1001", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.SetWhereabouts(hubCtx, "1002", queue.Meeting, "staff meeting"); err != nil {
		t.Fatal(err)
	}
	last := e.seq()
	msgs := hall.until(last)
	evs := events(msgs)
	checkRun(t, "hall", evs, snap.Seq, last)
	var prev uint64
	for _, m := range msgs {
		if m.Seq < prev {
			t.Fatalf("%s seq %d after %d", m.Type, m.Seq, prev)
		}
		prev = m.Seq
		if m.has("id_hash") || m.has("ticket") || bytes.Contains(m.Raw, []byte(called.ID)) {
			t.Fatalf("hall screen got a ticket id or id_hash: %s", m.Raw)
		}
	}
	var call hubMsg
	for _, m := range evs {
		if m.Type == "ticket_called" {
			call = m
		}
	}
	if call.str("number") != "A001" || call.num("window") != 1 || call.str("window_name") != "1号窗口" ||
		call.str("voice_url") != "/api/voice/zh-CN/A001/1.wav" {
		t.Fatalf("call: %s", call.Raw)
	}
	st := msgs[len(msgs)-1]
	st.decode(t, "hall", &hv)
	if hv.Windows[0].Current == nil || hv.Windows[0].Current.Number != "A001" || hv.Windows[0].Current.ID != "" {
		t.Fatalf("state: window 1 current %+v", hv.Windows[0].Current)
	}
	var where map[string]struct{ Status, Note, Name string }
	st.decode(t, "whereabouts", &where)
	if w := where["1002"]; w.Status != queue.Meeting || w.Name != "李强" || w.Note != "staff meeting" {
		t.Fatalf("whereabouts: %+v", where)
	}

	// English: the same call with the English window name and voice.
	en := e.mustDial("client=hall&lang=en&token=demo-display&since=" + strconv.FormatUint(snap.Seq, 10))
	for _, m := range en.until(last) {
		if m.Type == "ticket_called" && (m.str("window_name") != "Window 1" || m.str("voice_url") != "/api/voice/en/A001/1.wav") {
			t.Fatalf("english call: %s", m.Raw)
		}
	}
}

func TestHub_WindowTerminalAgent(t *testing.T) {
	e := newHubEnv(t)
	tok := e.login("1001")
	win := e.mustDial("client=window&window=1&token=demo-display")
	s0 := win.next()
	var wb struct {
		Window queue.WindowView
		Queue  []queue.TicketView
	}
	s0.decode(t, "window", &wb.Window)
	if s0.Type != "snapshot" || wb.Window.ID != 1 || wb.Window.State != "closed" {
		t.Fatalf("window snapshot: %s", s0.Raw)
	}
	// Staff open the terminal stream of the window they are signed in at.
	if _, err := e.eng.SignIn(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	term, _, err := e.dial("client=terminal&window=1", http.Header{"Authorization": {"Bearer " + tok}})
	if err != nil {
		t.Fatal(err)
	}
	agent := e.mustDial("client=agent&token=demo-agent")
	ts := term.next()
	if ts.Type != "snapshot" || !ts.has("queue") || !ts.has("window") {
		t.Fatalf("terminal snapshot: %s", ts.Raw)
	}
	agent.next()

	if _, err := e.eng.SignIn(hubCtx, "1003", 3); err != nil {
		t.Fatal(err)
	}
	a := e.issue("employment")
	// The terminal's next state lists the ticket in its queue.
	msgs := term.until(e.seq())
	msgs[len(msgs)-1].decode(t, "queue", &wb.Queue)
	if len(wb.Queue) != 1 || wb.Queue[0].ID != a.ID {
		t.Fatalf("terminal queue %+v, want %s", wb.Queue, a.ID)
	}
	b := e.issue("unemployment")
	if _, err := e.eng.CallNext(hubCtx, "1003", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.CallNext(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	last := e.seq()

	for _, m := range events(win.until(last)) {
		if m.num("window") != 1 {
			t.Fatalf("window 1 screen got %s", m.Raw)
		}
		if m.has("ticket") {
			t.Fatalf("window screen got a ticket id: %s", m.Raw)
		}
	}
	msgs = append(msgs, term.until(last)...)
	var sawCall bool
	for _, m := range events(msgs) {
		if m.num("window") != 1 {
			t.Fatalf("terminal 1 got %s", m.Raw)
		}
		if m.Type == "ticket_called" {
			sawCall = m.str("ticket") == a.ID
		}
	}
	if !sawCall {
		t.Fatal("terminal did not get its call with the ticket id")
	}
	// The agent hears everything, with ids.
	var ids []string
	for _, m := range events(agent.until(last)) {
		if m.has("id_hash") {
			t.Fatalf("agent got an id_hash: %s", m.Raw)
		}
		if m.Type == "ticket_called" {
			ids = append(ids, m.str("ticket"))
		}
	}
	if len(ids) != 2 || ids[0] != b.ID || ids[1] != a.ID {
		t.Fatalf("agent calls %v, want %s %s", ids, b.ID, a.ID)
	}
}

// login signs jobNo in through the API and returns the session token.
func (e *hubEnv) login(jobNo string) string {
	e.t.Helper()
	resp, err := http.Post(e.srv.URL+"/api/login", "application/json",
		strings.NewReader(`{"job_no":"`+jobNo+`","password":"demo"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		e.t.Fatalf("login %s: %d %v", jobNo, resp.StatusCode, err)
	}
	return out.Token
}

func TestHub_SinceReplay(t *testing.T) {
	e := newHubEnv(t)
	a := e.mustDial("client=hall&token=demo-display")
	snap := a.next()
	a.c.Close()

	e.issue("employment")
	e.issue("pension")
	if _, err := e.eng.SignIn(hubCtx, "1004", 4); err != nil {
		t.Fatal(err)
	}
	mid := e.seq()
	b := e.mustDial("client=hall&token=demo-display&since=" + strconv.FormatUint(snap.Seq, 10))
	msgs := b.until(mid)
	if msgs[0].Type == "snapshot" {
		t.Fatal("resume within the ring sent a snapshot")
	}
	e.issue("medical")
	last := e.seq()
	msgs = append(msgs, b.until(last)...)
	checkRun(t, "resumed", events(msgs), snap.Seq, last)
	if got := e.hub.Stats().Replays; got != 1 {
		t.Fatalf("replays = %d, want 1", got)
	}

	// A phone resumes too, hearing only of its ticket.
	tk := e.issue("consult")
	p := e.mustDial("client=phone&ticket=" + tk.ID)
	ps := p.next()
	p.c.Close()
	if _, err := e.eng.SignIn(hubCtx, "1009", 9); err != nil {
		t.Fatal(err)
	}
	e.issue("consult")
	if _, err := e.eng.CallNext(hubCtx, "1009", 9); err != nil {
		t.Fatal(err)
	}
	p = e.mustDial("client=phone&ticket=" + tk.ID + "&since=" + strconv.FormatUint(ps.Seq, 10))
	evs := events(p.until(e.seq()))
	if len(evs) != 1 || evs[0].Type != "ticket_called" || evs[0].str("ticket") != tk.ID {
		t.Fatalf("phone resumed with %d events: %v", len(evs), evs)
	}
}

// TestHub_SinceStitching connects and resumes clients while tickets are
// being issued: each sees every event once, in order, whenever it joined.
func TestHub_SinceStitching(t *testing.T) {
	e := newHubEnv(t)
	const writers, each = 4, 15
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range each {
				svc := []string{"employment", "pension", "medical", "consult"}[w]
				if _, err := e.eng.IssueTicket(hubCtx, "kiosk-1", queue.IssueRequest{Service: svc}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	close(start)
	type joined struct {
		c    *hubConn
		from uint64
	}
	var cs []*joined
	for i := range 6 {
		q := "client=hall&token=demo-display"
		c := e.mustDial(q)
		m := c.next()
		cs = append(cs, &joined{c: c, from: m.Seq})
		if i%2 == 1 {
			// Drop it and resume from its snapshot.
			c.c.Close()
			cs[len(cs)-1].c = e.mustDial(q + "&since=" + strconv.FormatUint(m.Seq, 10))
		}
	}
	wg.Wait()
	last := e.seq()
	for i, j := range cs {
		var msgs []hubMsg
		if i%2 == 1 || j.from < last { // a resume always sends a state; a snapshot at last is all there is
			msgs = append(msgs, j.c.until(last)...)
		}
		var evs []hubMsg
		from := j.from
		for _, m := range msgs {
			if m.Type == "snapshot" { // a resume too far back: starts over
				evs, from = nil, m.Seq
				continue
			}
			if m.Type != "state" {
				evs = append(evs, m)
			}
		}
		checkRun(t, "client "+strconv.Itoa(i), evs, from, last)
	}
}

func TestHub_SinceBeyondRing(t *testing.T) {
	e := newHubEnv(t, func(o *display.HubOptions) { o.RingSize = 8 })
	c := e.mustDial("client=hall&token=demo-display")
	snap := c.next()
	for range 20 {
		e.issue("consult")
	}
	c.until(e.seq())
	for _, since := range []uint64{snap.Seq, 1, e.seq() + 100} {
		r := e.mustDial("client=hall&token=demo-display&since=" + strconv.FormatUint(since, 10))
		if m := r.next(); m.Type != "snapshot" || m.Seq != e.seq() {
			t.Fatalf("since %d: first message %s at %d, want a snapshot at %d", since, m.Type, m.Seq, e.seq())
		}
	}
	// Within the ring it still replays.
	r := e.mustDial("client=hall&token=demo-display&since=" + strconv.FormatUint(e.seq()-3, 10))
	msgs := r.until(e.seq())
	checkRun(t, "recent", events(msgs), e.seq()-3, e.seq())
}

func TestHub_PhoneHearsOnlyItsTicket(t *testing.T) {
	e := newHubEnv(t)
	t1, t2 := e.issue("employment"), e.issue("employment")
	p1 := e.mustDial("client=phone&ticket=" + t1.ID + "&lang=en")
	p2 := e.mustDial("client=phone&ticket=" + t2.ID)
	var tv queue.TicketView
	s := p2.next()
	s.decode(t, "ticket", &tv)
	if s.Type != "snapshot" || tv.ID != t2.ID || tv.Position != 2 {
		t.Fatalf("phone snapshot: %s", s.Raw)
	}
	p1.next()

	if _, err := e.eng.SignIn(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	e.issue("employment")
	e.issue("pension")
	if _, err := e.eng.CallNext(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	called := e.seq()
	if _, err := e.eng.Start(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	last := e.seq()
	var types []string
	for _, m := range events(p1.until(last)) {
		if m.str("ticket") != t1.ID {
			t.Fatalf("phone 1 heard %s", m.Raw)
		}
		types = append(types, m.Type)
		if m.Type == "ticket_called" && (m.str("voice_url") != "/api/voice/en/A001/1.wav" || m.str("window_name") != "Window 1") {
			t.Fatalf("phone call: %s", m.Raw)
		}
	}
	if strings.Join(types, ",") != "ticket_called,service_started" {
		t.Fatalf("phone 1 heard %v", types)
	}
	// Phone 2 heard nothing of its own, but its place moved up at the call
	// (its view is sent when it changes: not for the start of another's
	// service).
	msgs := p2.until(called)
	if evs := events(msgs); len(evs) != 0 {
		t.Fatalf("phone 2 heard %s", evs[0].Raw)
	}
	msgs[len(msgs)-1].decode(t, "ticket", &tv)
	if tv.Position != 1 {
		t.Fatalf("phone 2 position %d, want 1", tv.Position)
	}
}

func TestHub_Refused(t *testing.T) {
	e := newHubEnv(t, func(o *display.HubOptions) { o.AllowedOrigins = []string{"https://screens.example"} })
	tk := e.issue("consult")
	origin := func(o string) http.Header { return http.Header{"Origin": {o}} }
	e.refused("client=hall&token=wrong", nil, http.StatusUnauthorized, "unauthorized")
	e.refused("client=hall", nil, http.StatusUnauthorized, "unauthorized")
	e.refused("client=hall&token=demo-kiosk", nil, http.StatusForbidden, "forbidden")
	e.refused("client=agent&token=demo-display", nil, http.StatusForbidden, "forbidden")
	e.refused("client=terminal&window=1&token=demo-display", nil, http.StatusForbidden, "forbidden")
	e.refused("client=hall&token=demo-display", origin("https://evil.example"), http.StatusForbidden, "forbidden")
	e.refused("client=phone", nil, http.StatusBadRequest, "invalid_input")
	e.refused("client=phone&ticket=nope", nil, http.StatusNotFound, "unknown_ticket")
	e.refused("client=phone&ticket="+tk.ID, origin("http://evil.example"), http.StatusForbidden, "forbidden")
	e.refused("client=sofa&token=demo-display", nil, http.StatusBadRequest, "invalid_input")
	e.refused("client=window&window=99&token=demo-display", nil, http.StatusNotFound, "unknown_window")
	e.refused("client=window&token=demo-display", nil, http.StatusBadRequest, "invalid_input")
	e.refused("client=hall&token=demo-display&since=x", nil, http.StatusBadRequest, "invalid_input")

	// Allowed: the request's own host, a listed origin, a bearer header.
	e.mustDial("client=phone&ticket=" + tk.ID).next()
	for _, o := range []string{e.srv.URL, "https://screens.example"} {
		c, _, err := e.dial("client=hall&token=demo-display", origin(o))
		if err != nil {
			t.Fatalf("origin %s: %v", o, err)
		}
		c.next()
	}
	c, _, err := e.dial("client=kiosk", http.Header{"Authorization": {"Bearer demo-kiosk"}})
	if err != nil {
		t.Fatal(err)
	}
	c.next()
}

// TestHub_TerminalOwnWindow: staff open the terminal stream (ticket ids, the
// queue) of the window they are signed in at, and of no other; the director
// opens any.
func TestHub_TerminalOwnWindow(t *testing.T) {
	e := newHubEnv(t)
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	t1001, t1002, director := e.login("1001"), e.login("1002"), e.login("9001")
	e.refused("client=terminal&window=1", bearer(t1001), http.StatusForbidden, "not_signed_in")
	if _, err := e.eng.SignIn(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	e.refused("client=terminal&window=1", bearer(t1002), http.StatusForbidden, "not_signed_in")
	e.refused("client=terminal&window=2", bearer(t1001), http.StatusForbidden, "not_signed_in")
	for _, tok := range []string{t1001, director} {
		c, _, err := e.dial("client=terminal&window=1", bearer(tok))
		if err != nil {
			t.Fatal(err)
		}
		if m := c.next(); m.Type != "snapshot" {
			t.Fatalf("terminal got %s", m.Raw)
		}
	}
	c, _, err := e.dial("client=terminal&window=2", bearer(director))
	if err != nil {
		t.Fatal(err)
	}
	c.next()
}

func TestHub_BadClientMessages(t *testing.T) {
	e := newHubEnv(t)
	good := e.mustDial("client=hall&token=demo-display")
	good.next()
	cases := []struct {
		name string
		typ  int
		msg  []byte
		code int
	}{
		{"not json", websocket.TextMessage, []byte("hello"), websocket.ClosePolicyViolation},
		{"other type", websocket.TextMessage, []byte(`{"type":"call_next"}`), websocket.ClosePolicyViolation},
		{"two objects", websocket.TextMessage, []byte(`{"type":"ping"}{"type":"ping"}`), websocket.ClosePolicyViolation},
		{"binary", websocket.BinaryMessage, []byte(`{"type":"ping"}`), websocket.ClosePolicyViolation},
		{"too big", websocket.TextMessage, append([]byte(`{"type":"ping","x":"`), bytes.Repeat([]byte("x"), 5000)...), websocket.CloseMessageTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.mustDial("client=hall&token=demo-display")
			c.next()
			if err := c.c.WriteMessage(tc.typ, tc.msg); err != nil {
				t.Fatal(err)
			}
			if got := c.closeCode(); got != tc.code {
				t.Fatalf("close code %d, want %d", got, tc.code)
			}
		})
	}
	if err := good.c.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	if m := good.next(); m.Type != "pong" {
		t.Fatalf("ping answered %s", m.Raw)
	}
	e.issue("consult")
	checkRun(t, "good", events(good.until(e.seq())), e.seq()-1, e.seq())
	if s := e.hub.Stats(); s.Refused != uint64(len(cases)) || s.Connections["hall"] != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestHub_SlowClientDropped: a client that stops reading is dropped, while
// twenty others get every event, in order.
func TestHub_SlowClientDropped(t *testing.T) {
	// The slow client's socket buffers little, so that when it stops reading
	// the server's writes to it soon stop too. It connects first.
	e := newHubEnvOn(t, func(ln net.Listener) net.Listener { return &smallFirstListener{Listener: ln} },
		func(o *display.HubOptions) { o.SendBuffer = 64 })
	d := websocket.Dialer{HandshakeTimeout: hubWait, NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(1024)
		}
		return c, err
	}}
	slow, _, err := d.Dial(e.url("client=hall&token=demo-display"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()

	const readers = 20
	type result struct {
		from, to uint64
		err      error
	}
	target := make(chan uint64, readers) // the final seq, once known
	results := make(chan result, readers)
	// read[i] is the last event reader i has read: the issuers keep ahead
	// of the readers by less than their outbox, so that on a loaded
	// machine only the client that does not read falls behind.
	var read [readers]atomic.Uint64
	for i := range readers {
		c := e.mustDial("client=hall&token=demo-display")
		snap := c.next()
		read[i].Store(snap.Seq)
		go func() {
			want, last := snap.Seq+1, uint64(0)
			for {
				_ = c.c.SetReadDeadline(time.Now().Add(hubWait))
				_, b, err := c.c.ReadMessage()
				if err != nil {
					results <- result{err: err}
					return
				}
				typ, seq := peekMsg(b)
				if typ == "state" {
					if last == 0 {
						select {
						case last = <-target:
						default:
						}
					}
					if last != 0 && seq >= last {
						results <- result{from: snap.Seq, to: want - 1}
						return
					}
					continue
				}
				if seq != want {
					results <- result{err: errors.New("event " + strconv.FormatUint(seq, 10) + ", want " + strconv.FormatUint(want, 10))}
					return
				}
				read[i].Store(want)
				want++
			}
		}()
	}
	// behind waits, within hubWait, until every reader has read up to
	// seq less half its outbox.
	behind := func(seq uint64) {
		deadline := time.Now().Add(hubWait)
		for i := range read {
			for read[i].Load()+32 < seq && time.Now().Before(deadline) {
				runtime.Gosched()
			}
		}
	}

	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Until the slow client is dropped: the socket buffers take a
			// while to fill, with states sent only when a view changed.
			for i := 0; i < 25 || i < 2000 && e.hub.Stats().Dropped == 0; i++ {
				svc := []string{"employment", "unemployment", "pension", "medical", "injury", "consult"}[w]
				if _, err := e.eng.IssueTicket(hubCtx, "kiosk-1", queue.IssueRequest{Service: svc}); err != nil {
					t.Error(err)
					return
				}
				behind(e.seq())
			}
		}()
	}
	wg.Wait()
	last := e.seq()
	// Move the hall once more, so that every reader gets a state after it
	// learns the target.
	for range readers {
		target <- last
	}
	e.issue("consult")
	for range readers {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.to < last {
			t.Fatalf("a reader stopped at %d, want %d", r.to, last)
		}
	}
	if s := e.hub.Stats(); s.Dropped != 1 || s.Connections["hall"] != readers {
		t.Fatalf("stats %+v: want the slow client dropped, %d readers left", s, readers)
	}
}

// smallFirstListener gives the first connection it accepts a small send
// buffer.
type smallFirstListener struct {
	net.Listener
	once sync.Once
}

func (l *smallFirstListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		l.once.Do(func() { _ = tc.SetWriteBuffer(4096) })
	}
	return c, err
}

// peekMsg reads the type and seq of a hub message without decoding it all.
func peekMsg(b []byte) (typ string, seq uint64) {
	if i := bytes.Index(b, []byte(`"type":"`)); i >= 0 {
		rest := b[i+8:]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			typ = string(rest[:j])
		}
	}
	if i := bytes.Index(b, []byte(`"seq":`)); i >= 0 {
		rest := b[i+6:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		seq, _ = strconv.ParseUint(string(rest[:j]), 10, 64)
	}
	return typ, seq
}

func TestHub_NoSecrets(t *testing.T) {
	e := newHubEnv(t)
	hall := e.mustDial("client=hall&token=demo-display")
	agent := e.mustDial("client=agent&token=demo-agent")
	hall.next()
	agent.next()
	cfg, err := e.eng.Config(hubCtx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hall.Notice = "新通知"
	cfg.Devices[0].Token = "new-kiosk-token"
	if err := e.eng.ChangeConfig(hubCtx, "9999", cfg); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*hubConn{"hall": hall, "agent": agent} {
		var saw bool
		for _, m := range c.until(e.seq()) {
			for _, secret := range []string{"token_sha256", "password_hash", "$2a$", "new-kiosk-token", "demo-kiosk"} {
				if bytes.Contains(m.Raw, []byte(secret)) {
					t.Fatalf("%s got %q in %.200s", name, secret, m.Raw)
				}
			}
			saw = saw || m.Type == "config_changed"
		}
		if !saw {
			t.Fatalf("%s did not get config_changed", name)
		}
	}
}

func TestHub_Close(t *testing.T) {
	e := newHubEnv(t)
	c := e.mustDial("client=kiosk&token=demo-kiosk")
	c.next()
	e.hub.Close()
	if code := c.closeCode(); code != websocket.CloseGoingAway {
		t.Fatalf("close code %d, want %d", code, websocket.CloseGoingAway)
	}
	e.issue("consult") // Publish after Close does nothing
	e.refused("client=kiosk&token=demo-kiosk", nil, http.StatusServiceUnavailable, "unavailable")
}

// TestHub_StartUnderLoad starts a hub while tickets are being issued: it
// still holds every event, from its history through what it was published,
// and replays them without a gap.
func TestHub_StartUnderLoad(t *testing.T) {
	e := newHubEnv(t)
	var wg sync.WaitGroup
	started := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if i == 5 && w == 0 {
					close(started)
				}
				svc := []string{"employment", "pension", "medical", "consult"}[w]
				if _, err := e.eng.IssueTicket(hubCtx, "kiosk-1", queue.IssueRequest{Service: svc}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	<-started
	a, err := api.New(api.Options{Engine: e.eng, Secret: []byte("hub-test-secret-0123456789"), DemoCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := display.NewHub(display.HubOptions{Engine: e.eng, Authenticate: a.Authenticate})
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.Start(hubCtx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hub)
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	wg.Wait()
	last := e.seq()
	d := websocket.Dialer{HandshakeTimeout: hubWait}
	c, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws?client=agent&token=demo-agent&since=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hc := &hubConn{t: t, c: c}
	checkRun(t, "agent", events(hc.until(last)), 0, last)
}

// TestHub_StateOnlyWhenChanged: a client gets its view's state only when the
// view changed. A call at window 3 changes nothing on window 1's screen, and a
// device's status nothing on the hall screen (which gets the events all the
// same); a call at window 1 changes both.
func TestHub_StateOnlyWhenChanged(t *testing.T) {
	e := newHubEnv(t)
	e.issue("employment")
	e.issue("unemployment")
	for w, staff := range map[int]string{1: "1001", 3: "1003"} {
		if _, err := e.eng.SignIn(hubCtx, staff, w); err != nil {
			t.Fatal(err)
		}
	}
	win := e.mustDial("client=window&window=1&token=demo-display")
	hall := e.mustDial("client=hall&token=demo-display")
	win.next()
	hall.next()

	if _, err := e.eng.CallNext(hubCtx, "1003", 3); err != nil {
		t.Fatal(err)
	}
	var msgs []hubMsg
	msgs = append(msgs, hall.until(e.seq())...)
	if _, err := e.eng.ReportDevice(hubCtx, "agent-1", "printer-1", "paper_out", "", nil); err != nil {
		t.Fatal(err)
	}
	device := e.seq()
	for msgs[len(msgs)-1].Type != "device_status" {
		msgs = append(msgs, hall.next())
	}
	if _, err := e.eng.CallNext(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	last := e.seq()
	msgs = append(msgs, hall.until(last)...)
	for _, m := range msgs {
		if m.Type == "state" && m.Seq == device {
			t.Errorf("the hall screen got a state for a device's status: %s", m.Raw)
		}
	}

	msgs = win.until(last)
	for _, m := range msgs[:len(msgs)-1] {
		if m.Type == "state" {
			t.Errorf("window 1's screen got a state for another window's call: %s", m.Raw)
		}
	}
	var w queue.WindowView
	msgs[len(msgs)-1].decode(t, "window", &w)
	if w.Current == nil || w.Current.Number != "A001" {
		t.Errorf("window 1's screen shows %s", msgs[len(msgs)-1].Raw)
	}

}

// TestHub_Check: GET /ws?…&check=1 without an upgrade answers as the
// handshake would, so that a page whose websocket failed can tell a wrong
// token (401), a token of another kind of device (403) or an unknown window
// (404) from a server that is away: 200 {"ok":true} when the connection would
// be taken, and nothing is opened.
func TestHub_Check(t *testing.T) {
	e := newHubEnv(t)
	for _, c := range []struct {
		query  string
		status int
		code   string
	}{
		{"client=hall&token=wrong&check=1", http.StatusUnauthorized, "unauthorized"},
		{"client=evaluator&window=1&check=1", http.StatusUnauthorized, "unauthorized"},
		{"client=hall&token=demo-kiosk&check=1", http.StatusForbidden, "forbidden"},
		{"client=window&window=99&token=demo-display&check=1", http.StatusNotFound, "unknown_window"},
		{"client=hall&token=demo-display&check=1", http.StatusOK, ""},
		{"client=evaluator&window=1&token=demo-evaluator&check=1", http.StatusOK, ""},
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/ws?"+c.query, nil)
		req.Header.Set("Accept-Language", "en")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			OK    bool
			Error struct{ Code, Message string }
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != c.status || body.Error.Code != c.code || (c.status == 200) != body.OK {
			t.Errorf("%s: %d %+v %v, want %d %q", c.query, resp.StatusCode, body, err, c.status, c.code)
		}
	}
}
