// Package bolt is the bbolt adapter of queue.Store: the hall's events and
// snapshots in one bbolt file, with a write-ahead log in front of it.
//
// # Files
//
// The data file (qcall.db) is the store of record, a bbolt file:
//
//	meta       "format" → decimal format version (formatVersion)
//	events     big-endian uint64 seq → JSON of queue.Event
//	snapshots  big-endian uint64 seq → queue.Snapshot.State (the newest two only)
//
// Next to it, the write-ahead log (qcall.db.wal) holds the events appended
// since they last went into the data file. A bbolt commit costs two fsyncs and
// several page writes; appending to the log is one write into space that was
// written with zeros and synced beforehand, and one fdatasync. Its layout:
//
//	0     "qcallWAL", big-endian uint32 log format version (walVersion)
//	512   slot 0: big-endian uint64 epoch, uint64 size of the log file,
//	      CRC-32C of the slot (version 1: no size)
//	1024  slot 1: the same; the slot with the higher valid epoch counts, and
//	      of two with one epoch the larger size
//	4096  records, one after the other, to the end of the zeroed space:
//	        CRC-32C (Castagnoli) of the rest of the record
//	        uint32 payload length, uint64 seq, uint64 generation,
//	        uint32 flags (1: last record of its batch), uint32 index of the
//	        record in its batch (version 1: always 0),
//	        payload: the event's JSON, the very bytes the events bucket gets
//
// The log is created with 1 MiB of zeroed space and grows by 1 MiB at a time,
// each piece zeroed and synced before use, up to WALSize; then the header
// says the new size, so that a log cut short shows.
//
// # Writing
//
// Append writes a batch into the log as one write at the log's end, then
// fdatasyncs; the events stay in memory as pending, and the reads (Load,
// Events, LastSeq) see the data file and the pending events together. A
// checkpoint puts the pending events into the data file in one bbolt
// transaction, then starts the log over from its first record with the next
// generation, without writing anything to the log. It runs when a batch does
// not fit in the log (the batch then goes into the same transaction instead of
// the log), for every Append with a snapshot (pending events, new events and
// snapshot in one transaction), on Close, and before Backup.
//
// Each process that writes the log first makes a new log file (zeroed, synced,
// renamed over the old one, whose events are all in the data file by then)
// with the next epoch: a process never writes where another wrote, which
// after a failed fsync may hold in the page cache what never reached the
// disk. Its generations are epoch<<32, +1 at each checkpoint. The data file's
// meta bucket then says a log is in use ("wal"), until a clean Close, which
// takes one more epoch once everything is in the data file (the whole log is
// done) and deletes the mark. A backup's copy has no mark.
//
// # Recovery
//
// Open first checks the data file before bbolt maps it (a file cut shorter
// than its pages is ErrDamaged, not a SIGBUS), then reads the log from the
// first record on and takes records while each is whole (length in bounds,
// CRC matches), has a generation not below the header's epoch<<32 and equal
// to the first record's, a seq one past the record before and its index in
// its batch. Then it drops what follows the last record that ends a batch: a
// torn batch is dropped whole, with a warning. Records a checkpoint already
// put into the data file (seq ≤ its last seq) are skipped; otherwise the first
// record must be the data file's last seq + 1, else Open fails with
// ErrWALMismatch (an older data file was put back next to a newer log). The
// rest goes into the data file at once.
//
// Only the last batch can be torn: the next is written after its fdatasync
// returned. So Open looks past the stop at every offset for whole records of
// the newest generation that continue the events read: a record that starts
// a batch after the torn one's start, or the end of a batch followed by more,
// proves that synced records are damaged, and Open fails with a *DamageError
// (ErrDamaged) that names the file and the byte and writes nothing: the intact
// records stay for Repair. A log shorter than its header's size (cut short)
// is ErrDamaged, and no log where the data file marks one in use is
// ErrWALMissing. Repair and Check (repair.go) are `qcall repair` and `qcall
// check`.
//
// Stale records of older generations lie beyond the newest generation's end;
// the generation rule keeps them out even where one starts exactly at that end
// with the next seq (as after a torn batch whose seqs the next process used
// again): the epoch taken before any write makes every generation a process
// writes higher than all generations in the file before it.
package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"qcall/queue"
)

