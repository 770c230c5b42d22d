// Package report keeps the hall's statistics as rollups folded from the
// committed events, and answers the reports from them: the figures per
// period and grouping (Stats), the monthly and annual evaluation
// (Evaluation) and the 好差评 feed (Ratings). Every figure is defined once,
// in figures.go, and in docs/reports.md.
//
// The rollups are cells of business day × hour × service × window × staff,
// in the hall's time zone; a report adds up the cells of its period, so it
// never reads the event log. They are fed like the realtime hub, as an
// queue.EventSink of the engine, and rebuilt from the store at start.
package report

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"qcall/queue"
)

// Rollups are the hall's statistics, kept up to date as events commit. Make
// them with Open; they are safe for concurrent use.
type Rollups struct {
	eng      *queue.Engine
	log      *slog.Logger
	loc      *time.Location
	snapPath string
	observe  func(kind, service string, seconds float64)
	wake     chan struct{}
	done     chan struct{}
	stop     context.CancelFunc

	pmu     sync.Mutex    // guards pending and closed
	pending []queue.Event // committed, not folded yet
	closed  bool

	mu      sync.RWMutex // guards everything below; the fold goroutine is the only writer
	ready   bool         // the rebuild from the store is done
	err     error        // the rebuild failed
	seq     uint64       // the newest event folded
	changed *sync.Cond   // on mu: seq moved on, or ready/err set
	names   names
	days    map[int32]map[key]*cell
	first   int32 // first and last day with a cell
	last    int32
	ratings []rating // in the order they were given; only ever appended to
	numbers []byte   // the ratings' ticket numbers, one after the other; only ever appended to

	// Fold state: what the fold remembers between events.
	tickets     map[string]*track
	cases       map[string]caseTrack
	winStaff    map[int32]int32
	coverOf     map[int32]coverTrack
	lastDone    map[int32]finished
	complaints  map[string]complaintTrack
	followups   map[uint64]followTrack // by followID
	followOrder []uint64               // the follow-ups in the order they opened
	spotChecks  map[string]map[string]*spotItem
}

// Options configure the rollups.
type Options struct {
	// Snapshot is the file the rollups keep a snapshot of themselves in (at
	// Close, and every 100,000 events), so that a restart folds only the
	// events after it; "" keeps none and rebuilds from the whole log.
	Snapshot string
	// Observe, when set, is told each waiting ("wait") and service
	// ("service") time folded after the rebuild at start, in seconds, with
	// its service's code: for the Prometheus histograms. It runs on the
	// fold goroutine and must be quick.
	Observe func(kind, service string, seconds float64)
	// Logger gets what went wrong; default slog.Default().
	Logger *slog.Logger
}

