package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a time on 2026-11-26 in the hall's zone.
func at(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, shanghai) }

// hall is an engine on a real bbolt file with a test clock.
type hall struct {
	*queue.Engine
	t     testing.TB
	clock *queue.ManualClock
	store *bolt.DB
	path  string
	cfg   *queue.Config
	keys  queue.IDKeyring // the day keys of citizen IDs, or nil
}

var ctx = context.Background()

func newHall(t testing.TB, cfg *queue.Config) *hall {
	t.Helper()
	return newHallKeys(t, cfg, nil)
}

// newHallKeys is newHall whose engine hashes citizen IDs with keys.
func newHallKeys(t testing.TB, cfg *queue.Config, keys queue.IDKeyring) *hall {
	t.Helper()
	if cfg == nil {
		cfg = queue.Demo()
	}
	h := &hall{t: t, clock: queue.NewManualClock(at(9, 0)), path: filepath.Join(t.TempDir(), "qcall.db"), cfg: cfg, keys: keys}
	h.open()
	t.Cleanup(h.close)
	return h
}

func (h *hall) open() {
	h.t.Helper()
	st, err := bolt.Open(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	e, err := queue.Open(st, queue.Options{Config: h.cfg, Clock: h.clock, IDKey: []byte("test-key"), IDKeys: h.keys})
	if err != nil {
		st.Close()
		h.t.Fatal(err)
	}
	h.Engine, h.store = e, st
}

func (h *hall) close() {
	if h.Engine == nil {
		return
	}
	if err := h.Engine.Close(); err != nil {
		h.t.Error(err)
	}
	if err := h.store.Close(); err != nil {
		h.t.Error(err)
	}
	h.Engine = nil
}

func (h *hall) restart() { h.close(); h.open() }

// state is the JSON of the folded state.
func (h *hall) state() string {
	h.t.Helper()
	var b []byte
	err := h.View(ctx, func(s *queue.State) error {
		var err error
		b, err = json.Marshal(s)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

func (h *hall) seq() uint64 {
	h.t.Helper()
	n, err := h.Seq(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *hall) issue(service string) queue.TicketView {
	h.t.Helper()
	v, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: service, Channel: "kiosk"})
	if err != nil {
		h.t.Fatalf("issue %s: %v", service, err)
	}
	return v
}

func (h *hall) signIn(staff string, window int) {
	h.t.Helper()
	if _, err := h.SignIn(ctx, staff, window); err != nil {
		h.t.Fatalf("%s signs in at %d: %v", staff, window, err)
	}
}

func (h *hall) callNext(staff string, window int) queue.TicketView {
	h.t.Helper()
	v, err := h.CallNext(ctx, staff, window)
	if err != nil {
		h.t.Fatalf("call next at %d: %v", window, err)
	}
	return v
}

func (h *hall) finish(staff string, window int) {
	h.t.Helper()
	if _, err := h.Finish(ctx, staff, window, queue.FinishOptions{}); err != nil {
		h.t.Fatalf("finish at %d: %v", window, err)
	}
}

func (h *hall) events(after uint64) []queue.Event {
	h.t.Helper()
	evs, err := h.Events(after, 10000)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

func (h *hall) eventTypes(after uint64) []queue.EventType {
	var out []queue.EventType
	for _, e := range h.events(after) {
		out = append(out, e.Type)
	}
	return out
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got none", code)
	}
	if got := queue.ErrorCode(err); got != code {
		t.Fatalf("want error %s, got %s (%v)", code, got, err)
	}
}

func TestEngine_IssueNumbers(t *testing.T) {
	h := newHall(t, nil)
	for i, want := range []string{"A001", "A002", "A003"} {
		v := h.issue("employment")
		if v.Number != want || v.Ahead != i || v.Position != i+1 {
			t.Fatalf("ticket %d: %+v, want %s with %d ahead", i, v, want, i)
		}
	}
	if v := h.issue("unemployment"); v.Number != "B001" {
		t.Fatalf("first B ticket is %s", v.Number)
	}
	// The estimate: 2 ahead × 300 s over the 2 A windows of employment.
	if v := h.issue("employment"); v.EstWaitS != 3*300/2 {
		t.Fatalf("est wait %d", v.EstWaitS)
	}
	// A new business day restarts the numbers; yesterday's waiting tickets are
	// cancelled.
	first := h.issue("employment")
	h.clock.Set(at(9, 0).AddDate(0, 0, 1))
	if v := h.issue("employment"); v.Number != "A001" {
		t.Fatalf("next day starts at %s", v.Number)
	}
	var closed *queue.Event
	for _, e := range h.events(0) {
		if e.Type == queue.EvDayClosed {
			closed = &e
		}
	}
	if closed == nil || !slices.Contains(closed.Tickets, first.ID) || closed.Day != "2026-11-26" {
		t.Fatalf("day_closed %+v does not cancel yesterday's waiting ticket", closed)
	}
	// Past 999 the number grows a digit.
	for range 999 {
		h.issue("consult")
	}
	if v := h.issue("consult"); v.Number != "F1000" {
		t.Fatalf("ticket 1000 is %s", v.Number)
	}
}

func TestEngine_CallNextOrder(t *testing.T) {
	cfg := queue.Demo()
	h := newHall(t, cfg)
	h.signIn("1001", 1)
	old := h.issue("employment")
	h.clock.Add(10 * time.Minute)
	// A senior's ticket issued 10 minutes later has a 15-minute head start.
	senior, err := h.IssueTicket(ctx, "greeter", queue.IssueRequest{Service: "employment", Channel: "greeter", Priority: "senior"})
	if err != nil {
		t.Fatal(err)
	}
	plain := h.issue("employment")
	h.clock.Add(time.Minute)
	if got := h.callNext("1001", 1); got.ID != senior.ID {
		t.Fatalf("called %s, want the senior's %s", got.Number, senior.Number)
	}
	h.finish("1001", 1)
	// Aging: a plain ticket that has waited longer than the head start goes
	// before a newer senior.
	h.clock.Add(20 * time.Minute)
	senior2, _ := h.IssueTicket(ctx, "greeter", queue.IssueRequest{Service: "employment", Channel: "greeter", Priority: "senior"})
	if got := h.callNext("1001", 1); got.ID != old.ID {
		t.Fatalf("called %s, want the oldest %s", got.Number, old.Number)
	}
	h.finish("1001", 1)
	if got := h.callNext("1001", 1); got.ID != plain.ID {
		t.Fatalf("called %s, want %s (waited 21 min, senior2 credited 15)", got.Number, plain.Number)
	}
	h.finish("1001", 1)
	if got := h.callNext("1001", 1); got.ID != senior2.ID {
		t.Fatalf("called %s, want %s", got.Number, senior2.Number)
	}
	h.finish("1001", 1)
	_, err = h.CallNext(ctx, "1001", 1)
	wantCode(t, err, "queue_empty")
	if !errors.Is(err, queue.ErrQueueEmpty) {
		t.Fatal("errors.Is does not see ErrQueueEmpty")
	}
}

func TestEngine_ReturnSlipAndExpressGoFirst(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1002", 2)
	a := h.issue("employment")
	b := h.issue("employment")
	c := h.issue("employment")
	d := h.issue("employment")
	if got := h.callNext("1001", 1); got.ID != a.ID {
		t.Fatal("A001 first")
	}
	slip, err := h.Suspend(ctx, "1001", 1, []string{"劳动合同", " "})
	if err != nil {
		t.Fatal(err)
	}
	if len(slip.Missing) != 1 || slip.Window != 1 || len(slip.SlipID) != 8 {
		t.Fatalf("slip %+v", slip)
	}
	// The slip is valid 7 days counting today, to the end of the 7th day.
	if want := time.Date(2026, 12, 2, 23, 59, 59, 0, shanghai); !slip.ValidUntil.Equal(want) {
		t.Fatalf("valid until %v, want %v", slip.ValidUntil, want)
	}
	// Express for D004, asked at window 2, approved by the director.
	x, err := h.RequestExpress(ctx, "1002", 2, d.ID, "行动不便")
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.RequestExpress(ctx, "1002", 2, d.ID, "again")
	wantCode(t, err, "express_pending")
	if _, err := h.ApproveExpress(ctx, "9001", x.ID); err != nil {
		t.Fatal(err)
	}
	_, err = h.DenyExpress(ctx, "9001", x.ID, "")
	wantCode(t, err, "already_decided")
	// The citizen comes back with the slip, typed in lower case.
	if _, err := h.ReturnSlip(ctx, "kiosk-1", " "+lower(slip.SlipID)); err != nil {
		t.Fatal(err)
	}
	_, err = h.ReturnSlip(ctx, "kiosk-1", slip.SlipID)
	wantCode(t, err, "wrong_state")
	// Window 2 may not call the returned ticket: it belongs to window 1.
	if got := h.callNext("1002", 2); got.ID != d.ID {
		t.Fatalf("window 2 called %s, want the express %s", got.Number, d.Number)
	}
	if got := h.callNext("1001", 1); got.ID != a.ID {
		t.Fatalf("window 1 called %s, want the returned %s", got.Number, a.Number)
	}
	h.finish("1001", 1)
	if got := h.callNext("1001", 1); got.ID != b.ID {
		t.Fatalf("then %s, want %s", got.Number, b.Number)
	}
	_ = c
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func TestEngine_SlipAcrossDays(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	a := h.issue("employment")
	h.callNext("1001", 1)
	slip, err := h.Suspend(ctx, "1001", 1, []string{"户口簿"})
	if err != nil {
		t.Fatal(err)
	}
	h.issue("employment") // A002, cancelled at day's end
	h.clock.Set(at(9, 0).AddDate(0, 0, 2))
	today := h.issue("employment") // A001 of the new day
	h.signIn("1001", 1)            // window 1 is open again: the slip goes straight back there
	v, err := h.ReturnSlip(ctx, "kiosk-1", slip.SlipID)
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != a.ID || v.Number != "A002" || !v.Return || v.ForWindow != 1 || v.ForWindowName != "1号窗口" {
		t.Fatalf("returned ticket %+v: want the old id with today's next number A002", v)
	}
	if got := h.callNext("1001", 1); got.ID != a.ID {
		t.Fatalf("called %s, want the returned ticket first", got.Number)
	}
	_ = today
	// A slip past its days is refused.
	h.finish("1001", 1)
	h.callNext("1001", 1)
	slip2, _ := h.Suspend(ctx, "1001", 1, []string{"照片"})
	h.clock.Add(6*24*time.Hour + 15*time.Hour) // day 7, 00:00
	_, err = h.ReturnSlip(ctx, "kiosk-1", slip2.SlipID)
	wantCode(t, err, "slip_expired")
}

func TestEngine_NoShowRequeuedOnce(t *testing.T) {
	h := newHall(t, nil) // demo: NoShowRequeue 1
	h.signIn("1001", 1)
	a := h.issue("employment")
	b := h.issue("employment")
	h.callNext("1001", 1)
	if v, err := h.NoShow(ctx, "1001", 1); err != nil || v.State != queue.TicketWaiting {
		t.Fatalf("first no-show: %+v %v", v, err)
	}
	if got := h.callNext("1001", 1); got.ID != b.ID {
		t.Fatal("the skipped ticket goes to the end of the queue")
	}
	h.finish("1001", 1)
	if got := h.callNext("1001", 1); got.ID != a.ID {
		t.Fatal("then the skipped ticket again")
	}
	if v, err := h.NoShow(ctx, "1001", 1); err != nil || v.State != queue.TicketNoShow {
		t.Fatalf("second no-show: %+v %v", v, err)
	}
	_, err := h.CallNext(ctx, "1001", 1)
	wantCode(t, err, "queue_empty")
}

func TestEngine_TransferKeepsWait(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1003", 3)
	b := h.issue("unemployment") // B001 at 09:00
	a := h.issue("employment")
	h.clock.Add(30 * time.Minute)
	b2 := h.issue("unemployment") // B002 at 09:30
	h.callNext("1001", 1)         // A001
	if _, err := h.Transfer(ctx, "1001", 1, "unemployment", 0); err != nil {
		t.Fatal(err)
	}
	v, _ := h.Ticket(ctx, a.ID)
	if v.State != queue.TicketTransferred || v.Service != "unemployment" || v.Position != 2 {
		t.Fatalf("transferred ticket %+v: want 2nd in unemployment", v)
	}
	for _, want := range []queue.TicketView{b, a, b2} {
		if got := h.callNext("1003", 3); got.ID != want.ID {
			t.Fatalf("called %s, want %s", got.Number, want.Number)
		}
		h.finish("1003", 3)
	}
	// To one window (open, serving the service): only that window may call it.
	c := h.issue("employment")
	h.callNext("1001", 1)
	if _, err := h.Transfer(ctx, "1001", 1, "unemployment", 3); err != nil {
		t.Fatal(err)
	}
	h.signIn("1002", 2)
	_, err := h.CallNext(ctx, "1002", 2)
	wantCode(t, err, "queue_empty")
	if got := h.callNext("1003", 3); got.ID != c.ID {
		t.Fatal("window 3 calls the ticket sent to it")
	}
}

func TestEngine_BackupThresholds(t *testing.T) {
	cfg := queue.Demo()
	h := newHall(t, cfg)
	h.signIn("1003", 3) // window 3: unemployment A, employment B (opens at 12, closes at 4)
	var ids []string
	for i := range 11 {
		ids = append(ids, h.issue("employment").ID)
		if i < 10 {
			_, err := h.CallNext(ctx, "1003", 3)
			wantCode(t, err, "queue_empty")
		}
	}
	if got := countType(h.events(0), queue.EvBackupOpened); got != 0 {
		t.Fatalf("backup opened at 11 waiting")
	}
	s0 := h.seq()
	h.issue("employment") // the 12th
	evs := h.events(s0)
	if len(evs) != 2 || evs[1].Type != queue.EvBackupOpened || evs[1].Service != "employment" || evs[1].Waiting != 12 {
		t.Fatalf("12th ticket: events %v", evs)
	}
	// Window 3 now serves employment as B. Hysteresis: it stays open down to 4.
	for range 7 {
		h.callNext("1003", 3)
		h.finish("1003", 3)
	}
	if got := countType(h.events(s0), queue.EvBackupClosed); got != 0 {
		t.Fatal("closed above the lower threshold")
	}
	h.callNext("1003", 3) // 12 - 8 = 4 waiting: closes
	h.finish("1003", 3)
	if got := countType(h.events(s0), queue.EvBackupClosed); got != 1 {
		t.Fatalf("backup_closed %d times, want 1", got)
	}
	_, err := h.CallNext(ctx, "1003", 3)
	wantCode(t, err, "queue_empty")
	// By hand: the director opens it; thresholds do not close it.
	if _, err := h.SetBackup(ctx, "9001", "employment", true); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		h.callNext("1003", 3)
		h.finish("1003", 3)
	}
	if w, _ := h.Windows(ctx); len(w[2].BackupActive) != 1 {
		t.Fatalf("manual backup closed by threshold: %+v", w[2])
	}
	if _, err := h.SetBackup(ctx, "9001", "employment", false); err != nil {
		t.Fatal(err)
	}
	_, err = h.SetBackup(ctx, "9001", "nope", true)
	wantCode(t, err, "unknown_service")
	_ = ids
}

func countType(evs []queue.Event, typ queue.EventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestEngine_TemporaryWindow(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1009", 9)
	a := h.issue("employment")
	_, err := h.CallNext(ctx, "1009", 9)
	wantCode(t, err, "queue_empty")
	if _, err := h.OpenTemporary(ctx, "9001", 9, []string{"employment"}); err != nil {
		t.Fatal(err)
	}
	if got := h.callNext("1009", 9); got.ID != a.ID {
		t.Fatal("temporary window calls employment")
	}
	h.finish("1009", 9)
	if _, err := h.OpenTemporary(ctx, "9001", 9, nil); err != nil {
		t.Fatal(err)
	}
	h.issue("employment")
	_, err = h.CallNext(ctx, "1009", 9)
	wantCode(t, err, "queue_empty")
}

func TestEngine_AfterHours(t *testing.T) {
	cfg := queue.Demo()
	cfg.Hall.Open, cfg.Hall.Close, cfg.Hall.IssueCutoff = "08:30", "17:30", "17:00"
	cfg.Services[5].IssueCutoff = "16:00" // consult stops earlier
	h := newHall(t, cfg)
	h.clock.Set(at(8, 29))
	_, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment"})
	wantCode(t, err, "issuing_closed")
	h.clock.Set(at(16, 59))
	h.issue("employment")
	h.issue("employment")
	_, err = h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "consult"})
	wantCode(t, err, "issuing_closed")
	h.signIn("1001", 1)
	h.clock.Set(at(17, 0))
	s0 := h.seq()
	_, err = h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment"})
	wantCode(t, err, "issuing_closed")
	if svcs, _ := h.Services(ctx); svcs[0].Issuing {
		t.Fatal("service shows issuing after the cut-off")
	}
	h.callNext("1001", 1) // calling goes on
	h.finish("1001", 1)
	_, err = h.SignOut(ctx, "1001", 1)
	wantCode(t, err, "tickets_waiting")
	if _, err := h.AllowSignout(ctx, "9001", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := h.SignOut(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	// Before the cut-off, signing out with tickets waiting is a break, allowed.
	h.clock.Set(at(18, 0).AddDate(0, 0, 1))
	h.clock.Set(at(10, 0).AddDate(0, 0, 1))
	h.issue("employment")
	h.signIn("1001", 1)
	if _, err := h.SignOut(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	_ = s0
}

func TestEngine_ABPosts(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1) // A-post of window 1; 1002 and 1011 hold its B-post
	s0 := h.seq()
	if _, err := h.SetWhereabouts(ctx, "1001", queue.Meeting, "局务会"); err != nil {
		t.Fatal(err)
	}
	evs := h.events(s0)
	if len(evs) != 2 || evs[1].Type != queue.EvCoverNeeded || evs[1].Window != 1 || len(evs[1].Cover) != 2 {
		t.Fatalf("events %+v", evs)
	}
	if w, _ := h.Windows(ctx); w[0].State != "away" || !w[0].Uncovered {
		t.Fatalf("window 1 %+v", w[0])
	}
	// Someone without the B-post may not take the window.
	_, err := h.SignIn(ctx, "1003", 1)
	wantCode(t, err, "window_taken")
	h.clock.Add(7 * time.Minute)
	h.signIn("1011", 1) // the B-post holder covers
	evs = h.events(s0)
	last := evs[len(evs)-1]
	if last.Type != queue.EvPostCovered || last.UncoveredS != 420 || last.Staff != "1011" {
		t.Fatalf("last event %+v", last)
	}
	if w, _ := h.Windows(ctx); w[0].Staff.JobNo != "1011" || w[0].Uncovered {
		t.Fatalf("window 1 %+v", w[0])
	}
	_, err = h.SetWhereabouts(ctx, "1001", "lunch", "")
	wantCode(t, err, "invalid_input")
}

func TestEngine_RefusalAndCases(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.issue("employment")
	h.issue("employment")
	h.callNext("1001", 1)
	_, err := h.Reject(ctx, "1001", 1, "不符合条件", "")
	wantCode(t, err, "invalid_input")
	r, err := h.Reject(ctx, "1001", 1, "不符合就业登记条件", "《就业服务与就业管理规定》第六十二条")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := h.Pending(ctx)
	if len(p.Refusals) != 1 || p.Refusals[0].Staff != "1001" {
		t.Fatalf("pending %+v", p)
	}
	if _, err := h.AckRefusal(ctx, "9001", r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = h.AckRefusal(ctx, "9001", r.ID)
	wantCode(t, err, "already_decided")
	// A matter finished later, on Thursday 26 November 2026: due at the end
	// of the service's 5th committed working day after it, Thursday 3
	// December (the weekend does not count).
	h.callNext("1001", 1)
	if _, err := h.Start(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Finish(ctx, "1001", 1, queue.FinishOptions{DueDefault: true}); err != nil {
		t.Fatal(err)
	}
	p, _ = h.Pending(ctx)
	if len(p.Cases) != 1 || !p.Cases[0].Due.Equal(time.Date(2026, 12, 3, 23, 59, 59, 0, shanghai)) {
		t.Fatalf("cases %+v", p.Cases)
	}
	s0 := h.seq()
	h.clock.Set(time.Date(2026, 12, 2, 23, 59, 0, 0, shanghai))
	if err := h.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if countType(h.events(s0), queue.EvCaseWarned) != 0 {
		t.Fatal("warned too early")
	}
	h.clock.Set(time.Date(2026, 12, 3, 0, 0, 0, 0, shanghai))
	h.Tick(ctx)
	h.Tick(ctx)
	if n := countType(h.events(s0), queue.EvCaseWarned); n != 1 {
		t.Fatalf("warned %d times", n)
	}
	if _, err := h.CaseDone(ctx, "1001", p.Cases[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if p, _ = h.Pending(ctx); len(p.Cases) != 0 {
		t.Fatal("done case still pending")
	}
}

func TestEngine_RatingsAndPersons(t *testing.T) {
	cfg := queue.Demo()
	cfg.Rules.PersonDailyLimit = 2
	h := newHall(t, cfg)
	h.signIn("1001", 1)
	_, err := h.Rate(ctx, "evaluator", 1, 4, "")
	wantCode(t, err, "nothing_to_rate")
	for range 2 {
		if _, err := h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", IDNo: "11010519491231002x"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "consult", IDNo: "11010519491231002X"})
	wantCode(t, err, "person_limit")
	_, err = h.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "consult", IDNo: "12345"})
	wantCode(t, err, "invalid_id_no")
	for _, e := range h.events(0) {
		if e.IDHash != "" && (len(e.IDHash) != 64 || e.IDHash == "11010519491231002X") {
			t.Fatalf("id stored as %q", e.IDHash)
		}
	}
	h.callNext("1001", 1)
	h.finish("1001", 1)
	_, err = h.Rate(ctx, "evaluator", 1, 6, "")
	wantCode(t, err, "invalid_input")
	if v, err := h.Rate(ctx, "evaluator", 1, 4, ""); err != nil || v.Rating != 4 {
		t.Fatalf("rate: %+v %v", v, err)
	}
	_, err = h.Rate(ctx, "evaluator", 1, 3, "")
	wantCode(t, err, "already_rated")
}

// TestEngine_Refused walks every illegal action: each answers its code and
// leaves the state as it was, to the byte.
func TestEngine_Refused(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1009", 9)
	waiting := h.issue("employment")
	h.issue("consult")
	consult := h.issue("consult")
	h.callNext("1009", 9) // window 9 holds F001, called
	cases := []struct {
		name string
		code string
		do   func() error
	}{
		{"unknown service", "unknown_service", func() error {
			_, err := h.IssueTicket(ctx, "k", queue.IssueRequest{Service: "nope"})
			return err
		}},
		{"bad channel", "invalid_input", func() error {
			_, err := h.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment", Channel: "fax"})
			return err
		}},
		{"unknown priority", "invalid_input", func() error {
			_, err := h.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment", Priority: "vip"})
			return err
		}},
		{"call next not signed in", "not_signed_in", func() error { _, err := h.CallNext(ctx, "1002", 1); return err }},
		{"call next unknown window", "unknown_window", func() error { _, err := h.CallNext(ctx, "1001", 77); return err }},
		{"call next with a ticket in hand", "window_busy", func() error { _, err := h.CallNext(ctx, "1009", 9); return err }},
		{"call a ticket of another service", "not_served_here", func() error { _, err := h.Call(ctx, "1001", 1, consult.ID); return err }},
		{"call a ticket in hand elsewhere", "window_busy", func() error { _, err := h.Call(ctx, "1009", 9, waiting.ID); return err }},
		{"call an unknown ticket", "unknown_ticket", func() error { _, err := h.Call(ctx, "1001", 1, "nope"); return err }},
		{"recall with nothing in hand", "no_current_ticket", func() error { _, err := h.Recall(ctx, "1001", 1); return err }},
		{"start with nothing in hand", "no_current_ticket", func() error { _, err := h.Start(ctx, "1001", 1); return err }},
		{"finish with nothing in hand", "no_current_ticket", func() error { _, err := h.Finish(ctx, "1001", 1, queue.FinishOptions{}); return err }},
		{"finish due in the past", "invalid_input", func() error {
			_, err := h.Finish(ctx, "1009", 9, queue.FinishOptions{Due: at(8, 0)})
			return err
		}},
		{"finish due default, service without case days", "invalid_input", func() error {
			_, err := h.Finish(ctx, "1009", 9, queue.FinishOptions{DueDefault: true})
			return err
		}},
		{"no-show with nothing in hand", "no_current_ticket", func() error { _, err := h.NoShow(ctx, "1001", 1); return err }},
		{"transfer nowhere", "invalid_input", func() error { _, err := h.Transfer(ctx, "1009", 9, "", 0); return err }},
		{"transfer to unknown service", "unknown_service", func() error { _, err := h.Transfer(ctx, "1009", 9, "x", 0); return err }},
		{"transfer to unknown window", "unknown_window", func() error { _, err := h.Transfer(ctx, "1009", 9, "", 99); return err }},
		{"suspend without materials", "invalid_input", func() error { _, err := h.Suspend(ctx, "1009", 9, []string{" "}); return err }},
		{"suspend with nothing in hand", "no_current_ticket", func() error { _, err := h.Suspend(ctx, "1001", 1, []string{"x"}); return err }},
		{"reject without reason", "invalid_input", func() error { _, err := h.Reject(ctx, "1009", 9, "", "basis"); return err }},
		{"return unknown slip", "unknown_slip", func() error { _, err := h.ReturnSlip(ctx, "k", "NOPE"); return err }},
		{"express without reason", "invalid_input", func() error { _, err := h.RequestExpress(ctx, "1009", 9, "", ""); return err }},
		{"express for unknown ticket", "unknown_ticket", func() error { _, err := h.RequestExpress(ctx, "1001", 1, "nope", "r"); return err }},
		{"express with nothing in hand", "no_current_ticket", func() error { _, err := h.RequestExpress(ctx, "1001", 1, "", "r"); return err }},
		{"approve unknown express", "unknown_express", func() error { _, err := h.ApproveExpress(ctx, "9001", "nope"); return err }},
		{"rate at unknown window", "unknown_window", func() error { _, err := h.Rate(ctx, "e", 99, 4, ""); return err }},
		{"sign in at a taken window", "window_taken", func() error { _, err := h.SignIn(ctx, "1002", 1); return err }},
		{"sign in unknown staff", "unknown_staff", func() error { _, err := h.SignIn(ctx, "4242", 2); return err }},
		{"move window with a ticket in hand", "window_busy", func() error { _, err := h.SignIn(ctx, "1009", 10); return err }},
		{"sign out with a ticket in hand", "window_busy", func() error { _, err := h.SignOut(ctx, "1009", 9); return err }},
		{"sign out elsewhere", "not_signed_in", func() error { _, err := h.SignOut(ctx, "1001", 2); return err }},
		{"whereabouts unknown staff", "unknown_staff", func() error { _, err := h.SetWhereabouts(ctx, "4242", "break", ""); return err }},
		{"ack unknown refusal", "unknown_refusal", func() error { _, err := h.AckRefusal(ctx, "9001", "x"); return err }},
		{"unknown case", "unknown_case", func() error { _, err := h.CaseDone(ctx, "1001", "x", true); return err }},
		{"device bad status", "invalid_input", func() error { _, err := h.ReportDevice(ctx, "agent", "printer", "melted", "", nil); return err }},
		{"temporary unknown service", "unknown_service", func() error { _, err := h.OpenTemporary(ctx, "9001", 1, []string{"x"}); return err }},
		{"allow signout unknown window", "unknown_window", func() error { _, err := h.AllowSignout(ctx, "9001", 0); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := h.state()
			wantCode(t, c.do(), c.code)
			if after := h.state(); after != before {
				t.Fatal("state changed")
			}
		})
	}
	// Start, then wrong-state actions on a serving ticket.
	if _, err := h.Start(ctx, "1009", 9); err != nil {
		t.Fatal(err)
	}
	for name, do := range map[string]func() error{
		"recall while serving":  func() error { _, err := h.Recall(ctx, "1009", 9); return err },
		"no-show while serving": func() error { _, err := h.NoShow(ctx, "1009", 9); return err },
		"start twice":           func() error { _, err := h.Start(ctx, "1009", 9); return err },
	} {
		t.Run(name, func(t *testing.T) {
			before := h.state()
			wantCode(t, do(), "wrong_state")
			if h.state() != before {
				t.Fatal("state changed")
			}
		})
	}
}

// TestEngine_RestartSameState restarts the engine on the same file at several
// points and checks that the folded state is identical, with and without the
// snapshot.
func TestEngine_RestartSameState(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1003", 3)
	for i := range 30 {
		h.issue([]string{"employment", "unemployment", "consult"}[i%3])
	}
	h.callNext("1001", 1)
	h.Suspend(ctx, "1001", 1, []string{"照片"})
	h.callNext("1001", 1)
	h.Start(ctx, "1001", 1)
	h.callNext("1003", 3)
	h.SetWhereabouts(ctx, "1002", queue.Break, "")
	x, _ := h.RequestExpress(ctx, "1003", 3, "", "孕妇")
	h.ApproveExpress(ctx, "9001", x.ID)
	before := h.state()
	h.restart()
	if after := h.state(); after != before {
		t.Fatalf("state after restart differs:\n%s\n%s", before, after)
	}
	// The fold of every event from the start gives the same state too.
	evs := h.events(0)
	h.clock.Add(time.Hour)
	h.finish("1001", 1)
	before = h.state()
	h.restart()
	if after := h.state(); after != before {
		t.Fatal("state after second restart differs")
	}
	if evs[0].Seq != 1 {
		t.Fatal("events start at 1")
	}
	for i, e := range h.events(0) {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
}

func TestEngine_BackupFileMatches(t *testing.T) {
	h := newHall(t, nil)
	for range 20 {
		h.issue("employment")
	}
	want := h.state()
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := h.store.BackupFile(copyPath); err != nil {
		t.Fatal(err)
	}
	st, err := bolt.Open(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	e, err := queue.Open(st, queue.Options{Clock: h.clock, IDKey: []byte("test-key")})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	e.View(ctx, func(s *queue.State) error { got, _ = json.Marshal(s); return nil })
	e.Close()
	st.Close()
	if string(got) != want {
		t.Fatalf("the backup's state differs:\n%s\n%s", want, got)
	}
}

func TestEngine_ConcurrentIssueGroupCommit(t *testing.T) {
	h := newHall(t, nil)
	issueConcurrently(t, h.Engine, 64, 20)
}

func TestEngine_Config(t *testing.T) {
	bad := queue.Demo()
	bad.Windows[0].ServicesB = []string{"nope"}
	var ce *queue.ConfigError
	if err := bad.Validate(); !errors.As(err, &ce) || ce.Path != "windows[0].services_b" {
		t.Fatalf("got %v", err)
	}
	h := newHall(t, nil)
	cfg, _ := h.Config(ctx)
	cfg.Hall.Notice = "今日系统维护"
	s0 := h.seq()
	if err := h.ChangeConfig(ctx, "9999", cfg); err != nil {
		t.Fatal(err)
	}
	if evs := h.events(s0); len(evs) != 1 || evs[0].Type != queue.EvConfigChanged || evs[0].Config.Staff[0].PasswordHash != "" {
		t.Fatalf("config event %+v", evs)
	}
	if hv, _ := h.Hall(ctx); hv.Notice != "今日系统维护" {
		t.Fatal("notice not changed")
	}
}

// sinkRecorder records what a sink is given.
type sinkRecorder struct {
	mu   sync.Mutex // guards seqs
	seqs []uint64
}

func (r *sinkRecorder) Publish(evs []queue.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range evs {
		r.seqs = append(r.seqs, e.Seq)
	}
}

// TestEngine_AddSinkUnderLoad adds a sink while writes stream in: it must get
// exactly the events after the seq AddSink returned, in order.
func TestEngine_AddSinkUnderLoad(t *testing.T) {
	h := newHall(t, nil)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				h.IssueTicket(ctx, "k", queue.IssueRequest{Service: "consult"})
			}
		})
	}
	var recs []*sinkRecorder
	var froms []uint64
	for range 20 {
		r := &sinkRecorder{}
		from, err := h.AddSink(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		recs, froms = append(recs, r), append(froms, from)
	}
	close(stop)
	wg.Wait()
	last := h.seq()
	h.close() // all published
	for i, r := range recs {
		want := froms[i] + 1
		for _, s := range r.seqs {
			if s != want {
				t.Fatalf("sink %d (from %d): got seq %d, want %d", i, froms[i], s, want)
			}
			want++
		}
		if want != last+1 {
			t.Fatalf("sink %d ends at %d, last is %d", i, want-1, last)
		}
	}
}

// issueConcurrently issues each tickets from each of callers goroutines at
// once, and checks that every one was acknowledged with a number of its own.
func issueConcurrently(t *testing.T, e *queue.Engine, callers, each int) {
	t.Helper()
	var wg sync.WaitGroup
	numbers := make(chan string, callers*each)
	for range callers {
		wg.Go(func() {
			for range each {
				v, err := e.IssueTicket(ctx, "k", queue.IssueRequest{Service: "employment"})
				if err != nil {
					t.Error(err)
					return
				}
				numbers <- v.Number
			}
		})
	}
	wg.Wait()
	close(numbers)
	seen := map[string]bool{}
	for n := range numbers {
		if seen[n] {
			t.Fatalf("number %s issued twice", n)
		}
		seen[n] = true
	}
	if len(seen) != callers*each {
		t.Fatalf("%d tickets acknowledged, want %d", len(seen), callers*each)
	}
}
