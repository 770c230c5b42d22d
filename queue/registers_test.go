package queue_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/queue"
	"qcall/queue/bolt"
)

// refusedSame runs fn, which must fail with code, and checks that it changed
// nothing: the state is the same byte for byte, no event was written.
func (h *hall) refusedSame(code string, fn func() error) {
	h.t.Helper()
	before, seq := h.state(), h.seq()
	wantCode(h.t, fn(), code)
	if after := h.state(); after != before || h.seq() != seq {
		h.t.Fatalf("refused %s changed the hall", code)
	}
}

// jsonOf is v as JSON, to compare views.
func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEngine_ComplaintDue: the reply deadline is the end of the n-th working
// day of the hall's calendar after the day it came in.
func TestEngine_ComplaintDue(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time // 2026-11-26 is a Thursday
		days int
		want string
	}{
		{"Thursday, 5 days: Thursday next week", at(9, 0), 5, "2026-12-03T23:59:59+08:00"},
		{"Friday, 5 days: Friday next week", at(9, 0).AddDate(0, 0, 1), 5, "2026-12-04T23:59:59+08:00"},
		{"Saturday, 1 day: Monday", at(9, 0).AddDate(0, 0, 2), 1, "2026-11-30T23:59:59+08:00"},
		{"Friday, 1 day: Monday", at(9, 0).AddDate(0, 0, 1), 1, "2026-11-30T23:59:59+08:00"},
		{"late in the evening counts its own day", time.Date(2026, 11, 26, 23, 30, 0, 0, shanghai), 2, "2026-11-30T23:59:59+08:00"},
		// The calendar below makes Monday 30 November a holiday and Saturday
		// 5 December a make-up working day.
		{"Friday, 1 day, Monday a holiday: Tuesday", at(9, 0).AddDate(0, 0, 1), 1, "2026-12-01T23:59:59+08:00"},
		{"Friday, 5 days over a holiday and a make-up Saturday", at(9, 0).AddDate(0, 0, 1), 5, "2026-12-05T23:59:59+08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := queue.Demo()
			cfg.Rules.ComplaintReplyDays = tt.days
			if strings.Contains(tt.name, "holiday") {
				cfg.Calendar.Holidays = append(cfg.Calendar.Holidays, "2026-11-30")
				cfg.Calendar.Workdays = append(cfg.Calendar.Workdays, "2026-12-05")
			}
			h := newHall(t, cfg)
			h.clock.Set(tt.at)
			c, err := h.RecordComplaint(ctx, "9001", queue.ComplaintInput{Channel: "phone", Kind: "complaint", Text: "等候太久"})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Due.Format(time.RFC3339); got != tt.want {
				t.Errorf("due %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEngine_Complaints(t *testing.T) {
	h := newHall(t, nil)
	c, err := h.RecordComplaint(ctx, "1002", queue.ComplaintInput{Channel: "book", Kind: "complaint", Topic: "attitude",
		Text: "窗口工作人员态度生硬\n希望改进", Staff: "1001", Window: 1, Contact: "138 0000 0000"})
	if err != nil {
		t.Fatal(err)
	}
	if c.State != queue.ComplaintOpen || c.Contact != "138 0000 0000" || c.RecordedBy != "1002" || c.Text != "窗口工作人员态度生硬\n希望改进" ||
		c.Due.Format(time.DateOnly) != "2026-12-03" || c.Overdue {
		t.Fatalf("recorded %+v", c)
	}
	praise, err := h.RecordComplaint(ctx, "kiosk-1", queue.ComplaintInput{Channel: "kiosk", Kind: "suggestion", Topic: "waiting"})
	if err != nil {
		t.Fatalf("a suggestion with a topic and no text: %v", err)
	}

	t.Run("bad input changes nothing", func(t *testing.T) {
		ok := queue.ComplaintInput{Channel: "phone", Kind: "complaint", Text: "x"}
		for _, tc := range []struct {
			name string
			edit func(*queue.ComplaintInput)
			code string
		}{
			{"channel", func(in *queue.ComplaintInput) { in.Channel = "fax" }, "invalid_input"},
			{"kind", func(in *queue.ComplaintInput) { in.Kind = "threat" }, "invalid_input"},
			{"topic", func(in *queue.ComplaintInput) { in.Topic = "food" }, "invalid_input"},
			{"no text, no topic", func(in *queue.ComplaintInput) { in.Text = "  " }, "invalid_input"},
			{"text too long", func(in *queue.ComplaintInput) { in.Text = strings.Repeat("长", 2001) }, "invalid_input"},
			{"text with a control character", func(in *queue.ComplaintInput) { in.Text = "a\x1bb" }, "invalid_input"},
			{"contact of two lines", func(in *queue.ComplaintInput) { in.Contact = "a\nb" }, "invalid_input"},
			{"unknown staff", func(in *queue.ComplaintInput) { in.Staff = "7777" }, "unknown_staff"},
			{"unknown window", func(in *queue.ComplaintInput) { in.Window = 99 }, "unknown_window"},
		} {
			in := ok
			tc.edit(&in)
			h.refusedSame(tc.code, func() error { _, err := h.RecordComplaint(ctx, "9001", in); return err })
		}
		h.refusedSame("unknown_complaint", func() error { _, err := h.ReplyComplaint(ctx, "9001", "NOPE", "x"); return err })
		h.refusedSame("invalid_input", func() error { _, err := h.ReplyComplaint(ctx, "9001", c.ID, " "); return err })
		h.refusedSame("unknown_complaint", func() error { _, err := h.CloseComplaint(ctx, "9001", "NOPE", true); return err })
	})

	r, err := h.ReplyComplaint(ctx, "9001", c.ID, "已约谈当事人，向您致歉")
	if err != nil || r.State != queue.ComplaintReplied || r.RepliedBy != "9001" || r.Reply != "已约谈当事人，向您致歉" {
		t.Fatalf("reply: %+v %v", r, err)
	}
	r, err = h.CloseComplaint(ctx, "9001", c.ID, true)
	if err != nil || r.State != queue.ComplaintClosed || !r.Upheld || r.ClosedBy != "9001" {
		t.Fatalf("close: %+v %v", r, err)
	}
	h.refusedSame("complaint_closed", func() error { _, err := h.ReplyComplaint(ctx, "9001", c.ID, "again"); return err })
	h.refusedSame("complaint_closed", func() error { _, err := h.CloseComplaint(ctx, "9001", c.ID, false); return err })

	// Next week the suggestion, still open, is past its deadline.
	h.clock.Set(time.Date(2026, 12, 4, 9, 0, 0, 0, shanghai))
	later, err := h.RecordComplaint(ctx, "9001", queue.ComplaintInput{Channel: "online", Kind: "praise", Text: "办事很快"})
	if err != nil {
		t.Fatal(err)
	}
	list := func(f queue.Filter) []string {
		t.Helper()
		l, err := h.Complaints(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range l {
			ids = append(ids, x.ID+"/"+x.State+fmt.Sprint(x.Overdue))
		}
		return ids
	}
	if got, want := list(queue.Filter{}), []string{c.ID + "/closedfalse", praise.ID + "/opentrue", later.ID + "/openfalse"}; !slices.Equal(got, want) {
		t.Errorf("register %v, want %v", got, want)
	}
	if got, want := list(queue.Filter{State: "open"}), []string{praise.ID + "/opentrue", later.ID + "/openfalse"}; !slices.Equal(got, want) {
		t.Errorf("open %v, want %v", got, want)
	}
	day := func(d string) time.Time { x, _ := time.ParseInLocation(time.DateOnly, d, shanghai); return x }
	if got := list(queue.Filter{From: day("2026-12-01")}); len(got) != 1 || !strings.HasPrefix(got[0], later.ID) {
		t.Errorf("from 12-01: %v", got)
	}
	if got := list(queue.Filter{To: day("2026-11-27")}); len(got) != 2 {
		t.Errorf("to 11-27: %v", got)
	}
	if _, err := h.Complaints(ctx, queue.Filter{State: "lost"}); queue.ErrorCode(err) != "invalid_input" {
		t.Errorf("state lost: %v", err)
	}

	// The register is kept across days and restarts.
	before, _ := h.Complaints(ctx, queue.Filter{})
	h.restart()
	after, _ := h.Complaints(ctx, queue.Filter{})
	if jsonOf(t, before) != jsonOf(t, after) {
		t.Errorf("after a restart:\n%s\nwas\n%s", jsonOf(t, after), jsonOf(t, before))
	}
}

func TestEngine_HomeVisits(t *testing.T) {
	h := newHall(t, nil)
	in := queue.HomeVisitInput{Applicant: "赵大爷", Agent: "赵小红（女儿）", Reason: "frail", Address: "幸福路 8 号 3 单元 201",
		Phone: "139 1111 2222", Service: "pension", Note: "卧床，下午在家"}
	v, err := h.RequestHomeVisit(ctx, "1004", in)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != queue.HomeVisitPending || v.Address != in.Address || v.Phone != in.Phone || v.RecordedBy != "1004" {
		t.Fatalf("requested %+v", v)
	}
	for _, tc := range []struct {
		name string
		edit func(*queue.HomeVisitInput)
		code string
	}{
		{"reason", func(x *queue.HomeVisitInput) { x.Reason = "busy" }, "invalid_input"},
		{"no applicant", func(x *queue.HomeVisitInput) { x.Applicant = "" }, "invalid_input"},
		{"no agent", func(x *queue.HomeVisitInput) { x.Agent = " " }, "invalid_input"},
		{"no address", func(x *queue.HomeVisitInput) { x.Address = "" }, "invalid_input"},
		{"no phone", func(x *queue.HomeVisitInput) { x.Phone = "" }, "invalid_input"},
		{"address of two lines", func(x *queue.HomeVisitInput) { x.Address = "a\nb" }, "invalid_input"},
		{"no service", func(x *queue.HomeVisitInput) { x.Service = "" }, "invalid_input"},
		{"unknown service", func(x *queue.HomeVisitInput) { x.Service = "tax" }, "unknown_service"},
	} {
		x := in
		tc.edit(&x)
		h.refusedSame(tc.code, func() error { _, err := h.RequestHomeVisit(ctx, "1004", x); return err })
	}
	h.refusedSame("home_visit_not_approved", func() error { _, err := h.HomeVisitDone(ctx, "9001", v.ID, "done"); return err })
	h.refusedSame("invalid_input", func() error {
		_, err := h.ApproveHomeVisit(ctx, "9001", v.ID, "为民服务小组", "2026-11-25")
		return err
	})
	h.refusedSame("invalid_input", func() error {
		_, err := h.ApproveHomeVisit(ctx, "9001", v.ID, "为民服务小组", "28/11/2026")
		return err
	})
	h.refusedSame("invalid_input", func() error { _, err := h.ApproveHomeVisit(ctx, "9001", v.ID, "", "2026-11-28"); return err })
	h.refusedSame("unknown_home_visit", func() error { _, err := h.ApproveHomeVisit(ctx, "9001", "NOPE", "t", "2026-11-28"); return err })

	a, err := h.ApproveHomeVisit(ctx, "9001", v.ID, "为民服务小组", "2026-11-28")
	if err != nil || a.State != queue.HomeVisitApproved || a.Team != "为民服务小组" || a.Date != "2026-11-28" || a.DecidedBy != "9001" {
		t.Fatalf("approve: %+v %v", a, err)
	}
	h.refusedSame("already_decided", func() error { _, err := h.DenyHomeVisit(ctx, "9001", v.ID, "no"); return err })
	d, err := h.RequestHomeVisit(ctx, "9001", queue.HomeVisitInput{Applicant: "钱奶奶", Agent: "邻居", Reason: "illness",
		Address: "和平街 1 号", Phone: "0571-1234567", Service: "medical"})
	if err != nil {
		t.Fatal(err)
	}
	h.refusedSame("invalid_input", func() error { _, err := h.DenyHomeVisit(ctx, "9001", d.ID, ""); return err })
	if d, err = h.DenyHomeVisit(ctx, "9001", d.ID, "可由社区代办"); err != nil || d.State != queue.HomeVisitDenied || d.Denied != "可由社区代办" {
		t.Fatalf("deny: %+v %v", d, err)
	}
	h.clock.Set(time.Date(2026, 11, 28, 16, 0, 0, 0, shanghai))
	if err := h.Tick(ctx); err != nil { // the new business day opens
		t.Fatal(err)
	}
	h.refusedSame("invalid_input", func() error { _, err := h.HomeVisitDone(ctx, "9001", v.ID, ""); return err })
	if a, err = h.HomeVisitDone(ctx, "9001", v.ID, "已上门办理资格认证"); err != nil || a.State != queue.HomeVisitDone || a.DoneNote != "已上门办理资格认证" {
		t.Fatalf("done: %+v %v", a, err)
	}
	l, err := h.HomeVisits(ctx, queue.Filter{State: queue.HomeVisitDone})
	if err != nil || len(l) != 1 || l[0].ID != v.ID {
		t.Fatalf("done ones: %+v %v", l, err)
	}
	before, _ := h.HomeVisits(ctx, queue.Filter{})
	h.restart()
	after, _ := h.HomeVisits(ctx, queue.Filter{})
	if len(before) != 2 || jsonOf(t, before) != jsonOf(t, after) {
		t.Errorf("after a restart:\n%s\nwas\n%s", jsonOf(t, after), jsonOf(t, before))
	}
}

// serve finishes n tickets of service at window, signed in as staff.
func (h *hall) serve(staff string, window int, service string, n int) []string {
	h.t.Helper()
	var ids []string
	for range n {
		tk := h.issue(service)
		h.callNext(staff, window)
		h.finish(staff, window)
		ids = append(ids, tk.ID)
		h.clock.Add(time.Minute)
	}
	return ids
}

// TestEngine_SpotChecks: the month's sample is drawn from the tickets
// finished on every day of the month, also the days the state has rolled
// over; it is kept in the event, so a restart shows the same sample; the
// error rate is per staff member.
func TestEngine_SpotChecks(t *testing.T) {
	h := newHall(t, nil)
	h.signIn("1001", 1)
	h.signIn("1003", 3)
	done := map[string][]string{}
	done["1001"] = h.serve("1001", 1, "employment", 3)
	done["1003"] = h.serve("1003", 3, "unemployment", 1)
	// The next day: the state forgets yesterday's tickets.
	h.clock.Set(time.Date(2026, 11, 27, 9, 0, 0, 0, shanghai))
	h.signIn("1001", 1)
	h.signIn("1003", 3)
	done["1001"] = append(done["1001"], h.serve("1001", 1, "employment", 2)...)
	done["1003"] = append(done["1003"], h.serve("1003", 3, "unemployment", 2)...)
	// A ticket of December is not November's.
	h.clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai))
	h.signIn("1001", 1)
	december := h.serve("1001", 1, "employment", 1)
	if _, err := h.Ticket(ctx, done["1001"][0]); queue.ErrorCode(err) != "unknown_ticket" {
		t.Fatalf("a ticket of an earlier day is still in the state: %v", err)
	}

	h.refusedSame("invalid_input", func() error { _, err := h.DrawSpotCheck(ctx, "9001", "2026-13", 2); return err })
	h.refusedSame("invalid_input", func() error { _, err := h.DrawSpotCheck(ctx, "9001", "2026-11", 51); return err })
	h.refusedSame("invalid_input", func() error { _, err := h.DrawSpotCheck(ctx, "9001", "2027-01", 2); return err })
	h.refusedSame("nothing_to_check", func() error { _, err := h.DrawSpotCheck(ctx, "9001", "2026-10", 2); return err })

	c, err := h.DrawSpotCheck(ctx, "9001", "2026-11", 4)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string][]string{}
	for _, it := range c.Items {
		per[it.Staff] = append(per[it.Staff], it.Ticket)
		if !slices.Contains(done[it.Staff], it.Ticket) || slices.Contains(december, it.Ticket) || it.Number == "" || it.Window == 0 {
			t.Errorf("drew %+v, not a November ticket of %s", it, it.Staff)
		}
	}
	if len(per["1001"]) != 4 || len(per["1003"]) != 3 || len(c.Items) != 7 {
		t.Fatalf("sample %v: want 4 of 1001's 5 and all 3 of 1003's", per)
	}
	if c.Month != "2026-11" || c.PerStaff != 4 || c.DrawnBy != "9001" {
		t.Errorf("spot check %+v", c)
	}
	h.refusedSame("spot_check_drawn", func() error { _, err := h.DrawSpotCheck(ctx, "9001", "2026-11", 4); return err })

	// Marking.
	first, second := per["1001"][0], per["1001"][1]
	h.refusedSame("invalid_input", func() error { _, err := h.MarkSpotCheck(ctx, "9001", c.ID, first, false, ""); return err })
	h.refusedSame("not_in_sample", func() error { _, err := h.MarkSpotCheck(ctx, "9001", c.ID, december[0], true, ""); return err })
	h.refusedSame("unknown_spot_check", func() error { _, err := h.MarkSpotCheck(ctx, "9001", "NOPE", first, true, ""); return err })
	if _, err := h.MarkSpotCheck(ctx, "9001", c.ID, first, false, "材料未核对原件"); err != nil {
		t.Fatal(err)
	}
	c, err = h.MarkSpotCheck(ctx, "9001", c.ID, second, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, c.Staff); got != `[{"staff":"1001","sampled":4,"checked":2,"errors":1,"error_rate":0.5},{"staff":"1003","sampled":3,"checked":0,"errors":0,"error_rate":0}]` {
		t.Errorf("rates %s", got)
	}
	// A second marking corrects the first.
	if c, err = h.MarkSpotCheck(ctx, "9001", c.ID, first, true, ""); err != nil || c.Staff[0].Errors != 0 {
		t.Fatalf("corrected: %+v %v", c.Staff, err)
	}

	before, _ := h.SpotChecks(ctx, "")
	h.restart()
	after, _ := h.SpotChecks(ctx, "")
	if len(before) != 1 || jsonOf(t, before) != jsonOf(t, after) {
		t.Errorf("after a restart (no new draw):\n%s\nwas\n%s", jsonOf(t, after), jsonOf(t, before))
	}
	if l, _ := h.SpotChecks(ctx, "2026-10"); len(l) != 0 {
		t.Errorf("October: %+v", l)
	}
	// The sample is the one in the stored event.
	var drawn *queue.SpotCheck
	for _, e := range h.events(0) {
		if e.Type == queue.EvSpotCheckDrawn {
			drawn = e.SpotCheck
		}
	}
	if drawn == nil || len(drawn.Items) != 7 || drawn.Items[0].Ticket != after[0].Items[0].Ticket {
		t.Errorf("stored sample %+v", drawn)
	}

	// Without a number, the configured size.
	h.clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, shanghai))
	if c, err = h.DrawSpotCheck(ctx, "9001", "2026-12", 0); err != nil || c.PerStaff != 5 || len(c.Items) != 1 {
		t.Fatalf("December with the default size: %+v %v", c, err)
	}
}

