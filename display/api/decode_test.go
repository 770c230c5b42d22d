package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"qcall/display/internal/answer"
)

// decodeStrings must accept, refuse and fill exactly as decodeBody does.
func TestDecodeStrings_asDecodeBody(t *testing.T) {
	type issueIn struct {
		Service  string `json:"service"`
		Channel  string `json:"channel"`
		IDNo     string `json:"id_no"`
		Priority string `json:"priority"`
	}
	bodies := []string{
		``, `  `, `{}`, ` { } `, `{"service":"employment"}`,
		`{"service":"employment","channel":"kiosk"}`,
		"{\n\t\"service\" : \"pension\" ,\r\n \"id_no\":\"11010119900307123X\"}\n",
		`{"service":"a","service":"b"}`, `{"Service":"a"}`, `{"SERVICE":"a","channel":"kiosk"}`,
		`{"service":"就业登记"}`, `{"service":"a\"b"}`, `{"service":"a\\b"}`, `{"service":"\u5c31"}`,
		`{"service":"a/b","priority":"senior"}`, "{\"service\":\"\xff\xfe\"}", "{\"service\":\"a\tb\"}",
		`{"service":1}`, `{"service":null}`, `{"service":true}`, `{"service":["a"]}`, `{"service":{}}`,
		`{"nope":"a"}`, `{"service":"a",}`, `{"service":"a"`, `{"service" "a"}`, `{"service":"a"} {}`,
		`{"service":"a"} x`, `[]`, `"a"`, `null`, `nul`, `{`, `}`, `{"service":"a","channel":"kiosk","id_no":"1","priority":"p"}`,
		`{"service":"a" , }`, `{,}`, `{"":"a"}`, `{"service":""}`,
		`{"service":"` + strings.Repeat("x", 70<<10) + `"}`,
	}
	for _, body := range bodies {
		name := body
		if len(name) > 60 {
			name = name[:60]
		}
		req := func() *http.Request {
			r := httptest.NewRequest("POST", "/api/tickets", strings.NewReader(body))
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, maxBodyBytes)
			return r
		}
		var want, got issueIn
		werr := decodeBody(req(), &want)
		gerr := decodeStrings(req(), &got, stringField{"service", &got.Service}, stringField{"channel", &got.Channel},
			stringField{"id_no", &got.IDNo}, stringField{"priority", &got.Priority})
		wc, _ := answer.Classify(werr)
		gc, _ := answer.Classify(gerr)
		if (werr == nil) != (gerr == nil) || wc != gc {
			t.Errorf("%q: decodeStrings %v (%s), decodeBody %v (%s)", name, gerr, gc, werr, wc)
			continue
		}
		if werr == nil && got != want {
			t.Errorf("%q: decodeStrings %+v, decodeBody %+v", name, got, want)
		}
	}
}
