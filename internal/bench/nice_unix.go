//go:build unix && !linux

package bench

import "syscall"

// lowerPriority gives process pid the lowest CPU priority (nice 19), so that
// on a machine with few cores it runs on time the others leave: the screens
// it plays stand for browsers on machines of their own.
func lowerPriority(pid int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, pid, 19)
}
