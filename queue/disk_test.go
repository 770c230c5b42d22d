package queue_test

import (
	"errors"
	"os"
	"path/filepath"
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

// A bit flipped in the middle of the log of a hall that crashed: the store
// refuses to open (before, it opened and gave the next citizen a number that
// an earlier one held); `qcall repair` keeps every intact ticket, and no
// number is given twice after it.
func TestEngine_RepairKeepsIntactTickets(t *testing.T) {
	h := newHall(t, nil)
	var acked []queue.TicketView
	for range 300 {
		acked = append(acked, h.issue("employment"))
	}
	// What a crash leaves: the files as synced (every answer came after its
	// sync).
	cp := filepath.Join(t.TempDir(), "qcall.db")
	for _, f := range []string{"", ".wal"} {
		b, err := os.ReadFile(h.path + f)
		if err != nil {
			t.Fatal(err)
		}
		if f == ".wal" {
			// Halfway through the records, which end where the zeros start.
			end := len(b)
			for b[end-1] == 0 {
				end--
			}
			b[4096+(end-4096)/2] ^= 0x08
		}
		if err := os.WriteFile(cp+f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bolt.Open(cp); !errors.Is(err, bolt.ErrDamaged) {
		t.Fatalf("Open of a log damaged mid-way = %v, want ErrDamaged", err)
	}
	rep, err := bolt.Repair(cp, at(9, 30))
	if err != nil || rep.OK {
		t.Fatalf("Repair = %v, %v; want a report of what was lost", rep, err)
	}
	t.Logf("repair report:\n%s", rep)

	st, err := bolt.Open(cp)
	if err != nil {
		t.Fatalf("Open after repair: %v", err)
	}
	defer st.Close()
	e, err := queue.Open(st, queue.Options{Clock: h.clock, IDKey: []byte("test-key")})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	held := map[string]bool{}
	lost := 0
	for _, a := range acked {
		held[a.Number] = true
		v, err := e.Ticket(ctx, a.ID)
		if err != nil {
			lost++
			continue
		}
		if v.Number != a.Number {
			t.Fatalf("ticket %s has number %s after repair, want %s", a.ID, v.Number, a.Number)
		}
	}
	if lost == 0 || lost > 2 {
		t.Fatalf("%d tickets lost to one flipped bit, want 1 or 2 (the damaged record's)", lost)
	}
	for range 5 {
		v, err := e.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", Channel: "kiosk"})
		if err != nil {
			t.Fatal(err)
		}
		if held[v.Number] {
			t.Fatalf("after repair the hall gave %s again", v.Number)
		}
	}
}
