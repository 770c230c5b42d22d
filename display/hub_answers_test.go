package display_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"qcall/display"
	"qcall/queue"
)

// nextEvent reads c's messages up to the first event and returns it.
func (c *hubConn) nextEvent() hubMsg {
	c.t.Helper()
	for {
		if evs := events([]hubMsg{c.next()}); len(evs) > 0 {
			return evs[0]
		}
	}
}

// TestHub_AnswersFirst: the screens hear of a change once its answer is
// written. A change asked for with a context from queue.Engine.Answering
// holds the round back until its answer is declared written, or for
// AnswersFirst at most; the API marks its requests and declares each answer
// written once it has sent it, so that a change made through it reaches the
// screens without waiting.
func TestHub_AnswersFirst(t *testing.T) {
	const first = 300 * time.Millisecond
	e := newHubEnv(t, func(o *display.HubOptions) { o.AnswersFirst, o.ViewInterval = first, time.Hour })
	hall := e.mustDial("client=hall&token=demo-display")
	hall.next() // the snapshot

	// An answer never declared written: the screens wait AnswersFirst. Twice:
	// the first round builds views, the next sends the event alone.
	for range 2 {
		actx, done := e.eng.Answering(hubCtx)
		t0 := time.Now()
		tv, err := e.eng.IssueTicket(actx, "kiosk-1", queue.IssueRequest{Service: "consult"})
		if err != nil {
			t.Fatal(err)
		}
		if ev := hall.nextEvent(); ev.Type != string(queue.EvTicketIssued) || ev.str("number") != tv.Number {
			t.Fatalf("the screen heard %s, want ticket %s issued", ev.Raw, tv.Number)
		}
		if d := time.Since(t0); d < first {
			t.Fatalf("the screen heard of the change %s after it was made, its answer not written; want it to wait %s", d, first)
		}
		done()
	}

	// An answer written: the screens hear of the change then.
	actx, written := e.eng.Answering(hubCtx)
	tv, err := e.eng.IssueTicket(actx, "kiosk-1", queue.IssueRequest{Service: "consult"})
	if err != nil {
		t.Fatal(err)
	}
	written()
	if ev := hall.nextEvent(); ev.str("number") != tv.Number {
		t.Fatalf("the screen heard %s, want ticket %s issued", ev.Raw, tv.Number)
	}

	// Through the API, whose answer is sent whole, with its length, before
	// it is declared written: with AnswersFirst far longer than hubWait, the
	// screen hears of the ticket only because the API declared its answer.
	e = newHubEnv(t, func(o *display.HubOptions) { o.AnswersFirst = time.Hour })
	hall = e.mustDial("client=hall&token=demo-display")
	hall.until(e.seq())
	req, err := http.NewRequest("POST", e.srv.URL+"/api/tickets", bytes.NewReader([]byte(`{"service":"consult"}`)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer demo-kiosk")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tk struct{ Number string }
	err = json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated || tk.Number == "" {
		t.Fatalf("POST /api/tickets: %d %+v %v", resp.StatusCode, tk, err)
	}
	if resp.ContentLength <= 0 || len(resp.TransferEncoding) > 0 {
		t.Errorf("the answer went out with length %d, transfer encoding %v; want its length, unchunked", resp.ContentLength, resp.TransferEncoding)
	}
	if ev := hall.nextEvent(); ev.str("number") != tk.Number {
		t.Fatalf("the screen heard %s, want ticket %s issued", ev.Raw, tk.Number)
	}
}
