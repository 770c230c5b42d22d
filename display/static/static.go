package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"qcall/assets"
	"qcall/display/internal/answer"
	"qcall/queue"
)

// Options configure the screens' handler.
type Options struct {
	// Web holds the pages, scripts and styles; nil is the built-in assets.FS's
	// web/ folder.
	Web fs.FS
	// Logger gets what went wrong; default slog.Default().
	Logger *slog.Logger
	// TimeZone is the hall's IANA time zone ("Asia/Shanghai"), sent with the
	// catalogue (X-Hall-Time-Zone) so that the pages show every time and
	// date in the hall's zone, whatever the zone of the screen's computer.
	TimeZone string
}

// Static serves the hall's screens from the binary: every file of the web
// folder at its own path (index.html also at /), the phone page phone.html at
// /t/{ticket id}, each language's catalogue merged into one JSON object at
// /i18n/{lang}.json, and QR codes at GET /api/qr?data=…. It answers only the
// paths it owns; Register puts exactly those on a ServeMux, so that the API
// stays the answer (a JSON 404) for anything else.
type Static struct {
	log      *slog.Logger
	mux      *http.ServeMux
	patterns []string
	files    map[string]*staticFile // path in the web folder → file
	i18n     map[string]*staticFile // language → catalogue JSON
	zone     string                 // Options.TimeZone

	// qrSlots holds a token per QR code being made, qrQueue one per request
	// waiting for a slot.
	qrSlots, qrQueue chan struct{}
	qrMu             sync.Mutex             // guards qrCache and qrOrder
	qrCache          map[string]*staticFile // "size data" → PNG
	qrOrder          []string               // keys of qrCache, oldest first
	qrMade           int                    // QR codes made (for the tests)
}

// staticFile is one answer kept in memory, with its validator.
type staticFile struct {
	name  string // for the Content-Type by extension
	body  []byte
	etag  string
	ctype string
}

func newStaticFile(name string, body []byte, ctype string) *staticFile {
	sum := sha256.Sum256(body)
	if ctype == "" {
		ctype = mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(body)
		}
	}
	return &staticFile{name: name, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: ctype}
}

// QR code limits: data longer than qrMaxData is refused (a status URL is under
// 100 bytes); the image is qrDefaultSize pixels unless ?size= says otherwise,
// within [qrMinSize, qrMaxSize] (the kiosk asks for 360). So a code costs a
// few milliseconds; a few are made at a time (qrSlots), a few more may wait
// (qrQueue) and past them the answer is 429 rate_limited; the last qrCacheLen
// made are kept.
const (
	qrMaxData     = 256
	qrDefaultSize = 320
	qrMinSize     = 64
	qrMaxSize     = 512
	qrCacheLen    = 64
)

// contentSecurity is the policy of every page: everything comes from the
// server itself (scripts, styles, the websocket, voice), except a staff
// photo, which a hall may keep on another server.
const contentSecurity = "default-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' blob:; " +
	"connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// New reads the web folder and the catalogues into memory.
func New(opts Options) (*Static, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	web := opts.Web
	if web == nil {
		sub, err := fs.Sub(assets.FS, "web")
		if err != nil {
			return nil, fmt.Errorf("display: static: %w", err)
		}
		web = sub
	}
	slots := max(1, runtime.GOMAXPROCS(0)/2)
	s := &Static{log: opts.Logger, mux: http.NewServeMux(), files: map[string]*staticFile{}, i18n: map[string]*staticFile{}, zone: opts.TimeZone,
		qrSlots: make(chan struct{}, slots), qrQueue: make(chan struct{}, 8*slots), qrCache: map[string]*staticFile{}}
	err := fs.WalkDir(web, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.EqualFold(d.Name(), "README.md") {
			return nil
		}
		b, err := fs.ReadFile(web, p)
		if err != nil {
			return err
		}
		s.files[p] = newStaticFile(p, b, "")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("display: static: %w", err)
	}
	for _, need := range []string{"index.html", "phone.html"} {
		if s.files[need] == nil {
			return nil, fmt.Errorf("display: static: the web folder has no %s", need)
		}
	}
	for _, lang := range assets.Languages {
		b, err := json.Marshal(assets.Catalog(lang))
		if err != nil {
			return nil, fmt.Errorf("display: static: catalogue %s: %w", lang, err)
		}
		s.i18n[lang] = newStaticFile(lang+".json", b, "application/json; charset=utf-8")
	}

	s.handle("GET /{$}", func(w http.ResponseWriter, r *http.Request) { s.serveFile(w, r, s.files["index.html"]) })
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range s.files {
			if !yield(p) {
				return
			}
		}
	}) {
		f := s.files[p]
		s.handle("GET /"+p, func(w http.ResponseWriter, r *http.Request) { s.serveFile(w, r, f) })
	}
	s.handle("GET /t/{id}", s.servePhone)
	s.handle("GET /i18n/{file}", s.serveCatalog)
	s.handle("GET /api/qr", s.serveQR)
	return s, nil
}

func (s *Static) handle(pattern string, fn http.HandlerFunc) {
	s.mux.HandleFunc(pattern, fn)
	s.patterns = append(s.patterns, pattern)
}

