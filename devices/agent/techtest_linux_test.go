//go:build linux

package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"qcall/devices/devsim"
)

// runCheck runs fn with a context the test ends once it has seen what it
// waited for, and returns fn's output so far.
func runCheck(t *testing.T, fn func(ctx context.Context, out *lockedBuffer) error) (*lockedBuffer, func()) {
	t.Helper()
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx, out) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return out, stop
}

// TestCheckDevices: qcall agent test lights each bar with its name, address
// and window, and shows the raw bytes of each key press with its score.
func TestCheckDevices(t *testing.T) {
	sim, err := devsim.Open(devsim.Options{Devices: devsim.Devices([]int{1, 2})})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cfg, err := ParseConfig(sim.ConfigText("http://127.0.0.1:1", "x", t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	out, stop := runCheck(t, func(ctx context.Context, out *lockedBuffer) error {
		return CheckDevices(ctx, cfg, time.Minute, out)
	})
	if !sim.Wait(10*time.Second, func() bool {
		return sim.Text("led-1") == "led-1 地址0x01 1号窗口" && sim.Text("led-2") == "led-2 地址0x02 2号窗口"
	}) {
		t.Fatalf("bars show %q, %q", sim.Text("led-1"), sim.Text("led-2"))
	}
	if !waitCond(func() bool { return strings.Count(out.String(), "请在") == 2 }) {
		t.Fatalf("keypads not listened to:\n%s", out)
	}
	sim.Send("keypad-2", []byte{0xA1})
	if !waitCond(func() bool { return strings.Contains(out.String(), "[keypad-2] a1") }) {
		t.Fatalf("key bytes not shown:\n%s", out)
	}
	sim.Press("keypad-2", 3)
	if !waitCond(func() bool { return strings.Contains(out.String(), "[keypad-2] 33") }) {
		t.Fatalf("key bytes not shown:\n%s", out)
	}
	stop()
	if s := out.String(); !strings.Contains(s, "[keypad-2] 33  \"3\" → 评分 3") || !strings.Contains(s, "[led-1] 已显示“led-1 地址0x01 1号窗口”：02 01") {
		t.Errorf("output:\n%s", s)
	}
}

// TestProbe: qcall devices --probe says why a port does not open, or shows
// what the device sends.
func TestProbe(t *testing.T) {
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Keypad, Name: "k"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	missing := &lockedBuffer{}
	if err := Probe(context.Background(), PortConfig{Port: "/dev/ttyNOTHERE9"}, "zh-CN", time.Second, missing); err == nil ||
		!strings.Contains(missing.String(), "no_such_port") || !strings.Contains(missing.String(), "qcall devices") {
		t.Fatalf("probe of a missing port: %v\n%s", err, missing)
	}
	out, _ := runCheck(t, func(ctx context.Context, out *lockedBuffer) error {
		return Probe(ctx, PortConfig{Port: sim.TTY("k")}, "en", time.Minute, out)
	})
	if !waitCond(func() bool { return strings.Contains(out.String(), "Opened") }) {
		t.Fatalf("not opened:\n%s", out)
	}
	sim.Send("k", []byte{0x1B, 0x31})
	if !waitCond(func() bool { return strings.Contains(out.String(), `1b 31  "\x1b1"`) }) {
		t.Fatalf("bytes not shown:\n%s", out)
	}
}

// TestDescribePort: a port's stable links, owner, group, mode and whether
// this user may open it.
func TestDescribePort(t *testing.T) {
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Keypad, Name: "k"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	link := filepath.Join(dir, "usb-1a86_USB_Serial-if00-port0")
	if err := os.Symlink(sim.TTY("k"), link); err != nil {
		t.Fatal(err)
	}
	old := linkDirs
	linkDirs = []string{dir, filepath.Join(dir, "none")}
	defer func() { linkDirs = old }()
	p := DescribePort(sim.TTY("k"))
	if len(p.Links) != 1 || p.Links[0] != link || !p.Checked || p.Owner == "" || p.Mode == "" || !p.Access {
		t.Fatalf("%+v", p)
	}
	if err := os.Chmod(sim.TTY("k"), 0); err != nil {
		t.Fatal(err)
	}
	if p := DescribePort(link); os.Getuid() != 0 && p.Access {
		t.Errorf("mode 0 and yet access: %+v", p)
	}
}
