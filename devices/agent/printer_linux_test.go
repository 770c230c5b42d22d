//go:build linux

package agent

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"qcall/devices/devsim"
	"qcall/devices/escpos"
)

// The printer's ports, its job confirmation and max_age, on pseudo-terminals,
// files, FIFOs and a fake spooler.

// printedNumbers returns the ticket number of each job (its third line).
func printedNumbers(jobs [][]byte) []string {
	var numbers []string
	for _, job := range jobs {
		ops, _ := escpos.Parse(job)
		if lines := escpos.Lines(ops); len(lines) > 2 {
			numbers = append(numbers, lines[2])
		}
	}
	return numbers
}

// TestAgentPrinter_USBClass: a USB printer-class device (/dev/usb/lp0) is no
// terminal; the termios calls of a serial port fail on it ("inappropriate ioctl
// for device"). A regular file and a FIFO stand in for it here: the agent
// opens them as plain files and prints.
func TestAgentPrinter_USBClass(t *testing.T) {
	t.Run("regular file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "lp0")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		a, logs := openTestAgent(t, fmt.Sprintf("[[printer]]\nname = \"usb\"\nport = %q\nstatus = false\n", path))
		a.spool.Add(ticketJob("t:1", "usb", "A001"), 0)
		runPart(t, a.printers[0].run)
		if !waitCond(func() bool { return a.Pending("usb") == 0 }) {
			t.Fatalf("job not printed; log:\n%s", logs)
		}
		b, _ := os.ReadFile(path)
		if got := printedNumbers([][]byte{b}); len(got) != 1 || got[0] != "A001" {
			t.Fatalf("file holds %q", got)
		}
		if !strings.Contains(logs.String(), "as=file") {
			t.Errorf("not opened as a plain file:\n%s", logs)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "lp0")
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		far, err := os.OpenFile(path, os.O_RDWR, 0) // the printer's side
		if err != nil {
			t.Fatal(err)
		}
		defer far.Close()
		a, logs := openTestAgent(t, fmt.Sprintf("[[printer]]\nname = \"usb\"\nport = %q\nstatus = false\n", path))
		a.spool.Add(ticketJob("t:1", "usb", "A002"), 0)
		runPart(t, a.printers[0].run)
		var got []byte
		buf := make([]byte, 4096)
		far.SetReadDeadline(time.Now().Add(10 * time.Second))
		for !bytes.HasSuffix(got, []byte{0x1D, 'V', 0}) {
			n, err := far.Read(buf)
			if err != nil {
				t.Fatalf("read the FIFO: %v (got %d bytes); log:\n%s", err, len(got), logs)
			}
			got = append(got, buf[:n]...)
		}
		if numbers := printedNumbers([][]byte{got}); len(numbers) != 1 || numbers[0] != "A002" {
			t.Fatalf("FIFO got %q", numbers)
		}
	})
	t.Run("status through a plain file", func(t *testing.T) {
		// A pseudo-terminal opened without termios calls answers like a
		// printer on /dev/usb/lp0: DLE EOT and GS r come back through reads
		// with deadlines.
		sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "p"}}})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		p, err := openPlain(sim.TTY("p"))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		sim.SetPrinter("p", devsim.PrinterState{PaperNearEnd: true})
		if st, err := escpos.QueryStatus(p, time.Second); err != nil || !st.PaperNearEnd {
			t.Fatalf("status %v, %v", st, err)
		}
		p.Write(escpos.ConfirmRequest(escpos.ConfirmTransmit, 0))
		if n, err := escpos.AwaitConfirm(p, escpos.ConfirmTransmit, 0, 1, time.Second); err != nil || n != 1 {
			t.Fatalf("GS r 1: %d, %v", n, err)
		}
	})
}

// fakeSpooler plays the Windows spooler: it keeps each job, or refuses the
// next ones.
type fakeSpooler struct {
	mu     sync.Mutex // guards the fields below
	jobs   map[string][][]byte
	refuse int // refuse this many jobs more
}

