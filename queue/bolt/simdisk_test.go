package bolt

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"sync"
	"syscall"
)

// SimDisk is a simulated disk under the write-ahead log, for power-cut tests.
// Reads see every write (the page cache); the disk holds a file's bytes as of
// its last successful sync, and folder entries as of the last SyncDir. Crash
// gives what a power cut leaves: the synced bytes, plus a random prefix of
// the writes since, the last of them torn at a random byte. Faults: a write
// that fails with ENOSPC after part of it went in, and a sync that fails with
// EIO, after which the writes it should have flushed are gone from the disk
// while reads still see them (the page cache marks them clean: "fsyncgate").
type SimDisk struct {
	mu      sync.Mutex
	rng     *rand.Rand
	files   map[string]*simFile // the folder as the process sees it
	synced  map[string]*simFile // the folder as the disk has it
	crashed bool

	ops       int    // writes and syncs so far
	faultAt   int    // the op that fails; 0: none
	faultKind string // "write" or "sync"
	Faults    int    // faults injected
}

type simFile struct {
	cur     []byte     // what reads see
	durable []byte     // what the disk holds
	pending []simWrite // writes since the last sync, in order
}

type simWrite struct {
	off  int64
	data []byte
}

// NewSimDisk is a disk holding image (file path → bytes, all synced).
func NewSimDisk(image map[string][]byte, seed uint64) *SimDisk {
	d := &SimDisk{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), files: map[string]*simFile{}}
	for name, b := range image {
		d.files[name] = &simFile{cur: bytes.Clone(b), durable: bytes.Clone(b)}
	}
	d.synced = maps.Clone(d.files)
	return d
}

// FailAt makes the n-th write or sync from now fail, when it is of kind
// ("write" or "sync"); otherwise the first of that kind after it.
func (d *SimDisk) FailAt(n int, kind string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faultAt, d.faultKind = d.ops+n, kind
}

// fault reports whether this op, of kind, is to fail.
func (d *SimDisk) fault(kind string) bool {
	d.ops++
	if d.faultAt != 0 && d.ops >= d.faultAt && kind == d.faultKind {
		d.faultAt = 0
		d.Faults++
		return true
	}
	return false
}

// Crash cuts the power: from now on every operation fails, and it returns
// the image the disk holds.
func (d *SimDisk) Crash() map[string][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.crashed = true
	img := map[string][]byte{}
	for name, f := range d.synced {
		b := bytes.Clone(f.durable)
		n := d.rng.IntN(len(f.pending) + 1)
		for i, w := range f.pending[:n] {
			data := w.data
			if i == n-1 {
				data = data[:d.rng.IntN(len(data)+1)]
			}
			b = writeAt(b, data, w.off)
		}
		img[name] = b
	}
	return img
}

var errPowerCut = errors.New("simdisk: the power is off")

func writeAt(b, data []byte, off int64) []byte {
	if end := int(off) + len(data); end > len(b) {
		b = append(b, make([]byte, end-len(b))...)
	}
	copy(b[off:], data)
	return b
}

func (d *SimDisk) OpenFile(path string) (logFile, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.crashed {
		return nil, errPowerCut
	}
	f := d.files[path]
	if f == nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return &simHandle{d: d, f: f}, nil
}

func (d *SimDisk) Create(path string) (logFile, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.crashed {
		return nil, errPowerCut
	}
	f := &simFile{}
	d.files[path] = f
	return &simHandle{d: d, f: f}, nil
}

func (d *SimDisk) Rename(from, to string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.crashed {
		return errPowerCut
	}
	f := d.files[from]
	if f == nil {
		return &fs.PathError{Op: "rename", Path: from, Err: fs.ErrNotExist}
	}
	d.files[to] = f
	delete(d.files, from)
	return nil
}

func (d *SimDisk) Remove(path string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.crashed {
		return errPowerCut
	}
	delete(d.files, path)
	return nil
}

func (d *SimDisk) SyncDir(string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.crashed {
		return errPowerCut
	}
	d.synced = maps.Clone(d.files)
	return nil
}

// simHandle is an open file of a SimDisk.
type simHandle struct {
	d      *SimDisk
	f      *simFile
	closed bool
}

func (h *simHandle) check() error {
	switch {
	case h.d.crashed:
		return errPowerCut
	case h.closed:
		return fs.ErrClosed
	}
	return nil
}

func (h *simHandle) ReadAt(b []byte, off int64) (int, error) {
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	if err := h.check(); err != nil {
		return 0, err
	}
	if off >= int64(len(h.f.cur)) {
		return 0, io.EOF
	}
	n := copy(b, h.f.cur[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (h *simHandle) WriteAt(b []byte, off int64) (int, error) {
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	if err := h.check(); err != nil {
		return 0, err
	}
	n, err := len(b), error(nil)
	if h.d.fault("write") {
		n, err = h.d.rng.IntN(len(b)+1), syscall.ENOSPC
	}
	data := bytes.Clone(b[:n])
	h.f.cur = writeAt(h.f.cur, data, off)
	h.f.pending = append(h.f.pending, simWrite{off: off, data: data})
	return n, err
}

func (h *simHandle) Size() (int64, error) {
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	if err := h.check(); err != nil {
		return 0, err
	}
	return int64(len(h.f.cur)), nil
}

func (h *simHandle) Sync() error     { return h.sync() }
func (h *simHandle) Datasync() error { return h.sync() }

func (h *simHandle) sync() error {
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	if err := h.check(); err != nil {
		return err
	}
	if h.d.fault("sync") {
		// Some of the writes reached the disk, the rest never will.
		n := h.d.rng.IntN(len(h.f.pending) + 1)
		for _, w := range h.f.pending[:n] {
			h.f.durable = writeAt(h.f.durable, w.data, w.off)
		}
		h.f.pending = nil
		return syscall.EIO
	}
	h.f.durable = bytes.Clone(h.f.cur)
	h.f.pending = nil
	return nil
}

func (h *simHandle) Close() error {
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	h.closed = true
	return nil
}
