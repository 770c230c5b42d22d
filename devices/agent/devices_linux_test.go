//go:build linux

package agent

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"qcall/devices/devsim"
	"qcall/devices/escpos"
	"qcall/devices/internal/ptytest"
	"qcall/devices/led"
)

// The printer, the LED line and the simulator, on pseudo-terminal pairs.

// openTestAgent opens an agent whose server does not answer: its devices
// work from the spool and from handle alone.
func openTestAgent(t *testing.T, text string) (*Agent, *lockedBuffer) {
	t.Helper()
	cfg, err := ParseConfig("server = \"http://127.0.0.1:1\"\ntoken = \"test-token\"\n" + fmt.Sprintf("data = %q\n", t.TempDir()) +
		"[reconnect]\nmin = \"20ms\"\nmax = \"100ms\"\n" + text)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	a, err := Open(cfg, Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Close()
		if t.Failed() {
			t.Logf("agent log:\n%s", logs.String())
		}
	})
	return a, logs
}

type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// runPart runs fn (a device's goroutine) until the test ends.
func runPart(t *testing.T, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func ticketJob(key, printer, number string) *job {
	return &job{Key: key, Printer: printer, Created: time.Now(), Ticket: &escpos.Ticket{HallName: "测试大厅", ServiceName: "就业登记", Number: number}}
}

// TestAgentPrinter_ResumesSpool: jobs left by an agent that died are printed as
// their state says: queued and writing ones (again), sent ones only
// confirmed.
func TestAgentPrinter_ResumesSpool(t *testing.T) {
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "p"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	a, _ := openTestAgent(t, fmt.Sprintf("[[printer]]\nname = \"p\"\nport = %q\nretry = \"20ms\"\n", sim.Path("p")))
	for i, state := range []string{jobQueued, jobSent, jobWriting} {
		j := ticketJob(fmt.Sprintf("t:%d", i), "p", fmt.Sprintf("A00%d", i))
		if _, err := a.spool.Add(j, 0); err != nil {
			t.Fatal(err)
		}
		a.spool.SetState(j, state)
	}
	runPart(t, a.printers[0].run)
	if !waitCond(func() bool { return a.Pending("p") == 0 }) {
		t.Fatalf("%d jobs left", a.Pending("p"))
	}
	var numbers []string
	for _, job := range sim.Jobs("p") {
		ops, _ := escpos.Parse(job)
		numbers = append(numbers, escpos.Lines(ops)[2])
	}
	if fmt.Sprint(numbers) != "[A000 A002]" {
		t.Fatalf("printed %v, want A000 and A002 (A001 was sent before the restart)", numbers)
	}
	if st := a.report.get("p"); st.Status != statusOK {
		t.Errorf("status %+v", st)
	}
}

// TestAgentPrinter_FailsDuringJob: a printer that reports the cover open right
// after a job gets the whole job again once it is closed.
func TestAgentPrinter_FailsDuringJob(t *testing.T) {
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "p"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	a, _ := openTestAgent(t, fmt.Sprintf("[[printer]]\nname = \"p\"\nport = %q\nretry = \"20ms\"\n", sim.Path("p")))
	a.spool.Add(ticketJob("t:1", "p", "A001"), 0)
	sim.SetPrinter("p", devsim.PrinterState{MuteAfterJob: true})
	runPart(t, a.printers[0].run)
	if !sim.Wait(10*time.Second, func() bool { _, u := sim.Queries("p"); return len(sim.Jobs("p")) == 1 && u > 0 }) {
		t.Fatal("no job")
	}
	sim.SetPrinter("p", devsim.PrinterState{CoverOpen: true})
	if !waitCond(func() bool { return a.report.get("p").Status == statusCoverOpen }) {
		t.Fatalf("status %+v", a.report.get("p"))
	}
	sim.SetPrinter("p", devsim.PrinterState{})
	if !waitCond(func() bool { return a.Pending("p") == 0 }) {
		t.Fatal("job not printed again")
	}
	if n := len(sim.Jobs("p")); n != 2 {
		t.Fatalf("%d jobs, want the job twice", n)
	}
}

// TestAgentPrinter_TCP prints on a network printer (raw TCP 9100) played here.
func TestAgentPrinter_TCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	jobs := make(chan []byte, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var job []byte
				dle := 0 // 1 after DLE, 2 after DLE EOT
				r := bufio.NewReader(c)
				for {
					b, err := r.ReadByte()
					if err != nil {
						return
					}
					// devsim's state machine, answering "all fine".
					switch {
					case dle == 0 && b == 0x10:
						dle = 1
					case dle == 1 && b == 0x04:
						dle = 2
					case dle == 2:
						dle = 0
						c.Write([]byte{0x12}) // DLE EOT n: online, no fault (the fixed bits alone)
					default:
						job = append(job, b)
						if bytes.Contains(job[max(0, len(job)-4):], []byte{0x1D, 'V'}) {
							if ops, _ := escpos.Parse(job); len(ops) > 0 && ops[len(ops)-1].Kind == escpos.OpCut {
								jobs <- job
								job = nil
							}
						}
					}
				}
			}()
		}
	}()
	a, _ := openTestAgent(t, fmt.Sprintf("[[printer]]\nname = \"net\"\naddress = %q\n", ln.Addr().String()))
	a.spool.Add(ticketJob("t:1", "net", "C042"), 0)
	runPart(t, a.printers[0].run)
	select {
	case job := <-jobs:
		ops, _ := escpos.Parse(job)
		if lines := escpos.Lines(ops); !strings.Contains(strings.Join(lines, "\n"), "C042") {
			t.Fatalf("job lines %q", lines)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing printed over TCP")
	}
}

