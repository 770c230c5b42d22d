package queue_test

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

// countingStore is the bbolt store, counting its commits and snapshots.
type countingStore struct {
	*bolt.DB
	appends atomic.Int64
	snaps   atomic.Int64
}

func (s *countingStore) Append(events []queue.Event, snap *queue.Snapshot) error {
	s.appends.Add(1)
	err := s.DB.Append(events, snap)
	if err == nil && snap != nil {
		s.snaps.Add(1)
	}
	return err
}

// openWindowed opens an engine with the given commit window on a fresh store.
func openWindowed(t *testing.T, window time.Duration) (*queue.Engine, *countingStore) {
	return openCounted(t, queue.Options{CommitWindow: window})
}

// openCounted opens an engine with opts on a fresh counting store.
func openCounted(t *testing.T, opts queue.Options) (*queue.Engine, *countingStore) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "qcall.db"))
	if err != nil {
		t.Fatal(err)
	}
	st := &countingStore{DB: db}
	opts.Config, opts.Clock, opts.IDKey = queue.Demo(), queue.NewManualClock(at(9, 0)), []byte("test-key")
	e, err := queue.Open(st, opts)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return e, st
}

// One caller at a time never waits for the commit window, however long it is:
// a quiet hall's clerk gets every answer at once.
func TestEngine_CommitWindow_loneCaller(t *testing.T) {
	e, st := openWindowed(t, time.Hour)
	done := make(chan error, 1)
	go func() {
		for range 20 {
			if _, err := e.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment"}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("a lone caller waited for the hour-long commit window (%d commits so far)", st.appends.Load())
	}
}

// Under concurrent load a batch gathers for the window, so that one commit
// answers many callers; every ticket is still acknowledged exactly once.
func TestEngine_CommitWindow_gathers(t *testing.T) {
	e, st := openWindowed(t, 20*time.Millisecond)
	const callers, each = 32, 20
	before := st.appends.Load()
	issueConcurrently(t, e, callers, each)
	// Each caller's tickets go one after the other, so at best a commit takes
	// one ticket of every caller: `each` commits, and a few more while the
	// callers start (a commit after one that answered a single caller goes at
	// once). Without the window it takes about twice as many here.
	if commits := st.appends.Load() - before; commits > each+10 {
		t.Errorf("%d commits for %d tickets from %d callers: the batches did not gather", commits, callers*each, callers)
	}
}

// A snapshot that is due waits for a quiet moment, nothing to commit for a
// second, and is then written with nobody waiting behind it.
func TestEngine_SnapshotWhenQuiet(t *testing.T) {
	e, st := openCounted(t, queue.Options{SnapshotEvery: 10})
	before := st.snaps.Load()
	for range 20 {
		if _, err := e.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment"}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for st.snaps.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("no snapshot written in a quiet hall though one was due")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, with the deadline above
	}
}
