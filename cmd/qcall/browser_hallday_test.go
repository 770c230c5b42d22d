package main

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"

	"qcall/assets"
	"qcall/queue"
)

// The screens of the hall-day issue, in headless Chromium: the evaluator's
// five levels and its rating window, a sign-out that raises no "connection
// lost", a device page with a wrong token, and an error in the clerk's own
// language.

// offsetClock is the wall clock, or one running from base, moved by an
// offset the test sets: the browser keeps the real time, the hall's events
// are stamped as the test says.
type offsetClock struct {
	base, start time.Time // base zero: the wall clock
	offset      atomic.Int64
}

func newOffsetClock(base time.Time) *offsetClock { return &offsetClock{base: base, start: time.Now()} }

func (c *offsetClock) Now() time.Time {
	now := time.Now()
	if !c.base.IsZero() {
		now = c.base.Add(time.Since(c.start))
	}
	return now.Add(time.Duration(c.offset.Load()))
}

func (c *offsetClock) set(d time.Duration) { c.offset.Store(int64(d)) }

// startHall runs a hall server in the test process on loopback with clock,
// the demo hall or the configuration at config.
func startHall(t *testing.T, config string, clock queue.Clock) *Main {
	t.Helper()
	m := NewMain()
	m.Addr, m.DataDir, m.ConfigPath, m.Clock = "127.0.0.1:0", t.TempDir(), config, clock
	return runMain(t, m)
}

// TestBrowser_EvaluatorFiveLevels: the evaluator asks right after a finish
// with the five levels of the national scale, takes a reason after a bad
// rating, goes back to its welcome when the rating window closes (and the
// server then refuses a late rating), and when the next citizen is called.
func TestBrowser_EvaluatorFiveLevels(t *testing.T) {
	clock := newOffsetClock(time.Time{})
	m := startHall(t, "", clock)
	base := m.URL
	staff := login(t, base, "1001")
	act := func(action string) {
		t.Helper()
		if code := api(t, "POST", base+"/api/windows/1/"+action, staff, map[string]any{}, nil); code != 200 {
			t.Fatalf("%s: %d", action, code)
		}
	}
	for range 5 {
		if code := api(t, "POST", base+"/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, nil); code != 201 {
			t.Fatalf("issue: %d", code)
		}
	}
	act("signin")
	b := browser(t)
	eval := open(t, b, "evaluator", base, "/evaluator.html?window=1&token=demo-evaluator", 1280, 800)
	eval.wait(visible("#e-idle"), 10*time.Second)

	// Finished: the five levels at once, 5 on top, each whole in its button.
	act("call-next")
	act("finish")
	eval.wait(visible(`.e-btn[data-score="1"]`), 10*time.Second)
	eval.checkEachFits(".e-btn")
	if got := eval.eval(`Array.from(document.querySelectorAll(".e-btn")).map((b) => b.dataset.score + b.textContent.trim()).join(",")`); got != "5非常满意,4满意,3基本满意,2不满意,1非常不满意" {
		t.Errorf("the buttons say %q", got)
	}
	eval.shot("evaluator-rate")

	// 不满意, then why: 态度.
	eval.do(chromedp.Click(chromedp.CSS(`.e-btn[data-score="2"]`)))
	eval.wait(visible(`.e-reason[data-reason="attitude"]`), 5*time.Second)
	eval.checkEachFits(".e-reason, .e-skip")
	if got := eval.eval(`Array.from(document.querySelectorAll(".e-reason")).map((b) => b.textContent.trim()).join(",")`); got != "态度,效率,业务不熟,环境,其他" {
		t.Errorf("the reasons say %q", got)
	}
	eval.shot("evaluator-reason")
	eval.do(chromedp.Click(chromedp.CSS(`.e-reason[data-reason="attitude"]`)))
	eval.wait(visible("#e-thanks"), 10*time.Second)
	director := login(t, base, "9001")
	var evs struct{ Events []queue.Event }
	if code := api(t, "GET", base+"/api/events?limit=1000", director, nil, &evs); code != 200 {
		t.Fatalf("events: %d", code)
	}
	var rated []queue.Event
	for _, e := range evs.Events {
		if e.Type == queue.EvRatingGiven {
			rated = append(rated, e)
		}
	}
	if len(rated) != 1 || rated[0].Score != 2 || rated[0].Reason != "attitude" || rated[0].Scale != 5 {
		t.Fatalf("ratings %+v", rated)
	}
	eval.wait(visible("#e-idle"), 10*time.Second)

	// A finish 115 s ago by the hall's clock: the buttons show for the 5 s
	// left of the 120 s, then the welcome; a late press is refused.
	clock.set(-115 * time.Second)
	act("call-next")
	act("finish")
	clock.set(0)
	eval.wait(visible(`.e-btn[data-score="5"]`), 10*time.Second)
	eval.wait(visible("#e-idle"), 15*time.Second)
	// The page lets go a little early (the server's clock is read to the
	// second); 2 s on, the server refuses too.
	clock.set(2 * time.Second)
	if code := api(t, "POST", base+"/api/ratings", "demo-evaluator", map[string]int{"window": 1, "score": 5}, nil); code != 409 {
		t.Errorf("a rating after the window: %d, want 409", code)
	}

	// The next citizen called: the buttons go.
	act("call-next")
	act("finish")
	eval.wait(visible(`.e-btn[data-score="5"]`), 10*time.Second)
	act("call-next")
	eval.wait(visible("#e-idle"), 10*time.Second)
	if code := api(t, "POST", base+"/api/ratings", "demo-evaluator", map[string]int{"window": 1, "score": 1}, nil); code != 409 {
		t.Errorf("a rating after the next call: %d, want 409", code)
	}

	// In English, the same, whole in their buttons.
	en := open(t, b, "evaluator-en", base, "/evaluator.html?window=1&token=demo-evaluator&lang=en", 1280, 800)
	en.wait(visible("#e-idle"), 10*time.Second)
	act("finish")
	en.wait(visible(`.e-btn[data-score="1"]`), 10*time.Second)
	en.checkEachFits(".e-btn")
	if got := en.text(`.e-btn[data-score="1"]`); got != "Very dissatisfied" {
		t.Errorf("en: score 1 says %q", got)
	}
	en.shot("evaluator-rate-en")
	en.do(chromedp.Click(chromedp.CSS(`.e-btn[data-score="1"]`)))
	en.wait(visible(`.e-reason[data-reason="knowledge"]`), 5*time.Second)
	en.checkEachFits(".e-reason, .e-skip")
	en.shot("evaluator-reason-en")
	en.do(chromedp.Click(chromedp.CSS(`#e-why-skip`)))
	en.wait(visible("#e-thanks"), 10*time.Second)
}

