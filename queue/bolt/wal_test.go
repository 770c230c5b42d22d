package bolt_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"qcall/queue"
	"qcall/queue/bolt"
)

// crashCopy copies the data file and the log of a store that is open into a
// new folder, as a crash (a power cut) would leave them: both hold exactly what
// was synced, since the test calls it between Appends. It returns the copy's
// path.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "qcall.db")
	writeImage(t, dst, readFile(t, path), readFile(t, path+".wal"))
	return dst
}

// readFile returns the file's bytes, nil when it does not exist.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return b
}

// writeImage writes db as the data file at path, and wal as its log unless
// nil.
func writeImage(t *testing.T, path string, db, wal []byte) {
	t.Helper()
	if err := os.WriteFile(path, db, 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(path + ".wal")
	if wal != nil {
		if err := os.WriteFile(path+".wal", wal, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// openLoad opens the store at path, loads it, checks and closes it.
func openLoad(t *testing.T, path string, opts ...bolt.Option) (*queue.Snapshot, []queue.Event) {
	t.Helper()
	db, err := bolt.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	snap, es, err := db.Load()
	if err = errors.Join(err, db.Check(), db.Close()); err != nil {
		t.Fatal(err)
	}
	return snap, es
}

func mustPending(t *testing.T, db *bolt.DB) int {
	t.Helper()
	n := db.Pending()
	if n == 0 {
		t.Fatal("no events pending in the log: the test does not test recovery")
	}
	return n
}

func TestWAL_roundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seq := uint64(1)
	for i, n := range []int{1, 16, 3, 64, 2, 7} {
		var snap *queue.Snapshot
		if i == 2 {
			snap = snapshot(seq - 1)
		}
		mustAppend(t, db, events(seq, n), snap)
		seq += uint64(n)
	}
	mustPending(t, db)
	snap, es := mustLoad(t, db)
	if !reflect.DeepEqual(snap, snapshot(17)) || !reflect.DeepEqual(es, events(18, int(seq)-18)) {
		t.Fatalf("Load = snapshot %v, %d events", snap, len(es))
	}

	t.Run("crash: from the log alone", func(t *testing.T) {
		cp := crashCopy(t, path)
		if boltLast(t, cp) >= seq-1 {
			t.Fatal("the data file holds every event: nothing to recover")
		}
		snap2, es2 := openLoad(t, cp)
		if !reflect.DeepEqual(snap2, snap) || !reflect.DeepEqual(es2, es) {
			t.Fatalf("recovered snapshot %v, %d events; want %v, %d", snap2, len(es2), snap, len(es))
		}
		// Recovery put them into the data file: the copy opens the same
		// without its log.
		if err := os.Remove(cp + ".wal"); err != nil {
			t.Fatal(err)
		}
		if snap3, es3 := openLoad(t, cp); !reflect.DeepEqual(snap3, snap) || !reflect.DeepEqual(es3, es) {
			t.Fatalf("after recovery, without the log: %d events, want %d", len(es3), len(es))
		}
	})

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	t.Run("close and reopen", func(t *testing.T) {
		if boltLast(t, path) != seq-1 {
			t.Fatal("Close left events out of the data file")
		}
		db := mustOpenPath(t, path)
		snap2, es2 := mustLoad(t, db)
		if !reflect.DeepEqual(snap2, snap) || !reflect.DeepEqual(es2, es) {
			t.Fatalf("reopened: snapshot %v, %d events; want %v, %d", snap2, len(es2), snap, len(es))
		}
		mustAppend(t, db, events(seq, 2), nil)
		if got, _ := mustLoad(t, db); got == nil {
			t.Fatal("snapshot lost")
		}
	})
}

// boltLast returns the last seq of the data file at path, read with bbolt
// itself: what is there without the log.
func boltLast(t *testing.T, path string) uint64 {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var last uint64
	err = bdb.View(func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket([]byte("events")).Cursor().Last(); k != nil {
			last = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// A crash in the middle of the last batch's write: whatever part of it
// reached the disk, recovery gives exactly the batches before it.
func TestWAL_tornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	// A small log, so that each case writes little.
	db := mustOpenPath(t, path, bolt.WALSize(16<<10))
	mustAppend(t, db, events(1, 4), nil)
	mustAppend(t, db, events(5, 2), nil)
	from := db.WALEnd()
	mustAppend(t, db, events(7, 3), nil)
	to := db.WALEnd()
	dbImage, walImage := readFile(t, path), readFile(t, path+".wal")

	// The record boundaries of the last batch.
	bounds := map[int64]bool{}
	for off := from; off < to; {
		_, _, n, ok := bolt.RecordAt(walImage, int(off))
		if !ok {
			t.Fatalf("no record at %d", off)
		}
		bounds[off] = true
		off += int64(n)
	}
	if len(bounds) != 3 {
		t.Fatalf("%d records in the last batch, want 3", len(bounds))
	}

	cp := filepath.Join(t.TempDir(), "qcall.db")
	check := func(name string, wal []byte, want []queue.Event) {
		t.Helper()
		writeImage(t, cp, dbImage, wal)
		if _, es := openLoad(t, cp); !reflect.DeepEqual(es, want) {
			t.Fatalf("%s: recovered %d events, want %d", name, len(es), len(want))
		}
	}
	check("whole", walImage, events(1, 9))
	// Every byte offset is cut, zeroed and damaged by TestScanWAL; here,
	// through Open, the record boundaries and the bytes around them, and a
	// sample of the rest.
	before := events(1, 6)
	rng := rand.New(rand.NewPCG(1, 2))
	for cut := from; cut < to; cut++ {
		if !bounds[cut] && !bounds[cut-1] && !bounds[cut+1] && rng.IntN(20) != 0 {
			continue
		}
		// The file ends at cut: not what a crash leaves, as the log's
		// space is synced before use, but a file cut short. Refused.
		writeImage(t, cp, dbImage, walImage[:cut])
		if _, err := bolt.Open(cp); !errors.Is(err, bolt.ErrDamaged) {
			t.Fatalf("log cut at %d: Open = %v, want ErrDamaged", cut, err)
		}
		// The blocks from cut on were not written: zeros.
		w := bytes.Clone(walImage)
		clear(w[cut:to])
		check("unwritten", w, before)
		// A byte at cut was written wrong.
		w = bytes.Clone(walImage)
		w[cut] ^= 0x20
		check("damaged", w, before)
	}
}

// After a torn batch whose first record is lost, the next process writes the
// same seqs again, but into a new log file: a process never writes where an
// earlier one wrote (its writes may have failed to sync), and no record of the
// lost batch is left to mistake for a later one.
func TestWAL_newLogEachProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db := mustOpenPath(t, path)
	mustAppend(t, db, events(1, 5), nil)
	cp := crashCopy(t, path)

	// The crash lost the first record of the batch: its bytes are wrong.
	wal := readFile(t, cp+".wal")
	wal[bolt.WALHeaderSize+bolt.RecHeaderSize+3] ^= 1
	writeImage(t, cp, readFile(t, cp), wal)

	db2 := mustOpenPath(t, cp)
	if _, es := mustLoad(t, db2); len(es) != 0 {
		t.Fatalf("recovered %d events of a batch whose first record is torn", len(es))
	}
	mustAppend(t, db2, events(1, 1), nil) // the same bytes as the lost record
	end := db2.WALEnd()
	cp2 := crashCopy(t, cp)

	wal2 := readFile(t, cp2+".wal")
	for off := end; off < end+400; off++ {
		if seq, _, _, ok := bolt.RecordAt(wal2, int(off)); ok {
			t.Fatalf("a record of seq %d at %d past the new end: the log was written in place", seq, off)
		}
	}
	if _, es := openLoad(t, cp2); !reflect.DeepEqual(es, events(1, 1)) {
		t.Fatalf("recovered %d events, want only the one written after the loss", len(es))
	}
}

// Stale records: after a checkpoint the log starts over; the records of the
// generation before lie past the new end, and a torn batch of the new
// generation must not let them in.
func TestWAL_staleRecordsAfterCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db := mustOpenPath(t, path)
	mustAppend(t, db, events(1, 6), nil)
	mustAppend(t, db, events(7, 6), nil)
	mustAppend(t, db, events(13, 1), snapshot(13)) // checkpoint: the log starts over
	if db.Pending() != 0 {
		t.Fatal("a snapshot left events pending")
	}
	start := db.WALEnd()
	mustAppend(t, db, events(14, 3), nil)
	end := db.WALEnd()
	cp := crashCopy(t, path)
	wal := readFile(t, cp+".wal")
	// Whole records of the generation before lie past the new end.
	stale := false
	for off := end; off < end+200; off++ {
		if seq, _, _, ok := bolt.RecordAt(wal, int(off)); ok && seq < 14 {
			stale = true
			break
		}
	}
	if !stale {
		t.Fatal("no stale record past the new end: the test tests nothing")
	}
	dbImage := readFile(t, cp)

	t.Run("whole", func(t *testing.T) {
		if snap, es := openLoad(t, cp); !reflect.DeepEqual(snap, snapshot(13)) || !reflect.DeepEqual(es, events(14, 3)) {
			t.Fatalf("recovered snapshot %v and %d events, want 13 and 3", snap, len(es))
		}
	})
	t.Run("torn in the middle", func(t *testing.T) {
		// The middle record of the new batch is damaged: old, whole
		// records lie behind it.
		_, _, n, _ := bolt.RecordAt(wal, int(start))
		w := bytes.Clone(wal)
		w[start+int64(n)+bolt.RecHeaderSize] ^= 1
		writeImage(t, cp, dbImage, w)
		if snap, es := openLoad(t, cp); !reflect.DeepEqual(snap, snapshot(13)) || len(es) != 0 {
			t.Fatalf("recovered snapshot %v and %d events, want 13 and none", snap, len(es))
		}
	})
}

// An older data file (a backup) put in place next to the newer log: Open
// refuses, naming both files, until the log is moved away.
func TestWAL_restoredOlderDataFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qcall.db")
	backup := filepath.Join(t.TempDir(), "backup.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, events(1, 10), nil)
	if err := db.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, events(11, 5), snapshot(15))
	mustAppend(t, db, events(16, 5), nil)
	mustPending(t, db)

	t.Run("after a crash", func(t *testing.T) {
		cp := crashCopy(t, path)
		writeImage(t, cp, readFile(t, backup), readFile(t, cp+".wal"))
		_, err := bolt.Open(cp)
		if !errors.Is(err, bolt.ErrWALMismatch) {
			t.Fatalf("Open = %v, want ErrWALMismatch", err)
		}
		for _, s := range []string{cp, cp + ".wal", "move"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("the error does not say %q: %v", s, err)
			}
		}
		t.Log(err)
		if err := os.Rename(cp+".wal", cp+".wal.moved"); err != nil {
			t.Fatal(err)
		}
		if _, es := openLoad(t, cp); !reflect.DeepEqual(es, events(1, 10)) {
			t.Fatalf("the backup loads %d events, want 10", len(es))
		}
	})

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	t.Run("after a clean stop", func(t *testing.T) {
		// Close marked the whole log done: the backup opens as it is.
		if err := os.WriteFile(path, readFile(t, backup), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, es := openLoad(t, path); !reflect.DeepEqual(es, events(1, 10)) {
			t.Fatalf("the backup loads %d events, want 10", len(es))
		}
	})
}

// The log is checkpointed into the data file when a batch does not fit, and
// grows its zeroed space in steps up to its cap.
func TestWAL_checkpointOnCapacity(t *testing.T) {
	t.Run("small log", func(t *testing.T) {
		const size = 16 << 10
		path := filepath.Join(t.TempDir(), "qcall.db")
		db := mustOpenPath(t, path, bolt.WALSize(size))
		var seq uint64 = 1
		checkpoints := 0
		for range 40 {
			before := db.Pending()
			mustAppend(t, db, events(seq, 8), nil)
			seq += 8
			if db.Pending() < before {
				checkpoints++
			}
			if db.WALEnd() > size {
				t.Fatalf("log written to %d, past its cap %d", db.WALEnd(), size)
			}
		}
		if checkpoints < 5 {
			t.Fatalf("%d checkpoints in 40 batches of 8 into a 16 KiB log", checkpoints)
		}
		if st, err := os.Stat(path + ".wal"); err != nil || st.Size() > size {
			t.Fatalf("log file: %v %v", st.Size(), err)
		}
		if _, es := openLoad(t, crashCopy(t, path)); !reflect.DeepEqual(es, events(1, int(seq-1))) {
			t.Fatalf("recovered %d events, want %d", len(es), seq-1)
		}
		// A batch larger than the whole log goes into the data file.
		mustAppend(t, db, events(seq, 200), nil)
		if db.Pending() != 0 {
			t.Fatal("a batch larger than the log is pending")
		}
		if _, es := mustLoad(t, db); !reflect.DeepEqual(es, events(1, int(seq-1)+200)) {
			t.Fatalf("Load = %d events", len(es))
		}
	})

	t.Run("growth", func(t *testing.T) {
		const size = 3 << 19 // 1.5 MiB: one step of 1 MiB, then half a step
		path := filepath.Join(t.TempDir(), "qcall.db")
		db := mustOpenPath(t, path, bolt.WALSize(size))
		if _, err := os.Stat(path + ".wal"); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a log before the first Append: %v", err)
		}
		walSize := func() int64 {
			st, err := os.Stat(path + ".wal")
			if err != nil {
				t.Fatal(err)
			}
			return st.Size()
		}
		var seq uint64 = 1
		mustAppend(t, db, events(seq, 16), nil)
		seq += 16
		if got := walSize(); got != 1<<20 {
			t.Fatalf("new log of %d bytes, want 1 MiB", got)
		}
		sizes := map[int64]bool{}
		for db.Pending() > 0 {
			mustAppend(t, db, events(seq, 16), nil)
			seq += 16
			sizes[walSize()] = true
		}
		if want := map[int64]bool{1 << 20: true, size: true}; !reflect.DeepEqual(sizes, want) {
			t.Fatalf("log sizes %v, want %v", sizes, want)
		}
		if _, es := openLoad(t, crashCopy(t, path)); !reflect.DeepEqual(es, events(1, int(seq-1))) {
			t.Fatalf("recovered %d events, want %d", len(es), seq-1)
		}
	})
}

func TestWAL_checkpointOnSnapshotAndClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, events(1, 5), nil)
	mustPending(t, db)
	mustAppend(t, db, events(6, 2), snapshot(6))
	if last, err := db.BoltLast(); err != nil || last != 7 || db.Pending() != 0 {
		t.Fatalf("after a snapshot: data file at %d (%v), %d pending; want 7, 0", last, err, db.Pending())
	}
	mustAppend(t, db, events(8, 3), nil)
	mustPending(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := boltLast(t, path); got != 10 {
		t.Fatalf("after Close the data file ends at %d, want 10", got)
	}
	if err := db.Append(events(11, 1), nil); err == nil {
		t.Fatal("Append after Close succeeded")
	}
}

