//go:build linux

package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"qcall/devices/internal/ptytest"
	"qcall/devices/keypad"
	"qcall/devices/led"
)

// nextScore waits for a press handed to k's rate goroutine (not running in
// these tests).
func nextScore(t *testing.T, k *keypadDev) int {
	t.Helper()
	select {
	case s := <-k.scores:
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("no press from %s", k.cfg.Name)
		return 0
	}
}

// TestAgentKeypads_Polled: two keypads on one RS-485 line, each asked in
// turn at its address; the one that answers a key gets the press; a finish at
// its window sends it the "please rate" prompt. The test plays both keypads
// on the line's far end.
func TestAgentKeypads_Polled(t *testing.T) {
	pair := ptytest.Open(t)
	frame := func(addr int) string {
		return fmt.Sprintf("[keypad.frame]\nprefix = [0x02]\nhas_address = true\naddress = %d\ncommand = [0x51]\nchecksum = \"xor\"\nsuffix = [0x03]\n", addr)
	}
	a, _ := openTestAgent(t, fmt.Sprintf(`
[[keypad]]
name = "k1"
port = %[1]q
window = 1
poll = "20ms"
prompt = "0x50"
%[2]s
[[keypad]]
name = "k2"
port = %[1]q
window = 2
poll = "20ms"
prompt = "0x50"
%[3]s`, pair.Port.Name(), frame(1), frame(2)))
	if len(a.keyBuses) != 1 || len(a.keyBuses[0].pads) != 2 {
		t.Fatalf("%d keypad lines, want one with both keypads", len(a.keyBuses))
	}
	runPart(t, a.keyBuses[0].run)
	f := a.cfg.Keypads[0].Frame
	answer := func(addr int, payload []byte) {
		f2 := f
		f2.Address = addr
		b, err := f2.BuildPayload(payload, led.ModeShow)
		if err != nil {
			t.Fatal(err)
		}
		ptytest.WriteAll(t, pair.Device, b)
	}
	// question reads the next frame the agent sends.
	var pending []byte
	question := func() led.Message {
		t.Helper()
		var m led.Message
		b, err := ptytest.ReadUntil(pair.Device, 10*time.Second, func(b []byte) bool {
			all := append(append([]byte(nil), pending...), b...)
			for end := 1; end <= len(all); end++ {
				if mm, err := led.Decode(all[:end], f); err == nil {
					m = mm
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatal(err)
		}
		all := append(pending, b...)
		for end := 1; end <= len(all); end++ {
			if _, err := led.Decode(all[:end], f); err == nil {
				pending = append([]byte(nil), all[end:]...)
				break
			}
		}
		return m
	}
	// Keypad 1 never has anything; keypad 2 answers "3" once, then nothing.
	seen := map[int]int{}
	pressed := false
	for !pressed || seen[1] < 2 {
		q := question()
		seen[q.Address]++
		if len(q.Payload) != 0 {
			t.Fatalf("question to %d carries % x", q.Address, q.Payload)
		}
		if q.Address == 2 && !pressed {
			answer(2, []byte("3"))
			pressed = true
		} else {
			answer(q.Address, nil)
		}
	}
	if s := nextScore(t, a.keyByWindow[2][0]); s != 3 {
		t.Fatalf("keypad 2 pressed %d, want 3", s)
	}
	select {
	case s := <-a.keyByWindow[1][0].scores:
		t.Fatalf("keypad 1 pressed %d: it answered nothing", s)
	default:
	}

	// A finish at window 2: keypad 2, and only it, gets the prompt.
	a.handle(&message{Type: "service_finished", Seq: 5, Window: 2, At: time.Now()})
	for {
		q := question()
		answer(q.Address, nil)
		if len(q.Payload) > 0 {
			if q.Address != 2 || string(q.Payload) != "\x50" {
				t.Fatalf("prompt %+v, want 50 to keypad 2", q)
			}
			break
		}
	}
}

// TestAgentKeypads_Prompt: a keypad that sends by itself gets the prompt's
// bytes on its own port when a service finishes at its window.
func TestAgentKeypads_Prompt(t *testing.T) {
	pair := ptytest.Open(t)
	a, _ := openTestAgent(t, fmt.Sprintf("[[keypad]]\nname = \"k\"\nport = %q\nwindow = 4\nprompt = \"0x1B 0x50\"\n", pair.Port.Name()))
	runPart(t, a.keypads[0].run)
	if !waitCond(func() bool { return a.report.get("k").Status == statusOK }) {
		t.Fatal("keypad port not open")
	}
	a.handle(&message{Type: "service_finished", Seq: 1, Window: 3, At: time.Now()}) // another window
	a.handle(&message{Type: "service_finished", Seq: 2, Window: 4, At: time.Now()})
	if got := ptytest.ReadFull(t, pair.Device, 2, 10*time.Second); string(got) != "\x1b\x50" {
		t.Fatalf("prompt % x, want 1b 50", got)
	}
	ptytest.WriteAll(t, pair.Device, []byte("4"))
	if s := nextScore(t, a.keypads[0]); s != 4 {
		t.Fatalf("press %d", s)
	}
}

// TestAgentKeypads_Keyboard: a USB keyboard-style evaluator, read as Linux
// input events. Here the events come through a named pipe standing in for
// /dev/input/eventN (a uinput device would need /dev/uinput, which this
// machine may not have); the grab that a real event device gets cannot be
// tested on a pipe.
func TestAgentKeypads_Keyboard(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "event-kbd")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	a, _ := openTestAgent(t, fmt.Sprintf("[[keypad]]\nname = \"kbd\"\ninput = %q\nwindow = 2\n", fifo))
	// The writer opens first (read-write, so it does not wait for the
	// agent), and stays open until the agent has stopped.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	runPart(t, a.keypads[0].run)
	size := keypad.InputEventSize64
	var events []byte
	for _, code := range []uint16{5, 80} { // KEY_4, then KEY_KP2
		events = append(events, keypad.InputEvent(size, code, 1)...)
		events = append(events, make([]byte, size)...) // EV_SYN
		events = append(events, keypad.InputEvent(size, code, 0)...)
	}
	if _, err := w.Write(events); err != nil {
		t.Fatal(err)
	}
	if s := nextScore(t, a.keypads[0]); s != 4 {
		t.Fatalf("first press %d, want 4", s)
	}
	if s := nextScore(t, a.keypads[0]); s != 2 {
		t.Fatalf("second press %d, want 2", s)
	}
	if st := a.report.get("kbd"); st.Status != statusOK {
		t.Errorf("status %+v", st)
	}
}
