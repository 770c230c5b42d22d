package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qcall/queue/hallfile"
)

// startExample runs a hall of docs/hall.example.toml on loopback and returns
// it with what it printed at start.
func startExample(t *testing.T) (*Main, string) {
	t.Helper()
	var out bytes.Buffer
	m := NewMain()
	m.Addr = "127.0.0.1:0"
	m.DataDir = t.TempDir()
	m.ConfigPath = filepath.Join("..", "..", "docs", "hall.example.toml")
	m.Stdout = &out
	m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, out.String()
}

// TestMain_ExampleLogsIn: every account of the example configuration logs in
// with the password its comments and the README give, and no other.
func TestMain_ExampleLogsIn(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "..", "docs", "hall.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{"docs/hall.example.toml": text, "README.md": readme} {
		if !bytes.Contains(doc, []byte(hallfile.ExamplePassword)) {
			t.Errorf("%s does not say the example's password %q", name, hallfile.ExamplePassword)
		}
	}
	m, _ := startExample(t)
	if len(m.Config.Staff) < 3 {
		t.Fatalf("the example has %d accounts", len(m.Config.Staff))
	}
	for _, s := range m.Config.Staff {
		var r struct{ Token string }
		if code := api(t, "POST", m.URL+"/api/login", "", map[string]string{"job_no": s.JobNo, "password": hallfile.ExamplePassword}, &r); code != http.StatusOK || r.Token == "" {
			t.Errorf("%s (%s) logs in with %q: %d", s.JobNo, s.Role, hallfile.ExamplePassword, code)
		}
	}
	if code := api(t, "POST", m.URL+"/api/login", "", map[string]string{"job_no": m.Config.Staff[0].JobNo, "password": "demo"}, nil); code != http.StatusUnauthorized {
		t.Errorf("the example's account logs in with demo: %d", code)
	}
}

// TestMain_WelcomeWithConfig: with --config the start banner offers no demo
// token, says where the device tokens are, and names the devices; the demo
// hall's banner still gives its links whole.
func TestMain_WelcomeWithConfig(t *testing.T) {
	_, out := startExample(t)
	if strings.Contains(out, "demo-") {
		t.Errorf("the banner of a --config hall offers demo credentials:\n%s", out)
	}
	for _, want := range []string{"/hall.html?token=<display token>", "/evaluator.html?window=1&token=<evaluator token>",
		"device tokens: as set in " + filepath.Join("..", "..", "docs", "hall.example.toml"), "hall-screen", "evaluator-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner does not say %q:\n%s", want, out)
		}
	}
	demo := startMainAt(t, t.TempDir(), "127.0.0.1:0")
	var buf bytes.Buffer
	demo.Stdout = &buf
	demo.printWelcome(true)
	if !strings.Contains(buf.String(), demo.URL+"/hall.html?token=demo-display") || !strings.Contains(buf.String(), "/evaluator.html?window=1&token=demo-evaluator") {
		t.Errorf("the demo banner:\n%s", buf.String())
	}
}
