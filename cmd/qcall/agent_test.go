//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"qcall/devices/agent"
	"qcall/devices/devsim"
	"qcall/devices/escpos"
)

// The agent's tests run a real hall server (Main) in the process, the agent
// (in the process, or as a child process where it must be killed), and the
// devices on pseudo-terminal pairs (devsim.Sim). Nothing sleeps: each step
// waits for a condition, with a deadline.

const agWait = 15 * time.Second

// agStartHall starts a hall server on addr ("127.0.0.1:0" for any port) and
// dataDir, closed when the test ends (Close twice is harmless).
func agStartHall(t *testing.T, dataDir, addr string) *Main {
	t.Helper()
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = addr, dataDir, io.Discard
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start hall: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// agLog is a logger that keeps the agent's lines for the failure message.
type agLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *agLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *agLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// agRun runs an agent with configuration text in the test process until
// agRunOpts runs an agent in the test process with opts, its log (debug
// lines too) shown when the test fails; stop ends it (at the latest at the
// test's cleanup).
func agRunOpts(t *testing.T, text string, opts agent.Options) (*agent.Agent, *agLog, func()) {
	t.Helper()
	cfg, err := agent.ParseConfig(text)
	if err != nil {
		t.Fatalf("agent configuration: %v\n%s", err, text)
	}
	logs := &agLog{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := agent.Open(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
			a.Close()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("agent log:\n%s", logs.String())
		}
	})
	return a, logs, stop
}

// the returned stop is called (or the test ends).
func agRun(t *testing.T, text string) (*agent.Agent, func()) {
	t.Helper()
	a, _, stop := agRunOpts(t, text, agent.Options{})
	return a, stop
}

// agWaitFor checks cond until it holds, failing the test after agWait.
func agWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(agWait)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// agSimWait waits for cond, checked whenever a simulated device sees something.
func agSimWait(t *testing.T, sim *devsim.Sim, what string, cond func() bool) {
	t.Helper()
	if !sim.Wait(agWait, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// agEvent is an event of GET /api/events.
type agEvent struct {
	Seq    uint64   `json:"seq"`
	Type   string   `json:"type"`
	Actor  string   `json:"actor"`
	Window int      `json:"window"`
	Ticket string   `json:"ticket"`
	Score  int      `json:"score"`
	Device string   `json:"device"`
	Status string   `json:"status"`
	Note   string   `json:"note"`
	Kiosks []string `json:"kiosks"`
}

// agEvents returns every event of the hall, read as the duty director.
func agEvents(t *testing.T, base, director string) []agEvent {
	t.Helper()
	var all []agEvent
	after := uint64(0)
	for {
		var page struct {
			Events []agEvent `json:"events"`
			Next   uint64    `json:"next"`
		}
		if code := api(t, "GET", fmt.Sprintf("%s/api/events?after=%d&limit=1000", base, after), director, nil, &page); code != 200 {
			t.Fatalf("events: %d", code)
		}
		all = append(all, page.Events...)
		if len(page.Events) == 0 || page.Next <= after {
			return all
		}
		after = page.Next
	}
}

// agCount counts the hall's events that match.
func agCount(t *testing.T, base, director string, match func(agEvent) bool) int {
	n := 0
	for _, e := range agEvents(t, base, director) {
		if match(e) {
			n++
		}
	}
	return n
}

func agStatus(device, status string) func(agEvent) bool {
	return func(e agEvent) bool { return e.Type == "device_status" && e.Device == device && e.Status == status }
}

type agTicket struct {
	ID        string `json:"id"`
	Number    string `json:"number"`
	StatusURL string `json:"status_url"`
}

// agIssue takes a ticket at kiosk-1.
func agIssue(t *testing.T, base, service string) agTicket {
	t.Helper()
	var v agTicket
	if code := api(t, "POST", base+"/api/tickets", "demo-kiosk", map[string]string{"service": service}, &v); code != 201 {
		t.Fatalf("issue %s: %d", service, code)
	}
	return v
}

// agWindow does a window action as staff and fails the test unless it answers 200.
func agWindow(t *testing.T, base, token string, id int, action string, body any) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	var out map[string]any
	if code := api(t, "POST", fmt.Sprintf("%s/api/windows/%d/%s", base, id, action), token, body, &out); code != 200 {
		t.Fatalf("window %d %s: %d %v", id, action, code, out)
	}
}

// agPrinted parses a job the simulated printer received: its text lines and QR
// codes, and whether it ends with a cut.
func agPrinted(t *testing.T, job []byte) (lines, qrs []string) {
	t.Helper()
	ops, err := escpos.Parse(job)
	if err != nil {
		t.Fatalf("job does not parse: %v", err)
	}
	if ops[len(ops)-1].Kind != escpos.OpCut {
		t.Fatalf("job does not end with a cut: %v", ops[len(ops)-1].Kind)
	}
	return escpos.Lines(ops), escpos.QRCodes(ops)
}

func agHasLine(lines []string, s string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, s) })
}

