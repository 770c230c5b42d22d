package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"qcall/display/internal/answer"
	"qcall/queue"
)

// TestAPI_AnswerWrittenBeforeScreens: a change a request asks for is pending
// until the request's answer is sent (queue.Engine.Answering), which the
// screens' hub waits for; a GET's request is not marked.
func TestAPI_AnswerWrittenBeforeScreens(t *testing.T) {
	h := newAPITestHall(t, queue.Demo())
	const max = 100 * time.Millisecond
	waits := make(chan time.Duration, 1) // how long AwaitAnswers waited in the handler
	rt := apiRoute{pattern: "/test", access: forPublic, handle: func(a *API, c *apiCall) error {
		if _, err := a.eng.IssueTicket(c.ctx(), "kiosk-1", queue.IssueRequest{Service: "consult"}); err != nil {
			return err
		}
		t0 := time.Now()
		a.eng.AwaitAnswers(context.Background(), max)
		waits <- time.Since(t0)
		return answer.JSON(c.w, http.StatusOK, map[string]bool{"ok": true})
	}}
	srv := httptest.NewServer(h.api.serve(rt))
	defer srv.Close()
	for _, method := range []string{"POST", "GET"} {
		req, err := http.NewRequest(method, srv.URL+"/test", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", method, resp.StatusCode)
		}
		if waited := <-waits; (waited >= max) != (method == "POST") {
			t.Errorf("%s: AwaitAnswers waited %s for the request's own change; want %s for POST, none for GET", method, waited, max)
		}
		returned := make(chan struct{})
		go func() {
			h.eng.AwaitAnswers(context.Background(), time.Minute)
			close(returned)
		}()
		select {
		case <-returned:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the answer is sent, and still counts as being written", method)
		}
	}
}