// Open registers the rollups with eng and rebuilds them (from the snapshot
// and the events after it) in the background; until that is done the
// reports wait, and answer queue.ErrReportsLoading if it takes too long.
// Close stops them.
func Open(ctx context.Context, eng *queue.Engine, opts Options) (*Rollups, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	r := newRollups(eng.Location())
	r.eng, r.log, r.snapPath, r.observe = eng, log, opts.Snapshot, opts.Observe
	seq, err := eng.AddSink(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var runCtx context.Context
	runCtx, r.stop = context.WithCancel(context.Background())
	go r.run(runCtx, seq)
	return r, nil
}

func newRollups(loc *time.Location) *Rollups {
	r := &Rollups{loc: loc, wake: make(chan struct{}, 1), done: make(chan struct{})}
	r.changed = sync.NewCond(&r.mu)
	r.reset()
	return r
}

// reset empties the rollups and the fold's state.
func (r *Rollups) reset() {
	r.seq, r.first, r.last, r.ratings, r.numbers = 0, 0, 0, nil, nil
	r.names, r.days = newNames(), map[int32]map[key]*cell{}
	r.tickets, r.cases, r.winStaff = map[string]*track{}, map[string]caseTrack{}, map[int32]int32{}
	r.coverOf, r.lastDone = map[int32]coverTrack{}, map[int32]finished{}
	r.complaints, r.followups, r.followOrder = map[string]complaintTrack{}, map[uint64]followTrack{}, nil
	r.spotChecks = map[string]map[string]*spotItem{}
}

// Publish takes the events the engine committed (queue.EventSink). It only
// copies them; the fold runs on the rollups' own goroutine.
func (r *Rollups) Publish(events []queue.Event) {
	r.pmu.Lock()
	if !r.closed {
		r.pending = append(r.pending, events...)
	}
	r.pmu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Close stops the fold goroutine and writes the snapshot.
func (r *Rollups) Close() error {
	r.pmu.Lock()
	r.closed, r.pending = true, nil
	r.pmu.Unlock()
	r.stop()
	<-r.done
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.snapPath == "" || !r.ready {
		return nil
	}
	if err := r.writeSnapshot(r.snapPath); err != nil {
		return fmt.Errorf("report: snapshot: %w", err)
	}
	return nil
}

// run rebuilds the rollups from the store up to seq, then folds what
// Publish hands over.
func (r *Rollups) run(ctx context.Context, seq uint64) {
	defer close(r.done)
	defer func() { // wake every Sync waiting
		r.mu.Lock()
		if !r.ready && r.err == nil {
			r.err = queue.ErrClosed
		}
		r.changed.Broadcast()
		r.mu.Unlock()
	}()
	start := time.Now()
	if err := r.rebuild(ctx, seq); err != nil {
		r.log.Error("report: rebuild from the event log", "err", err)
		r.mu.Lock()
		r.err = err
		r.changed.Broadcast()
		r.mu.Unlock()
		return
	}
	r.log.Info("report: rollups rebuilt", "events", seq, "took", time.Since(start).Round(time.Millisecond))
	r.mu.Lock()
	r.ready = true
	r.changed.Broadcast()
	r.mu.Unlock()
	sinceSnap := 0
	for {
		r.pmu.Lock()
		batch := r.pending
		r.pending = nil
		r.pmu.Unlock()
		if len(batch) > 0 {
			r.mu.Lock()
			for i := range batch {
				r.fold(&batch[i])
			}
			r.changed.Broadcast()
			r.mu.Unlock()
			if sinceSnap += len(batch); sinceSnap >= snapEvery && r.snapPath != "" {
				sinceSnap = 0
				r.mu.RLock()
				if err := r.writeSnapshot(r.snapPath); err != nil {
					r.log.Error("report: snapshot", "err", err)
				}
				r.mu.RUnlock()
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
	}
}

// rebuild reads the snapshot, if there is a usable one, and folds the
// stored events after it up to seq, a page at a time.
func (r *Rollups) rebuild(ctx context.Context, seq uint64) error {
	if r.snapPath != "" {
		r.mu.Lock()
		ok, err := r.readSnapshot(r.snapPath, seq)
		if err != nil {
			r.log.Warn("report: snapshot not used, rebuilding from the log", "err", err)
		}
		if !ok {
			r.reset()
		}
		r.mu.Unlock()
	}
	const page = 20000
	for after := r.seq; after < seq; {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		evs, err := r.eng.Events(after, page)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return fmt.Errorf("the log ends at %d, before %d", after, seq)
		}
		r.mu.Lock()
		for i := range evs {
			if evs[i].Seq > seq {
				break
			}
			r.fold(&evs[i])
		}
		r.mu.Unlock()
		after = evs[len(evs)-1].Seq
	}
	return nil
}

// Sync waits until the rollups have folded every event up to seq (the
// rebuild at start included), or ctx ends: then it answers
// queue.ErrReportsLoading.
func (r *Rollups) Sync(ctx context.Context, seq uint64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.changed.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	for !r.ready || r.seq < seq {
		if r.err != nil {
			return r.err
		}
		if ctx.Err() != nil {
			return queue.ErrReportsLoading
		}
		r.changed.Wait()
	}
	return nil
}

// Current waits (at most 5 s) until the rollups hold every event the engine
// has committed so far, so that a report read right after a change shows it.
func (r *Rollups) Current(ctx context.Context) error {
	seq, err := r.eng.Seq(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return r.Sync(ctx, seq)
}
