package queue_test

import (
	"testing"

	"qcall/queue"
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
