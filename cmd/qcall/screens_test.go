package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"qcall/queue"
)

// The screens of a busy hall, in both languages, at their natural sizes:
// each is photographed into screenshots/ and checked for text that
// overflows its panel (overflow_test.go).

// hallTOML is the example configuration (docs/hall.example.toml) made into
// a test hall: every account's password is "demo", the English service and
// window names long, the hours open, cut-off and close (empty: the example's).
func hallTOML(t *testing.T, open, cutoff, close string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "hall.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	s = regexp.MustCompile(`password_hash = "[^"]*"`).ReplaceAllLiteralString(s, `password_hash = "`+queue.DemoPasswordHash+`"`)
	s = regexp.MustCompile(`(?m)^\s*public_url = .*$`).ReplaceAllString(s, "")
	for old, long := range map[string]string{
		`"Unemployment benefit claim"`: `"Unemployment insurance benefit claims"`,
		`"Employment registration"`:    `"Employment and entrepreneurship registration"`,
		`"Work injury insurance"`:      `"Work injury and occupational disease insurance"`,
	} {
		if !strings.Contains(s, old) {
			t.Fatalf("hall.example.toml has no %s any more", old)
		}
		s = strings.ReplaceAll(s, old, long)
	}
	for key, v := range map[string]string{"open": open, "issue_cutoff": cutoff, "close": close} {
		if v != "" {
			s = regexp.MustCompile(`(?m)^  `+key+` = "[^"]*"`).ReplaceAllString(s, `  `+key+` = "`+v+`"`)
		}
	}
	p := filepath.Join(t.TempDir(), "hall.toml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The example hall's device tokens.
const (
	exKiosk     = "change-me-kiosk-1"
	exDisplay   = "change-me-hall-screen"
	exEvaluator = "change-me-evaluator-1"
)

// busyHall fills the hall at base: many waiting for every service, eight
// windows staffed and calling or serving, a temporary window, staff away at
// a meeting, on a break and out, five calls made. It returns the id of a
// waiting ticket (for the phone).
func busyHall(t *testing.T, base string) string {
	t.Helper()
	var first struct{ ID string }
	for i := range 9 {
		for _, svc := range []string{"employment", "unemployment", "pension", "medical", "injury", "consult"} {
			var tk struct{ ID string }
			if code := api(t, "POST", base+"/api/tickets", exKiosk, map[string]string{"service": svc}, &tk); code != 201 {
				t.Fatalf("issue %s: %d", svc, code)
			}
			if i == 8 && svc == "employment" {
				first = tk
			}
		}
	}
	staff := map[int]string{}
	for w := 1; w <= 9; w++ {
		staff[w] = login(t, base, "100"+itoa(w))
		if code := api(t, "POST", base+"/api/windows/"+itoa(w)+"/signin", staff[w], map[string]any{}, nil); code != 200 {
			t.Fatalf("sign in at %d: %d", w, code)
		}
	}
	do := func(w int, action string) {
		t.Helper()
		if code := api(t, "POST", base+"/api/windows/"+itoa(w)+"/"+action, staff[w], map[string]any{}, nil); code != 200 {
			t.Fatalf("window %d %s: %d", w, action, code)
		}
	}
	for _, w := range []int{1, 2, 3, 4, 5, 6} {
		do(w, "call-next")
		if w%2 == 0 {
			do(w, "start")
		}
	}
	do(1, "finish")
	do(1, "call-next")
	director := login(t, base, "9001")
	if code := api(t, "POST", base+"/api/windows/9/temporary", director, map[string]any{"services": []string{"employment"}}, nil); code != 200 {
		t.Fatalf("temporary window: %d", code)
	}
	for jobNo, wh := range map[string]map[string]string{
		"1010": {"status": "meeting", "note": "局务会"},
		"1011": {"status": "break"},
		"1012": {"status": "out", "note": "社保中心送件"},
		"1008": {"status": "meeting", "note": "业务培训"},
	} {
		tok := login(t, base, jobNo)
		if code := api(t, "POST", base+"/api/windows/1/whereabouts", tok, wh, nil); code != 200 {
			t.Fatalf("whereabouts %s: %d", jobNo, code)
		}
	}
	return first.ID
}

var itoa = strconv.Itoa

// clickJS clicks element sel from the page's script (a click that cannot
// land beside the element while the page moves).
func clickJS(sel string) chromedp.Action[chromedp.Void] {
	ev := chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).click(), true)`, sel))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := ev(ctx, tg)
		return chromedp.Void{}, err
	}
}

// evalJS runs the JavaScript expr in the page.
func evalJS(expr string) chromedp.Action[chromedp.Void] {
	ev := chromedp.Evaluate[any](expr)
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := ev(ctx, tg)
		return chromedp.Void{}, err
	}
}

// typeInto types text into the input sel.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), text)
}

func TestBrowser_BusyHallFits(t *testing.T) {
	m := startHall(t, hallTOML(t, "00:00", "24:00", "24:00"), nil)
	base := m.URL
	phoneTicket := busyHall(t, base)
	b := browser(t)
	for _, lang := range []string{"zh-CN", "en"} {
		q := "lang=" + lang
		shot := func(s *screen, name string, pageScrolls bool) {
			t.Helper()
			file := name + "-" + lang
			s.shot(file)
			s.checkFits(file, pageScrolls)
		}

		hall := open(t, b, "hall "+lang, base, "/hall.html?token="+exDisplay+"&"+q, 1920, 1080)
		hall.wait(`document.querySelectorAll("#windows .wcell").length === 10 && document.querySelectorAll("#recent li").length === 4`, 10*time.Second)
		shot(hall, "busy-hall", false)
		defer hall.close()
		// The temporary window says so.
		if got, want := hall.text(`.wcell[data-window="9"] .wtemp`), map[string]string{"zh-CN": "临时窗口", "en": "Temporary"}[lang]; got != want {
			t.Errorf("hall %s: window 9 (temporary) is marked %q, want %q", lang, got, want)
		}

		kiosk := open(t, b, "kiosk "+lang, base, "/kiosk.html?token="+exKiosk+"&"+q, 1080, 1920)
		kiosk.wait(visible(`.k-service[data-service="employment"]`), 10*time.Second)
		shot(kiosk, "busy-kiosk", false)
		if bad := kiosk.eval(kioskStartReadable); bad != "[]" {
			t.Errorf("kiosk %s start screen (screenshots/busy-kiosk-%s.png): %s", lang, lang, bad)
		}
		kiosk.do(clickJS(`.k-service[data-service="unemployment"]`))
		kiosk.wait(visible("#k-m-take"), 5*time.Second)
		shot(kiosk, "busy-kiosk-materials", false)
		kiosk.close()

		win := open(t, b, "window "+lang, base, "/window.html?window=2&token="+exDisplay+"&"+q, 800, 480)
		win.wait(visible("#w-staff-name")+` && document.querySelector("#w-number").textContent.trim() !== ""`, 10*time.Second)
		shot(win, "busy-window", false)
		win.close()

		eval := open(t, b, "evaluator "+lang, base, "/evaluator.html?window=1&token="+exEvaluator+"&"+q, 1280, 800)
		eval.wait(visible("#e-staff"), 10*time.Second)
		shot(eval, "busy-evaluator", false)
		eval.close()
		eval10 := open(t, b, "evaluator closed "+lang, base, "/evaluator.html?window=10&token="+exDisplay+"&"+q, 1280, 800)
		eval10.wait(visible("#e-closed"), 10*time.Second)
		shot(eval10, "busy-evaluator-closed", false)
		if !eval10.is(oneLine("#e-closed")) {
			t.Errorf("evaluator %s: %q breaks over lines", lang, eval10.text("#e-closed"))
		}
		eval10.close()

		phone := open(t, b, "phone "+lang, base, "/t/"+phoneTicket+"?"+q, 390, 844)
		phone.wait(visible("#p-waiting"), 10*time.Second)
		shot(phone, "busy-phone", true)
		phone.close()

		term := open(t, b, "terminal "+lang, base, "/terminal.html?"+q, 1366, 768)
		term.wait(visible("#t-jobno"), 10*time.Second)
		term.do(typeInto("#t-jobno", "1002"), typeInto("#t-password", "demo"), clickJS("#t-login-btn"))
		term.wait(visible("#t-desk")+` && document.querySelectorAll("#t-queue li").length > 3 && document.querySelector("#t-cur-number").textContent !== "—"`, 10*time.Second)
		shot(term, "busy-terminal", true)
		term.do(clickJS(`#t-btn-logout`))
		term.wait(visible("#t-jobno"), 10*time.Second)
		term.close()

		dir := open(t, b, "director "+lang, base, "/director.html?"+q, 1366, 768)
		dir.wait(visible("#d-jobno"), 10*time.Second)
		dir.do(typeInto("#d-jobno", "9001"), typeInto("#d-password", "demo"), clickJS(`#d-login-form button[type="submit"]`))
		dir.wait(`document.querySelectorAll("#d-windows tr").length === 10`, 10*time.Second)
		shot(dir, "busy-director", true)
		dir.do(clickJS(`#d-logout`))
		dir.close()
	}
}

