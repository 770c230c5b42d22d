package bolt_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

// powerLossCycles is how many power cuts TestPowerLoss runs; QCALL_POWERLOSS_CYCLES
// sets another number (a long soak).
func powerLossCycles(t *testing.T) int {
	if s := os.Getenv("QCALL_POWERLOSS_CYCLES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return 2000
}

// TestPowerLoss runs the engine and the store through thousands of power
// cuts. Each cycle opens the hall from what the last cut left, checks it with
// bolt.Check, checks it against everything acknowledged so far, issues tickets
// from three callers while a fault may strike (a write failing with ENOSPC
// part-way, an fdatasync failing with EIO and losing its writes), and cuts the
// power at a random moment: the log keeps what was synced and a random,
// torn part of the rest; the data file what its last commit wrote. The
// checker: every acknowledged ticket is there with its number, no number is
// given twice, the event seq never goes back, and the store always opens (a
// power cut is not damage).
func TestPowerLoss(t *testing.T) {
	cycles := powerLossCycles(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "qcall.db")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := queue.NewManualClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	rng := rand.New(rand.NewPCG(7, 11))

	var (
		boltImage []byte            // the data file as its last commit left it
		logImage  map[string][]byte // the log's folder as the last cut left it
		acked     map[string]string // ticket id → number, acknowledged
		numbers   map[string]bool   // numbers acknowledged
		highSeq   uint64            // the last seq the store had made durable
	)
	start := time.Now()
	faults := 0
	for c := range cycles {
		if c%25 == 0 { // a new hall now and then, so that each stays small
			boltImage, logImage, acked, numbers, highSeq = nil, map[string][]byte{}, map[string]string{}, map[string]bool{}, 0
		}
		_ = os.Remove(path)
		_ = os.Remove(path + ".wal")
		if boltImage != nil {
			if err := os.WriteFile(path, boltImage, 0o600); err != nil {
				t.Fatal(err)
			}
			// What `qcall check` sees after the cut.
			if b, ok := logImage[path+".wal"]; ok {
				if err := os.WriteFile(path+".wal", b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := bolt.Check(path)
			if err != nil || !rep.OK {
				t.Fatalf("cycle %d: check after the power cut: %v\n%s", c, err, rep)
			}
			_ = os.Remove(path + ".wal")
		}

		disk := bolt.NewSimDisk(logImage, uint64(c))
		var mu sync.Mutex // guards boltImage and crashed against the commit hook
		crashed := false
		afterCommit := func() {
			mu.Lock()
			defer mu.Unlock()
			if crashed {
				return
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("cycle %d: read the data file: %v", c, err)
				return
			}
			boltImage = b
		}
		st, err := bolt.Open(path, bolt.OnSimDisk(disk, afterCommit), bolt.WALSize(16<<10), bolt.Logger(quiet))
		if err != nil {
			t.Fatalf("cycle %d: the store did not open after a power cut: %v", c, err)
		}
		eng, err := queue.Open(st, queue.Options{Config: queue.Demo(), Clock: clock, IDKey: []byte("k"), Logger: quiet})
		if err != nil {
			t.Fatalf("cycle %d: the hall did not open after a power cut: %v", c, err)
		}
		ctx := context.Background()
		for id, num := range acked {
			v, err := eng.Ticket(ctx, id)
			if err != nil || v.Number != num {
				t.Fatalf("cycle %d: acknowledged ticket %s (%s) after the power cut: %+v, %v", c, id, num, v, err)
			}
		}
		if last, err := st.LastSeq(); err != nil || last < highSeq {
			t.Fatalf("cycle %d: the last seq is %d after the cut, %d before: it went back (%v)", c, last, highSeq, err)
		}

		switch rng.IntN(4) {
		case 0:
			disk.FailAt(1+rng.IntN(40), "sync")
		case 1:
			disk.FailAt(1+rng.IntN(40), "write")
		}
		var wg sync.WaitGroup
		var amu sync.Mutex
		for range 3 {
			n := 1 + rng.IntN(8)
			wg.Go(func() {
				for range n {
					v, err := eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", Channel: "kiosk"})
					if err != nil {
						if !errors.Is(err, queue.ErrUnavailable) {
							t.Errorf("cycle %d: issue: %v", c, err)
						}
						continue
					}
					amu.Lock()
					if numbers[v.Number] {
						t.Errorf("cycle %d: number %s given twice", c, v.Number)
					}
					acked[v.ID], numbers[v.Number] = v.Number, true
					amu.Unlock()
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		if last, err := st.LastSeq(); err == nil {
			highSeq = max(highSeq, last)
		}
		mu.Lock()
		crashed = true
		mu.Unlock()
		logImage = disk.Crash()
		faults += disk.Faults
		_ = eng.Close()
		_ = st.Close()
	}
	t.Logf("%d power cuts, %d injected faults, in %v (%.0f cycles/s)", cycles, faults, time.Since(start).Round(time.Millisecond),
		float64(cycles)/time.Since(start).Seconds())
}