// TestAgent_EndToEnd: a kiosk's ticket is printed, a call shows on the LED,
// a key press rates the ticket, a return slip is printed, a sign-out shows.
func TestAgent_EndToEnd(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	a, _ := agRun(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()))
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })

	tk := agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "the ticket to print", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	lines, qrs := agPrinted(t, sim.Jobs("printer-1")[0])
	// Nobody is signed in yet: the ticket says no window serves it, not a wait.
	for _, want := range []string{tk.Number, "示范", "就业登记", "前面还有 0 人", "暂无窗口办理", "居民身份证", "取号时间"} {
		if !agHasLine(lines, want) {
			t.Errorf("ticket has no line with %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if len(qrs) != 1 || qrs[0] != tk.StatusURL || qrs[0] != m.URL+"/t/"+tk.ID {
		t.Errorf("QR codes %q, want the phone page %s", qrs, tk.StatusURL)
	}

	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agSimWait(t, sim, "the bar to show the window open", func() bool { return sim.Text("led-1") == "1号窗口 欢迎您" })
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	want := tk.Number + " 请到1号窗口"
	agSimWait(t, sim, "the bar to show "+want, func() bool { return sim.Text("led-1") == want })
	agWindow(t, m.URL, staff, 1, "recall", nil)
	agSimWait(t, sim, "the recall on the bar", func() bool { return len(sim.Texts("led-1")) >= 3 && sim.Text("led-1") == want })
	agWindow(t, m.URL, staff, 1, "start", nil)
	agWindow(t, m.URL, staff, 1, "finish", nil)

	director := login(t, m.URL, "9001")
	if err := sim.Press("keypad-1", 4); err != nil {
		t.Fatal(err)
	}
	agWaitFor(t, "the rating event", func() bool {
		return agCount(t, m.URL, director, func(e agEvent) bool {
			return e.Type == "rating_given" && e.Ticket == tk.ID && e.Score == 4 && e.Window == 1 && e.Actor == "agent-1"
		}) == 1
	})

	// A return slip for window 1 prints on printer-1.
	tk2 := agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "the second ticket", func() bool { return len(sim.Jobs("printer-1")) == 2 })
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	var slip struct {
		SlipID string `json:"slip_id"`
	}
	if code := api(t, "POST", m.URL+"/api/windows/1/suspend", staff, map[string]any{"missing": []string{"劳动合同原件"}}, &slip); code != 200 {
		t.Fatalf("suspend: %d", code)
	}
	agSimWait(t, sim, "the return slip", func() bool { return len(sim.Jobs("printer-1")) == 3 })
	lines, qrs = agPrinted(t, sim.Jobs("printer-1")[2])
	for _, want := range []string{"直通反馈单", tk2.Number, "劳动合同原件", slip.SlipID} {
		if !agHasLine(lines, want) {
			t.Errorf("slip has no line with %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if len(qrs) != 1 || qrs[0] != slip.SlipID {
		t.Errorf("slip QR %q, want %s", qrs, slip.SlipID)
	}

	agWindow(t, m.URL, staff, 1, "signout", nil)
	agSimWait(t, sim, "the bar to show the window closed", func() bool { return sim.Text("led-1") == "暂停服务" })
	if n := agCount(t, m.URL, director, agStatus("printer-1", "ok")); n != 1 {
		t.Errorf("%d device_status ok events for printer-1, want 1", n)
	}
}

// agSim opens the simulated devices for windows, with links in linkDir when
// it is not empty.
// TestAgent_TLS: an agent whose server is https://, behind a TLS front (as a
// hall puts nginx or caddy before qcall), with the front's self-signed
// certificate as its ca_file: it follows the hall over wss:// and reports
// over https://.
func TestAgent_TLS(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	target, err := url.Parse(m.URL)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(front.Close)
	front.Config.ErrorLog = log.New(io.Discard, "", 0)
	ca := filepath.Join(t.TempDir(), "hall-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sim := agSim(t, "", []int{1})
	a, _ := agRun(t, fmt.Sprintf("ca_file = %q\n", ca)+sim.ConfigText(front.URL, "demo-agent", t.TempDir()))
	agWaitFor(t, "the agent to connect over TLS", func() bool { return a.Stats().Connected })
	agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "the ticket to print", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	director := login(t, m.URL, "9001")
	agWaitFor(t, "the printer's status over https", func() bool { return agCount(t, m.URL, director, agStatus("printer-1", "ok")) == 1 })
}

func agSim(t *testing.T, linkDir string, windows []int) *devsim.Sim {
	t.Helper()
	sim, err := devsim.Open(devsim.Options{Devices: devsim.Devices(windows), LinkDir: linkDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

// TestAgent_PaperOut: with the roll empty the ticket waits in the spool and
// the hall is told; with paper back it is printed, once.
func TestAgent_PaperOut(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	sim.SetPrinter("printer-1", devsim.PrinterState{PaperOut: true})
	a, _ := agRun(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()))
	director := login(t, m.URL, "9001")

	// A kiosk's websocket hears of it: the event is in the hall's log.
	agWaitFor(t, "device_status paper_out", func() bool {
		return agCount(t, m.URL, director, agStatus("printer-1", "paper_out")) == 1
	})
	tk1 := agIssue(t, m.URL, "pension")
	agWaitFor(t, "the ticket in the spool", func() bool { return a.Stats().Spooled == 1 })
	// The printer is asked again (and still answers paper out) before anything is printed.
	n, _ := sim.Queries("printer-1")
	agSimWait(t, sim, "the printer asked again", func() bool { q, _ := sim.Queries("printer-1"); return q >= n+6 })
	if jobs := len(sim.Jobs("printer-1")); jobs != 0 || a.Pending("printer-1") != 1 {
		t.Fatalf("with paper out: %d jobs printed, %d pending; want 0 and 1", jobs, a.Pending("printer-1"))
	}
	var ev []agEvent
	for _, e := range agEvents(t, m.URL, director) {
		if e.Type == "device_status" && e.Device == "printer-1" {
			ev = append(ev, e)
		}
	}
	if last := ev[len(ev)-1]; last.Status != "paper_out" || !strings.Contains(last.Note, "缺纸") || !strings.Contains(last.Note, "kiosk-1") ||
		!slices.Contains(last.Kiosks, "kiosk-1") {
		t.Errorf("last printer status %+v, want paper_out with a note and kiosks naming kiosk-1", last)
	}

	sim.SetPrinter("printer-1", devsim.PrinterState{})
	agSimWait(t, sim, "the ticket printed", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	agWaitFor(t, "device_status ok", func() bool {
		return agCount(t, m.URL, director, agStatus("printer-1", "ok")) == 1
	})
	tk2 := agIssue(t, m.URL, "pension")
	agSimWait(t, sim, "the next ticket printed", func() bool { return len(sim.Jobs("printer-1")) >= 2 })
	jobs := sim.Jobs("printer-1")
	l1, _ := agPrinted(t, jobs[0])
	l2, _ := agPrinted(t, jobs[1])
	if len(jobs) != 2 || !agHasLine(l1, tk1.Number) || !agHasLine(l2, tk2.Number) {
		t.Fatalf("printed %d jobs, want %s then %s once each", len(jobs), tk1.Number, tk2.Number)
	}
	agWaitFor(t, "the spool empty", func() bool { return a.Pending("printer-1") == 0 && a.Stats().Printed == 2 })
}

// agChild is `qcall agent` running as its own process, to be killed.
type agChild struct {
	cmd *exec.Cmd
	out *agLog
}

func agStartChild(t *testing.T, config string) *agChild {
	t.Helper()
	c := &agChild{cmd: exec.Command(qcallBin, "agent", "--config", config, "-v"), out: &agLog{}}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("agent process output:\n%s", c.out.String())
		}
	})
	return c
}

func (c *agChild) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

// TestAgent_KilledMidJob kills the agent process (SIGKILL) twice: once while
// the ticket waits for a printer that does not answer, once between writing
// the ticket and hearing the printer's status after it. Each time a new agent
// takes over: the ticket is printed, and only once.
func TestAgent_KilledMidJob(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	dir := t.TempDir()
	config := filepath.Join(dir, "agent.toml")
	if err := sim.WriteConfig(config, m.URL, "demo-agent", "data"); err != nil {
		t.Fatal(err)
	}

	// 1. The printer is off: the ticket is spooled, then the agent is killed.
	sim.SetPrinter("printer-1", devsim.PrinterState{Silent: true})
	c := agStartChild(t, config)
	agWaitFor(t, "the agent to connect", func() bool { return strings.Contains(c.out.String(), "agent: connected") })
	tk1 := agIssue(t, m.URL, "employment")
	agWaitFor(t, "the ticket spooled", func() bool { return strings.Contains(c.out.String(), "agent: spooled") })
	c.kill()
	sim.Release("printer-1")

	// 2. The printer prints, then falls silent before its status is asked:
	// the second agent is killed while waiting for that answer.
	_, unanswered := sim.Queries("printer-1")
	sim.SetPrinter("printer-1", devsim.PrinterState{MuteAfterJob: true})
	c = agStartChild(t, config)
	agSimWait(t, sim, "the ticket printed", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	agSimWait(t, sim, "the status query after the job", func() bool { _, u := sim.Queries("printer-1"); return u > unanswered })
	c.kill()
	sim.Release("printer-1")

	// 3. A third agent finds the job written, asks the status, and does not
	// print it again; the next ticket follows it.
	sim.SetPrinter("printer-1", devsim.PrinterState{})
	c = agStartChild(t, config)
	agWaitFor(t, "the job confirmed", func() bool { return strings.Contains(c.out.String(), "agent: printed") })
	tk2 := agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "the next ticket", func() bool { return len(sim.Jobs("printer-1")) >= 2 })
	jobs := sim.Jobs("printer-1")
	l1, _ := agPrinted(t, jobs[0])
	l2, _ := agPrinted(t, jobs[1])
	if len(jobs) != 2 || !agHasLine(l1, tk1.Number) || !agHasLine(l2, tk2.Number) {
		t.Fatalf("printed %d jobs, want %s then %s once each", len(jobs), tk1.Number, tk2.Number)
	}
	// The third agent printed one job and confirmed the other.
	agWaitFor(t, "both jobs done", func() bool { return strings.Count(c.out.String(), "agent: printed") == 2 })
	if n := strings.Count(c.out.String(), "printing it again"); n != 0 {
		t.Errorf("a job was printed again")
	}
}

// TestAgent_CablePulled: the devices' links lead nowhere when the agent
// starts (it starts anyway, and says they are offline); plugged in, they work;
// pulled and plugged in again (on new pseudo-terminals), they work again.
func TestAgent_CablePulled(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, t.TempDir(), []int{1})
	director := login(t, m.URL, "9001")
	for _, d := range []string{"printer-1", "led-1", "keypad-1"} {
		sim.Unplug(d)
	}
	a, _ := agRun(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()))
	agWaitFor(t, "the devices reported offline", func() bool {
		return agCount(t, m.URL, director, agStatus("printer-1", "offline")) >= 1 &&
			agCount(t, m.URL, director, agStatus("led-1", "offline")) >= 1 &&
			agCount(t, m.URL, director, agStatus("keypad-1", "offline")) >= 1
	})
	tk1 := agIssue(t, m.URL, "employment")
	for _, d := range []string{"printer-1", "led-1", "keypad-1"} {
		sim.Plug(d)
	}
	agSimWait(t, sim, "the ticket printed", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agSimWait(t, sim, "the call on the bar", func() bool { return sim.Text("led-1") == tk1.Number+" 请到1号窗口" })

	// Pulled: the LED's port hangs up at once; the printer's is found dead
	// at the next job. Each reports offline again (the hang-up, then why
	// the port does not open, may each be a report: their notes differ).
	ledOff := agCount(t, m.URL, director, agStatus("led-1", "offline"))
	printerOff := agCount(t, m.URL, director, agStatus("printer-1", "offline"))
	for _, d := range []string{"printer-1", "led-1"} {
		sim.Unplug(d)
	}
	agWaitFor(t, "the bar reported offline again", func() bool {
		return agCount(t, m.URL, director, agStatus("led-1", "offline")) > ledOff
	})
	tk2 := agIssue(t, m.URL, "employment")
	agWaitFor(t, "the printer reported offline again", func() bool {
		return agCount(t, m.URL, director, agStatus("printer-1", "offline")) > printerOff
	})
	for _, d := range []string{"printer-1", "led-1"} {
		sim.Plug(d)
	}
	agSimWait(t, sim, "the second ticket printed", func() bool { return len(sim.Jobs("printer-1")) == 2 })
	agWindow(t, m.URL, staff, 1, "finish", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agSimWait(t, sim, "the second call on the bar", func() bool { return sim.Text("led-1") == tk2.Number+" 请到1号窗口" })
	l2, _ := agPrinted(t, sim.Jobs("printer-1")[1])
	if !agHasLine(l2, tk2.Number) {
		t.Errorf("second job is not %s: %q", tk2.Number, l2)
	}
	agWaitFor(t, "the devices reported ok", func() bool {
		return agCount(t, m.URL, director, agStatus("printer-1", "ok")) == 2 &&
			agCount(t, m.URL, director, agStatus("led-1", "ok")) == 2
	})
	agWaitFor(t, "two jobs printed", func() bool { return a.Stats().Printed == 2 })
}

// TestAgent_ServerRestart: the hall server stops and starts again on the same
// data and port; the agent comes back by itself and shows the calls made
// while it was away and after.
func TestAgent_ServerRestart(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	m := agStartHall(t, data, "127.0.0.1:0")
	addr := strings.TrimPrefix(m.URL, "http://")
	sim := agSim(t, "", []int{1})
	a, _ := agRun(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()))
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	var tks []agTicket
	for range 3 {
		tks = append(tks, agIssue(t, m.URL, "employment"))
	}
	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agSimWait(t, sim, "the first call", func() bool { return sim.Text("led-1") == tks[0].Number+" 请到1号窗口" })

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	agWaitFor(t, "the agent to notice", func() bool { return !a.Stats().Connected })
	m = agStartHall(t, data, addr)
	// Called before the agent is back: it must still show.
	agWindow(t, m.URL, staff, 1, "finish", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agSimWait(t, sim, "the call made during the restart", func() bool {
		return slices.Contains(sim.Texts("led-1"), tks[1].Number+" 请到1号窗口")
	})
	agWaitFor(t, "the agent to reconnect", func() bool { return a.Stats().Connected && a.Stats().Connects >= 2 })
	agWindow(t, m.URL, staff, 1, "finish", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agSimWait(t, sim, "the call after", func() bool { return sim.Text("led-1") == tks[2].Number+" 请到1号窗口" })
	if got := len(sim.Jobs("printer-1")); got != 3 {
		t.Errorf("%d tickets printed, want 3", got)
	}
}

// TestAgent_Keypad: a key press rates the window's last finished ticket;
// bytes that are no key are skipped; a second press for the same ticket is
// refused by the hall and ignored.
func TestAgent_Keypad(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1, 2})
	a, _ := agRun(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()))
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	director := login(t, m.URL, "9001")
	tk1 := agIssue(t, m.URL, "employment")
	tk2 := agIssue(t, m.URL, "employment")
	staff1, staff2 := login(t, m.URL, "1001"), login(t, m.URL, "1002")
	agWindow(t, m.URL, staff1, 1, "signin", nil)
	agWindow(t, m.URL, staff2, 2, "signin", nil)
	for _, w := range []struct {
		tok string
		id  int
	}{{staff1, 1}, {staff2, 2}} {
		agWindow(t, m.URL, w.tok, w.id, "call-next", nil)
		agWindow(t, m.URL, w.tok, w.id, "start", nil)
		agWindow(t, m.URL, w.tok, w.id, "finish", nil)
	}

	// Noise first, then key 2 on window 2's keypad (its ticket is tk2).
	sim.Send("keypad-2", []byte{0x00, 0xFF, 'x', 0x1B})
	sim.Press("keypad-2", 2)
	rated := func(id string, score, window int) func() bool {
		return func() bool {
			return agCount(t, m.URL, director, func(e agEvent) bool {
				return e.Type == "rating_given" && e.Ticket == id && e.Score == score && e.Window == window
			}) == 1
		}
	}
	agWaitFor(t, "window 2's rating", rated(tk2.ID, 2, 2))
	if g := a.Stats().Garbage; g < 4 {
		t.Errorf("garbage bytes counted %d, want at least 4", g)
	}
	sim.Press("keypad-1", 4)
	agWaitFor(t, "window 1's rating", rated(tk1.ID, 4, 1))

	// Again on window 1: already rated.
	sim.Press("keypad-1", 1)
	agWaitFor(t, "the second press refused", func() bool { return a.Stats().RatingsRefused == 1 })
	if n := agCount(t, m.URL, director, func(e agEvent) bool { return e.Type == "rating_given" }); n != 2 {
		t.Errorf("%d ratings, want 2", n)
	}
	if a.Stats().Ratings != 2 {
		t.Errorf("stats: %+v", a.Stats())
	}
}

// TestDevsim_Hall runs `qcall devsim` as the user would: it prints its
// devices and writes a configuration; an agent with it prints a ticket and
// shows a call, which devsim shows as text; a key typed on devsim's input is
// a rating.
func TestDevsim_Hall(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	dir := t.TempDir()
	config := filepath.Join(dir, "agent.toml")
	cmd := exec.Command(qcallBin, "devsim", "--windows", "1", "--config", config, "--server", m.URL, "--data", "data")
	cmd.Env = append(os.Environ(), "LANG=zh_CN.UTF-8")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &agLog{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("devsim output:\n%s", out.String())
		}
	})
	changed := make(chan struct{}, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	}()
	seen := func(what, s string) {
		t.Helper()
		deadline := time.NewTimer(agWait)
		defer deadline.Stop()
		for !strings.Contains(out.String(), s) {
			select {
			case <-changed:
			case <-deadline.C:
				t.Fatalf("devsim did not show %s (%q)", what, s)
			}
		}
	}
	seen("the configuration written", "已写入 agent 配置")
	for _, d := range []string{"printer-1", "led-1", "keypad-1", "/dev/pts/"} {
		seen("device "+d, d)
	}
	text, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := agent.LoadConfig(config)
	if err != nil {
		t.Fatalf("devsim's configuration: %v\n%s", err, text)
	}
	a, err := agent.Open(cfg, agent.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	if _, err := os.Stat(filepath.Join(dir, "data", "agent.db")); err != nil {
		t.Errorf("the spool is not in the data folder next to the configuration: %v", err)
	}

	tk := agIssue(t, m.URL, "employment")
	seen("the ticket", "── printer-1 打印了：")
	seen("the ticket number, large", "C 8x8 B | "+tk.Number)
	seen("the QR code", "| "+tk.StatusURL)
	seen("the cut", "cut full")
	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	seen("the call", "[led-1] 显示："+tk.Number+" 请到1号窗口")
	agWindow(t, m.URL, staff, 1, "start", nil)
	agWindow(t, m.URL, staff, 1, "finish", nil)
	io.WriteString(stdin, "3\n")
	director := login(t, m.URL, "9001")
	agWaitFor(t, "the rating", func() bool {
		return agCount(t, m.URL, director, func(e agEvent) bool {
			return e.Type == "rating_given" && e.Ticket == tk.ID && e.Score == 3
		}) == 1
	})
	io.WriteString(stdin, "p\n")
	seen("paper out", "[printer-1] 现在：打印机缺纸")
	io.WriteString(stdin, "q\n")
	seen("goodbye", "虚拟设备已关闭")
	if err := cmd.Wait(); err != nil {
		t.Errorf("devsim: %v", err)
	}
}

