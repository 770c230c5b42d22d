package queue_test

import (
	"slices"
	"testing"
	"time"

	"qcall/queue"
)

func (h *hall) alerts() []queue.Alert {
	h.t.Helper()
	var out []queue.Alert
	err := h.View(ctx, func(s *queue.State) error {
		out = s.Alerts(h.clock.Now(), shanghai)
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// find returns the alert of kind about ref (its ref, service, device or
// window), or nil.
func findAlert(as []queue.Alert, kind string, match func(queue.Alert) bool) *queue.Alert {
	for i := range as {
		if as[i].Kind == kind && (match == nil || match(as[i])) {
			return &as[i]
		}
	}
	return nil
}

// TestState_Alerts: each thing the director must see to is an alert with
// the action that resolves it, loudest first; it goes when resolved.
func TestState_Alerts(t *testing.T) {
	h := newHall(t, nil)
	if as := h.alerts(); len(as) != 0 {
		t.Fatalf("a quiet hall has alerts %+v", as)
	}
	// A service waiting with no window serving it.
	h.issue("injury")
	as := h.alerts()
	a := findAlert(as, queue.AlertUnserved, func(a queue.Alert) bool { return a.Service == "injury" })
	if a == nil || a.Count != 1 || a.Level != queue.LevelUrgent || a.Action != queue.ActionOpenTemporary {
		t.Fatalf("unserved: %+v", as)
	}
	h.signIn("1008", 8) // injury's A window
	if a := findAlert(h.alerts(), queue.AlertUnserved, nil); a != nil {
		t.Fatalf("served, still %+v", a)
	}
	// A wait over the committed time (injury's 服务承诺: a wait of at most 30
	// minutes; its limit_s, 50 minutes, is the whole time in the hall).
	h.clock.Add(29 * time.Minute)
	if a := findAlert(h.alerts(), queue.AlertWaitOverLimit, nil); a != nil {
		t.Fatalf("within the committed wait: %+v", a)
	}
	h.clock.Add(2 * time.Minute)
	a = findAlert(h.alerts(), queue.AlertWaitOverLimit, nil)
	if a == nil || a.Service != "injury" || a.Number != "E001" || !a.Since.Equal(at(9, 30)) || a.Action != queue.ActionOpenBackup {
		t.Fatalf("over the limit: %+v", h.alerts())
	}
	h.callNext("1008", 8)
	h.finish("1008", 8)
	// An A-post away with nobody covering.
	if _, err := h.SetWhereabouts(ctx, "1008", queue.Break, ""); err != nil {
		t.Fatal(err)
	}
	a = findAlert(h.alerts(), queue.AlertUncovered, nil)
	if a == nil || a.Window != 8 || a.Staff != "1008" || a.StaffName != "黄伟" || a.StaffNameEn != "Huang Wei" || a.Level != queue.LevelWarn {
		t.Fatalf("uncovered: %+v", h.alerts())
	}
	if _, err := h.SetWhereabouts(ctx, "1008", queue.OnDuty, ""); err != nil {
		t.Fatal(err)
	}
	// A backup opened with nobody at its B windows (pension: windows 6, 10).
	if _, err := h.SetBackup(ctx, "9001", "pension", true); err != nil {
		t.Fatal(err)
	}
	a = findAlert(h.alerts(), queue.AlertBackupUnstaffed, nil)
	if a == nil || a.Service != "pension" || a.Action != queue.ActionCloseBackup {
		t.Fatalf("backup unstaffed: %+v", h.alerts())
	}
	h.signIn("1010", 10)
	if a := findAlert(h.alerts(), queue.AlertBackupUnstaffed, nil); a != nil {
		t.Fatalf("staffed, still %+v", a)
	}
	// An express request, a refusal, a case due today, a bad rating.
	h.signIn("1001", 1)
	h.issue("employment")
	h.issue("employment")
	h.callNext("1001", 1)
	x, err := h.RequestExpress(ctx, "1001", 1, "", "elderly")
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Reject(ctx, "1001", 1, "not our matter", "art. 5")
	if err != nil {
		t.Fatal(err)
	}
	h.callNext("1001", 1)
	due := h.clock.Now().Add(3 * time.Hour)
	if _, err := h.Finish(ctx, "1001", 1, queue.FinishOptions{Due: due}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Rate(ctx, "evaluator", 1, 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ReportDevice(ctx, "agent-1", "printer-1", "paper_out", "", []string{"kiosk-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ReportDevice(ctx, "agent-1", "led-3", "offline", "", nil); err != nil {
		t.Fatal(err)
	}
	as = h.alerts()
	for kind, action := range map[string]string{
		queue.AlertExpress: queue.ActionDecideExpress, queue.AlertRefusal: queue.ActionAckRefusal,
		queue.AlertCaseDueToday: queue.ActionCaseDone, queue.AlertFollowupOpen: queue.ActionAssignFollowup,
		queue.AlertPaperOut: queue.ActionCheckDevice, queue.AlertDeviceOffline: queue.ActionCheckDevice,
	} {
		if a := findAlert(as, kind, nil); a == nil || a.Action != action {
			t.Errorf("%s: %+v in %+v", kind, a, as)
		}
	}
	if a := findAlert(as, queue.AlertExpress, nil); a == nil || a.Ref != x.ID {
		t.Errorf("express ref: %+v", a)
	}
	if a := findAlert(as, queue.AlertRefusal, nil); a == nil || a.Ref != r.ID {
		t.Errorf("refusal ref: %+v", a)
	}
	// Loudest first, then oldest.
	if !slices.IsSortedFunc(as, func(a, b queue.Alert) int {
		if a.Level != b.Level {
			return b.Level - a.Level
		}
		return a.Since.Compare(b.Since)
	}) {
		t.Errorf("not loudest first: %+v", as)
	}
	if as[0].Level != queue.LevelUrgent || as[len(as)-1].Kind != queue.AlertRefusal {
		t.Errorf("first %s, last %s", as[0].Kind, as[len(as)-1].Kind)
	}
	// Past due: the case and (five working days on) the follow-up are overdue.
	h.clock.Add(4 * time.Hour)
	if a := findAlert(h.alerts(), queue.AlertCaseOverdue, nil); a == nil || a.Level != queue.LevelUrgent {
		t.Errorf("case overdue: %+v", h.alerts())
	}
	h.clock.Set(at(9, 0).AddDate(0, 0, 8))
	if a := findAlert(h.alerts(), queue.AlertFollowupOverdue, nil); a == nil || a.Level != queue.LevelUrgent {
		t.Errorf("follow-up overdue: %+v", h.alerts())
	}
}

// TestState_ComplaintAlerts: a complaint not closed warns the director the
// working day before its reply is due, and is urgent once past due; a closed
// one says nothing.
func TestState_ComplaintAlerts(t *testing.T) {
	h := newHall(t, nil) // Thursday 26 November 2026
	c, err := h.RecordComplaint(ctx, "9001", queue.ComplaintInput{Channel: "phone", Kind: "complaint", Text: "等候太久", Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 3, 23, 59, 59, 0, shanghai); !c.Due.Equal(want) {
		t.Fatalf("due %s, want %s (5 working days)", c.Due, want)
	}
	complaint := func(a queue.Alert) bool { return a.Ref == c.ID }
	if a := findAlert(h.alerts(), queue.AlertComplaintDue, complaint); a != nil {
		t.Fatalf("a week ahead: %+v", a)
	}
	h.clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, shanghai)) // Wednesday: one working day left
	a := findAlert(h.alerts(), queue.AlertComplaintDue, complaint)
	if a == nil || a.Level != queue.LevelWarn || a.Window != 1 || a.Action != queue.ActionOpenRegisters || !a.Due.Equal(c.Due) {
		t.Fatalf("due tomorrow: %+v", h.alerts())
	}
	h.clock.Set(time.Date(2026, 12, 4, 9, 0, 0, 0, shanghai))
	a = findAlert(h.alerts(), queue.AlertComplaintLate, complaint)
	if a == nil || a.Level != queue.LevelUrgent || !a.Since.Equal(c.Due) {
		t.Fatalf("late: %+v", h.alerts())
	}
	if _, err := h.CloseComplaint(ctx, "9001", c.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, a := range h.alerts() {
		if a.Ref == c.ID {
			t.Fatalf("closed, still %+v", a)
		}
	}
}

// TestService_CommittedWait: the wait a service commits to is its 服务承诺's
// wait_min, else its whole limit_s.
func TestService_CommittedWait(t *testing.T) {
	s := queue.Service{LimitS: 1800, Commitment: queue.Commitment{WaitMin: 20, HandleMin: 10}}
	if got := s.CommittedWait(); got != 20*time.Minute {
		t.Errorf("with a commitment: %s", got)
	}
	s.Commitment = queue.Commitment{}
	if got := s.CommittedWait(); got != 30*time.Minute {
		t.Errorf("without: %s", got)
	}
}
