package report

import (
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"qcall/queue"
)

// TestSnapshot_Malformed: a snapshot whose checksum is right but whose
// content is not (cut anywhere, or a byte changed) is refused with an
// error, never a panic: it is read as the server starts.
func TestSnapshot_Malformed(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, loc)
	r := newRollups(loc)
	for i, e := range []queue.Event{
		{Type: queue.EvConfigChanged, Config: queue.Demo()},
		{Type: queue.EvSignedIn, Window: 1, Staff: "1001"},
		{Type: queue.EvTicketIssued, Ticket: "t1", Number: "A001", Service: "employment"},
		{Type: queue.EvTicketCalled, Ticket: "t1", Window: 1},
		{Type: queue.EvServiceFinished, Ticket: "t1", Window: 1, CaseFields: queue.CaseFields{Case: "c1", Due: at.Add(time.Hour)}},
		{Type: queue.EvRatingGiven, Ticket: "t1", Number: "A001", Window: 1, Staff: "1001", Service: "employment",
			RatingFields: queue.RatingFields{Score: 1, Scale: 5}, Reason: "attitude"},
		{Type: queue.EvFollowupOpened, Followup: &queue.Followup{ID: "F1", Ticket: "t1", Window: 1, Staff: "1001", Service: "employment", Due: at.Add(48 * time.Hour)}},
		{Type: queue.EvComplaintRecorded, Complaint: &queue.Complaint{ID: "K1", Kind: "complaint", Staff: "1001", Window: 1}},
		{Type: queue.EvCoverNeeded, Window: 1, Staff: "1001"},
		{Type: queue.EvSpotCheckDrawn, SpotCheck: &queue.SpotCheck{ID: "S1", Items: []queue.SpotCheckItem{{Ticket: "t1", Staff: "1001", Window: 1, Finished: at}}}},
		{Type: queue.EvTicketIssued, Ticket: "t2", Number: "A002", Service: "employment"},
	} {
		e.Seq, e.At = uint64(i+1), at.Add(time.Duration(i)*time.Minute)
		r.fold(&e)
	}
	good := r.appendSnapshot(nil)
	path := filepath.Join(t.TempDir(), "reports.snap")
	write := func(body []byte) {
		t.Helper()
		b := binary.LittleEndian.AppendUint32(append([]byte(nil), body...), crc32.Checksum(body, castagnoli))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(good)
	if ok, err := newRollups(loc).readSnapshot(path, 100); !ok || err != nil {
		t.Fatalf("the good snapshot: %v %v", ok, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range len(good) {
		write(good[:n])
		if ok, _ := newRollups(loc).readSnapshot(path, 100); ok {
			t.Errorf("cut at %d of %d: read", n, len(good))
		}
	}
	for range 3000 {
		bad := append([]byte(nil), good...)
		bad[len(snapMagic)+rng.IntN(len(bad)-len(snapMagic))] = byte(rng.Uint32())
		write(bad)
		newRollups(loc).readSnapshot(path, 100) // must not panic; a changed byte may still read
	}
}
