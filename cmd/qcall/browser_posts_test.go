package main

// Deadlines are 30 s: a login (bcrypt) under -race on a loaded machine takes seconds.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser_CoverTakeover (AB岗): the A-post holder of window 1 goes on a
// break; the B-post holder, on the terminal's window list, is asked to
// cover and takes window 1 over with one click; the A-post holder's
// terminal says in words who took the window over; the gap is recorded for
// the director.
func TestBrowser_CoverTakeover(t *testing.T) {
	m := startMainAt(t, t.TempDir(), "127.0.0.1:0")
	base := m.URL
	// Two browsers: each terminal has its own session cookie.
	bA, bB := browser(t), browser(t)

	termA := open(t, bA, "terminal-a", base, "/terminal.html", 1366, 768)
	termA.wait(visible("#t-jobno"), 30*time.Second)
	termA.do(
		chromedp.SendKeys(chromedp.CSS("#t-jobno"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#t-password"), "demo"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	termA.wait(visible(`.t-win[data-window="1"]`), 30*time.Second)
	termA.do(chromedp.Click(chromedp.CSS(`.t-win[data-window="1"]`)))
	termA.wait(visible("#t-desk")+" && "+textIs("#t-window-name", "1号窗口"), 30*time.Second)

	termB := open(t, bB, "terminal-b", base, "/terminal.html", 1366, 768)
	termB.wait(visible("#t-jobno"), 30*time.Second)
	termB.do(
		chromedp.SendKeys(chromedp.CSS("#t-jobno"), "1011"), // B-post of windows 1–3, A-post of none
		chromedp.SendKeys(chromedp.CSS("#t-password"), "demo"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	termB.wait(visible(`.t-win[data-window="1"]`)+` && document.querySelector('.t-win[data-window="1"]').disabled`, 30*time.Second)

	// 1001 goes on a break from the terminal.
	termA.do(chromedp.Click(chromedp.CSS("#t-btn-where")))
	termA.wait(visible("#d-where"), 5*time.Second)
	termA.do(
		chromedp.Click(chromedp.CSS(`#d-where input[value="break"]`)),
		chromedp.Click(chromedp.CSS(`#d-where button[type=submit]`)),
	)
	// 1011's window list: asked to cover, window 1 now open to take over.
	termB.wait(visible(`#t-cover button[data-take="1"]`)+` && !document.querySelector('.t-win[data-window="1"]').disabled`, 30*time.Second)
	if got := termB.text("#t-cover"); !strings.Contains(got, "1号窗口 A岗人员暂离，请您顶岗") {
		t.Errorf("the request to cover says %q", got)
	}
	termB.shot("terminal-cover-request")
	termB.do(chromedp.Click(chromedp.CSS(`#t-cover button[data-take="1"]`)))
	termB.wait(visible("#t-desk")+" && "+textIs("#t-window-name", "1号窗口")+` && document.querySelector("#t-cover").hidden`, 30*time.Second)

	// 1001's terminal is told what happened, in words.
	termA.wait(visible("#t-pick")+` && document.querySelector("#t-pick-msg").textContent.includes("徐慧")`, 30*time.Second)
	if got, want := termA.text("#t-pick-msg"), "1号窗口 已由 B岗 徐慧（1011） 接替，您已签出该窗口"; got != want {
		t.Errorf("the replaced person's terminal says %q, want %q", got, want)
	}
	termA.shot("terminal-taken-over")

	var covers []struct {
		Window    int    `json:"window"`
		Staff     string `json:"staff"`
		CoveredBy string `json:"covered_by"`
		Reason    string `json:"reason"`
		Open      bool   `json:"open"`
	}
	if code := api(t, "GET", base+"/api/covers", login(t, base, "9001"), nil, &covers); code != 200 || len(covers) == 0 {
		t.Fatalf("GET /api/covers: %d %+v", code, covers)
	}
	if c := covers[0]; c.Window != 1 || c.Staff != "1001" || c.CoveredBy != "1011" || c.Reason != "break" || c.Open {
		t.Errorf("the gap %+v", c)
	}
}
