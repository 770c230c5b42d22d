//go:build unix

package main

import "syscall"

// openFilesLimit is the process's limit of open files (the Go runtime has
// raised the soft limit to the hard one), or 0 when unknown.
func openFilesLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0
	}
	return int(r.Cur)
}
