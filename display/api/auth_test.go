package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"qcall/queue"
)

func TestAPI_Login(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())

	t.Run("password", func(t *testing.T) {
		h.t = t
		h.refused("POST", "/api/login", "", map[string]string{"job_no": "1001", "password": "wrong"}, http.StatusUnauthorized, "bad_credentials")
		h.refused("POST", "/api/login", "", map[string]string{"job_no": "4242", "password": "demo"}, http.StatusUnauthorized, "bad_credentials")
	})

	h.t = t
	r := h.ok("POST", "/api/login", "", map[string]string{"job_no": "1001", "password": "demo"}, nil, http.StatusOK)
	resp := &http.Response{Header: r.header}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.MaxAge != 12*3600 {
		t.Fatalf("session cookie %+v", session)
	}
	cookie := "qcall_session=" + session.Value

	t.Run("cookie", func(t *testing.T) {
		h.t = t
		r := h.do("GET", "/api/me", "", nil, "Cookie", cookie)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"actor":"1001"`) || !strings.Contains(string(r.body), `"role":"staff"`) {
			t.Errorf("me by cookie: %d %s", r.status, r.body)
		}
		r = h.do("POST", "/api/windows/1/signin", "", `{}`, "Cookie", cookie, "Origin", h.url, "Sec-Fetch-Site", "same-origin")
		if r.status != http.StatusOK {
			t.Errorf("same-origin POST by cookie: %d %s", r.status, r.body)
		}
		r = h.do("POST", "/api/windows/1/signout", "", `{}`, "Cookie", cookie, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if r.status != http.StatusForbidden || r.code() != "forbidden" {
			t.Errorf("cross-site POST by cookie: %d %s, want 403 forbidden", r.status, r.body)
		}
		r = h.do("POST", "/api/logout", "", `{}`, "Cookie", cookie)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Set-Cookie"), "qcall_session=;") || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("logout: %d, Set-Cookie %q", r.status, r.header.Get("Set-Cookie"))
		}
	})

	t.Run("tokens", func(t *testing.T) {
		h.t = t
		tok := h.tokens["staff"]
		h.tokens["tampered"] = tok[:len(tok)-2] + "AA"
		h.tokens["junk"] = "not-a-token"
		h.refused("GET", "/api/me", "tampered", nil, http.StatusUnauthorized, "unauthorized")
		h.refused("GET", "/api/me", "junk", nil, http.StatusUnauthorized, "unauthorized")
		h.refused("GET", "/api/me?token="+tok, "", nil, http.StatusUnauthorized, "unauthorized") // sessions go in the header or cookie
		r := h.do("GET", "/api/me", "", nil, "Authorization", "Basic MTAwMTpkZW1v")
		if r.status != http.StatusUnauthorized {
			t.Errorf("basic auth: %d", r.status)
		}
		var me map[string]any
		h.ok("GET", "/api/me?token=demo-kiosk", "", nil, &me, http.StatusOK)
		if me["role"] != "kiosk" || me["actor"] != "kiosk-1" {
			t.Errorf("me as a device by query: %v", me)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		h.t = t
		h.ok("GET", "/api/me", "director", nil, nil, http.StatusOK)
		h.clock.Add(SessionTTL)
		h.refused("GET", "/api/me", "director", nil, http.StatusUnauthorized, "unauthorized")
		h.ok("GET", "/api/me", "kiosk", nil, nil, http.StatusOK) // device tokens do not expire
		h.clock.Add(-SessionTTL)
	})

	t.Run("role read from the configuration", func(t *testing.T) {
		h.t = t
		cfg := queue.Demo()
		cfg.Staff = cfg.Staff[1:]              // 1001 leaves
		cfg.Staff[1].Role = queue.RoleDirector // 1003 becomes a director
		if err := h.eng.ChangeConfig(context.Background(), "9999", cfg); err != nil {
			t.Fatal(err)
		}
		h.refused("GET", "/api/me", "staff", nil, http.StatusUnauthorized, "unauthorized")
		h.ok("GET", "/api/pending", "1003", nil, nil, http.StatusOK)
	})
}

func TestAPI_DemoCredentials(t *testing.T) {
	t.Run("refused off loopback", func(t *testing.T) {
		h := newAPITestHall(t, queue.Demo(), func(o *Options) { o.DemoCredentials = false })
		before := h.seq()
		h.refused("POST", "/api/login", "", map[string]string{"job_no": "1001", "password": "demo"}, http.StatusForbidden, "demo_loopback_only")
		for _, caller := range []string{"kiosk", "display", "evaluator", "agent", "staff", "director", "admin"} {
			h.refused("GET", "/api/windows", caller, nil, http.StatusForbidden, "demo_loopback_only")
		}
		h.refused("POST", "/api/tickets", "kiosk", map[string]string{"service": "employment"}, http.StatusForbidden, "demo_loopback_only")
		h.ok("GET", "/api/hall", "", nil, nil, http.StatusOK) // public pages stay public
		if h.seq() != before {
			t.Errorf("refused requests wrote events")
		}
	})
	t.Run("a real hall's tokens work", func(t *testing.T) {
		cfg := queue.Demo()
		cfg.Demo = false
		h := newAPITestHall(t, cfg, func(o *Options) { o.DemoCredentials = false })
		h.ok("GET", "/api/windows", "kiosk", nil, nil, http.StatusOK)
		h.ok("GET", "/api/pending", "director", nil, nil, http.StatusOK)
	})
}

func TestAPI_SessionSurvivesRestart(t *testing.T) {
	// A token is checked by the secret alone: another API on another engine with
	// the same secret (the server after a restart) takes it.
	a := newAPITestHall(t, queue.Demo())
	b := newAPITestHall(t, queue.Demo())
	b.tokens["from-a"] = a.tokens["director"]
	b.ok("GET", "/api/pending", "from-a", nil, nil, http.StatusOK)

	c := newAPITestHall(t, queue.Demo(), func(o *Options) { o.Secret = []byte("another-secret-0123456789") })
	c.tokens["from-a"] = a.tokens["director"]
	c.refused("GET", "/api/pending", "from-a", nil, http.StatusUnauthorized, "unauthorized")
}

func TestNewAPI_Options(t *testing.T) {
	if _, err := New(Options{Secret: apiTestSecret}); err == nil {
		t.Error("no engine accepted")
	}
	h := newAPITestHall(t, queue.Demo())
	if _, err := New(Options{Engine: h.eng, Secret: []byte("short")}); err == nil {
		t.Error("short secret accepted")
	}
}
