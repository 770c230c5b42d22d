package hallfile_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
