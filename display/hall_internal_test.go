package display

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

// testHall is an engine on a real bbolt file, for the hub's own tests.
type testHall struct {
	eng   *queue.Engine
	store *bolt.DB
}

// newTestHall opens cfg's hall in a new folder, closed at the test's end.
func newTestHall(tb testing.TB, cfg *queue.Config) *testHall {
	tb.Helper()
	store, err := bolt.Open(filepath.Join(tb.TempDir(), "q.db"))
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := queue.Open(store, queue.Options{Config: cfg, Clock: queue.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), IDKey: []byte("k")})
	if err != nil {
		store.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		eng.Close()
		store.Close()
	})
	return &testHall{eng: eng, store: store}
}

// seq is the last event's seq.
func (h *testHall) seq() uint64 {
	last, _ := h.store.LastSeq()
	return last
}

// serveHub starts a hub of opts and serves it on a test server, both closed
// at the test's end.
func serveHub(tb testing.TB, opts HubOptions) (*Hub, *httptest.Server) {
	tb.Helper()
	hub, err := NewHub(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := hub.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(hub)
	tb.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	return hub, srv
}
