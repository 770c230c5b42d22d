package display

import (
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"path"
	"strings"
)

// LoopbackHosts wraps next so that it answers only requests whose Host names
// this machine by a loopback name (localhost, *.localhost, an address of
// 127.0.0.0/8, [::1]) or one of the names extra returns (asked at every
// request, so that it may follow the configuration); any other is answered
// 403 host_not_allowed. A server listening on a loopback address needs it:
// otherwise a web page of any site can make its own name resolve to 127.0.0.1
// (DNS rebinding) and then read and drive the hall as a page of its own
// origin — same-origin and websocket origin checks compare with that name.
func LoopbackHosts(next http.Handler, extra func() []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := requestHostName(r.Host)
		if !loopbackName(host) && !hostListed(host, extra) {
			failCode(w, r, codeHostNotAllowed, "host "+host+" is not this server's")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestHostName is the host of a Host header, without its port, brackets
// or final dot, in lower case.
func requestHostName(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// loopbackName reports whether host is a name or address of this machine's
// loopback.
func loopbackName(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func hostListed(host string, extra func() []string) bool {
	if extra == nil || host == "" {
		return false
	}
	for _, h := range extra() {
		if requestHostName(h) == host {
			return true
		}
	}
	return false
}

// failCode answers the error code with its catalogue message and detail, as
// the API does, for the handlers outside it.
func failCode(w http.ResponseWriter, r *http.Request, code, detail string) {
	w.Header()["Cache-Control"] = noStore
	sendJSON(w, statusOf(code), newErrorBody(r.Header.Get("Accept-Language"), code, detail))
}

// photoTypes are the image types a staff photo may be, by file extension: a
// photo is served only when its name and its first bytes both say so.
var photoTypes = map[string]string{
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
}

// photoPolicy is the Content-Security-Policy of a photo: an image runs
// nothing, and if a browser opened it as a page anyway, the sandbox would
// keep it off the hall's origin.
const photoPolicy = "default-src 'none'; sandbox"

// Photos serves staff photos (公示) from fsys at GET /photos/{file}: JPEG,
// PNG, GIF or WebP files of the folder itself, each with its own Content-Type,
// nosniff and a policy that lets nothing run. Anything else — another type
// (an .html or .svg page would otherwise be a page of the hall's origin), a
// file whose bytes are not the image its name says, a path — is 404.
func Photos(fsys fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		ctype := photoTypes[strings.ToLower(path.Ext(name))]
		if ctype == "" || !fs.ValidPath(name) || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
			failCode(w, r, codeNotFound, "no such photo")
			return
		}
		f, err := fsys.Open(name)
		if err != nil {
			failCode(w, r, codeNotFound, "no such photo")
			return
		}
		defer f.Close()
		st, err := f.Stat()
		rs, seekable := f.(io.ReadSeeker)
		if err != nil || !st.Mode().IsRegular() || !seekable {
			failCode(w, r, codeNotFound, "no such photo")
			return
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(rs, head)
		if http.DetectContentType(head[:n]) != ctype {
			failCode(w, r, codeNotFound, "not a "+ctype+" image")
			return
		}
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			failCode(w, r, codeNotFound, "no such photo")
			return
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", photoPolicy)
		h.Set("Cache-Control", "public, max-age=300")
		http.ServeContent(w, r, "", st.ModTime(), rs)
	})
}