// Backup puts the pending events into the data file first: the copy holds
// every event appended before it.
func TestWAL_checkpointBeforeBackup(t *testing.T) {
	db := mustOpen(t)
	mustAppend(t, db, events(1, 5), snapshot(3))
	mustAppend(t, db, events(6, 4), nil)
	mustPending(t, db)
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	if err := db.BackupFile(copyPath); err != nil {
		t.Fatal(err)
	}
	if db.Pending() != 0 {
		t.Fatal("Backup left events pending")
	}
	if snap, es := openLoad(t, copyPath); !reflect.DeepEqual(snap, snapshot(3)) || !reflect.DeepEqual(es, events(4, 6)) {
		t.Fatalf("backup: snapshot %v, %d events", snap, len(es))
	}
}

// A failed write or sync of the log leaves the store uncertain: it refuses
// every later Append, while the reads go on.
func TestWAL_writeFailureIsUncertain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, events(1, 3), nil)
	if err := db.CloseWAL(); err != nil {
		t.Fatal(err)
	}
	err = db.Append(events(4, 2), nil)
	if !errors.Is(err, bolt.ErrUncertain) {
		t.Fatalf("Append with the log's file closed = %v, want ErrUncertain", err)
	}
	t.Log(err)
	if err := db.Append(events(4, 2), nil); !errors.Is(err, bolt.ErrUncertain) {
		t.Fatalf("next Append = %v, want ErrUncertain", err)
	}
	if err := db.Append(nil, snapshot(3)); !errors.Is(err, bolt.ErrUncertain) {
		t.Fatalf("snapshot Append = %v, want ErrUncertain", err)
	}
	if _, es := mustLoad(t, db); !reflect.DeepEqual(es, events(1, 3)) {
		t.Fatalf("Load = %d events, want 3", len(es))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The restart reads what the disk has.
	db = mustOpenPath(t, path)
	if _, es := mustLoad(t, db); !reflect.DeepEqual(es, events(1, 3)) {
		t.Fatalf("after the restart: %d events, want 3", len(es))
	}
	mustAppend(t, db, events(4, 2), nil)
}

