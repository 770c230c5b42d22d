package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"qcall/display/internal/answer"
	"qcall/queue"
	"qcall/queue/bolt"
)

var hallZone = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// monday9 is when the tests' halls start: a Monday, 09:00 in the hall's zone.
var apiMonday9 = time.Date(2026, 3, 2, 9, 0, 0, 0, hallZone)

var apiTestSecret = []byte("test-secret-0123456789abcdef")

// deviceTokens are the demo hall's device tokens, by caller name.
var demoDeviceTokens = map[string]string{
	"kiosk": "demo-kiosk", "display": "demo-display", "evaluator": "demo-evaluator", "agent": "demo-agent",
}

// testHall is a real hall behind a real server on 127.0.0.1: bbolt in a
// temporary folder, the engine on a test clock, the API over HTTP.
type apiTestHall struct {
	t      testing.TB
	url    string
	api    *API
	eng    *queue.Engine
	db     *bolt.DB
	clock  *queue.ManualClock
	client *http.Client
	tokens map[string]string // caller → token: device names, "staff" (1001), "director", "admin", or a job number
}

type apiHallOption func(*Options)

func newAPITestHall(tb testing.TB, cfg *queue.Config, opts ...apiHallOption) *apiTestHall {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "qcall.db"))
	if err != nil {
		tb.Fatal(err)
	}
	clock := queue.NewManualClock(apiMonday9)
	eng, err := queue.Open(db, queue.Options{Config: cfg, Clock: clock, IDKey: []byte("test-id-key"), Logger: log})
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	o := Options{Engine: eng, Secret: apiTestSecret, DemoCredentials: true, Logger: log,
		Backup: func(w io.Writer) error { _, err := db.Backup(w); return err }}
	for _, f := range opts {
		f(&o)
	}
	api, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	tb.Cleanup(func() {
		// Shutdown waits for the handlers in flight, so none logs after the test.
		if err := srv.Shutdown(context.Background()); err != nil {
			tb.Error(err)
		}
		if err := eng.Close(); err != nil {
			tb.Error(err)
		}
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	h := &apiTestHall{t: tb, url: "http://" + ln.Addr().String(), api: api, eng: eng, db: db, clock: clock,
		client: &http.Client{}, tokens: map[string]string{}}
	for k, v := range demoDeviceTokens {
		h.tokens[k] = v
	}
	// Staff sessions are signed by the API's own code, as login does, without
	// paying for bcrypt in every test; TestAPI_Login and the role matrix log in
	// for real.
	exp := clock.Now().Add(SessionTTL)
	for caller, jobNo := range map[string]string{"staff": "1001", "director": "9001", "admin": "9999"} {
		h.tokens[caller] = api.signSession(jobNo, exp)
	}
	for _, jobNo := range []string{"1002", "1003", "1009"} {
		h.tokens[jobNo] = api.signSession(jobNo, exp)
	}
	return h
}

// reply is an answer as a test sees it.
type apiReply struct {
	status int
	header http.Header
	body   []byte
}

// code is the error code of the answer, "" when it is not an error.
func (r apiReply) code() string {
	var e answer.Body
	if json.Unmarshal(r.body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// do sends one request as caller ("" for none). body is nil (no body), a
// string (sent as it is) or a value (sent as JSON).
func (h *apiTestHall) do(method, path, caller string, body any, hdr ...string) apiReply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if caller != "" {
		tok, ok := h.tokens[caller]
		if !ok {
			h.t.Fatalf("no token for caller %q", caller)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return apiReply{status: resp.StatusCode, header: resp.Header, body: b}
}

// ok sends a request that must succeed with want (0: any 2xx) and decodes the
// answer into out (when not nil).
func (h *apiTestHall) ok(method, path, caller string, body, out any, want ...int) apiReply {
	h.t.Helper()
	r := h.do(method, path, caller, body)
	if len(want) > 0 && r.status != want[0] || len(want) == 0 && (r.status < 200 || r.status > 299) {
		h.t.Fatalf("%s %s as %q: %d %s", method, path, caller, r.status, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			h.t.Fatalf("%s %s: decodeBody %s: %v", method, path, r.body, err)
		}
	}
	return r
}

// refused sends a request that must fail with status and code.
func (h *apiTestHall) refused(method, path, caller string, body any, status int, code string) apiReply {
	h.t.Helper()
	r := h.do(method, path, caller, body)
	if r.status != status || r.code() != code {
		h.t.Fatalf("%s %s as %q: got %d %s, want %d %s", method, path, caller, r.status, r.body, status, code)
	}
	return r
}

// events returns the events after seq, read over the API.
func (h *apiTestHall) events(after uint64) []queue.Event {
	h.t.Helper()
	var out struct {
		Events []queue.Event `json:"events"`
		Next   uint64        `json:"next"`
	}
	h.ok("GET", "/api/events?limit=1000&after="+strconv.FormatUint(after, 10), "director", nil, &out)
	return out.Events
}

func (h *apiTestHall) seq() uint64 {
	h.t.Helper()
	s, err := h.eng.Seq(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

func TestServer_Healthz(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	r := h.ok("GET", "/healthz", "", nil, nil, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"ok":true}` {
		t.Errorf("healthz: %s", r.body)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
}

func TestServer_NotFoundAndMethod(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.refused("GET", "/api/nothing-here", "director", nil, http.StatusNotFound, "not_found")
	h.refused("GET", "/api/windows/1/dance", "staff", nil, http.StatusNotFound, "not_found")
	r := h.refused("GET", "/api/tickets", "kiosk", nil, http.StatusMethodNotAllowed, "method_not_allowed")
	if r.header.Get("Allow") != "POST" {
		t.Errorf("Allow %q, want POST", r.header.Get("Allow"))
	}
	h.refused("DELETE", "/api/hall", "", nil, http.StatusMethodNotAllowed, "method_not_allowed")
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on an error", cc)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q on an error", ct)
	}
}

func TestServer_Metrics(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.ok("POST", "/api/tickets", "kiosk", map[string]string{"service": "employment"}, nil, http.StatusCreated)
	h.ok("POST", "/api/tickets", "kiosk", map[string]string{"service": "employment"}, nil, http.StatusCreated)
	h.refused("POST", "/api/tickets", "kiosk", map[string]string{"service": "nope"}, http.StatusNotFound, "unknown_service")
	h.refused("GET", "/metrics", "staff", nil, http.StatusForbidden, "forbidden")
	r := h.ok("GET", "/metrics", "admin", nil, nil, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		// client_golang writes the labels in name order.
		`qcall_http_requests_total{code="201",route="POST /api/tickets"} 2`,
		`qcall_http_requests_total{code="404",route="POST /api/tickets"} 1`,
		`qcall_http_requests_total{code="403",route="GET /metrics"} 1`,
		`qcall_tickets_issued_total{service="employment"} 2`,
		`qcall_tickets_issued_total{service="consult"} 0`,
		`qcall_tickets_waiting{service="employment"} 2`,
		`qcall_http_request_duration_seconds_count 4`,
		"# TYPE qcall_http_request_duration_seconds histogram",
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %q:\n%s", want, r.body)
		}
	}
}

func TestServer_PanicAnswers500(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	// A route that panics, served through the API's own ServeHTTP on the real server.
	h.api.mux.HandleFunc("GET /api/test-panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	r := h.refused("GET", "/api/test-panic", "", nil, http.StatusInternalServerError, "internal")
	if strings.Contains(string(r.body), "boom") {
		t.Errorf("the panic's text reached the client: %s", r.body)
	}
	// The server goes on.
	h.ok("GET", "/healthz", "", nil, nil, http.StatusOK)
}
