package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"qcall/queue"
)

// cheapHall is a real hall whose staff passwords ("pw") are hashed at cost,
// so that the login tests do not spend their time in bcrypt.
func cheapHall(t *testing.T, cost int) *queue.Config {
	t.Helper()
	cfg := queue.Demo()
	cfg.Demo = false
	h, err := bcrypt.GenerateFromPassword([]byte("pw"), cost)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Staff {
		cfg.Staff[i].PasswordHash = string(h)
	}
	return cfg
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func withLog(buf *syncBuffer) apiHallOption {
	return func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(buf, nil)) }
}

// loginFrom logs in from the loopback address src.
func (h *apiTestHall) loginFrom(src, jobNo, password string) apiReply {
	h.t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	b, _ := json.Marshal(map[string]string{"job_no": jobNo, "password": password})
	resp, err := hc.Post(h.url+"/api/login", "application/json", bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return apiReply{status: resp.StatusCode, header: resp.Header, body: body}
}

func TestAPI_LoginThrottle(t *testing.T) {
	var logs syncBuffer
	h := newAPITestHall(t, cheapHall(t, bcrypt.MinCost), withLog(&logs))
	var t0 = t
	want := func(r apiReply, status int, code string) {
		t := t0
		t.Helper()
		if r.status != status || r.code() != code {
			t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, code)
		}
	}

	t.Run("per job number", func(t *testing.T) {
		t0 = t
		for range loginJobFree {
			want(h.loginFrom("127.0.0.2", "1001", "wrong"), 401, "bad_credentials")
		}
		// Locked: the right password waits too, and so does another address.
		r := h.loginFrom("127.0.0.2", "1001", "pw")
		want(r, 429, "rate_limited")
		if ra := r.header.Get("Retry-After"); ra != "30" {
			t.Errorf("Retry-After %q, want 30", ra)
		}
		want(h.loginFrom("127.0.0.3", "1001", "pw"), 429, "rate_limited")
		want(h.loginFrom("127.0.0.2", "1002", "pw"), 200, "") // another job number is not locked
		h.clock.Add(30 * time.Second)
		want(h.loginFrom("127.0.0.2", "1001", "wrong"), 401, "bad_credentials")
		if ra := h.loginFrom("127.0.0.2", "1001", "pw").header.Get("Retry-After"); ra != "60" {
			t.Errorf("second lock: Retry-After %q, want 60 (doubled)", ra)
		}
		h.clock.Add(time.Minute)
		want(h.loginFrom("127.0.0.2", "1001", "pw"), 200, "")
		// The success cleared the count: a wrong password is one again.
		want(h.loginFrom("127.0.0.2", "1001", "wrong"), 401, "bad_credentials")
		want(h.loginFrom("127.0.0.2", "1001", "pw"), 200, "")
	})

	t.Run("per address", func(t *testing.T) {
		t0 = t
		for i := range loginAddrFree {
			want(h.loginFrom("127.0.0.4", strconv.Itoa(5000+i), "guess"), 401, "bad_credentials")
		}
		want(h.loginFrom("127.0.0.4", "1003", "pw"), 429, "rate_limited")
		want(h.loginFrom("127.0.0.5", "1003", "pw"), 200, "")
		h.clock.Add(loginLockBase)
		want(h.loginFrom("127.0.0.4", "1003", "pw"), 200, "")
	})

	t.Run("failures are logged", func(t *testing.T) {
		out := logs.String()
		for _, s := range []string{`msg="display: login failed" job_no=1001 known=true addr=127.0.0.2/32`,
			`msg="display: login failed" job_no=5000 known=false addr=127.0.0.4/32`,
			`msg="display: login refused: too many failures" job_no=1001`} {
			if !strings.Contains(out, s) {
				t.Errorf("log has no %s:\n%s", s, out)
			}
		}
		if strings.Contains(out, "wrong") || strings.Contains(out, "guess") {
			t.Error("a password was logged")
		}
	})
}

func TestAPI_LoginDummyCost(t *testing.T) {
	// An unknown job number is compared against a hash of the staff's cost:
	// the demo's (10), and a real hall's (here 5).
	for _, cost := range []int{5, 10} {
		cfg := queue.Demo()
		if cost != 10 {
			cfg = cheapHall(t, cost)
		}
		g := newLoginGuard()
		d := g.dummy(cfg)
		if got, err := bcrypt.Cost(d); err != nil || got != cost {
			t.Errorf("staff at cost %d: dummy cost %d (%v)", cost, got, err)
		}
		if bcrypt.CompareHashAndPassword(d, []byte("demo")) == nil || bcrypt.CompareHashAndPassword(d, []byte("pw")) == nil {
			t.Error("the dummy hash takes a staff password")
		}
		if !bytes.Equal(g.dummy(cfg), d) {
			t.Error("the dummy hash was made again")
		}
	}
}