// A full disk: a checkpoint that fails is rolled back, the events stay in the
// log, and the error is not ErrUncertain; that holds also when the failing
// checkpoint is the one of recovery in Open.
func TestWAL_fullDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	capped := bolt.MaxSize(256 << 10)
	db := mustOpenPath(t, path, capped)
	mustAppend(t, db, events(1, 300), snapshot(300))
	// More in the log than the capped data file holds.
	for seq := uint64(301); seq < 3301; seq += 100 {
		mustAppend(t, db, events(seq, 100), nil)
	}
	cp := crashCopy(t, path)

	// Recovery cannot put the events into the capped data file, and keeps
	// them pending.
	full, err := bolt.Open(cp, capped)
	if err != nil {
		t.Fatal(err)
	}
	if _, es := mustLoad(t, full); !reflect.DeepEqual(es, events(301, 3000)) {
		t.Fatalf("Load = %d events, want the 3000 in the log", len(es))
	}
	mustPending(t, full)
	err = full.Append(events(3301, 1), nil)
	if err == nil || errors.Is(err, bolt.ErrUncertain) || errors.Is(err, bolt.ErrSequence) {
		t.Fatalf("Append on a full disk = %v, want a plain error", err)
	}
	if _, err := full.Backup(new(bytes.Buffer)); err == nil || errors.Is(err, bolt.ErrUncertain) {
		t.Fatalf("Backup on a full disk = %v, want a plain error", err)
	}
	if err := full.Close(); err != nil {
		t.Fatal(err)
	}
	// Room again.
	db2 := mustOpenPath(t, cp)
	if _, es := mustLoad(t, db2); !reflect.DeepEqual(es, events(301, 3000)) {
		t.Fatalf("reopened: %d events, want 3000", len(es))
	}
	mustAppend(t, db2, events(3301, 1), nil)
}

