package bolt

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"qcall/queue"
)

// Report is what Check found in a data folder, or what Repair did there, in
// lines a person reads.
type Report struct {
	OK    bool     // nothing is wrong (Check), or nothing had to be dropped (Repair)
	Lines []string // what was found or done, one fact a line
}

func (r *Report) say(format string, args ...any) {
	r.Lines = append(r.Lines, fmt.Sprintf(format, args...))
}

func (r Report) String() string { return strings.Join(r.Lines, "\n") }

// openRaw opens the bbolt file alone, without reading the log, after the
// checks Open makes before mapping it.
func openRaw(path string, readOnly bool) (*bbolt.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	bdb, err := openBolt(path, &bbolt.Options{Timeout: DefaultLockTimeout, ReadOnly: readOnly,
		FreelistType: bbolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (stop the hall first)", ErrLocked, path)
	}
	if err != nil {
		return nil, err
	}
	err = bdb.View(func(tx *bbolt.Tx) error {
		fresh, err := checkFormat(tx)
		if err == nil && fresh {
			err = fmt.Errorf("%w: %s holds nothing", ErrNotStore, path)
		}
		return err
	})
	if err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return bdb, nil
}

// Check verifies the data file at path and its log without changing either:
// bbolt's own consistency check, every event whole and in sequence, the
// snapshots, and the log (damage, a cut, a missing log, a log that does not
// continue the file). It fails with ErrLocked while a server has the file
// open. The report's OK is false when anything would stop the hall or lose
// an event.
func Check(path string) (rep Report, err error) {
	bdb, err := openRaw(path, true)
	if err != nil {
		return rep, err
	}
	defer bdb.Close()
	rep.OK = true
	bad := func(format string, args ...any) { rep.OK = false; rep.say("DAMAGED: "+format, args...) }
	var last uint64
	var marked bool
	err = bdb.View(func(tx *bbolt.Tx) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: %s: %v", ErrDamaged, path, p)
			}
		}()
		n := 0
		for cerr := range tx.Check() {
			if n++; n <= 10 {
				bad("%s: %v", filepath.Base(path), cerr)
			}
		}
		if n > 10 {
			bad("%s: %d more faults", filepath.Base(path), n-10)
		}
		if n > 0 {
			return nil // its pages cannot be trusted: read no further
		}
		marked = tx.Bucket(bucketMeta).Get(keyWAL) != nil
		var want uint64 = 1
		var decodeErrs int
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			if seq != want {
				bad("events: event #%d follows #%d: events #%d to #%d are missing", seq, want-1, want, seq-1)
			}
			var e queue.Event
			if err := json.Unmarshal(v, &e); err != nil || e.Seq != seq {
				if decodeErrs++; decodeErrs <= 10 {
					bad("events: event #%d cannot be read (%v)", seq, err)
				}
			}
			want, last = seq+1, seq
		}
		rep.say("%s: %d events, the last #%d", filepath.Base(path), last, last)
		sc := tx.Bucket(bucketSnapshots).Cursor()
		good := 0
		for k, v := sc.Last(); k != nil; k, v = sc.Prev() {
			seq := binary.BigEndian.Uint64(k)
			if _, err := decodeSnapshot(v); err != nil {
				rep.say("snapshot at event #%d is damaged (%v): the state is rebuilt from an older one", seq, err)
				continue
			}
			good++
			if seq > last {
				bad("snapshot at event #%d is past the last event #%d", seq, last)
			}
		}
		rep.say("%d whole snapshots", good)
		return nil
	})
	if err != nil {
		return rep, err
	}
	checkLog(&rep, path+".wal", last, marked)
	if rep.OK {
		rep.say("OK: nothing is damaged")
	}
	return rep, nil
}

