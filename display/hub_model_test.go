package display

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"qcall/display/api"
	"qcall/queue"
)

// TestHub_ViewsOffEngine: the hub builds its views from its own read model,
// never on the engine's goroutine. While the hub is held in the middle of
// building views (its read model locked), the engine still answers issue and
// call-next at once; once let go, the hall screen gets the view with both.
func TestHub_ViewsOffEngine(t *testing.T) {
	eng := newTestHall(t, queue.Demo()).eng
	a, err := api.New(api.Options{Engine: eng, Secret: []byte("hub-test-secret-0123456789"), DemoCredentials: true})
	if err != nil {
		t.Fatal(err)
	}
	hub, srv := serveHub(t, HubOptions{Engine: eng, Authenticate: a.Authenticate})
	ctx := context.Background()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws?client=hall&token=demo-display", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	read := func() (typ string, seq uint64, hall *queue.HallView) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m struct {
			Type string
			Seq  uint64
			Hall *queue.HallView
		}
		if err := c.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		return m.Type, m.Seq, m.Hall
	}
	if typ, _, _ := read(); typ != "snapshot" {
		t.Fatalf("first message %s", typ)
	}

	hub.viewMu.Lock() // the hub is busy building views
	locked := true
	defer func() {
		if locked {
			hub.viewMu.Unlock()
		}
	}()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := eng.SignIn(tctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.IssueTicket(tctx, "kiosk-1", queue.IssueRequest{Service: "employment"}); err != nil {
		t.Fatalf("issue while the hub builds views: %v", err)
	}
	tv, err := eng.CallNext(tctx, "1001", 1)
	if err != nil {
		t.Fatalf("call-next while the hub builds views: %v", err)
	}
	last, err := eng.Seq(tctx)
	if err != nil {
		t.Fatal(err)
	}
	hub.viewMu.Unlock()
	locked = false

	for {
		typ, seq, hall := read()
		if typ != "state" || seq < last {
			continue
		}
		b, _ := json.Marshal(hall.Windows[0].Current)
		if hall.Windows[0].Current == nil || hall.Windows[0].Current.Number != tv.Number {
			t.Fatalf("window 1 shows %s, want %s", b, tv.Number)
		}
		return
	}
}
