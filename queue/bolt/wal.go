package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// The write-ahead log's file format; see the package comment.
const (
	walMagic   = "qcallWAL"
	walVersion = 1

	// walHeaderSize is the header block at the start of the file. Records
	// start after it, so that no record write ever touches a page of the
	// header.
	walHeaderSize = 4096
	// walSlotSize is one epoch slot of the header: epoch (8), CRC-32C (4).
	walSlotSize = 12
	// recHeaderSize is the header of a record: CRC-32C (4), payload length
	// (4), seq (8), generation (8), flags (4), reserved (4).
	recHeaderSize = 32
	// flagEndOfBatch marks the last record of a batch.
	flagEndOfBatch = 1

	// walChunk is how much zeroed space the log is created with and grows by.
	walChunk = 1 << 20

	// DefaultWALSize is the size the write-ahead log may grow to when the
	// WALSize option is not given. Past it, the pending events are moved
	// into the data file (a checkpoint) and the log starts over. Measured
	// with batches of 16 events: a checkpoint's share of an Append is 17.8
	// µs at 256 KiB, 16.8 at 1 MiB, 13.8 at 2 MiB, 13.0 at 4 MiB, while the
	// pause of one checkpoint grows with the size (1.4, 5.2, 8.6, 16 ms):
	// 2 MiB is where a larger log stops paying.
	DefaultWALSize = 2 << 20

	// minWALSize is the smallest WALSize accepted: the header and a page.
	minWALSize = 2 * walHeaderSize
)

// walSlots are the offsets of the two epoch slots in the header block, in
// sectors of their own: a torn write of one leaves the other whole.
var walSlots = [2]int64{512, 1024}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// zeros is what new log space is written with.
var zeros = make([]byte, 64<<10)

// pendingEvent is an event in the log but not yet in the data file: its seq
// and its JSON, the bytes the checkpoint puts into the events bucket.
type pendingEvent struct {
	seq  uint64
	data []byte
}

// walHeader builds the header block of a new log holding epoch in slot 0.
func walHeader(epoch uint64) []byte {
	b := make([]byte, walHeaderSize)
	copy(b, walMagic)
	binary.BigEndian.PutUint32(b[8:], walVersion)
	copy(b[walSlots[0]:], walSlot(0, epoch))
	return b
}

// walSlot encodes epoch for slot i; the CRC covers the slot's index too, so
// that a slot's bytes found at the other slot's place do not count.
func walSlot(i int, epoch uint64) []byte {
	b := make([]byte, walSlotSize)
	binary.BigEndian.PutUint64(b, epoch)
	crc := crc32.Update(crc32.Update(0, castagnoli, []byte{byte(i)}), castagnoli, b[:8])
	binary.BigEndian.PutUint32(b[8:], crc)
	return b
}

// parseWALHeader checks the header block and returns the newest epoch in it
// and the slot that holds it.
func parseWALHeader(b []byte, path string) (epoch uint64, slot int, err error) {
	if len(b) < walHeaderSize || string(b[:len(walMagic)]) != walMagic {
		return 0, 0, fmt.Errorf("%w: %s is not a qcall write-ahead log (no header)", ErrNotStore, path)
	}
	if v := binary.BigEndian.Uint32(b[8:]); v != walVersion {
		if v > walVersion {
			return 0, 0, fmt.Errorf("%w: %s has log format %d, this qcall reads %d", ErrNewerFormat, path, v, walVersion)
		}
		return 0, 0, fmt.Errorf("%w: %s has bad log format %d", ErrNotStore, path, v)
	}
	found := false
	for i, off := range walSlots {
		s := b[off : off+walSlotSize]
		e := binary.BigEndian.Uint64(s)
		if string(walSlot(i, e)) != string(s) {
			continue
		}
		if !found || e > epoch {
			epoch, slot, found = e, i, true
		}
	}
	if !found {
		return 0, 0, fmt.Errorf("%w: %s: both epoch slots of the header are damaged", ErrNotStore, path)
	}
	return epoch, slot, nil
}

// putRecordHeader fills in the header of rec, a record whose payload follows
// its header, and its CRC over both.
func putRecordHeader(rec []byte, seq, gen uint64, end bool) {
	binary.BigEndian.PutUint32(rec[4:], uint32(len(rec)-recHeaderSize))
	binary.BigEndian.PutUint64(rec[8:], seq)
	binary.BigEndian.PutUint64(rec[16:], gen)
	var flags uint32
	if end {
		flags = flagEndOfBatch
	}
	binary.BigEndian.PutUint32(rec[24:], flags)
	binary.BigEndian.PutUint32(rec[28:], 0)
	binary.BigEndian.PutUint32(rec[0:], crc32.Checksum(rec[4:], castagnoli))
}

// scanWAL reads the records of b, a whole log file, from the first on, and
// returns those of the complete batches at its start. It stops at the first
// record that is cut short, zero, or fails its CRC, whose generation is below
// floor or differs from the first record's, or whose seq does not follow the
// one before; then it drops what follows the last end-of-batch record.
//
// A generation's records are written from the start of the log, one batch
// after the other, so a log holds the newest generation's records at its
// start, then possibly older records beyond them: the rules stop at the
// boundary even when a stale record happens to start exactly there.
func scanWAL(b []byte, floor uint64) []pendingEvent {
	var recs []pendingEvent
	complete := 0
	var gen uint64
	for off := walHeaderSize; len(b)-off >= recHeaderSize; {
		h := b[off : off+recHeaderSize]
		n := int(binary.BigEndian.Uint32(h[4:]))
		if n == 0 || n > len(b)-off-recHeaderSize {
			break
		}
		rec := b[off : off+recHeaderSize+n]
		if crc32.Checksum(rec[4:], castagnoli) != binary.BigEndian.Uint32(h) {
			break
		}
		seq := binary.BigEndian.Uint64(h[8:])
		g := binary.BigEndian.Uint64(h[16:])
		flags := binary.BigEndian.Uint32(h[24:])
		if flags&^flagEndOfBatch != 0 || binary.BigEndian.Uint32(h[28:]) != 0 {
			break
		}
		if g < floor || len(recs) > 0 && (g != gen || seq != recs[len(recs)-1].seq+1) {
			break
		}
		gen = g
		recs = append(recs, pendingEvent{seq: seq, data: rec[recHeaderSize:len(rec):len(rec)]})
		if flags&flagEndOfBatch != 0 {
			complete = len(recs)
		}
		off += len(rec)
	}
	return recs[:complete]
}

// readWAL reads the whole log file.
func readWAL(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b, nil
}

// createWAL writes a new log of size bytes holding epoch, all zero past the
// header, and syncs it, under a temporary name renamed into place: path then
// holds a whole log or none. It returns the log opened.
func createWAL(path string, size int64, epoch uint64) (f *os.File, err error) {
	tmp := path + ".tmp"
	t, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = t.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err := t.WriteAt(walHeader(epoch), 0); err != nil {
		return nil, err
	}
	if err := writeZeros(t, walHeaderSize, size); err != nil {
		return nil, err
	}
	if err := t.Sync(); err != nil {
		return nil, err
	}
	if err := t.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_RDWR, 0)
}

// writeZeros writes zeros to f from offset from up to to.
func writeZeros(f *os.File, from, to int64) error {
	for from < to {
		n := min(to-from, int64(len(zeros)))
		if _, err := f.WriteAt(zeros[:n], from); err != nil {
			return err
		}
		from += n
	}
	return nil
}

// syncDir makes the entries of the folder dir durable (a created or renamed
// file). Windows has no such sync, and needs none for it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	df, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer df.Close()
	return df.Sync()
}
