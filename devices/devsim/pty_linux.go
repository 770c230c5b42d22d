//go:build linux

package devsim

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	termios "qcall/devices/internal/tty"
)

// openPTY opens a pseudo-terminal pair in raw mode: tty is the end a driver
// opens by its name (/dev/pts/N), like /dev/ttyUSB0; dev is the far end, where
// the simulator plays the device. Both support deadlines. (The same as
// devices/internal/ptytest, which this package does not link into the binary
// because it imports testing.)
func openPTY() (dev, tty *os.File, err error) {
	master, tty, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	// pty.Open calls master.Fd(), which puts the descriptor in blocking mode
	// and disables deadlines on it; a non-blocking duplicate is pollable.
	rc, err := master.SyscallConn()
	if err != nil {
		master.Close()
		tty.Close()
		return nil, nil, err
	}
	var fd int
	var derr error
	rc.Control(func(s uintptr) { fd, derr = unix.Dup(int(s)) })
	master.Close()
	if derr != nil {
		tty.Close()
		return nil, nil, fmt.Errorf("dup pty: %w", derr)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		tty.Close()
		return nil, nil, err
	}
	dev = os.NewFile(uintptr(fd), "ptmx")
	if err := termios.MakeRaw(tty); err != nil {
		dev.Close()
		tty.Close()
		return nil, nil, err
	}
	return dev, tty, nil
}

// releaseTTY clears the exclusive mode (TIOCEXCL) that go.bug.st/serial sets
// on the ports it opens, and that stays on a terminal whose owner was killed
// while another process still holds it open.
func releaseTTY(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ierr error
	if err := rc.Control(func(s uintptr) { ierr = unix.IoctlSetInt(int(s), unix.TIOCNXCL, 0) }); err != nil {
		return err
	}
	return ierr
}

// releaseOnClose clears the exclusive mode of tty (see releaseTTY) each time
// a file open on it is closed, until the returned stop is called. A real
// serial port forgets TIOCEXCL when its last user closes it; a
// pseudo-terminal the Sim holds open never has a last close, so an agent
// killed with SIGKILL (its ports closed by the kernel, no TIOCNXCL) would
// leave it locked against every later agent that is not root. inotify tells
// of every close of the terminal's inode, whoever the closer.
func releaseOnClose(tty *os.File) (stop func(), err error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, tty.Name(), unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("inotify %s: %w", tty.Name(), err)
	}
	// Non-blocking, so the runtime's poller waits for it and Close ends a
	// Read in progress.
	events := os.NewFile(uintptr(fd), "inotify")
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := events.Read(buf); err != nil {
				return
			}
			releaseTTY(tty)
		}
	}()
	return func() { events.Close() }, nil
}