// TestAgentLEDs_SharedLine: two bars on one RS-485 line get their own frames
// (own addresses), and the bytes a bar sends back are skipped.
func TestAgentLEDs_SharedLine(t *testing.T) {
	pair := ptytest.Open(t)
	a, _ := openTestAgent(t, fmt.Sprintf(`
[[led]]
name = "led-3"
port = %[1]q
window = 3
[led.frame]
prefix = [0xAA, 0x55]
has_address = true
address = 0x03
length = true
checksum = "crc16modbus"

[[led]]
name = "led-4"
port = %[1]q
window = 4
template = "{number}>{window}"
[led.frame]
prefix = [0xAA, 0x55]
has_address = true
address = 0x04
length = true
checksum = "crc16modbus"
`, pair.Port.Name()))
	if len(a.ledPorts) != 1 {
		t.Fatalf("%d LED ports, want the line shared", len(a.ledPorts))
	}
	runPart(t, a.ledPorts[0].run)
	ptytest.WriteAll(t, pair.Device, []byte("\x06garbage\x15")) // an ACK, noise and a NAK from the bars
	a.handle(&message{Type: "ticket_called", Seq: 1, Window: 4, Number: "B007"})
	a.handle(&message{Type: "ticket_called", Seq: 2, Window: 3, Number: "A012", WindowName: "3号窗口"})
	f := a.cfg.LEDs[0].Frame
	var got []led.Message
	_, err := ptytest.ReadUntil(pair.Device, 10*time.Second, func(b []byte) bool {
		got = got[:0]
		for len(b) > 0 {
			n := 0
			for end := 1; end <= len(b); end++ {
				if m, err := led.Decode(b[:end], f); err == nil {
					got, n = append(got, m), end
					break
				}
			}
			if n == 0 {
				break
			}
			b = b[n:]
		}
		return len(got) >= 2
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Address == 4 {
		got[0], got[1] = got[1], got[0]
	}
	if got[0].Address != 3 || got[0].Text != "A012 请到3号窗口" || got[1].Address != 4 || got[1].Text != "B007>4" {
		t.Fatalf("frames %+v", got)
	}
	if !waitCond(func() bool { return a.Stats().Garbage == 9 }) {
		t.Errorf("garbage counted %d, want 9", a.Stats().Garbage)
	}
}

// waitCond checks cond every 5 ms until it holds, for at most 5 s.
func waitCond(cond func() bool) bool {
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
	return true
}