// initialMmapSize is how much of the file bbolt maps at once. Map ahead so
// that the file growing rarely needs a remap: a remap waits for every read
// transaction (a Backup is a long one) and stalls the commit that grows the
// file while it copies the open nodes out of the old mapping. On 64-bit Unix
// it is address space only, the file grows as data is written: 1 GiB is years
// of a hall's events. On Windows bbolt grows the file itself to the mapping,
// and 32-bit systems have little address space: 64 MiB there.
func initialMmapSize() int {
	if runtime.GOOS == "windows" || strconv.IntSize == 32 {
		return 64 << 20
	}
	return 1 << 30
}

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
	// keyWAL in meta holds the epoch of the log while a process writes it
	// (big-endian uint64); a clean Close deletes it. Open refuses a data
	// file that has it when the log is gone: events may be only there.
	keyWAL = []byte("wal")
)

// The errors callers branch on.
var (
	// ErrLocked means another process (another qcall server) has the data file
	// open; Open gives up after the lock timeout instead of waiting for it.
	ErrLocked = errors.New("the data folder is in use by another qcall")

	// ErrNewerFormat means the data file (or its log) was written by a newer
	// qcall, whose layout this one does not know.
	ErrNewerFormat = errors.New("the data file was written by a newer qcall")

	// ErrNotStore means the file is a bbolt file but not a qcall store, or
	// the log next to it is not a qcall write-ahead log.
	ErrNotStore = errors.New("the file is not a qcall data file")

	// ErrWALMismatch means the write-ahead log holds events that do not
	// continue the data file: typically an older data file (a backup) was
	// put in place while the log of the newer one stayed.
	ErrWALMismatch = errors.New("the write-ahead log does not continue the data file")

	// ErrSequence means Append was given events whose seqs do not continue the
	// stored ones exactly (a gap, a repeat, or out of order), or a snapshot
	// past the last event. Nothing was written. It is a bug in the caller.
	ErrSequence = errors.New("events out of sequence")

	// ErrUncertain means a commit failed after its pages had reached the file
	// (an fsync error): the file may or may not keep that batch. The DB refuses
	// further writes; restart qcall so that Load reads what the disk really has.
	ErrUncertain = errors.New("a failed commit may have reached the disk; restart qcall")

	// ErrDamaged means the log or the data file is damaged in a way that
	// loses events unless a person decides: a record that fails its check
	// with intact records after it, a log cut short, a data file cut short.
	// The error (a *DamageError for the log) says where and what to do.
	ErrDamaged = errors.New("the data is damaged")

	// ErrWALMissing means the data file says a log was in use when it was
	// last open, but the log is not there: the events only it held are gone
	// unless it is put back.
	ErrWALMissing = errors.New("the write-ahead log is missing")

	errClosed = errors.New("the store is closed")
)

// Option changes how Open opens the file.
type Option func(*options)

type options struct {
	lockTimeout time.Duration
	maxSize     int   // bbolt Options.MaxSize
	walSize     int64 // the log's size cap
	logger      *slog.Logger
	fs          fileSystem
	afterCommit func()
	noSync      bool // bbolt NoSync: for tests that model durability themselves
	allocSize   int  // bbolt's DB.AllocSize when not 0: how much the file grows by
}

// Logger sets where Open reports what it recovered and dropped (a batch torn
// by a crash); none: slog.Default().
func Logger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// MaxSize caps the data file at n bytes: a write that would grow it further
// fails as a full disk would, and the hall answers 503 until there is room. Tests
// use it to fill the "disk"; 0 means no cap.
func MaxSize(n int) Option {
	return func(o *options) { o.maxSize = n }
}

// WALSize caps the write-ahead log at n bytes (DefaultWALSize when not given
// or not positive; at least 8 KiB). A batch that does not fit in the rest of
// it triggers a checkpoint. A larger log means fewer checkpoints, more events
// held in memory, and a longer pause at each checkpoint.
func WALSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.walSize = max(int64(n), minWALSize)
		}
	}
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

