//go:build linux

package agent

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"qcall/devices/keypad"
)

// eviocgrab is EVIOCGRAB, _IOW('E', 0x90, int) (linux/input.h).
const eviocgrab = 0x40044590

// inputFile is a keyboard evaluator's event device read as key bytes.
type inputFile struct {
	f *os.File
	r *keypad.InputReader
}

func (in *inputFile) Read(p []byte) (int, error) { return in.r.Read(p) }
func (in *inputFile) Write(p []byte) (int, error) {
	return 0, errors.New("agent: a keyboard evaluator takes no bytes")
}
func (in *inputFile) Close() error { return in.f.Close() }

// openInput opens a Linux input event device (/dev/input/eventN) and takes
// it for the agent alone (EVIOCGRAB), so that its key presses do not also
// type into whatever window has the focus on this PC. A file that is not an
// event device (a named pipe, in the tests) cannot be grabbed; it is read as
// it is.
func openInput(path string) (port, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { unix.IoctlSetInt(int(fd), eviocgrab, 1) })
	}
	// struct input_event: a timeval, then type, code and value.
	size := int(unsafe.Sizeof(unix.Timeval{})) + 8
	return &inputFile{f: f, r: keypad.NewInputReader(f, size)}, nil
}
