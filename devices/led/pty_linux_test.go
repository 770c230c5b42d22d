//go:build linux

// The tests that need a real serial line: a pseudo-terminal pair, which
// devices/internal/ptytest opens on Linux only.

package led_test

import (
	"strings"
	"testing"
	"time"

	"qcall/devices/internal/ptytest"
	"qcall/devices/led"
)

// TestDisplay_pty sends frames through a real pseudo-terminal in raw mode: the
// far side, playing the bar, decodes each frame.
func TestDisplay_pty(t *testing.T) {
	f := led.Frame{Prefix: []byte{0x02}, HasAddress: true, Address: 0x01, Length: true, Checksum: led.ChecksumCRC16Modbus, Suffix: []byte{0x03}}
	pair := ptytest.Open(t)
	d, err := led.NewDisplay(pair.Port, f)
	if err != nil {
		t.Fatal(err)
	}
	if d.String() != "led{"+pair.Port.Name()+" addr 0x01}" {
		t.Errorf("String() = %q", d)
	}
	// Texts whose bytes include 0x0a, 0x0d and 0x11 (XON) in the length or CRC.
	for _, text := range []string{"A012 请到3号窗口", "0123456789", "B007 请到12号窗口", "\r\n", ""} {
		want, err := f.Build(text)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Show(text); err != nil {
			t.Fatal(err)
		}
		got := ptytest.ReadFull(t, pair.Device, len(want), 5*time.Second)
		m, err := led.Decode(got, f)
		if err != nil {
			t.Fatalf("Decode(% x): %v", got, err)
		}
		wantText := strings.NewReplacer("\r", " ", "\n", " ").Replace(text)
		if m.Address != 0x01 || m.Text != wantText {
			t.Fatalf("bar got %+v, want %q", m, wantText)
		}
	}
	if _, err := led.NewDisplay(pair.Port, led.Frame{Encoding: "utf-8"}); err == nil {
		t.Error("NewDisplay accepted utf-8")
	}
}
