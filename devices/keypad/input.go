package keypad

import (
	"encoding/binary"
	"io"
)

// Linux input events (linux/input-event-codes.h): a key press is an event of
// type EV_KEY with value 1 (0 is the release, 2 the auto-repeat).
const (
	evKey      = 0x01
	keyPressed = 1
)

// inputKeys maps the key codes of a keyboard-style evaluator to the bytes the
// keymap sees: the digits of the top row (KEY_1 = 2 … KEY_0 = 11) and of the
// number pad (KEY_KP7 = 71 …), the letters A–F, and Enter as "\r". Other keys
// are skipped.
var inputKeys = map[uint16]byte{
	2: '1', 3: '2', 4: '3', 5: '4', 6: '5', 7: '6', 8: '7', 9: '8', 10: '9', 11: '0',
	79: '1', 80: '2', 81: '3', 75: '4', 76: '5', 77: '6', 71: '7', 72: '8', 73: '9', 82: '0',
	30: 'A', 48: 'B', 46: 'C', 32: 'D', 18: 'E', 33: 'F',
	28: '\r', 96: '\r', // KEY_ENTER, KEY_KPENTER
}

// InputEventSize64 is the size of a Linux struct input_event on 64-bit
// systems (amd64, arm64): a 16-byte timeval, type, code, value.
const InputEventSize64 = 24

// InputReader turns the events a USB keyboard-style evaluator sends on Linux
// (/dev/input/eventN, read by the caller) into the bytes a Reader decodes:
// each key press becomes its digit or letter (see inputKeys), so that the
// default keymap "1"…"4" serves. Releases, repeats and other events are
// dropped.
type InputReader struct {
	r    io.Reader
	size int    // bytes per event
	buf  []byte // an event not yet complete
	out  []byte // bytes translated, not yet read
}

// NewInputReader returns an InputReader of r with events of size bytes
// (InputEventSize64, or 16 on 32-bit systems).
func NewInputReader(r io.Reader, size int) *InputReader {
	return &InputReader{r: r, size: size}
}

// Read returns translated key bytes; it reads r until there are some, and
// returns r's error once the bytes before it are read.
func (ir *InputReader) Read(p []byte) (int, error) {
	tmp := make([]byte, 64*ir.size)
	for len(ir.out) == 0 {
		n, err := ir.r.Read(tmp)
		ir.buf = append(ir.buf, tmp[:n]...)
		for len(ir.buf) >= ir.size {
			ev := ir.buf[:ir.size]
			// type, code and value follow the timeval, in the host's
			// byte order (little-endian on every machine the agent runs on).
			t := binary.LittleEndian.Uint16(ev[ir.size-8:])
			code := binary.LittleEndian.Uint16(ev[ir.size-6:])
			value := int32(binary.LittleEndian.Uint32(ev[ir.size-4:]))
			if t == evKey && value == keyPressed {
				if b, ok := inputKeys[code]; ok {
					ir.out = append(ir.out, b)
				}
			}
			ir.buf = ir.buf[ir.size:]
		}
		if err != nil {
			if len(ir.out) == 0 {
				return 0, err
			}
			break
		}
	}
	n := copy(p, ir.out)
	ir.out = ir.out[n:]
	return n, nil
}

// InputEvent returns the bytes of one input event of size bytes: key code
// pressed (value 1) or released (0). For tests and the device simulator.
func InputEvent(size int, code uint16, value int32) []byte {
	ev := make([]byte, size)
	binary.LittleEndian.PutUint16(ev[size-8:], evKey)
	binary.LittleEndian.PutUint16(ev[size-6:], code)
	binary.LittleEndian.PutUint32(ev[size-4:], uint32(value))
	return ev
}
