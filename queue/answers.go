package queue

import (
	"context"
	"sync"
	"time"
)

// The answer to a change goes to its caller before the change's events go to
// the sinks (commitLoop). A sink that fans the events out to many clients at
// once, the hub and its screens, would still take the CPU while the engine
// makes the change and its caller writes the answer to its client, on a
// server with few cores: the clerk who called the next ticket would wait on
// the hall's screens. So a caller that writes answers to clients (the API)
// marks its requests with Answering, and such a sink first waits, briefly,
// with AwaitAnswers, until the changes asked for so far are made and their
// answers written.

// answers are the changes asked for with a context from Answering whose
// answers are not written yet.
type answers struct {
	mu      sync.Mutex
	pending map[*answer]struct{}
}

// answer is one request marked by Answering.
type answer struct {
	armed   bool          // it asked for a change: in pending until done
	ended   bool          // done was called
	written chan struct{} // closed by done once armed
}

type answerKey struct{}

// Answering marks ctx as the context of a request whose answer the caller
// writes to a client, and returns done, to call once that answer is written
// (or will not be). From when a change is asked for with ctx until done, the
// change and its answer are pending, which AwaitAnswers waits for. Reads
// never are: they publish nothing.
func (e *Engine) Answering(ctx context.Context) (context.Context, func()) {
	a := &answer{}
	return context.WithValue(ctx, answerKey{}, a), func() {
		e.answers.mu.Lock()
		defer e.answers.mu.Unlock()
		if a.ended {
			return
		}
		a.ended = true
		if a.armed {
			delete(e.answers.pending, a)
			close(a.written)
		}
	}
}

// AwaitAnswers waits until every change asked for before it was called with
// a context from Answering is made and its answer written, for at most max,
// or until ctx ends.
func (e *Engine) AwaitAnswers(ctx context.Context, max time.Duration) {
	e.answers.mu.Lock()
	if len(e.answers.pending) == 0 {
		e.answers.mu.Unlock()
		return
	}
	waits := make([]chan struct{}, 0, len(e.answers.pending))
	for a := range e.answers.pending {
		waits = append(waits, a.written)
	}
	e.answers.mu.Unlock()
	timeout := time.NewTimer(max)
	defer timeout.Stop()
	for _, w := range waits {
		select {
		case <-w:
		case <-timeout.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// arm counts a change asked for with ctx as pending, when ctx is marked
// (Answering) and its answer not written yet.
func (e *Engine) arm(ctx context.Context) {
	a, _ := ctx.Value(answerKey{}).(*answer)
	if a == nil {
		return
	}
	e.answers.mu.Lock()
	defer e.answers.mu.Unlock()
	if a.armed || a.ended {
		return
	}
	a.armed, a.written = true, make(chan struct{})
	if e.answers.pending == nil {
		e.answers.pending = map[*answer]struct{}{}
	}
	e.answers.pending[a] = struct{}{}
}
