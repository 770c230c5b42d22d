package static

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"qcall/assets"
	"qcall/queue"
)

func mustStatic(tb testing.TB) *Static {
	tb.Helper()
	s, err := New(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// staticGet runs one request through h and returns the answer.
func staticGet(tb testing.TB, h http.Handler, method, target string, header http.Header) *http.Response {
	tb.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func TestStatic_Pages(t *testing.T) {
	s := mustStatic(t)
	pages := []string{"index.html", "hall.html", "window.html", "terminal.html", "kiosk.html", "evaluator.html", "phone.html", "director.html", "greeter.html"}
	for _, p := range pages {
		t.Run(p, func(t *testing.T) {
			resp := staticGet(t, s, "GET", "/"+p, nil)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !bytes.Contains(body, []byte(`src="/js/qcall.js"`)) {
				t.Error("page does not load qcall.js")
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
			// Every script and sheet the page names is served.
			for _, m := range regexp.MustCompile(`(?:src|href)="(/[^"?#]+)"`).FindAllSubmatch(body, -1) {
				if r := staticGet(t, s, "GET", string(m[1]), nil); r.StatusCode != 200 {
					t.Errorf("%s names %s: %d", p, m[1], r.StatusCode)
				}
			}
		})
	}

	t.Run("root is the index", func(t *testing.T) {
		a, _ := io.ReadAll(staticGet(t, s, "GET", "/", nil).Body)
		b, _ := io.ReadAll(staticGet(t, s, "GET", "/index.html", nil).Body)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Fatal("/ is not index.html")
		}
	})
	t.Run("phone page at /t/{id}", func(t *testing.T) {
		resp := staticGet(t, s, "GET", "/t/ABCDEF234567", nil)
		a, _ := io.ReadAll(resp.Body)
		b, _ := io.ReadAll(staticGet(t, s, "GET", "/phone.html", nil).Body)
		if resp.StatusCode != 200 || !bytes.Equal(a, b) {
			t.Fatalf("%d, not phone.html", resp.StatusCode)
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Error("the phone page may leak its address in a Referer")
		}
	})
	t.Run("revalidation", func(t *testing.T) {
		resp := staticGet(t, s, "GET", "/js/qcall.js", nil)
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("ETag %q, Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
		}
		if r := staticGet(t, s, "GET", "/js/qcall.js", http.Header{"If-None-Match": {etag}}); r.StatusCode != 304 {
			t.Fatalf("If-None-Match: %d", r.StatusCode)
		}
	})
	t.Run("not ours", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			status       int
			code         string
		}{
			{"GET", "/nope.html", 404, "not_found"},
			{"GET", "/README.md", 404, "not_found"},
			{"POST", "/hall.html", 405, "method_not_allowed"},
		} {
			resp := staticGet(t, s, c.method, c.path, http.Header{"Accept-Language": {"en"}})
			var e struct {
				Error struct{ Code, Message string }
			}
			json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != c.status || e.Error.Code != c.code || e.Error.Message == "" {
				t.Errorf("%s %s: %d %+v", c.method, c.path, resp.StatusCode, e)
			}
		}
	})
}

func TestStatic_Catalog(t *testing.T) {
	s := mustStatic(t)
	for _, lang := range assets.Languages {
		resp := staticGet(t, s, "GET", "/i18n/"+lang+".json", nil)
		var m map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", lang, resp.StatusCode, err)
		}
		want := assets.Catalog(lang)
		if len(m) != len(want) || m["web.offline"] != want["web.offline"] || m["error.queue_empty"] != want["error.queue_empty"] {
			t.Errorf("%s: %d keys, want the merged catalogue's %d", lang, len(m), len(want))
		}
	}
	if r := staticGet(t, s, "GET", "/i18n/fr.json", nil); r.StatusCode != 404 {
		t.Errorf("fr: %d", r.StatusCode)
	}
}

// TestStatic_CatalogComplete checks that every label the screens name is in
// both catalogues, and that the two have the same web.* keys.
func TestStatic_CatalogComplete(t *testing.T) {
	zh, en := assets.Catalog("zh-CN"), assets.Catalog("en")
	for k := range zh {
		if _, ok := en[k]; strings.HasPrefix(k, "web.") && !ok {
			t.Errorf("%s: in zh-CN, not in en", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; strings.HasPrefix(k, "web.") && !ok {
			t.Errorf("%s: in en, not in zh-CN", k)
		}
	}
	web, err := fs.Sub(assets.FS, "web")
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`['"](web\.[a-z0-9_.]*[a-z0-9_])['"]`)
	used := map[string]bool{}
	fs.WalkDir(web, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".html")) {
			return err
		}
		b, _ := fs.ReadFile(web, p)
		for _, m := range key.FindAllSubmatch(b, -1) {
			used[string(m[1])] = true
		}
		return nil
	})
	if len(used) < 50 {
		t.Fatalf("found only %d keys in the screens", len(used))
	}
	// Keys built from a prefix and a value of the API.
	for _, st := range []queue.TicketState{"waiting", "called", "serving", "done", "no_show", "transferred", "suspended", "rejected", "cancelled"} {
		used["web.state."+string(st)] = true
	}
	for _, st := range []string{"closed", "idle", "called", "serving", "away"} {
		used["web.wstate."+st] = true
	}
	for _, st := range queue.WhereaboutsStatuses {
		used["web.where."+st] = true
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range used {
			if !yield(k) {
				return
			}
		}
	}) {
		if _, ok := zh[k]; !ok {
			t.Errorf("%s: used by a screen, not in zh-CN", k)
		}
		if _, ok := en[k]; !ok {
			t.Errorf("%s: used by a screen, not in en", k)
		}
	}
}

