//go:build !linux

package agent

import "errors"

// openInput: keyboard evaluators are read from Linux input devices only.
func openInput(path string) (port, error) {
	return nil, errors.New("agent: keyboard evaluators (input) work on Linux only")
}
