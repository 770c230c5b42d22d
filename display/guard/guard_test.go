package guard

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"qcall/internal/servetest"
)

func TestLoopbackHosts(t *testing.T) {
	extra := []string{"hall.example:8443"}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	base := servetest.Serve(t, LoopbackHosts(ok, func() []string { return extra }))
	for _, host := range []string{"", "localhost", "localhost:8080", "LOCALHOST.", "screens.localhost:1", "127.0.0.1:8080",
		"127.1.2.3", "[::1]:8080", "hall.example", "HALL.example:80"} {
		if resp, b := servetest.Get(t, base+"/api/hall", host); resp.StatusCode != 200 || string(b) != "ok" {
			t.Errorf("Host %q: %d %s", host, resp.StatusCode, b)
		}
	}
	for _, host := range []string{"rebind.example", "rebind.example:8080", "localhost.rebind.example", "10.0.0.1",
		"[::2]:80", "127.0.0.1.nip.io"} {
		resp, b := servetest.Get(t, base+"/api/hall", host)
		if resp.StatusCode != 403 || !strings.Contains(string(b), `"host_not_allowed"`) {
			t.Errorf("Host %q: %d %s, want 403 host_not_allowed", host, resp.StatusCode, b)
		}
	}
}
