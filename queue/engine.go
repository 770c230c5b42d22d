package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the engine the time. Nothing in queue reads the wall clock itself,
// so that tests set the time to the second.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

// Options configure an Engine.
type Options struct {
	// Config is the hall configuration to run with. When it differs from the
	// stored one, the engine records a config_changed event at start. Nil keeps the
	// stored configuration (an error if there is none).
	Config *Config
	// Clock gives the time; required.
	Clock Clock
	// IDKey keys the hash of citizen IDs (HMAC-SHA256), so that a stolen data file
	// does not give the IDs away; keep it outside the store. IDKeys, when set,
	// is used instead.
	IDKey []byte
	// IDKeys gives a key of its own to each business day's citizen-ID hashes
	// and forgets it after Rules.IDHashDays: from then on the hashes of that
	// day, in the log and in every backup, can no longer be tied to an ID
	// (queue/keyfile keeps them in a file of the data folder).
	IDKeys IDKeyring
	// SnapshotEvery is how many events may follow the newest snapshot before the
	// engine writes another (default 100000), or as many as the state holds
	// tickets when that is more. The engine writes it at the next quiet moment
	// (nothing committed for a second), or after four times as many events
	// when there is none. A snapshot is also written when a day opens and when
	// the engine closes.
	SnapshotEvery int
	// MaxBatch caps the commands committed in one transaction (default 512).
	MaxBatch int
	// CommitWindow is the least time between the starts of two commits while
	// several callers are waiting (default 500µs; negative: no wait). A batch
	// that is ready sooner gathers more commands meanwhile, so that one fsync
	// makes many durable. It never delays a lone caller.
	CommitWindow time.Duration
	// Logger gets what went wrong inside; default slog.Default().
	Logger *slog.Logger
}

// IDKeyring keeps the keys citizen IDs are hashed with, one per business day,
// outside the store.
type IDKeyring interface {
	// DayKey returns the key of day (YYYY-MM-DD), making and keeping one when
	// there is none, after forgetting the keys of the days before keepFrom. An
	// error means no key: the citizen ID is refused as unavailable.
	DayKey(day, keepFrom string) ([]byte, error)
}

// Engine runs a hall. It is the single writer of the hall's state: commands come
// on a channel to one goroutine, which applies them in order and gathers their
// events into a batch; a committer goroutine writes each batch in one
// transaction (group commit), and only then answers its callers and hands the
// events to the sinks. Persist, then announce.
type Engine struct {
	store Store
	opts  Options
	log   *slog.Logger
	cmds  chan *command
	done  chan struct{}

	closeOnce sync.Once
	closeErr  error

	// config is the configuration in force, swapped whole on each committed
	// config_changed; readers must not modify it.
	config atomic.Pointer[Config]

	// Owned by the run goroutine.
	state     *State
	sinceSnap int
	loc       *time.Location

	// Owned by the committer goroutine.
	sinks []EventSink

	// answers are the changes clients' requests asked for whose answers
	// are not written yet (Answering, AwaitAnswers).
	answers answers
}

// command is one request to the engine. fn runs on the engine goroutine with the
// state; a write emits events through tx. A read sees the state with every
// write before it applied, and is answered only once those are durable.
type command struct {
	ctx    context.Context
	actor  string
	read   bool
	stop   bool      // Close's marker
	sink   EventSink // AddSink's sink
	fn     func(*tx) (any, error)
	result any
	err    error
	reply  chan struct{}
}