func TestAPI_LoginPool(t *testing.T) {
	h := newAPITestHall(t, cheapHall(t, bcrypt.MinCost))
	if n := cap(h.api.logins.slots); n < 1 || n > max(1, numCPU()/2) {
		t.Errorf("%d bcrypt slots on %d CPUs", n, numCPU())
	}
	// Every slot busy and every place in the queue taken: a login is refused
	// at once, and a kiosk's ticket does not wait for bcrypt.
	h.api.logins = newLoginGuardN(1, 1)
	h.api.logins.slots <- struct{}{}
	h.api.logins.queue <- struct{}{}
	r := h.do("POST", "/api/login", "", map[string]string{"job_no": "1001", "password": "pw"})
	if r.status != 429 || r.code() != "rate_limited" || r.header.Get("Retry-After") != "1" {
		t.Errorf("login with the pool full: %d %s %v", r.status, r.body, r.header)
	}
	h.issue("employment")
	// A login waiting for a slot gets it once one is free.
	<-h.api.logins.queue
	done := make(chan apiReply, 1)
	go func() { done <- h.do("POST", "/api/login", "", map[string]string{"job_no": "1001", "password": "pw"}) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(h.api.logins.queue) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the login did not queue")
		}
		time.Sleep(time.Millisecond)
	}
	<-h.api.logins.slots
	if r := <-done; r.status != 200 {
		t.Errorf("queued login: %d %s", r.status, r.body)
	}
}

func TestAPI_LogoutRevokes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions-revoked")
	open := func(t *testing.T) *Revocations {
		r, err := OpenRevocations(path, apiMonday9)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	first := open(t)
	h := newAPITestHall(t, cheapHall(t, bcrypt.MinCost), func(o *Options) { o.Revocations = first })
	login := func() string {
		var out struct{ Token string }
		h.ok("POST", "/api/login", "", map[string]string{"job_no": "1001", "password": "pw"}, &out, http.StatusOK)
		return out.Token
	}

	bearer := login()
	h.tokens["bearer"] = bearer
	h.ok("GET", "/api/me", "bearer", nil, nil, http.StatusOK)
	h.ok("POST", "/api/logout", "bearer", `{}`, nil, http.StatusOK)
	h.refused("GET", "/api/me", "bearer", nil, http.StatusUnauthorized, "unauthorized")

	h.clock.Add(time.Second) // another token
	cookie := login()
	if cookie == bearer {
		t.Fatal("same token twice")
	}
	h.tokens["cookie"] = cookie
	if r := h.do("POST", "/api/logout", "", `{}`, "Cookie", SessionCookie+"="+cookie); r.status != 200 {
		t.Fatalf("logout by cookie: %d %s", r.status, r.body)
	}
	h.refused("GET", "/api/me", "cookie", nil, http.StatusUnauthorized, "unauthorized")
	if r := h.do("GET", "/api/me", "", nil, "Cookie", SessionCookie+"="+cookie); r.status != 401 {
		t.Errorf("revoked cookie: %d", r.status)
	}
	h.ok("GET", "/api/me", "staff", nil, nil, http.StatusOK) // other sessions live on

	// After a restart (the same secret, the file read again) the logged-out
	// tokens stay refused.
	first.Close()
	second := open(t)
	b := newAPITestHall(t, cheapHall(t, bcrypt.MinCost), func(o *Options) { o.Revocations = second })
	b.tokens["bearer"], b.tokens["cookie"], b.tokens["live"] = bearer, cookie, h.tokens["staff"]
	b.refused("GET", "/api/me", "bearer", nil, http.StatusUnauthorized, "unauthorized")
	b.refused("GET", "/api/me", "cookie", nil, http.StatusUnauthorized, "unauthorized")
	b.ok("GET", "/api/me", "live", nil, nil, http.StatusOK)

	// Expired revocations are dropped when the file is read.
	second.Close()
	later, err := OpenRevocations(path, apiMonday9.Add(SessionTTL+time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	if later.Revoked(sessionID(bearer)) || len(later.m) != 0 {
		t.Errorf("expired revocations kept: %v", later.m)
	}
}

func numCPU() int { return runtime.GOMAXPROCS(0) }

func TestAPI_SessionFirstForm(t *testing.T) {
	// A token made before the nonce ("1|job|expiry") is still taken.
	h := newAPITestHall(t, queue.Demo())
	payload := "1|9001|" + strconv.FormatInt(apiMonday9.Add(time.Hour).Unix(), 10)
	h.tokens["v1"] = sessionB64.EncodeToString([]byte(payload)) + "." + sessionB64.EncodeToString(h.api.mac(payload))
	h.ok("GET", "/api/pending", "v1", nil, nil, http.StatusOK)
	h.tokens["v1-extra"] = sessionB64.EncodeToString([]byte(payload+"|x")) + "." + sessionB64.EncodeToString(h.api.mac(payload+"|x"))
	h.refused("GET", "/api/pending", "v1-extra", nil, http.StatusUnauthorized, "unauthorized")
}
