package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// set gives the form control sel the value v, as a person picking it would
// (a select's option, a date), and tells the page it changed.
func (s *screen) set(sel, v string) {
	s.t.Helper()
	s.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("change", {bubbles: true})); return ""; })()`, sel, v))
}

// rowID is the data-id of the first row of list whose text has want.
func (s *screen) rowID(list, want string) string {
	s.t.Helper()
	return s.eval(fmt.Sprintf(`(Array.from(document.querySelectorAll(%q)).find((r) => r.textContent.includes(%q)) || {dataset: {}}).dataset.id || ""`, list+" tr", want))
}

// dialog fills the open dialog's fields (name → text typed, or for a
// checkbox "on") and confirms it.
func (s *screen) dialog(fields map[string]string) {
	s.t.Helper()
	s.wait(visible("#r-dialog"), 5*time.Second)
	for name, v := range fields {
		sel := fmt.Sprintf(`#r-dialog [name=%q]`, name)
		switch {
		case v == "on":
			s.do(chromedp.Click(chromedp.CSS(sel)))
		case strings.HasPrefix(v, "date:"):
			s.set(sel, strings.TrimPrefix(v, "date:"))
		default:
			s.do(chromedp.SendKeys(chromedp.CSS(sel), v))
		}
	}
	s.do(chromedp.Click(chromedp.CSS(`#r-dialog button[type="submit"]`)))
	s.wait(`!document.querySelector("#r-dialog")`, 5*time.Second)
}

