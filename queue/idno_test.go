package queue_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
	"qcall/queue/keyfile"
)

func TestNormalizeIDNo(t *testing.T) {
	for _, c := range []struct{ in, want, code string }{
		// GB 11643-1999's own example, and its first-generation 15-digit form.
		{"11010519491231002X", "11010519491231002X", ""},
		{" 11010519491231002x ", "11010519491231002X", ""},
		{"110105491231002", "11010519491231002X", ""},
		{"110101199003070012", "", "invalid_id_no"}, // wrong check digit (…0011 is right)
		{"110101199003070011", "110101199003070011", ""},
		{"110101900307001", "110101199003070011", ""},
		{"11010519491231002Y", "", "invalid_id_no"},
		{"1101051949123100XX", "", "invalid_id_no"},
		{"110105194902300029", "", "invalid_id_no"}, // 30 February
		{"11010549023000X", "", "invalid_id_no"},
		{"1101051949", "", "invalid_id_no"},
		{"", "", "invalid_id_no"},
	} {
		got, err := queue.NormalizeIDNo(c.in)
		if c.code != "" {
			if queue.ErrorCode(err) != c.code {
				t.Errorf("%q: %q %v, want %s", c.in, got, err, c.code)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %q %v, want %q", c.in, got, err, c.want)
		}
	}
}

// TestEngine_IDNoForms: the 15- and 18-digit forms of one ID are one person
// under the daily limit; a wrong check digit is refused and changes nothing.
func TestEngine_IDNoForms(t *testing.T) {
	cfg := queue.Demo()
	cfg.Rules.PersonDailyLimit = 1
	h := newHall(t, cfg)
	if _, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", IDNo: "11010519491231002X"}); err != nil {
		t.Fatal(err)
	}
	_, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "consult", IDNo: "110105491231002"})
	wantCode(t, err, "person_limit")
	before := h.state()
	_, err = h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "consult", IDNo: "110105194912310021"})
	wantCode(t, err, "invalid_id_no")
	if after := h.state(); after != before {
		t.Fatalf("a refused ID changed the state:\n%s\n%s", before, after)
	}
}