// DB is a queue.Store on a bbolt file and its write-ahead log. Its methods are
// safe for concurrent use; the engine is its only writer, while Events, Load
// and Backup may run from other goroutines (HTTP handlers, a backup job).
type DB struct {
	db      *bbolt.DB
	path    string
	walPath string
	walCap  int64 // WALSize
	log     *slog.Logger
	fs      fileSystem // where the log is
	// afterCommit, when not nil, runs after each bbolt commit that
	// succeeded (a test records the file as a power cut would leave it).
	afterCommit func()

	// mu guards pending against the readers. The writer appends to pending
	// and drops it (after a checkpoint) under mu; it never changes an element
	// a reader may hold, nor the bytes one refers to. A reader takes its view
	// of bbolt and pending under one read lock, so an event moving from
	// pending into bbolt is in at least one of them.
	mu      sync.RWMutex
	pending []pendingEvent // events in the log, not yet in bbolt, in seq order

	// wmu is the writer lock (Append, checkpoints, Close, the start of a
	// Backup). It guards every field below; readers never take it, and it
	// is the only lock held during the log's write and fdatasync.
	wmu     sync.Mutex
	wal     logFile // nil while there is no log file
	walSize int64   // bytes of the log file written and synced: header and zeroed space
	epoch   uint64  // the newest epoch in the log's header
	slot    int     // the header slot holding epoch
	claimed bool    // this DB took epoch and writes the log with generation gen
	fresh   bool    // this DB made the log file it writes (see claim)
	dirty   bool    // the log may hold records that recovery would take
	gen     uint64  // generation of the records written now

	// arena holds the records of the current generation as they are in
	// the log from walHeaderSize on; pending events' data point into it.
	// A new one is allocated at each checkpoint, as readers may still decode
	// from the old one.
	arena []byte
	batch []pendingEvent // scratch: the events of the batch being appended
	offs  []int          // scratch: offset in arena of each record of the batch
	keys  []byte         // scratch: bbolt keys, 8 bytes per event

	last    uint64 // the last seq stored (in bbolt or pending)
	snapSeq uint64 // the newest snapshot's seq in bbolt
	failed  error  // set once a write fails in a way that leaves the files uncertain
	closed  bool
}

var _ queue.Store = (*DB)(nil)

