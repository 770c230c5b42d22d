package main

// Deadlines are 30 s: a login (bcrypt) under -race on a loaded machine takes seconds.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser_CaseDeadline (限时办结): the clerk finishes a ticket as a case
// with the service's committed working days; the terminal says the case and
// its due date; the citizen's phone shows the open case and its due date in
// Chinese and in English instead of "办理完毕"; the clerk lists their open
// cases in the terminal and closes the case there, and the phone says so.
func TestBrowser_CaseDeadline(t *testing.T) {
	m := startMainAt(t, t.TempDir(), "127.0.0.1:0")
	base := m.URL
	var issued struct {
		StatusURL string `json:"status_url"`
	}
	if code := api(t, "POST", base+"/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, &issued); code != 201 {
		t.Fatalf("issue: %d", code)
	}
	b := browser(t)
	term := open(t, b, "terminal", base, "/terminal.html", 1366, 768)
	term.wait(visible("#t-jobno"), 30*time.Second)
	term.do(
		chromedp.SendKeys(chromedp.CSS("#t-jobno"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#t-password"), "demo"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	term.wait(visible(`.t-win[data-window="1"]`), 30*time.Second)
	term.do(chromedp.Click(chromedp.CSS(`.t-win[data-window="1"]`)))
	term.wait(visible("#t-desk")+` && `+textIs("#t-queue .num", "A001"), 30*time.Second)
	term.do(chromedp.Click(chromedp.CSS(`.t-act[data-act="callNext"]`)))
	term.wait(textIs("#t-cur-number", "A001"), 30*time.Second)
	term.do(chromedp.Click(chromedp.CSS(`.t-act[data-act="finish"]`)))
	term.wait(visible("#d-finish"), 5*time.Second)
	term.do(
		chromedp.Click(chromedp.CSS(`#d-finish input[value="default"]`)),
		chromedp.Click(chromedp.CSS(`#d-finish button[type=submit]`)),
	)
	term.wait(`document.querySelector("#t-msg").textContent.includes("限时办结")`, 30*time.Second)

	var cases []struct {
		ID  string `json:"id"`
		Due string `json:"due"`
	}
	if code := api(t, "GET", base+"/api/cases", login(t, base, "1001"), nil, &cases); code != 200 || len(cases) != 1 {
		t.Fatalf("GET /api/cases: %d %+v", code, cases)
	}
	id, due := cases[0].ID, cases[0].Due[:10]
	if d, err := time.Parse(time.DateOnly, due); err != nil || d.Weekday() == time.Sunday {
		t.Errorf("due %s (%v)", due, err)
	}
	if got, want := term.text("#t-msg"), "A001 已受理，限时办结事项 "+id+"，请于 "+due+" 前办结"; got != want {
		t.Errorf("terminal says %q, want %q", got, want)
	}
	term.shot("terminal-case-opened")

	// The phone: the open case and its due date, in both languages.
	phone := open(t, b, "phone", issued.StatusURL, "", 390, 844)
	wantZh := "已受理，限时办结事项 " + id + "，承诺于 " + due + " 前办结"
	phone.wait(visible("#p-status")+" && "+textIs("#p-status", wantZh), 30*time.Second)
	phone.shot("phone-case-open")
	phoneEn := open(t, b, "phone-en", issued.StatusURL+"?lang=en", "", 390, 844)
	phoneEn.wait(visible("#p-status")+" && "+textIs("#p-status", "Accepted as case "+id+": to be completed by "+due), 30*time.Second)
	phoneEn.shot("phone-case-open-en")

	// The clerk's open cases, and closing the case from the terminal.
	term.do(chromedp.Click(chromedp.CSS("#t-btn-cases")))
	term.wait(visible(`#d-cases li[data-case="`+id+`"]`), 30*time.Second)
	if row := term.text(`#d-cases li[data-case="` + id + `"]`); !strings.Contains(row, "A001") || !strings.Contains(row, due) {
		t.Errorf("the case's row says %q", row)
	}
	term.shot("terminal-cases")
	term.do(chromedp.Click(chromedp.CSS(`#d-cases li[data-case="` + id + `"] button`)))
	term.wait(visible("#d-cases li.empty"), 30*time.Second)
	phone.wait(textIs("#p-status", "您的事项 "+id+" 已办结"), 30*time.Second)
	var done []struct {
		Notified bool   `json:"notified"`
		DoneBy   string `json:"done_by"`
	}
	if code := api(t, "GET", base+"/api/cases?state=done", login(t, base, "9001"), nil, &done); code != 200 || len(done) != 1 ||
		!done[0].Notified || done[0].DoneBy != "1001" {
		t.Fatalf("done cases: %d %+v", code, done)
	}
}
