// Package bolt is the bbolt adapter of queue.Store: the hall's events and
// snapshots in one bbolt file.
//
// Layout of the file:
//
//	meta       "format" → decimal format version (formatVersion)
//	events     big-endian uint64 seq → JSON of queue.Event
//	snapshots  big-endian uint64 seq → queue.Snapshot.State (the newest two only)
package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"qcall/queue"
)

// formatVersion is the layout this package writes. Open refuses a file whose
// version is higher: a newer qcall wrote it, and an older one must not guess.
const formatVersion = 1

// keepSnapshots is how many snapshots Append keeps; the older ones are deleted
// in the same transaction. Load uses only the newest; the one before stays as a
// fallback for a person repairing the file.
const keepSnapshots = 2

// DefaultLockTimeout is how long Open waits for the file lock that another
// qcall holds before it gives up with ErrLocked.
const DefaultLockTimeout = time.Second

var (
	bucketMeta      = []byte("meta")
	bucketEvents    = []byte("events")
	bucketSnapshots = []byte("snapshots")
	keyFormat       = []byte("format")
)

// The errors callers branch on.
var (
	// ErrLocked means another process (another qcall server) has the data file
	// open; Open gives up after the lock timeout instead of waiting for it.
	ErrLocked = errors.New("the data folder is in use by another qcall")

	// ErrNewerFormat means the data file was written by a newer qcall, whose
	// layout this one does not know.
	ErrNewerFormat = errors.New("the data file was written by a newer qcall")

	// ErrNotStore means the file is a bbolt file but not a qcall store.
	ErrNotStore = errors.New("the file is not a qcall data file")

	// ErrSequence means Append was given events whose seqs do not continue the
	// stored ones exactly (a gap, a repeat, or out of order), or a snapshot
	// past the last event. Nothing was written. It is a bug in the caller.
	ErrSequence = errors.New("events out of sequence")

	// ErrUncertain means a commit failed after its pages had reached the file
	// (an fsync error): the file may or may not keep that batch. The DB refuses
	// further writes; restart qcall so that Load reads what the disk really has.
	ErrUncertain = errors.New("a failed commit may have reached the disk; restart qcall")
)

// Option changes how Open opens the file.
type Option func(*options)

type options struct {
	lockTimeout time.Duration
	maxSize     int // bbolt Options.MaxSize
}

// MaxSize caps the data file at n bytes: a write that would grow it further
// fails as a full disk would, and the hall answers 503 until there is room. Tests
// use it to fill the "disk"; 0 means no cap.
func MaxSize(n int) Option {
	return func(o *options) { o.maxSize = n }
}

// LockTimeout sets how long Open waits for another process's lock on the file
// (DefaultLockTimeout when not given). It must be positive: bbolt waits forever
// on zero, and a second server must fail at once, not hang.
func LockTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.lockTimeout = d
		}
	}
}

// DB is a queue.Store on a bbolt file. Its methods are safe for concurrent use;
// the engine is its only writer, while Events, Load and Backup may run from
// other goroutines (HTTP handlers, a backup job).
type DB struct {
	db   *bbolt.DB
	path string

	// Scratch space of Append, reused across calls so that a batch costs no
	// per-event allocation for keys and encoded values. Guarded by bbolt's
	// writer lock: only touched inside db.Update, which runs one at a time.
	// bbolt requires keys and values passed to Put to stay valid until the
	// transaction ends, so a batch is encoded whole before the first Put and
	// the buffers are not reused until the next Update.
	buf  bytes.Buffer
	enc  *json.Encoder // writes into buf
	ends []int         // end offset in buf of each encoded event
	keys []byte        // 8 bytes per event

	mu     sync.Mutex // guards failed
	failed error      // set once a commit fails in a way that leaves the file uncertain
}

var _ queue.Store = (*DB)(nil)

