package queue_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

// BenchmarkEngine_IssueTicket issues tickets from 64 goroutines (b.SetParallelism
// over GOMAXPROCS), so that group commit batches them; each op is one durable
// ticket on a real bbolt file.
func BenchmarkEngine_IssueTicket(b *testing.B) {
	h := newHall(b, nil)
	services := []string{"employment", "unemployment", "pension", "medical", "injury", "consult"}
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := h.IssueTicket(ctx, "k", queue.IssueRequest{Service: services[i%len(services)]}); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.StopTimer()
	if n := h.seq(); n < uint64(b.N) {
		b.Fatalf("%d events for %d tickets", n, b.N)
	}
}

// BenchmarkEngine_IssueTicketSerial is one caller at a time: one fsync a ticket,
// the floor group commit lifts.
func BenchmarkEngine_IssueTicketSerial(b *testing.B) {
	h := newHall(b, nil)
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngine_CallFinish is a window's cycle, call next then finish, with a
// queue of 500 waiting across the window's services.
func BenchmarkEngine_CallFinish(b *testing.B) {
	h := newHall(b, nil)
	h.signIn("1001", 1)
	for range 500 {
		h.issue("employment")
	}
	b.ResetTimer()
	for b.Loop() {
		h.issue("employment")
		h.callNext("1001", 1)
		h.finish("1001", 1)
	}
}

// BenchmarkEngine_Open measures a restart: an op opens the store and the
// engine on a day built through the engine (tickets issued, called and
// finished at the ten windows, the last 600 left waiting), and closes them. The
// day is built once; the engine's last snapshot holds it, as after a normal
// shutdown. A normal busy day has 10,000 tickets; 250,000 is what a hall must
// still restart with in seconds.
func BenchmarkEngine_Open(b *testing.B) {
	for _, n := range []int{10000, 250000} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) {
			path := filepath.Join(benchDir(b), "qcall.db")
			clock := queue.NewManualClock(time.Date(2026, 11, 26, 9, 0, 0, 0, shanghai))
			opts := queue.Options{Config: queue.Demo(), Clock: clock, IDKey: []byte("test-key")}
			buildDay(b, path, opts, clock, n)
			snapBytes := snapshotSize(b, path)
			var tickets int
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				st, err := bolt.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				e, err := queue.Open(st, opts)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := e.View(ctx, func(s *queue.State) error { tickets = len(s.Tickets); return nil }); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := e.Close(); err != nil {
					b.Fatal(err)
				}
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if tickets != n {
				b.Fatalf("the state holds %d tickets, want %d", tickets, n)
			}
			b.ReportMetric(float64(snapBytes), "snapshot-B")
		})
	}
}

// snapshotSize is the size of the newest snapshot in the store at path.
func snapshotSize(b *testing.B, path string) int {
	st, err := bolt.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	snap, _, err := st.Load()
	if err != nil || snap == nil {
		b.Fatalf("load: %v (snapshot %v)", err, snap != nil)
	}
	return len(snap.State)
}

// benchDir is a directory for a benchmark's store: in memory (/dev/shm) when
// the machine has it, so that building a big day is not bound by fsync.
func benchDir(b *testing.B) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "qcall-bench-")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return b.TempDir()
}

// buildDay makes a business day of n tickets in the store at path through the
// engine: rounds of 600 tickets issued by 32 kiosks at once (one in 20 with a
// priority class) and served by the ten windows, each calling and finishing
// until nothing is left that it serves; then 600 more left waiting. It closes
// the engine, which writes the snapshot a restart loads.
func buildDay(b *testing.B, path string, opts queue.Options, clock *queue.ManualClock, n int) {
	b.Helper()
	st, err := bolt.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	e, err := queue.Open(st, opts)
	if err != nil {
		b.Fatal(err)
	}
	services := []string{"employment", "unemployment", "pension", "medical", "injury", "consult"}
	issue := func(k int) {
		var wg sync.WaitGroup
		var next atomic.Int64
		for range 32 {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < k; i = int(next.Add(1)) - 1 {
					r := queue.IssueRequest{Service: services[i%len(services)], Channel: "kiosk"}
					if i%20 == 7 {
						r.Priority = "senior"
					}
					if _, err := e.IssueTicket(ctx, "kiosk-1", r); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	for w := 1; w <= 10; w++ {
		if _, err := e.SignIn(ctx, fmt.Sprintf("%d", 1000+w), w); err != nil {
			b.Fatal(err)
		}
	}
	for done := 0; done < n-600 && !b.Failed(); {
		k := min(600, n-600-done)
		issue(k)
		var wg sync.WaitGroup
		for w := 1; w <= 10; w++ {
			wg.Go(func() {
				staff := fmt.Sprintf("%d", 1000+w)
				for {
					if _, err := e.CallNext(ctx, staff, w); err != nil {
						if !errors.Is(err, queue.ErrQueueEmpty) {
							b.Error(err)
						}
						return
					}
					if _, err := e.Finish(ctx, staff, w, queue.FinishOptions{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		done += k
		clock.Add(time.Second)
	}
	issue(min(600, n))
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
}
