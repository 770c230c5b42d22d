package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"qcall/queue"
)

// BenchmarkAPI_IssueTicket is the API's own cost of issuing a ticket, without
// the network: the handler is called directly from 64 goroutines so that group
// commit batches the engine's work, as under a real load.
func BenchmarkAPI_IssueTicket(b *testing.B) {
	h := newAPITestHall(b, queue.Demo())
	handler := h.api.Handler()
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/tickets", strings.NewReader(`{"service":"employment","channel":"kiosk"}`))
			req.Header.Set("Authorization", "Bearer demo-kiosk")
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			if w.Code != http.StatusCreated {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
}
