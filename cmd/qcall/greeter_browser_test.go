package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The greeter's tablet, the 一次性告知 and the 服务承诺 on every screen,
// driven in headless Chromium, in Chinese and in English. Screenshots go to
// screenshots/ with the others.

// media emulates a CSS media type ("print", or "" for the screen).
func media(m string) chromedp.Action[chromedp.Void] {
	return command(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
}

// TestBrowser_Greeter: the guide signs in on the tablet, issues a pregnant
// woman's ticket with her ID number (a wrong one is refused first), logs two
// inquiries (one refused for want of a referral), shows and prints a
// service's 一次性告知 on A4; the inquiries are in the director's register,
// and still there after a restart. The phone page of the ticket shows the
// service's commitment. Then the same in English, where nothing overflows.
func TestBrowser_Greeter(t *testing.T) {
	dir := t.TempDir()
	m := startMainAt(t, dir, "127.0.0.1:0")
	base := m.URL
	b := browser(t)

	g := open(t, b, "greeter", base, "/greeter.html", 1280, 800)
	g.wait(visible("#g-jobno"), 10*time.Second)
	g.do(
		chromedp.SendKeys(chromedp.CSS("#g-jobno"), "1011"),
		chromedp.SendKeys(chromedp.CSS("#g-password"), "demo"),
		chromedp.Click(chromedp.CSS("#g-login-btn")),
	)
	g.wait(visible(`.g-svc[data-service="medical"]`)+` && document.querySelectorAll(".g-pri").length === 5`, 10*time.Second)
	if who := g.text("#g-staff"); who != "徐慧（1011）" {
		t.Errorf("greeter signed in as %q", who)
	}
	// The classes are the hall's: none, 老年人, 残疾人, 军人, 孕妇.
	if got := g.eval(`[...document.querySelectorAll(".g-pri")].map((e) => e.textContent).join(" ")`); got != "无 老年人优先 残疾人优先 军人优先 孕妇优先" {
		t.Errorf("priority classes: %q", got)
	}
	g.do(
		chromedp.Click(chromedp.CSS(`.g-svc[data-service="medical"]`)),
		chromedp.Click(chromedp.CSS(`.g-pri[data-priority="pregnant"]`)),
		chromedp.SendKeys(chromedp.CSS("#g-id"), "110105194912310021"), // a wrong check digit
		chromedp.Click(chromedp.CSS("#g-issue-btn")),
	)
	g.wait(`document.querySelector("#g-issue-error").textContent.includes("身份证号码有误")`, 10*time.Second)
	if g.eval(`String(document.querySelector("#g-result").hidden)`) != "true" {
		t.Fatal("a ticket was shown for a wrong ID number")
	}
	// What the greeter checks for the class is on the screen.
	if proof := g.text("#g-proof"); !strings.Contains(proof, "母子健康手册") {
		t.Errorf("proof for 孕妇优先: %q", proof)
	}
	g.eval(`document.querySelector("#g-id").value = ""`)
	g.do(
		chromedp.SendKeys(chromedp.CSS("#g-id"), "11010519491231002x"),
		chromedp.Click(chromedp.CSS("#g-issue-btn")),
	)
	g.wait(textIs("#g-r-number", "D001")+` && document.querySelector("#g-r-qr").naturalWidth > 0`, 10*time.Second)
	if p := g.text("#g-r-priority"); p != "孕妇优先" {
		t.Errorf("result priority %q", p)
	}
	if p := g.text("#g-r-pledge"); p != "服务承诺：等候不超过 20 分钟，办理不超过 10 分钟" {
		t.Errorf("result pledge %q", p)
	}
	if v := g.eval(`document.querySelector("#g-id").value`); v != "" {
		t.Errorf("the ID number stays on the tablet: %q", v)
	}
	g.shot("greeter-issue")
	director := login(t, base, "9001")
	var evs struct {
		Events []struct{ Type, Number, Channel, Priority, Actor, IDHash string }
	}
	api(t, "GET", base+"/api/events?limit=1000", director, nil, &evs)
	issued := false
	for _, e := range evs.Events {
		issued = issued || e.Type == "ticket_issued" && e.Number == "D001" && e.Channel == "greeter" && e.Priority == "pregnant" && e.Actor == "1011"
	}
	if !issued {
		t.Fatalf("no ticket_issued D001 by 1011 through the greeter, pregnant, in %+v", evs.Events)
	}

	// The inquiry log. A question not answered here must say where the
	// citizen was taken: refused until it does.
	g.do(chromedp.Click(chromedp.CSS(`.g-tab[data-tab="inquiry"]`)))
	g.wait(visible("#g-topic"), 5*time.Second)
	g.do(
		chromedp.SendKeys(chromedp.CSS("#g-topic"), "工伤认定需要多长时间"),
		chromedp.SendKeys(chromedp.CSS("#g-inq-service"), "E"),
		chromedp.Click(chromedp.CSS("#g-ans-no")),
		chromedp.Click(chromedp.CSS("#g-log-btn")),
	)
	g.wait(`document.querySelector("#g-inq-error").textContent.includes("首问责任制")`, 10*time.Second)
	g.do(
		chromedp.SendKeys(chromedp.CSS("#g-ref"), "8号窗口"),
		chromedp.Click(chromedp.CSS("#g-log-btn")),
	)
	g.wait(`document.querySelectorAll("#g-shift li[data-id]").length === 1`, 10*time.Second)
	g.do(
		chromedp.SendKeys(chromedp.CSS("#g-topic"), "社保卡丢了怎么办"),
		chromedp.Click(chromedp.CSS("#g-log-btn")),
	)
	g.wait(`document.querySelectorAll("#g-shift li[data-id]").length === 2`, 10*time.Second)
	if s := g.text("#g-shift li:last-child"); !strings.Contains(s, "工伤认定需要多长时间") || !strings.Contains(s, "工伤保险") || !strings.Contains(s, "引导至 8号窗口") {
		t.Errorf("shift list: %q", s)
	}
	g.shot("greeter-inquiry")
	register := func(base string) []map[string]any {
		t.Helper()
		var out struct{ Inquiries []map[string]any }
		day := time.Now().In(shanghai).Format("2006-01-02")
		if code := api(t, "GET", base+"/api/inquiries?from="+day+"&to="+day, login(t, base, "9001"), nil, &out); code != 200 {
			t.Fatalf("GET /api/inquiries: %d", code)
		}
		return out.Inquiries
	}
	if inq := register(base); len(inq) != 2 || inq[0]["referred_to"] != "8号窗口" || inq[0]["staff"] != "1011" || inq[1]["answered"] != true {
		t.Fatalf("register: %+v", inq)
	}

	// 一次性告知: shown, and printed on A4.
	g.do(chromedp.Click(chromedp.CSS(`.g-tab[data-tab="guide"]`)))
	g.wait(visible(`.g-gsvc[data-service="injury"]`), 5*time.Second)
	g.do(chromedp.Click(chromedp.CSS(`.g-gsvc[data-service="injury"]`)))
	g.wait(`document.querySelectorAll("#g-guide-view .g-part").length === 5`, 5*time.Second)
	text := g.text("#g-guide-view")
	for _, want := range []string{"设定依据", "《工伤保险条例》第十七条、第二十条", "法定时限：40 个工作日", "承诺时限：20 个工作日",
		"办理流程", "申请材料", "工伤认定申请表", "等候不超过 30 分钟，办理不超过 20 分钟"} {
		if !strings.Contains(text, want) {
			t.Errorf("guide lacks %q: %s", want, text)
		}
	}
	g.shot("greeter-guide")
	g.do(media("print"))
	// Printed: the guide alone, whatever else is on the screen.
	if v := g.eval(`[getComputedStyle(document.querySelector(".g-tabs")).visibility, getComputedStyle(document.querySelector("#g-guide-view h2")).visibility,
		getComputedStyle(document.querySelector(".g-printed")).display].join(" ")`); v != "hidden visible block" {
		t.Errorf("print styles: tabs, guide, footer = %s", v)
	}
	g.shot("greeter-guide-print")
	ctx, cancel := context.WithTimeout(g.ctx, 20*time.Second)
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join("..", "..", "screenshots", "greeter-guide.pdf"), pdf, 0o644)
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	// A4 is 595.28 × 841.89 points; Chromium rounds to its own pixels.
	a4 := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 59[45]\.\d+ 841\.\d+\s*\]`).Match(pdf)
	if pages != 1 || !a4 {
		t.Errorf("printed guide: %d pages, A4 %v; want one A4 page", pages, a4)
	}
	g.do(media(""))

	// The phone page of the greeter's ticket says the service's commitment.
	var tickets struct {
		Events []struct{ Type, Number, Ticket string }
	}
	api(t, "GET", base+"/api/events?limit=1000", director, nil, &tickets)
	var id string
	for _, e := range tickets.Events {
		if e.Type == "ticket_issued" && e.Number == "D001" {
			id = e.Ticket
		}
	}
	phone := open(t, b, "phone", base, "/t/"+url.PathEscape(id), 390, 844)
	phone.wait(textIs("#p-number", "D001")+" && "+visible("#p-pledge"), 10*time.Second)
	if p := phone.text("#p-pledge-text"); p != "等候不超过 20 分钟，办理不超过 10 分钟" {
		t.Errorf("phone pledge %q", p)
	}
	phone.checkEachFits("#p-pledge, #p-pledge *")
	phone.shot("phone-pledge")

	// In English: the greeter's tabs, services, classes, inquiry form and
	// guide, and the phone page's commitment, all fit.
	g.do(chromedp.Navigate(base + "/greeter.html?lang=en"))
	g.wait(visible(`.g-svc[data-service="medical"]`)+` && document.querySelectorAll(".g-pri").length === 5`, 10*time.Second)
	g.do(chromedp.Click(chromedp.CSS(`.g-pri[data-priority="military"]`)))
	g.wait(`document.querySelector("#g-proof").textContent.includes("veterans")`, 5*time.Second)
	g.checkEachFits(".g-tab, .g-svc, .g-svc *, .g-pri, .g-proof, .g-field span, #g-issue-btn, .g-bar *")
	g.shot("greeter-issue-en")
	g.do(chromedp.Click(chromedp.CSS(`.g-tab[data-tab="inquiry"]`)), chromedp.Click(chromedp.CSS("#g-ans-no")))
	g.wait(visible("#g-ref"), 5*time.Second)
	g.checkEachFits(".g-duty, .g-field span, .g-chip, #g-log-btn, .g-shift h2, .g-shift li, #g-inq-service")
	g.shot("greeter-inquiry-en")
	g.do(chromedp.Click(chromedp.CSS(`.g-tab[data-tab="guide"]`)))
	g.do(chromedp.Click(chromedp.CSS(`.g-gsvc[data-service="unemployment"]`)))
	g.wait(`document.querySelector("#g-guide-view").textContent.includes("Regulations on Unemployment Insurance")`, 5*time.Second)
	if text := g.text("#g-guide-view"); !strings.Contains(text, "Statutory limit: 10 working days") || !strings.Contains(text, "wait at most 25 min, served within 15 min") {
		t.Errorf("English guide: %s", text)
	}
	g.checkEachFits(".g-gsvc, .g-gsvc *, #g-guide-view *, #g-print")
	g.shot("greeter-guide-en")
	phone.do(chromedp.Navigate(base + "/t/" + url.PathEscape(id) + "?lang=en"))
	phone.wait(visible("#p-pledge")+` && document.querySelector("#p-pledge-text").textContent === "wait at most 20 min, served within 10 min"`, 10*time.Second)
	phone.checkEachFits("#p-pledge, #p-pledge *")
	phone.shot("phone-pledge-en")

	// The register survives a restart of the server.
	addr := strings.TrimPrefix(base, "http://")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := startMainAt(t, dir, addr)
	if inq := register(m2.URL); len(inq) != 2 || inq[0]["topic"] != "工伤认定需要多长时间" || inq[1]["topic"] != "社保卡丢了怎么办" {
		t.Fatalf("register after a restart: %+v", inq)
	}
}

// TestBrowser_KioskGuide: the kiosk opens any service's whole guide from the
// start screen, shows the commitment on the materials screen, and takes the
// citizen's ID number on its own keys (a wrong one refused); in English too,
// where nothing overflows.
func TestBrowser_KioskGuide(t *testing.T) {
	m := startMainAt(t, t.TempDir(), "127.0.0.1:0")
	b := browser(t)
	k := open(t, b, "kiosk", m.URL, "/kiosk.html?token=demo-kiosk", 1080, 1920)
	k.wait(`document.querySelectorAll(".k-guide-btn").length === 6`, 10*time.Second)
	k.checkEachFits(".k-guide-btn, .k-service *")
	k.shot("kiosk-start-guides")
	k.do(chromedp.Click(chromedp.CSS(`.k-guide-btn[data-guide="pension"]`)))
	k.wait(visible("#k-guide")+` && document.querySelectorAll("#k-guide .g-part").length === 5`, 10*time.Second)
	text := k.text("#k-guide-body")
	for _, want := range []string{"养老保险", "《中华人民共和国社会保险法》第二章", "法定时限：20 个工作日", "承诺时限：15 个工作日",
		"工作人员核对参保缴费记录", "参保缴费凭证", "等候不超过 25 分钟，办理不超过 15 分钟", "欢迎群众监督"} {
		if !strings.Contains(text, want) {
			t.Errorf("kiosk guide lacks %q", want)
		}
	}
	// Big, readable type.
	if px := k.eval(`getComputedStyle(document.querySelector("#k-guide-body li")).fontSize`); px != "38px" {
		t.Errorf("guide text %s, want 38px on a portrait kiosk", px)
	}
	k.checkEachFits("#k-guide-body *, #k-guide-close")
	k.shot("kiosk-guide")
	k.do(chromedp.Click(chromedp.CSS("#k-guide-close")))
	k.wait(`document.querySelector("#k-guide").hidden`, 5*time.Second)

	// The materials screen: the commitment, the guide of this service, and
	// the ID number on the screen's keys.
	k.do(chromedp.Click(chromedp.CSS(`.k-service[data-service="employment"]`)))
	k.wait(visible("#k-m-pledge"), 5*time.Second)
	if p := k.text("#k-m-pledge"); p != "服务承诺：等候不超过 20 分钟，办理不超过 10 分钟" {
		t.Errorf("materials pledge %q", p)
	}
	k.do(chromedp.Click(chromedp.CSS("#k-m-guide")))
	k.wait(visible("#k-guide")+` && document.querySelector("#k-guide .g-guide").dataset.service === "employment"`, 10*time.Second)
	k.do(chromedp.Click(chromedp.CSS("#k-guide-close")), chromedp.Click(chromedp.CSS("#k-id-open")))
	k.wait(visible("#k-id-keys"), 5*time.Second)
	press := func(digits string) {
		t.Helper()
		for _, c := range digits {
			k.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#k-id-keys button:nth-child(%d)`, strings.IndexRune("1234567890X", c)+1))))
		}
	}
	press("110105194912310021") // a wrong check digit
	k.shot("kiosk-id")
	k.do(chromedp.Click(chromedp.CSS("#k-m-take")))
	k.wait(visible("#k-error")+` && document.querySelector("#k-error").textContent.includes("身份证号码有误")`, 10*time.Second)
	k.do(chromedp.Click(chromedp.CSS(".k-id-del")))
	press("X")
	k.do(chromedp.Click(chromedp.CSS("#k-m-take")))
	k.wait(textIs("#k-t-number", "A001"), 10*time.Second)
	var evs struct {
		Events []struct{ Type, Number, Channel string }
	}
	api(t, "GET", m.URL+"/api/events?limit=1000", login(t, m.URL, "9001"), nil, &evs)
	if n := len(evs.Events); n == 0 || evs.Events[n-1].Type != "ticket_issued" || evs.Events[n-1].Number != "A001" {
		t.Fatalf("last event %+v", evs.Events[len(evs.Events)-1])
	}
	k.do(chromedp.Click(chromedp.CSS("#k-t-done")), chromedp.Click(chromedp.CSS(`.k-service[data-service="employment"]`)))
	k.wait(visible("#k-id-open")+` && document.querySelector("#k-id-input").value === ""`, 5*time.Second)

	// English.
	k.do(chromedp.Navigate(m.URL + "/kiosk.html?lang=en"))
	k.wait(`document.querySelectorAll(".k-guide-btn").length === 6`, 10*time.Second)
	k.checkEachFits(".k-guide-btn, .k-service *")
	k.shot("kiosk-start-guides-en")
	k.do(chromedp.Click(chromedp.CSS(`.k-service[data-service="unemployment"]`)), chromedp.Click(chromedp.CSS("#k-id-open")))
	k.wait(visible("#k-m-pledge")+" && "+visible("#k-id-keys"), 5*time.Second)
	if p := k.text("#k-m-pledge"); p != "Our pledge: wait at most 25 min, served within 15 min" {
		t.Errorf("English materials pledge %q", p)
	}
	k.checkEachFits("#k-m-pledge, #k-id-box *, .k-actions .btn, .k-m-more .btn")
	k.shot("kiosk-materials-en")
	k.do(chromedp.Click(chromedp.CSS("#k-m-guide")))
	k.wait(visible("#k-guide")+` && document.querySelector("#k-guide-body").textContent.includes("Regulations on Unemployment Insurance")`, 10*time.Second)
	k.checkEachFits("#k-guide-body *, #k-guide-close")
	k.shot("kiosk-guide-en")
}

