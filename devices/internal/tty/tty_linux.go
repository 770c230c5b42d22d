// Package tty holds what qcall needs of Linux terminals that the serial
// library does not give: raw mode for pseudo-terminals (the device simulator
// and the tests' virtual serial ports).
package tty

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// MakeRaw sets the terminal f to raw mode as cfmakeraw(3) does: no echo, no
// line editing, no translation of CR/LF, 8 data bits, so that every byte a
// device sends crosses unchanged. It goes through SyscallConn, not Fd, so f
// keeps supporting deadlines.
func MakeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ierr error
	err = rc.Control(func(s uintptr) {
		fd := int(s)
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			ierr = err
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR |
			unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
		ierr = unix.IoctlSetTermios(fd, unix.TCSETS, t)
	})
	if err != nil {
		return err
	}
	if ierr != nil {
		return fmt.Errorf("raw mode %s: %w", f.Name(), ierr)
	}
	return nil
}
