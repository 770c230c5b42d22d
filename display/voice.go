package display

import (
	"bytes"
	"errors"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"qcall/devices/voice"
)

// ServeVoice serves GET /api/voice/{lang}/{number}/{window}[.wav]: the WAV
// announcement of ticket number called to window, in lang (zh-CN or en),
// composed by devices/voice. It is public and the same for the same address,
// so it may be cached (Cache-Control public, ETag; HEAD and Range work). An
// unknown language, a malformed number or window is 404.
func (h *Hub) ServeVoice(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, r, errorf(codeMethodNotAllowed, "allowed: GET, HEAD"))
		return
	}
	lang, number, window, ok := voiceParams(r)
	if !ok {
		h.fail(w, r, errorf(codeNotFound, "no such announcement"))
		return
	}
	a, err := h.voices.get(lang+"/"+number+"/"+strconv.Itoa(window), func() ([]byte, error) {
		return h.voice.Compose(lang, number, window)
	})
	switch {
	case errors.Is(err, voice.ErrBadNumber), errors.Is(err, voice.ErrBadWindow), errors.Is(err, voice.ErrNoLanguage):
		h.fail(w, r, errorf(codeNotFound, "no such announcement"))
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

// voicePathEscape escapes a ticket number for a voice URL.
func voicePathEscape(number string) string { return url.PathEscape(number) }

// voiceAnnouncement is one composed announcement.
type voiceAnnouncement struct {
	wav  []byte
	etag string
}

// voiceCache keeps the newest announcements: when a call goes out, every hall
// screen asks for the same one at once, and it is composed once.
type voiceCache struct {
	mu    sync.Mutex // guards the fields below
	max   int
	m     map[string]*voiceEntry
	order []string // keys, oldest first
}

type voiceEntry struct {
	once sync.Once
	a    voiceAnnouncement
	err  error
}

func (c *voiceCache) init(max int) {
	c.max = max
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
		if len(c.order) > c.max {
			delete(c.m, c.order[0])
			c.order = append(c.order[:0:0], c.order[1:]...)
		}
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
	})
	if e.err != nil {
		c.mu.Lock()
		if c.m[key] == e {
			delete(c.m, key) // not kept: a bad address must not fill the cache
		}
		c.mu.Unlock()
	}
	return e.a, e.err
}
