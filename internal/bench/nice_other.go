//go:build !unix

package bench

// lowerPriority is a no-op where the process priority is not set this way.
func lowerPriority(pid int) error { return nil }
