package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"qcall/queue"
)

// The duty director's console, driven in a real headless Chromium: the
// alerts with their actions, the hall's actions, a bad rating's follow-up
// from assignment to appeal (at the rated clerk's terminal), decision and
// close, the registers searched by date, and the console back after a
// restart; photographed in both languages at 1366×768 and 1920×1080, with
// a check that nothing overflows.

// startDirectorHall runs a hall server with clock, its time rules and the
// hub's clock rounds every 100 ms.
func startDirectorHall(t *testing.T, dir, addr string, clock queue.Clock) *Main {
	t.Helper()
	m := NewMain()
	m.Addr, m.DataDir, m.Clock, m.TickEvery = addr, dir, clock, 100*time.Millisecond
	return runMain(t, m)
}

// click clicks sel once it shows.
func (s *screen) click(sel string) {
	s.t.Helper()
	s.wait(visible(sel), 10*time.Second)
	s.do(chromedp.Click(chromedp.CSS(sel)))
}

// confirm submits the console's dialog and waits for it to close.
func (s *screen) confirm() {
	s.t.Helper()
	s.click(`#d-dialog button[type="submit"]`)
	s.wait(`!document.querySelector("#d-dialog").open`, 10*time.Second)
}

func TestBrowser_Director(t *testing.T) {
	// Yesterday and today, by the wall clock, so that the page's own clock
	// agrees with the hall's.
	zone := mustLoad(t, "Asia/Shanghai")
	now := time.Now().In(zone)
	day1 := now.AddDate(0, 0, -1)
	d1, d2, d0 := day1.Format(time.DateOnly), now.Format(time.DateOnly), now.AddDate(0, 0, -2).Format(time.DateOnly)
	clock := queue.NewManualClock(day1)
	dir := t.TempDir()
	m := startDirectorHall(t, dir, "127.0.0.1:0", clock)
	base := m.URL
	post := func(token, path string, body any, out any) {
		t.Helper()
		if body == nil {
			body = map[string]any{}
		}
		if code := api(t, "POST", base+path, token, body, out); code/100 != 2 {
			t.Fatalf("POST %s: %d", path, code)
		}
	}
	issue := func(svc string) {
		t.Helper()
		post("demo-kiosk", "/api/tickets", map[string]string{"service": svc}, nil)
	}

	// Yesterday: a refusal read, a bad rating (a follow-up opens).
	s1 := login(t, base, "1001")
	director := login(t, base, "9001")
	post(s1, "/api/windows/1/signin", nil, nil)
	issue("employment")
	issue("employment")
	post(s1, "/api/windows/1/call-next", nil, nil)
	var r1 queue.Refusal
	post(s1, "/api/windows/1/reject", map[string]string{"reason": "第一天的否定", "basis": "条例第一条"}, &r1)
	post(director, "/api/refusals/"+r1.ID+"/ack", nil, nil)
	post(s1, "/api/windows/1/call-next", nil, nil)
	post(s1, "/api/windows/1/finish", nil, nil)
	post("demo-evaluator", "/api/ratings", map[string]int{"window": 1, "score": 1}, nil)

	// Today: a refusal to read, an express request, a service nobody
	// serves, a printer out of paper.
	clock.Set(now)
	s1 = login(t, base, "1001")
	director = login(t, base, "9001")
	post(s1, "/api/windows/1/signin", nil, nil)
	issue("employment")
	issue("employment")
	issue("injury")
	post(s1, "/api/windows/1/call-next", nil, nil)
	post(s1, "/api/windows/1/reject", map[string]string{"reason": "第二天的否定", "basis": "条例第二条"}, nil)
	post(s1, "/api/windows/1/call-next", nil, nil)
	post(s1, "/api/windows/1/express", map[string]string{"reason": "年老体弱"}, nil)
	post("demo-agent", "/api/devices/status", map[string]any{"device": "printer-1", "status": "paper_out", "kiosks": []string{"kiosk-1"}}, nil)

	b := browser(t)
	console := open(t, b, "director", base, "/director.html?lang=zh-CN", 1366, 768)
	console.wait(visible("#d-jobno"), 10*time.Second)
	console.do(
		chromedp.SendKeys(chromedp.CSS("#d-jobno"), "9001"),
		chromedp.SendKeys(chromedp.CSS("#d-password"), "demo"),
		chromedp.Click(chromedp.CSS(`#d-login-form button[type="submit"]`)),
	)
	alert := func(kind string) string { return `#d-alerts li[data-kind="` + kind + `"]` }
	has := func(kind string) string { return `!!document.querySelector('` + alert(kind) + `')` }
	console.wait(has("unserved")+" && "+has("express")+" && "+has("refusal")+" && "+has("paper_out")+" && "+has("followup_open"), 10*time.Second)
	// Loudest first: the urgent ones (red) before the rest.
	if got := console.eval(`document.querySelector("#d-alerts li").className`); !strings.Contains(got, "level-3") {
		t.Errorf("first alert %q, want an urgent one", got)
	}
	if got := console.text(alert("unserved") + " .d-alert-text"); !strings.Contains(got, "工伤保险") || !strings.Contains(got, "1 人") {
		t.Errorf("unserved alert says %q", got)
	}
	console.checkFits("console 1366×768", false)
	console.shot("director-zh-1366-start")

	// A temporary window for the service nobody serves, from its alert;
	// then closed from the window's row: the alert comes back.
	console.click(alert("unserved") + ` [data-act="open_temporary"]`)
	console.wait(`document.querySelector('#d-dialog input[name="services"][value="injury"]').checked`, 5*time.Second)
	console.checkFits("the temporary window dialog", false)
	console.shot("director-zh-temporary")
	console.confirm()
	console.wait("!"+has("unserved")+` && document.querySelector('#d-windows tr[data-window="1"] .badge')`, 10*time.Second)
	console.click(`#d-windows tr[data-window="1"] [data-act="close_temporary"]`)
	console.wait(has("unserved")+` && !document.querySelector('#d-windows tr[data-window="1"] .badge')`, 10*time.Second)

	// A service's backup windows opened by hand: nobody is at them, which is
	// an alert whose action closes them again.
	console.click(`#d-services tr[data-service="pension"] [data-act="open_backup"]`)
	console.wait(has("backup_unstaffed")+` && document.querySelector('#d-services tr[data-service="pension"] .badge')`, 10*time.Second)
	console.click(alert("backup_unstaffed") + ` [data-act="close_backup"]`)
	console.wait("!"+has("backup_unstaffed")+` && !document.querySelector('#d-services tr[data-service="pension"] .badge')`, 10*time.Second)

	// The express request denied with a reason; the refusal read.
	console.click(alert("express") + ` [data-act="deny_express"]`)
	console.do(chromedp.SendKeys(chromedp.CSS(`#d-dialog textarea[name="reason"]`), "不符合快捷条件"))
	console.confirm()
	console.wait("!"+has("express"), 10*time.Second)
	console.click(alert("refusal") + ` [data-act="ack_refusal"]`)
	console.wait("!"+has("refusal"), 10*time.Second)
	var express []queue.ExpressRequest
	if code := api(t, "GET", base+"/api/express", director, nil, &express); code != 200 || len(express) != 1 ||
		express[0].State != "denied" || express[0].Note != "不符合快捷条件" {
		t.Errorf("express register: %d %+v", code, express)
	}

	// Leave to sign out after hours for window 1; window 2, abandoned while
	// signed in, released.
	console.click(`#d-windows tr[data-window="1"] [data-act="allow_signout"]`)
	console.wait(`document.querySelector("#d-msg").textContent === Q.t("web.dir.done.signout_allowed")`, 10*time.Second)
	post(login(t, base, "1002"), "/api/windows/2/signin", nil, nil)
	console.click(`#d-windows tr[data-window="2"] [data-act="release"]`)
	console.confirm()
	console.wait(`!document.querySelector('#d-windows tr[data-window="2"] [data-act="release"]')`, 10*time.Second)
	var evs struct{ Events []queue.Event }
	if code := api(t, "GET", base+"/api/events?limit=1000", director, nil, &evs); code != 200 {
		t.Fatal(code)
	}
	var allowed, released bool
	for _, e := range evs.Events {
		allowed = allowed || e.Type == queue.EvSignoutAllowed && e.Window == 1
		released = released || e.Type == queue.EvWindowReleased && e.Window == 2
	}
	if !allowed || !released {
		t.Errorf("signout allowed %v, window released %v", allowed, released)
	}

	// The follow-up: assigned from the console …
	console.click(`.d-tab[data-tab="followups"]`)
	fu := `#d-followups tr[data-followup]`
	console.wait(visible(fu), 10*time.Second)
	console.click(fu + ` [data-act="assign_followup"]`)
	console.do(chromedp.SendKeys(chromedp.CSS(`#d-dialog input[name="job_no"]`), "1011"))
	console.confirm()
	console.wait(`document.querySelector('`+fu+`').textContent.includes("1011")`, 10*time.Second)

	// … appealed by the rated clerk at the counter terminal …
	// (A browser of its own: the console's session cookie is the director's.)
	term := open(t, browser(t), "terminal", base, "/terminal.html?lang=zh-CN", 1366, 768)
	term.wait(visible("#t-jobno"), 10*time.Second)
	term.do(
		chromedp.SendKeys(chromedp.CSS("#t-jobno"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#t-password"), "demo"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	term.wait(visible("#t-desk")+` && `+textIs("#t-fu-count", "1"), 30*time.Second)
	term.click("#t-btn-followups")
	term.wait(visible(`#d-followups textarea[name="appeal"]`), 5*time.Second)
	term.do(chromedp.SendKeys(chromedp.CSS(`#d-followups textarea[name="appeal"]`), "当时系统故障，办事人等候过久"))
	term.shot("terminal-followups")
	term.click(`#d-followups [data-act="appeal"]`)
	term.wait(`document.querySelector("#t-msg").textContent === Q.t("web.term.fu.appealed") && !document.querySelector('#d-followups textarea[name="appeal"]')`, 10*time.Second)

	// … the appeal upheld, and the follow-up closed, on the console.
	console.click(fu + ` [data-act="decide_appeal"]`)
	console.do(
		chromedp.Click(chromedp.CSS(`#d-dialog input[name="upheld"][value="yes"]`)),
		chromedp.SendKeys(chromedp.CSS(`#d-dialog textarea[name="note"]`), "经核实，系统故障所致"),
	)
	console.confirm()
	console.wait(`!document.querySelector('`+fu+` [data-act="decide_appeal"]') && document.querySelector('`+fu+`').textContent.includes(Q.t("web.dir.appeal.upheld"))`, 10*time.Second)
	console.checkFits("the follow-ups tab", false)
	console.shot("director-zh-followups")
	console.click(fu + ` [data-act="close_followup"]`)
	console.do(
		chromedp.Click(chromedp.CSS(`#d-dialog input[name="contacted"]`)),
		chromedp.SendKeys(chromedp.CSS(`#d-dialog textarea[name="finding"]`), "取号机故障导致等候过久"),
		chromedp.SendKeys(chromedp.CSS(`#d-dialog textarea[name="action"]`), "已更换取号机并回访致歉"),
	)
	console.confirm()
	console.wait(`!document.querySelector('`+fu+`')`, 10*time.Second)
	term.wait(`document.querySelector("#d-followups .state").textContent.includes(Q.t("web.dir.state.closed"))`, 10*time.Second)

	// The registers, by date: yesterday's refusal, today's, both; the
	// follow-ups register shows the closed one, out of evaluations.
	search := func(kind, from, to, state string, rows int) {
		t.Helper()
		console.do(chromedp.SetValue(chromedp.CSS("#d-reg-kind"), kind))
		console.eval(`document.querySelector("#d-reg-kind").dispatchEvent(new Event("change")), ""`)
		console.do(
			chromedp.SetValue(chromedp.CSS("#d-reg-from"), from),
			chromedp.SetValue(chromedp.CSS("#d-reg-to"), to),
			chromedp.SetValue(chromedp.CSS("#d-reg-state"), state),
			chromedp.Click(chromedp.CSS(`#d-reg-form button[type="submit"]`)),
		)
		console.wait(fmt.Sprintf(`document.querySelector("#d-reg-note").textContent === Q.t("web.dir.reg.count", {n: %d}) && document.querySelectorAll("#d-reg-rows tr").length === %d`, rows, rows), 10*time.Second)
	}
	// A question at the front desk, taken to a window (首问负责).
	post(login(t, base, "1003"), "/api/inquiries", map[string]any{"topic": "医保异地备案怎么办", "answered": false, "referred_to": "6号窗口"}, nil)
	console.click(`.d-tab[data-tab="registers"]`)
	console.wait(visible("#d-reg-rows"), 5*time.Second)
	search("inquiries", d2, d2, "", 1)
	if got := console.text("#d-reg-rows"); !strings.Contains(got, "医保异地备案怎么办") || !strings.Contains(got, "6号窗口") {
		t.Errorf("inquiry log: %q", got)
	}
	search("refusals", d1, d1, "", 1)
	if got := console.text("#d-reg-rows"); !strings.Contains(got, "第一天的否定") {
		t.Errorf("Thursday's refusals: %q", got)
	}
	search("refusals", d2, d2, "", 1)
	if got := console.text("#d-reg-rows"); !strings.Contains(got, "第二天的否定") {
		t.Errorf("Friday's refusals: %q", got)
	}
	search("refusals", d1, d2, "", 2)
	search("refusals", d1, d2, "acknowledged", 2)
	search("refusals", d0, d0, "", 0)
	search("express", d2, d2, "denied", 1)
	search("followups", d1, d1, "closed", 1)
	if got := console.text("#d-reg-rows"); !strings.Contains(got, "已更换取号机") || !strings.Contains(got, "申诉成立") {
		t.Errorf("follow-ups register: %q", got)
	}
	console.checkFits("the registers tab", false)
	console.shot("director-zh-registers")

	// The pictures in both languages and both sizes, each fitting.
	for _, lang := range []string{"zh-CN", "en"} {
		for _, size := range [][2]int64{{1366, 768}, {1920, 1080}} {
			name := fmt.Sprintf("director-%s-%d", strings.ToLower(lang[:2]), size[0])
			sc := open(t, b, name, base, "/director.html?lang="+lang, size[0], size[1])
			sc.wait(has("unserved")+" && "+has("paper_out"), 10*time.Second)
			// A name and job number in the page's own brackets.
			if who, want := sc.text("#d-who"), map[string]string{"zh-CN": "马建国（9001）", "en": "Ma Jianguo (9001)"}[lang]; who != want {
				t.Errorf("%s: signed in as %q, want %q", name, who, want)
			}
			sc.checkFits(name, false)
			sc.shot(name)
			sc.click(`.d-tab[data-tab="registers"]`)
			sc.wait(`document.querySelector("#d-reg-note").textContent !== ""`, 10*time.Second)
			sc.checkFits(name+" registers", false)
			sc.shot(name + "-registers")
		}
	}

	// A restart: the console comes back by itself with its alerts, and the
	// follow-up's record is there.
	addr := strings.TrimPrefix(base, "http://")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	console.wait(visible("#q-offline"), 10*time.Second)
	m2 := startDirectorHall(t, dir, addr, clock)
	console.wait("!"+visible("#q-offline")+" && "+has("unserved")+" && "+has("paper_out"), 15*time.Second)
	var fs []queue.FollowupRecord
	if code := api(t, "GET", m2.URL+"/api/followups?from="+d1+"&to="+d2, login(t, m2.URL, "9001"), nil, &fs); code != 200 ||
		len(fs) != 1 || fs[0].State != "closed" || !fs[0].Excluded || fs[0].Assignee != "1011" {
		t.Errorf("follow-ups after the restart: %d %+v", code, fs)
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestBrowser_DirectorOvernight: a console left open from one evening to
// the next morning. The registers name staff who have left their window by
// name, not by job number alone; their dates move on to the new business
// day; and once the 12-hour session has expired the console goes back to
// its login and says so, rather than going on showing a hall it can no
// longer act on.
func TestBrowser_DirectorOvernight(t *testing.T) {
	zone := mustLoad(t, "Asia/Shanghai")
	now := time.Now().In(zone)
	y, mo, d := now.AddDate(0, 0, -1).Date()
	evening := time.Date(y, mo, d, 22, 0, 0, 0, zone)
	y, mo, d = now.Date()
	morning := time.Date(y, mo, d, 8, 50, 0, 0, zone)
	d1, d2 := evening.Format(time.DateOnly), morning.Format(time.DateOnly)
	clock := queue.NewManualClock(evening)
	m := startDirectorHall(t, t.TempDir(), "127.0.0.1:0", clock)
	base := m.URL

	// 李强 (1002) asks for express service, and leaves his window.
	s2, director := login(t, base, "1002"), login(t, base, "9001")
	none := map[string]string{}
	for _, step := range []struct {
		token, path string
		body        map[string]string
	}{
		{s2, "/api/windows/2/signin", none}, {"demo-kiosk", "/api/tickets", map[string]string{"service": "employment"}},
		{s2, "/api/windows/2/call-next", none}, {s2, "/api/windows/2/express", map[string]string{"reason": "年老体弱"}},
		{director, "/api/windows/2/release", none},
	} {
		if code := api(t, "POST", base+step.path, step.token, step.body, nil); code/100 != 2 {
			t.Fatalf("POST %s: %d", step.path, code)
		}
	}

	// The console's machine is set to another zone than the hall's: the
	// times are the hall's all the same.
	console := open(t, browser(t), "director", base, "/director.html?lang=zh-CN", 1366, 768)
	console.do(timezone("America/Los_Angeles"), chromedp.Reload())
	console.wait(visible("#d-jobno"), 10*time.Second)
	console.do(
		chromedp.SendKeys(chromedp.CSS("#d-jobno"), "9001"),
		chromedp.SendKeys(chromedp.CSS("#d-password"), "demo"),
		chromedp.Click(chromedp.CSS(`#d-login-form button[type="submit"]`)),
	)
	console.wait(visible("#d-main"), 10*time.Second)
	// Yesterday evening's request has stood for hours: its alert says from
	// when, not "已持续 1260 分钟".
	console.wait(fmt.Sprintf(`[...document.querySelectorAll("#d-alerts .d-since")].some((e) => e.textContent === %q)`,
		"自 "+evening.Format("01/02 15:04")+" 起"), 10*time.Second)
	console.click(`.d-tab[data-tab="registers"]`)
	console.set("#d-reg-kind", "express")
	console.wait(`document.querySelector("#d-reg-from").value === "`+d1+`" && document.querySelector("#d-reg-rows").textContent.includes("李强（1002）")`, 10*time.Second)
	if at := console.text("#d-reg-rows td"); at != evening.Format("01/02 15:04") {
		t.Errorf("the express request was made at %q, want the hall's %s", at, evening.Format("01/02 15:04"))
	}

	// The next morning the registers show the new day.
	clock.Set(morning)
	console.wait(fmt.Sprintf(`document.querySelector("#d-reg-from").value === %q && document.querySelector("#d-reg-to").value === %q`+
		` && document.querySelector("#d-reg-note").textContent === Q.t("web.dir.reg.count", {n: 0})`, d2, d2), 10*time.Second)

	// Past the session's 12 hours the hub closes the console's stream, and
	// the console goes back to the login and says why (no reload, which
	// would lose the words), without the director doing anything.
	clock.Set(evening.Add(12*time.Hour + time.Minute))
	console.wait(visible("#d-login-form")+` && !`+visible("#d-main")+
		` && document.querySelector("#d-login-error").textContent === Q.t("web.term.session_ended")`, 10*time.Second)
	console.shot("director-session-ended")
}
