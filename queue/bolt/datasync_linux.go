//go:build linux

package bolt

import (
	"os"
	"syscall"
)

// datasync flushes f's data, and of its metadata only what reading the data
// back needs, to the disk: fdatasync(2). Writes into space that was already
// written and synced change no metadata, so this is one data flush.
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		for {
			if serr = syscall.Fdatasync(int(fd)); serr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