// kioskStartReadable evaluates to a JSON array of what on the kiosk's start
// screen a 70-year-old could not read or hit: text under 30px, a button
// under 64px high, a service without its own guide button on its card, the
// return slip and the suggestion box not side by side, the home-service
// notice over more than one line.
const kioskStartReadable = `(() => {
  const out = [];
  const start = document.querySelector("#k-start");
  const w = document.createTreeWalker(start, NodeFilter.SHOW_TEXT);
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    const px = parseFloat(getComputedStyle(n.parentElement).fontSize);
    if (n.textContent.trim() && n.parentElement.getClientRects().length && px < 30) out.push(n.textContent.trim().slice(0, 20) + ": " + px + "px text");
  }
  for (const b of start.querySelectorAll("button")) {
    if (b.getBoundingClientRect().height < 64) out.push(b.textContent.trim().slice(0, 20) + ": " + Math.round(b.getBoundingClientRect().height) + "px high");
  }
  for (const s of start.querySelectorAll(".k-service")) {
    const g = s.parentElement.querySelector(".k-guide-btn");
    if (!g || g.dataset.guide !== s.dataset.service) { out.push(s.dataset.service + ": no guide button on its card"); continue; }
    const c = s.getBoundingClientRect(), r = g.getBoundingClientRect();
    if (r.left < c.left || r.right > c.right || r.top < c.top || r.bottom > c.bottom) out.push(s.dataset.service + ": guide button off its card");
  }
  if (document.querySelectorAll(".k-guide-btn").length !== start.querySelectorAll(".k-service").length) out.push("a guide button not on a service's card");
  const slip = document.querySelector("#k-slip-open").getBoundingClientRect(), sug = document.querySelector("#k-suggest-open").getBoundingClientRect();
  if (Math.abs(slip.top - sug.top) > 1 || slip.right > sug.left) out.push("return slip and suggestions not side by side");
  const r = document.createRange();
  r.selectNodeContents(document.querySelector("#k-homevisit"));
  if (new Set(Array.from(r.getClientRects()).filter((x) => x.width > 0).map((x) => Math.round(x.top))).size !== 1) out.push("home-service notice over more than one line");
  return JSON.stringify(out);
})()`