// TestBrowser_HallPledge: the hall TV shows each service's commitment in
// turn at the left of the notice line, without moving the rest of the
// screen; in Chinese and English, it fits.
func TestBrowser_HallPledge(t *testing.T) {
	m := startMainAt(t, t.TempDir(), "127.0.0.1:0")
	b := browser(t)
	for _, lang := range []string{"zh-CN", "en"} {
		h := open(t, b, "hall "+lang, m.URL, "/hall.html?token=demo-display&pledge_s=2&lang="+lang, 1920, 1080)
		h.wait(visible("#pledge")+` && document.querySelectorAll("#windows .wcell").length === 10`, 10*time.Second)
		want := map[string]map[string]string{
			"zh-CN": {"employment": "等候不超过 20 分钟，办理不超过 10 分钟", "injury": "等候不超过 30 分钟，办理不超过 20 分钟"},
			"en":    {"employment": "wait at most 20 min, served within 10 min", "injury": "wait at most 30 min, served within 20 min"},
		}[lang]
		// It turns from service to service by itself; the longest names fit.
		for _, svc := range []string{"employment", "injury", "unemployment"} {
			h.wait(fmt.Sprintf(`document.querySelector("#pledge").dataset.service === %q`, svc), 20*time.Second)
			if w, ok := want[svc]; ok {
				if got := h.text("#pledge-text"); got != w {
					t.Errorf("%s: %s pledge %q, want %q", lang, svc, got, w)
				}
			}
			h.checkEachFits("#pledge, #pledge *")
		}
		// The strip lives inside the footer; the panels above are where they were.
		if v := h.eval(`(() => { const f = document.querySelector("footer.notice").getBoundingClientRect(), p = document.querySelector("#pledge").getBoundingClientRect(),
			m = document.querySelector(".hall-main").getBoundingClientRect();
			return [p.top >= f.top, p.bottom <= f.bottom, m.bottom <= f.top, f.height === 64, Math.round(m.height)].join(" "); })()`); v != "true true true true 920" {
			t.Errorf("%s: layout (in footer top, bottom; main above; footer 64 px; main height) = %s", lang, v)
		}
		h.shot("hall-pledge-" + lang)
	}
}