// Open opens the store file at path, creating it and its buckets if it does not
// exist, and recovers the events of its write-ahead log (path + ".wal") into
// it. It fails with an error wrapping ErrLocked when another process has the
// file open, with ErrNewerFormat when a newer qcall wrote it, with ErrNotStore
// when it is some other bbolt file, and with ErrWALMismatch when the log does
// not continue the file.
func Open(path string, opts ...Option) (*DB, error) {
	o := options{lockTimeout: DefaultLockTimeout, walSize: DefaultWALSize, logger: slog.Default(), fs: osFS{}}
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	bo := &bbolt.Options{
		Timeout: o.lockTimeout,
		// The freelist is written at each commit, so that Open reads it
		// instead of rebuilding it by a scan of every page. The scan runs
		// in a goroutine of bbolt's own, and a damaged page makes it panic
		// there, where nothing can recover: the process dies with a stack
		// trace, again at every start. With the freelist written, a
		// damaged page is met only where it is read, under the recovers
		// of read and update. A commit is a checkpoint (every 2 MiB of log)
		// since the write-ahead log, so the page more costs nothing worth
		// measuring. A file written without a freelist (by an older qcall)
		// is scanned once. The hashmap freelist: O(1) allocate and free.
		NoFreelistSync:  false,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: initialMmapSize(),
		MaxSize:         o.maxSize,
		NoSync:          o.noSync,
	}
	// The bbolt file's lock covers the log too: it is taken first.
	bdb, err := openBolt(path, bo)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w (file lock not acquired within %s)", path, ErrLocked, o.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if o.allocSize > 0 {
		bdb.AllocSize = o.allocSize
	}
	d := &DB{db: bdb, path: path, walPath: path + ".wal", walCap: o.walSize, log: o.logger, fs: o.fs, afterCommit: o.afterCommit}
	if err := d.init(); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := d.recover(); err != nil {
		if d.wal != nil {
			_ = d.wal.Close()
		}
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
	return d.update(func(tx *bbolt.Tx) error {
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

// recover reads the state of the bbolt file, then the log when there is one,
// and puts the log's events that bbolt lacks into it (see the package
// comment). If that checkpoint fails as on a full disk, the events stay
// pending, in the log and in memory, as if just appended: the store opens,
// and a later Append's checkpoint puts them in.
func (d *DB) recover() error {
	var mark []byte
	err := d.read(func(tx *bbolt.Tx, _ []pendingEvent) error {
		d.last = lastKey(tx.Bucket(bucketEvents))
		mark = bytes.Clone(tx.Bucket(bucketMeta).Get(keyWAL))
		if s := d.newestSnapshot(tx); s != nil {
			d.snapSeq = s.Seq
		}
		return nil
	})
	if err != nil {
		return err
	}
	f, err := d.fs.OpenFile(d.walPath)
	if errors.Is(err, os.ErrNotExist) {
		if mark != nil {
			return fmt.Errorf("%w: %s is not there, but %s says a log was in use when qcall last ran: "+
				"the events after #%d were only in it. Put %s back; if it is lost for good, "+
				"run `qcall repair --data %s` to start without them",
				ErrWALMissing, d.walPath, d.path, d.last, filepath.Base(d.walPath), filepath.Dir(d.path))
		}
		return nil // created by the first Append
	}
	if err != nil {
		return err
	}
	d.wal = f
	data, err := readWAL(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", d.walPath, err)
	}
	h, err := parseWALHeader(data, d.walPath)
	if err != nil {
		return err
	}
	d.epoch, d.slot = h.epoch, h.slot
	if int64(len(data)) < h.size {
		return &DamageError{Path: d.walPath, Offset: int64(len(data)), After: d.last,
			What: fmt.Sprintf("the file ends there, but its header says it is %d bytes long: it was cut short", h.size)}
	}
	d.walSize = min(int64(len(data)), d.walCap)
	scan := scanWAL(data, h.version, d.epoch<<32, d.last)
	recs := scan.recs
	if scan.damaged() {
		after, next := scan.around(d.last)
		return &DamageError{Path: d.walPath, Offset: int64(scan.stop), After: after,
			Next: next, Last: scan.tail[len(scan.tail)-1].seq,
			What: "a record there cannot be read"}
	}
	if n := len(scan.tail); n > 0 {
		d.log.Warn("store: dropped the last batch of the write-ahead log, torn by a crash before it was acknowledged",
			"file", d.walPath, "offset", scan.stop, "events_from", scan.tail[0].seq, "events_to", scan.tail[n-1].seq)
	}
	if len(recs) == 0 {
		return nil
	}
	d.dirty = true
	first, end := recs[0].seq, recs[len(recs)-1].seq
	if end <= d.last {
		return nil // all in bbolt already
	}
	if first != d.last+1 {
		return fmt.Errorf("%w: %s holds events %d to %d, but %s ends at event %d (was an older %s put back?); "+
			"to start from %s as it is, move %s away",
			ErrWALMismatch, d.walPath, first, end, d.path, d.last, filepath.Base(d.path), filepath.Base(d.path), d.walPath)
	}
	for _, r := range recs {
		var e queue.Event
		if err := json.Unmarshal(r.data, &e); err != nil || e.Seq != r.seq {
			return fmt.Errorf("%s: record of seq %d does not hold that event (%v): log damaged", d.walPath, r.seq, err)
		}
	}
	d.pending, d.last = recs, end
	if err := d.checkpoint(nil, nil); err != nil && d.failed != nil {
		return err
	}
	return nil
}

// Close puts the pending events into the bbolt file, marks the log done, and
// releases both files and the lock; it waits for running transactions. When
// the checkpoint fails (a full disk), the events stay in the log, and the next
// Open puts them in: nothing is lost, and Close does not report it.
func (d *DB) Close() error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	if d.failed == nil {
		if len(d.pending) > 0 {
			_ = d.checkpoint(nil, nil)
		}
		if len(d.pending) == 0 && d.dirty && d.wal != nil && d.failed == nil {
			// A new epoch: no record in the log counts any more. A
			// failure leaves records that are all in bbolt already.
			if d.writeEpoch() == nil {
				d.dirty = false
				_ = d.setMark(false)
			}
		}
	}
	if d.wal != nil {
		if err := d.wal.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if err := d.db.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Path returns the path of the store file.
func (d *DB) Path() string { return d.path }

// Append stores events, and snap when it is not nil, at once: a batch without
// a snapshot is written into the log and fdatasynced; with a snapshot, or when
// it does not fit in the log, it goes into the bbolt file in one transaction
// with the pending events. It returns once all of it is on disk. The first
// event's Seq must be the last stored seq + 1 and the seqs must follow each
// other without a gap; snap.Seq must not be past the last event. Otherwise it
// returns an error wrapping ErrSequence. Any error means nothing of the call
// was stored, except ErrUncertain (see there). A failed write or sync (a full
// disk) returns the error and keeps what was stored before; later calls may
// succeed once there is room again.
func (d *DB) Append(events []queue.Event, snap *queue.Snapshot) error {
	if len(events) == 0 && snap == nil {
		return nil
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.closed {
		return fmt.Errorf("append: %w", errClosed)
	}
	if d.failed != nil {
		return d.failed
	}
	last := d.last
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
		if snap.Seq < d.snapSeq {
			return fmt.Errorf("append: snapshot at seq %d is older than the stored one at %d: %w", snap.Seq, d.snapSeq, ErrSequence)
		}
	}

	// The log is written only under an epoch this DB took, and that only
	// once everything in the log is in bbolt (see recover). A failure to
	// take one leaves the batch to a checkpoint.
	if snap == nil && !d.claimed && len(d.pending) == 0 {
		_ = d.claim()
	}
	start := len(d.arena)
	if err := d.encode(events); err != nil {
		d.arena = d.arena[:start]
		return err
	}
	if snap == nil && d.claimed && d.room(int64(len(d.arena))) {
		return d.writeLog(start)
	}
	if err := d.checkpoint(d.batch, snap); err != nil {
		d.arena = d.arena[:start]
		return err
	}
	return nil
}

// encode appends a record for each event to arena, with the JSON of the event
// as payload, and lists the events in batch.
func (d *DB) encode(events []queue.Event) error {
	d.offs = d.offs[:0]
	var hdr [recHeaderSize]byte
	for i := range events {
		h := len(d.arena)
		d.offs = append(d.offs, h)
		d.arena = append(d.arena, hdr[:]...)
		// The bytes json.Marshal gives with HTML escaping off, no newline.
		d.arena = events[i].AppendJSON(d.arena)
		if len(d.arena) == h+recHeaderSize {
			// It appends nothing where encoding/json fails: say why.
			_, err := json.Marshal(&events[i])
			return fmt.Errorf("append: encode event %d: %w", events[i].Seq, err)
		}
		putRecordHeader(d.arena[h:], events[i].Seq, d.gen, i, i == len(events)-1)
	}
	// Slices into the final arena, as appending may have moved it.
	d.batch = d.batch[:0]
	for i, h := range d.offs {
		end := len(d.arena)
		if i+1 < len(d.offs) {
			end = d.offs[i+1]
		}
		d.batch = append(d.batch, pendingEvent{seq: events[i].Seq, data: d.arena[h+recHeaderSize : end : end]})
	}
	return nil
}

// room reports whether the log's records can reach n bytes, growing the log's
// zeroed space when it must and may. A failure to grow leaves the log as it
// was and reports no room: the batch goes into bbolt instead.
func (d *DB) room(n int64) bool {
	need := walHeaderSize + n
	if need <= d.walSize {
		return true
	}
	if need > d.walCap {
		return false
	}
	size := min(d.walCap, d.walSize+(need-d.walSize+walChunk-1)/walChunk*walChunk)
	// Zeros past the used space, then a full fsync: the new size and blocks
	// are on disk before a record relies on them. Should it fail, the space
	// is not used; the next growth writes it again.
	if err := writeZeros(d.wal, d.walSize, size); err != nil {
		return false
	}
	if err := d.wal.Sync(); err != nil {
		return false
	}
	// The header says the new size, so that a log cut short shows.
	if err := d.writeSlot(d.epoch, size); err != nil {
		return false
	}
	d.walSize = size
	if a := d.arena; int64(cap(a)) < size-walHeaderSize {
		// Pending events keep pointing into the old arena: the same bytes.
		d.arena = make([]byte, len(a), size-walHeaderSize)
		copy(d.arena, a)
	}
	return true
}

// claim takes the next epoch for this DB's writes. Only when nothing is
// pending: the log is then written from its first record on. The first claim
// of a DB makes a new log file, zeroed, in place of the old one, whose events
// are all in bbolt by then: a process never writes into space that an earlier
// one wrote and may have failed to sync (after a failed fsync the page cache
// can hold what never reached the disk). Later claims write the next epoch
// into the header. Then the data file is marked as having a log in use.
func (d *DB) claim() error {
	if !d.fresh {
		// The old file is closed first: Windows renames nothing over an
		// open file.
		if d.wal != nil {
			_ = d.wal.Close()
			d.wal = nil
		}
		size := min(walChunk, d.walCap)
		f, err := createWAL(d.fs, d.walPath, size, d.epoch+1)
		if err != nil {
			return fmt.Errorf("create %s: %w", d.walPath, err)
		}
		d.wal, d.walSize, d.epoch, d.slot, d.fresh = f, size, d.epoch+1, 0, true
	} else if err := d.writeEpoch(); err != nil {
		return err
	}
	d.dirty = true
	if err := d.setMark(true); err != nil {
		return err
	}
	d.claimed = true
	d.gen = d.epoch << 32
	d.newArena()
	return nil
}

// setMark records in the data file that a log is in use (on), or that none
// is (off). It writes only when that changes.
func (d *DB) setMark(on bool) error {
	return d.update(func(tx *bbolt.Tx) error { return putMark(tx, on, d.epoch) })
}

// putMark sets or deletes the mark in tx, writing nothing when it is as wanted.
func putMark(tx *bbolt.Tx, on bool, epoch uint64) error {
	meta := tx.Bucket(bucketMeta)
	if has := meta.Get(keyWAL) != nil; has == on {
		return nil
	}
	if !on {
		return meta.Delete(keyWAL)
	}
	return meta.Put(keyWAL, binary.BigEndian.AppendUint64(nil, epoch))
}

// writeEpoch writes epoch + 1 into the header slot that does not hold the
// current one, and syncs it.
func (d *DB) writeEpoch() error {
	if d.epoch+1 >= 1<<32 {
		return fmt.Errorf("%s: epochs exhausted", d.walPath)
	}
	if err := d.writeSlot(d.epoch+1, d.walSize); err != nil {
		return err
	}
	d.epoch++
	return nil
}

// writeSlot writes epoch and size into the header slot that does not hold the
// current ones, and syncs it; then that slot is the current one.
func (d *DB) writeSlot(epoch uint64, size int64) error {
	slot := 1 - d.slot
	if _, err := d.wal.WriteAt(walSlot(slot, epoch, size), walSlots[slot]); err != nil {
		return fmt.Errorf("write %s: %w", d.walPath, err)
	}
	if err := d.wal.Datasync(); err != nil {
		return fmt.Errorf("sync %s: %w", d.walPath, err)
	}
	d.slot = slot
	return nil
}

// writeLog writes the records from arena[start:] into the log and syncs them;
// then the batch's events are pending. A failed write or sync leaves the log
// uncertain: the DB refuses to write again.
func (d *DB) writeLog(start int) error {
	if _, err := d.wal.WriteAt(d.arena[start:], walHeaderSize+int64(start)); err != nil {
		return d.fail(fmt.Errorf("append: write %s: %w", d.walPath, err))
	}
	if err := d.wal.Datasync(); err != nil {
		return d.fail(fmt.Errorf("append: sync %s: %w", d.walPath, err))
	}
	d.mu.Lock()
	d.pending = append(d.pending, d.batch...)
	d.mu.Unlock()
	d.last = d.batch[len(d.batch)-1].seq
	return nil
}

// newArena starts the records of a generation: room for the log's whole
// zeroed space, so that appending never moves what is there.
func (d *DB) newArena() {
	d.arena = make([]byte, 0, max(d.walSize-walHeaderSize, 0))
}

// fail marks the DB uncertain with err.
func (d *DB) fail(err error) error {
	d.failed = fmt.Errorf("%w: %w", ErrUncertain, err)
	return d.failed
}

// checkpoint puts the pending events, then batch (events not in the log) and
// snap when not nil, into bbolt in one transaction. Then nothing is pending,
// and the log starts over with the next generation. On error nothing of it was
// stored and everything pending stays so, unless the commit failed in a way
// that may have reached the file: then the DB is marked uncertain.
func (d *DB) checkpoint(batch []pendingEvent, snap *queue.Snapshot) error {
	n := len(d.pending) + len(batch)
	if cap(d.keys) < 8*n {
		d.keys = make([]byte, 8*n)
	}
	keys := d.keys[:8*n]
	var before uint64 // bbolt's last seq before, read inside the transaction
	committing := false
	err := d.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		// Keys are appended in increasing order: full pages, no room kept
		// for inserts that never come.
		b.FillPercent = 1.0
		before = lastKey(b)
		i := 0
		for _, evs := range [2][]pendingEvent{d.pending, batch} {
			for _, e := range evs {
				// bbolt needs keys and values valid until the transaction
				// ends: keys has one slot per event, and the values are in
				// the arena or in the recovered log, unchanged meanwhile.
				k := keys[8*i : 8*i+8 : 8*i+8]
				binary.BigEndian.PutUint64(k, e.seq)
				if err := b.Put(k, e.data); err != nil {
					return fmt.Errorf("checkpoint: put event %d: %w", e.seq, err)
				}
				i++
			}
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
		d.mu.Lock()
		// A new slice, as readers may hold the old one; as large, so that
		// appending to it rarely moves it.
		d.pending = make([]pendingEvent, 0, cap(d.pending))
		d.mu.Unlock()
		if len(batch) > 0 {
			d.last = batch[len(batch)-1].seq
		}
		if snap != nil {
			d.snapSeq = snap.Seq
		}
		// The log starts over: a new arena (readers may still decode from
		// the old one), the next generation. When the generations of this
		// epoch run out, the next Append takes a new epoch.
		d.newArena()
		if d.claimed {
			if uint32(d.gen+1) == 0 {
				d.claimed = false
			} else {
				d.gen++
			}
		}
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
	if now, lerr := d.boltLast(); lerr != nil || now != before {
		return d.fail(err)
	}
	return err
}

// openBolt opens the bbolt file; a page so damaged that bbolt panics on it
// while opening is an error wrapping ErrDamaged.
func openBolt(path string, bo *bbolt.Options) (bdb *bbolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			bdb, err = nil, fmt.Errorf("%w: %s: %v; restore the newest backup", ErrDamaged, path, p)
		}
	}()
	return bbolt.Open(path, 0o600, bo)
}

// update runs fn in a bbolt write transaction and commits it. A page so
// damaged that bbolt panics on it is an error wrapping ErrDamaged (bbolt
// rolls the transaction back as the panic passes).
func (d *DB) update(fn func(tx *bbolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: %v; run `qcall check --data %s`", ErrDamaged, d.path, p, filepath.Dir(d.path))
		}
	}()
	err = d.db.Update(fn)
	if err == nil && d.afterCommit != nil {
		d.afterCommit()
	}
	return err
}

// boltLast returns the last seq in the bbolt file.
func (d *DB) boltLast() (uint64, error) {
	var last uint64
	err := d.db.View(func(tx *bbolt.Tx) error {
		last = lastKey(tx.Bucket(bucketEvents))
		return nil
	})
	return last, err
}

// putSnapshot stores snap and deletes all but the newest keepSnapshots.
func putSnapshot(b *bbolt.Bucket, snap *queue.Snapshot) error {
	if err := b.Put(seqKey(snap.Seq), encodeSnapshot(snap.State)); err != nil {
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

// read runs fn with a read transaction of bbolt and the pending events, both
// taken under one read lock: every event is in one of them or in both (in the
// moment between a checkpoint's commit and its dropping of pending).
//
// bbolt panics on a page that is not what it should be: that is reported as
// an error wrapping ErrDamaged instead of taking the hall down.
func (d *DB) read(fn func(tx *bbolt.Tx, pending []pendingEvent) error) (err error) {
	d.mu.RLock()
	tx, err := d.db.Begin(false)
	pending := d.pending
	d.mu.RUnlock()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: %v; run `qcall check --data %s`", ErrDamaged, d.path, p, filepath.Dir(d.path))
		}
	}()
	return fn(tx, pending)
}

// Load returns the newest snapshot (nil when there is none) and every event
// after it, in seq order.
func (d *DB) Load() (*queue.Snapshot, []queue.Event, error) {
	var snap *queue.Snapshot
	var events []queue.Event
	err := d.read(func(tx *bbolt.Tx, pending []pendingEvent) error {
		snap = d.newestSnapshot(tx)
		var after uint64
		if snap != nil {
			after = snap.Seq
		}
		b := tx.Bucket(bucketEvents)
		var err error
		if events, err = readEvents(b, after, math.MaxInt); err != nil {
			return err
		}
		events, err = readPending(events, pending, max(after, lastKey(b)), math.MaxInt)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("load: %w", err)
	}
	return snap, events, nil
}

// newestSnapshot returns the newest snapshot that is whole, nil when there is
// none: the events after an older one, or after none, rebuild the same state,
// and every event is kept. A snapshot page so damaged that bbolt cannot read
// it counts as no snapshot.
func (d *DB) newestSnapshot(tx *bbolt.Tx) (snap *queue.Snapshot) {
	defer func() {
		if p := recover(); p != nil {
			d.log.Warn("store: the snapshots cannot be read; rebuilding the state from every event", "file", d.path, "err", p)
			snap = nil
		}
	}()
	c := tx.Bucket(bucketSnapshots).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		state, err := decodeSnapshot(v)
		if err != nil {
			d.log.Warn("store: a snapshot is damaged; rebuilding the state from an older one and the events after it",
				"file", d.path, "snapshot", binary.BigEndian.Uint64(k), "err", err)
			continue
		}
		return &queue.Snapshot{Seq: binary.BigEndian.Uint64(k), State: bytes.Clone(state)}
	}
	return nil
}

// Events returns up to limit events with seq greater than after, in order;
// none when limit is not positive.
func (d *DB) Events(after uint64, limit int) ([]queue.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	var events []queue.Event
	err := d.read(func(tx *bbolt.Tx, pending []pendingEvent) error {
		b := tx.Bucket(bucketEvents)
		var err error
		if events, err = readEvents(b, after, limit); err != nil || len(events) == limit {
			return err
		}
		events, err = readPending(events, pending, max(after, lastKey(b)), limit)
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

// readPending appends to events the pending events after seq after, decoded,
// until events holds limit. The pending events before and at after are in
// bbolt already (or were not asked for).
func readPending(events []queue.Event, pending []pendingEvent, after uint64, limit int) ([]queue.Event, error) {
	if len(pending) == 0 || pending[len(pending)-1].seq <= after || len(events) >= limit {
		return events, nil
	}
	first := pending[0].seq
	if first > after+1 {
		return nil, fmt.Errorf("pending events start at %d, want %d or before: store damaged", first, after+1)
	}
	for _, p := range pending[after+1-first:] {
		if len(events) >= limit {
			break
		}
		events = append(events, queue.Event{})
		e := &events[len(events)-1]
		if err := json.Unmarshal(p.data, e); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", p.seq, err)
		}
		if e.Seq != p.seq {
			return nil, fmt.Errorf("pending event %d holds seq %d: store damaged", p.seq, e.Seq)
		}
	}
	return events, nil
}

// LastSeq returns the seq of the last stored event, 0 when there is none.
func (d *DB) LastSeq() (uint64, error) {
	var last uint64
	err := d.read(func(tx *bbolt.Tx, pending []pendingEvent) error {
		last = lastKey(tx.Bucket(bucketEvents))
		if n := len(pending); n > 0 {
			last = max(last, pending[n-1].seq)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("last seq: %w", err)
	}
	return last, nil
}

// Backup writes a consistent copy of the whole store file to w, holding every
// event appended before the call, and returns the bytes written. It puts the
// pending events into the file first (a checkpoint), then copies in a read
// transaction, so Append goes on meanwhile. The copy opens with Open, with no
// log beside it.
func (d *DB) Backup(w io.Writer) (int64, error) {
	tx, err := d.backupTx()
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	n, err := tx.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// backupTx checkpoints and begins a read transaction under the writer lock, so
// that no Append comes between the two.
func (d *DB) backupTx() (*bbolt.Tx, error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.closed {
		return nil, errClosed
	}
	if len(d.pending) > 0 {
		if d.failed != nil {
			return nil, fmt.Errorf("events in the log cannot go into the data file: %w", d.failed)
		}
		if err := d.checkpoint(nil, nil); err != nil {
			return nil, err
		}
	}
	// The copy is restored without a log: it must not say one is in use.
	// The mark is off only while the copy's transaction begins.
	var marked bool
	err := d.update(func(tx *bbolt.Tx) error {
		marked = tx.Bucket(bucketMeta).Get(keyWAL) != nil
		return putMark(tx, false, 0)
	})
	if err != nil {
		return nil, err
	}
	tx, err := d.db.Begin(false)
	if marked {
		if merr := d.setMark(true); merr != nil && err == nil {
			_ = tx.Rollback()
			return nil, merr
		}
	}
	return tx, err
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
