package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"qcall/assets"
	"qcall/display/internal/answer"
	"qcall/queue"
)

// TestAPI_EveryEngineCode walks every code queue defines (queue.Errors, not a
// list kept here) and answers it through the API's own fail on a real HTTP
// server: the status is its kind's, the message the catalogue's in both
// languages, and the detail comes in its own field. A code queue adds is
// checked here with no edit to display; it fails until both catalogues word it.
func TestAPI_EveryEngineCode(t *testing.T) {
	// Written out here, so that a slip in kindStatuses is caught.
	wantStatus := map[queue.Kind]int{
		queue.KindInvalid:     400,
		queue.KindNotFound:    404,
		queue.KindConflict:    409,
		queue.KindForbidden:   403,
		queue.KindUnavailable: 503,
	}
	h := newAPITestHall(t, queue.Demo())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		err := error(queue.Defined(q.Get("code")))
		if d := q.Get("detail"); d != "" {
			err = fmt.Errorf("some command: %w", queue.Errorf(q.Get("code"), "%s", d))
		}
		h.api.fail(w, r, err)
	}))
	t.Cleanup(srv.Close)

	all := queue.Errors()
	if len(all) == 0 {
		t.Fatal("queue defines no error")
	}
	for _, e := range all {
		if _, ok := answer.CodeStatuses[e.Code]; ok {
			t.Errorf("%s: queue's code is also one of the API's own", e.Code)
		}
		want, ok := wantStatus[e.Kind]
		if !ok {
			t.Errorf("%s: kind %v has no status here; add it to kindStatuses and to this test", e.Code, e.Kind)
			continue
		}
		key := "error." + e.Code
		zh, zhOK := assets.Catalog("zh-CN")[key]
		en, enOK := assets.Catalog("en")[key]
		if !zhOK || !enOK || zh == "" || en == "" || zh == en || !hasHan(zh) {
			t.Errorf("%s: the catalogues do not word it: zh-CN %q, en %q (assets/i18n/*/errors.json)", key, zh, en)
			continue
		}
		for _, tc := range []struct{ lang, text string }{{"zh-CN,zh;q=0.9", zh}, {"en-GB", en}} {
			for _, detail := range []string{"", "ticket A001 is done"} {
				u := srv.URL + "?" + url.Values{"code": {e.Code}, "detail": {detail}}.Encode()
				req, _ := http.NewRequest("GET", u, nil)
				req.Header.Set("Accept-Language", tc.lang)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body map[string]map[string]string
				err = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				wantMsg := tc.text // the detail goes in its own field, never into the message
				got := body["error"]
				keys := 2 // code, message; and detail when there is one
				if detail != "" {
					keys = 3
				}
				if err != nil || resp.StatusCode != want || got["code"] != e.Code || got["message"] != wantMsg ||
					got["detail"] != detail || len(got) != keys || len(body) != 1 {
					t.Errorf("%s (%s, detail %q): %d %v %v; want %d, message %q", e.Code, tc.lang, detail, resp.StatusCode, body, err, want, wantMsg)
				}
			}
		}
	}
}

// hasHan reports whether s has a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestAPI_ErrorLanguage(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK)
	for lang, want := range map[string]string{
		"en-US,en;q=0.9":    assets.T("en", "error.queue_empty"),
		"zh-CN,zh;q=0.9,en": assets.T("zh-CN", "error.queue_empty"),
		"":                  assets.T("zh-CN", "error.queue_empty"),
	} {
		r := h.do("POST", "/api/windows/1/call-next", "staff", `{}`, "Accept-Language", lang)
		var e answer.Body
		if err := json.Unmarshal(r.body, &e); err != nil || r.status != 404 || e.Error.Code != "queue_empty" || e.Error.Message != want {
			t.Errorf("Accept-Language %q: %d %s, want answer.Message %q", lang, r.status, r.body, want)
		}
	}
	// The engine's detail goes in its own field; the message is the
	// catalogue's precise text for it.
	r := h.do("POST", "/api/ratings", "evaluator", `{"window":1,"score":7}`, "Accept-Language", "en")
	var e answer.Body
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Message != assets.T("en", "error.invalid_input.score") ||
		e.Error.Detail != "score must be 1–5" {
		t.Errorf("detail: %s", r.body)
	}
}

// hasLatin reports whether s has a Latin letter.
func hasLatin(s string) bool {
	for _, r := range s {
		if r < 0x80 && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// TestAPI_ErrorMessagesFromCatalogue: the three texts of the hall-day issue
// that mixed Chinese and the engine's English (a sign-out refused with
// tickets waiting, a due date in the past, a role that may not do this) are
// the catalogue's in each language, with their numbers filled in, and the
// English detail apart.
func TestAPI_ErrorMessagesFromCatalogue(t *testing.T) {
	cfg := queue.Demo()
	cfg.Hall.Open, cfg.Hall.Close, cfg.Hall.IssueCutoff = "08:30", "17:30", "17:00"
	h := newAPITestHall(t, cfg)
	h.ok("POST", "/api/windows/1/signin", "staff", struct{}{}, nil, http.StatusOK)
	h.issue("employment")
	h.issue("employment")
	h.issue("employment")
	h.act("staff", "1", "call-next", nil)
	cases := []struct {
		name, method, path, caller, body string
		code, zh, en, detail             string
	}{
		{"due date in the past", "POST", "/api/windows/1/finish", "staff", `{"due":"2020-01-01"}`, "invalid_input",
			"办结期限必须晚于现在", "The due date must be in the future", "is not in the future"},
		{"sign-out with tickets waiting", "POST", "/api/windows/1/signout", "staff", `{}`, "tickets_waiting",
			"还有 2 位可在本窗口办理的群众在等候，暂不能签退", "2 citizens this window can serve are still waiting; you cannot sign out yet",
			"2 tickets this window can serve are waiting"},
		{"a role that may not", "GET", "/api/pending", "staff", "", "forbidden",
			"无权进行此操作", "You may not do this", "role staff may not do this"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			if c.name == "sign-out with tickets waiting" {
				// after the cut-off: 17:10, the ticket in hand finished
				h.clock.Set(time.Date(2026, 3, 2, 17, 10, 0, 0, hallZone))
				h.act("staff", "1", "finish", nil)
			}
			for _, lang := range []string{"zh-CN", "en"} {
				var body any
				if c.body != "" {
					body = c.body
				}
				r := h.do(c.method, c.path, c.caller, body, "Accept-Language", lang)
				var e answer.Body
				if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code != c.code {
					t.Fatalf("%s: %d %s", lang, r.status, r.body)
				}
				want := c.zh
				if lang == "en" {
					want = c.en
				}
				if e.Error.Message != want {
					t.Errorf("%s: message %q, want %q", lang, e.Error.Message, want)
				}
				if lang == "zh-CN" && hasLatin(e.Error.Message) {
					t.Errorf("zh-CN message %q has Latin letters", e.Error.Message)
				}
				if lang == "en" && hasHan(e.Error.Message) {
					t.Errorf("en message %q has Chinese", e.Error.Message)
				}
				if !strings.Contains(e.Error.Detail, c.detail) {
					t.Errorf("%s: detail %q, want it to say %q", lang, e.Error.Detail, c.detail)
				}
			}
		})
	}
	h.t = t
}