func hmacHex(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// idHashes are the citizen-ID hashes of the ticket_issued events after seq.
func (h *hall) idHashes(after uint64) []string {
	var out []string
	for _, e := range h.events(after) {
		if e.Type == queue.EvTicketIssued && e.IDHash != "" {
			out = append(out, e.IDHash)
		}
	}
	return out
}

// TestEngine_IDHashRetention: each business day hashes IDs with a key of its
// own, kept rules.id_hash_days; then it is deleted from the key file, and no
// key left makes the old hash again. Within the day the key survives a
// restart, so the daily limit does too.
func TestEngine_IDHashRetention(t *testing.T) {
	const id = "11010519491231002X"
	cfg := queue.Demo()
	cfg.Rules.PersonDailyLimit = 1
	cfg.Rules.IDHashDays = 2
	keyPath := filepath.Join(t.TempDir(), "idkeys")
	ring, err := keyfile.Open(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	h := newHallKeys(t, cfg, ring)
	issue := func() error {
		_, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", IDNo: id})
		return err
	}
	keysOnDisk := func() map[string][]byte {
		r, err := keyfile.Open(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, d := range r.Days() {
			k, err := r.DayKey(d, "")
			if err != nil {
				t.Fatal(err)
			}
			out[d] = k
		}
		return out
	}

	if err := issue(); err != nil {
		t.Fatal(err)
	}
	day1 := h.idHashes(0)
	keys := keysOnDisk()
	if len(day1) != 1 || len(keys) != 1 || hmacHex(keys["2026-11-26"], id) != day1[0] {
		t.Fatalf("day 1: hashes %v, keys %v", day1, keys)
	}

	// Day 2: a new day, a new key; the same person takes a ticket again.
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	seq := h.seq()
	if err := issue(); err != nil {
		t.Fatal(err)
	}
	day2 := h.idHashes(seq)
	if len(day2) != 1 || day2[0] == day1[0] {
		t.Fatalf("day 2 hashes %v: the same as day 1's %v", day2, day1)
	}
	if days := ring.Days(); !slices.Equal(days, []string{"2026-11-26", "2026-11-27"}) {
		t.Fatalf("day 2 keeps keys of %v", days)
	}

	// Day 3: day 1's key is gone from the file at the day's opening, and no
	// key left gives day 1's hash.
	h.clock.Set(at(8, 0).AddDate(0, 0, 2))
	if err := h.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	keys = keysOnDisk()
	if _, ok := keys["2026-11-26"]; ok || len(keys) != 2 {
		t.Fatalf("day 3: the file keeps the keys of %v", slices.Sorted(func(yield func(string) bool) {
			for d := range keys {
				if !yield(d) {
					return
				}
			}
		}))
	}
	for d, k := range keys {
		if hmacHex(k, id) == day1[0] {
			t.Fatalf("the key of %s makes day 1's hash", d)
		}
	}

	// Within the day, a restart keeps the key: the limit holds.
	h.clock.Set(at(9, 0).AddDate(0, 0, 2))
	if err := issue(); err != nil {
		t.Fatal(err)
	}
	h.close()
	if ring, err = keyfile.Open(keyPath); err != nil {
		t.Fatal(err)
	}
	h.keys = ring
	h.open()
	wantCode(t, issue(), "person_limit")
}

// TestEngine_OldSnapshotWithIDHash: snapshots written before tickets stopped
// carrying their citizen ID hash still load, with the day's count.
func TestEngine_OldSnapshotWithIDHash(t *testing.T) {
	cfg := queue.Demo()
	cfg.Rules.PersonDailyLimit = 1
	h := newHall(t, cfg)
	if _, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", IDNo: "11010519491231002X"}); err != nil {
		t.Fatal(err)
	}
	hash := h.idHashes(0)[0]
	h.close() // writes a snapshot

	// Write the snapshot as the old version did: each ticket with "id_hash".
	st, err := bolt.Open(h.path)
	if err != nil {
		t.Fatal(err)
	}
	snap, evs, err := st.Load()
	if err != nil || snap == nil || len(evs) != 0 {
		t.Fatalf("load: %v, snapshot %v, %d events after it", err, snap != nil, len(evs))
	}
	js, err := queue.SnapshotJSON(snap.State)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(js, &state); err != nil {
		t.Fatal(err)
	}
	tickets := state["tickets"].(map[string]any)
	for _, tk := range tickets {
		tk.(map[string]any)["id_hash"] = hash
	}
	old, _ := json.Marshal(state)
	ev := queue.Event{Seq: snap.Seq + 1, At: at(9, 1), Type: queue.EvWhereabouts, Actor: "1001", Staff: "1001", Status: "break"}
	if err := st.Append([]queue.Event{ev}, &queue.Snapshot{Seq: snap.Seq + 1, State: oldSnapshotAfter(t, old, ev)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	h.open()
	_, err = h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "consult", IDNo: "110105491231002"})
	wantCode(t, err, "person_limit")
}

// oldSnapshotAfter is the old-format state old with ev applied by hand: seq
// and the staff member's whereabouts.
func oldSnapshotAfter(t *testing.T, old []byte, ev queue.Event) []byte {
	var state map[string]any
	if err := json.Unmarshal(old, &state); err != nil {
		t.Fatal(err)
	}
	state["seq"] = ev.Seq
	where, _ := state["whereabouts"].(map[string]any)
	if where == nil {
		where = map[string]any{}
	}
	where[ev.Staff] = map[string]any{"status": ev.Status, "since": ev.At.Format(time.RFC3339)}
	state["whereabouts"] = where
	b, _ := json.Marshal(state)
	return b
}