// TestAgent_Garbage: noise on every line (a bad cable, a wrong baud rate) is
// skipped; the devices keep working.
func TestAgent_Garbage(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	a, _ := agRun(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()))
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	noise := make([]byte, 1024)
	for i := range noise {
		noise[i] = byte(i*7919>>3) | 0x80 // no ASCII, so no key digit
	}
	for _, d := range []string{"printer-1", "led-1", "keypad-1"} {
		if err := sim.Send(d, noise); err != nil {
			t.Fatal(err)
		}
	}
	agWaitFor(t, "the noise counted", func() bool { return a.Stats().Garbage >= 2*len(noise) })
	tk := agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "the ticket printed", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agWindow(t, m.URL, staff, 1, "call", map[string]string{"ticket_id": tk.ID})
	agSimWait(t, sim, "the call on the bar", func() bool { return sim.Text("led-1") == tk.Number+" 请到1号窗口" })
	agWindow(t, m.URL, staff, 1, "finish", nil)
	sim.Press("keypad-1", 3)
	agWaitFor(t, "the rating", func() bool { return a.Stats().Ratings == 1 })
}

// TestAgent_Voice: with voice on, each call's announcement is fetched from the
// server and played, in order, by the configured command.
func TestAgent_Voice(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	played := t.TempDir()
	text := sim.ConfigText(m.URL, "demo-agent", t.TempDir()) + fmt.Sprintf(
		"\n[voice]\n  enabled = true\n  command = [\"sh\", \"-c\", 'n=$(ls \"$0\" | wc -l); cat > \"$0/$n.tmp\" && mv \"$0/$n.tmp\" \"$0/$n.wav\"', %q]\n", played)
	a, _ := agRun(t, text)
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	tk1, tk2 := agIssue(t, m.URL, "employment"), agIssue(t, m.URL, "employment")
	s1, s2 := login(t, m.URL, "1001"), login(t, m.URL, "1002")
	agWindow(t, m.URL, s1, 1, "signin", nil)
	agWindow(t, m.URL, s2, 2, "signin", nil)
	agWindow(t, m.URL, s1, 1, "call-next", nil)
	agWindow(t, m.URL, s2, 2, "call-next", nil)
	agWaitFor(t, "two announcements played", func() bool {
		_, err := os.Stat(filepath.Join(played, "1.wav"))
		return err == nil
	})
	for i, want := range []string{"/api/voice/zh-CN/" + tk1.Number + "/1.wav", "/api/voice/zh-CN/" + tk2.Number + "/2.wav"} {
		got, _ := os.ReadFile(filepath.Join(played, fmt.Sprintf("%d.wav", i)))
		resp, err := http.Get(m.URL + want)
		if err != nil {
			t.Fatal(err)
		}
		wav, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, wav) {
			t.Errorf("announcement %d is not %s (%d bytes, want %d)", i, want, len(got), len(wav))
		}
	}
	if a.Stats().Announced != 2 {
		t.Errorf("announced %d", a.Stats().Announced)
	}
}