// terminalPick opens the terminal in a new tab of b, logs jobNo in, and
// waits for the windows to choose from.
func terminalPick(t *testing.T, b context.Context, base, jobNo string) *screen {
	t.Helper()
	term := open(t, b, "terminal "+jobNo, base, "/terminal.html", 1366, 768)
	term.wait(visible("#t-jobno"), 10*time.Second)
	term.do(
		chromedp.SetValue(chromedp.CSS("#t-jobno"), jobNo),
		chromedp.SetValue(chromedp.CSS("#t-password"), "demo"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	term.wait(visible(`.t-win[data-window="1"]`), 20*time.Second)
	return term
}

// TestBrowser_TerminalWindowList: the windows a clerk chooses from follow
// the hall from the staff stream: another clerk signing in, going on a
// break (the window becomes one to take over, 1001 holding its B-post) and
// signing out each change the list at once, and the page does not ask the
// server for the windows again (it used to, every 4 s).
func TestBrowser_TerminalWindowList(t *testing.T) {
	m := startHall(t, "", nil)
	b := browser(t)
	term := terminalPick(t, b, m.URL, "1001")
	// Count the page's requests for the windows from now on.
	term.eval(`window.__asked = 0; window.__t0 = performance.now(); const f = window.fetch; window.fetch = (u, ...a) => { if (String(u).includes("/api/windows")) window.__asked++; return f(u, ...a); }; ""`)
	li := login(t, m.URL, "1002")
	act := func(action string, body any) {
		t.Helper()
		if code := api(t, "POST", m.URL+"/api/windows/2/"+action, li, body, nil); code != 200 {
			t.Fatalf("%s: %d", action, code)
		}
	}
	win2 := `document.querySelector('.t-win[data-window="2"]')`
	for _, step := range []struct {
		action string
		body   any
		shows  string // the JavaScript test of the list after it
	}{
		{"signin", map[string]any{}, win2 + `.disabled && ` + win2 + `.textContent.includes("李强")`},
		{"whereabouts", map[string]string{"status": "break"}, `!` + win2 + `.disabled && ` + win2 + `.classList.contains("takeable")`},
		{"signout", map[string]any{}, `!` + win2 + `.disabled && !` + win2 + `.classList.contains("takeable") && !` + win2 + `.textContent.includes("李强")`},
	} {
		act(step.action, step.body)
		term.wait(step.shows, 10*time.Second)
	}
	// Longer than the 4 s the page used to ask again in.
	term.wait(`performance.now() - window.__t0 > 5000`, 10*time.Second)
	if n := term.eval(`String(window.__asked)`); n != "0" {
		t.Errorf("the page asked for the windows %s times", n)
	}
	// 1001 signed in at window 1 from another terminal: this one goes to
	// that desk.
	if code := api(t, "POST", m.URL+"/api/windows/1/signin", login(t, m.URL, "1001"), map[string]any{}, nil); code != 200 {
		t.Fatalf("signin: %d", code)
	}
	term.wait(visible("#t-desk")+` && document.querySelector("#t-window-name").textContent === "1号窗口"`, 10*time.Second)
}

// TestBrowser_SignoutNoBanner: a clerk signs out: no "connection lost"
// banner comes (the terminal closed its socket on purpose), and 退出登录 is
// there to click, even while the banner shows for a real loss.
func TestBrowser_SignoutNoBanner(t *testing.T) {
	m := startHall(t, "", nil)
	b := browser(t)
	term := terminalPick(t, b, m.URL, "1001")
	term.do(chromedp.Click(chromedp.CSS(`.t-win[data-window="1"]`)))
	term.wait(visible("#t-desk")+" && "+visible("#t-btn-signout"), 10*time.Second)
	// Watch the banner from now on, every 20 ms.
	term.eval(`window.__bannerSeen = false; setInterval(() => { const e = document.querySelector("#q-offline"); if (e && !e.hidden) window.__bannerSeen = true; }, 20); ""`)
	term.do(chromedp.Click(chromedp.CSS("#t-btn-signout")))
	term.wait(visible(`.t-win[data-window="1"]`), 10*time.Second)
	// The "lost" timer is 1.2 s: 3 s without a banner.
	term.eval(`window.__t0 = performance.now(); ""`)
	term.wait(`performance.now() - window.__t0 > 3000`, 6*time.Second)
	if seen := term.eval(`String(window.__bannerSeen)`); seen != "false" {
		t.Fatal("a 'connection lost' banner came after 签退")
	}
	// Even with the banner up, nothing covers 退出登录.
	term.eval(`Q.setOffline(true); ""`)
	term.wait(visible("#q-offline"), 5*time.Second)
	onTop := `(() => { const b = document.querySelector("#t-btn-logout"); const r = b.getBoundingClientRect(); return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === b; })()`
	term.wait(onTop, 5*time.Second)
	term.shot("terminal-offline")
	term.eval(`Q.setOffline(false); ""`)
	term.do(chromedp.Click(chromedp.CSS("#t-btn-logout")))
	term.wait(visible("#t-jobno"), 10*time.Second)
}

// TestBrowser_LogoutElsewhere: a clerk logs out in another tab of the same
// browser (the same session): the terminal's streams are closed by the
// server (4001), and the terminal goes back to its login at once, without a
// "connection lost" banner, instead of going on hearing its window's queue.
func TestBrowser_LogoutElsewhere(t *testing.T) {
	m := startHall(t, "", nil)
	b := browser(t)
	term := terminalPick(t, b, m.URL, "1001")
	term.do(chromedp.Click(chromedp.CSS(`.t-win[data-window="1"]`)))
	term.wait(visible("#t-desk"), 10*time.Second)
	term.eval(`window.__atDesk = true; ""`)
	other := open(t, b, "another tab", m.URL, "/terminal.html", 1366, 768)
	other.wait(visible("#t-desk"), 10*time.Second) // the same session, at the same desk
	other.do(chromedp.Click(chromedp.CSS("#t-btn-logout")))
	other.wait(visible("#t-jobno"), 10*time.Second)
	// The page started again (a reload, which the 4001 close asks for),
	// at its login, with no banner.
	term.waitAcrossLoads(`!window.__atDesk && `+visible("#t-jobno")+` && !`+visible("#q-offline"), 10*time.Second)
}

// TestBrowser_BadToken: a device page with a wrong token, or the token of
// another kind of device, says so plainly, in its language, instead of
// "connection lost".
func TestBrowser_BadToken(t *testing.T) {
	m := startHall(t, "", nil)
	b := browser(t)
	for _, c := range []struct {
		name, path, lang, key string
	}{
		{"hall-bad-token", "/hall.html?token=wrong-token", "zh-CN", "web.error.bad_token"},
		{"evaluator-kiosk-token", "/evaluator.html?window=1&token=demo-kiosk", "zh-CN", "web.error.wrong_token"},
		{"window-bad-token-en", "/window.html?window=1&token=wrong-token&lang=en", "en", "web.error.bad_token"},
	} {
		sc := open(t, b, c.name, m.URL, c.path, 1280, 800)
		want := assets.T(c.lang, c.key)
		sc.wait(visible("#q-offline")+" && "+textIs("#q-offline", want), 10*time.Second)
		sc.shot(c.name)
		// It stays said: the banner never turns into "connection lost".
		sc.eval(`window.__t0 = performance.now(); window.__lost = false; setInterval(() => { if (document.querySelector("#q-offline").textContent === Q.t("web.offline")) window.__lost = true; }, 20); ""`)
		sc.wait(`performance.now() - window.__t0 > 2500`, 5*time.Second)
		if lost := sc.eval(`String(window.__lost)`); lost != "false" || sc.text("#q-offline") != want {
			t.Errorf("%s: the banner says %q (lost %s), want %q", c.name, sc.text("#q-offline"), lost, want)
		}
	}
}

// TestBrowser_ErrorInTheClerksLanguage: the example hall after its cut-off
// refuses a sign-out while citizens wait; the terminal says so in Chinese
// from the catalogue, with the count, and no engine English.
func TestBrowser_ErrorInTheClerksLanguage(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clock := newOffsetClock(time.Date(2026, 3, 2, 16, 50, 0, 0, shanghai)) // a Monday
	m := startHall(t, filepath.Join("..", "..", "docs", "hall.example.toml"), clock)
	for range 2 {
		if code := api(t, "POST", m.URL+"/api/tickets", "change-me-kiosk-1", map[string]string{"service": "employment"}, nil); code != 201 {
			t.Fatalf("issue: %d", code)
		}
	}
	b := browser(t)
	term := open(t, b, "terminal", m.URL, "/terminal.html", 1366, 768)
	term.wait(visible("#t-jobno"), 10*time.Second)
	term.do(
		chromedp.SetValue(chromedp.CSS("#t-jobno"), "1001"),
		chromedp.SetValue(chromedp.CSS("#t-password"), "change-me"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	term.wait(visible(`.t-win[data-window="1"]`), 20*time.Second)
	term.do(chromedp.Click(chromedp.CSS(`.t-win[data-window="1"]`)))
	term.wait(visible("#t-desk")+" && "+visible("#t-btn-signout"), 10*time.Second)
	clock.set(20 * time.Minute) // 17:10, after the 17:00 cut-off
	term.do(chromedp.Click(chromedp.CSS("#t-btn-signout")))
	want := "还有 2 位可在本窗口办理的群众在等候，暂不能签退"
	term.wait(textIs("#t-msg", want), 10*time.Second)
	for _, r := range term.text("#t-msg") {
		if r < 0x80 && unicode.IsLetter(r) {
			t.Fatalf("the terminal says %q: Latin letters in a Chinese message", term.text("#t-msg"))
		}
	}
	term.shot("terminal-signout-refused")
}