// Open loads the hall's state from store (snapshot plus the events after it) and
// starts the engine. The caller keeps ownership of store and closes it after the
// engine.
func Open(store Store, opts Options) (*Engine, error) {
	if opts.Clock == nil {
		return nil, errors.New("queue: no clock")
	}
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = 100000
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.CommitWindow == 0 {
		opts.CommitWindow = 500 * time.Microsecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{store: store, opts: opts, log: opts.Logger, cmds: make(chan *command, 4096), done: make(chan struct{})}
	st, n, err := loadState(store, e.log)
	if err != nil {
		return nil, err
	}
	e.state, e.sinceSnap = st, n
	if opts.Config != nil {
		cfg := opts.Config.clone()
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if st.Config == nil || !sameConfig(st.Config, cfg) {
			if e.loc, err = loadLocation(cfg.Hall.TimeZone); err != nil {
				return nil, err
			}
			if err := e.commitNow(func(t *tx) { t.emit(Event{Type: EvConfigChanged, Config: cfg}) }, "system"); err != nil {
				return nil, err
			}
		}
	}
	if e.state.Config == nil {
		return nil, errors.New("queue: no hall configuration stored and none given")
	}
	e.config.Store(e.state.Config)
	if e.loc, err = loadLocation(e.state.Config.Hall.TimeZone); err != nil {
		return nil, err
	}
	if err := e.commitNow(func(t *tx) { t.rollDay() }, "system"); err != nil {
		return nil, err
	}
	go e.run()
	return e, nil
}

// loadState folds the stored snapshot and events into a State, returning it and
// how many events came after the snapshot.
func loadState(store Store, log *slog.Logger) (*State, int, error) {
	snap, events, err := store.Load()
	if err != nil {
		return nil, 0, fmt.Errorf("load state: %w", err)
	}
	st := NewState()
	if snap != nil {
		if st, err = decodeState(snap.State); err != nil {
			return nil, 0, fmt.Errorf("load snapshot %d: %w", snap.Seq, err)
		}
	}
	for i := range events {
		if events[i].Seq != st.Seq+1 {
			return nil, 0, fmt.Errorf("load state: event %d follows %d: the log has a gap", events[i].Seq, st.Seq)
		}
		if err := st.replay(&events[i]); err != nil {
			log.Error("queue: skipped an event that does not fit the state (was the store repaired?)", "err", err)
		}
	}
	return st, len(events), nil
}

func sameConfig(a, b *Config) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// commitNow runs fn and commits its events at once; only for Open, before the
// engine goroutines start.
func (e *Engine) commitNow(fn func(*tx), actor string) error {
	b := &batch{}
	fn(new(tx).reset(e, actor, &b.events))
	if len(b.events) == 0 {
		return nil
	}
	e.seal(b)
	if err := e.store.Append(b.events, b.snap); err != nil {
		return err
	}
	e.config.Store(b.config)
	return nil
}

// Close stops the engine after the commands already queued, writes a final
// snapshot, and returns. Commands after Close answer ErrClosed. Close does not
// close the store.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		c := &command{ctx: context.Background(), stop: true, reply: make(chan struct{})}
		select {
		case e.cmds <- c:
			<-c.reply
			e.closeErr = c.err
		case <-e.done:
		}
		<-e.done
	})
	return e.closeErr
}

// AddSink registers s to receive every event committed after the returned seq,
// in order, nothing missed or seen twice.
func (e *Engine) AddSink(ctx context.Context, s EventSink) (uint64, error) {
	r, err := e.send(ctx, &command{ctx: ctx, read: true, sink: s, fn: func(t *tx) (any, error) { return t.s.Seq, nil }})
	seq, _ := r.(uint64)
	return seq, err
}

// View runs fn on the engine goroutine with the state, and returns once that
// state is durable (so nothing fn saw can be lost). fn must not keep references
// to the state or change it.
func (e *Engine) View(ctx context.Context, fn func(*State) error) error {
	_, err := e.do(ctx, "", true, func(t *tx) (any, error) { return nil, fn(t.s) })
	return err
}

// Tick applies the rules that depend on time alone: the business day, backup
// thresholds measured by estimated wait, case deadline warnings. The server calls
// it every few seconds; tests call it after moving the clock.
func (e *Engine) Tick(ctx context.Context) error {
	_, err := e.do(ctx, "system", false, func(t *tx) (any, error) {
		for _, svc := range t.s.Config.Services {
			t.checkBackup(svc.Code)
		}
		t.warnCases()
		return nil, nil
	})
	return err
}

// do sends a command to the engine and waits for its answer.
func (e *Engine) do(ctx context.Context, actor string, read bool, fn func(*tx) (any, error)) (any, error) {
	return e.send(ctx, &command{ctx: ctx, actor: actor, read: read, fn: fn})
}