func TestStatic_QR(t *testing.T) {
	s := mustStatic(t)
	data := "http://127.0.0.1:8080/t/ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	resp := staticGet(t, s, "GET", "/api/qr?size=256&data="+url.QueryEscape(data), nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("size %v", b)
	}
	// Dark modules on a light ground: the corner is light, the finder
	// pattern just inside the quiet zone dark.
	light := func(x, y int) bool { r, _, _, _ := img.At(x, y).RGBA(); return r > 0x8000 }
	if !light(0, 0) {
		t.Error("the corner is not light")
	}
	dark := 0
	for x := range 256 {
		if !light(x, 128) {
			dark++
		}
	}
	if dark < 40 || dark > 216 {
		t.Errorf("%d dark pixels on the middle row", dark)
	}

	for _, c := range []struct{ query, code string }{
		{"", "invalid_input"},
		{"data=" + strings.Repeat("x", qrMaxData+1), "invalid_input"},
		{"data=x&size=10", "invalid_input"},
		{"data=x&size=big", "invalid_input"},
		{"data=x&size=1024", "invalid_input"},
		{"data=" + url.QueryEscape(strings.Repeat("办", 86)), "invalid_input"}, // 258 bytes
	} {
		resp := staticGet(t, s, "GET", "/api/qr?"+c.query, nil)
		var e struct{ Error struct{ Code string } }
		json.NewDecoder(resp.Body).Decode(&e)
		if resp.StatusCode != 400 || e.Error.Code != c.code {
			t.Errorf("%.40s: %d %s", c.query, resp.StatusCode, e.Error.Code)
		}
	}
}

// TestStatic_QRCost: a QR code is made once for the same address, and a few
// at a time; past them the answer is 429 at once.
func TestStatic_QRCost(t *testing.T) {
	s := mustStatic(t)
	q := "/api/qr?size=360&data=" + url.QueryEscape("http://hall.example/t/ABCDEF")
	for range 3 {
		if resp := staticGet(t, s, "GET", q, nil); resp.StatusCode != 200 {
			t.Fatalf("%d", resp.StatusCode)
		}
	}
	if s.qrMade != 1 {
		t.Errorf("made %d times, want once", s.qrMade)
	}
	for range cap(s.qrSlots) {
		s.qrSlots <- struct{}{}
	}
	for range cap(s.qrQueue) {
		s.qrQueue <- struct{}{}
	}
	resp := staticGet(t, s, "GET", "/api/qr?data=another", nil)
	var e struct{ Error struct{ Code string } }
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 429 || e.Error.Code != "rate_limited" || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("QR with every slot taken: %d %s %v", resp.StatusCode, e.Error.Code, resp.Header)
	}
	if resp := staticGet(t, s, "GET", q, nil); resp.StatusCode != 200 {
		t.Errorf("a kept QR code with every slot taken: %d", resp.StatusCode)
	}
}

// TestStatic_Register checks that Register claims Static's paths and leaves
// every other to the handler at "/" (the API).
func TestStatic_Register(t *testing.T) {
	s := mustStatic(t)
	mux := http.NewServeMux()
	s.Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux.HandleFunc("GET /api/hall", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	for path, want := range map[string]int{
		"/":                 200,
		"/hall.html":        200,
		"/css/base.css":     200,
		"/t/XYZ":            200,
		"/i18n/en.json":     200,
		"/api/qr?data=x":    200,
		"/api/hall":         http.StatusAccepted,
		"/api/tickets":      http.StatusTeapot,
		"/nothing.html":     http.StatusTeapot,
		"/assets/README.md": http.StatusTeapot,
	} {
		if got := staticGet(t, mux, "GET", path, nil).StatusCode; got != want {
			t.Errorf("%s: %d, want %d", path, got, want)
		}
	}
	if !slices.Contains(s.Patterns(), "GET /t/{id}") {
		t.Errorf("patterns %v", s.Patterns())
	}
}
