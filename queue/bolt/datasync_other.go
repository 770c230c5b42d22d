//go:build !linux

package bolt

import "os"

// datasync flushes f to the disk; on this system a full fsync.
func datasync(f *os.File) error { return f.Sync() }
