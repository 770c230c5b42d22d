//go:build !linux

package devsim

import (
	"errors"
	"os"
)

// openPTY is Linux only: the device simulator needs pseudo-terminals.
func openPTY() (dev, tty *os.File, err error) {
	return nil, nil, errors.New("devsim: the device simulator needs Linux pseudo-terminals")
}

func releaseTTY(f *os.File) error { return nil }

func releaseOnClose(tty *os.File) (stop func(), err error) { return func() {}, nil }
