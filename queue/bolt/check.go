package bolt

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's file layout, as far as checkFile reads it: two meta pages at the
// start, each a page header (16 bytes) and then the meta, in the machine's
// byte order (little-endian on every platform qcall builds for):
//
//	0 magic, 4 version, 8 page size, 12 flags, 16 root bucket (16 bytes),
//	32 freelist page, 40 high-water page id, 48 txid, 56 FNV-64a checksum of
//	the 56 bytes before it
const (
	boltPageHeader = 16
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltMetaSize   = 64
)

// checkFile looks at the data file before bbolt maps it: bbolt trusts its
// meta page, and a file cut shorter than the pages it names crashes the
// process (SIGBUS) when they are read, a crash loop under a service manager.
// It returns an error wrapping ErrDamaged that says what is wrong, or nil for
// a file that bbolt may open (none or an empty one included).
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil // bbolt writes a new file's pages
	}
	restore := "restore the newest backup (see the README: \"To go back to a backup\")"
	head := make([]byte, 4096)
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	m0, ok0 := parseBoltMeta(head)
	if !ok0 && size < 4096 {
		return fmt.Errorf("%w: %s is %d bytes, too short for a data file: %s", ErrDamaged, path, size, restore)
	}
	// The second meta page sits one page in; its size comes from the first
	// meta, or, when that is damaged, is tried at the usual sizes.
	var m1 boltMeta
	ok1 := false
	for _, ps := range []int64{int64(m0.pageSize), 4096, 8192, 16384, 65536} {
		if ps == 0 || ps > size {
			continue
		}
		b := make([]byte, boltPageHeader+boltMetaSize)
		if _, err := f.ReadAt(b, ps); err != nil {
			continue
		}
		if m1, ok1 = parseBoltMeta(b); ok1 && int64(m1.pageSize) == ps {
			break
		}
		ok1 = false
	}
	var m boltMeta
	switch {
	case ok0 && ok1:
		m = m0
		if m1.txid > m0.txid {
			m = m1
		}
	case ok0:
		m = m0
	case ok1:
		m = m1
	default:
		return fmt.Errorf("%w: %s: both of its meta pages are damaged, it cannot be read: %s", ErrDamaged, path, restore)
	}
	if need := int64(m.pgid) * int64(m.pageSize); size < need {
		return fmt.Errorf("%w: %s is %d bytes, but its pages reach byte %d: it was cut short. "+
			"qcall stopped before reading it; %s, and move %s.wal away only if its events are also in the backup "+
			"(`qcall check --data DIR` says what a folder holds)",
			ErrDamaged, path, size, need, restore, path)
	}
	return nil
}

// boltMeta is what checkFile reads of a bbolt meta page.
type boltMeta struct {
	pageSize uint32
	pgid     uint64 // the high-water mark: pages below it are in the file
	txid     uint64
}

// parseBoltMeta reads the meta of the page that b starts with, and reports
// whether it is whole (magic, version and checksum right).
func parseBoltMeta(b []byte) (boltMeta, bool) {
	if len(b) < boltPageHeader+boltMetaSize {
		return boltMeta{}, false
	}
	m := b[boltPageHeader : boltPageHeader+boltMetaSize]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// Snapshots are stored with a check, so that a damaged one is told from a
// good one and the one before it is used instead: snapMark, the CRC-32C of
// the state's JSON (big-endian), then the JSON. Snapshots of the first format
// are the JSON alone (they start with '{'); they are checked by parsing.
const snapMark = 0x00

// encodeSnapshot is what the snapshots bucket holds for state.
func encodeSnapshot(state []byte) []byte {
	b := make([]byte, 5, 5+len(state))
	b[0] = snapMark
	binary.BigEndian.PutUint32(b[1:], crc32.Checksum(state, castagnoli))
	return append(b, state...)
}

// decodeSnapshot returns the state's JSON of a stored snapshot, or an error
// when it is damaged.
func decodeSnapshot(v []byte) ([]byte, error) {
	if len(v) > 0 && v[0] == snapMark {
		if len(v) < 5 || crc32.Checksum(v[5:], castagnoli) != binary.BigEndian.Uint32(v[1:]) {
			return nil, errors.New("its check does not match")
		}
		return v[5:], nil
	}
	if !json.Valid(v) {
		return nil, errors.New("it is not valid JSON")
	}
	return v, nil
}
