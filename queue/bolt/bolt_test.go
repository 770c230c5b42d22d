package bolt_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"qcall/internal/cputime"
	"qcall/internal/fieldfill"
	"qcall/queue"
	"qcall/queue/bolt"
)

// mustOpen opens a store in a fresh temporary folder; see mustOpenPath.
func mustOpen(tb testing.TB, opts ...bolt.Option) *bolt.DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "qcall.db"), opts...)
}

// mustOpenPath opens the store at path and, when the test ends, checks the
// file's consistency and closes it.
func mustOpenPath(tb testing.TB, path string, opts ...bolt.Option) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(path, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Check(); err != nil {
			tb.Errorf("check %s: %v", path, err)
		}
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

var day = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// event returns the event the tests store at seq: always the same for a seq, so
// that what a store returns can be checked against it.
func event(seq uint64) queue.Event {
	e := queue.Event{
		Seq:    seq,
		At:     day.Add(time.Duration(seq) * time.Second),
		Type:   queue.EvTicketIssued,
		Actor:  "kiosk-1",
		Number: fmt.Sprintf("A%03d", seq),
		Ticket: "t" + strconv.FormatUint(seq, 10),

		Service:     "tax",
		IssueFields: queue.IssueFields{Channel: "kiosk", Priority: "normal"},
	}
	if seq%3 == 0 {
		e.Type = queue.EvTicketCalled
		e.Window = int(seq%7) + 1
		e.OutOfOrder = seq%2 == 0
		e.Cover = []string{"s1", "s2"}
	}
	return e
}

// events returns event(from) … event(from+n-1); nil when n is 0, as the store
// returns no events.
func events(from uint64, n int) []queue.Event {
	if n == 0 {
		return nil
	}
	es := make([]queue.Event, n)
	for i := range es {
		es[i] = event(from + uint64(i))
	}
	return es
}

func state(seq uint64) []byte { return []byte(fmt.Sprintf(`{"seq":%d}`, seq)) }

func snapshot(seq uint64) *queue.Snapshot { return &queue.Snapshot{Seq: seq, State: state(seq)} }

func mustAppend(tb testing.TB, db *bolt.DB, es []queue.Event, snap *queue.Snapshot) {
	tb.Helper()
	if err := db.Append(es, snap); err != nil {
		tb.Fatal(err)
	}
}

func mustLoad(tb testing.TB, db *bolt.DB) (*queue.Snapshot, []queue.Event) {
	tb.Helper()
	snap, es, err := db.Load()
	if err != nil {
		tb.Fatal(err)
	}
	return snap, es
}

func TestDB_Append(t *testing.T) {
	t.Run("round trip with snapshot", func(t *testing.T) {
		db := mustOpen(t)
		if snap, es := mustLoad(t, db); snap != nil || len(es) != 0 {
			t.Fatalf("new store: Load = %v, %d events; want nil, 0", snap, len(es))
		}
		mustAppend(t, db, events(1, 5), nil)
		mustAppend(t, db, events(6, 5), snapshot(8))

		snap, es := mustLoad(t, db)
		if !reflect.DeepEqual(snap, snapshot(8)) {
			t.Errorf("snapshot = %+v, want seq 8", snap)
		}
		if want := events(9, 2); !reflect.DeepEqual(es, want) {
			t.Errorf("events = %+v\nwant %+v", es, want)
		}
		if last, err := db.LastSeq(); err != nil || last != 10 {
			t.Errorf("LastSeq = %d, %v; want 10", last, err)
		}
	})

	t.Run("snapshot only", func(t *testing.T) {
		db := mustOpen(t)
		mustAppend(t, db, events(1, 3), nil)
		mustAppend(t, db, nil, snapshot(3))
		if snap, es := mustLoad(t, db); snap == nil || snap.Seq != 3 || len(es) != 0 {
			t.Errorf("Load = %v, %d events; want snapshot 3, no events", snap, len(es))
		}
	})

	t.Run("keeps the newest two snapshots", func(t *testing.T) {
		db := mustOpen(t)
		for seq := uint64(1); seq <= 5; seq++ {
			mustAppend(t, db, events(seq, 1), snapshot(seq))
		}
		mustAppend(t, db, events(6, 1), snapshot(5)) // same seq again: replaced
		seqs, err := db.SnapshotSeqs()
		if err != nil {
			t.Fatal(err)
		}
		if want := []uint64{4, 5}; !reflect.DeepEqual(seqs, want) {
			t.Errorf("snapshots = %v, want %v", seqs, want)
		}
	})

	t.Run("nothing to append", func(t *testing.T) {
		db := mustOpen(t)
		if err := db.Append(nil, nil); err != nil {
			t.Error(err)
		}
	})
}

func TestDB_Append_refused(t *testing.T) {
	tests := []struct {
		name   string
		events []queue.Event
		snap   *queue.Snapshot
	}{
		{"gap before the batch", events(12, 2), nil},
		{"seq repeated", events(10, 2), nil},
		{"seq zero", []queue.Event{{Seq: 0, Type: queue.EvDayOpened}}, nil},
		{"gap inside the batch", append(events(11, 2), event(14)), nil},
		{"out of order inside the batch", []queue.Event{event(11), event(13), event(12)}, nil},
		{"snapshot past the last event", events(11, 2), snapshot(13)},
		{"snapshot with no events past the last", nil, snapshot(11)},
		{"snapshot older than the stored one", events(11, 1), snapshot(7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := mustOpen(t)
			mustAppend(t, db, events(1, 10), snapshot(8))
			beforeSnap, beforeEvents := mustLoad(t, db)

			err := db.Append(tt.events, tt.snap)
			if !errors.Is(err, bolt.ErrSequence) {
				t.Fatalf("Append = %v, want ErrSequence", err)
			}
			snap, es := mustLoad(t, db)
			if !reflect.DeepEqual(snap, beforeSnap) || !reflect.DeepEqual(es, beforeEvents) {
				t.Errorf("store changed by a refused Append: snapshot %+v, %d events", snap, len(es))
			}
			// The store goes on from where it was.
			mustAppend(t, db, events(11, 1), nil)
		})
	}
}

// A full disk: the commit fails, the caller gets an error, what was stored
// before stays, and once there is room (here: no cap) the store goes on.
func TestDB_Append_diskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path, bolt.MaxSize(256<<10), bolt.WALSize(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	seq := uint64(1)
	for ; ; seq += 16 {
		err = db.Append(events(seq, 16), nil)
		if err != nil {
			break
		}
		if seq > 1e6 {
			t.Fatal("the capped file never filled")
		}
	}
	if errors.Is(err, bolt.ErrSequence) || errors.Is(err, bolt.ErrUncertain) {
		t.Fatalf("Append on a full file = %v, want a commit error", err)
	}
	t.Logf("full after %d events: %v", seq-1, err)
	if last, err := db.LastSeq(); err != nil || last != seq-1 {
		t.Fatalf("LastSeq = %d, %v; want %d", last, err, seq-1)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	_, full := mustLoad(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = mustOpenPath(t, path)
	if _, es := mustLoad(t, db); !reflect.DeepEqual(es, full) || len(es) != int(seq-1) {
		t.Fatalf("after reopening: %d events, want the %d stored before", len(es), seq-1)
	}
	mustAppend(t, db, events(seq, 16), nil)
}

func TestDB_Events(t *testing.T) {
	db := mustOpen(t)
	mustAppend(t, db, events(1, 25), snapshot(20))

	var got []queue.Event
	var pages []int
	for after := uint64(0); ; {
		page, err := db.Events(after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		pages = append(pages, len(page))
		got = append(got, page...)
		after = page[len(page)-1].Seq
	}
	if want := []int{10, 10, 5}; !reflect.DeepEqual(pages, want) {
		t.Errorf("page sizes = %v, want %v", pages, want)
	}
	if want := events(1, 25); !reflect.DeepEqual(got, want) {
		t.Errorf("paged events differ from the appended ones")
	}

	for _, tt := range []struct {
		after uint64
		limit int
		want  []queue.Event
	}{
		{after: 23, limit: 10, want: events(24, 2)},
		{after: 25, limit: 10, want: nil},
		{after: 1 << 63, limit: 10, want: nil},
		{after: 0, limit: 0, want: nil},
		{after: 0, limit: -1, want: nil},
		{after: 7, limit: 1, want: events(8, 1)},
	} {
		es, err := db.Events(tt.after, tt.limit)
		if err != nil || !reflect.DeepEqual(es, tt.want) {
			t.Errorf("Events(%d, %d) = %d events, %v; want %d", tt.after, tt.limit, len(es), err, len(tt.want))
		}
	}
}

// TestDB_EveryEventField stores events with every field set, nested ones
// too, found by reflection (no hand list a new field could miss), through the
// log and through a checkpoint into bbolt, reopens the file and reads every
// field back: a field the encoder or the store drops fails here.
func TestDB_EveryEventField(t *testing.T) {
	filled := func(seq uint64) queue.Event {
		var e queue.Event
		if err := fieldfill.Fill(&e); err != nil {
			t.Fatal(err)
		}
		e.Seq = seq
		return e
	}
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, []queue.Event{filled(1)}, nil)         // stays in the log
	mustAppend(t, db, []queue.Event{filled(2)}, snapshot(2)) // checkpointed into bbolt
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = mustOpenPath(t, path)
	_, loaded := mustLoad(t, db)
	paged, err := db.Events(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 0 || len(paged) != 2 {
		t.Fatalf("Load gave %d events after the snapshot, Events %d; want 0 and 2", len(loaded), len(paged))
	}
	for _, got := range paged {
		if z := fieldfill.Zero(&got); len(z) != 0 {
			t.Errorf("event %d: fields lost in the store: %v", got.Seq, z)
			continue
		}
		g, _ := json.Marshal(&got)
		w, _ := json.Marshal(filled(got.Seq))
		if !bytes.Equal(g, w) {
			t.Errorf("event %d read back:\n%s\nwant\n%s", got.Seq, g, w)
		}
	}
}

func TestOpen(t *testing.T) {
	t.Run("reopen gives the same Load", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "qcall.db")
		db, err := bolt.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, db, events(1, 40), snapshot(30))
		mustAppend(t, db, events(41, 3), nil)
		snap, es := mustLoad(t, db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		db = mustOpenPath(t, path)
		snap2, es2 := mustLoad(t, db)
		if !reflect.DeepEqual(snap2, snap) || !reflect.DeepEqual(es2, es) {
			t.Errorf("after reopening: snapshot %v, %d events; want %v, %d", snap2, len(es2), snap, len(es))
		}
		mustAppend(t, db, events(44, 1), nil)
	})

	t.Run("second open fails fast", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "qcall.db")
		mustOpenPath(t, path)

		start := time.Now()
		db, err := bolt.Open(path)
		took := time.Since(start)
		if err == nil {
			db.Close()
			t.Fatal("second Open of an open file succeeded")
		}
		if !errors.Is(err, bolt.ErrLocked) {
			t.Errorf("second Open = %v, want ErrLocked", err)
		}
		if took >= 3*time.Second {
			t.Errorf("second Open took %s", took)
		}
		t.Log(err)
	})

	t.Run("newer format refused", func(t *testing.T) {
		path := writeBolt(t, "meta", "format", "2")
		_, err := bolt.Open(path)
		if !errors.Is(err, bolt.ErrNewerFormat) {
			t.Fatalf("Open = %v, want ErrNewerFormat", err)
		}
		t.Log(err)
		// The refused file was released, and left as it was.
		bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		err = bdb.View(func(tx *bbolt.Tx) error {
			if v := tx.Bucket([]byte("meta")).Get([]byte("format")); string(v) != "2" {
				return fmt.Errorf("format = %q, want 2", v)
			}
			return nil
		})
		if err := errors.Join(err, bdb.Close()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("other bbolt file refused", func(t *testing.T) {
		path := writeBolt(t, "keys", "k", "v")
		if _, err := bolt.Open(path); !errors.Is(err, bolt.ErrNotStore) {
			t.Fatalf("Open = %v, want ErrNotStore", err)
		}
	})
}

// writeBolt writes a bbolt file with one key in one bucket, and returns its path.
func writeBolt(t *testing.T, bucket, key, value string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qcall.db")
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte(bucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	})
	if err := errors.Join(err, bdb.Close()); err != nil {
		t.Fatal(err)
	}
	return path
}

// Backups taken while the engine appends are each a consistent state of the
// hall, and one taken at rest loads exactly as the original.
func TestDB_BackupFile(t *testing.T) {
	const batch = 7
	const snapEvery = 3 // batches
	db := mustOpen(t)
	copyPath := filepath.Join(t.TempDir(), "backup.db")

	stop := make(chan struct{})
	started := make(chan struct{})
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	stopWriter := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriter) // before mustOpen's check, also when the test fails early
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := uint64(0); ; b++ {
			var snap *queue.Snapshot
			if b%snapEvery == snapEvery-1 {
				snap = snapshot((b + 1) * batch)
			}
			if err := db.Append(events(b*batch+1, batch), snap); err != nil {
				errc <- err
				return
			}
			if b == 0 {
				close(started)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()

	select {
	case <-started:
	case err := <-errc:
		t.Fatal(err)
	}
	for range 5 {
		if err := db.BackupFile(copyPath); err != nil {
			t.Fatal(err)
		}
		// The copy holds the first n batches, for some n, and nothing else.
		snap, es := openLoad(t, copyPath)
		var last uint64
		if snap != nil {
			last = snap.Seq
		}
		if want := events(last+1, len(es)); !reflect.DeepEqual(es, want) {
			t.Fatalf("backup: events after %d are not the appended ones", last)
		}
		last += uint64(len(es))
		if last == 0 || last%batch != 0 {
			t.Fatalf("backup ends at seq %d, inside a batch", last)
		}
		if wantSeq := last / (batch * snapEvery) * (batch * snapEvery); wantSeq == 0 && snap != nil ||
			wantSeq != 0 && !reflect.DeepEqual(snap, snapshot(wantSeq)) {
			t.Fatalf("backup at seq %d has snapshot %v, want %d", last, snap, wantSeq)
		}
		t.Logf("backup at seq %d", last)
	}
	stopWriter()
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}

	if err := db.BackupFile(copyPath); err != nil {
		t.Fatal(err)
	}
	snap, es := openLoad(t, copyPath)
	origSnap, origEvents := mustLoad(t, db)
	if !reflect.DeepEqual(snap, origSnap) || !reflect.DeepEqual(es, origEvents) {
		t.Errorf("backup at rest: snapshot %v, %d events; original %v, %d", snap, len(es), origSnap, len(origEvents))
	}
	if matches, _ := filepath.Glob(copyPath + ".tmp-*"); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{1, 16, 64} {
		b.Run("batch="+strconv.Itoa(n), func(b *testing.B) {
			db := mustOpen(b)
			es := events(1, n)
			var seq uint64

			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cputime.Process()
			for i := 0; i < b.N; i++ {
				for j := range es {
					seq++
					es[j].Seq = seq
				}
				if err := db.Append(es, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu := cputime.Process() - cpu0

			if last, err := db.LastSeq(); err != nil || last != seq {
				b.Fatalf("LastSeq = %d, %v; want %d", last, err, seq)
			}
			b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "events/s")
			// The process's CPU time (user and system) per Append, to set
			// beside the wall time: on a loaded machine the CPU is what the
			// store takes from the rest of the hall.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

func Example() {
	dir, err := os.MkdirTemp("", "qcall")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	db, err := bolt.Open(filepath.Join(dir, "qcall.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()

	at := time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)
	err = db.Append([]queue.Event{
		{Seq: 1, At: at, Type: queue.EvDayOpened, Actor: "system", Day: "2026-03-02"},
		{Seq: 2, At: at.Add(time.Minute), Type: queue.EvTicketIssued, Actor: "kiosk-1", Number: "A001", Service: "tax"},
		{Seq: 3, At: at.Add(2 * time.Minute), Type: queue.EvTicketIssued, Actor: "kiosk-1", Number: "A002", Service: "tax"},
	}, &queue.Snapshot{Seq: 2, State: []byte(`{"waiting":1}`)})
	if err != nil {
		panic(err)
	}

	snap, events, err := db.Load()
	if err != nil {
		panic(err)
	}
	fmt.Printf("snapshot at %d: %s\n", snap.Seq, snap.State)
	for _, e := range events {
		fmt.Println(e.Seq, e.Type, e.Number)
	}

	err = db.Append([]queue.Event{{Seq: 5, Type: queue.EvTicketCancelled}}, nil)
	fmt.Println(errors.Is(err, bolt.ErrSequence))
	// Output:
	// snapshot at 2: {"waiting":1}
	// 3 ticket_issued A002
	// true
}

// A data file cut short, or with both meta pages damaged, is refused before
// bbolt maps it, with what is wrong (before: SIGBUS and a Go stack trace,
// a crash loop under a service manager); Check says the same.
func TestOpen_damagedDataFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 2000; seq += 100 {
		mustAppend(t, db, events(seq, 100), snapshot(seq+99))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The pages in use end at the high-water mark of the newer meta page
	// (bbolt's layout: the meta after a 16-byte page header; page size at 8,
	// high-water page id at 40, txid at 48, little-endian).
	used := 0
	for _, off := range []int{16, 4096 + 16} {
		le := binary.LittleEndian
		if n := int(le.Uint64(whole[off+40:])) * int(le.Uint32(whole[off+8:])); n > used && n <= len(whole) {
			used = n
		}
	}
	metas := func(b []byte) []byte {
		clear(b[16:80])
		if len(b) >= 4096+80 {
			clear(b[4096+16 : 4096+80])
		}
		return b
	}
	for _, tt := range []struct {
		name string
		file []byte
		says string
	}{
		{"cut to 8 KiB", whole[:8192], "cut short"},
		{"cut mid-way", whole[:used/2], "cut short"},
		{"cut to 100 bytes", whole[:100], "cut short"},
		{"cut to 4000 bytes, the meta damaged", metas(bytes.Clone(whole[:4000])), "too short"},
		{"both meta pages damaged", metas(bytes.Clone(whole)), "meta pages"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "qcall.db")
			if err := os.WriteFile(p, tt.file, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := bolt.Open(p)
			if !errors.Is(err, bolt.ErrDamaged) || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), p) {
				t.Fatalf("Open = %v, want ErrDamaged saying %q and naming the file", err, tt.says)
			}
			if _, err := bolt.Check(p); !errors.Is(err, bolt.ErrDamaged) {
				t.Fatalf("Check = %v, want ErrDamaged", err)
			}
		})
	}
}

// The newest snapshot damaged: the state is rebuilt from the one before and
// the events after it (before: the hall did not start).
func TestLoad_damagedSnapshotFallsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, events(1, 10), snapshot(10))
	mustAppend(t, db, events(11, 10), snapshot(20))
	mustAppend(t, db, events(21, 5), nil)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A bad byte inside its page (and in the stale copies that freed pages
	// of earlier transactions may hold).
	n := 0
	for i := bytes.Index(b, state(20)); i >= 0; i = bytes.Index(b, state(20)) {
		b[i+3] ^= 0x01
		n++
	}
	if n == 0 {
		t.Fatal("the newest snapshot's bytes are not in the file")
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	snap, es := openLoad(t, path)
	if !reflect.DeepEqual(snap, snapshot(10)) || !reflect.DeepEqual(es, events(11, 15)) {
		t.Fatalf("Load = snapshot %v and %d events, want the snapshot at 10 and events 11 to 25", snap, len(es))
	}
	rep, err := bolt.Check(path)
	if err != nil || !rep.OK || !strings.Contains(rep.String(), "snapshot at event #20 is damaged") {
		t.Fatalf("Check = %v, %v; want OK, saying the snapshot at 20 is damaged", rep, err)
	}
}

// Check of a whole folder, and of one whose log is damaged mid-way.
func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db := mustOpenPath(t, path)
	for seq := uint64(1); seq <= 60; seq += 3 {
		mustAppend(t, db, events(seq, 3), nil)
	}
	cp := filepath.Join(t.TempDir(), "qcall.db")
	wal := readFile(t, path+".wal")
	writeImage(t, cp, readFile(t, path), wal)
	if rep, err := bolt.Check(cp); err != nil || !rep.OK || !strings.Contains(rep.String(), "events #1 to #60 are not yet in the data file") {
		t.Fatalf("Check of a crashed, whole folder = %v, %v", rep, err)
	}
	wal[bolt.WALHeaderSize+(int(db.WALEnd())-bolt.WALHeaderSize)/2] ^= 0x40
	writeImage(t, cp, readFile(t, path), wal)
	if rep, err := bolt.Check(cp); err != nil || rep.OK || !strings.Contains(rep.String(), "run qcall repair") {
		t.Fatalf("Check of a damaged log = %v, %v", rep, err)
	}
	if _, err := bolt.Check(path); !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("Check of an open store = %v, want ErrLocked", err)
	}
}

// The snapshots' page damaged so that bbolt cannot read it (it panics on
// it): the state is rebuilt from every event, and the hall starts.
func TestLoad_unreadableSnapshotPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	big := func(seq uint64) *queue.Snapshot {
		// A large state, so that it has pages of its own.
		return &queue.Snapshot{Seq: seq, State: fmt.Appendf(nil, `{"seq":%d,"pad":"%s"}`, seq, strings.Repeat("s", 20000))}
	}
	mustAppend(t, db, events(1, 10), big(10))
	mustAppend(t, db, events(11, 10), big(20))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, seq := range []uint64{10, 20} {
		i := bytes.Index(b, fmt.Appendf(nil, `{"seq":%d,"pad":`, seq))
		for ; i >= 0; i = bytes.Index(b, fmt.Appendf(nil, `{"seq":%d,"pad":`, seq)) {
			page := i &^ 4095
			b[page+8], b[page+9] = 0xff, 0xff // the page's flags: no page type bbolt knows
			b[i] = 'x'
			n++
		}
	}
	if n == 0 {
		t.Fatal("the snapshots are not in the file")
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db2, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	snap, es, err := db2.Load()
	if err != nil || snap != nil || !reflect.DeepEqual(es, events(1, 20)) {
		t.Fatalf("Load = snapshot %v, %d events, %v; want no snapshot and all 20 events", snap, len(es), err)
	}
}
