package guard

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// guardServer serves h on a real server on 127.0.0.1.
func guardServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func guardGet(t *testing.T, url, host string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestLoopbackHosts(t *testing.T) {
	extra := []string{"hall.example:8443"}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	base := guardServer(t, LoopbackHosts(ok, func() []string { return extra }))
	for _, host := range []string{"", "localhost", "localhost:8080", "LOCALHOST.", "screens.localhost:1", "127.0.0.1:8080",
		"127.1.2.3", "[::1]:8080", "hall.example", "HALL.example:80"} {
		if resp, b := guardGet(t, base+"/api/hall", host); resp.StatusCode != 200 || string(b) != "ok" {
			t.Errorf("Host %q: %d %s", host, resp.StatusCode, b)
		}
	}
	for _, host := range []string{"rebind.example", "rebind.example:8080", "localhost.rebind.example", "10.0.0.1",
		"[::2]:80", "127.0.0.1.nip.io"} {
		resp, b := guardGet(t, base+"/api/hall", host)
		if resp.StatusCode != 403 || !strings.Contains(string(b), `"host_not_allowed"`) {
			t.Errorf("Host %q: %d %s, want 403 host_not_allowed", host, resp.StatusCode, b)
		}
	}
}