func (f *fakeSpooler) Print(queue, doc string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse > 0 {
		f.refuse--
		return fmt.Errorf("printer queue %q: WritePrinter: the printer is offline", queue)
	}
	if queue != "XP-80C" {
		return fmt.Errorf("printer queue %q: OpenPrinter: the printer name is invalid", queue)
	}
	f.jobs[queue] = append(f.jobs[queue], bytes.Clone(data))
	return nil
}

func (f *fakeSpooler) printed(queue string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jobs[queue]
}

// TestAgentPrinter_Queue prints through a printer queue (Windows), here a
// fake spooler: each job is one raw spooler job. A write the spooler refuses
// leaves the job queued, not "writing": the next attempt prints it without
// claiming the agent stopped while writing.
func TestAgentPrinter_Queue(t *testing.T) {
	fake := &fakeSpooler{jobs: map[string][][]byte{}, refuse: 1}
	old := systemSpooler
	systemSpooler = fake
	t.Cleanup(func() { systemSpooler = old })

	if _, err := ParseConfig("server = \"http://h:1\"\ntoken = \"x\"\n[[printer]]\nname = \"q\"\nqueue = \"XP-80C\"\nstatus = true\n"); err == nil ||
		!strings.Contains(err.Error(), "status = false") {
		t.Errorf("a queue with status: %v", err)
	}
	a, logs := openTestAgent(t, "[[printer]]\nname = \"q\"\nqueue = \"XP-80C\"\nretry = \"20ms\"\n")
	if *a.cfg.Printers[0].Status {
		t.Fatal("a queue defaults to status = true")
	}
	// The first write fails: the job goes back to queued.
	a.spool.Add(ticketJob("t:1", "q", "A001"), 0)
	j, _ := a.spool.Next("q")
	p := a.printers[0]
	if p.open(t.Context()) != true {
		t.Fatal("queue not opened")
	}
	if p.print(t.Context(), j) {
		t.Fatal("a refused job counted printed")
	}
	if j2, _ := a.spool.Next("q"); j2 == nil || j2.State != jobQueued {
		t.Fatalf("after a failed write the job is %+v, want queued", j2)
	}
	p.closePort()
	runPart(t, p.run)
	if !waitCond(func() bool { return a.Pending("q") == 0 }) {
		t.Fatalf("job not printed; log:\n%s", logs)
	}
	if got := printedNumbers(fake.printed("XP-80C")); len(got) != 1 || got[0] != "A001" {
		t.Fatalf("spooler got %q", got)
	}
	if strings.Contains(logs.String(), "stopped while writing") {
		t.Errorf("a failed write was taken for an agent that died while writing:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "as=queue") {
		t.Errorf("log does not say the printer is a queue:\n%s", logs)
	}
}

// TestAgentPrinter_RollEndsMidTicket: the roll runs out in the middle of a
// ticket on a printer that buffers its data (the simulator prints 400 bytes a
// second and answers DLE EOT at once, as a printer does). The status query
// right after the job still says ready; the in-order confirmations (GS r 1,
// GS ( H) are answered only once the job has printed, so the job stays in the
// spool, and is printed in full once the paper is back.
func TestAgentPrinter_RollEndsMidTicket(t *testing.T) {
	for _, tt := range []struct {
		confirm string
		fooled  bool // the job is wrongly counted printed
		rate    int  // bytes the printer prints a second
	}{
		// Slow enough that the roll runs out (1.5 s) well after the status
		// query, however loaded the machine: the check is fooled.
		{"status", true, 20},
		{"gs_r", false, 400},
		{"gs_paren_h", false, 400},
	} {
		t.Run(tt.confirm, func(t *testing.T) {
			sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "p"}}})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			a, logs := openTestAgent(t, fmt.Sprintf("[[printer]]\nname = \"p\"\nport = %q\nbaud = 115200\nretry = \"20ms\"\n"+
				"status_timeout = \"300ms\"\nconfirm = %q\nconfirm_timeout = \"700ms\"\n", sim.Path("p"), tt.confirm))
			sim.SetPrinter("p", devsim.PrinterState{Rate: tt.rate, RollEndsAfter: 30})
			a.spool.Add(ticketJob("t:1", "p", "A001"), 0)
			runPart(t, a.printers[0].run)
			if tt.fooled {
				if !waitCond(func() bool { return sim.Printer("p").PaperOut && a.Stats().Printed == 1 }) {
					t.Fatalf("printed %d: the DLE EOT check should have been fooled", a.Stats().Printed)
				}
				return
			}
			if !waitCond(func() bool { return sim.Printer("p").PaperOut && a.report.get("p").Status == statusPaperOut }) {
				t.Fatalf("paper out not reported: %+v; log:\n%s", a.report.get("p"), logs)
			}
			if a.Stats().Printed != 0 || a.Pending("p") != 1 {
				t.Fatalf("a ticket cut short by the roll's end counted printed (%d printed, %d pending); log:\n%s",
					a.Stats().Printed, a.Pending("p"), logs)
			}
			sim.SetPrinter("p", devsim.PrinterState{Rate: 400})
			if !waitCond(func() bool { return a.Pending("p") == 0 && a.Stats().Printed == 1 }) {
				t.Fatalf("not printed after the paper came back; log:\n%s", logs)
			}
			// The cut-short copy is finished by the printer, then the
			// whole ticket comes again.
			if got := printedNumbers(sim.Jobs("p")); len(got) != 2 || got[0] != "A001" || got[1] != "A001" {
				t.Fatalf("printed %q", got)
			}
			if a.Stats().Printed != 1 {
				t.Errorf("printed counted %d times", a.Stats().Printed)
			}
		})
	}
}

