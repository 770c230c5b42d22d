package display_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"qcall/assets"
	"qcall/display/guard"
	"qcall/display/static"
)

// TestAnswerError_everyJob: an error answered by any of the HTTP side's jobs —
// the API, the hub before the upgrade and its voice, the screens, the photos
// and the host guard — has one shape: the status of its code, JSON with the
// code and the catalogue's message in the request's language, no-store and
// nosniff.
func TestAnswerError_everyJob(t *testing.T) {
	env := newHubEnv(t)
	screens, err := static.New(static.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	screens.Register(mux)
	mux.Handle("GET /photos/{file}", static.Photos(fstest.MapFS{}))
	guarded := httptest.NewServer(guard.LoopbackHosts(mux, func() []string { return nil }))
	defer guarded.Close()
	tests := []struct {
		job, url, host string
		status         int
		code           string
	}{
		{"api", env.srv.URL + "/api/nothing", "", http.StatusNotFound, "not_found"},
		{"hub", env.srv.URL + "/ws?client=bogus", "", http.StatusBadRequest, "invalid_input"},
		{"voice", env.srv.URL + "/api/voice/fr/A001/1.wav", "", http.StatusNotFound, "not_found"},
		{"screens", guarded.URL + "/api/qr", "", http.StatusBadRequest, "invalid_input"},
		{"photos", guarded.URL + "/photos/x.jpg", "", http.StatusNotFound, "not_found"},
		{"host guard", guarded.URL + "/", "evil.example", http.StatusForbidden, "host_not_allowed"},
	}
	for _, tt := range tests {
		for _, lang := range assets.Languages {
			t.Run(tt.job+" "+lang, func(t *testing.T) {
				req, err := http.NewRequest("GET", tt.url, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Accept-Language", lang)
				if tt.host != "" {
					req.Host = tt.host
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var body struct {
					Error struct{ Code, Message string }
				}
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tt.status || body.Error.Code != tt.code {
					t.Errorf("%d %q, want %d %q", resp.StatusCode, body.Error.Code, tt.status, tt.code)
				}
				if want := assets.T(lang, "error."+tt.code); !strings.HasPrefix(body.Error.Message, want) {
					t.Errorf("message %q, want it to start with %q", body.Error.Message, want)
				}
				for k, want := range map[string]string{"Content-Type": "application/json; charset=utf-8",
					"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
					if got := resp.Header.Get(k); got != want {
						t.Errorf("%s: %q, want %q", k, got, want)
					}
				}
			})
		}
	}
}

// TestAnswerError_one reads the source of every package of the HTTP side
// (display and the packages under it): one function writes an error answer
// (answer.NewBody, or net/http's plain-text Error), answer.Error, so that
// every job answers errors alike.
func TestAnswerError_one(t *testing.T) {
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var writers []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				switch f := call.Fun.(type) {
				case *ast.Ident:
					if f.Name == "NewBody" {
						writers = append(writers, fn.Name.Name+" ("+fset.Position(call.Pos()).String()+")")
					}
				case *ast.SelectorExpr:
					if x, ok := f.X.(*ast.Ident); ok && (x.Name == "http" && f.Sel.Name == "Error" || x.Name == "answer" && f.Sel.Name == "NewBody") {
						writers = append(writers, fn.Name.Name+" ("+fset.Position(call.Pos()).String()+")")
					}
				}
				return true
			})
		}
	}
	if len(writers) != 1 || !strings.HasPrefix(writers[0], "Error (internal/answer/answer.go:") {
		slices.Sort(writers)
		t.Errorf("error answers are written by %q; want answer.Error alone", writers)
	}
}