// Readers page through the events while the writer appends and checkpoints:
// every page is in order and without a gap, and LastSeq never goes back.
func TestWAL_concurrentReaders(t *testing.T) {
	db := mustOpen(t, bolt.WALSize(16<<10))
	const batches, batch = 300, 5
	var wg sync.WaitGroup
	done := make(chan struct{})
	errc := make(chan error, 4)
	for r := range 2 {
		wg.Go(func() {
			var lastSeen uint64
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				last, err := db.LastSeq()
				if err != nil || last < lastSeen {
					errc <- errors.Join(err, errors.New("LastSeq went back"))
					return
				}
				lastSeen = last
				after := uint64(0)
				if last > 20 {
					after = last - uint64(i%20) - uint64(r)
				}
				page, err := db.Events(after, 7)
				if err != nil {
					errc <- err
					return
				}
				for j, e := range page {
					if e.Seq != after+1+uint64(j) || !reflect.DeepEqual(e, event(e.Seq)) {
						errc <- errors.New("a page out of order, with a gap, or wrong")
						return
					}
				}
				if len(page) < 7 && (len(page) == 0 && after < lastSeen || len(page) > 0 && page[len(page)-1].Seq < lastSeen) {
					errc <- errors.New("a page ends before the last seq seen")
					return
				}
			}
		})
	}
	seq := uint64(1)
	for b := range batches {
		var snap *queue.Snapshot
		if b%50 == 49 {
			snap = snapshot(seq + batch - 1)
		}
		if err := db.Append(events(seq, batch), snap); err != nil {
			t.Error(err)
			break
		}
		seq += batch
	}
	close(done)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if es, err := db.Events(0, 1<<20); err != nil || !reflect.DeepEqual(es, events(1, int(seq-1))) {
		t.Fatalf("Events = %d, %v; want %d", len(es), err, seq-1)
	}
}

