package static

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qcall/internal/servetest"
)

func TestPhotos(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var jpg, pngb bytes.Buffer
	if err := jpeg.Encode(&jpg, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pngb, img); err != nil {
		t.Fatal(err)
	}
	page := []byte("<html><script>fetch('/api/pending')</script></html>")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	for name, b := range map[string][]byte{
		"1001.jpg": jpg.Bytes(), "1002.PNG": pngb.Bytes(), "evil.html": page, "evil.svg": svg,
		"page.jpg": page, "png-named.jpg": pngb.Bytes(), ".hidden.jpg": jpg.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "dir.jpg"), 0o700)
	mux := http.NewServeMux()
	mux.Handle("GET /photos/{file}", Photos(os.DirFS(dir)))
	base := servetest.Serve(t, mux)

	for file, ctype := range map[string]string{"1001.jpg": "image/jpeg", "1002.PNG": "image/png"} {
		resp, b := servetest.Get(t, base+"/photos/"+file, "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype || len(b) == 0 {
			t.Errorf("%s: %d %s", file, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") != photoPolicy {
			t.Errorf("%s: headers %v", file, resp.Header)
		}
	}
	for _, file := range []string{"evil.html", "evil.svg", "page.jpg", "png-named.jpg", ".hidden.jpg", "dir.jpg", "none.jpg", "..%2f1001.jpg"} {
		resp, b := servetest.Get(t, base+"/photos/"+file, "")
		if resp.StatusCode != 404 || !strings.Contains(string(b), `"not_found"`) {
			t.Errorf("%s: %d %s %.60s, want 404 not_found", file, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		if strings.Contains(resp.Header.Get("Content-Type"), "html") || strings.Contains(resp.Header.Get("Content-Type"), "svg") {
			t.Errorf("%s served as %s", file, resp.Header.Get("Content-Type"))
		}
	}
}
