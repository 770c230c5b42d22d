package hallfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"qcall/queue"
	"qcall/queue/hallfile"
)

// demoTOML is the demo hall written as a configuration file.
func demoTOML(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	cfg := queue.Demo()
	cfg.Demo = false
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestParse_RoundTrip(t *testing.T) {
	text := demoTOML(t)
	cfg, err := hallfile.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := queue.Demo()
	want.Demo = false
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(cfg)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Fatalf("round trip differs:\n%s\n%s", a, b)
	}
}

// TestLoad_ExampleFile keeps docs/hall.example.toml loadable.
func TestLoad_ExampleFile(t *testing.T) {
	if _, err := hallfile.Load(filepath.Join("..", "..", "docs", "hall.example.toml")); err != nil {
		t.Fatal(err)
	}
}

func TestParse_Errors(t *testing.T) {
	text := demoTOML(t)
	lines := strings.Split(text, "\n")
	// find returns the 1-based line of the n-th line containing s.
	find := func(s string, n int) int {
		for i, l := range lines {
			if strings.Contains(l, s) {
				if n == 0 {
					return i + 1
				}
				n--
			}
		}
		t.Fatalf("%q not in the demo file", s)
		return 0
	}
	replace := func(line int, with string) string {
		l := append([]string(nil), lines...)
		l[line-1] = with
		return strings.Join(l, "\n")
	}
	cases := []struct {
		name   string
		text   string
		line   int
		reason string
	}{
		{"syntax", replace(find(`prefix = "B"`, 0), `prefix = "B`), find(`prefix = "B"`, 0), ""},
		{"unknown key", replace(find(`prefix = "C"`, 0), `prefx = "C"`), find(`prefix = "C"`, 0), "unknown key"},
		{"duplicate prefix", replace(find(`prefix = "C"`, 0), `prefix = "A"`), find(`prefix = "C"`, 0), "already used"},
		{"bad window service", replace(find(`services_b = ["pension"]`, 0), `services_b = ["pensoin"]`), find(`services_b = ["pension"]`, 0), "unknown service"},
		{"flapping backup", replace(find(`close_waiting = 2`, 0), `close_waiting = 9`), find(`close_waiting = 2`, 0), "flap"},
		{"bad hours", replace(find(`close = "24:00"`, 0), `close = "25:00"`), find(`close = "24:00"`, 0), "HH:MM"},
		// Names and texts a screen shows: no NUL, controls, bidi or
		// invisible characters, no unbounded length.
		{"NUL in a window name", replace(find(`name = "1号窗口"`, 0), `name = "1号\u0000窗口"`), find(`name = "1号窗口"`, 0), "control character U+0000"},
		{"newline in a staff name", replace(find(`name = "王芳"`, 0), `name = "王\n芳"`), find(`name = "王芳"`, 0), "control character U+000A"},
		{"bidi override in a staff name", replace(find(`name = "王芳"`, 0), `name = "王\u202E芳"`), find(`name = "王芳"`, 0), "bidirectional formatting character U+202E"},
		{"bidi isolate in a service name", replace(find(`name = "就业登记"`, 0), `name = "就业\u2067登记"`), find(`name = "就业登记"`, 0), "bidirectional"},
		{"zero-width space in a device name", replace(find(`name = "kiosk-1"`, 0), `name = "kiosk\u200B-1"`), find(`name = "kiosk-1"`, 0), "invisible character U+200B"},
		{"5 MB notice", replace(find(`notice = `, 0), `notice = "`+strings.Repeat("请", 5<<20/3)+`"`), find(`notice = `, 0), "at most 500"},
		{"long material", replace(find(`materials = [`, 0), `materials = ["`+strings.Repeat("材", 201)+`"]`), find(`materials = [`, 0), "at most 200"},
		{"too many materials", replace(find(`materials = [`, 0), `materials = [`+strings.Repeat(`"x", `, 51)+`]`), find(`materials = [`, 0), "at most 50"},
		{"javascript public_url", replace(find(`public_url = `, 0), `public_url = "javascript:alert(1)"`), find(`public_url = `, 0), "http:// or https://"},
		{"public_url without host", replace(find(`public_url = `, 0), `public_url = "http://"`), find(`public_url = `, 0), "http:// or https://"},
		{"duplicate device token", replace(find(`token = "demo-display"`, 0), `token = "demo-kiosk"`), find(`token = "demo-display"`, 0), `same token as device "kiosk-1"`},
		{"duplicate device name", replace(find(`name = "hall-screen"`, 0), `name = "kiosk-1"`), find(`name = "hall-screen"`, 0), "already used"},
		{"owns on a kiosk", replace(find(`token = "demo-kiosk"`, 0), `token = "demo-kiosk"`+"\n"+`owns = ["printer-9"]`), find(`token = "demo-kiosk"`, 0) + 1, "only an agent owns"},
		{"keypad of an unknown window", replace(find(`keypad_windows = `, 0), `keypad_windows = [11]`), find(`keypad_windows = `, 0), "unknown window 11"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := hallfile.Parse(c.text)
			var ce *queue.ConfigError
			if err == nil {
				t.Fatal("accepted")
			}
			ce, ok := err.(*queue.ConfigError)
			if !ok {
				t.Fatalf("error %T %v", err, err)
			}
			if ce.Line != c.line || !strings.Contains(ce.Error(), c.reason) {
				t.Fatalf("got %q (line %d), want line %d with %q", ce.Error(), ce.Line, c.line, c.reason)
			}
		})
	}
}