// checkLog adds to rep what the log at walPath holds against a data file
// whose last event is last, and that says a log is in use (marked).
func checkLog(rep *Report, walPath string, last uint64, marked bool) {
	bad := func(format string, args ...any) { rep.OK = false; rep.say("DAMAGED: "+format, args...) }
	data, err := os.ReadFile(walPath)
	if errors.Is(err, os.ErrNotExist) {
		if marked {
			bad("%s is missing, but the data file says a log was in use: events after #%d may be lost", filepath.Base(walPath), last)
		} else {
			rep.say("%s: none (the hall was stopped cleanly, or never wrote one)", filepath.Base(walPath))
		}
		return
	}
	if err != nil {
		bad("%s: %v", filepath.Base(walPath), err)
		return
	}
	h, err := parseWALHeader(data, walPath)
	if err != nil {
		bad("%v", err)
		return
	}
	if int64(len(data)) < h.size {
		bad("%s is %d bytes, its header says %d: it was cut short", filepath.Base(walPath), len(data), h.size)
	}
	s := scanWAL(data, h.version, h.epoch<<32, last)
	if n := len(s.recs); n > 0 && s.recs[n-1].seq > last {
		if first := s.recs[0].seq; first > last+1 {
			bad("%s holds events #%d to #%d, which do not continue the data file's #%d", filepath.Base(walPath), first, s.recs[n-1].seq, last)
		} else {
			rep.say("%s: events #%d to #%d are not yet in the data file; the next start puts them in", filepath.Base(walPath), last+1, s.recs[n-1].seq)
		}
	}
	switch {
	case s.damaged():
		after, next := s.around(last)
		bad("%s at byte %d: a record cannot be read after event #%d, and events #%d to #%d follow it intact; run qcall repair",
			filepath.Base(walPath), s.stop, after, next, s.tail[len(s.tail)-1].seq)
	case len(s.tail) > 0:
		rep.say("%s: the last batch (events #%d to #%d) was torn by a crash before it was acknowledged; the next start drops it",
			filepath.Base(walPath), s.tail[0].seq, s.tail[len(s.tail)-1].seq)
	}
}

