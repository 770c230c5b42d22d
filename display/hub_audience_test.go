package display_test

import (
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"qcall/display"
	"qcall/internal/fieldfill"
	"qcall/queue"
)

// bearerOf is the header that sends a session token.
func bearerOf(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// readEvents reads c's messages until the event at seq and returns the
// events among them (no snapshot, state or pong).
func (c *hubConn) readEvents(seq uint64) []hubMsg {
	c.t.Helper()
	var out []hubMsg
	for {
		m := c.next()
		switch m.Type {
		case "snapshot", "state", "pong":
			continue
		}
		out = append(out, m)
		if m.Seq >= seq {
			return out
		}
	}
}

// TestHub_PublicAllowlist: a public client (hall screen, kiosk, window
// screen) gets of each event only the fields that queue allowlists beside
// its type. Every declared event type, with every field set by reflection,
// goes through the hub as the engine hands it events (Publish) and out
// through real websockets; an event of a type with no declared audience
// reaches no public client at all, nor does an event of the office's
// registers, and the agent gets everything.
func TestHub_PublicAllowlist(t *testing.T) {
	// The read model refuses the made-up events (no such tickets): quietly.
	e := newHubEnv(t, func(o *display.HubOptions) { o.Logger = slog.New(slog.DiscardHandler) })
	hall := e.mustDial("client=hall&token=demo-display")
	kiosk := e.mustDial("client=kiosk&token=demo-kiosk")
	screen := e.mustDial("client=window&window=1&token=demo-display")
	agent := e.mustDial("client=agent&token=demo-agent")
	for _, c := range []*hubConn{hall, kiosk, screen, agent} {
		c.next()
	}
	const undeclared = queue.EventType("complaint_filed")
	types := queue.EventTypes()
	types = slices.Insert(types, len(types)/2, undeclared)
	seq := e.seq()
	var evs []queue.Event
	for _, typ := range types {
		var ev queue.Event
		if err := fieldfill.Fill(&ev); err != nil {
			t.Fatal(err)
		}
		seq++
		ev.Seq, ev.Type = seq, typ
		ev.Window, ev.ToWindow = 1, 2 // a window the screen may open
		// A configuration the hub can work with (the hall's, with its secrets).
		ev.Config = queue.Demo()
		evs = append(evs, ev)
	}
	e.hub.Publish(evs)

	extras := map[string]bool{"window_name": true, "voice_url": true} // what the hub adds to a call
	for name, c := range map[string]*hubConn{"hall": hall, "kiosk": kiosk, "window screen": screen} {
		got := c.readEvents(seq)
		var seen []queue.EventType
		for _, m := range got {
			typ := queue.EventType(m.Type)
			seen = append(seen, typ)
			var keys []string
			for k := range m.F {
				if !extras[k] {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			want := slices.Sorted(slices.Values(queue.PublicFields(typ)))
			if !slices.Equal(keys, want) {
				t.Errorf("%s got %s with fields %v, want %v: %s", name, typ, keys, want, m.Raw)
			}
			call := typ == queue.EvTicketCalled || typ == queue.EvTicketRecalled
			if call != m.has("voice_url") {
				t.Errorf("%s: %s voice_url %v", name, typ, m.has("voice_url"))
			}
		}
		// The office's registers (complaints, home service, spot checks),
		// the follow-ups: hidden types, not even their envelope.
		want := slices.DeleteFunc(queue.EventTypes(), queue.Hidden)
		if !slices.Equal(seen, want) {
			t.Errorf("%s got the types %v, want %v (never %s, nor a hidden type)", name, seen, want, undeclared)
		}
	}
	var agentTypes []queue.EventType
	for _, m := range agent.readEvents(seq) {
		agentTypes = append(agentTypes, queue.EventType(m.Type))
		if !m.has("ticket") || m.has("id_hash") {
			t.Errorf("agent got %s", m.Raw)
		}
	}
	if !slices.Equal(agentTypes, types) {
		t.Errorf("agent got %v, want every type %v", agentTypes, types)
	}
}

// TestHub_Director: the duty director's console is a client of its own: its
// snapshot and states carry the hall and what waits for the director
// (pending, as GET /api/pending), so the page renders what the server pushes;
// it hears the events of the director's business in full, not the
// ticket-by-ticket traffic. Only a director or an admin opens it.
func TestHub_Director(t *testing.T) {
	e := newHubEnv(t)
	e.refused("client=director", bearerOf(e.login("1001")), http.StatusForbidden, "forbidden")
	e.refused("client=director&token=demo-display", nil, http.StatusForbidden, "forbidden")
	dir, _, err := e.dial("client=director", bearerOf(e.login("9001")))
	if err != nil {
		t.Fatal(err)
	}
	snap := dir.next()
	var body struct {
		Hall    queue.HallView
		Pending queue.Pending
	}
	snap.decode(t, "hall", &body.Hall)
	snap.decode(t, "pending", &body.Pending)
	if snap.Type != "snapshot" || len(body.Hall.Windows) != 10 || body.Pending.Express == nil || len(body.Pending.Express) != 0 {
		t.Fatalf("director snapshot: %s", snap.Raw)
	}
	if _, err := e.eng.SignIn(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	tk := e.issue("employment")
	if _, err := e.eng.CallNext(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	x, err := e.eng.RequestExpress(hubCtx, "1001", 1, "", "年老体弱")
	if err != nil {
		t.Fatal(err)
	}
	msgs := dir.until(e.seq())
	var types []string
	for _, m := range events(msgs) {
		types = append(types, m.Type)
		if m.Type == "express_requested" && (m.str("ticket") != tk.ID || m.str("express") != x.ID || m.str("reason") != "年老体弱") {
			t.Errorf("director got the request without its details: %s", m.Raw)
		}
	}
	if !slices.Equal(types, []string{"express_requested"}) {
		t.Errorf("director heard %v, want only express_requested", types)
	}
	last := msgs[len(msgs)-1]
	last.decode(t, "pending", &body.Pending)
	if len(body.Pending.Express) != 1 || body.Pending.Express[0].ID != x.ID {
		t.Fatalf("director's pending after the request: %s", last.Raw)
	}
	if _, err := e.eng.ApproveExpress(hubCtx, "9001", x.ID); err != nil {
		t.Fatal(err)
	}
	msgs = dir.until(e.seq())
	msgs[len(msgs)-1].decode(t, "pending", &body.Pending)
	if len(body.Pending.Express) != 0 {
		t.Fatalf("the request still pending after its approval: %s", msgs[len(msgs)-1].Raw)
	}
}

// TestHub_CoverToBPosts: when an A-post holder goes away, the B-post holders'
// terminals are told, at whichever window they are signed in (AB岗).
func TestHub_CoverToBPosts(t *testing.T) {
	e := newHubEnv(t)
	for jobNo, w := range map[string]int{"1001": 1, "1002": 2, "1003": 3} {
		if _, err := e.eng.SignIn(hubCtx, jobNo, w); err != nil {
			t.Fatal(err)
		}
	}
	t2, _, err := e.dial("client=terminal&window=2", bearerOf(e.login("1002")))
	if err != nil {
		t.Fatal(err)
	}
	t3, _, err := e.dial("client=terminal&window=3", bearerOf(e.login("1003")))
	if err != nil {
		t.Fatal(err)
	}
	t2.next()
	t3.next()
	if _, err := e.eng.SetWhereabouts(hubCtx, "1001", queue.Break, ""); err != nil {
		t.Fatal(err)
	}
	got := t2.readEvents(e.seq())
	if m := got[len(got)-1]; m.Type != "cover_needed" || m.num("window") != 1 {
		t.Fatalf("window 2's terminal (1002, B-post of window 1) was not asked to cover window 1: %s", m.Raw)
	}
	// A ticket for window 3 moves its terminal's queue: a state to wait for.
	e.issue("unemployment")
	for _, m := range events(t3.until(e.seq())) {
		t.Errorf("window 3's terminal (1003, no post at window 1) got %s", m.Raw)
	}
}

// TestHub_CoverOnSignOut: an A-post holder's sign-out (签退) asks the
// window's B-post holders to cover: the terminal of one signed in at another
// window hears it, so does one on the window list (client=staff, signed in
// nowhere), and the director's console; a staff member without that B-post
// hears nothing. When the post is covered, the B-post holders hear that too.
func TestHub_CoverOnSignOut(t *testing.T) {
	e := newHubEnv(t)
	for jobNo, w := range map[string]int{"1001": 1, "1002": 2} {
		if _, err := e.eng.SignIn(hubCtx, jobNo, w); err != nil {
			t.Fatal(err)
		}
	}
	e.refused("client=staff&token=demo-display", nil, http.StatusForbidden, "forbidden")
	t2, _, err := e.dial("client=terminal&window=2", bearerOf(e.login("1002"))) // B-post of window 1
	if err != nil {
		t.Fatal(err)
	}
	list11, _, err := e.dial("client=staff", bearerOf(e.login("1011"))) // B-post of window 1, at no window
	if err != nil {
		t.Fatal(err)
	}
	list03, _, err := e.dial("client=staff", bearerOf(e.login("1003"))) // no post at window 1
	if err != nil {
		t.Fatal(err)
	}
	dir, _, err := e.dial("client=director", bearerOf(e.login("9001")))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*hubConn{t2, list11, list03, dir} {
		if m := c.next(); m.Type != "snapshot" {
			t.Fatalf("first message %s", m.Raw)
		}
	}
	if _, err := e.eng.SignOut(hubCtx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	seq := e.seq()
	for who, c := range map[string]*hubConn{"window 2's terminal (1002)": t2, "1011 on the window list": list11, "the director": dir} {
		got := c.readEvents(seq)
		if m := got[len(got)-1]; m.Type != "cover_needed" || m.num("window") != 1 || m.str("staff") != "1001" || m.str("status") != "signed_out" {
			t.Fatalf("%s was not asked to cover window 1: %s", who, m.Raw)
		}
	}
	for _, m := range events(list03.until(seq)) {
		t.Errorf("1003 (no post at window 1) got %s", m.Raw)
	}
	if _, err := e.eng.SignIn(hubCtx, "1011", 1); err != nil {
		t.Fatal(err)
	}
	seq = e.seq()
	if got := t2.readEvents(seq); got[len(got)-1].Type != "post_covered" || got[len(got)-1].str("staff") != "1011" {
		t.Fatalf("window 2's terminal did not hear window 1 covered: %s", got[len(got)-1].Raw)
	}
	for _, m := range events(list03.until(seq)) {
		t.Errorf("1003 (no post at window 1) got %s", m.Raw)
	}
}
