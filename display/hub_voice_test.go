package display_test

import (
	"io"
	"net/http"
	"testing"

	"qcall/announce"
)

func TestHub_Voice(t *testing.T) {
	e := newHubEnv(t)
	get := func(path string, hdr http.Header) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	for _, path := range []string{"/api/voice/zh-CN/A001/3.wav", "/api/voice/en/B012/10.wav", "/api/voice/zh-CN/C100/10", "/api/voice/en/F1000/9.wav"} {
		resp, b := get(path, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "audio/wav" {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		d, err := announce.Duration(b)
		if err != nil || d <= 0 {
			t.Fatalf("%s: duration %v, %v", path, d, err)
		}
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Cache-Control") == "" {
			t.Fatalf("%s: not cacheable: %v", path, resp.Header)
		}
		if again, _ := get(path, http.Header{"If-None-Match": {etag}}); again.StatusCode != http.StatusNotModified {
			t.Fatalf("%s with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
	// Only what the hall could call: its windows (1–10), its services'
	// prefixes (A–F), numbers as the engine writes them.
	for _, path := range []string{"/api/voice/fr/A001/3.wav", "/api/voice/zh-CN/A-01/3.wav", "/api/voice/zh-CN/A001/0.wav",
		"/api/voice/zh-CN/A001/x.wav", "/api/voice/en/ABCDEFGHIJKLM/1.wav",
		"/api/voice/zh-CN/A001/11.wav", "/api/voice/zh-CN/A001/9223372036854775807.wav", "/api/voice/zh-CN/Z001/1.wav",
		"/api/voice/zh-CN/A1/1.wav", "/api/voice/zh-CN/A01/1.wav", "/api/voice/zh-CN/A0001/1.wav", "/api/voice/zh-CN/A000/1.wav",
		"/api/voice/zh-CN/A123456/1.wav", "/api/voice/zh-CN/AB01/1.wav"} {
		if resp, _ := get(path, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}
