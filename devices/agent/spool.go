package agent

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"qcall/devices/escpos"
)

// The spool's buckets.
var (
	bucketJobs = []byte("jobs") // job id (8 bytes, big-endian, in arrival order) → job JSON
	bucketKeys = []byte("keys") // job key (t:<ticket id>, s:<slip id>) → keyState JSON
	bucketMeta = []byte("meta") // "seq" → the last hall event seq handled (8 bytes)
)

var metaSeq = []byte("seq")

// Job states in the spool. A job moves queued → writing → sent → (deleted,
// key printed). See docs/agent.md, "Exactly once".
const (
	jobQueued  = "queued"  // not yet written
	jobWriting = "writing" // being written: if the agent dies now, nobody knows how much went out
	jobSent    = "sent"    // written in full; the status check after it is pending
)

// job is one ticket or return slip waiting for its printer.
type job struct {
	ID       uint64         `json:"-"`
	Key      string         `json:"key"`
	Printer  string         `json:"printer"`
	State    string         `json:"state"`
	Attempts int            `json:"attempts,omitempty"`
	Created  time.Time      `json:"created"`
	TicketID string         `json:"ticket_id,omitempty"` // refreshes people ahead and wait before printing
	Ticket   *escpos.Ticket `json:"ticket,omitempty"`
	Slip     *escpos.Slip   `json:"slip,omitempty"`
}

func (j *job) String() string {
	if j.Ticket != nil {
		return "ticket " + j.Ticket.Number
	}
	if j.Slip != nil {
		return "slip " + j.Slip.Code
	}
	return j.Key
}

// keyState remembers a job key, so that a replayed event never prints twice.
type keyState struct {
	State string    `json:"state"` // queued, printed, dropped, expired
	At    time.Time `json:"at"`
}

// keyKeep is how long printed keys are remembered: longer than any replay.
const keyKeep = 7 * 24 * time.Hour

// spool is the agent's print spool: a bbolt file in its data folder. Every
// change is one fsynced transaction.
type spool struct {
	db *bolt.DB
}

// ErrSpoolInUse: another agent runs on the same data folder.
var ErrSpoolInUse = errors.New("agent: the data folder is in use by another agent")

// openSpool opens (or creates) dir/agent.db, failing at once when another
// agent holds it, and forgets keys older than keyKeep.
func openSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("agent: data folder: %w", err)
	}
	path := filepath.Join(dir, "agent.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrSpoolInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("agent: open spool %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketJobs, bucketKeys, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		keys := tx.Bucket(bucketKeys)
		var old [][]byte
		cutoff := time.Now().Add(-keyKeep)
		err := keys.ForEach(func(k, v []byte) error {
			var ks keyState
			if json.Unmarshal(v, &ks) == nil && ks.State != jobQueued && ks.At.Before(cutoff) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range old {
			keys.Delete(k)
		}
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("agent: spool: %w", err)
	}
	return &spool{db: db}, nil
}

func (s *spool) Close() error { return s.db.Close() }

// Seq returns the last event seq saved, 0 for none.
func (s *spool) Seq() uint64 {
	var seq uint64
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(metaSeq); len(v) == 8 {
			seq = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return seq
}

// SaveSeq records seq as handled.
func (s *spool) SaveSeq(seq uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putSeq(tx, seq) })
}

func putSeq(tx *bolt.Tx, seq uint64) error {
	return tx.Bucket(bucketMeta).Put(metaSeq, binary.BigEndian.AppendUint64(nil, seq))
}

// Add spools j, and records seq, in one transaction, unless a job with its key
// was spooled before (a replayed event): then it adds nothing and says false.
func (s *spool) Add(j *job, seq uint64) (bool, error) {
	added := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		if seq > 0 {
			if err := putSeq(tx, seq); err != nil {
				return err
			}
		}
		keys := tx.Bucket(bucketKeys)
		if keys.Get([]byte(j.Key)) != nil {
			return nil
		}
		jobs := tx.Bucket(bucketJobs)
		id, err := jobs.NextSequence()
		if err != nil {
			return err
		}
		j.ID, j.State = id, jobQueued
		if err := putJob(jobs, j); err != nil {
			return err
		}
		added = true
		return putKey(keys, j.Key, jobQueued)
	})
	return added, err
}

func putJob(b *bolt.Bucket, j *job) error {
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, j.ID), v)
}

func putKey(b *bolt.Bucket, key, state string) error {
	v, _ := json.Marshal(keyState{State: state, At: time.Now()})
	return b.Put([]byte(key), v)
}

// Next returns printer's oldest job, or nil.
func (s *spool) Next(printer string) (*job, error) {
	var found *job
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var j job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("job %x: %w", k, err)
			}
			if j.Printer == printer {
				j.ID = binary.BigEndian.Uint64(k)
				found = &j
				return nil
			}
		}
		return nil
	})
	return found, err
}

// Jobs returns printer's jobs, oldest first.
func (s *spool) Jobs(printer string) ([]*job, error) {
	var jobs []*job
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var j job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("job %x: %w", k, err)
			}
			if j.Printer == printer {
				j.ID = binary.BigEndian.Uint64(k)
				jobs = append(jobs, &j)
			}
		}
		return nil
	})
	return jobs, err
}

// Pending counts printer's jobs.
func (s *spool) Pending(printer string) int {
	n := 0
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(_, v []byte) error {
			var j job
			if json.Unmarshal(v, &j) == nil && j.Printer == printer {
				n++
			}
			return nil
		})
	})
	return n
}

// SetState records j's state (and attempts).
func (s *spool) SetState(j *job, state string) error {
	j.State = state
	return s.db.Update(func(tx *bolt.Tx) error { return putJob(tx.Bucket(bucketJobs), j) })
}

// Finish removes j from the spool, its key remembered as state (printed or
// dropped).
func (s *spool) Finish(j *job, state string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketJobs).Delete(binary.BigEndian.AppendUint64(nil, j.ID)); err != nil {
			return err
		}
		return putKey(tx.Bucket(bucketKeys), j.Key, state)
	})
}
