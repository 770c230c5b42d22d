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
