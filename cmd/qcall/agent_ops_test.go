//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"qcall/devices/agent"
)

// agRunLogged runs an agent in the test process, as agRun, with options, and
// gives its log, debug lines included (level=DEBUG: what a technician does
// not see at the normal level).
func agRunLogged(t *testing.T, text string, opts agent.Options) (*agent.Agent, *agLog) {
	t.Helper()
	a, logs, _ := agRunOpts(t, text, opts)
	return a, logs
}

// TestAgent_WrongToken: an agent whose token the hall does not know says so,
// once, at error level, and does not report a lost connection over and over.
func TestAgent_WrongToken(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	data := t.TempDir()
	text := "server = \"" + m.URL + "\"\ntoken = \"not-a-token\"\ndata = \"" + data + "\"\n[reconnect]\nmin = \"10ms\"\nmax = \"20ms\"\n"
	_, logs := agRunLogged(t, text, agent.Options{})
	// The kiosk's token is a real one, of another role: refused as well.
	_, logs2 := agRunLogged(t, strings.Replace(strings.Replace(text, "not-a-token", "demo-kiosk", 1), data, t.TempDir(), 1), agent.Options{})
	for _, l := range []*agLog{logs, logs2} {
		agWaitFor(t, "the token refused, then asked again a few times", func() bool {
			return strings.Count(l.String(), "token still refused") >= 3
		})
		var normal []string // the lines a technician sees
		for _, line := range strings.Split(l.String(), "\n") {
			if !strings.Contains(line, "level=DEBUG") {
				normal = append(normal, line)
			}
		}
		out := strings.Join(normal, "\n")
		if strings.Contains(out, "connection lost") || strings.Count(out, "level=ERROR msg=\"agent: the server refuses the agent's token") != 1 ||
			!strings.Contains(out, "role = \\\"agent\\\"") {
			t.Errorf("want the refusal said once with its hint, and no lost connection:\n%s", out)
		}
	}
}

// TestAgent_VoiceClockSkew: on a PC whose clock is 90 s fast, a call is still
// announced (max_delay is 60 s, and the call is fresh by the server's
// clock), and the agent warns of the skew.
func TestAgent_VoiceClockSkew(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	played := t.TempDir()
	text := "server = \"" + m.URL + "\"\ntoken = \"demo-agent\"\ndata = \"" + t.TempDir() + "\"\n" + fmt.Sprintf(
		"[voice]\n  enabled = true\n  command = [\"sh\", \"-c\", 'cat > \"$0/call.tmp\" && mv \"$0/call.tmp\" \"$0/call.wav\"', %q]\n", played)
	fast := func() time.Time { return time.Now().Add(90 * time.Second) }
	a, logs := agRunLogged(t, text, agent.Options{Now: fast})
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	agIssue(t, m.URL, "employment")
	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agWaitFor(t, "the call announced", func() bool {
		_, err := os.Stat(filepath.Join(played, "call.wav"))
		return err == nil
	})
	out := logs.String()
	if !strings.Contains(out, "clock is off the server's") || !regexp.MustCompile(`server_ahead_by=-1m(29|30|31)s`).MatchString(out) {
		t.Errorf("no warning of the 90 s skew:\n%s", out)
	}
}

// TestListPorts: qcall devices shows each port's USB ids, its stable link,
// its owner and mode, and what to do when this user may not open it.
func TestListPorts(t *testing.T) {
	var b strings.Builder
	listPorts(&b, "zh-CN", []agent.PortInfo{{Name: "/dev/ttyUSB0", USB: true, VID: "1a86", PID: "7523", Links: []string{"/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0"},
		Owner: "root", Group: "dialout", Mode: "-rw-rw----", Checked: true}})
	for _, want := range []string{"/dev/ttyUSB0", "1a86:7523", "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0", "组 dialout", "sudo usermod -aG dialout"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in:\n%s", want, b.String())
		}
	}
}

// TestSystemdUnit: the unit in docs passes systemd's own check, and its
// ExecStart starts the agent with the configuration it names.
func TestSystemdUnit(t *testing.T) {
	text, err := os.ReadFile("../../docs/qcall-agent.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(text)
	for _, want := range []string{"ExecStart=/usr/local/bin/qcall agent --config /etc/qcall/agent.toml", "SupplementaryGroups=dialout", "Restart=always", "User=qcall-agent"} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit has no %q", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze here")
	}
	dir := t.TempDir()
	unit = strings.ReplaceAll(unit, "/usr/local/bin/qcall", qcallBin)
	path := filepath.Join(dir, "qcall-agent.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	// User and groups may not exist on this machine; anything else is a
	// mistake in the unit.
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !strings.Contains(line, "qcall-agent") && !strings.Contains(line, "group") && !strings.Contains(line, "user") {
			t.Errorf("systemd-analyze verify: %s (%v)", line, err)
		}
	}
	// The ExecStart line, as systemd would run it, starts the agent: a
	// missing configuration is the agent's own error, not a flag error.
	cmd := exec.Command(qcallBin, "agent", "--config", filepath.Join(dir, "agent.toml"))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "agent configuration") {
		t.Errorf("qcall agent --config: %v %s", err, out)
	}
}
