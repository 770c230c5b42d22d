//go:build linux

package ptytest_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"qcall/devices/internal/ptytest"
)

// TestOpen_raw checks that every byte value crosses the pair unchanged in both
// directions: no CR/LF translation, no echo, no eaten control bytes (0x03 ^C,
// 0x04 ^D, 0x10 DLE, 0x11/0x13 XON/XOFF, 0x7F DEL).
func TestOpen_raw(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name   string
		ends   func(ptytest.Pair) (w, r *os.File)
		repeat int
	}{
		{"port to device", func(p ptytest.Pair) (*os.File, *os.File) { return p.Port, p.Device }, 1},
		{"device to port", func(p ptytest.Pair) (*os.File, *os.File) { return p.Device, p.Port }, 1},
		{"device to port, 4 KiB", func(p ptytest.Pair) (*os.File, *os.File) { return p.Device, p.Port }, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ptytest.Open(t)
			w, r := tt.ends(p)
			want := bytes.Repeat(all, tt.repeat)
			ptytest.WriteAll(t, w, want)
			got := ptytest.ReadFull(t, r, len(want), 5*time.Second)
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, want %d: % x", len(got), len(want), got)
			}
			// Nothing comes back to the writer: no echo.
			back, err := ptytest.ReadUntil(w, 20*time.Millisecond, func(b []byte) bool { return len(b) > 0 })
			if !errors.Is(err, ptytest.ErrTimeout) {
				t.Fatalf("writer read % x, %v; want timeout (echo?)", back, err)
			}
		})
	}
}
