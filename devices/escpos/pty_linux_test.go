//go:build linux

// The tests that need a real serial line: a pseudo-terminal pair, which
// devices/internal/ptytest opens on Linux only.

package escpos_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"qcall/assets"
	"qcall/devices/escpos"
	"qcall/devices/internal/ptytest"
)

func TestPrinter_String(t *testing.T) {
	pair := ptytest.Open(t)
	if got, want := escpos.NewPrinter(pair.Port).String(), "escpos{"+pair.Port.Name()+"}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := escpos.NewPrinter(new(bytes.Buffer)).String(); got != "escpos{}" {
		t.Errorf("String() = %q", got)
	}
}

// fakePrinter plays the printer on the far side of a pty: it waits for the three
// DLE EOT queries, then sends reply (answers, possibly mixed with noise). It
// reports what went wrong on the returned channel.
func fakePrinter(dev *os.File, reply []byte) <-chan error {
	done := make(chan error, 1)
	go func() {
		want := []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4}
		got, err := ptytest.ReadUntil(dev, 5*time.Second, func(b []byte) bool { return len(b) >= len(want) })
		if err != nil {
			done <- err
			return
		}
		if !bytes.Equal(got, want) {
			done <- errors.New("queries: " + string(got))
			return
		}
		if len(reply) > 0 {
			_, err = dev.Write(reply)
		}
		done <- err
	}()
	return done
}

func TestQueryStatus_pty(t *testing.T) {
	tests := []struct {
		name    string
		reply   []byte
		timeout time.Duration
		want    escpos.Status
		wantErr error
	}{
		{"ready", []byte{0x12, 0x12, 0x12}, 5 * time.Second, escpos.Status{Online: true}, nil},
		{"near end", []byte{0x12, 0x12, 0x1E}, 5 * time.Second, escpos.Status{Online: true, PaperNearEnd: true}, nil},
		{"paper out", []byte{0x1A, 0x32, 0x7E}, 5 * time.Second, escpos.Status{PaperOut: true, PaperNearEnd: true}, escpos.ErrPaperOut},
		{"cover open", []byte{0x1A, 0x16, 0x12}, 5 * time.Second, escpos.Status{CoverOpen: true}, escpos.ErrCoverOpen},
		{"cutter error", []byte{0x1A, 0x52, 0x12}, 5 * time.Second, escpos.Status{Error: true}, escpos.ErrOffline},
		{"noise skipped", []byte{0x00, 0xFF, 0x1A, 0x41, 0x0A, 0x80, 0x16, 0x93, 0x01, 0x12}, 5 * time.Second, escpos.Status{CoverOpen: true}, escpos.ErrCoverOpen},
		{"one answer only", []byte{0x12}, 100 * time.Millisecond, escpos.Status{Online: true}, escpos.ErrNoAnswer},
		{"silent", nil, 50 * time.Millisecond, escpos.Status{}, escpos.ErrNoAnswer},
		{"only noise", []byte("hello"), 50 * time.Millisecond, escpos.Status{}, escpos.ErrNoAnswer},
	}
	for _, tt := range tests {
		for _, port := range []struct {
			name string
			wrap func(*os.File) escpos.TimeoutPort
		}{{"deadline", nil}, {"timeout", func(f *os.File) escpos.TimeoutPort { return &timeoutPort{f: f} }}} {
			t.Run(tt.name+"/"+port.name, func(t *testing.T) {
				pair := ptytest.Open(t)
				done := fakePrinter(pair.Device, tt.reply)
				var s escpos.Status
				var err error
				if port.wrap == nil {
					s, err = escpos.QueryStatus(pair.Port, tt.timeout)
				} else {
					s, err = escpos.QueryStatus(port.wrap(pair.Port), tt.timeout)
				}
				if ferr := <-done; ferr != nil {
					t.Fatalf("fake printer: %v", ferr)
				}
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Fatalf("QueryStatus error = %v, want %v", err, tt.wantErr)
				}
				if err != nil && !strings.HasPrefix(err.Error(), "escpos: ") {
					t.Errorf("error %q does not start with escpos:", err)
				}
				if s != tt.want {
					t.Fatalf("QueryStatus = %+v, want %+v", s, tt.want)
				}
				// The deadline was cleared: the port still reads normally.
				if _, err := pair.Device.Write([]byte{0x42}); err != nil {
					t.Fatal(err)
				}
				var b [1]byte
				if n, err := pair.Port.Read(b[:]); n != 1 || err != nil || b[0] != 0x42 {
					t.Fatalf("read after QueryStatus: %d %v % x", n, err, b)
				}
			})
		}
	}
}

// TestQueryStatus_staleBytes checks that answers left in the port from before
// (here: offline, cover open, paper out) are discarded, not taken as the answers.
func TestQueryStatus_staleBytes(t *testing.T) {
	pair := ptytest.Open(t)
	ptytest.WriteAll(t, pair.Device, []byte{0x1A, 0x16, 0x7E})
	ptytest.WaitQueued(t, pair.Port, 3, 5*time.Second)
	done := fakePrinter(pair.Device, []byte{0x12, 0x12, 0x12})
	s, err := escpos.QueryStatus(pair.Port, 5*time.Second)
	if ferr := <-done; ferr != nil {
		t.Fatalf("fake printer: %v", ferr)
	}
	if err != nil || s != (escpos.Status{Online: true}) {
		t.Fatalf("QueryStatus = %+v, %v; want ready", s, err)
	}
}

// timeoutPort adapts a pty end to TimeoutPort the way go.bug.st/serial behaves:
// a read that times out returns 0, nil; a negative timeout blocks.
type timeoutPort struct{ f *os.File }

func (p *timeoutPort) Write(b []byte) (int, error) { return p.f.Write(b) }

func (p *timeoutPort) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil
	}
	return n, err
}

func (p *timeoutPort) SetReadTimeout(d time.Duration) error {
	if d < 0 {
		return p.f.SetReadDeadline(time.Time{})
	}
	return p.f.SetReadDeadline(time.Now().Add(d))
}

// TestPrintTicket_pty prints through a real pseudo-terminal in raw mode and
// parses what arrives on the far side: LF, DLE, 0x04 and GB18030 bytes must
// all cross unchanged.
func TestPrintTicket_pty(t *testing.T) {
	pair := ptytest.Open(t)
	var want bytes.Buffer
	if err := escpos.PrintTicket(&want, demoTicket(), escpos.Options{Labels: assets.T}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- escpos.PrintTicket(pair.Port, demoTicket(), escpos.Options{Labels: assets.T}) }()
	got := ptytest.ReadFull(t, pair.Device, want.Len(), 5*time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("far side got %d bytes, differing from the %d sent", len(got), want.Len())
	}
	ops := checkJob(t, got, escpos.CutFull)
	if qrs := escpos.QRCodes(ops); len(qrs) != 1 || qrs[0] != demoTicket().URL {
		t.Errorf("QR codes %q", qrs)
	}
}