func TestWAL_header(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, events(1, 2), nil)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	dbImage, walImage := readFile(t, path), readFile(t, path+".wal")
	for _, tt := range []struct {
		name   string
		damage func(w []byte) []byte
		want   error
	}{
		{"wrong magic", func(w []byte) []byte { w[0] = 'x'; return w }, bolt.ErrNotStore},
		{"newer version", func(w []byte) []byte { binary.BigEndian.PutUint32(w[8:], 3); return w }, bolt.ErrNewerFormat},
		{"no epoch", func(w []byte) []byte { clear(w[512:2048]); return w }, bolt.ErrNotStore},
		{"too short", func(w []byte) []byte { return w[:100] }, bolt.ErrNotStore},
	} {
		t.Run(tt.name, func(t *testing.T) {
			writeImage(t, path, dbImage, tt.damage(bytes.Clone(walImage)))
			_, err := bolt.Open(path)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), path+".wal") {
				t.Fatalf("Open = %v, want %v naming the log", err, tt.want)
			}
			t.Log(err)
		})
	}
	t.Run("one epoch slot torn", func(t *testing.T) {
		w := bytes.Clone(walImage)
		w[512] ^= 1
		w[1024] ^= 1 // one of the two is the newest; the other still counts
		writeImage(t, path, dbImage, w)
		w2 := bytes.Clone(walImage)
		w2[512] ^= 1
		writeImage(t, path, dbImage, w2)
		if _, es := openLoad(t, path); !reflect.DeepEqual(es, events(1, 2)) {
			t.Fatalf("Load = %d events", len(es))
		}
	})
}

