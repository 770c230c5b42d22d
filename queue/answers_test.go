package queue_test

import (
	"context"
	"testing"
	"time"

	"qcall/queue"
)

// awaitReturns fails the test unless AwaitAnswers, given a minute, returns
// within a few seconds: nothing it should wait for is pending.
func awaitReturns(t *testing.T, e *queue.Engine, ctx context.Context) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		e.AwaitAnswers(ctx, time.Minute)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("AwaitAnswers still waits")
	}
}

// TestAwaitAnswers_WaitsForTheAnswerToAChange: once a change made with a
// context from Answering is committed, AwaitAnswers waits until its answer is
// written (done), for at most the time it is given.
func TestAwaitAnswers_WaitsForTheAnswerToAChange(t *testing.T) {
	h := newHall(t, nil)
	actx, done := h.Answering(ctx)
	if _, err := h.IssueTicket(actx, "kiosk-1", queue.IssueRequest{Service: "consult"}); err != nil {
		t.Fatal(err)
	}
	const max = 100 * time.Millisecond
	t0 := time.Now()
	h.AwaitAnswers(ctx, max)
	if d := time.Since(t0); d < max {
		t.Fatalf("AwaitAnswers returned after %s with the answer not written; want it to wait %s", d, max)
	}
	waited := make(chan struct{})
	go func() {
		h.AwaitAnswers(ctx, time.Minute)
		close(waited)
	}()
	done()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("AwaitAnswers still waits once the answer is written")
	}
	awaitReturns(t, h.Engine, ctx)
	done() // a second call changes nothing
	awaitReturns(t, h.Engine, ctx)
}

// TestAwaitAnswers_OnlyChangesMarkedAndUnwritten: AwaitAnswers does not wait
// for a read, for a change made without Answering, for a change made after
// its answer was declared written, nor once its context ends.
func TestAwaitAnswers_OnlyChangesMarkedAndUnwritten(t *testing.T) {
	h := newHall(t, nil)
	actx, done := h.Answering(ctx)
	defer done()
	if _, err := h.Windows(actx); err != nil {
		t.Fatal(err)
	}
	awaitReturns(t, h.Engine, ctx)

	if _, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "consult"}); err != nil {
		t.Fatal(err)
	}
	awaitReturns(t, h.Engine, ctx)

	lctx, late := h.Answering(ctx)
	late()
	if _, err := h.IssueTicket(lctx, "kiosk-1", queue.IssueRequest{Service: "consult"}); err != nil {
		t.Fatal(err)
	}
	awaitReturns(t, h.Engine, ctx)

	pctx, pending := h.Answering(ctx)
	defer pending()
	if _, err := h.IssueTicket(pctx, "kiosk-1", queue.IssueRequest{Service: "consult"}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	awaitReturns(t, h.Engine, cctx)
}