// agProxy stands between the agent and the server: a network that can lose
// every packet without closing anything.
type agProxy struct {
	ln     net.Listener
	target string

	mu   sync.Mutex // guards lost
	lost bool       // bytes vanish, new connections are refused
}

func agStartProxy(t *testing.T, target string) *agProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &agProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.isLost() {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go p.pipe(c, s)
			go p.pipe(s, c)
		}
	}()
	return p
}

func (p *agProxy) isLost() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

func (p *agProxy) setLost(lost bool) {
	p.mu.Lock()
	p.lost = lost
	p.mu.Unlock()
}

// pipe copies from to to, dropping what passes while the network is lost.
func (p *agProxy) pipe(from, to net.Conn) {
	defer from.Close()
	defer to.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 && !p.isLost() {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestAgent_NetworkDrop: the network loses every packet without closing the
// connection; the agent notices within its read timeout, and once the network
// is back it reconnects and shows the calls made meanwhile.
func TestAgent_NetworkDrop(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	proxy := agStartProxy(t, strings.TrimPrefix(m.URL, "http://"))
	sim := agSim(t, "", []int{1})
	via := "http://" + proxy.ln.Addr().String()
	a, _ := agRun(t, "read_timeout = \"600ms\"\n"+sim.ConfigText(via, "demo-agent", t.TempDir()))
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	tk1, tk2 := agIssue(t, m.URL, "employment"), agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "both tickets printed", func() bool { return len(sim.Jobs("printer-1")) == 2 })
	// Idle for longer than the read timeout: the agent's pings keep the
	// connection.
	connects := a.Stats().Connects
	staff := login(t, m.URL, "1001")
	agWindow(t, m.URL, staff, 1, "signin", nil)
	agSimWait(t, sim, "the window open", func() bool { return sim.Text("led-1") == "1号窗口 欢迎您" })
	pongs := a.Stats().Pongs
	agWaitFor(t, "pongs for two read timeouts", func() bool { return a.Stats().Pongs >= pongs+6 })
	if a.Stats().Connects != connects {
		t.Fatalf("an idle connection was dropped: %d connects, want %d", a.Stats().Connects, connects)
	}

	proxy.setLost(true)
	agWaitFor(t, "the agent to notice the dead network", func() bool { return !a.Stats().Connected })
	agWindow(t, m.URL, staff, 1, "call-next", nil) // made while the agent cannot hear
	proxy.setLost(false)
	agSimWait(t, sim, "the call made while the network was down", func() bool { return sim.Text("led-1") == tk1.Number+" 请到1号窗口" })
	agWindow(t, m.URL, staff, 1, "finish", nil)
	agWindow(t, m.URL, staff, 1, "call-next", nil)
	agSimWait(t, sim, "the next call", func() bool { return sim.Text("led-1") == tk2.Number+" 请到1号窗口" })
}
