package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"reflect"
	"testing"
)

// record encodes one log record, the index-th of its batch.
func record(seq, gen uint64, index int, end bool) []byte {
	payload := fmt.Sprintf(`{"seq":%d,"type":"ticket_issued","number":"A%03d"}`, seq, seq)
	rec := append(make([]byte, recHeaderSize), payload...)
	putRecordHeader(rec, seq, gen, index, end)
	return rec
}

// batchRecords encodes the records of a batch of n events from seq first.
func batchRecords(first uint64, n int, gen uint64) []byte {
	var b []byte
	for i := range n {
		b = append(b, record(first+uint64(i), gen, i, i == n-1)...)
	}
	return b
}

// logImage is a log file: a header with epoch, then parts.
func logImage(epoch uint64, parts ...[]byte) []byte {
	b := walHeader(epoch, 0)
	for _, p := range parts {
		b = append(b, p...)
	}
	return append(b, make([]byte, 256)...) // zeroed space after
}

func seqs(scan walScan) []uint64 {
	var s []uint64
	for _, r := range scan.recs {
		s = append(s, r.seq)
	}
	return s
}

// scan reads a log of this version with no events in the data file.
func scan(b []byte, floor uint64) walScan { return scanWAL(b, walVersion, floor, 0) }

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for q := from; q <= to; q++ {
		s = append(s, q)
	}
	return s
}

// Every byte offset of a log, cut there, zeroed from there, or damaged there:
// the scan gives exactly the batches before the one hit. Damage proves itself
// by the whole records of a later batch after it; the last batch, which a
// crash may have torn, is dropped without such proof.
func TestScanWAL_everyOffset(t *testing.T) {
	const gen = 3 << 32
	batches := [][]byte{batchRecords(1, 3, gen), batchRecords(4, 2, gen), batchRecords(6, 3, gen)}
	lasts := []uint64{3, 5, 8}
	img := logImage(3, batches...)
	if s := scan(img, 3<<32); !reflect.DeepEqual(seqs(s), seqRange(1, 8)) || s.damaged() || len(s.tail) > 0 {
		t.Fatalf("whole log: %v, tail %v", seqs(s), s.tail)
	}
	off := walHeaderSize
	for k, b := range batches {
		var want []uint64
		if k > 0 {
			want = seqRange(1, lasts[k-1])
		}
		last := k == len(batches)-1
		for cut := off; cut < off+len(b); cut++ {
			if s := scan(img[:cut], 3<<32); !reflect.DeepEqual(seqs(s), want) || s.damaged() {
				t.Fatalf("cut at %d (batch %d): %v, want %v, damaged %v", cut, k+1, seqs(s), want, s.damaged())
			}
			w := bytes.Clone(img)
			clear(w[cut:])
			if s := scan(w, 3<<32); !reflect.DeepEqual(seqs(s), want) || s.damaged() {
				t.Fatalf("zeros from %d (batch %d): %v, want %v, damaged %v", cut, k+1, seqs(s), want, s.damaged())
			}
			for _, bit := range []byte{0x01, 0x80} {
				w := bytes.Clone(img)
				w[cut] ^= bit
				s := scan(w, 3<<32)
				if !reflect.DeepEqual(seqs(s), want) {
					t.Fatalf("bit %#x flipped at %d (batch %d): %v, want %v", bit, cut, k+1, seqs(s), want)
				}
				if s.damaged() == last {
					t.Fatalf("bit %#x flipped at %d (batch %d of %d): damaged() = %v", bit, cut, k+1, len(batches), s.damaged())
				}
				if !last && s.tail[len(s.tail)-1].seq != 8 {
					t.Fatalf("bit %#x flipped at %d: the tail ends at %d, want 8", bit, cut, s.tail[len(s.tail)-1].seq)
				}
			}
		}
		off += len(b)
	}
}

