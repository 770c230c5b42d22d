package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"reflect"
	"testing"
)

// record encodes one log record.
func record(seq, gen uint64, end bool) []byte {
	payload := fmt.Sprintf(`{"seq":%d,"type":"ticket_issued","number":"A%03d"}`, seq, seq)
	rec := append(make([]byte, recHeaderSize), payload...)
	putRecordHeader(rec, seq, gen, end)
	return rec
}

// batchRecords encodes the records of a batch of n events from seq first.
func batchRecords(first uint64, n int, gen uint64) []byte {
	var b []byte
	for i := range n {
		b = append(b, record(first+uint64(i), gen, i == n-1)...)
	}
	return b
}

// logImage is a log file: a header with epoch, then parts.
func logImage(epoch uint64, parts ...[]byte) []byte {
	b := walHeader(epoch)
	for _, p := range parts {
		b = append(b, p...)
	}
	return append(b, make([]byte, 256)...) // zeroed space after
}

func seqs(recs []pendingEvent) []uint64 {
	var s []uint64
	for _, r := range recs {
		s = append(s, r.seq)
	}
	return s
}

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for q := from; q <= to; q++ {
		s = append(s, q)
	}
	return s
}

// Every byte offset of a log, cut there, zeroed from there, or damaged there:
// the scan gives exactly the batches before the one hit.
func TestScanWAL_everyOffset(t *testing.T) {
	const gen = 3 << 32
	batches := [][]byte{batchRecords(1, 3, gen), batchRecords(4, 2, gen), batchRecords(6, 3, gen)}
	lasts := []uint64{3, 5, 8}
	img := logImage(3, batches...)
	if got := seqs(scanWAL(img, 3<<32)); !reflect.DeepEqual(got, seqRange(1, 8)) {
		t.Fatalf("whole log: %v", got)
	}
	off := walHeaderSize
	for k, b := range batches {
		var want []uint64
		if k > 0 {
			want = seqRange(1, lasts[k-1])
		}
		for cut := off; cut < off+len(b); cut++ {
			if got := seqs(scanWAL(img[:cut], 3<<32)); !reflect.DeepEqual(got, want) {
				t.Fatalf("cut at %d (batch %d): %v, want %v", cut, k+1, got, want)
			}
			w := bytes.Clone(img)
			clear(w[cut:])
			if got := seqs(scanWAL(w, 3<<32)); !reflect.DeepEqual(got, want) {
				t.Fatalf("zeros from %d (batch %d): %v, want %v", cut, k+1, got, want)
			}
			for _, bit := range []byte{0x01, 0x80} {
				w := bytes.Clone(img)
				w[cut] ^= bit
				if got := seqs(scanWAL(w, 3<<32)); !reflect.DeepEqual(got, want) {
					t.Fatalf("bit %#x flipped at %d (batch %d): %v, want %v", bit, cut, k+1, got, want)
				}
			}
		}
		off += len(b)
	}
}

func TestScanWAL_rules(t *testing.T) {
	const e = 5 // the header's epoch
	g := uint64(e << 32)
	badFlags := record(3, g, true)
	binary.BigEndian.PutUint32(badFlags[24:], 3)
	putCRC(badFlags)
	badReserved := record(3, g, true)
	binary.BigEndian.PutUint32(badReserved[28:], 1)
	putCRC(badReserved)
	for _, tt := range []struct {
		name  string
		parts [][]byte
		want  []uint64
	}{
		{"empty", nil, nil},
		{"one batch", [][]byte{batchRecords(7, 3, g)}, seqRange(7, 9)},
		{"later generation of this epoch", [][]byte{batchRecords(7, 3, g+4)}, seqRange(7, 9)},
		{"generation below the epoch: an older process's", [][]byte{batchRecords(7, 3, g-1)}, nil},
		{"stale records of a lower generation after the end",
			[][]byte{batchRecords(7, 2, g+1), batchRecords(9, 2, g)}, seqRange(7, 8)},
		{"a higher generation after the end", [][]byte{batchRecords(7, 2, g), batchRecords(9, 2, g+1)}, seqRange(7, 8)},
		{"a lost batch's records, same seqs, older epoch",
			[][]byte{batchRecords(1, 1, g), batchRecords(2, 4, g-(1<<32))}, seqRange(1, 1)},
		{"torn in the middle, whole stale records after",
			[][]byte{record(10, g+1, false), bytes.Repeat([]byte{0xff}, 40), batchRecords(12, 2, g)}, nil},
		{"torn in the middle of the second batch",
			[][]byte{batchRecords(10, 2, g+1), record(12, g+1, false), make([]byte, 40), record(14, g+1, true)}, seqRange(10, 11)},
		{"seq gap", [][]byte{batchRecords(1, 2, g), batchRecords(4, 1, g)}, seqRange(1, 2)},
		{"seq repeated", [][]byte{batchRecords(1, 2, g), batchRecords(2, 2, g)}, seqRange(1, 2)},
		{"no end of batch", [][]byte{record(1, g, false), record(2, g, false)}, nil},
		{"unknown flag", [][]byte{batchRecords(1, 2, g), badFlags}, seqRange(1, 2)},
		{"reserved not zero", [][]byte{batchRecords(1, 2, g), badReserved}, seqRange(1, 2)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := seqs(scanWAL(logImage(e, tt.parts...), g)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("scan = %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("length past the end", func(t *testing.T) {
		img := logImage(e, batchRecords(1, 2, g), record(3, g, true))
		r := walHeaderSize + len(batchRecords(1, 2, g))
		binary.BigEndian.PutUint32(img[r+4:], uint32(len(img)))
		putCRC(img[r : r+recHeaderSize])
		if got := seqs(scanWAL(img, g)); !reflect.DeepEqual(got, seqRange(1, 2)) {
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
	h := walHeader(7)
	if e, slot, err := parseWALHeader(h, "x.wal"); err != nil || e != 7 || slot != 0 {
		t.Fatalf("new header: epoch %d slot %d %v", e, slot, err)
	}
	copy(h[walSlots[1]:], walSlot(1, 8))
	if e, slot, err := parseWALHeader(h, "x.wal"); err != nil || e != 8 || slot != 1 {
		t.Fatalf("two slots: epoch %d slot %d %v", e, slot, err)
	}
	// A slot's bytes at the other slot's place do not count.
	copy(h[walSlots[0]:], walSlot(1, 9))
	if e, _, err := parseWALHeader(h, "x.wal"); err != nil || e != 8 {
		t.Fatalf("slot 1's bytes in slot 0: epoch %d %v", e, err)
	}
}
