package report_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
	"qcall/queue/report"
)

var cst = time.FixedZone("CST", 8*3600)

// at is 2026-11-02 (a Monday) at hh:mm, hall time.
func at(hh, mm int) time.Time { return time.Date(2026, 11, 2, hh, mm, 0, 0, cst) }

// hall is a demo hall on a real bbolt file with a manual clock, and its
// rollups.
type hall struct {
	t     *testing.T
	clock *queue.ManualClock
	eng   *queue.Engine
	store *bolt.DB
	rep   *report.Rollups
}

func openHall(t *testing.T) *hall {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "qcall.db"))
	if err != nil {
		t.Fatal(err)
	}
	clock := queue.NewManualClock(at(8, 0))
	cfg := queue.Demo()
	cfg.Rules.NoShowRequeue = 0 // a no-show leaves the queue
	// The service level is measured against each service's committed wait
	// (服务承诺): the hand-computed figures take it as the service's limit_s.
	for i := range cfg.Services {
		cfg.Services[i].Commitment = queue.Commitment{WaitMin: cfg.Services[i].LimitS / 60}
	}
	eng, err := queue.Open(store, queue.Options{Config: cfg, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Open(context.Background(), eng, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &hall{t: t, clock: clock, eng: eng, store: store, rep: rep}
	t.Cleanup(func() {
		rep.Close()
		if err := eng.Close(); err != nil {
			t.Error(err)
		}
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// do sets the clock to hh:mm and runs fn, failing the test on its error.
func (h *hall) do(hh, mm int, what string, fn func(ctx context.Context) error) {
	h.t.Helper()
	h.clock.Set(at(hh, mm))
	if err := fn(context.Background()); err != nil {
		h.t.Fatalf("%02d:%02d %s: %v", hh, mm, what, err)
	}
}

func (h *hall) issue(hh, mm int, svc string) queue.TicketView {
	h.t.Helper()
	var v queue.TicketView
	h.do(hh, mm, "issue "+svc, func(ctx context.Context) (err error) {
		v, err = h.eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: svc, Channel: "kiosk"})
		return err
	})
	return v
}

func (h *hall) call(hh, mm int, staff string, window int, want string) {
	h.t.Helper()
	h.do(hh, mm, "call", func(ctx context.Context) error {
		v, err := h.eng.CallNext(ctx, staff, window)
		if err == nil && v.Number != want {
			h.t.Fatalf("%02d:%02d window %d called %s, want %s", hh, mm, window, v.Number, want)
		}
		return err
	})
}

func (h *hall) start(hh, mm int, staff string, window int) {
	h.t.Helper()
	h.do(hh, mm, "start", func(ctx context.Context) error { _, err := h.eng.Start(ctx, staff, window); return err })
}

func (h *hall) finish(hh, mm int, staff string, window int) {
	h.t.Helper()
	h.do(hh, mm, "finish", func(ctx context.Context) error {
		_, err := h.eng.Finish(ctx, staff, window, queue.FinishOptions{})
		return err
	})
}

// rate gives the evaluator of window a rating.
func (h *hall) rate(hh, mm, window, score int, reason string) {
	h.t.Helper()
	h.do(hh, mm, "rate", func(ctx context.Context) error {
		_, err := h.eng.Rate(ctx, "evaluator", window, score, reason)
		return err
	})
}

// whereabouts sets where staff is (queue.Break, queue.OnDuty).
func (h *hall) whereabouts(hh, mm int, staff, status string) {
	h.t.Helper()
	h.do(hh, mm, status, func(ctx context.Context) error { _, err := h.eng.SetWhereabouts(ctx, staff, status, ""); return err })
}

// current brings the hall's rollups up to its last event.
func (h *hall) current() {
	h.t.Helper()
	if err := h.rep.Current(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// reopen opens other rollups on the hall's engine, from the snapshot at
// snap ("" for none), brought up to the last event; the caller closes them
// (which writes their snapshot).
func (h *hall) reopen(snap string) *report.Rollups {
	h.t.Helper()
	r, err := report.Open(context.Background(), h.eng, report.Options{Snapshot: snap})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := r.Current(context.Background()); err != nil {
		r.Close()
		h.t.Fatal(err)
	}
	return r
}

// checkSame fails the test where other folds November to other figures
// than the hall's own rollups, grouped each way of bys.
func (h *hall) checkSame(what string, other *report.Rollups, bys ...report.By) {
	h.t.Helper()
	month, _ := report.MonthPeriod("2026-11")
	for _, by := range bys {
		a, b := h.rep.Stats(month, by, ""), other.Stats(month, by, "")
		if len(a.Rows) != len(b.Rows) {
			h.t.Fatalf("by %s: %d rows live, %d %s", by, len(a.Rows), len(b.Rows), what)
		}
		for i := range a.Rows {
			checkFigures(h.t, what+", by "+string(by)+" "+a.Rows[i].Key, figures(b.Rows[i]), figures(a.Rows[i]))
		}
	}
}

// smallDay builds the hall day of docs/reports.md's worked example (every
// time below is the one the expected figures are computed from):
//
//	09:00 A001, 09:01 A002, 09:02 A003, 09:05 B001 issued
//	09:10 window 1 (1001) calls A001 (wait 600 s), 09:11 starts, 09:21 finishes (service 660 s from the call), 09:22 rated 4
//	09:25 calls A002 (1440 s), 09:27 no-show
//	09:30 calls A003 (1680 s), starts, 09:35 finishes with a case (300 s), not rated
//	10:00 window 3 (1003) calls B001 (3300 s, over unemployment's 2400 s), starts, 10:10 transfers it to employment
//	10:20 window 1 calls B001 (600 s since the transfer), finishes at once (service 0 s), 10:21 rated 1
//	10:30 the case is done (on time)
//	11:00 1001 on a break (A-post of window 1 uncovered), 11:15 back: 900 s uncovered
//	11:30 A004 issued, 11:31 called (60 s), 11:32 return slip; 11:40 back, 11:41 called (60 s), 11:42 refused
//	11:50 A005 issued, express asked by window 1; 11:51 approved by the director
func smallDay(t *testing.T) *hall {
	h := openHall(t)
	h.do(9, 0, "sign in", func(ctx context.Context) error {
		if _, err := h.eng.SignIn(ctx, "1001", 1); err != nil {
			return err
		}
		_, err := h.eng.SignIn(ctx, "1003", 3)
		return err
	})
	h.issue(9, 0, "employment")
	h.issue(9, 1, "employment")
	h.issue(9, 2, "employment")
	h.issue(9, 5, "unemployment")
	h.call(9, 10, "1001", 1, "A001")
	h.start(9, 11, "1001", 1)
	h.finish(9, 21, "1001", 1)
	h.rate(9, 22, 1, 4, "")
	h.call(9, 25, "1001", 1, "A002")
	h.do(9, 27, "no-show", func(ctx context.Context) error { _, err := h.eng.NoShow(ctx, "1001", 1); return err })
	h.call(9, 30, "1001", 1, "A003")
	h.start(9, 30, "1001", 1)
	var caseID string
	h.do(9, 35, "finish with a case", func(ctx context.Context) error {
		if _, err := h.eng.Finish(ctx, "1001", 1, queue.FinishOptions{Due: at(17, 0)}); err != nil {
			return err
		}
		evs, err := h.eng.Events(0, 1000)
		for _, e := range evs {
			if e.Case != "" {
				caseID = e.Case
			}
		}
		return err
	})
	h.call(10, 0, "1003", 3, "B001")
	h.start(10, 0, "1003", 3)
	h.do(10, 10, "transfer", func(ctx context.Context) error {
		_, err := h.eng.Transfer(ctx, "1003", 3, "employment", 0)
		return err
	})
	h.call(10, 20, "1001", 1, "B001")
	h.finish(10, 20, "1001", 1)
	h.rate(10, 21, 1, 1, "")
	h.do(10, 30, "case done", func(ctx context.Context) error { _, err := h.eng.CaseDone(ctx, "1001", caseID, true); return err })
	h.whereabouts(11, 0, "1001", queue.Break)
	h.whereabouts(11, 15, "1001", queue.OnDuty)
	h.issue(11, 30, "employment")
	h.call(11, 31, "1001", 1, "A004")
	var slip string
	h.do(11, 32, "suspend", func(ctx context.Context) error {
		v, err := h.eng.Suspend(ctx, "1001", 1, []string{"身份证"})
		slip = v.SlipID
		return err
	})
	h.do(11, 40, "return", func(ctx context.Context) error { _, err := h.eng.ReturnSlip(ctx, "kiosk-1", slip); return err })
	h.call(11, 41, "1001", 1, "A004")
	h.do(11, 42, "reject", func(ctx context.Context) error {
		_, err := h.eng.Reject(ctx, "1001", 1, "不符合条件", "《条例》第十条")
		return err
	})
	a5 := h.issue(11, 50, "employment")
	var x queue.ExpressRequest
	h.do(11, 50, "express", func(ctx context.Context) (err error) {
		x, err = h.eng.RequestExpress(ctx, "1001", 1, a5.ID, "行动不便")
		return err
	})
	h.do(11, 51, "approve", func(ctx context.Context) error { _, err := h.eng.ApproveExpress(ctx, "9001", x.ID); return err })
	h.current()
	return h
}

// figures returns a row's figures by key; null is -1.
func figures(r report.Row) map[string]float64 {
	m := map[string]float64{}
	for i, f := range report.Figures {
		if r.Values[i].OK {
			m[f.Key] = r.Values[i].Num
		} else {
			m[f.Key] = -1
		}
	}
	return m
}

// byKey returns the rows of s by key, as figures.
func byKey(s report.Stats) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, r := range s.Rows {
		out[r.Key] = figures(r)
	}
	return out
}

func checkFigures(t *testing.T, what string, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no figure %s", what, k)
			continue
		}
		if d := g - w; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: %s = %v, want %v", what, k, g, w)
		}
	}
}

func TestStats_SmallDay(t *testing.T) {
	h := smallDay(t)
	day, _ := report.ParsePeriod("2026-11-02", "2026-11-02")

	t.Run("total", func(t *testing.T) {
		s := h.rep.Stats(day, report.ByDay, "")
		if len(s.Rows) != 1 || s.Rows[0].Key != "2026-11-02" {
			t.Fatalf("rows %+v, want the one day", s.Rows)
		}
		want := map[string]float64{
			"issued": 6, "called": 7, "served": 3, "no_show": 1, "no_show_rate": 1.0 / 7,
			"transferred": 1, "suspended": 1, "returned": 1, "express": 1, "refused": 1,
			// waits 60 60 600 600 1440 1680 3300: sum 7740 / 7 = 1105.7
			"avg_wait_s": 1106, "median_wait_s": 600, "p90_wait_s": 3300, "max_wait_s": 3300,
			"within_limit_rate": 6.0 / 7,
			// service times, call to finish: 0 300 660 (sum 960)
			"avg_service_s": 320, "median_service_s": 300, "p90_service_s": 660, "max_service_s": 660,
			"rated_5": 0, "rated_4": 1, "rated_3": 0, "rated_2": 0, "rated_1": 1, "rated": 2,
			"appeals_upheld": 0, "satisfaction_rate": 0.5, "unrated": 1,
			"cases_done": 1, "cases_on_time": 1, "cases_on_time_rate": 1,
			"cover_gaps": 1, "cover_gap_s": 900,
			"complaints": 0, "spot_checked": 0, "spot_error_rate": -1,
		}
		checkFigures(t, "day", figures(s.Rows[0]), want)
		checkFigures(t, "total", figures(s.Total), want)
	})
	t.Run("by staff", func(t *testing.T) {
		s := h.rep.Stats(day, report.ByStaff, "")
		rows := map[string]report.Row{}
		for _, r := range s.Rows {
			rows[r.Key] = r
		}
		if len(s.Rows) != 3 || s.Rows[0].Key != "1001" || s.Rows[1].Key != "1003" || s.Rows[2].Key != "" {
			t.Fatalf("rows %v, want 1001, 1003 and the tickets no one called", s.Rows)
		}
		if rows["1001"].Label != "王芳" {
			t.Errorf("1001's label %q", rows["1001"].Label)
		}
		if en := h.rep.Stats(day, report.ByStaff, "en"); en.Rows[0].Label != "Wang Fang" {
			t.Errorf("1001's label in English %q", en.Rows[0].Label)
		}
		checkFigures(t, "1001", figures(rows["1001"]), map[string]float64{
			"issued": 0, "called": 6, "served": 3, "no_show": 1, "suspended": 1, "returned": 1, "refused": 1, "express": 1,
			"avg_wait_s": 740, "max_wait_s": 1680, "within_limit_rate": 1, "rated": 2, "unrated": 1, "cover_gap_s": 900, "cases_on_time": 1})
		checkFigures(t, "1003", figures(rows["1003"]), map[string]float64{
			"called": 1, "served": 0, "transferred": 1, "avg_wait_s": 3300, "within_limit_rate": 0, "avg_service_s": -1})
		checkFigures(t, "no one", figures(rows[""]), map[string]float64{"issued": 6, "called": 0})
	})
	t.Run("by service", func(t *testing.T) {
		s := h.rep.Stats(day, report.ByService, "en")
		got := byKey(s)
		checkFigures(t, "employment", got["employment"], map[string]float64{"issued": 5, "called": 6, "served": 3, "rated": 2})
		checkFigures(t, "unemployment", got["unemployment"], map[string]float64{"issued": 1, "called": 1, "served": 0, "transferred": 1})
		if s.Rows[0].Label != "Employment registration" {
			t.Errorf("English label %q", s.Rows[0].Label)
		}
	})
	t.Run("by hour", func(t *testing.T) {
		s := h.rep.Stats(day, report.ByHour, "")
		got := byKey(s)
		checkFigures(t, "09", got["09"], map[string]float64{"issued": 4, "called": 3, "served": 2, "no_show": 1})
		checkFigures(t, "10", got["10"], map[string]float64{"issued": 0, "called": 2, "served": 1, "cases_done": 1})
		checkFigures(t, "11", got["11"], map[string]float64{"issued": 2, "called": 2, "cover_gap_s": 900})
	})
	t.Run("by weekday and hour", func(t *testing.T) {
		s := h.rep.Stats(day, report.ByWeekdayHour, "")
		got := byKey(s)
		checkFigures(t, "Monday 09", got["1-09"], map[string]float64{"issued": 4})
		checkFigures(t, "Monday 11", got["1-11"], map[string]float64{"issued": 2})
	})
	t.Run("by window, week, month", func(t *testing.T) {
		w := h.rep.Stats(day, report.ByWindow, "")
		if len(w.Rows) != 3 || w.Rows[0].Key != "1" || w.Rows[1].Key != "3" || w.Rows[2].Key != "" || w.Rows[0].Label != "1号窗口" {
			t.Errorf("by window: %v", w.Rows)
		}
		month, _ := report.MonthPeriod("2026-11")
		if s := h.rep.Stats(month, report.ByWeek, ""); len(s.Rows) != 1 || s.Rows[0].Key != "2026-W45" {
			t.Errorf("by week: %v", s.Rows)
		}
		if s := h.rep.Stats(month, report.ByMonth, ""); len(s.Rows) != 1 || s.Rows[0].Key != "2026-11" {
			t.Errorf("by month: %v", s.Rows)
		}
	})
	t.Run("other days empty", func(t *testing.T) {
		p, _ := report.ParsePeriod("2026-11-03", "2026-11-30")
		s := h.rep.Stats(p, report.ByDay, "")
		if len(s.Rows) != 0 || figures(s.Total)["issued"] != 0 {
			t.Errorf("the days after have %v", s.Rows)
		}
	})
}

func TestEvaluation_SmallDay(t *testing.T) {
	h := smallDay(t)
	month, _ := report.MonthPeriod("2026-11")
	ev := h.rep.Evaluation(month, "")
	if ev.Weights != queue.DefaultEvaluation {
		t.Errorf("weights %+v, want the default", ev.Weights)
	}
	if len(ev.Staff) != 12 {
		t.Fatalf("%d staff rows, want the 12 window staff", len(ev.Staff))
	}
	top := ev.Staff[0]
	// 1001: served 3 of the busiest 3 → 30; satisfaction 1/2 → 15; all 6
	// calls within the wait → 20; the case on time → 20; 900 s uncovered =
	// 0.25 h → −0.25.
	want := report.EvalRow{Key: "1001", Label: "王芳", Served: 3, VolumePoints: 30, SatisfactionPoints: 15,
		ServiceLevelPoints: 20, CasesPoints: 20, CoverDeduction: 0.25, CoverGapS: 900, Total: 84.75, Rank: 1}
	top.SatisfactionRate, top.WithinLimitRate, top.CasesOnTimeRate = report.Value{}, report.Value{}, report.Value{}
	if top != want {
		t.Errorf("first row\n got %+v\nwant %+v", top, want)
	}
	// Nothing served: no points; everyone else ties second.
	for _, r := range ev.Staff[1:] {
		if r.Total != 0 || r.Rank != 2 {
			t.Errorf("row %s: total %v rank %d, want 0 and 2", r.Key, r.Total, r.Rank)
		}
	}
	if len(ev.Windows) != 10 || ev.Windows[0].Key != "1" || ev.Windows[0].Total != 84.75 || ev.Windows[1].Rank != 2 {
		t.Errorf("windows: %+v", ev.Windows[:2])
	}
}

func TestRatings_SmallDay(t *testing.T) {
	h := smallDay(t)
	day, _ := report.ParsePeriod("2026-11-02", "2026-11-02")
	got := h.rep.Ratings(day, "")
	if got.Len() != 2 {
		t.Fatalf("%d ratings, want 2", got.Len())
	}
	r := got.Row(0)
	if r.TransactionID != "20261102-A001" || r.ServiceCode != "employment" || r.ServiceName != "就业登记" ||
		r.JobNo != "1001" || r.StaffName != "王芳" || r.Window != 1 || r.Level != 4 || !r.At.Equal(at(9, 22)) {
		t.Errorf("first rating %+v", r)
	}
	if r := got.Row(1); r.TransactionID != "20261102-B001" || r.Level != 1 {
		t.Errorf("second rating %+v", r)
	}
	next, _ := report.ParsePeriod("2026-11-03", "2026-11-03")
	if n := h.rep.Ratings(next, "").Len(); n != 0 {
		t.Errorf("%d ratings the next day", n)
	}
}

// TestRollups_Rebuild: rollups opened on a hall that has run its day fold
// the stored events to the same figures as those kept up as they came.
func TestRollups_Rebuild(t *testing.T) {
	h := smallDay(t)
	again := h.reopen("")
	defer again.Close()
	h.checkSame("rebuilt", again, report.ByDay, report.ByStaff, report.ByService, report.ByWindow, report.ByHour)
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct{ from, to string }{
		{"2026-11-02", "2026-11-01"}, {"2026-13-01", "2026-12-01"}, {"", "2026-11-01"}, {"2000-01-01", "2026-01-01"},
	} {
		if _, err := report.ParsePeriod(tc.from, tc.to); queue.ErrorCode(err) != "bad_period" {
			t.Errorf("%s..%s: %v, want bad_period", tc.from, tc.to, err)
		}
	}
	for _, m := range []string{"2026-13", "2026", "x"} {
		if _, err := report.MonthPeriod(m); queue.ErrorCode(err) != "bad_period" {
			t.Errorf("month %s: %v", m, err)
		}
	}
	p, err := report.MonthPeriod("2026-02")
	if err != nil || p.String() != "2026-02-01..2026-02-28" {
		t.Errorf("February: %v %v", p, err)
	}
	if p, _ := report.YearPeriod("2028"); p.String() != "2028-01-01..2028-12-31" {
		t.Errorf("2028: %v", p)
	}
}

// TestRollups_Snapshot: rollups closed write their snapshot; rollups opened
// with it fold only what came after, to the same figures as those that saw
// every event; a snapshot that cannot be read is rebuilt from the log.
func TestRollups_Snapshot(t *testing.T) {
	h := smallDay(t)
	snap := filepath.Join(t.TempDir(), "reports.snap")
	if err := h.reopen(snap).Close(); err != nil {
		t.Fatal(err)
	}
	// More after the snapshot: A005 (express) called at 12:00 (wait 600 s).
	h.call(12, 0, "1001", 1, "A005")
	month, _ := report.MonthPeriod("2026-11")
	good, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x10
	for _, c := range []struct {
		name string
		file []byte
	}{{"good", good}, {"not a snapshot", []byte("not a snapshot")}, {"cut short", good[:len(good)/2]}, {"a bit flipped", flipped}} {
		damage := c.name
		if err := os.WriteFile(snap, c.file, 0o600); err != nil {
			t.Fatal(err)
		}
		again := h.reopen(snap)
		h.current()
		h.checkSame("from the snapshot ("+damage+")", again, report.ByDay, report.ByStaff, report.ByHour)
		if got := figures(again.Stats(month, report.ByDay, "").Total)["called"]; got != 8 {
			t.Errorf("%s: %v calls, want 8", damage, got)
		}
		if err := again.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// followupOf is the id of the follow-up of ticket number.
func (h *hall) followupOf(number string) string {
	h.t.Helper()
	evs, err := h.eng.Events(0, 100000)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range evs {
		if e.Type == queue.EvFollowupOpened && e.Followup.Number == number {
			return e.Followup.ID
		}
	}
	h.t.Fatalf("no follow-up of %s", number)
	return ""
}

// directorDay adds the director's workflows to smallDay (middle runs
// half-way, after 13:50):
//
//	10:21 the rating 1 of B001 (1001, window 1) opened a follow-up, due Monday 2026-11-09
//	11:55 window 1 calls A005 (300 s), 12:05 finishes it, 12:06 rated 2 (a second follow-up)
//	12:10 1001 appeals the first; 12:15 the director upholds the appeal: the rating leaves the satisfaction rate
//	12:20 the director closes the first follow-up (on time)
//	13:00 a complaint naming 1001 at window 1; 13:05 a suggestion naming 1001 (no complaint);
//	13:10 a complaint naming 1003 at window 3; 13:30 the first closed upheld, 13:40 the second not
//	13:50 1003 on a break (A-post of window 3 uncovered) — middle — 14:20 back: 1800 s, 600 in hour 13 and 1200 in hour 14
//	15:00 the month's spot check draws every ticket finished (A001, A003, B001, A005, all 1001's);
//	15:01 A001 correct, 15:02 A003 wrong, 15:03 B001 wrong, 15:04 B001 corrected to correct; A005 not checked
//	2026-11-10 09:00 the second follow-up closed, a day late
func directorDay(t *testing.T, middle func(h *hall)) *hall {
	h := smallDay(t)
	fu := h.followupOf("B001")
	h.call(11, 55, "1001", 1, "A005")
	h.finish(12, 5, "1001", 1)
	h.rate(12, 6, 1, 2, "efficiency")
	h.do(12, 10, "appeal", func(ctx context.Context) error {
		_, err := h.eng.AppealFollowup(ctx, "1001", fu, "评价器误按")
		return err
	})
	h.do(12, 15, "uphold", func(ctx context.Context) error {
		_, err := h.eng.DecideAppeal(ctx, "9001", fu, true, "监控核实")
		return err
	})
	h.do(12, 20, "close follow-up", func(ctx context.Context) error {
		_, err := h.eng.CloseFollowup(ctx, "9001", fu, queue.FollowupClose{Contacted: true, Finding: "误按", Action: "无"})
		return err
	})
	complaint := func(hh, mm int, kind, staff string, window int) string {
		var c queue.ComplaintRecord
		h.do(hh, mm, "record "+kind, func(ctx context.Context) (err error) {
			c, err = h.eng.RecordComplaint(ctx, "9001", queue.ComplaintInput{Channel: "book", Kind: kind, Text: "态度", Staff: staff, Window: window})
			return err
		})
		return c.ID
	}
	c1 := complaint(13, 0, "complaint", "1001", 1)
	complaint(13, 5, "suggestion", "1001", 0)
	c2 := complaint(13, 10, "complaint", "1003", 3)
	h.do(13, 30, "close upheld", func(ctx context.Context) error { _, err := h.eng.CloseComplaint(ctx, "9001", c1, true); return err })
	h.do(13, 40, "close", func(ctx context.Context) error { _, err := h.eng.CloseComplaint(ctx, "9001", c2, false); return err })
	h.whereabouts(13, 50, "1003", queue.Break)
	if middle != nil {
		middle(h)
	}
	h.whereabouts(14, 20, "1003", queue.OnDuty)
	var sc queue.SpotCheckRecord
	h.do(15, 0, "draw", func(ctx context.Context) (err error) {
		sc, err = h.eng.DrawSpotCheck(ctx, "9001", "2026-11", 50)
		return err
	})
	ticket := map[string]string{}
	for _, it := range sc.Items {
		ticket[it.Number] = it.Ticket
	}
	if len(ticket) != 4 {
		t.Fatalf("spot check drew %v, want the 4 finished", sc.Items)
	}
	for i, m := range []struct {
		number string
		ok     bool
	}{{"A001", true}, {"A003", false}, {"B001", false}, {"B001", true}} {
		h.do(15, 1+i, "mark "+m.number, func(ctx context.Context) error {
			note := ""
			if !m.ok {
				note = "材料缺页"
			}
			_, err := h.eng.MarkSpotCheck(ctx, "9001", sc.ID, ticket[m.number], m.ok, note)
			return err
		})
	}
	fu2 := h.followupOf("A005")
	h.clock.Set(time.Date(2026, 11, 10, 9, 0, 0, 0, cst))
	if _, err := h.eng.CloseFollowup(context.Background(), "9001", fu2, queue.FollowupClose{Finding: "排队久", Action: "增开窗口"}); err != nil {
		t.Fatal(err)
	}
	h.current()
	return h
}

// TestStats_DirectorDay: appeals, complaints, follow-ups, spot checks and
// cover gaps, each counted where docs/reports.md says.
func TestStats_DirectorDay(t *testing.T) {
	h := directorDay(t, nil)
	day, _ := report.ParsePeriod("2026-11-02", "2026-11-02")
	month, _ := report.MonthPeriod("2026-11")

	want := map[string]float64{
		"issued": 6, "called": 8, "served": 4,
		"rated_4": 1, "rated_2": 1, "rated_1": 1, "rated": 3, "unrated": 1,
		// B001's 1 is out: 1 satisfied of 3 − 1
		"appeals_upheld": 1, "satisfaction_rate": 0.5,
		"complaints": 2, "complaints_upheld": 1,
		"followups": 2, "followups_on_time": 1,
		"cover_gaps": 2, "cover_gap_s": 900 + 1800,
		"spot_checked": 3, "spot_errors": 1, "spot_error_rate": 1.0 / 3,
	}
	checkFigures(t, "day", figures(h.rep.Stats(day, report.ByDay, "").Total), want)
	checkFigures(t, "month", figures(h.rep.Stats(month, report.ByDay, "").Total), want)
	if got := figures(h.rep.Stats(month, report.ByDay, "").Total)["followups_on_time"]; got != 1 {
		t.Errorf("the late close counted: %v on time", got)
	}

	staff := byKey(h.rep.Stats(day, report.ByStaff, ""))
	checkFigures(t, "1001", staff["1001"], map[string]float64{
		"served": 4, "rated": 3, "appeals_upheld": 1, "satisfaction_rate": 0.5,
		"complaints": 1, "complaints_upheld": 1, "followups": 2, "followups_on_time": 1,
		"cover_gaps": 1, "cover_gap_s": 900, "spot_checked": 3, "spot_errors": 1})
	checkFigures(t, "1003", staff["1003"], map[string]float64{
		"complaints": 1, "complaints_upheld": 0, "followups": 0, "cover_gaps": 1, "cover_gap_s": 1800, "spot_checked": 0, "spot_error_rate": -1})

	windows := byKey(h.rep.Stats(day, report.ByWindow, ""))
	checkFigures(t, "window 1", windows["1"], map[string]float64{"complaints": 1, "complaints_upheld": 1, "cover_gap_s": 900, "spot_errors": 1})
	checkFigures(t, "window 3", windows["3"], map[string]float64{"complaints": 1, "complaints_upheld": 0, "cover_gap_s": 1800})

	hours := byKey(h.rep.Stats(day, report.ByHour, ""))
	// The appeal takes B001's rating out where it counts: the hour of its finish (10:20).
	checkFigures(t, "09", hours["09"], map[string]float64{"spot_checked": 2, "spot_errors": 1, "appeals_upheld": 0})
	checkFigures(t, "10", hours["10"], map[string]float64{"rated_1": 1, "appeals_upheld": 1, "satisfaction_rate": -1,
		"followups": 1, "spot_checked": 1, "spot_errors": 0})
	checkFigures(t, "12", hours["12"], map[string]float64{"followups": 1, "followups_on_time": 1, "rated_2": 1, "appeals_upheld": 0})
	checkFigures(t, "13", hours["13"], map[string]float64{"complaints": 2, "complaints_upheld": 1, "cover_gaps": 1, "cover_gap_s": 600})
	checkFigures(t, "14", hours["14"], map[string]float64{"cover_gaps": 0, "cover_gap_s": 1200})

	services := byKey(h.rep.Stats(day, report.ByService, ""))
	checkFigures(t, "employment", services["employment"], map[string]float64{"appeals_upheld": 1, "followups": 2, "spot_checked": 3})
	checkFigures(t, "no service", services[""], map[string]float64{"complaints": 2, "cover_gap_s": 2700})
}

// TestEvaluation_DirectorDay: the complaint, spot-check and cover-gap
// deductions, and the appeal in the satisfaction points.
func TestEvaluation_DirectorDay(t *testing.T) {
	h := directorDay(t, nil)
	month, _ := report.MonthPeriod("2026-11")
	ev := h.rep.Evaluation(month, "")
	rows := map[string]report.EvalRow{}
	for _, r := range ev.Staff {
		rows[r.Key] = r
	}
	// 1001: served 4, the busiest → 30; satisfaction 1/(3 − 1) → 15; all 7
	// calls within the wait → 20; the case on time → 20; one complaint
	// upheld −5, one spot-check error −2, 900 s uncovered −0.25.
	got := rows["1001"]
	got.SatisfactionRate, got.WithinLimitRate, got.CasesOnTimeRate = report.Value{}, report.Value{}, report.Value{}
	want := report.EvalRow{Key: "1001", Label: "王芳", Served: 4, VolumePoints: 30, SatisfactionPoints: 15,
		ServiceLevelPoints: 20, CasesPoints: 20, ComplaintsUpheld: 1, ComplaintDeduction: 5, SpotErrors: 1, SpotDeduction: 2,
		CoverGapS: 900, CoverDeduction: 0.25, Total: 77.75, Rank: 1}
	if got != want {
		t.Errorf("1001\n got %+v\nwant %+v", got, want)
	}
	// 1003 served nothing and stood away 1800 s: −0.5, a total of 0.
	if r := rows["1003"]; r.CoverDeduction != 0.5 || r.ComplaintDeduction != 0 || r.Total != 0 {
		t.Errorf("1003 %+v", r)
	}
	wins := map[string]report.EvalRow{}
	for _, r := range ev.Windows {
		wins[r.Key] = r
	}
	if w := wins["1"]; w.ComplaintDeduction != 5 || w.SpotDeduction != 2 || w.CoverDeduction != 0.25 || w.Total != 77.75 {
		t.Errorf("window 1 %+v", w)
	}
	if w := wins["3"]; w.CoverDeduction != 0.5 || w.ComplaintDeduction != 0 {
		t.Errorf("window 3 %+v", w)
	}
}

// TestRollups_SnapshotDirectorDay: a snapshot taken half-way through the
// director's day (an appeal decided, a follow-up open, a cover gap open)
// carries what the fold remembers: rollups opened from it fold the rest to
// the same figures as those that saw every event.
func TestRollups_SnapshotDirectorDay(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "reports.snap")
	h := directorDay(t, func(h *hall) {
		if err := h.reopen(snap).Close(); err != nil {
			t.Fatal(err)
		}
	})
	again := h.reopen(snap)
	defer again.Close()
	h.checkSame("from the snapshot", again, report.ByDay, report.ByStaff, report.ByWindow, report.ByHour, report.ByService)
	month, _ := report.MonthPeriod("2026-11")
	if got := figures(again.Stats(month, report.ByDay, "").Total); got["spot_errors"] != 1 || got["cover_gap_s"] != 2700 {
		t.Errorf("from the snapshot: spot errors %v, cover %v s", got["spot_errors"], got["cover_gap_s"])
	}
}

// TestStats_OldScaleRating: a rating stored on the old four-level scale (no
// scale in the event) counts at the level of its words: its 4 (非常满意) is
// a 5, in the figures and in the feed.
func TestStats_OldScaleRating(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qcall.db")
	clock := queue.NewManualClock(at(9, 0))
	open := func() (*bolt.DB, *queue.Engine) {
		store, err := bolt.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		eng, err := queue.Open(store, queue.Options{Config: queue.Demo(), Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		return store, eng
	}
	ctx := context.Background()
	store, eng := open()
	if _, err := eng.SignIn(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	tk, err := eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: "employment", Channel: "kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.CallNext(ctx, "1001", 1); err != nil {
		t.Fatal(err)
	}
	clock.Set(at(9, 10))
	if _, err := eng.Finish(ctx, "1001", 1, queue.FinishOptions{}); err != nil {
		t.Fatal(err)
	}
	seq, _ := eng.Seq(ctx)
	eng.Close()
	old := queue.Event{Seq: seq + 1, At: at(9, 11), Type: queue.EvRatingGiven, Actor: "evaluator", Window: 1,
		Ticket: tk.ID, Number: tk.Number, Service: tk.Service, RatingFields: queue.RatingFields{Score: 4}, Staff: "1001"}
	if err := store.Append([]queue.Event{old}, nil); err != nil {
		t.Fatal(err)
	}
	store.Close()
	store, eng = open()
	defer store.Close()
	defer eng.Close()
	rep, err := report.Open(ctx, eng, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	if err := rep.Current(ctx); err != nil {
		t.Fatal(err)
	}
	day, _ := report.ParsePeriod("2026-11-02", "2026-11-02")
	checkFigures(t, "day", figures(rep.Stats(day, report.ByDay, "").Total), map[string]float64{
		"rated_5": 1, "rated_4": 0, "rated": 1, "satisfaction_rate": 1, "unrated": 0})
	if f := rep.Ratings(day, ""); f.Len() != 1 || f.Row(0).Level != 5 {
		t.Errorf("feed: %d ratings, the first %+v", f.Len(), f.Row(0))
	}
}