// TestState_OfficeAudience: the registers' events reach the director and
// the staff member concerned, at whichever window, and no screen or phone.
func TestState_OfficeAudience(t *testing.T) {
	h := newHall(t, nil)
	c, err := h.RecordComplaint(ctx, "9001", queue.ComplaintInput{Channel: "phone", Kind: "complaint", Text: "x", Staff: "1001", Window: 1, Contact: "138"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.RequestHomeVisit(ctx, "1004", queue.HomeVisitInput{Applicant: "a", Agent: "b", Reason: "illness", Address: "c", Phone: "d", Service: "pension"})
	if err != nil {
		t.Fatal(err)
	}
	term := func(w int, staff string) queue.Listener {
		return queue.Listener{Kind: queue.ListenTerminal, Window: w, Staff: staff}
	}
	deaf := []queue.Listener{{Kind: queue.ListenPublic}, {Kind: queue.ListenWindow, Window: 1}, {Kind: queue.ListenPhone, Ticket: "T"}, term(1, "1002")}
	for _, tc := range []struct {
		ev   queue.Event
		hear []queue.Listener
	}{
		{queue.Event{Type: queue.EvComplaintRecorded, Complaint: &queue.Complaint{ID: c.ID}}, []queue.Listener{{Kind: queue.ListenDirector}, term(5, "1001")}},
		{queue.Event{Type: queue.EvHomeVisitApproved, HomeVisit: &queue.HomeVisit{ID: v.ID}}, []queue.Listener{{Kind: queue.ListenDirector}, term(4, "1004")}},
		{queue.Event{Type: queue.EvSpotCheckDrawn, SpotCheck: &queue.SpotCheck{ID: "S"}}, []queue.Listener{{Kind: queue.ListenDirector}}},
	} {
		var a queue.Audience
		h.View(ctx, func(s *queue.State) error { a = s.Audience(&tc.ev); return nil })
		for _, l := range tc.hear {
			if hears, full := a.Hears(l); !hears || !full {
				t.Errorf("%s: %+v does not hear it", tc.ev.Type, l)
			}
		}
		for _, l := range deaf {
			if hears, _ := a.Hears(l); hears {
				t.Errorf("%s: %+v hears it", tc.ev.Type, l)
			}
		}
	}
}

// BenchmarkSpotCheck_FinishedIn reads one month's finished tickets out of a
// log holding the month before and the month: 22 working days of 1,800
// tickets each per month, four events a ticket (about 320,000 events), on a
// real bbolt file. One op is one month read, the draw's cost.
func BenchmarkSpotCheck_FinishedIn(b *testing.B) {
	st, err := bolt.Open(filepath.Join(b.TempDir(), "qcall.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var seq uint64
	var batch []queue.Event
	flush := func() {
		if err := st.Append(batch, nil); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for _, month := range []time.Month{10, 11} {
		for day := 1; day <= 31; day++ {
			d := time.Date(2026, month, day, 9, 0, 0, 0, shanghai)
			if d.Month() != month || d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				continue
			}
			for i := range 1800 {
				id := fmt.Sprintf("T%02d%02d%04d", month, day, i)
				at := d.Add(time.Duration(i) * 15 * time.Second)
				staff := fmt.Sprint(1001 + i%12)
				for _, typ := range []queue.EventType{queue.EvTicketIssued, queue.EvTicketCalled, queue.EvServiceStarted, queue.EvServiceFinished} {
					seq++
					batch = append(batch, queue.Event{Seq: seq, At: at, Type: typ, Actor: staff, Window: 1 + i%10, Ticket: id, Number: "A001", Service: "employment"})
				}
				if len(batch) >= 8000 {
					flush()
				}
			}
		}
	}
	flush()
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai)
	b.ResetTimer()
	for b.Loop() {
		got, err := queue.FinishedIn(st, seq, from, from.AddDate(0, 1, 0), shanghai)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 21*1800 { // November 2026 has 21 working days
			b.Fatalf("%d finished tickets", len(got))
		}
	}
}