// Open opens the store file at path, creating it and its buckets if it does not
// exist. It fails with an error wrapping ErrLocked when another process has the
// file open, with ErrNewerFormat when a newer qcall wrote it, and with
// ErrNotStore when it is some other bbolt file.
func Open(path string, opts ...Option) (*DB, error) {
	o := options{lockTimeout: DefaultLockTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	bo := &bbolt.Options{
		Timeout: o.lockTimeout,
		// The freelist is not written on each commit but rebuilt by a scan
		// when the file is opened, as etcd and containerd run it: one page
		// less to write per commit, and no freelist page that a crash can
		// leave inconsistent. bbolt marks such a file (meta freelist =
		// PgidNoFreelist), so any bbolt, including one that syncs the
		// freelist, rebuilds it on open instead of trusting a stale one.
		// The scan costs time at start-up only, proportional to the file
		// size: milliseconds for a hall's years of events. The hashmap
		// freelist is the one etcd pairs with it (O(1) allocate and free).
		NoFreelistSync: true,
		FreelistType:   bbolt.FreelistMapType,
		// Map ahead so that the file growing rarely needs a remap: a remap
		// waits for every read transaction, and a Backup is a long one.
		// Address space only; the file itself grows as data is written.
		InitialMmapSize: 64 << 20,
		MaxSize:         o.maxSize,
	}
	bdb, err := bbolt.Open(path, 0o600, bo)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w (file lock not acquired within %s)", path, ErrLocked, o.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	d := &DB{db: bdb, path: path}
	d.enc = json.NewEncoder(&d.buf)
	d.enc.SetEscapeHTML(false)
	if err := d.init(); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return d, nil
}

// init creates the buckets of a new file and checks the format of an old one.
func (d *DB) init() error {
	var fresh bool
	err := d.db.View(func(tx *bbolt.Tx) error {
		var err error
		fresh, err = checkFormat(tx)
		return err
	})
	if err != nil || !fresh {
		return err
	}
	return d.db.Update(func(tx *bbolt.Tx) error {
		if fresh, err := checkFormat(tx); err != nil || !fresh {
			return err
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyFormat, strconv.AppendInt(nil, formatVersion, 10)); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bucketEvents); err != nil {
			return err
		}
		_, err = tx.CreateBucket(bucketSnapshots)
		return err
	})
}

// checkFormat reports whether the file is empty (fresh), or else whether it is
// a store of a format this package reads.
func checkFormat(tx *bbolt.Tx) (fresh bool, err error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if k, _ := tx.Cursor().First(); k != nil {
			return false, ErrNotStore
		}
		return true, nil
	}
	v, err := strconv.Atoi(string(meta.Get(keyFormat)))
	switch {
	case err != nil || v < 1:
		return false, fmt.Errorf("%w: bad format version %q", ErrNotStore, meta.Get(keyFormat))
	case v > formatVersion:
		return false, fmt.Errorf("%w: format %d, this qcall reads up to %d", ErrNewerFormat, v, formatVersion)
	}
	if tx.Bucket(bucketEvents) == nil || tx.Bucket(bucketSnapshots) == nil {
		return false, fmt.Errorf("%w: buckets missing", ErrNotStore)
	}
	return false, nil
}

// Close releases the file and its lock. It waits for running transactions.
func (d *DB) Close() error {
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Path returns the path of the store file.
func (d *DB) Path() string { return d.path }

// Append writes events, and snap when it is not nil, in one transaction (one
// fsync). The first event's Seq must be the last stored seq + 1 and the seqs
// must follow each other without a gap; snap.Seq must not be past the last
// event. Otherwise it returns an error wrapping ErrSequence. Any error means
// nothing of the call was stored, except ErrUncertain (see there). A failed
// write or sync (a full disk) returns the error and keeps what was stored
// before; later calls may succeed once there is room again.
func (d *DB) Append(events []queue.Event, snap *queue.Snapshot) error {
	if len(events) == 0 && snap == nil {
		return nil
	}
	d.mu.Lock()
	failed := d.failed
	d.mu.Unlock()
	if failed != nil {
		return failed
	}

	var before uint64 // last seq before this call, read inside the transaction
	committing := false
	err := d.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		// Keys are appended in increasing order: full pages, no room kept
		// for inserts that never come.
		b.FillPercent = 1.0
		before = lastKey(b)

		last := before
		for i := range events {
			if events[i].Seq != last+1 {
				return fmt.Errorf("append: event %d of %d has seq %d, want %d: %w", i+1, len(events), events[i].Seq, last+1, ErrSequence)
			}
			last++
		}
		if snap != nil {
			if snap.Seq > last {
				return fmt.Errorf("append: snapshot at seq %d is past the last event %d: %w", snap.Seq, last, ErrSequence)
			}
			if newest := lastKey(tx.Bucket(bucketSnapshots)); snap.Seq < newest {
				return fmt.Errorf("append: snapshot at seq %d is older than the stored one at %d: %w", snap.Seq, newest, ErrSequence)
			}
		}

		if err := d.encode(events); err != nil {
			return err
		}
		data := d.buf.Bytes()
		start := 0
		for i := range events {
			k := d.keys[8*i : 8*i+8 : 8*i+8]
			binary.BigEndian.PutUint64(k, events[i].Seq)
			end := d.ends[i]
			// end-1: drop the newline json.Encoder adds.
			if err := b.Put(k, data[start:end-1:end-1]); err != nil {
				return fmt.Errorf("append: put event %d: %w", events[i].Seq, err)
			}
			start = end
		}
		if snap != nil {
			if err := putSnapshot(tx.Bucket(bucketSnapshots), snap); err != nil {
				return err
			}
		}
		committing = true
		return nil
	})
	if err == nil {
		return nil
	}
	if !committing {
		return err
	}
	err = fmt.Errorf("append: commit: %w", err)
	// The commit failed. If it failed while writing the meta page (its
	// fsync), the page may already be in the file and in bbolt's view, so the
	// batch is readable though the caller was told it failed. Then the only
	// honest way on is a restart that reads the file again.
	if now, lerr := d.LastSeq(); lerr != nil || now != before {
		err = fmt.Errorf("%w: %w", ErrUncertain, err)
		d.mu.Lock()
		d.failed = err
		d.mu.Unlock()
	}
	return err
}

