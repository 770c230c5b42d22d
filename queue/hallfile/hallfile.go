// Package hallfile reads a hall configuration (queue.Config) from a TOML file,
// and says on which line of the file a problem is.
package hallfile

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"qcall/queue"
)

// Load reads and validates the hall configuration in path. A syntax error, an
// unknown key or a rule the configuration breaks is returned as an error that
// names the file, the line and the reason.
func Load(path string) (*queue.Config, error) { return load(path, false) }

// LoadPublic is Load for a hall served on an address other than loopback: it
// also refuses the example file's placeholder secrets (tokens "change-me-…",
// the example's password hash), which anyone who read the example knows.
func LoadPublic(path string) (*queue.Config, error) { return load(path, true) }

func load(path string, public bool) (*queue.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hall configuration: %w", err)
	}
	cfg, err := parse(string(b), public)
	if err != nil {
		return nil, fmt.Errorf("hall configuration %s: %w", path, err)
	}
	return cfg, nil
}

// Parse reads and validates a hall configuration from TOML text.
func Parse(text string) (*queue.Config, error) { return parse(text, false) }

// ParsePublic is Parse for a hall served on an address other than loopback
// (LoadPublic).
func ParsePublic(text string) (*queue.Config, error) { return parse(text, true) }

// ExamplePasswordHash is the password hash written in docs/hall.example.toml,
// the bcrypt of "change-me" (ExamplePassword), refused on a public address
// like the demo hall's.
const ExamplePasswordHash = "$2a$10$O0PPbeB3CXuxCaPdTeiOne92YCcUaNCTpyl6j.tcwH1duQ4xmKGIW"

// ExamplePassword is the password of every account of docs/hall.example.toml.
const ExamplePassword = "change-me"

// placeholder returns the first of cfg's secrets that comes from an example,
// as the path of its field and why.
func placeholder(cfg *queue.Config) (path, reason string) {
	for i, d := range cfg.Devices {
		if strings.HasPrefix(strings.ToLower(d.Token), "change-me") {
			return fmt.Sprintf("devices[%d].token", i), fmt.Sprintf("device %q still has the example's token %q; give it a secret of its own before serving on a public address", d.Name, d.Token)
		}
	}
	for i, s := range cfg.Staff {
		if s.PasswordHash == ExamplePasswordHash || s.PasswordHash == queue.DemoPasswordHash {
			return fmt.Sprintf("staff[%d].password_hash", i), fmt.Sprintf("staff %s still has the example's password hash; make one with qcall hash-password before serving on a public address", s.JobNo)
		}
	}
	return "", ""
}

func parse(text string, public bool) (*queue.Config, error) {
	var cfg queue.Config
	md, err := toml.Decode(text, &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &queue.ConfigError{Path: "syntax", Line: pe.Position.Line, Reason: pe.Message}
		}
		return nil, &queue.ConfigError{Path: "file", Line: lineOf(text, ""), Reason: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		return nil, &queue.ConfigError{Path: k.String(), Line: keyLine(text, k), Reason: "unknown key"}
	}
	if public {
		if path, reason := placeholder(&cfg); path != "" {
			return nil, &queue.ConfigError{Path: path, Line: lineOf(text, path), Reason: reason}
		}
	}
	if err := cfg.Validate(); err != nil {
		var ce *queue.ConfigError
		if errors.As(err, &ce) {
			ce.Line = lineOf(text, ce.Path)
		}
		return nil, err
	}
	return &cfg, nil
}

var pathPart = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?$`)

// lineOf finds the line a field path such as "services[2].backup.close_waiting"
// points at: the n-th [[services]] table, then the key within it. It gives the
// nearest line it can find (the table header when the key is missing), and 0
// when it finds nothing.
func lineOf(text, path string) int {
	lines := strings.Split(text, "\n")
	start, end := 0, len(lines)
	line := 0
	table := ""
	for _, part := range strings.Split(path, ".") {
		m := pathPart.FindStringSubmatch(part)
		if m == nil {
			return line
		}
		name := m[1]
		if m[2] != "" {
			// An array of tables: find its n-th header.
			n, _ := strconv.Atoi(m[2])
			header := "[[" + joinKey(table, name) + "]]"
			count := -1
			found := false
			for i := start; i < end; i++ {
				if strings.TrimSpace(lines[i]) == header {
					count++
					if count == n {
						start, line, found = i+1, i+1, true
						end = nextTable(lines, i+1, header)
						break
					}
				}
			}
			if !found {
				return line
			}
			table = joinKey(table, name)
			continue
		}
		// A sub-table header or a key.
		header := "[" + joinKey(table, name) + "]"
		found := false
		for i := start; i < end; i++ {
			t := strings.TrimSpace(lines[i])
			if t == header {
				start, line, found = i+1, i+1, true
				end = nextTable(lines, i+1, "")
				break
			}
			if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == name {
				return i + 1
			}
		}
		if !found {
			return line
		}
		table = joinKey(table, name)
	}
	return line
}

// nextTable is the index of the next table header after i that is not a
// sub-table of the current one (any header when same is empty).
func nextTable(lines []string, i int, same string) int {
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, "[") {
			if same != "" && t != same && strings.HasPrefix(t, "["+strings.TrimSuffix(strings.TrimPrefix(same, "[["), "]]")+".") {
				continue
			}
			return i
		}
	}
	return len(lines)
}

func joinKey(table, name string) string {
	if table == "" {
		return name
	}
	return table + "." + name
}

// keyLine finds the line of an unknown key by its last part.
func keyLine(text string, k toml.Key) int {
	last := k[len(k)-1]
	for i, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if kk, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(kk) == last {
			return i + 1
		}
		if t == "["+k.String()+"]" || t == "[["+k.String()+"]]" {
			return i + 1
		}
	}
	return 0
}