// TestParsePublic_Placeholders: the example's placeholder secrets pass on
// loopback (where the example is tried) and are refused, with their line, on
// a public address.
func TestParsePublic_Placeholders(t *testing.T) {
	example := filepath.Join("..", "..", "docs", "hall.example.toml")
	if _, err := hallfile.Load(example); err != nil {
		t.Fatalf("the example on loopback: %v", err)
	}
	_, err := hallfile.LoadPublic(example)
	var ce *queue.ConfigError
	if !errors.As(err, &ce) || ce.Path != "devices[0].token" || ce.Line == 0 || !strings.Contains(err.Error(), "change-me-kiosk-1") {
		t.Fatalf("the example on a public address: %v", err)
	}
	text := demoTOML(t)
	for name, c := range map[string]struct{ old, new, path string }{
		"token":         {`token = "demo-display"`, `token = "change-me-hall-screen"`, "devices[1].token"},
		"password hash": {queue.DemoPasswordHash, hallfile.ExamplePasswordHash, "staff[0].password_hash"},
		"demo password": {"", "", "staff[0].password_hash"},
	} {
		t.Run(name, func(t *testing.T) {
			x := text
			if c.old != "" {
				x = strings.Replace(text, c.old, c.new, 1)
			}
			if strings.Contains(x, "demo-kiosk") {
				// The demo's own tokens are no placeholders; give them real ones.
				x = strings.NewReplacer(`"demo-kiosk"`, `"k-0123456789"`, `"demo-evaluator"`, `"e-0123456789"`, `"demo-agent"`, `"a-0123456789"`, `"demo-display"`, `"d-0123456789"`).Replace(x)
			}
			if _, err := hallfile.Parse(x); err != nil {
				t.Fatalf("on loopback: %v", err)
			}
			_, err := hallfile.ParsePublic(x)
			var ce *queue.ConfigError
			if !errors.As(err, &ce) || ce.Path != c.path || ce.Line == 0 {
				t.Fatalf("public: %v, want refused at %s with a line", err, c.path)
			}
		})
	}
}

func TestLoad_MissingFile(t *testing.T) {
	_, err := hallfile.Load(filepath.Join(t.TempDir(), "none.toml"))
	if err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("got %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestExample_Calendar: the example file's calendar is the built-in 2026 one.
func TestExample_Calendar(t *testing.T) {
	cfg, err := hallfile.Load(filepath.Join("..", "..", "docs", "hall.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Calendar.Holidays, queue.China2026.Holidays) || !slices.Equal(cfg.Calendar.Workdays, queue.China2026.Workdays) {
		t.Fatalf("the example's calendar %+v differs from queue.China2026", cfg.Calendar)
	}
}
