//go:build linux

package devsim

import (
	"bytes"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"qcall/assets"
	"qcall/devices/escpos"
)

// TestDevsim_Printer: status queries are answered as set, jobs are cut apart,
// and a job written in pieces is one job.
func TestDevsim_Printer(t *testing.T) {
	sim, err := Open(Options{Devices: []Spec{{Kind: Printer, Name: "p"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	port := openTTY(t, sim.TTY("p"))
	sim.SetPrinter("p", PrinterState{PaperNearEnd: true})
	st, err := escpos.QueryStatus(port, time.Second)
	if err != nil || !st.PaperNearEnd {
		t.Fatalf("status %v, %v", st, err)
	}
	sim.SetPrinter("p", PrinterState{PaperOut: true})
	if _, err := escpos.QueryStatus(port, time.Second); !errors.Is(err, escpos.ErrPaperOut) {
		t.Fatalf("paper out: %v", err)
	}
	var job bytes.Buffer
	escpos.PrintTicket(&job, escpos.Ticket{Number: "A001", URL: "http://h/t/x"}, escpos.Options{Labels: assets.T})
	b := job.Bytes()
	port.Write(b[:7])
	port.Write(b[7:])
	var slip bytes.Buffer
	escpos.PrintSlip(&slip, escpos.Slip{Code: "SLIP1"}, escpos.Options{Labels: assets.T})
	port.Write(slip.Bytes())
	// Without paper it keeps what it got, and prints it when the paper is back.
	sim.SetPrinter("p", PrinterState{})
	if !sim.Wait(5*time.Second, func() bool { return len(sim.Jobs("p")) == 2 }) {
		t.Fatalf("%d jobs", len(sim.Jobs("p")))
	}
	if !bytes.Equal(sim.Jobs("p")[0], b) {
		t.Error("first job is not the ticket")
	}
	if all, un := sim.Queries("p"); all != 6 || un != 0 {
		t.Errorf("queries %d, unanswered %d", all, un)
	}
}

// openTTY opens a device's terminal by its name, as a driver opens
// /dev/ttyUSB0.
func openTTY(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