// Register adds the paths Static answers to mux, each as its own pattern
// ("GET /hall.html", "GET /t/{id}", "GET /api/qr", …), all served by s.
func (s *Static) Register(mux *http.ServeMux) {
	for _, p := range s.patterns {
		mux.Handle(p, s)
	}
}

// Patterns lists the ServeMux patterns Register adds.
func (s *Static) Patterns() []string { return slices.Clone(s.patterns) }

// ServeHTTP answers a request for one of Static's paths; any other is a JSON
// 404 (or 405).
func (s *Static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		p := &staticProbe{header: http.Header{}}
		h.ServeHTTP(p, r)
		if p.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", p.header.Get("Allow"))
			s.fail(w, r, answer.Errorf(answer.CodeMethodNotAllowed, "allowed: %s", p.header.Get("Allow")))
			return
		}
		s.fail(w, r, answer.Errorf(answer.CodeNotFound, ""))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// serveFile answers f with its ETag; pages, scripts and styles are
// revalidated on every load (no-cache), so a new version shows at once.
func (s *Static) serveFile(w http.ResponseWriter, r *http.Request, f *staticFile) {
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasSuffix(f.name, ".html") {
		h.Set("Content-Security-Policy", contentSecurity)
		// A phone page's address is the key to its ticket: it must not
		// leave in a Referer.
		h.Set("Referrer-Policy", "no-referrer")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// GET /t/{id}: the phone page of a ticket. The page reads the id from its
// address; whether the ticket exists is the API's to say.
func (s *Static) servePhone(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	s.serveFile(w, r, s.files["phone.html"])
}

// GET /i18n/{lang}.json: the whole catalogue of one language.
func (s *Static) serveCatalog(w http.ResponseWriter, r *http.Request) {
	lang, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	f := s.i18n[lang]
	if !ok || f == nil {
		s.fail(w, r, answer.Errorf(answer.CodeNotFound, "languages: %s", strings.Join(assets.Languages, ", ")))
		return
	}
	if s.zone != "" {
		w.Header().Set("X-Hall-Time-Zone", s.zone)
	}
	s.serveFile(w, r, f)
}

// GET /api/qr?data=…&size=N: a PNG QR code of data (at most qrMaxData bytes),
// N pixels square. The same address always gives the same image, so it may be
// cached.
func (s *Static) serveQR(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := q.Get("data")
	switch {
	case data == "":
		s.fail(w, r, answer.Errorf(queue.ErrInvalid.Code, "data is required"))
		return
	case len(data) > qrMaxData:
		s.fail(w, r, answer.Errorf(queue.ErrInvalid.Code, "data is longer than %d bytes", qrMaxData))
		return
	}
	size := qrDefaultSize
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < qrMinSize || n > qrMaxSize {
			s.fail(w, r, answer.Errorf(queue.ErrInvalid.Code, "size must be %d–%d", qrMinSize, qrMaxSize))
			return
		}
		size = n
	}
	f, err := s.qrPNG(r, data, size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// qrPNG returns the QR code of data, size pixels square: from the cache, or
// made in one of the slots.
func (s *Static) qrPNG(r *http.Request, data string, size int) (*staticFile, error) {
	key := strconv.Itoa(size) + " " + data
	s.qrMu.Lock()
	f := s.qrCache[key]
	s.qrMu.Unlock()
	if f != nil {
		return f, nil
	}
	select {
	case s.qrQueue <- struct{}{}:
	default:
		return nil, answer.RateLimited(time.Second, "too many QR codes at once")
	}
	select {
	case s.qrSlots <- struct{}{}:
		<-s.qrQueue
	case <-r.Context().Done():
		<-s.qrQueue
		return nil, answer.Errorf(queue.ErrUnavailable.Code, "")
	}
	png, err := qrcode.Encode(data, qrcode.Medium, size)
	<-s.qrSlots
	if err != nil {
		return nil, answer.Errorf(queue.ErrInvalid.Code, "cannot encode: %v", err)
	}
	sum := sha256.Sum256(png)
	f = &staticFile{body: png, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: "image/png"}
	s.qrMu.Lock()
	s.qrMade++
	if _, ok := s.qrCache[key]; !ok {
		s.qrCache[key] = f
		s.qrOrder = append(s.qrOrder, key)
		if len(s.qrOrder) > qrCacheLen {
			delete(s.qrCache, s.qrOrder[0])
			s.qrOrder = slices.Delete(s.qrOrder, 0, 1)
		}
	}
	s.qrMu.Unlock()
	return f, nil
}

// fail answers err (answer.Error).
func (s *Static) fail(w http.ResponseWriter, r *http.Request, err error) {
	answer.Error(w, r, s.log, err)
}

// staticProbe catches what the ServeMux would answer for a path Static does
// not own (404, or 405 with Allow).
type staticProbe struct {
	header http.Header
	status int
}

func (p *staticProbe) Header() http.Header         { return p.header }
func (p *staticProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *staticProbe) WriteHeader(code int)        { p.status = code }
