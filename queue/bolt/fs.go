package bolt

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// logFile is what the store does with its write-ahead log file. The store
// reaches the log only through it and fileSystem, so that a test can put a
// simulated disk under the log: one that loses what was not synced, tears the
// last write, and fails writes and syncs as a failing disk does.
type logFile interface {
	io.ReaderAt
	io.WriterAt
	Size() (int64, error)
	// Sync flushes the data and the metadata (a new size) to the disk.
	Sync() error
	// Datasync flushes the data, and of the metadata only what reading the
	// data back needs: fdatasync(2).
	Datasync() error
	Close() error
}

// fileSystem opens, creates and renames log files.
type fileSystem interface {
	// OpenFile opens an existing file for reading and writing.
	OpenFile(path string) (logFile, error)
	// Create creates or truncates a file for reading and writing.
	Create(path string) (logFile, error)
	Rename(from, to string) error
	Remove(path string) error
	// SyncDir makes the folder's entries (created, renamed files) durable.
	SyncDir(dir string) error
}

// osFS is the real file system.
type osFS struct{}

func (osFS) OpenFile(path string) (logFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Create(path string) (logFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Rename(from, to string) error { return os.Rename(from, to) }
func (osFS) Remove(path string) error     { return os.Remove(path) }
func (osFS) SyncDir(dir string) error     { return syncDir(dir) }

// osFile is a logFile on the real file system.
type osFile struct{ *os.File }

func (f osFile) Size() (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (f osFile) Datasync() error { return datasync(f.File) }

// syncDir makes the entries of the folder dir durable (a created or renamed
// file). Windows has no such sync, and needs none for it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	df, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	defer df.Close()
	return df.Sync()
}
