package display

import (
	"bytes"
	"errors"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"qcall/announce"
	"qcall/display/internal/answer"
	"qcall/queue"
)

// ServeVoice serves GET /api/voice/{lang}/{number}/{window}[.wav]: the WAV
// announcement of ticket number called to window, in lang (zh-CN or en),
// composed by package announce. It is public and the same for the same address,
// so it may be cached (Cache-Control public, ETag; HEAD and Range work). An
// unknown language, a window the hall does not have, or a number that is not
// one of its services' (hallAnnounces) is 404: only what the hall could call
// is composed.
func (h *Hub) ServeVoice(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, r, answer.Errorf(answer.CodeMethodNotAllowed, "allowed: GET, HEAD"))
		return
	}
	lang, number, window, ok := voiceParams(r)
	if ok {
		h.logMu.Lock()
		ok = h.cfg != nil && hallAnnounces(h.cfg, number, window)
		h.logMu.Unlock()
	}
	if !ok {
		h.fail(w, r, answer.Errorf(answer.CodeNotFound, "no such announcement"))
		return
	}
	a, err := h.voices.get(lang+"/"+number+"/"+strconv.Itoa(window), func() ([]byte, error) {
		// Composing takes CPU and some 750 KB: a few at a time.
		select {
		case h.composing <- struct{}{}:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
		defer func() { <-h.composing }()
		return h.voice.Compose(lang, number, window)
	})
	switch {
	case errors.Is(err, announce.ErrBadNumber), errors.Is(err, announce.ErrBadWindow), errors.Is(err, announce.ErrNoLanguage):
		h.fail(w, r, answer.Errorf(answer.CodeNotFound, "no such announcement"))
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "audio/wav")
	hd.Set("Cache-Control", "public, max-age=86400")
	hd.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.wav))
}

// voiceParams reads lang, number and window from the path's last three
// segments (so it works under any prefix), or from the pattern's wildcards.
func voiceParams(r *http.Request) (lang, number string, window int, ok bool) {
	lang, number, win := r.PathValue("lang"), r.PathValue("number"), r.PathValue("window")
	if lang == "" || number == "" || win == "" {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) < 3 {
			return "", "", 0, false
		}
		lang, number, win = parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
		if n, err := url.PathUnescape(number); err == nil {
			number = n
		}
	}
	win = strings.TrimSuffix(win, ".wav")
	n, err := strconv.Atoi(win)
	if err != nil || n < 1 || (lang != hubLangs[0] && lang != hubLangs[1]) {
		return "", "", 0, false
	}
	return lang, strings.ToUpper(number), n, true
}

// maxTicketDigits bounds the digits of a ticket number the voice composes: a
// service would need 100,000 tickets in a day to pass it.
const maxTicketDigits = 5

// hallAnnounces reports whether cfg's hall could call number to window: the
// window is one of its own, and number is the prefix of one of its services
// and a number of at least 3 digits, as the engine writes them (no extra
// leading zeros, not 0).
func hallAnnounces(cfg *queue.Config, number string, window int) bool {
	if cfg.Window(window) == nil || len(number) < 4 || len(number) > 1+maxTicketDigits {
		return false
	}
	prefix, digits := number[:1], number[1:]
	if !slices.ContainsFunc(cfg.Services, func(s queue.Service) bool { return s.Prefix == prefix }) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return (len(digits) == 3 || digits[0] != '0') && digits != "000"
}

// voicePathEscape escapes a ticket number for a voice URL.
func voicePathEscape(number string) string { return url.PathEscape(number) }

// voiceAnnouncement is one composed announcement.
type voiceAnnouncement struct {
	wav  []byte
	etag string
}

// voiceCache keeps the newest announcements: when a call goes out, every hall
// screen asks for the same one at once, and it is composed once. It holds at
// most maxBytes of them (the newest one always), dropping the oldest.
type voiceCache struct {
	mu       sync.Mutex // guards the fields below
	maxBytes int
	bytes    int // of the announcements held
	m        map[string]*voiceEntry
	order    []string // keys, oldest first
}

type voiceEntry struct {
	once sync.Once
	a    voiceAnnouncement
	err  error
	size int // counted in voiceCache.bytes once composed
}

func (c *voiceCache) init(maxBytes int) {
	c.maxBytes = maxBytes
	c.m = map[string]*voiceEntry{}
}

// get returns the announcement of key, composing it with make once.
func (c *voiceCache) get(key string, make func() ([]byte, error)) (voiceAnnouncement, error) {
	c.mu.Lock()
	e := c.m[key]
	if e == nil {
		e = &voiceEntry{}
		c.m[key] = e
		c.order = append(c.order, key)
	}
	c.mu.Unlock()
	e.once.Do(func() {
		var b []byte
		b, e.err = make()
		if e.err == nil {
			sum := fnv.New64a()
			sum.Write(b)
			e.a = voiceAnnouncement{wav: b, etag: `"` + strconv.FormatUint(sum.Sum64(), 36) + `"`}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.m[key] != e {
			return // dropped while it was composed
		}
		if e.err != nil {
			c.removeLocked(key) // not kept: a bad address must not fill the cache
			return
		}
		e.size = len(b)
		c.bytes += e.size
		for c.bytes > c.maxBytes && len(c.order) > 1 && c.order[0] != key {
			c.removeLocked(c.order[0])
		}
	})
	return e.a, e.err
}

// removeLocked drops key.
func (c *voiceCache) removeLocked(key string) {
	e := c.m[key]
	if e == nil {
		return
	}
	delete(c.m, key)
	c.bytes -= e.size
	if i := slices.Index(c.order, key); i >= 0 {
		c.order = slices.Delete(c.order, i, i+1)
	}
}

// held returns how many announcements and bytes the cache holds.
func (c *voiceCache) held() (n, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.bytes
}