// TestAgentPrinter_MaxAgeInSpool: a ticket that waits in the spool (no paper)
// longer than max_age is dropped, logged, and named in the printer's status
// note to the hall; it is not printed when the paper comes back.
func TestAgentPrinter_MaxAgeInSpool(t *testing.T) {
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "p", Kiosks: []string{"kiosk-1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	a, logs := openTestAgent(t, fmt.Sprintf("[[printer]]\nname = \"p\"\nport = %q\nkiosks = [\"kiosk-1\"]\nretry = \"20ms\"\npoll = \"50ms\"\nmax_age = \"1s\"\n", sim.Path("p")))
	sim.SetPrinter("p", devsim.PrinterState{PaperOut: true})
	j := ticketJob("t:1", "p", "A007")
	j.Ticket.IssuedAt = time.Now()
	a.spool.Add(j, 0)
	runPart(t, a.printers[0].run)
	if !waitCond(func() bool { return a.report.get("p").Status == statusPaperOut }) {
		t.Fatal("paper out not reported")
	}
	if a.Pending("p") != 1 {
		t.Fatal("the ticket was dropped before it was a second old")
	}
	if !waitCond(func() bool { return a.Pending("p") == 0 && strings.Contains(a.report.get("p").Note, "A007") }) {
		t.Fatalf("a ticket waiting longer than max_age is still spooled, or not reported; log:\n%s", logs)
	}
	st := a.report.get("p")
	if st.Status != statusPaperOut || !strings.Contains(st.Note, "A007") || !strings.Contains(st.Note, "打印机缺纸") {
		t.Errorf("status %+v, want paper out naming A007", st)
	}
	if !strings.Contains(logs.String(), "ticket older than max_age") {
		t.Errorf("no log line:\n%s", logs)
	}
	sim.SetPrinter("p", devsim.PrinterState{})
	if !waitCond(func() bool { return a.report.get("p").Status == statusOK }) {
		t.Fatal("printer not ok")
	}
	if n := len(sim.Jobs("p")); n != 0 {
		t.Errorf("%d jobs printed, want none", n)
	}
	if a.Stats().Skipped != 1 {
		t.Errorf("skipped %d", a.Stats().Skipped)
	}
}
