package keypad_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"qcall/devices/keypad"
)

// TestInputReader: a stream of input events, cut at odd places, gives the
// digits pressed; releases, repeats, other keys and other events give nothing.
func TestInputReader(t *testing.T) {
	const size = keypad.InputEventSize64
	var stream bytes.Buffer
	sync := make([]byte, size) // EV_SYN, after each key event
	for _, ev := range [][]byte{
		keypad.InputEvent(size, 4, 1), sync, keypad.InputEvent(size, 4, 0), sync, // KEY_3 pressed, released
		keypad.InputEvent(size, 75, 1), keypad.InputEvent(size, 75, 2), keypad.InputEvent(size, 75, 0), // KEY_KP4, with a repeat
		keypad.InputEvent(size, 1, 1),  // KEY_ESC: not a key of ours
		keypad.InputEvent(size, 79, 1), // KEY_KP1
	} {
		stream.Write(ev)
	}
	all := stream.Bytes()
	// Split every 7 bytes: events arrive in pieces.
	pieces := &chunked{b: all, n: 7}
	r, err := keypad.NewReader(keypad.NewInputReader(pieces, size), keypad.DefaultKeymap())
	if err != nil {
		t.Fatal(err)
	}
	var scores []int
	err = r.Run(func(p keypad.Press) { scores = append(scores, p.Score) })
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Run = %v, want EOF", err)
	}
	if len(scores) != 3 || scores[0] != 3 || scores[1] != 4 || scores[2] != 1 {
		t.Fatalf("scores %v, want [3 4 1]", scores)
	}
}

type chunked struct {
	b []byte
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.b[:min(c.n, len(c.b))])
	c.b = c.b[n:]
	return n, nil
}