// is evaluates the JavaScript test expr once.
func (s *screen) is(expr string) bool {
	s.t.Helper()
	return s.eval("String(!!("+expr+"))") == "true"
}

// oneLine is the JavaScript test that the text of element sel stands on one line.
func oneLine(sel string) string {
	return fmt.Sprintf(`(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector(%q));
		return new Set(Array.from(r.getClientRects()).filter((x) => x.width > 0).map((x) => Math.round(x.top))).size === 1; })()`, sel)
}

// exampleHall runs the example hall on a clock set to at (a time of the
// hall's day in Shanghai), and returns it and the clock.
func exampleHall(t *testing.T, at time.Time) (*Main, *queue.ManualClock) {
	t.Helper()
	clock := queue.NewManualClock(at)
	return startHall(t, hallTOML(t, "", "", ""), clock), clock
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// hallTime is h:m on a fixed day in the example hall's zone.
func hallTime(h, m int) time.Time { return time.Date(2026, 12, 2, h, m, 0, 0, shanghai) }

// The hall TV says where the day is: after the cut-off that no more tickets
// are issued and those in the hall will be served; after the close, serving
// on while anyone waits; then closed, with the hours. The kiosk, after the
// cut-off, says when tickets are issued.
func TestBrowser_HallHours(t *testing.T) {
	m, clock := exampleHall(t, hallTime(10, 0))
	base := m.URL
	if code := api(t, "POST", base+"/api/tickets", exKiosk, map[string]string{"service": "employment"}, nil); code != 201 {
		t.Fatalf("issue: %d", code)
	}
	b := browser(t)
	hall := open(t, b, "hall", base, "/hall.html?lang=zh-CN&token="+exDisplay, 1920, 1080)
	hall.wait(`document.querySelector("#hall-status").dataset.state === "open"`, 10*time.Second)
	if got := hall.text("#hall-status"); got != "办公时间 08:30–17:30" {
		t.Errorf("hall open: status %q", got)
	}

	clock.Set(hallTime(17, 10))
	hall.do(chromedp.Reload())
	hall.wait(`(document.querySelector("#hall-status") || {}).dataset.state === "cutoff"`, 10*time.Second)
	if got := hall.text("#hall-status"); got != "今日已停止取号，正在办理中的群众请耐心等候" {
		t.Errorf("hall after the cut-off: status %q", got)
	}
	hall.shot("hall-cutoff-zh-CN")
	hall.checkFits("hall-cutoff-zh-CN", false)
	for _, lang := range []string{"zh-CN", "en"} {
		kiosk := open(t, b, "kiosk "+lang, base, "/kiosk.html?lang="+lang+"&token="+exKiosk, 1080, 1920)
		kiosk.wait(visible(`.k-service[data-service="employment"]`)+` && document.querySelector(".k-service").disabled`, 10*time.Second)
		want := map[string]string{"zh-CN": "暂停取号 · 取号时间 08:30–17:00", "en": "Not issuing now · tickets 08:30–17:00"}[lang]
		if got := kiosk.text(`.k-service[data-service="employment"] .k-meta`); got != want {
			t.Errorf("kiosk %s after the cut-off: %q, want %q", lang, got, want)
		}
		kiosk.shot("kiosk-cutoff-" + lang)
		kiosk.checkFits("kiosk-cutoff-"+lang, false)
	}

	clock.Set(hallTime(17, 40))
	hall.do(chromedp.Reload())
	hall.wait(`(document.querySelector("#hall-status") || {}).dataset.state === "after_hours"`, 10*time.Second)
	hall.shot("hall-after-hours-zh-CN")
	hall.checkFits("hall-after-hours-zh-CN", false)
	en := open(t, b, "hall en", base, "/hall.html?lang=en&token="+exDisplay, 1920, 1080)
	en.wait(`(document.querySelector("#hall-status") || {}).dataset.state === "after_hours"`, 10*time.Second)
	en.shot("hall-after-hours-en")
	en.checkFits("hall-after-hours-en", false)

	// The last citizen served, the hall is closed.
	s := login(t, base, "1001")
	for _, a := range []string{"signin", "call-next", "finish"} {
		if code := api(t, "POST", base+"/api/windows/1/"+a, s, map[string]any{}, nil); code != 200 {
			t.Fatalf("window 1 %s: %d", a, code)
		}
	}
	hall.wait(`(document.querySelector("#hall-status") || {}).dataset.state === "closed"`, 10*time.Second)
	if got := hall.text("#hall-status"); got != "当前非办公时间 · 办公时间 08:30–17:30" {
		t.Errorf("hall closed: status %q", got)
	}
}

// The kiosk: an error does not cover the buttons; left alone in English it
// goes back to Chinese for the next citizen.
func TestBrowser_KioskErrorAndIdle(t *testing.T) {
	m := startHall(t, hallTOML(t, "00:00", "24:00", "24:00"), nil)
	b := browser(t)
	kiosk := open(t, b, "kiosk", m.URL, "/kiosk.html?lang=en&timeout=5&token="+exKiosk, 1080, 1920)
	kiosk.wait(visible("#k-slip-open")+` && document.documentElement.lang === "en"`, 10*time.Second)
	kiosk.wait("("+visible("#k-slip-code")+`) || (document.querySelector("#k-slip-open").click(), false)`, 10*time.Second)
	kiosk.do(typeInto("#k-slip-code", "ZZZZZZZZ"), clickJS("#k-slip-ok"))
	kiosk.wait(visible("#k-error"), 10*time.Second)
	kiosk.shot("kiosk-error-en")
	covered := kiosk.eval(`JSON.stringify(Array.from(document.querySelectorAll("button")).filter((b) => b.getClientRects().length > 0).filter((b) => {
		const e = document.querySelector("#k-error").getBoundingClientRect(), r = b.getBoundingClientRect();
		return r.bottom > innerHeight + 1 || (r.left < e.right && r.right > e.left && r.top < e.bottom && r.bottom > e.top);
	}).map((b) => b.textContent.trim()))`)
	if covered != "[]" {
		t.Errorf("kiosk: the error covers (or pushes off the screen) the buttons %s", covered)
	}
	kiosk.checkFits("kiosk-error-en", false)
	// Alone for 2×5 s on the slip screen, then the start screen in Chinese
	// (the page reloads in it).
	kiosk.waitAcrossLoads(`document.documentElement.lang === "zh-CN" && Q.cat["web.kiosk.pick"] && `+visible("#k-start"), 30*time.Second)
}

// The counter terminal says what each action did; transfers offer only open
// windows that serve the service; a return slip stays shown with a button
// that prints it; the windows to choose from follow who signs in elsewhere.
func TestBrowser_TerminalActions(t *testing.T) {
	m := startHall(t, hallTOML(t, "00:00", "24:00", "24:00"), nil)
	base := m.URL
	for range 4 {
		if code := api(t, "POST", base+"/api/tickets", exKiosk, map[string]string{"service": "employment"}, nil); code != 201 {
			t.Fatalf("issue: %d", code)
		}
	}
	// Window 2 (employment) and window 4 (pension) open; window 3 (employment
	// as B) and 7 (employment as B) closed.
	for w, jobNo := range map[int]string{2: "1002", 4: "1004"} {
		if code := api(t, "POST", base+"/api/windows/"+itoa(w)+"/signin", login(t, base, jobNo), map[string]any{}, nil); code != 200 {
			t.Fatalf("sign in %d: %d", w, code)
		}
	}
	b := browser(t)
	term := open(t, b, "terminal", base, "/terminal.html?lang=zh-CN", 1366, 768)
	term.wait(visible("#t-jobno"), 10*time.Second)
	term.do(typeInto("#t-jobno", "1001"), typeInto("#t-password", "demo"), clickJS("#t-login-btn"))
	term.wait(visible(`.t-win[data-window="1"]`), 10*time.Second)
	// Someone signs in at window 10 meanwhile: its button turns taken.
	term.wait(`!document.querySelector('.t-win[data-window="10"]').disabled`, 5*time.Second)
	if code := api(t, "POST", base+"/api/windows/10/signin", login(t, base, "1010"), map[string]any{}, nil); code != 200 {
		t.Fatalf("sign in 10: %d", code)
	}
	term.wait(`document.querySelector('.t-win[data-window="10"]').disabled`, 10*time.Second)
	term.do(clickJS(`.t-win[data-window="1"]`))
	term.wait(visible("#t-desk")+` && document.querySelectorAll("#t-queue li .num").length === 4`, 10*time.Second)

	// click clicks action name's button once the state shown lets it.
	click := func(name string) {
		t.Helper()
		sel := `.t-act[data-act="` + name + `"]`
		term.wait(`!document.querySelector('`+sel+`').disabled`, 10*time.Second)
		term.do(clickJS(sel))
	}
	act := func(name, want string) {
		t.Helper()
		click(name)
		term.wait(textIs("#t-msg", want), 10*time.Second)
	}
	act("callNext", "已叫号 A001")
	act("recall", "再次叫号 A001（第 2 次）")
	act("start", "已开始办理 A001")
	click("finish")
	term.wait(visible("#d-finish"), 5*time.Second)
	term.do(clickJS(`#d-finish button[type="submit"]`))
	term.wait(textIs("#t-msg", "已完成 A001"), 10*time.Second)
	act("callNext", "已叫号 A002")
	act("noShow", "已过号 A002，已重新排队")

	// Transfer A003: only window 2 is open and serves employment.
	act("callNext", "已叫号 A003")
	click("transfer")
	term.wait(visible("#d-transfer")+` && document.querySelectorAll('#d-transfer select[name="window"] option').length > 1`, 5*time.Second)
	if got := term.eval(`Array.from(document.querySelectorAll('#d-transfer select[name="window"] option')).map((o) => o.value).join(",")`); got != ",2" {
		t.Errorf("transfer offers windows %q, want only the open window 2 that serves employment", got)
	}
	// For pension, window 4.
	term.do(chromedp.SetValue(chromedp.CSS(`#d-transfer select[name="service"]`), "pension"),
		evalJS(`document.querySelector('#d-transfer select[name="service"]').dispatchEvent(new Event("change"))`))
	if got := term.eval(`Array.from(document.querySelectorAll('#d-transfer select[name="window"] option')).map((o) => o.value).join(",")`); got != ",4" {
		t.Errorf("transfer to pension offers windows %q, want 4", got)
	}
	term.do(chromedp.SetValue(chromedp.CSS(`#d-transfer select[name="service"]`), ""),
		evalJS(`document.querySelector('#d-transfer select[name="service"]').dispatchEvent(new Event("change"))`),
		chromedp.SetValue(chromedp.CSS(`#d-transfer select[name="window"]`), "2"),
		clickJS(`#d-transfer button[type="submit"]`))
	term.wait(textIs("#t-msg", "已将 A003 转至 2号窗口"), 10*time.Second)

	// A return slip: its code stays, with a print button.
	act("callNext", "已叫号 A004")
	click("suspend")
	term.wait(visible(`#d-suspend input[name="missing"]`), 5*time.Second)
	term.do(clickJS(`#d-suspend input[name="missing"]`), clickJS(`#d-suspend button[type="submit"]`))
	term.wait(visible("#t-slip")+` && /^[2-9A-HJ-NP-Z]{8}$/.test(document.querySelector("#t-slip-code").textContent)`, 10*time.Second)
	term.shot("terminal-slip-shown")
	term.checkFits("terminal-slip-shown", true)
	// The message goes after its 8 s; the slip stays.
	term.wait(textIs("#t-msg", ""), 15*time.Second)
	if !term.is(visible("#t-slip")) {
		t.Error("the return slip went away with the message")
	}
	term.eval(`(window.print = () => { window.__printed = (window.__printed || 0) + 1; }, "")`)
	term.do(clickJS("#t-slip-print"))
	term.wait(`window.__printed === 1`, 5*time.Second)
}

// The phone page says what happened to its ticket.
func TestBrowser_PhoneSays(t *testing.T) {
	m, clock := exampleHall(t, hallTime(10, 0))
	base := m.URL
	var tickets [4]struct{ ID string }
	for i := range tickets {
		if code := api(t, "POST", base+"/api/tickets", exKiosk, map[string]string{"service": "consult"}, &tickets[i]); code != 201 {
			t.Fatalf("issue: %d", code)
		}
	}
	staff := login(t, base, "1010")
	do := func(action string, body any) {
		t.Helper()
		if code := api(t, "POST", base+"/api/windows/10/"+action, staff, body, nil); code != 200 {
			t.Fatalf("window 10 %s: %d", action, code)
		}
	}
	do("signin", map[string]any{})
	b := browser(t)
	phones := make([]*screen, len(tickets))
	for i, tk := range tickets {
		phones[i] = open(t, b, "phone "+itoa(i), base, "/t/"+tk.ID+"?lang=zh-CN", 390, 844)
		phones[i].wait(visible("#p-waiting"), 10*time.Second)
	}
	// Called: the window by its name.
	do("call-next", map[string]any{})
	phones[0].wait(textIs("#p-goto", "请到 10号综合窗口"), 10*time.Second)
	// A return slip: the code, the last day, the missing materials.
	do("suspend", map[string]any{"missing": []string{"户口簿", "单位证明"}})
	phones[0].wait(visible("#p-slip")+` && /^[2-9A-HJ-NP-Z]{8}$/.test(document.querySelector("#p-slip-code").textContent) && document.querySelectorAll("#p-missing li").length === 2`, 10*time.Second)
	if got := phones[0].text("#p-slip-valid"); !strings.Contains(got, "2026/12/08") {
		t.Errorf("phone: slip validity %q", got)
	}
	phones[0].shot("phone-slip-zh-CN")
	phones[0].checkFits("phone-slip-zh-CN", true)
	// A refusal: the reason.
	do("call-next", map[string]any{})
	do("reject", map[string]any{"reason": "不属于本大厅受理范围", "basis": "《办事指南》第三条"})
	phones[1].wait(textIs("#p-reason", "不属于本大厅受理范围")+" && "+textIs("#p-basis", "《办事指南》第三条"), 10*time.Second)
	phones[1].shot("phone-refused-zh-CN")
	// A no-show moved back.
	do("call-next", map[string]any{})
	do("no-show", map[string]any{})
	phones[2].wait(visible("#p-waiting")+" && "+textIs("#p-status", "您未及时到窗口，号码已重新排队，请留意叫号"), 10*time.Second)
	// The next day: the tickets still waiting were cancelled at the close.
	clock.Set(hallTime(10, 0).AddDate(0, 0, 1))
	if code := api(t, "POST", base+"/api/tickets", exKiosk, map[string]string{"service": "consult"}, nil); code != 201 {
		t.Fatalf("issue the next day: %d", code)
	}
	phones[3].wait(visible("#p-status")+` && document.querySelector("#p-status").textContent.includes("闭厅时作废")`, 10*time.Second)
	phones[3].do(chromedp.Reload())
	phones[3].wait(visible("#p-status")+` && document.querySelector("#p-status").textContent.includes("闭厅时作废")`, 10*time.Second)
	phones[3].shot("phone-cancelled-zh-CN")
}

// waitAcrossLoads is wait for a condition that comes with a new page load:
// an evaluation cut off by the navigation is tried again.
func (s *screen) waitAcrossLoads(expr string, d time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(s.ctx, 3*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(2*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: waiting %v for %s: %v", s.name, d, expr, err)
		}
	}
}
