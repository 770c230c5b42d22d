package queue

// The duty director's alerts: what in the hall needs the director now, read
// from the state at a time, loudest first, each with the action that
// resolves it. Each workflow adds its own alerts by one entry in
// alertSources.

import (
	"cmp"
	"slices"
	"time"
)

// Alert is one thing the duty director should see to.
type Alert struct {
	// Kind says what it is (AlertUnserved, …); the console words it from
	// the catalogue (web.alert_kind.<kind>).
	Kind string `json:"kind"`
	// Level is how loud: LevelUrgent, LevelWarn or LevelInfo.
	Level int `json:"level"`
	// Since is when it began (the console counts how long from it); Due a
	// deadline it is about.
	Since time.Time `json:"since,omitzero"`
	Due   time.Time `json:"due,omitzero"`
	// What it concerns, as far as it names them.
	Service string `json:"service,omitempty"`
	Window  int    `json:"window,omitempty"`
	Staff   string `json:"staff,omitempty"`
	// StaffName, StaffNameEn: the staff member's name, for the words (they
	// may be signed in nowhere).
	StaffName   string `json:"staff_name,omitempty"`
	StaffNameEn string `json:"staff_name_en,omitempty"`
	Number      string `json:"number,omitempty"`
	Device      string `json:"device,omitempty"`
	Score       int    `json:"score,omitempty"`
	Count       int    `json:"count,omitempty"`
	// Ref is the id of the express request, refusal, case or follow-up.
	Ref string `json:"ref,omitempty"`
	// Action is what resolves it (ActionOpenBackup, …).
	Action string `json:"action"`
}

// The levels of an alert.
const (
	LevelInfo   = 1
	LevelWarn   = 2
	LevelUrgent = 3
)

// The kinds of alert.
const (
	AlertUnserved        = "unserved"         // tickets wait and no open window serves them
	AlertWaitOverLimit   = "wait_over_limit"  // a wait past the service's committed time
	AlertUncovered       = "uncovered"        // an A-post away, no B-post covering
	AlertBackupUnstaffed = "backup_unstaffed" // a backup open, nobody at its B windows
	AlertExpress         = "express"          // an express request to decide
	AlertRefusal         = "refusal"          // a refusal to read
	AlertCaseOverdue     = "case_overdue"     // a case past its due date
	AlertCaseDueToday    = "case_due_today"   // a case due today
	AlertFollowupOpen    = "followup_open"    // a bad rating nobody follows up yet
	AlertFollowupOverdue = "followup_overdue" // a follow-up past due
	AlertAppeal          = "appeal"           // an appeal to decide
	AlertComplaintDue    = "complaint_due"    // a complaint's reply due by the next working day
	AlertComplaintLate   = "complaint_late"   // a complaint past its reply deadline
	AlertPaperOut        = "paper_out"        // a ticket printer out of paper
	AlertDeviceOffline   = "device_offline"   // a device offline
	AlertDeviceFault     = "device_fault"     // a device reports a fault
)

// The actions that resolve an alert.
const (
	ActionOpenBackup     = "open_backup"     // POST /api/services/{code}/backup {"open":true}
	ActionCloseBackup    = "close_backup"    // … {"open":false}
	ActionOpenTemporary  = "open_temporary"  // POST /api/windows/{id}/temporary
	ActionDecideExpress  = "decide_express"  // approve or deny
	ActionAckRefusal     = "ack_refusal"     // POST /api/refusals/{id}/ack
	ActionCaseDone       = "case_done"       // POST /api/cases/{id}/done
	ActionAssignFollowup = "assign_followup" // POST /api/followups/{id}/assign
	ActionCloseFollowup  = "close_followup"  // POST /api/followups/{id}/close
	ActionDecideAppeal   = "decide_appeal"   // POST /api/followups/{id}/appeal/decide
	ActionCheckDevice    = "check_device"    // someone goes to the device
	ActionOpenRegisters  = "open_registers"  // the registers page (/registers.html): reply, close
)

// alertSources are the workflows' alerts. A new workflow with alerts for
// the director adds its function here.
var alertSources = []func(s *State, now time.Time, loc *time.Location) []Alert{
	queueAlerts,
	postAlerts,
	expressAlerts,
	refusalAlerts,
	caseAlerts,
	followupAlerts,
	complaintAlerts,
	deviceAlerts,
}

// Alerts returns what needs the duty director at now, loudest first, then
// oldest first.
func (s *State) Alerts(now time.Time, loc *time.Location) []Alert {
	out := []Alert{}
	if s.Config == nil {
		return out
	}
	for _, src := range alertSources {
		out = append(out, src(s, now, loc)...)
	}
	for i := range out {
		if st := s.Config.StaffByJobNo(out[i].Staff); st != nil {
			out[i].StaffName, out[i].StaffNameEn = st.Name, st.NameEn
		}
	}
	slices.SortStableFunc(out, func(a, b Alert) int {
		if c := cmp.Compare(b.Level, a.Level); c != 0 {
			return c
		}
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Window, b.Window),
			cmp.Compare(a.Ref, b.Ref), cmp.Compare(a.Device, b.Device))
	})
	return out
}

// present reports whether someone signed in at window id is at the counter.
func (s *State) present(id int) bool {
	w := s.peek(id)
	if w.Staff == "" {
		return false
	}
	wh := s.Where[w.Staff]
	return wh == nil || wh.Status == OnDuty
}

