package agent

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// authLog records the Authorization header of every request a server got.
type authLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *authLog) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.seen = append(l.seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (l *authLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// TestVoiceFetch_OwnServerOnly: the agent fetches announcements from its own
// server with its token, and sends nothing to an address elsewhere, given
// outright or by a redirect.
func TestVoiceFetch_OwnServerOnly(t *testing.T) {
	var otherLog, ownLog authLog
	other := httptest.NewServer(otherLog.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("RIFF-other"))
	})))
	t.Cleanup(other.Close)
	own := httptest.NewServer(ownLog.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, other.URL+"/x.wav", http.StatusFound)
			return
		}
		w.Write([]byte("RIFF-own"))
	})))
	t.Cleanup(own.Close)
	cfg, err := ParseConfig(fmt.Sprintf("server = %q\ntoken = \"agent-token-1\"\ndata = %q\n", own.URL, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	v := newVoiceOut(a)
	ctx := context.Background()

	for _, u := range []string{other.URL + "/api/voice/zh-CN/A001/1.wav", "//" + strings.TrimPrefix(other.URL, "http://") + "/x.wav",
		"https://" + strings.TrimPrefix(own.URL, "http://") + "/x.wav", "/away"} {
		if b, err := v.fetch(ctx, u); err == nil {
			t.Errorf("fetched %s: %q", u, b)
		}
	}
	if seen := otherLog.get(); len(seen) != 0 {
		t.Fatalf("the other server was asked: %q", seen)
	}
	for _, u := range []string{"/api/voice/zh-CN/A001/1.wav", own.URL + "/api/voice/zh-CN/A002/1.wav"} {
		if b, err := v.fetch(ctx, u); err != nil || string(b) != "RIFF-own" {
			t.Errorf("own server %s: %q %v", u, b, err)
		}
	}
	for _, s := range ownLog.get() {
		if !strings.HasSuffix(s, " Bearer agent-token-1") {
			t.Errorf("own server request without the token: %q", s)
		}
	}
}

func TestAgentConfig_CAFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	cfg, err := ParseConfig(fmt.Sprintf("server = \"http://127.0.0.1:1\"\ntoken = \"agent-token-1\"\nca_file = %q\n", bad))
	if err == nil || !strings.Contains(err.Error(), "only for an https:// server") {
		t.Fatalf("ca_file with http://: %v", err)
	}
	cfg, err = ParseConfig(fmt.Sprintf("server = \"https://127.0.0.1:1\"\ntoken = \"agent-token-1\"\nca_file = %q\ndata = %q\n", bad, dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("ca_file without a certificate: %v", err)
	}
}