// encode writes the JSON of each event into d.buf, one after the other, and
// records where each ends in d.ends; it sizes d.keys for the batch.
func (d *DB) encode(events []queue.Event) error {
	d.buf.Reset()
	d.ends = d.ends[:0]
	for i := range events {
		if err := d.enc.Encode(&events[i]); err != nil {
			return fmt.Errorf("append: encode event %d: %w", events[i].Seq, err)
		}
		d.ends = append(d.ends, d.buf.Len())
	}
	if n := 8 * len(events); cap(d.keys) < n {
		d.keys = make([]byte, n)
	} else {
		d.keys = d.keys[:n]
	}
	return nil
}

// putSnapshot stores snap and deletes all but the newest keepSnapshots.
func putSnapshot(b *bbolt.Bucket, snap *queue.Snapshot) error {
	if err := b.Put(seqKey(snap.Seq), snap.State); err != nil {
		return fmt.Errorf("append: put snapshot %d: %w", snap.Seq, err)
	}
	// Collect first, delete after: deleting under a moving cursor can skip keys.
	var old [][]byte
	c := b.Cursor()
	n := 0
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		if n++; n > keepSnapshots {
			old = append(old, bytes.Clone(k))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("append: delete snapshot %d: %w", binary.BigEndian.Uint64(k), err)
		}
	}
	return nil
}

// Load returns the newest snapshot (nil when there is none) and every event
// after it, in seq order.
func (d *DB) Load() (*queue.Snapshot, []queue.Event, error) {
	var snap *queue.Snapshot
	var events []queue.Event
	err := d.db.View(func(tx *bbolt.Tx) error {
		var after uint64
		if k, v := tx.Bucket(bucketSnapshots).Cursor().Last(); k != nil {
			after = binary.BigEndian.Uint64(k)
			snap = &queue.Snapshot{Seq: after, State: bytes.Clone(v)}
		}
		var err error
		events, err = readEvents(tx.Bucket(bucketEvents), after, math.MaxInt)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("load: %w", err)
	}
	return snap, events, nil
}

// Events returns up to limit events with seq greater than after, in order;
// none when limit is not positive.
func (d *DB) Events(after uint64, limit int) ([]queue.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	var events []queue.Event
	err := d.db.View(func(tx *bbolt.Tx) error {
		var err error
		events, err = readEvents(tx.Bucket(bucketEvents), after, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	return events, nil
}

// readEvents decodes up to limit events after seq after. It checks that each
// event's seq is its key and follows the one before, so a damaged file shows
// as an error rather than as a silently different hall.
func readEvents(b *bbolt.Bucket, after uint64, limit int) ([]queue.Event, error) {
	last := lastKey(b)
	if last <= after {
		return nil, nil
	}
	n := last - after
	if n > uint64(limit) {
		n = uint64(limit)
	}
	events := make([]queue.Event, 0, n)
	c := b.Cursor()
	want := after + 1
	for k, v := c.Seek(seqKey(want)); k != nil && len(events) < limit; k, v = c.Next() {
		events = append(events, queue.Event{})
		e := &events[len(events)-1]
		if err := json.Unmarshal(v, e); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if got := binary.BigEndian.Uint64(k); got != want || e.Seq != want {
			return nil, fmt.Errorf("event key %d holds seq %d, want %d: store damaged", got, e.Seq, want)
		}
		want++
	}
	return events, nil
}

// LastSeq returns the seq of the last stored event, 0 when there is none.
func (d *DB) LastSeq() (uint64, error) {
	var last uint64
	err := d.db.View(func(tx *bbolt.Tx) error {
		last = lastKey(tx.Bucket(bucketEvents))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("last seq: %w", err)
	}
	return last, nil
}

// Backup writes a consistent copy of the whole store file to w, as of the
// moment it starts, and returns the bytes written. It runs in a read
// transaction, so Append goes on meanwhile. The copy opens with Open.
func (d *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := d.db.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a copy of the store to path (see Backup): first to a
// temporary file in the same folder, synced, then renamed over path, so that
// path holds either the old copy or the whole new one, never a part.
func (d *DB) BackupFile(path string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := d.Backup(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: close %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Make the rename itself durable.
	df, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer df.Close()
	if err := df.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", dir, err)
	}
	return nil
}

func lastKey(b *bbolt.Bucket) uint64 {
	k, _ := b.Cursor().Last()
	if k == nil {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}