func TestScanWAL_rules(t *testing.T) {
	const e = 5 // the header's epoch
	g := uint64(e << 32)
	badFlags := record(3, g, 0, true)
	binary.BigEndian.PutUint32(badFlags[24:], 3)
	putCRC(badFlags)
	flipped := record(3, g, 0, true)
	flipped[recHeaderSize+5] ^= 0x04
	for _, tt := range []struct {
		name    string
		parts   [][]byte
		after   uint64 // the data file's last event
		want    []uint64
		damaged bool
	}{
		{"empty", nil, 0, nil, false},
		{"one batch", [][]byte{batchRecords(7, 3, g)}, 6, seqRange(7, 9), false},
		{"later generation of this epoch", [][]byte{batchRecords(7, 3, g+4)}, 6, seqRange(7, 9), false},
		{"generation below the epoch: an older process's", [][]byte{batchRecords(7, 3, g-1)}, 6, nil, false},
		{"stale records of a lower generation after the end",
			[][]byte{batchRecords(7, 2, g+1), batchRecords(3, 2, g)}, 6, seqRange(7, 8), false},
		{"a higher generation after the end, one batch: as a torn one",
			[][]byte{batchRecords(7, 2, g), batchRecords(9, 2, g+1)}, 6, seqRange(7, 8), false},
		{"a higher generation after the end, two batches",
			[][]byte{batchRecords(7, 2, g), batchRecords(9, 2, g+1), batchRecords(11, 1, g+1)}, 6, seqRange(7, 8), true},
		{"a lost batch's records, same seqs, older epoch",
			[][]byte{batchRecords(1, 1, g), batchRecords(2, 4, g-(1<<32))}, 0, seqRange(1, 1), false},
		{"torn in the middle, whole stale records after",
			[][]byte{record(14, g+1, 0, false), bytes.Repeat([]byte{0xff}, 40), batchRecords(12, 2, g)}, 13, nil, false},
		{"torn in the middle of the second batch",
			[][]byte{batchRecords(10, 2, g+1), record(12, g+1, 0, false), make([]byte, 40), record(14, g+1, 2, true)}, 9, seqRange(10, 11), false},
		{"a record of a synced batch damaged, the next batch whole",
			[][]byte{batchRecords(1, 2, g), flipped, batchRecords(4, 2, g)}, 0, seqRange(1, 2), true},
		{"the end of a synced batch damaged, the next batch whole",
			[][]byte{batchRecords(1, 2, g), record(3, g, 0, false), flipped, batchRecords(5, 1, g)}, 0, seqRange(1, 2), true},
		{"seq gap", [][]byte{batchRecords(1, 2, g), batchRecords(4, 1, g)}, 0, seqRange(1, 2), false},
		{"seq repeated", [][]byte{batchRecords(1, 2, g), batchRecords(2, 2, g)}, 0, seqRange(1, 2), false},
		{"no end of batch", [][]byte{record(1, g, 0, false), record(2, g, 1, false)}, 0, nil, false},
		{"unknown flag", [][]byte{batchRecords(1, 2, g), badFlags}, 0, seqRange(1, 2), false},
		{"index out of place", [][]byte{batchRecords(1, 2, g), record(3, g, 1, true)}, 0, seqRange(1, 2), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := scanWAL(logImage(e, tt.parts...), walVersion, g, tt.after)
			if got := seqs(s); !reflect.DeepEqual(got, tt.want) || s.damaged() != tt.damaged {
				t.Fatalf("scan = %v damaged %v, want %v damaged %v", got, s.damaged(), tt.want, tt.damaged)
			}
		})
	}

	t.Run("length past the end", func(t *testing.T) {
		img := logImage(e, batchRecords(1, 2, g), record(3, g, 0, true))
		r := walHeaderSize + len(batchRecords(1, 2, g))
		binary.BigEndian.PutUint32(img[r+4:], uint32(len(img)))
		putCRC(img[r : r+recHeaderSize])
		if got := seqs(scan(img, g)); !reflect.DeepEqual(got, seqRange(1, 2)) {
			t.Fatalf("scan = %v", got)
		}
	})
}

// putCRC sets the CRC of a record after a test changed a field of its header.
func putCRC(rec []byte) {
	n := int(binary.BigEndian.Uint32(rec[4:]))
	binary.BigEndian.PutUint32(rec, crc32.Checksum(rec[4:min(len(rec), recHeaderSize+n)], castagnoli))
}

func TestWALHeader(t *testing.T) {
	h := walHeader(7, 1<<20)
	if w, err := parseWALHeader(h, "x.wal"); err != nil || w != (walHead{version: 2, epoch: 7, size: 1 << 20}) {
		t.Fatalf("new header: %+v %v", w, err)
	}
	copy(h[walSlots[1]:], walSlot(1, 8, 1<<20))
	if w, err := parseWALHeader(h, "x.wal"); err != nil || w.epoch != 8 || w.slot != 1 {
		t.Fatalf("two slots: %+v %v", w, err)
	}
	// The same epoch, grown: the larger size counts.
	copy(h[walSlots[0]:], walSlot(0, 8, 2<<20))
	if w, err := parseWALHeader(h, "x.wal"); err != nil || w.epoch != 8 || w.size != 2<<20 || w.slot != 0 {
		t.Fatalf("grown: %+v %v", w, err)
	}
	// A slot's bytes at the other slot's place do not count.
	copy(h[walSlots[0]:], walSlot(1, 9, 0))
	if w, err := parseWALHeader(h, "x.wal"); err != nil || w.epoch != 8 {
		t.Fatalf("slot 1's bytes in slot 0: %+v %v", w, err)
	}
	// A log of version 1, left by an older qcall: epoch slots of 12 bytes.
	v1 := make([]byte, walHeaderSize)
	copy(v1, walMagic)
	binary.BigEndian.PutUint32(v1[8:], 1)
	binary.BigEndian.PutUint64(v1[walSlots[1]:], 4)
	binary.BigEndian.PutUint32(v1[walSlots[1]+8:], crc32.Update(crc32.Update(0, castagnoli, []byte{1}), castagnoli, v1[walSlots[1]:walSlots[1]+8]))
	if w, err := parseWALHeader(v1, "x.wal"); err != nil || w != (walHead{version: 1, epoch: 4, slot: 1}) {
		t.Fatalf("version 1: %+v %v", w, err)
	}
}
