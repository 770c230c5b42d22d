package queue

import (
	"context"
	"fmt"
	"time"
)

// ReadModel is a copy of the hall's state that follows the committed events:
// a sink (the realtime hub) folds each event it is published into it, and
// builds its views from it on its own goroutine, so that looking at the hall
// costs the engine's one writer nothing. A ReadModel is not safe for
// concurrent use: its owner guards it.
type ReadModel struct {
	s   *State
	loc *time.Location // the hall's time zone
}

// NewReadModel returns a read model of the state as it is now, durable: a
// copy taken on the engine's goroutine (once, as encoding a snapshot costs),
// with the public configuration (no secrets). Fold into it the events after
// its Seq.
func (e *Engine) NewReadModel(ctx context.Context) (*ReadModel, error) {
	var b []byte
	err := e.View(ctx, func(s *State) error {
		var err error
		b, err = encodeState(s)
		return err
	})
	if err != nil {
		return nil, err
	}
	s, err := decodeState(b)
	if err != nil {
		return nil, fmt.Errorf("queue: read model: %w", err)
	}
	if s.Config != nil {
		s.Config = s.Config.Public()
	}
	return &ReadModel{s: s, loc: e.loc}, nil
}

// Seq is the seq of the last event folded into the model.
func (m *ReadModel) Seq() uint64 { return m.s.Seq }

// Apply folds ev, a committed event, into the model. An event the model has
// already (seq not after Seq) is ignored; one that does not follow Seq is an
// error, and so is one that does not fit the state (it is skipped, as when
// loading a repaired store).
func (m *ReadModel) Apply(ev *Event) error {
	switch {
	case ev.Seq <= m.s.Seq:
		return nil
	case ev.Seq != m.s.Seq+1:
		return fmt.Errorf("queue: read model at %d: event %d does not follow", m.s.Seq, ev.Seq)
	}
	return m.s.replay(ev)
}

// State is the model's state, for reading only: it must not be changed, and
// what it holds changes with the next Apply (copy what is kept).
func (m *ReadModel) State() *State { return m.s }

// Hall returns the hall as Engine.Hall would at now, from the model.
func (m *ReadModel) Hall(now time.Time) HallView { return m.s.Hall(now, m.loc) }

// Audience returns who may see ev, an event the model has folded.
func (m *ReadModel) Audience(ev *Event) Audience { return m.s.Audience(ev) }

// Alerts returns what needs the duty director at now (State.Alerts).
func (m *ReadModel) Alerts(now time.Time) []Alert { return m.s.Alerts(now, m.loc) }
