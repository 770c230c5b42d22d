//go:build linux

// Package ptytest gives device tests a real serial line: a pseudo-terminal pair in
// raw mode. The driver under test gets Pair.Port, the /dev/pts/N end, which behaves
// like /dev/ttyUSB0 (a tty with a line discipline); the test plays the hardware on
// Pair.Device, the multiplexer end.
//
// Both ends support SetReadDeadline, so tests wait for bytes with a deadline and
// never sleep.
package ptytest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"qcall/devices/internal/tty"
	"runtime"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Pair is an open pseudo-terminal pair in raw mode.
type Pair struct {
	// Port is the terminal end, handed to the driver as its serial port.
	Port *os.File
	// Device is the far end, where the test plays the printer, LED bar or keypad.
	Device *os.File
}

// Open opens a pseudo-terminal pair, puts the terminal in raw mode (cfmakeraw: no
// echo, no canonical mode, no CR/LF translation, no signals, no flow control, 8-bit
// bytes) and closes both ends when the test ends. It fails the test on error.
func Open(tb testing.TB) Pair {
	tb.Helper()
	p, err := OpenPair()
	if err != nil {
		tb.Fatalf("ptytest: %v", err)
	}
	tb.Cleanup(func() {
		p.Port.Close()
		p.Device.Close()
	})
	return p
}

// OpenPair is Open without a testing.TB; the caller closes both ends.
func OpenPair() (Pair, error) {
	master, tty, err := pty.Open()
	if err != nil {
		return Pair{}, fmt.Errorf("open pty: %w", err)
	}
	// pty.Open calls master.Fd() for its ioctls, which puts the descriptor in
	// blocking mode and disables deadlines on it; a non-blocking duplicate gets a
	// pollable *os.File back.
	dev, err := pollable(master)
	master.Close()
	if err != nil {
		tty.Close()
		return Pair{}, err
	}
	if err := MakeRaw(tty); err != nil {
		tty.Close()
		dev.Close()
		return Pair{}, err
	}
	return Pair{Port: tty, Device: dev}, nil
}

func pollable(f *os.File) (*os.File, error) {
	var fd int
	var derr error
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	if err := rc.Control(func(s uintptr) { fd, derr = unix.Dup(int(s)) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, fmt.Errorf("dup %s: %w", f.Name(), derr)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("nonblock %s: %w", f.Name(), err)
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// MakeRaw sets the terminal f to raw mode (see devices/internal/tty).
func MakeRaw(f *os.File) error { return tty.MakeRaw(f) }

// ReadFull reads exactly n bytes from f, failing the test if they have not all
// arrived within timeout.
func ReadFull(tb testing.TB, f *os.File, n int, timeout time.Duration) []byte {
	tb.Helper()
	got, err := ReadUntil(f, timeout, func(b []byte) bool { return len(b) >= n })
	if err != nil {
		tb.Fatalf("ptytest: read %d bytes: %v (got %d: % x)", n, err, len(got), got)
	}
	return got
}

// ErrTimeout is returned by ReadUntil when done never returned true in time.
var ErrTimeout = errors.New("ptytest: timeout")

// ReadUntil reads from f until done(all bytes so far) returns true, and returns the
// bytes. It returns them with ErrTimeout if timeout passes first, or with the read
// error. The deadline on f is cleared before it returns.
func ReadUntil(f *os.File, timeout time.Duration, done func([]byte) bool) ([]byte, error) {
	if err := f.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	defer f.SetReadDeadline(time.Time{})
	var buf bytes.Buffer
	p := make([]byte, 4096)
	for !done(buf.Bytes()) {
		n, err := f.Read(p)
		buf.Write(p[:n])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if done(buf.Bytes()) {
				break
			}
			return buf.Bytes(), ErrTimeout
		}
		if err != nil {
			return buf.Bytes(), err
		}
	}
	return buf.Bytes(), nil
}

// WriteAll writes b to f in one call and fails the test on error.
func WriteAll(tb testing.TB, f *os.File, b []byte) {
	tb.Helper()
	if _, err := f.Write(b); err != nil {
		tb.Fatalf("ptytest: write: %v", err)
	}
}

// WaitQueued waits until at least n bytes are queued for reading on f (ioctl
// TIOCINQ), without reading them, failing the test after timeout. Tests use it to
// put bytes in a port before the code under test looks.
func WaitQueued(tb testing.TB, f *os.File, n int, timeout time.Duration) {
	tb.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		tb.Fatalf("ptytest: %v", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		var q int
		var qerr error
		if err := rc.Control(func(fd uintptr) { q, qerr = unix.IoctlGetInt(int(fd), unix.TIOCINQ) }); err != nil {
			tb.Fatalf("ptytest: %v", err)
		}
		if qerr != nil {
			tb.Fatalf("ptytest: TIOCINQ: %v", qerr)
		}
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("ptytest: %d of %d bytes queued after %v", q, n, timeout)
		}
		runtime.Gosched()
	}
}
