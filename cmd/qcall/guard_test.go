package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"qcall/internal/servetest"
)

// TestServe_LoopbackHosts: the demo hall on loopback answers only to loopback
// names and --allowed-hosts, so that a page elsewhere cannot rebind its name
// to it; its websocket too. Photos that are not images are not served.
func TestServe_LoopbackHosts(t *testing.T) {
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = "127.0.0.1:0", t.TempDir(), io.Discard
	m.AllowedHosts = []string{"qcall.hall.example"}
	os.MkdirAll(filepath.Join(m.DataDir, "photos"), 0o700)
	os.WriteFile(filepath.Join(m.DataDir, "photos", "1001.html"), []byte("<script>alert(1)</script>"), 0o600)
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	get := func(path, host string) (int, string) {
		t.Helper()
		resp, b := servetest.Get(t, m.URL+path, host)
		return resp.StatusCode, string(b)
	}
	for _, host := range []string{"localhost:8080", strings.TrimPrefix(m.URL, "http://"), "qcall.hall.example"} {
		if code, b := get("/api/hall", host); code != 200 {
			t.Errorf("Host %s: %d %.100s", host, code, b)
		}
	}
	for _, path := range []string{"/api/hall", "/hall.html", "/api/voice/zh-CN/A001/1.wav"} {
		if code, b := get(path, "rebind.example:8080"); code != 403 || !strings.Contains(b, "host_not_allowed") {
			t.Errorf("%s by a rebound name: %d %.100s", path, code, b)
		}
	}
	// A rebound page's websocket: its Origin and Host agree, so only the
	// host check stops it.
	h := http.Header{"Origin": {"http://rebind.example:8080"}, "Host": {"rebind.example:8080"}}
	u := "ws" + strings.TrimPrefix(m.URL, "http") + "/ws?client=hall&token=demo-display"
	conn, resp, err := websocket.DefaultDialer.Dial(u, h)
	if err == nil {
		conn.Close()
		t.Error("a websocket by a rebound name was opened")
	} else if resp == nil || resp.StatusCode != 403 {
		t.Errorf("a websocket by a rebound name: %v %v", err, resp)
	}
	if code, _ := get("/photos/1001.html", "localhost"); code != 404 {
		t.Errorf("an HTML photo: %d, want 404", code)
	}
}
