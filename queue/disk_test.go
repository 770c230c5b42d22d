package queue_test

import (
	"errors"
	"testing"

	"qcall/queue"
	"qcall/queue/bolt"
)

// TestEngine_FullDisk fills a capped data file: the engine answers
// ErrUnavailable once the store cannot write, keeps every ticket it had
// acknowledged, and goes on once there is room again (here: reopened uncapped).
func TestEngine_FullDisk(t *testing.T) {
	h := newHall(t, nil)
	h.close()
	st, err := bolt.Open(h.path, bolt.MaxSize(256<<10), bolt.WALSize(64<<10))
	if err != nil {
		t.Fatal(err)
	}
	e, err := queue.Open(st, queue.Options{Clock: h.clock, IDKey: []byte("test-key")})
	if err != nil {
		t.Fatal(err)
	}
	var acked []queue.TicketView
	var failure error
	for range 20000 {
		v, err := e.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment"})
		if err != nil {
			failure = err
			break
		}
		acked = append(acked, v)
	}
	if !errors.Is(failure, queue.ErrUnavailable) {
		t.Fatalf("after %d tickets: %v, want unavailable", len(acked), failure)
	}
	// Still full: still refused, and nothing half-done shows.
	_, err = e.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment"})
	wantErr := queue.ErrorCode(err)
	if wantErr != "unavailable" {
		t.Fatalf("second try: %v", err)
	}
	for _, a := range acked[len(acked)-5:] {
		if v, err := e.Ticket(ctx, a.ID); err != nil || v.Number != a.Number {
			t.Fatalf("acknowledged %s: %+v %v", a.Number, v, err)
		}
	}
	e.Close()
	st.Close()

	h.open() // room again
	for _, a := range acked {
		if v, err := h.Ticket(ctx, a.ID); err != nil || v.Number != a.Number {
			t.Fatalf("acknowledged %s lost: %+v %v", a.Number, v, err)
		}
	}
	v := h.issue("employment")
	if want := len(acked) + 1; v.Number != formatNumber("A", want) {
		t.Fatalf("next number %s, want %d", v.Number, want)
	}
}

func formatNumber(p string, n int) string {
	s := []byte{}
	for n > 0 || len(s) < 3 {
		s = append([]byte{byte('0' + n%10)}, s...)
		n /= 10
	}
	return p + string(s)
}
