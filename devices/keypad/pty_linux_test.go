//go:build linux

// The tests that need a real serial line: a pseudo-terminal pair, which
// devices/internal/ptytest opens on Linux only.

package keypad_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"qcall/devices/internal/ptytest"
	"qcall/devices/keypad"
)

// TestReader_pty types on the far side of a real pseudo-terminal and reads the
// presses on the port side; garbage is reported, not fatal; unplugging the
// keypad (closing the far side) ends Run with the read error.
func TestReader_pty(t *testing.T) {
	pair := ptytest.Open(t)
	r, err := keypad.NewReader(pair.Port, escKeys)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.String(), "keypad{"+pair.Port.Name()+"}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	presses := make(chan keypad.Press, 16)
	unknown := make(chan []byte, 16)
	r.Unknown = func(b []byte) { unknown <- b }
	done := make(chan error, 1)
	go func() { done <- r.Run(func(p keypad.Press) { presses <- p }) }()

	next := func() keypad.Press {
		t.Helper()
		select {
		case p := <-presses:
			return p
		case err := <-done:
			t.Fatalf("Run ended: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("no press within 5s")
		}
		return keypad.Press{}
	}
	steps := []struct {
		typed string
		want  []int
	}{
		{"\x1b3", []int{3}},
		{"\x00\r\n\x1b4\xff", []int{4}}, // garbage around a key
		{"\x1b1\xa1", []int{1}},         // 0xA1 waits for its CR…
		{"\r\x1b2", []int{4, 2}},        // …which comes in the next write
		{"\x10\x04\x11\x13\x1b1", []int{1}},
	}
	for _, st := range steps {
		ptytest.WriteAll(t, pair.Device, []byte(st.typed))
		for _, w := range st.want {
			if p := next(); p.Score != w {
				t.Fatalf("after typing %q: press %+v, want score %d", st.typed, p, w)
			}
		}
	}
	var skipped []byte
	for len(skipped) < 8 {
		select {
		case b := <-unknown:
			skipped = append(skipped, b...)
		case <-time.After(5 * time.Second):
			t.Fatalf("skipped %q so far", skipped)
		}
	}
	if want := "\x00\r\n\xff\x10\x04\x11\x13"; string(skipped) != want {
		t.Errorf("skipped %q, want %q", skipped, want)
	}

	pair.Device.Close() // unplug
	select {
	case err := <-done:
		if err == nil || !strings.HasPrefix(err.Error(), "keypad: read: ") {
			t.Fatalf("Run = %v", err)
		}
		// A hung-up tty (like an unplugged USB adapter) reads as EIO, which Go's
		// os package reports as io.EOF.
		if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.EIO) {
			t.Fatalf("Run = %v, want EOF or EIO", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run still running after the far side closed")
	}
	select {
	case p := <-presses:
		t.Fatalf("extra press %+v", p)
	default:
	}
}

// TestReader_close checks that closing the port stops Run with os.ErrClosed.
func TestReader_close(t *testing.T) {
	pair := ptytest.Open(t)
	r, err := keypad.NewReader(pair.Port, keypad.DefaultKeymap())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan keypad.Press, 1)
	done := make(chan error, 1)
	go func() { done <- r.Run(func(p keypad.Press) { got <- p }) }()
	ptytest.WriteAll(t, pair.Device, []byte("4"))
	select {
	case p := <-got:
		if p.Score != 4 {
			t.Fatalf("press %+v", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no press")
	}
	pair.Port.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Run = %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run still running after Close")
	}
}
