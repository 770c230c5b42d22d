package bolt

import (
	"encoding/binary"
	"errors"

	bbolt "go.etcd.io/bbolt"
)

// Check runs bbolt's consistency check of the whole file.
func (d *DB) Check() error {
	return d.db.View(func(tx *bbolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// SnapshotSeqs returns the seqs of the stored snapshots, oldest first.
func (d *DB) SnapshotSeqs() ([]uint64, error) {
	var seqs []uint64
	err := d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSnapshots).ForEach(func(k, _ []byte) error {
			seqs = append(seqs, binary.BigEndian.Uint64(k))
			return nil
		})
	})
	return seqs, err
}

// The log's layout, for tests that cut and damage it.
const (
	WALHeaderSize = walHeaderSize
	RecHeaderSize = recHeaderSize
)

// CloseWAL closes the log file under the DB, so that its next write fails as a
// failing disk would.
func (d *DB) CloseWAL() error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	return d.wal.Close()
}

// Pending returns how many events are in the log but not yet in bbolt.
func (d *DB) Pending() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.pending)
}

// WALEnd returns the offset in the log file where the next record goes.
func (d *DB) WALEnd() int64 {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	return walHeaderSize + int64(len(d.arena))
}

// BoltLast returns the last seq in the bbolt file alone.
func (d *DB) BoltLast() (uint64, error) { return d.boltLast() }

// RecordAt decodes the record at offset off of the log file b, if it is whole
// (its CRC matches), and returns its seq, generation and size.
func RecordAt(b []byte, off int) (seq, gen uint64, size int, ok bool) {
	r, ok := recordAt(b, off, walVersion)
	return r.seq, r.gen, recHeaderSize + len(r.data), ok
}

// OnSimDisk opens the store with its log on disk, bbolt not syncing (the test
// models what a power cut keeps of it through afterCommit, called after each
// bbolt commit) and growing its file in small steps (the test copies it).
func OnSimDisk(disk *SimDisk, afterCommit func()) Option {
	return func(o *options) { o.fs, o.afterCommit, o.noSync, o.allocSize = disk, afterCommit, true, 64<<10 }
}
