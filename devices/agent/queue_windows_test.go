//go:build windows

package agent

import (
	"os"
	"strings"
	"testing"
)

// TestWinspool_UnknownQueue: a queue that does not exist is refused by the
// spooler, with its name in the error.
func TestWinspool_UnknownQueue(t *testing.T) {
	err := winspool{}.Print("qcall-no-such-printer", "qcall test", []byte("\x1b@"))
	if err == nil || !strings.Contains(err.Error(), "qcall-no-such-printer") {
		t.Fatalf("error %v, want one naming the queue", err)
	}
}

// TestWinspool_Print prints a test job on the queue named in
// QCALL_TEST_PRINTER_QUEUE (e.g. a "Generic / Text Only" printer on FILE:).
func TestWinspool_Print(t *testing.T) {
	q := os.Getenv("QCALL_TEST_PRINTER_QUEUE")
	if q == "" {
		t.Skip("QCALL_TEST_PRINTER_QUEUE not set")
	}
	if err := (winspool{}).Print(q, "qcall test", []byte("\x1b@qcall test\n\n\n\x1dV\x01")); err != nil {
		t.Fatal(err)
	}
}