// Repair makes the data folder of the data file at path start again after
// damage that Open refuses, keeping every intact event. The log's whole
// records are put into the data file: those before the damage and those after
// it; each event lost in between is replaced by an EvEventsLost event (at now),
// so that the events stay numbered without a gap and the ticket numbers skip
// those a lost event may have issued. A missing log is accepted as lost. The
// damaged log is kept beside the data file as qcall.db.wal.damaged-TIME. A data
// file that is itself damaged cannot be repaired here: restore a backup.
func Repair(path string, now time.Time) (rep Report, err error) {
	bdb, err := openRaw(path, false)
	if err != nil {
		return rep, err
	}
	defer func() { err = errors.Join(err, bdb.Close()) }()
	var last uint64
	var marked bool
	err = bdb.View(func(tx *bbolt.Tx) error {
		last = lastKey(tx.Bucket(bucketEvents))
		marked = tx.Bucket(bucketMeta).Get(keyWAL) != nil
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.OK = true
	walPath := path + ".wal"
	data, err := os.ReadFile(walPath)
	if errors.Is(err, os.ErrNotExist) {
		if !marked {
			rep.say("nothing to repair: %s is whole and needs no log", filepath.Base(path))
			return rep, nil
		}
		rep.OK = false
		rep.say("%s is missing: the events after #%d that only it held are lost, and no one can say how many", filepath.Base(walPath), last)
		rep.say("tickets issued in them are not in the queue: citizens holding a number past the last one the hall shows should be served at a desk")
		note := fmt.Sprintf("%s was missing; events after #%d that were only in it are lost", filepath.Base(walPath), last)
		err = bdb.Update(func(tx *bbolt.Tx) error {
			if err := putEvents(tx, []queue.Event{lostEvent(last+1, 0, now, note)}); err != nil {
				return err
			}
			return putMark(tx, false, 0)
		})
		if err == nil {
			rep.say("recorded the loss as event #%d; the hall can start", last+1)
		}
		return rep, err
	}
	if err != nil {
		return rep, err
	}
	h, err := parseWALHeader(data, walPath)
	if err != nil {
		return rep, fmt.Errorf("%w; move %s away to start without it (its events are lost)", err, walPath)
	}
	s := scanWAL(data, h.version, h.epoch<<32, last)
	// The whole records past the data file's last event, in the log's order.
	var keep []walRecord
	for _, r := range s.recs {
		if r.seq > last {
			keep = append(keep, walRecord{seq: r.seq, data: r.data})
		}
	}
	keep = append(keep, s.tail...)
	if n := len(s.recs); n > 0 && s.recs[0].seq > last+1 && s.recs[n-1].seq > last {
		return rep, fmt.Errorf("%w: %s starts at event #%d, but %s ends at #%d: it belongs to another data file; move it away",
			ErrWALMismatch, walPath, s.recs[0].seq, path, last)
	}
	if int64(len(data)) < h.size {
		rep.OK = false
		rep.say("%s was cut short at byte %d (it was %d bytes): what stood after that is lost", filepath.Base(walPath), len(data), h.size)
	}
	if s.damaged() || len(s.tail) > 0 {
		rep.OK = false
		rep.say("%s is damaged from byte %d on: %s", filepath.Base(walPath), s.stop, printable(data[s.stop:min(len(data), s.stop+400)]))
	}
	var out []queue.Event
	next := last + 1
	for _, r := range keep {
		if r.seq < next {
			continue // a record repeated: the first counts
		}
		var e queue.Event
		if err := json.Unmarshal(r.data, &e); err != nil || e.Seq != r.seq {
			continue // whole by its check but not an event: lost like the rest
		}
		if r.seq > next {
			n := int(r.seq - next)
			rep.OK = false
			what := fmt.Sprintf("events #%d to #%d are", next, r.seq-1)
			if n == 1 {
				what = fmt.Sprintf("event #%d is", next)
			}
			rep.say("%s lost; each service's ticket numbers skip %d so that none is given twice", what, n)
			for q := next; q < r.seq; q++ {
				out = append(out, lostEvent(q, 1, now, fmt.Sprintf("lost to damage in %s at byte %d", filepath.Base(walPath), s.stop)))
			}
		}
		out = append(out, e)
		next = r.seq + 1
	}
	if len(out) > 0 {
		rep.say("kept events #%d to #%d from the log", out[0].Seq, out[len(out)-1].Seq)
	} else {
		rep.say("the log held no event that the data file lacks")
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		if err := putEvents(tx, out); err != nil {
			return err
		}
		return putMark(tx, false, 0)
	})
	if err != nil {
		return rep, err
	}
	kept := fmt.Sprintf("%s.damaged-%s", walPath, now.UTC().Format("20060102-150405"))
	if err := os.Rename(walPath, kept); err != nil {
		return rep, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return rep, err
	}
	rep.say("the old log is kept as %s; the hall can start", filepath.Base(kept))
	return rep, nil
}

// lostEvent is the EvEventsLost event Repair writes at seq.
func lostEvent(seq uint64, count int, at time.Time, note string) queue.Event {
	return queue.Event{Seq: seq, At: at.UTC(), Type: queue.EvEventsLost, Actor: "qcall repair", Count: count, Note: note}
}

// putEvents puts events, which continue the bucket's last, into tx.
func putEvents(tx *bbolt.Tx, events []queue.Event) error {
	b := tx.Bucket(bucketEvents)
	for i := range events {
		v, err := json.Marshal(&events[i])
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(events[i].Seq), v); err != nil {
			return err
		}
	}
	return nil
}

// printable shows bytes of a damaged record as text a person can read: the
// JSON of an event mostly survives, and may say which ticket it was.
func printable(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range strings.ToValidUTF8(string(b), "\uFFFD") {
		if r == '\uFFFD' || !unicode.IsPrint(r) {
			sb.WriteByte('.')
			continue
		}
		sb.WriteRune(r)
	}
	sb.WriteByte('"')
	return sb.String()
}
