package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
)

// The write-ahead log's file format; see the package comment.
const (
	walMagic   = "qcallWAL"
	walVersion = 2

	// walHeaderSize is the header block at the start of the file. Records
	// start after it, so that no record write ever touches a page of the
	// header.
	walHeaderSize = 4096
	// walSlotSize is one slot of the header: epoch (8), the log's size (8),
	// CRC-32C (4). A version 1 log's slots hold no size: epoch (8), CRC (4).
	walSlotSize   = 20
	walSlotSizeV1 = 12
	// recHeaderSize is the header of a record: CRC-32C (4), payload length
	// (4), seq (8), generation (8), flags (4), the record's index in its
	// batch (4; always 0 in a version 1 log).
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

// walHeader builds the header block of a new log of size bytes holding epoch
// in slot 0.
func walHeader(epoch uint64, size int64) []byte {
	b := make([]byte, walHeaderSize)
	copy(b, walMagic)
	binary.BigEndian.PutUint32(b[8:], walVersion)
	copy(b[walSlots[0]:], walSlot(0, epoch, size))
	return b
}

// walSlot encodes epoch and the log's size for slot i; the CRC covers the
// slot's index too, so that a slot's bytes found at the other slot's place do
// not count.
func walSlot(i int, epoch uint64, size int64) []byte {
	b := make([]byte, walSlotSize)
	binary.BigEndian.PutUint64(b, epoch)
	binary.BigEndian.PutUint64(b[8:], uint64(size))
	crc := crc32.Update(crc32.Update(0, castagnoli, []byte{byte(i)}), castagnoli, b[:16])
	binary.BigEndian.PutUint32(b[16:], crc)
	return b
}

// walHead is what the header of a log says.
type walHead struct {
	version int
	epoch   uint64 // the newest valid epoch of the two slots
	size    int64  // the log's size as last synced; 0 in a version 1 log
	slot    int    // the slot that holds them
}

// parseWALHeader checks the header block and returns the newest epoch in it
// with the size written beside it, and the slot that holds them. Of two slots
// with the same epoch the larger size counts: the log grows under one epoch.
func parseWALHeader(b []byte, path string) (h walHead, err error) {
	if len(b) < walHeaderSize || string(b[:len(walMagic)]) != walMagic {
		return h, fmt.Errorf("%w: %s is not a qcall write-ahead log (no header)", ErrNotStore, path)
	}
	v := binary.BigEndian.Uint32(b[8:])
	switch {
	case v > walVersion:
		return h, fmt.Errorf("%w: %s has log format %d, this qcall reads %d", ErrNewerFormat, path, v, walVersion)
	case v < 1:
		return h, fmt.Errorf("%w: %s has bad log format %d", ErrNotStore, path, v)
	}
	h.version = int(v)
	found := false
	for i, off := range walSlots {
		var e uint64
		var size int64
		if v == 1 {
			s := b[off : off+walSlotSizeV1]
			e = binary.BigEndian.Uint64(s)
			crc := crc32.Update(crc32.Update(0, castagnoli, []byte{byte(i)}), castagnoli, s[:8])
			if binary.BigEndian.Uint32(s[8:]) != crc {
				continue
			}
		} else {
			s := b[off : off+walSlotSize]
			e, size = binary.BigEndian.Uint64(s), int64(binary.BigEndian.Uint64(s[8:]))
			if string(walSlot(i, e, size)) != string(s) {
				continue
			}
		}
		if !found || e > h.epoch || e == h.epoch && size > h.size {
			h.epoch, h.size, h.slot, found = e, size, i, true
		}
	}
	if !found {
		return h, fmt.Errorf("%w: %s: both epoch slots of the header are damaged", ErrNotStore, path)
	}
	return h, nil
}

// putRecordHeader fills in the header of rec, a record whose payload follows
// its header, the index-th of its batch, and its CRC over both.
func putRecordHeader(rec []byte, seq, gen uint64, index int, end bool) {
	binary.BigEndian.PutUint32(rec[4:], uint32(len(rec)-recHeaderSize))
	binary.BigEndian.PutUint64(rec[8:], seq)
	binary.BigEndian.PutUint64(rec[16:], gen)
	var flags uint32
	if end {
		flags = flagEndOfBatch
	}
	binary.BigEndian.PutUint32(rec[24:], flags)
	binary.BigEndian.PutUint32(rec[28:], uint32(index))
	binary.BigEndian.PutUint32(rec[0:], crc32.Checksum(rec[4:], castagnoli))
}

// walRecord is a whole record of the log: its CRC matches.
type walRecord struct {
	off      int
	seq, gen uint64
	index    int  // its place in its batch, from 0
	end      bool // the last record of its batch
	data     []byte
}

// recordAt decodes the record at offset off of b if it is whole: its length
// in bounds, its CRC matching, its flags valid, and its index 0 in a log of
// version 1.
func recordAt(b []byte, off, version int) (walRecord, bool) {
	if off < walHeaderSize || len(b)-off < recHeaderSize {
		return walRecord{}, false
	}
	h := b[off : off+recHeaderSize]
	n := int(binary.BigEndian.Uint32(h[4:]))
	if n == 0 || n > len(b)-off-recHeaderSize {
		return walRecord{}, false
	}
	flags := binary.BigEndian.Uint32(h[24:])
	index := binary.BigEndian.Uint32(h[28:])
	if flags&^flagEndOfBatch != 0 || version == 1 && index != 0 || index >= 1<<24 {
		return walRecord{}, false
	}
	rec := b[off : off+recHeaderSize+n]
	if crc32.Checksum(rec[4:], castagnoli) != binary.BigEndian.Uint32(h) {
		return walRecord{}, false
	}
	return walRecord{off: off, seq: binary.BigEndian.Uint64(h[8:]), gen: binary.BigEndian.Uint64(h[16:]),
		index: int(index), end: flags&flagEndOfBatch != 0, data: rec[recHeaderSize:len(rec):len(rec)]}, true
}

// walScan is what reading a log found.
type walScan struct {
	// recs are the events of the complete batches at the log's start.
	recs []pendingEvent
	// end is the offset just past the complete batches: where the batch
	// a crash may have torn starts.
	end int
	// stop is the offset of the first record not taken into recs' batches
	// or the batch after them: cut short, zero, failing its CRC, of another
	// generation, or not following the seq before it.
	stop int
	// tail are the whole records of the newest generation that lie beyond
	// the complete batches and continue them (a seq past theirs and past
	// the data file's): the records of a batch torn by a crash, or records
	// that damage cut off from the rest.
	tail    []walRecord
	version int // the log's format
}

// damaged reports whether the tail proves damage rather than a torn last
// batch: only the batch being written when the power went can be torn, and
// its records are the last of the log, so whole records of more than one
// batch beyond the complete ones mean that synced records were damaged. A
// batch ends with a record marked so, and (from version 2 on) the records
// after its first are numbered from 1.
func (s walScan) damaged() bool {
	for i, r := range s.tail {
		if r.end && i < len(s.tail)-1 || s.version > 1 && r.index == 0 && r.off != s.end {
			return true
		}
	}
	return false
}

// around returns the last event read whole before the stop (last when none
// is past it) and the first found whole after it (0 when none).
func (s walScan) around(last uint64) (after, next uint64) {
	after = last
	if n := len(s.recs); n > 0 {
		after = max(after, s.recs[n-1].seq)
	}
	for _, r := range s.tail {
		if r.off < s.stop {
			after = max(after, r.seq)
		} else if next == 0 {
			next = r.seq
		}
	}
	return after, next
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
//
// Beyond the stop it looks at every offset for whole records of a generation
// not below floor whose seq is past both the complete batches' and after (the
// data file's last seq), and lists them, with the records of an incomplete
// batch before the stop, as the tail. Records of older generations of the same
// epoch lie there too, but their events are all in the data file (a
// generation ends only at a checkpoint), so the seq rule leaves them out.
func scanWAL(b []byte, version int, floor, after uint64) walScan {
	s := walScan{version: version}
	var taken []walRecord
	complete := 0
	off := walHeaderSize
	for {
		r, ok := recordAt(b, off, version)
		if !ok || r.gen < floor || len(taken) > 0 && (r.gen != taken[0].gen || r.seq != taken[len(taken)-1].seq+1) ||
			version > 1 && r.index != len(taken)-complete {
			break
		}
		taken = append(taken, r)
		if r.end {
			complete = len(taken)
		}
		off += recHeaderSize + len(r.data)
	}
	s.stop = off
	s.end = off
	if complete < len(taken) {
		s.end = taken[complete].off
	}
	last := after
	for _, r := range taken[:complete] {
		s.recs = append(s.recs, pendingEvent{seq: r.seq, data: r.data})
		last = max(last, r.seq)
	}
	for _, r := range taken[complete:] {
		if r.seq > last {
			s.tail = append(s.tail, r)
		}
	}
	for off := s.stop; off+recHeaderSize <= len(b); off++ {
		// The generation first: most offsets fail it without a CRC.
		if binary.BigEndian.Uint64(b[off+16:]) < floor {
			continue
		}
		r, ok := recordAt(b, off, version)
		if !ok || r.seq <= last {
			continue
		}
		s.tail = append(s.tail, r)
		off += recHeaderSize + len(r.data) - 1
	}
	return s
}

// DamageError says where a write-ahead log or a data file is damaged and what
// was found beyond it. It wraps ErrDamaged.
type DamageError struct {
	Path   string // the damaged file
	Offset int64  // the byte where the damage starts
	What   string // what is wrong there
	// After is the last event read whole before the damage; Next and Last
	// the first and last events found whole beyond it (0 when none).
	After, Next, Last uint64
}

func (e *DamageError) Error() string {
	msg := fmt.Sprintf("%s is damaged at byte %d: %s", e.Path, e.Offset, e.What)
	if e.Next != 0 {
		msg += fmt.Sprintf("; events up to #%d read whole before it, and events #%d to #%d follow it intact", e.After, e.Next, e.Last)
	}
	return msg + fmt.Sprintf(". qcall stopped rather than lose acknowledged events or overwrite them. "+
		"Copy the data folder first, then run `qcall repair --data %s`: it keeps every intact event and reports what it could not keep",
		filepath.Dir(e.Path))
}

func (e *DamageError) Unwrap() error { return ErrDamaged }

// readWAL reads the whole log file.
func readWAL(f logFile) ([]byte, error) {
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b, nil
}

// createWAL writes a new log of size bytes holding epoch, all zero past the
// header, and syncs it, under a temporary name renamed into place: path then
// holds a whole log or none. It returns the log opened.
func createWAL(fsys fileSystem, path string, size int64, epoch uint64) (f logFile, err error) {
	tmp := path + ".tmp"
	t, err := fsys.Create(tmp)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = t.Close()
			_ = fsys.Remove(tmp)
		}
	}()
	if _, err := t.WriteAt(walHeader(epoch, size), 0); err != nil {
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
	if err := fsys.Rename(tmp, path); err != nil {
		return nil, err
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return fsys.OpenFile(path)
}

// writeZeros writes zeros to f from offset from up to to.
func writeZeros(f logFile, from, to int64) error {
	for from < to {
		n := min(to-from, int64(len(zeros)))
		if _, err := f.WriteAt(zeros[:n], from); err != nil {
			return err
		}
		from += n
	}
	return nil
}
