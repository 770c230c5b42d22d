package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser_WaitWording: what the kiosk, the hall screen and the phone say
// of a wait, in Chinese and in English. A service nobody serves says so (暂无
// 窗口办理), never a time; a queue with people in it never says 无需等候, not
// even after services measured at 0 s; and a terminal of a backup window told
// that the director opened the backup by hand is not told the queue is long.
func TestBrowser_WaitWording(t *testing.T) {
	m := startMainAt(t, t.TempDir(), "127.0.0.1:0")
	base := m.URL
	b := browser(t)

	issue := func(service string) string {
		t.Helper()
		var tk struct{ ID string }
		if code := api(t, "POST", base+"/api/tickets", "demo-kiosk", map[string]string{"service": service}, &tk); code != 201 {
			t.Fatalf("issue %s: %d", service, code)
		}
		return tk.ID
	}
	issue("employment")
	second := issue("employment")

	words := map[string]struct{ none, noWindow, oneMin string }{
		"zh-CN": {"无需等候", "暂无窗口办理", "约 1 分钟"},
		"en":    {"no wait", "No window serving now", "about 1 min"},
	}
	type page struct{ kiosk, hall, phone *screen }
	pages := map[string]page{}
	for _, lang := range []string{"zh-CN", "en"} {
		w := words[lang]
		p := page{
			kiosk: open(t, b, "kiosk-"+lang, base, "/kiosk.html?token=demo-kiosk&lang="+lang, 1080, 1920),
			hall:  open(t, b, "hall-"+lang, base, "/hall.html?token=demo-display&lang="+lang, 1920, 1080),
			phone: open(t, b, "phone-"+lang, base, "/t/"+second+"?lang="+lang, 390, 844),
		}
		pages[lang] = p
		// Nobody signed in: employment has no window serving it.
		p.kiosk.wait(contains(`.k-service[data-service="employment"] .k-meta`, w.noWindow), 10*time.Second)
		p.hall.wait(textIs(`tr[data-service="employment"] td:nth-child(3)`, w.noWindow), 10*time.Second)
		p.phone.wait(textIs("#p-wait", w.noWindow), 10*time.Second)
		// Words, not a figure: in Chinese on one line, not "暂无窗口办" and "理".
		if lang == "zh-CN" {
			if n := p.phone.eval(`(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector("#p-wait")); return String(r.getClientRects().length); })()`); n != "1" {
				t.Errorf("the phone's %q takes %s lines", w.noWindow, n)
			}
		}
		p.kiosk.shot("wait-kiosk-nowindow-" + lang)
		p.phone.shot("wait-phone-nowindow-" + lang)
	}

	// Window 1 opens and serves five citizens at once: measured at 0 s each,
	// the median says 0 s, yet two still wait and one is ahead of the phone.
	s1 := login(t, base, "1001")
	if code := api(t, "POST", base+"/api/windows/1/signin", s1, map[string]any{}, nil); code != 200 {
		t.Fatalf("signin: %d", code)
	}
	for range 5 {
		issue("employment")
	}
	// The queue is A001, A002 (the phone's), then five; serve five of them.
	for range 5 {
		for _, action := range []string{"call-next", "start", "finish"} {
			if code := api(t, "POST", base+"/api/windows/1/"+action, s1, map[string]any{}, nil); code != 200 {
				t.Fatalf("%s: %d", action, code)
			}
		}
	}
	// The phone's A002 was called and served; a fresh one has one ahead.
	issue("employment")
	third := issue("employment")
	for _, lang := range []string{"zh-CN", "en"} {
		w, p := words[lang], pages[lang]
		p.hall.wait(textIs(`tr[data-service="employment"] td:nth-child(3)`, w.oneMin), 10*time.Second)
		p.kiosk.wait(contains(`.k-service[data-service="employment"] .k-meta`, w.oneMin), 10*time.Second)
		ph := open(t, b, "phone2-"+lang, base, "/t/"+third+"?lang="+lang, 390, 844)
		ph.wait(visible("#p-waiting")+" && "+textIs("#p-wait", w.oneMin), 10*time.Second)
		for _, sc := range []*screen{p.hall, p.kiosk, ph} {
			if s := sc.eval(`document.body.innerText`); strings.Contains(s, w.none) {
				t.Errorf("%s says %q while people wait:\n%s", sc.name, w.none, s)
			}
		}
		p.hall.shot("wait-hall-" + lang)
		ph.shot("wait-phone-" + lang)
	}

	// Window 3 serves employment as B. The director opens the backup by hand
	// with a short queue: its terminal says the director did, not that the
	// queue is long.
	term := open(t, b, "terminal", base, "/terminal.html?lang=zh-CN", 1366, 768)
	term.wait(visible("#t-jobno"), 10*time.Second)
	term.do(
		chromedp.SendKeys(chromedp.CSS("#t-jobno"), "1003"),
		chromedp.SendKeys(chromedp.CSS("#t-password"), "demo"),
		chromedp.Click(chromedp.CSS("#t-login-btn")),
	)
	term.wait(visible(`.t-win[data-window="3"]`), 10*time.Second)
	term.do(chromedp.Click(chromedp.CSS(`.t-win[data-window="3"]`)))
	term.wait(visible("#t-desk"), 10*time.Second)
	director := login(t, base, "9001")
	if code := api(t, "POST", base+"/api/services/employment/backup", director, map[string]any{"open": true}, nil); code != 200 {
		t.Fatalf("backup: %d", code)
	}
	term.wait(contains("#t-msg", "值班主任已开启"), 10*time.Second)
	if s := term.text("#t-msg"); strings.Contains(s, "等候人数较多") {
		t.Errorf("terminal says %q for a backup opened by hand", s)
	}

	// The transfer dialog offers only the open windows that serve the
	// ticket's service: window 1 (window 2, employment's other A window, is
	// closed; the others do not serve it).
	term.wait(`document.querySelector("#t-queue .num") !== null`, 10*time.Second)
	term.do(chromedp.Click(chromedp.CSS(`.t-act[data-act="callNext"]`)))
	term.wait(`/^A\d+$/.test(document.querySelector("#t-cur-number").textContent.trim())`, 10*time.Second)
	term.do(chromedp.KeyEvent("t"))
	term.wait(visible("#d-transfer")+` && [...document.querySelectorAll('#d-transfer select[name="window"] option')].map((o) => o.value).join(",") === ",1"`, 10*time.Second)
	term.shot("terminal-transfer")

	// The director signs out window 1 from the console (a clerk gone with
	// the window signed in).
	console := open(t, b, "director", base, "/director.html?lang=zh-CN", 1366, 768)
	console.wait(visible("#d-jobno"), 10*time.Second)
	console.do(
		chromedp.SendKeys(chromedp.CSS("#d-jobno"), "9001"),
		chromedp.SendKeys(chromedp.CSS("#d-password"), "demo"),
		chromedp.Click(chromedp.CSS(`#d-login-form button[type="submit"]`)),
	)
	console.click(`#d-windows tr[data-window="1"] [data-act="release"]`)
	console.confirm()
	console.wait(`!document.querySelector('#d-windows tr[data-window="1"] [data-act="release"]')`, 10*time.Second)
	var ws []struct {
		ID    int
		State string
	}
	if code := api(t, "GET", base+"/api/windows", director, nil, &ws); code != 200 || ws[0].ID != 1 || ws[0].State != "closed" {
		t.Fatalf("after the console's release: %d %+v", code, ws[0])
	}
}

// contains is the JavaScript test that element sel's text contains want.
func contains(sel, want string) string {
	return fmt.Sprintf(`((document.querySelector(%q) || {}).textContent || "").includes(%q)`, sel, want)
}
