//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/devices/agent"
	"qcall/devices/devsim"
)

// The printer's part of a real installation against a real hall: the
// server's clock, tickets too old to print, two agents printing one kiosk.

// TestAgent_ClockAhead: an agent PC whose clock is 10 minutes fast still
// prints the tickets issued now (max_age goes by the server's clock), and says
// its clock is off.
func TestAgent_ClockAhead(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	fast := func() time.Time { return time.Now().Add(10*time.Minute + 30*time.Second) }
	a, logs, _ := agRunOpts(t, sim.ConfigText(m.URL, "demo-agent", t.TempDir()), agent.Options{Now: fast})
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	tk := agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "the ticket to print", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	if lines, _ := agPrinted(t, sim.Jobs("printer-1")[0]); !agHasLine(lines, tk.Number) {
		t.Fatalf("printed %q, want %s", lines, tk.Number)
	}
	if a.Stats().Skipped != 0 {
		t.Errorf("%d tickets skipped as too old", a.Stats().Skipped)
	}
	if l := logs.String(); !strings.Contains(l, "this PC's clock is off the server's") || !regexp.MustCompile(`server_ahead_by=-10m(29|30|31)s`).MatchString(l) {
		t.Errorf("no warning of the clock 10m30s ahead:\n%s", l)
	}
}

// TestAgent_MaxAgeReported: a ticket issued while the agent was away, older
// than max_age when it comes back, is not printed; the hall's log has a
// device_status of the printer naming it.
func TestAgent_MaxAgeReported(t *testing.T) {
	t.Parallel()
	m := agStartHall(t, t.TempDir(), "127.0.0.1:0")
	sim := agSim(t, "", []int{1})
	data := t.TempDir()
	config := strings.Replace(sim.ConfigText(m.URL, "demo-agent", data), "  retry = ", "  max_age = \"1s\"\n  retry = ", 1)
	a, _, stop := agRunOpts(t, config, agent.Options{})
	agWaitFor(t, "the agent to connect", func() bool { return a.Stats().Connected })
	agIssue(t, m.URL, "employment")
	agSimWait(t, sim, "the first ticket", func() bool { return len(sim.Jobs("printer-1")) == 1 })
	stop()

	tk := agIssue(t, m.URL, "employment")
	issued := time.Now()
	agWaitFor(t, "the ticket to be older than max_age", func() bool { return time.Since(issued) > 1500*time.Millisecond })
	a, _, _ = agRunOpts(t, config, agent.Options{})
	director := login(t, m.URL, "9001")
	agWaitFor(t, "a device_status naming "+tk.Number, func() bool {
		return agCount(t, m.URL, director, func(e agEvent) bool {
			return e.Type == "device_status" && e.Device == "printer-1" && strings.Contains(e.Note, tk.Number) && strings.Contains(e.Note, "未打印")
		}) >= 1
	})
	if a.Stats().Skipped != 1 || len(sim.Jobs("printer-1")) != 1 {
		t.Errorf("skipped %d, printed %d; want 1 skipped and only the first ticket", a.Stats().Skipped, len(sim.Jobs("printer-1")))
	}
}

// TestAgent_TwoPrintersOneKiosk: two agents whose printers both serve
// kiosk-1 would print each ticket twice: the server logs it, GET /api/devices
// shows it, and the agent logs an error.
func TestAgent_TwoPrintersOneKiosk(t *testing.T) {
	t.Parallel()
	serverLog := &agLog{}
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = "127.0.0.1:0", t.TempDir(), io.Discard
	m.Logger = slog.New(slog.NewTextHandler(serverLog, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "printer-1"}, {Kind: devsim.Printer, Name: "printer-2"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	conf := func(name string) string {
		return fmt.Sprintf("server = %q\ntoken = \"demo-agent\"\ndata = %q\n[[printer]]\nname = %q\nport = %q\nkiosks = [\"kiosk-1\"]\n",
			m.URL, t.TempDir(), name, sim.Path(name))
	}
	agRunOpts(t, conf("printer-1"), agent.Options{})
	var devs map[string]struct {
		Status       string   `json:"status"`
		SharesKiosks []string `json:"shares_kiosks"`
	}
	agWaitFor(t, "printer-1 reported", func() bool {
		api(t, "GET", m.URL+"/api/devices", "demo-kiosk", nil, &devs)
		return devs["printer-1"].Status == "ok"
	})
	if len(devs["printer-1"].SharesKiosks) != 0 {
		t.Fatalf("printer-1 alone shares kiosks with %v", devs["printer-1"].SharesKiosks)
	}
	_, logB, _ := agRunOpts(t, conf("printer-2"), agent.Options{})
	agWaitFor(t, "printer-2 reported", func() bool {
		api(t, "GET", m.URL+"/api/devices", "demo-kiosk", nil, &devs)
		return devs["printer-2"].Status == "ok"
	})
	if !slices.Equal(devs["printer-2"].SharesKiosks, []string{"printer-1"}) || !slices.Equal(devs["printer-1"].SharesKiosks, []string{"printer-2"}) {
		t.Errorf("GET /api/devices: %+v, want printer-1 and printer-2 sharing kiosk-1", devs)
	}
	agWaitFor(t, "the agent's error", func() bool {
		return strings.Contains(logB.String(), "level=ERROR msg=\"agent: another agent's printer prints these kiosks' tickets too")
	})
	if !strings.Contains(serverLog.String(), "two agents print the same kiosk's tickets") || !strings.Contains(serverLog.String(), "also_printed_by=[printer-1]") {
		t.Errorf("server log:\n%s", serverLog)
	}
}

// TestAgentTest_Printer: qcall agent test prints a test ticket on each
// printer, confirmed, with the ruler as wide as its columns, and says so; a
// printer that cannot print is named with the reason.
func TestAgentTest_Printer(t *testing.T) {
	t.Parallel()
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "p58"}, {Kind: devsim.Printer, Name: "pout"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	sim.SetPrinter("pout", devsim.PrinterState{PaperOut: true})
	cfg, err := agent.ParseConfig(fmt.Sprintf("server = \"http://127.0.0.1:1\"\ntoken = \"x\"\ndata = %q\n"+
		"[[printer]]\nname = \"p58\"\nport = %q\nmodel = \"generic-58mm\"\n"+
		"[[printer]]\nname = \"pout\"\nport = %q\nstatus_timeout = \"300ms\"\n", t.TempDir(), sim.Path("p58"), sim.Path("pout")))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = agentTestPrinters(context.Background(), &out, cfg, "")
	if err == nil || !strings.Contains(out.String(), "p58：测试票已打印") || !strings.Contains(out.String(), "pout：未能打印") ||
		!strings.Contains(out.String(), "paper out") {
		t.Fatalf("err %v, output:\n%s", err, out.String())
	}
	if sim.Confirms("p58") != 1 || len(sim.Jobs("p58")) != 1 || len(sim.Jobs("pout")) != 0 {
		t.Fatalf("p58: %d confirmations, %d jobs; pout %d jobs", sim.Confirms("p58"), len(sim.Jobs("p58")), len(sim.Jobs("pout")))
	}
	lines, _ := agPrinted(t, sim.Jobs("p58")[0])
	for _, want := range []string{"12345678901234567890123456789012", "打印测试", "p58", "A001", "型号 generic-58mm"} {
		if !agHasLine(lines, want) {
			t.Errorf("test ticket has no line with %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
}