// TestBrowser_Registers drives the hall office's registers end to end in
// headless Chromium: a citizen leaves a suggestion at the kiosk (which, like
// the hall TV, says that home service exists); the duty director, on
// /registers.html, finds it, records a complaint by phone, replies and closes
// it as upheld, searches the register; records a home-service application,
// approves it with a team and a date and marks it done, denies another;
// draws the month's spot check and marks one ticket with an error, one
// correct, and reads the error rate. After a restart of the server the page
// shows all of it again.
func TestBrowser_Registers(t *testing.T) {
	dir := t.TempDir()
	m := startMainAt(t, dir, "127.0.0.1:0")
	base := m.URL
	b := browser(t)

	// Two tickets finished at window 1 this month, for the spot check.
	staff := login(t, base, "1001")
	if code := api(t, "POST", base+"/api/windows/1/signin", staff, map[string]any{}, nil); code != 200 {
		t.Fatalf("signin: %d", code)
	}
	for range 2 {
		if code := api(t, "POST", base+"/api/tickets", "demo-kiosk", map[string]string{"service": "employment"}, nil); code != 201 {
			t.Fatalf("issue: %d", code)
		}
		for _, action := range []string{"call-next", "finish"} {
			if code := api(t, "POST", base+"/api/windows/1/"+action, staff, map[string]any{}, nil); code != 200 {
				t.Fatalf("%s: %d", action, code)
			}
		}
	}

	// The kiosk says home service exists, and takes a suggestion.
	kiosk := open(t, b, "kiosk", base, "/kiosk.html?token=demo-kiosk", 1080, 1920)
	kiosk.wait(visible("#k-homevisit")+` && document.querySelector("#k-homevisit").textContent.includes("上门服务")`, 10*time.Second)
	kiosk.do(chromedp.Click(chromedp.CSS("#k-suggest-open")))
	kiosk.wait(visible(`.k-topic[data-topic="waiting"]`), 5*time.Second)
	kiosk.do(chromedp.Click(chromedp.CSS("#k-suggest-send"))) // nothing picked, nothing written
	kiosk.wait(`document.querySelector("#k-suggest-error").textContent !== ""`, 5*time.Second)
	kiosk.do(
		chromedp.Click(chromedp.CSS(`.k-topic[data-topic="waiting"]`)),
		chromedp.SendKeys(chromedp.CSS("#k-suggest-text"), "希望增加座椅"),
	)
	kiosk.shot("kiosk-suggest")
	kiosk.do(chromedp.Click(chromedp.CSS("#k-suggest-send")))
	kiosk.wait(visible("#k-suggest-thanks"), 5*time.Second)
	kiosk.wait(`!document.querySelector("#k-suggest").open`, 10*time.Second)

	// The hall TV's notice line says it too.
	hall := open(t, b, "hall", base, "/hall.html?token=demo-display", 1920, 1080)
	hall.wait(`document.querySelector("#notice").textContent.includes("上门服务")`, 10*time.Second)

	// The director's console links to the registers.
	director := open(t, b, "director", base, "/director.html", 1600, 1000)
	director.wait(`document.querySelector("#d-registers").textContent.includes("登记簿")`, 10*time.Second)
	if href := director.eval(`document.querySelector("#d-registers").getAttribute("href")`); href != "/registers.html" {
		t.Errorf("the console links to %q", href)
	}

	reg := open(t, b, "registers", base, "/registers.html", 1600, 1000)
	reg.wait(visible("#r-jobno"), 10*time.Second)
	reg.do(
		chromedp.SendKeys(chromedp.CSS("#r-jobno"), "9001"),
		chromedp.SendKeys(chromedp.CSS("#r-password"), "demo"),
		chromedp.Click(chromedp.CSS(`#r-login-form button[type="submit"]`)),
	)
	reg.wait(visible("#r-main")+` && document.body.dataset.loaded`, 30*time.Second)

	// 1. Complaints: the kiosk's suggestion is there; a complaint by phone
	// is recorded, replied to and closed as upheld.
	reg.wait(`document.querySelector("#rc-list").textContent.includes("希望增加座椅") && document.querySelector("#rc-list").textContent.includes("自助机意见箱")`, 10*time.Second)
	reg.set("#rc-channel", "phone")
	reg.set("#rc-kind", "complaint")
	reg.set("#rc-topic", "attitude")
	reg.set("#rc-window", "1")
	reg.do(
		chromedp.SendKeys(chromedp.CSS("#rc-text"), "窗口工作人员态度生硬"),
		chromedp.SendKeys(chromedp.CSS("#rc-staff"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#rc-contact"), "王先生 13800001111"),
		chromedp.Click(chromedp.CSS(`#rc-form button[type="submit"]`)),
	)
	reg.wait(`document.querySelector("#rc-list").textContent.includes("王先生 13800001111")`, 10*time.Second)
	id := reg.rowID("#rc-list", "王先生 13800001111")
	row := fmt.Sprintf(`#rc-list tr[data-id=%q]`, id)
	reg.do(chromedp.Click(chromedp.CSS(row + " .rc-reply")))
	reg.dialog(map[string]string{"text": "已约谈当事人并电话致歉"})
	reg.wait(textIs(row+" .c-reply", "已约谈当事人并电话致歉")+` && document.querySelector(`+fmt.Sprintf("%q", row)+`).dataset.state === "replied"`, 10*time.Second)
	reg.do(chromedp.Click(chromedp.CSS(row + " .rc-close")))
	reg.dialog(map[string]string{"upheld": "on"})
	reg.wait(fmt.Sprintf(`document.querySelector(%q).dataset.state === "closed" && document.querySelector(%q).textContent.includes("查证属实")`, row, row+" .c-state"), 10*time.Second)
	// Searched by state and date.
	reg.set("#rc-state", "closed")
	reg.do(chromedp.Click(chromedp.CSS(`#rc-filter button[type="submit"]`)))
	reg.wait(`document.querySelectorAll("#rc-list tr[data-id]").length === 1`, 10*time.Second)
	reg.set("#rc-state", "")
	reg.set("#rc-from", time.Now().AddDate(0, 0, 1).Format(time.DateOnly))
	reg.do(chromedp.Click(chromedp.CSS(`#rc-filter button[type="submit"]`)))
	reg.wait(`document.querySelectorAll("#rc-list tr[data-id]").length === 0`, 10*time.Second)
	reg.set("#rc-from", "")
	reg.do(chromedp.Click(chromedp.CSS(`#rc-filter button[type="submit"]`)))
	reg.wait(`document.querySelectorAll("#rc-list tr[data-id]").length === 2`, 10*time.Second)

	// 2. Home service: an application approved with a team and a date, then
	// done; another denied with a reason.
	homeVisit := func(applicant string) string {
		reg.set("#rh-reason", "frail")
		reg.set("#rh-service", "pension")
		reg.do(
			chromedp.SendKeys(chromedp.CSS("#rh-applicant"), applicant),
			chromedp.SendKeys(chromedp.CSS("#rh-agent"), "赵小红（女儿）"),
			chromedp.SendKeys(chromedp.CSS("#rh-address"), "幸福路8号3单元201"),
			chromedp.SendKeys(chromedp.CSS("#rh-phone"), "13911112222"),
			chromedp.SendKeys(chromedp.CSS("#rh-note"), "卧床"),
			chromedp.Click(chromedp.CSS(`#rh-form button[type="submit"]`)),
		)
		reg.wait(fmt.Sprintf(`document.querySelector("#rh-list").textContent.includes(%q)`, applicant), 10*time.Second)
		return fmt.Sprintf(`#rh-list tr[data-id=%q]`, reg.rowID("#rh-list", applicant))
	}
	first := homeVisit("赵大爷")
	reg.do(chromedp.Click(chromedp.CSS(first + " .rh-approve")))
	date := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	reg.dialog(map[string]string{"team": "为民服务小组", "date": "date:" + date})
	reg.wait(fmt.Sprintf(`document.querySelector(%q).dataset.state === "approved" && document.querySelector(%q).textContent === %q`,
		first, first+" .h-detail", "为民服务小组 · "+date), 10*time.Second)
	reg.do(chromedp.Click(chromedp.CSS(first + " .rh-done")))
	reg.dialog(map[string]string{"note": "已上门办理养老资格认证"})
	reg.wait(fmt.Sprintf(`document.querySelector(%q).dataset.state === "done"`, first), 10*time.Second)
	second := homeVisit("钱奶奶")
	reg.do(chromedp.Click(chromedp.CSS(second + " .rh-deny")))
	reg.dialog(map[string]string{"reason": "可由社区代办"})
	reg.wait(fmt.Sprintf(`document.querySelector(%q).dataset.state === "denied" && document.querySelector(%q).textContent.includes("可由社区代办")`, second, second), 10*time.Second)

	// 3. The month's spot check: two tickets of 1001 drawn, one with an
	// error, one correct: an error rate of 50 %.
	reg.do(chromedp.SendKeys(chromedp.CSS("#rs-per"), "2"), chromedp.Click(chromedp.CSS(`#rs-form button[type="submit"]`)))
	reg.wait(`document.querySelectorAll(".rs-items tr[data-ticket]").length === 2`, 10*time.Second)
	items := `.rs-items tr[data-ticket]`
	reg.do(chromedp.Click(chromedp.CSS(items + ":nth-child(1) .rs-err")))
	reg.dialog(map[string]string{"note": "未核对身份证原件"})
	reg.wait(`document.querySelector(".rs-items tr[data-ticket]:nth-child(1) .s-result").textContent.includes("未核对身份证原件")`, 10*time.Second)
	reg.do(chromedp.Click(chromedp.CSS(items + ":nth-child(2) .rs-ok")))
	rate := `document.querySelector('.rs-rates tr[data-staff="1001"] .s-rate').textContent === "50.0%"`
	reg.wait(rate, 10*time.Second)
	// Staff by name, not by job number alone.
	if got := reg.eval(`document.querySelector('.rs-rates tr[data-staff="1001"] td').textContent`); got != "王芳（1001）" {
		t.Errorf("the spot check names %q", got)
	}
	reg.shot("registers")
	// A second draw of the month is refused, with the catalogue's words.
	reg.do(chromedp.Click(chromedp.CSS(`#rs-form button[type="submit"]`)))
	reg.wait(visible("#r-msg")+` && document.querySelector("#r-msg").textContent.includes("抽检样本已抽取")`, 10*time.Second)

	// After a restart, all of it is there.
	addr := strings.TrimPrefix(base, "http://")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	startMainAt(t, dir, addr)
	reg.do(chromedp.Reload())
	reg.wait(visible("#r-main")+` && document.body.dataset.loaded`, 30*time.Second)
	reg.wait(fmt.Sprintf(`document.querySelector(%q) && document.querySelector(%q).dataset.state === "closed"`, row, row)+
		` && document.querySelector("#rc-list").textContent.includes("希望增加座椅")`+
		fmt.Sprintf(` && document.querySelector(%q).dataset.state === "done" && document.querySelector(%q).dataset.state === "denied"`, first, second)+
		` && `+rate, 10*time.Second)
}