// queueAlerts: tickets no open window can call (a service with nobody
// serving it, a ticket pinned to a closed window), and waits past the
// service's committed time.
func queueAlerts(s *State, now time.Time, _ *time.Location) []Alert {
	var out []Alert
	for _, svc := range s.Config.Services {
		list := s.queued[svc.Code]
		if len(list) == 0 {
			continue
		}
		var serving []int
		for _, w := range s.Config.Windows {
			if s.present(w.ID) && s.serves(w.ID, svc.Code) {
				serving = append(serving, w.ID)
			}
		}
		var stranded, late int
		var oldest, oldestLate *Ticket
		for _, t := range list {
			ok := len(serving) > 0 && t.PinWindow == 0 || t.PinWindow != 0 && s.present(t.PinWindow)
			if !ok {
				stranded++
				if oldest == nil || t.QueuedAt.Before(oldest.QueuedAt) {
					oldest = t
				}
			}
			if now.Sub(t.QueuedAt) > svc.CommittedWait() {
				late++
				if oldestLate == nil || t.QueuedAt.Before(oldestLate.QueuedAt) {
					oldestLate = t
				}
			}
		}
		if stranded > 0 {
			action := ActionOpenTemporary
			for _, w := range s.Config.Windows {
				if slices.Contains(w.ServicesB, svc.Code) && s.present(w.ID) {
					action = ActionOpenBackup
				}
			}
			if b := s.Backup[svc.Code]; action == ActionOpenBackup && b != nil && b.Open {
				action = ActionOpenTemporary
			}
			out = append(out, Alert{Kind: AlertUnserved, Level: LevelUrgent, Since: oldest.QueuedAt, Service: svc.Code,
				Number: oldest.Number, Window: oldest.PinWindow, Count: stranded, Action: action})
		}
		if late > 0 && stranded < len(list) {
			action := ActionOpenBackup
			if b := s.Backup[svc.Code]; b != nil && b.Open {
				action = ActionOpenTemporary
			}
			out = append(out, Alert{Kind: AlertWaitOverLimit, Level: LevelUrgent,
				Since: oldestLate.QueuedAt.Add(svc.CommittedWait()), Service: svc.Code,
				Number: oldestLate.Number, Count: late, Action: action})
		}
	}
	return out
}

// postAlerts: windows whose A-post holder is away with nobody covering, and
// backups open with nobody at any of their B windows.
func postAlerts(s *State, _ time.Time, _ *time.Location) []Alert {
	var out []Alert
	for _, w := range s.Config.Windows {
		ws := s.peek(w.ID)
		if ws.UncoveredSince.IsZero() {
			continue
		}
		a := Alert{Kind: AlertUncovered, Level: LevelWarn, Since: ws.UncoveredSince, Window: w.ID, Staff: ws.Staff,
			Action: ActionOpenBackup}
		for _, st := range s.Config.Staff {
			if a.Staff == "" && slices.Contains(st.PostsA, w.ID) {
				a.Staff = st.JobNo
			}
		}
		if len(w.ServicesA) > 0 {
			a.Service = w.ServicesA[0]
		}
		out = append(out, a)
	}
	for _, svc := range s.Config.Services {
		b := s.Backup[svc.Code]
		if b == nil || !b.Open {
			continue
		}
		staffed := false
		for _, w := range s.Config.Windows {
			staffed = staffed || slices.Contains(w.ServicesB, svc.Code) && s.peek(w.ID).Staff != ""
		}
		if !staffed {
			out = append(out, Alert{Kind: AlertBackupUnstaffed, Level: LevelWarn, Since: b.Since, Service: svc.Code,
				Action: ActionCloseBackup})
		}
	}
	return out
}

// expressAlerts: express requests to decide.
func expressAlerts(s *State, _ time.Time, _ *time.Location) []Alert {
	var out []Alert
	for _, x := range s.pendingExpress() {
		out = append(out, Alert{Kind: AlertExpress, Level: LevelWarn, Since: x.At, Window: x.Window, Staff: x.Staff,
			Number: x.Number, Ref: x.ID, Action: ActionDecideExpress})
	}
	return out
}

// refusalAlerts: refusals to read.
func refusalAlerts(s *State, _ time.Time, _ *time.Location) []Alert {
	var out []Alert
	for _, r := range s.pendingRefusals() {
		out = append(out, Alert{Kind: AlertRefusal, Level: LevelInfo, Since: r.At, Window: r.Window, Staff: r.Staff,
			Number: r.Number, Service: r.Service, Ref: r.ID, Action: ActionAckRefusal})
	}
	return out
}

// caseAlerts: cases past due, and due today.
func caseAlerts(s *State, now time.Time, loc *time.Location) []Alert {
	var out []Alert
	today := endOfDay(now, 0, loc)
	for _, c := range s.pendingCases() {
		a := Alert{Since: c.Opened, Due: c.Due, Window: c.Window, Staff: c.Staff, Number: c.Number, Service: c.Service,
			Ref: c.ID, Action: ActionCaseDone}
		switch {
		case now.After(c.Due):
			a.Kind, a.Level, a.Since = AlertCaseOverdue, LevelUrgent, c.Due
		case !c.Due.After(today):
			a.Kind, a.Level = AlertCaseDueToday, LevelWarn
		default:
			continue
		}
		out = append(out, a)
	}
	return out
}

// deviceAlerts: printers out of paper, devices offline or at fault.
func deviceAlerts(s *State, _ time.Time, _ *time.Location) []Alert {
	var out []Alert
	for _, name := range sortedKeys(s.Devices) {
		d := s.Devices[name]
		a := Alert{Since: d.At, Device: name, Action: ActionCheckDevice}
		switch d.Status {
		case "paper_out":
			a.Kind, a.Level = AlertPaperOut, LevelUrgent
		case "offline":
			a.Kind, a.Level = AlertDeviceOffline, LevelWarn
		case "cover_open", "error":
			a.Kind, a.Level = AlertDeviceFault, LevelWarn
		default:
			continue
		}
		out = append(out, a)
	}
	return out
}
