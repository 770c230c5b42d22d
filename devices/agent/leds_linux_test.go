//go:build linux

package agent

import (
	"fmt"
	"testing"
	"time"

	"qcall/devices/internal/ptytest"
	"qcall/devices/led"
)

// ledFrames reads frames of f from pair's device end until n have come or
// timeout, with the time each was complete.
func ledFrames(t *testing.T, pair ptytest.Pair, f led.Frame, n int, timeout time.Duration) ([]led.Message, []time.Time) {
	t.Helper()
	var got []led.Message
	var at []time.Time
	buf := make([]byte, 256)
	deadline := time.Now().Add(timeout)
	var pending []byte
	for len(got) < n {
		if err := pair.Device.SetReadDeadline(deadline); err != nil {
			t.Fatal(err)
		}
		k, err := pair.Device.Read(buf)
		if err != nil {
			t.Fatalf("%d of %d frames: %v (got %+v)", len(got), n, err, got)
		}
		pending = append(pending, buf[:k]...)
		for {
			end := 0
			var m led.Message
			for e := 1; e <= len(pending); e++ {
				if mm, err := led.Decode(pending[:e], f); err == nil {
					end, m = e, mm
					break
				}
			}
			if end == 0 {
				break
			}
			got, at = append(got, m), append(at, time.Now())
			pending = pending[end:]
		}
	}
	pair.Device.SetReadDeadline(time.Time{})
	return got, at
}

// TestAgentLEDs_RecallBlinksRefreshShows: a recall goes out with the bar's
// blink command, once; the periodic refresh sends the same text still, so
// that a bar switched off and on by itself shows it again without a call.
func TestAgentLEDs_RecallBlinksRefreshShows(t *testing.T) {
	pair := ptytest.Open(t)
	a, _ := openTestAgent(t, fmt.Sprintf(`
[[led]]
name = "led-1"
port = %q
window = 1
refresh = "100ms"
[led.frame]
prefix = [0x02]
has_address = true
address = 1
address_format = "ascii"
command = [0x31]
blink_command = [0x32]
checksum = "sum8"
escape = "byte"
escape_byte = 0x1B
escape_xor = 0x80
suffix = [0x03]
`, pair.Port.Name()))
	runPart(t, a.ledPorts[0].run)
	a.handle(&message{Type: "ticket_called", Seq: 1, Window: 1, Number: "A001"})
	a.handle(&message{Type: "ticket_recalled", Seq: 2, Window: 1, Number: "A001"})
	got, _ := ledFrames(t, pair, a.cfg.LEDs[0].Frame, 4, 10*time.Second)
	// The call may be overtaken by the recall before it is written: either
	// way one blinking frame comes, then only still ones.
	blinks := 0
	for i, m := range got {
		if m.Text != "A001 请到1号窗口" || m.Address != 1 {
			t.Fatalf("frame %d: %+v", i, m)
		}
		if m.Mode == led.ModeBlink {
			blinks++
			if i == len(got)-1 {
				t.Fatalf("the last frame blinks: %+v", got)
			}
		}
	}
	if blinks != 1 {
		t.Fatalf("%d blinking frames in %+v, want the recall's one", blinks, got)
	}
}

// TestAgentLEDs_Gap: two bars on one RS-485 line get their frames at least
// the gap apart (plus the time a frame takes on the line at the baud rate).
func TestAgentLEDs_Gap(t *testing.T) {
	pair := ptytest.Open(t)
	const gap = 300 * time.Millisecond
	a, _ := openTestAgent(t, fmt.Sprintf(`
[[led]]
name = "led-3"
port = %[1]q
window = 3
gap = "300ms"
[led.frame]
prefix = [0xAA, 0x55]
has_address = true
address = 3
length = true
length_size = 2
checksum = "crc16modbus"

[[led]]
name = "led-4"
port = %[1]q
window = 4
[led.frame]
prefix = [0xAA, 0x55]
has_address = true
address = 4
length = true
length_size = 2
checksum = "crc16modbus"
`, pair.Port.Name()))
	runPart(t, a.ledPorts[0].run)
	a.handle(&message{Type: "ticket_called", Seq: 1, Window: 3, Number: "A012"})
	a.handle(&message{Type: "ticket_called", Seq: 2, Window: 4, Number: "B007"})
	got, at := ledFrames(t, pair, a.cfg.LEDs[0].Frame, 2, 10*time.Second)
	for i := 1; i < len(at); i++ {
		if d := at[i].Sub(at[i-1]); d < gap {
			t.Errorf("frame %d came %v after the one before (%+v), want at least %v", i, d, got, gap)
		}
	}
}