func (e *Engine) send(ctx context.Context, c *command) (any, error) {
	c.reply = make(chan struct{})
	if !c.read {
		e.arm(ctx) // from now until its answer is written, should ctx say so
	}
	select {
	case e.cmds <- c:
	case <-e.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once sent, a write is answered only when it is committed or failed: an
	// abandoned wait must not be taken for a refusal of something made durable.
	select {
	case <-c.reply:
	case <-e.done:
		select {
		case <-c.reply:
		default:
			return nil, ErrClosed // sent as the engine stopped, never taken
		}
	}
	return c.result, c.err
}

// call is do with a typed result.
func call[T any](ctx context.Context, e *Engine, actor string, fn func(*tx) (T, error)) (T, error) {
	r, err := e.do(ctx, actor, false, func(t *tx) (any, error) { return fn(t) })
	v, _ := r.(T)
	return v, err
}

// batch is what one transaction commits: the events of its commands, the
// commands to answer once it is durable (writes, and reads that saw its
// state), a snapshot when one is due, and sinks to add after its events.
type batch struct {
	cmds   []*command
	events []Event
	snap   *Snapshot
	config *Config // the configuration in force after the batch
	sinks  []newSink
	err    error
}

// newSink is a sink added by AddSink while a batch was gathered: it gets the
// batch's events from index from on, those applied after its AddSink.
type newSink struct {
	s    EventSink
	from int
}

// next returns an empty batch for gathering after one of n events and m
// commands: b's slices emptied, when b is not nil and they are big enough,
// else new ones sized like the last batch's, so that gathering does not grow
// them again and again (Events are large).
func (b *batch) next(n, m int) *batch {
	n, m = max(n+n/4, 16), max(m+m/4, 16)
	if b == nil {
		return &batch{events: make([]Event, 0, n), cmds: make([]*command, 0, m)}
	}
	events, cmds := b.events, b.cmds
	clear(events) // let go of what the old events point to
	clear(cmds)
	if cap(events) < n {
		events = make([]Event, 0, n)
	}
	if cap(cmds) < m {
		cmds = make([]*command, 0, m)
	}
	*b = batch{events: events[:0], cmds: cmds[:0]}
	return b
}

func (b *batch) empty() bool { return len(b.cmds) == 0 && len(b.events) == 0 && len(b.sinks) == 0 }

// run is the engine's applying goroutine. It applies each command to the state
// as it comes and gathers the results into a batch; a second goroutine, the
// committer, makes batches durable one at a time. While the committer syncs one
// batch, run gathers the next, so the disk is never idle while work waits and the
// work of applying overlaps the wait for fsync. A batch is handed over only
// when the committer is free. If a commit fails, the batch gathered on top of it
// fails too, and the state is read back from the store.
func (e *Engine) run() {
	toCommit := make(chan *batch)
	committed := make(chan *batch, 1)
	committerDone := make(chan struct{})
	go func() {
		defer close(committerDone)
		e.commitLoop(toCommit, committed)
	}()
	cur := &batch{}
	inflight := false
	var stop *command
	var spare *batch    // the last batch committed, whose slices the next reuses
	var t tx            // every command's tx, reused: commands run one at a time
	var dropped []Event // where a read's events would go: reads emit none
	var (
		lastStart time.Time // when the last batch went to the committer
		lastCmds  int       // how many commands it answered
		gather    = time.NewTimer(time.Hour)
		gathering bool // gather is armed
		quiet     = time.NewTimer(time.Hour)
		waiting   bool // quiet is armed
	)
	gather.Stop()
	defer gather.Stop()
	quiet.Stop()
	defer quiet.Stop()
	for {
		if !inflight && !cur.empty() {
			wait := e.gatherWait(cur, lastCmds, lastStart)
			switch {
			case wait <= 0 || stop != nil:
				if gathering {
					gather.Stop()
					gathering = false
				}
				e.seal(cur)
				toCommit <- cur
				lastStart, lastCmds = time.Now(), len(cur.cmds)
				inflight, cur = true, spare.next(len(cur.events), len(cur.cmds))
				spare = nil
			case !gathering:
				gather.Reset(wait)
				gathering = true
			}
		}
		if stop != nil && !inflight && cur.empty() {
			stop.err = e.snapshot()
			close(toCommit)
			<-committerDone
			close(stop.reply)
			e.drainClosed()
			close(e.done)
			return
		}
		idle := !inflight && cur.empty() && stop == nil
		if idle && !waiting && e.snapshotDue() {
			quiet.Reset(quietAfter - time.Since(lastStart))
			waiting = true
		}
		cmds := e.cmds
		if stop != nil || len(cur.cmds) >= e.opts.MaxBatch {
			cmds = nil // back-pressure: wait for the commit in flight
		}
		var gathered <-chan time.Time
		if gathering {
			gathered = gather.C
		}
		var quieted <-chan time.Time
		if waiting {
			quieted = quiet.C
		}
		select {
		case <-gathered:
			gathering = false // the loop's top hands the batch over
		case <-quieted:
			waiting = false
			if idle && time.Since(lastStart) >= quietAfter {
				// Nothing to commit for a while: the snapshot that is due
				// can hold nobody up now.
				if err := e.snapshot(); err != nil {
					e.log.Error("queue: snapshot", "err", err)
				}
				lastStart = time.Now() // on failure, try again after as long
			}
		case c := <-cmds:
			switch {
			case c.stop:
				stop = c
			case c.read:
				c.result, c.err = c.fn(t.reset(e, "", &dropped))
				if c.sink != nil {
					cur.sinks = append(cur.sinks, newSink{c.sink, len(cur.events)})
				}
				if !inflight && cur.empty() {
					close(c.reply) // nothing pending: what it saw is durable
				} else {
					cur.cmds = append(cur.cmds, c)
				}
			default:
				t.reset(e, c.actor, &cur.events)
				t.rollDay()
				n := len(cur.events)
				c.result, c.err = c.fn(&t)
				if c.err != nil && len(cur.events) > n {
					// A rule failed after deciding: a bug. Its events are
					// applied, so they are committed to keep the state true.
					e.log.Error("queue: command failed after emitting events", "err", c.err)
				}
				cur.cmds = append(cur.cmds, c)
			}
		case b := <-committed:
			inflight = false
			spare = b // answered and published: its slices serve again
			if b.err != nil {
				// Read the state back before anyone hears of the failure, so
				// that nothing sent after the answer sees what was not stored.
				// The batch gathered on top fails too, but its reads are run
				// again on the state read back.
				e.log.Error("queue: commit failed; state reloaded from the store", "err", b.err)
				rerr := e.reload()
				e.fail(b)
				next := &batch{}
				for _, c := range cur.cmds {
					if !c.read || rerr != nil {
						c.result, c.err = nil, ErrUnavailable
						close(c.reply)
						continue
					}
					c.result, c.err = c.fn(t.reset(e, "", &dropped))
					if c.sink != nil {
						next.sinks = append(next.sinks, newSink{c.sink, 0})
					}
					next.cmds = append(next.cmds, c)
				}
				cur = next
				if rerr != nil {
					e.log.Error("queue: reload after a failed commit failed; stopping", "err", rerr)
					if stop == nil {
						stop = &command{stop: true, reply: make(chan struct{})}
					}
				}
			}
		}
	}
}

// gatherWait is how much longer the batch cur should gather before it goes to
// the free committer; not positive means now. Under concurrent load (the last
// batch answered several commands) a batch goes at most once per commit
// window: each fsync costs the same CPU however many commands it makes
// durable, and with a fast disk the batches would otherwise shrink to a
// command or two, each paying a whole fsync. One caller at a time, as in a
// quiet hall, never waits.
func (e *Engine) gatherWait(cur *batch, lastCmds int, lastStart time.Time) time.Duration {
	if e.opts.CommitWindow < 0 || lastCmds < 2 || len(cur.cmds) >= e.opts.MaxBatch {
		return 0
	}
	return e.opts.CommitWindow - time.Since(lastStart)
}

// snapshotOverdue is how many times the events a snapshot is due after may
// pass before it is written even though the engine is busy.
const snapshotOverdue = 4

// quietAfter is how long the engine must have had nothing to commit before it
// writes a snapshot that is due.
const quietAfter = time.Second

// seal finishes a batch before it is handed to the committer: the snapshot, when
// one is due, and the configuration in force after it.
func (e *Engine) seal(b *batch) {
	b.config = e.state.Config
	e.sinceSnap += len(b.events)
	opened := false
	for i := range b.events {
		if b.events[i].Type == EvDayOpened {
			opened = true
		}
	}
	if opened || e.sinceSnap >= snapshotOverdue*e.snapshotAfter() {
		st, err := encodeState(e.state)
		if err != nil {
			e.log.Error("queue: encode snapshot", "err", err)
			return
		}
		b.snap = &Snapshot{Seq: e.state.Seq, State: st}
		e.sinceSnap = 0
	}
}

// snapshotAfter is how many events after the last snapshot the next is due.
// A snapshot costs time in proportion to the state it writes, most of it
// tickets, and the engine waits while it is encoded. So one is due only once
// at least as many events as there are tickets have come since the last (then
// it never costs more than a fixed share of the events' own work, however big
// a day grows), and it is written at a quiet moment, when nobody waits behind
// it (quietAfter with nothing to commit), unless it is snapshotOverdue times
// overdue. A restart replays at most that many times as many events as the
// snapshot holds tickets.
func (e *Engine) snapshotAfter() int {
	return max(e.opts.SnapshotEvery, len(e.state.Tickets))
}

// snapshotDue reports whether a snapshot should be written at the next quiet
// moment.
func (e *Engine) snapshotDue() bool { return e.sinceSnap >= e.snapshotAfter() }

// commitLoop is the committer: it makes each batch durable, answers its
// commands, and publishes its events, in order.
func (e *Engine) commitLoop(in <-chan *batch, out chan<- *batch) {
	for b := range in {
		if len(b.events) > 0 || b.snap != nil {
			b.err = e.store.Append(b.events, b.snap)
		}
		if b.err != nil {
			out <- b // the applier reads the state back, then answers
			continue
		}
		e.config.Store(b.config)
		for _, c := range b.cmds {
			close(c.reply)
		}
		if len(b.events) > 0 {
			for _, s := range e.sinks {
				s.Publish(b.events)
			}
		}
		for _, n := range b.sinks {
			if n.from < len(b.events) {
				n.s.Publish(b.events[n.from:])
			}
			e.sinks = append(e.sinks, n.s)
		}
		out <- b
	}
}

// fail answers every command of a batch that will not be committed.
func (e *Engine) fail(b *batch) {
	for _, c := range b.cmds {
		c.result, c.err = nil, ErrUnavailable
		close(c.reply)
	}
}

// reload reads the state back from the store after a failed commit.
func (e *Engine) reload() error {
	st, n, err := loadState(e.store, e.log)
	if err != nil {
		return err
	}
	e.state, e.sinceSnap = st, n
	return nil
}

// drainClosed answers ErrClosed to whatever is still queued after Close.
func (e *Engine) drainClosed() {
	for {
		select {
		case c := <-e.cmds:
			c.err = ErrClosed
			close(c.reply)
		default:
			return
		}
	}
}

// snapshot writes the current state as a snapshot with no events, if anything
// happened since the last one. Only when no batch is in flight.
func (e *Engine) snapshot() error {
	if e.sinceSnap == 0 {
		return nil
	}
	b, err := encodeState(e.state)
	if err != nil {
		return err
	}
	if err := e.store.Append(nil, &Snapshot{Seq: e.state.Seq, State: b}); err != nil {
		return err
	}
	e.sinceSnap = 0
	return nil
}

// ManualClock is a Clock that moves only when told: tests (and rehearsals of a
// hall's day) set it to the second. It is safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

// NewManualClock returns a ManualClock showing t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the time the clock shows.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Add moves the clock on by d.
func (c *ManualClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