// Damage anywhere but in the last batch, a log cut short and a log gone are
// refused at Open, naming the file and the place, and nothing is written:
// the intact records after the damage stay for `qcall repair`. (Before, the
// store opened without a word and dropped every event after the damage.)
func TestWAL_damageRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db := mustOpenPath(t, path)
	for seq := uint64(1); seq <= 200; seq += 4 {
		mustAppend(t, db, events(seq, 4), nil)
	}
	cp := crashCopy(t, path)
	dbImage, walImage := readFile(t, cp), readFile(t, cp+".wal")
	mid := bolt.WALHeaderSize + (int(db.WALEnd())-bolt.WALHeaderSize)/2

	refused := func(name string, wal []byte, want error, says ...string) {
		t.Helper()
		writeImage(t, cp, dbImage, wal)
		_, err := bolt.Open(cp)
		if !errors.Is(err, want) {
			t.Fatalf("%s: Open = %v, want %v", name, err, want)
		}
		for _, s := range append(says, cp+".wal", "qcall repair") {
			if !strings.Contains(err.Error(), s) {
				t.Fatalf("%s: %q does not say %q", name, err, s)
			}
		}
		if !bytes.Equal(readFile(t, cp+".wal"), wal) || !bytes.Equal(readFile(t, cp), dbImage) {
			t.Fatalf("%s: a refused Open changed the files", name)
		}
	}

	t.Run("a bit flipped mid-log", func(t *testing.T) {
		w := bytes.Clone(walImage)
		w[mid] ^= 0x10
		refused("flipped", w, bolt.ErrDamaged, "at byte", "#200")
		var de *bolt.DamageError
		_, err := bolt.Open(cp)
		if !errors.As(err, &de) || de.Offset > int64(mid) || de.Last != 200 || de.Next <= de.After || de.After < 100 {
			t.Fatalf("damage error %+v: want the offset at or before %d, events up to about 100 before and up to 200 after", de, mid)
		}
	})
	t.Run("a sector zeroed mid-log", func(t *testing.T) {
		w := bytes.Clone(walImage)
		clear(w[mid&^511 : mid&^511+512])
		refused("zeroed", w, bolt.ErrDamaged)
	})
	t.Run("cut mid-way", func(t *testing.T) {
		refused("cut", bytes.Clone(walImage[:mid]), bolt.ErrDamaged, "cut short")
	})
	t.Run("deleted", func(t *testing.T) {
		writeImage(t, cp, dbImage, nil)
		_, err := bolt.Open(cp)
		if !errors.Is(err, bolt.ErrWALMissing) || !strings.Contains(err.Error(), "qcall repair") {
			t.Fatalf("log deleted: Open = %v, want ErrWALMissing", err)
		}
	})
	t.Run("the last batch damaged: as torn by a crash", func(t *testing.T) {
		w := bytes.Clone(walImage)
		w[db.WALEnd()-3] ^= 0x10
		writeImage(t, cp, dbImage, w)
		if _, es := openLoad(t, cp); !reflect.DeepEqual(es, events(1, 196)) {
			t.Fatalf("recovered %d events, want the 196 before the last batch", len(es))
		}
	})
	t.Run("a clean close needs no log", func(t *testing.T) {
		writeImage(t, cp, dbImage, walImage)
		openLoad(t, cp) // a clean close
		writeImage(t, cp, readFile(t, cp), nil)
		if _, es := openLoad(t, cp); !reflect.DeepEqual(es, events(1, 200)) {
			t.Fatalf("recovered %d events, want 200", len(es))
		}
	})
	t.Run("a backup restored without the log", func(t *testing.T) {
		bk := filepath.Join(t.TempDir(), "backup.db")
		if err := db.BackupFile(bk); err != nil {
			t.Fatal(err)
		}
		writeImage(t, cp, readFile(t, bk), nil)
		if _, es := openLoad(t, cp); !reflect.DeepEqual(es, events(1, 200)) {
			t.Fatalf("recovered %d events, want 200", len(es))
		}
		// The running store is still marked: its log may not vanish.
		mustAppend(t, db, events(201, 1), nil)
		cp2 := crashCopy(t, path)
		writeImage(t, cp2, readFile(t, cp2), nil)
		if _, err := bolt.Open(cp2); !errors.Is(err, bolt.ErrWALMissing) {
			t.Fatalf("after a backup, the log deleted: Open = %v, want ErrWALMissing", err)
		}
	})
}
