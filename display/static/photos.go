package static

import (
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"qcall/display/internal/answer"
)

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
			answer.Error(w, r, nil, answer.Errorf(answer.CodeNotFound, "no such photo"))
			return
		}
		f, err := fsys.Open(name)
		if err != nil {
			answer.Error(w, r, nil, answer.Errorf(answer.CodeNotFound, "no such photo"))
			return
		}
		defer f.Close()
		st, err := f.Stat()
		rs, seekable := f.(io.ReadSeeker)
		if err != nil || !st.Mode().IsRegular() || !seekable {
			answer.Error(w, r, nil, answer.Errorf(answer.CodeNotFound, "no such photo"))
			return
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(rs, head)
		if http.DetectContentType(head[:n]) != ctype {
			answer.Error(w, r, nil, answer.Errorf(answer.CodeNotFound, "not a %s image", ctype))
			return
		}
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			answer.Error(w, r, nil, answer.Errorf(answer.CodeNotFound, "no such photo"))
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
