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
	// does not give the IDs away; keep it outside the store.
	IDKey []byte
	// SnapshotEvery is how many events may follow the newest snapshot before the
	// engine writes another (default 100000). A snapshot is also written when a day
	// opens and when the engine closes.
	SnapshotEvery int
	// MaxBatch caps the commands committed in one transaction (default 512).
	MaxBatch int
	// Logger gets what went wrong inside; default slog.Default().
	Logger *slog.Logger
}

// Engine runs a hall. It is the single writer of the hall's state: commands come
// on a channel to one goroutine, which applies as many as are waiting, commits
// their events in one transaction (group commit), and only then answers each
// caller and hands the events to the sinks. Persist, then announce.
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
	sinks     []EventSink
	sinceSnap int
	loc       *time.Location
}

// command is one request to the engine. fn runs on the engine goroutine with the
// state; a write emits events through tx. read commands run only between batches,
// so they see committed state alone.
type command struct {
	ctx    context.Context
	actor  string
	read   bool
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
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{store: store, opts: opts, log: opts.Logger, cmds: make(chan *command, 4096), done: make(chan struct{})}
	st, n, err := loadState(store)
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
func loadState(store Store) (*State, int, error) {
	snap, events, err := store.Load()
	if err != nil {
		return nil, 0, fmt.Errorf("load state: %w", err)
	}
	st := NewState()
	if snap != nil {
		st = &State{}
		if err := json.Unmarshal(snap.State, st); err != nil {
			return nil, 0, fmt.Errorf("load snapshot %d: %w", snap.Seq, err)
		}
		st.init()
	}
	for i := range events {
		if events[i].Seq != st.Seq+1 {
			return nil, 0, fmt.Errorf("load state: event %d follows %d: the log has a gap", events[i].Seq, st.Seq)
		}
		st.apply(&events[i])
	}
	return st, len(events), nil
}

func sameConfig(a, b *Config) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// commitNow runs fn and commits its events at once; only for Open, before the
// engine goroutine starts.
func (e *Engine) commitNow(fn func(*tx), actor string) error {
	t := e.newTx(actor)
	fn(t)
	if len(t.events) == 0 {
		return nil
	}
	if err := e.commit(t.events); err != nil {
		return err
	}
	return nil
}

// Close stops the engine after the commands already queued, writes a final
// snapshot, and returns. Commands after Close answer ErrClosed. Close does not
// close the store.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		c := &command{ctx: context.Background(), reply: make(chan struct{})}
		c.fn = nil // the stop marker
		e.cmds <- c
		<-e.done
		e.closeErr = c.err
	})
	return e.closeErr
}

// AddSink registers s to receive every event committed after the returned seq.
// It runs between batches, so nothing is missed or seen twice.
func (e *Engine) AddSink(ctx context.Context, s EventSink) (uint64, error) {
	var seq uint64
	err := e.View(ctx, func(st *State) error {
		e.sinks = append(e.sinks, s)
		seq = st.Seq
		return nil
	})
	return seq, err
}

// View runs fn on the engine goroutine with the committed state, between
// batches. fn must not keep references to the state or change it.
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
	c := &command{ctx: ctx, actor: actor, read: read, fn: fn, reply: make(chan struct{})}
	select {
	case e.cmds <- c:
	case <-e.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once sent, a write is answered only when it is committed or failed: an
	// abandoned wait must not be taken for a refusal of something made durable.
	<-c.reply
	return c.result, c.err
}

// call is do with a typed result.
func call[T any](ctx context.Context, e *Engine, actor string, fn func(*tx) (T, error)) (T, error) {
	r, err := e.do(ctx, actor, false, func(t *tx) (any, error) { return fn(t) })
	v, _ := r.(T)
	return v, err
}

func (e *Engine) run() {
	defer close(e.done)
	var batch, reads []*command
	var events []Event
	for {
		c := <-e.cmds
		batch, reads, events = batch[:0], reads[:0], events[:0]
		stop := false
		// Take what is waiting, up to MaxBatch, without blocking.
	gather:
		for {
			switch {
			case c.fn == nil:
				stop = true
				batch = append(batch, c)
			case c.read:
				reads = append(reads, c)
			default:
				t := e.newTx(c.actor)
				t.rollDay()
				n := len(t.events)
				c.result, c.err = c.fn(t)
				if c.err != nil && len(t.events) > n {
					// A rule returned an error after emitting: a bug. Keep the
					// state honest by committing nothing of this batch.
					e.log.Error("queue: command failed after emitting events", "err", c.err)
					c.err = ErrUnavailable
				}
				events = append(events, t.events...)
				batch = append(batch, c)
			}
			if stop || len(batch) >= e.opts.MaxBatch {
				break
			}
			select {
			case c = <-e.cmds:
			default:
				break gather
			}
		}
		if len(events) > 0 {
			if err := e.commit(events); err != nil {
				e.log.Error("queue: commit failed; state reloaded from the store", "err", err)
				for _, b := range batch {
					if b.fn != nil {
						b.result, b.err = nil, ErrUnavailable
					}
				}
				if st, n, lerr := loadState(e.store); lerr == nil {
					e.state, e.sinceSnap = st, n
				} else {
					e.log.Error("queue: reload after a failed commit failed; stopping", "err", lerr)
					stop = true
				}
			}
		}
		for _, b := range batch {
			if b.fn != nil {
				close(b.reply)
			}
		}
		for _, r := range reads {
			t := &tx{e: e, s: e.state}
			r.result, r.err = r.fn(t)
			close(r.reply)
		}
		if stop {
			err := e.snapshot()
			for _, b := range batch {
				if b.fn == nil {
					b.err = err
					close(b.reply)
				}
			}
			e.drainClosed()
			return
		}
	}
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

// commit makes events durable (with a snapshot when one is due) and publishes
// them. The state already has them applied.
func (e *Engine) commit(events []Event) error {
	var snap *Snapshot
	e.sinceSnap += len(events)
	dayOpened := false
	for i := range events {
		if events[i].Type == EvDayOpened {
			dayOpened = true
		}
	}
	if e.sinceSnap >= e.opts.SnapshotEvery || dayOpened {
		b, err := json.Marshal(e.state)
		if err != nil {
			return fmt.Errorf("encode snapshot: %w", err)
		}
		snap = &Snapshot{Seq: e.state.Seq, State: b}
	}
	if err := e.store.Append(events, snap); err != nil {
		return err
	}
	if snap != nil {
		e.sinceSnap = 0
	}
	if e.state.Config != e.config.Load() {
		e.config.Store(e.state.Config)
	}
	for _, s := range e.sinks {
		s.Publish(events)
	}
	return nil
}

// snapshot writes the current state as a snapshot with no events, if anything
// happened since the last one.
func (e *Engine) snapshot() error {
	if e.sinceSnap == 0 {
		return nil
	}
	b, err := json.Marshal(e.state)
	if err != nil {
		return err
	}
	if err := e.store.Append(nil, &Snapshot{Seq: e.state.Seq, State: b}); err != nil {
		return err
	}
	e.sinceSnap = 0
	return nil
}
