package display

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"qcall/queue"
)

// TestHub_TerminalRebuiltOnlyWhenMoved: a round of views builds a counter
// terminal's view again only when what it shows may have moved. A ticket
// issued for employment is in window 1's state; window 4 (pension) is not
// built again. A pension ticket reaches window 4; a sign-in (an event of no
// one ticket) builds both again.
func TestHub_TerminalRebuiltOnlyWhenMoved(t *testing.T) {
	h := newTestHall(t, queue.Demo())
	hub, srv := serveHub(t, HubOptions{Engine: h.eng, ViewInterval: 5 * time.Millisecond,
		Authenticate: func(*http.Request) (queue.Role, string, error) { return queue.RoleDirector, "director", nil }})
	ctx := context.Background()
	dial := func(window int) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws?client=terminal&window="+strconv.Itoa(window), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	type msg struct {
		Type  string
		Seq   uint64
		Queue []queue.TicketView
	}
	// until reads c until the state (or snapshot) at seq or later, and
	// returns its queue's numbers.
	until := func(c *websocket.Conn, seq uint64) []string {
		t.Helper()
		for {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			var m msg
			if err := c.ReadJSON(&m); err != nil {
				t.Fatal(err)
			}
			if (m.Type == "state" || m.Type == "snapshot") && m.Seq >= seq {
				var nums []string
				for _, v := range m.Queue {
					nums = append(nums, v.Number)
				}
				return nums
			}
		}
	}
	builds := func(window int) uint64 {
		hub.mu.Lock()
		defer hub.mu.Unlock()
		return hub.keys[stateKey{view: viewTerminal, window: window}].builds
	}
	t1, t4 := dial(1), dial(4)
	until(t1, 0)
	until(t4, 0)
	b1, b4 := builds(1), builds(4)

	emp, err := h.eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment"})
	if err != nil {
		t.Fatal(err)
	}
	if q := until(t1, h.seq()); !slices.Contains(q, emp.Number) {
		t.Fatalf("window 1's queue %v lacks %s", q, emp.Number)
	}
	if got := builds(1); got <= b1 {
		t.Fatalf("window 1 built %d times, before the ticket %d", got, b1)
	}
	if got := builds(4); got != b4 {
		t.Fatalf("window 4 (pension) built again for an employment ticket: %d builds, was %d", got, b4)
	}

	pen, err := h.eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "pension"})
	if err != nil {
		t.Fatal(err)
	}
	if q := until(t4, h.seq()); !slices.Contains(q, pen.Number) {
		t.Fatalf("window 4's queue %v lacks %s", q, pen.Number)
	}
	b1, b4 = builds(1), builds(4)

	if _, err := h.eng.SignIn(ctx, "1002", 2); err != nil {
		t.Fatal(err)
	}
	// Neither view changes (no ticket is behind another), but an event of
	// no one ticket may move any: both are built again.
	deadline := time.Now().Add(10 * time.Second)
	for builds(1) <= b1 || builds(4) <= b4 {
		if time.Now().After(deadline) {
			t.Fatalf("not built after a sign-in: window 1 %d builds (was %d), window 4 %d (was %d)", builds(1), b1, builds(4), b4)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAppendTerminal: a terminal's view is encoded to the very bytes
// encoding/json gives, with every field of its rows set, characters
// encoding/json escapes included, and with an empty queue.
func TestAppendTerminal(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 123000000, time.FixedZone("CST", 8*3600))
	row := queue.TicketView{ID: "t<1>", Number: "A&001", Service: "employment", State: "waiting", Position: 3, Ahead: 2,
		EstWaitS: 600, IssuedAt: at, Window: 1, WindowName: "1号窗口\u2028", ForWindow: 2, ForWindowName: "Window \"2\"",
		Calls: 1, Express: true, Return: true, Priority: "elderly", Slip: "s\\1", Rating: 5}
	cur := row
	w := queue.WindowView{ID: 1, Name: "1号窗口", ServicesA: []string{"employment"}, ServicesB: []string{}, BackupActive: []string{},
		Staff: &queue.StaffView{JobNo: "1001", Name: "张三"}, Current: &cur, State: "serving"}
	for _, q := range [][]queue.TicketView{{}, {row}, {row, {ID: "t2", Number: "A002", Service: "employment", State: "waiting", Position: 4, Ahead: 3, IssuedAt: at.UTC()}}} {
		b := hubWindowBody{Window: w, Queue: q}
		want, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		enc, same := encodeView(b)
		if !bytes.Equal(enc, want) || !bytes.Equal(same, want) {
			t.Fatalf("terminal view:\n got %s\nwant %s", enc, want)
		}
	}
}

// BenchmarkHub_TerminalViews measures the hub's part of a round of views
// for ten counter terminals with 600 tickets waiting: an op builds and
// encodes the ten views from the read model, as a round does when every
// window's queue moved. encoding=json is the same with encoding/json.
func BenchmarkHub_TerminalViews(b *testing.B) {
	h := newTestHall(b, queue.Demo())
	ctx := context.Background()
	services := []string{"employment", "unemployment", "pension", "medical", "injury", "consult"}
	for i := range 600 {
		if _, err := h.eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: services[i%len(services)]}); err != nil {
			b.Fatal(err)
		}
	}
	m, err := h.eng.NewReadModel(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, enc := range []string{"hub", "json"} {
		b.Run("encoding="+enc, func(b *testing.B) {
			n := 0
			for b.Loop() {
				for w := 1; w <= 10; w++ {
					body, _ := buildView(m, stateKey{view: viewTerminal, window: w}, nil, time.Time{})
					if enc == "hub" {
						e, _ := encodeView(body)
						n += len(e)
					} else {
						n += len(mustJSON(body))
					}
				}
			}
			b.ReportMetric(float64(n)/float64(b.N), "B/op-sent")
		})
	}
}
