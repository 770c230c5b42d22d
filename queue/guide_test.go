package queue_test

import (
	"errors"
	"strings"
	"testing"

	"qcall/queue"
)

// TestConfig_Guide: a service's 一次性告知 (basis, procedure, statutory
// limit) and 服务承诺 are checked at load, each mistake named by its path.
func TestConfig_Guide(t *testing.T) {
	for _, tc := range []struct {
		name, path, reason string
		edit               func(s *queue.Service)
	}{
		{"statutory limit negative", "services[0].guide.legal_days", "0–365", func(s *queue.Service) { s.Guide.LegalDays = -1 }},
		{"committed days past the statutory", "services[0].case_days", "exceed the statutory limit", func(s *queue.Service) { s.Guide.LegalDays = 3 }},
		{"procedure in English short of a step", "services[0].guide.procedure_en", "same order",
			func(s *queue.Service) { s.Guide.ProcedureEn = s.Guide.ProcedureEn[1:] }},
		{"basis with a newline", "services[0].guide.basis", "control character", func(s *queue.Service) { s.Guide.Basis[0] = "《条例》\n第一条" }},
		{"basis with a bidi override", "services[0].guide.basis_en", "bidirectional", func(s *queue.Service) { s.Guide.BasisEn[0] = "Law \u202e1" }},
		{"empty step", "services[0].guide.procedure", "empty entry", func(s *queue.Service) { s.Guide.Procedure[1] = "" }},
		{"too many steps", "services[0].guide.procedure", "at most 20", func(s *queue.Service) {
			s.Guide.Procedure = make([]string, 21)
			s.Guide.ProcedureEn = nil
		}},
		{"a step too long", "services[0].guide.procedure", "at most 200", func(s *queue.Service) { s.Guide.Procedure[0] = strings.Repeat("办", 201) }},
		{"commitment negative", "services[0].commitment", "0–480", func(s *queue.Service) { s.Commitment.WaitMin = -5 }},
		{"commitment past limit_s", "services[0].commitment", "exceed the service's limit_s", func(s *queue.Service) {
			s.Commitment = queue.Commitment{WaitMin: 25, HandleMin: 10} // limit_s 1800: 30 minutes
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := queue.Demo()
			tc.edit(&c.Services[0])
			err := c.Validate()
			var ce *queue.ConfigError
			if !errors.As(err, &ce) || ce.Path != tc.path || !strings.Contains(ce.Reason, tc.reason) {
				t.Fatalf("got %v, want %s: …%s…", err, tc.path, tc.reason)
			}
		})
	}
	t.Run("demo hall", func(t *testing.T) {
		c := queue.Demo()
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, s := range c.Services {
			g := s.Guide
			if len(g.Basis) == 0 || len(g.BasisEn) != len(g.Basis) || len(g.Procedure) < 3 || len(g.ProcedureEn) != len(g.Procedure) ||
				s.Commitment.WaitMin == 0 || s.Commitment.HandleMin == 0 {
				t.Errorf("%s: the demo hall's guide or commitment is not complete: %+v %+v", s.Code, g, s.Commitment)
			}
		}
		var classes []string
		for _, p := range c.Priorities {
			classes = append(classes, p.Name)
			if p.Proof == "" || p.ProofEn == "" {
				t.Errorf("priority %s: no proof for the greeter to check", p.Code)
			}
		}
		if got := strings.Join(classes, " "); got != "老年人优先 残疾人优先 军人优先 孕妇优先" {
			t.Errorf("priority classes %s", got)
		}
	})
	t.Run("none is fine", func(t *testing.T) {
		c := queue.Demo()
		c.Services[0].Guide, c.Services[0].Commitment = queue.Guide{}, queue.Commitment{}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestEngine_ServicesGuide: GET /api/services carries each service's guide
// and commitment; the hall view the screens get carries the commitment only.
func TestEngine_ServicesGuide(t *testing.T) {
	h := newHall(t, nil)
	svcs, err := h.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := svcs[0]
	if e.Code != "employment" || e.Guide == nil || e.Guide.LegalDays != 20 || len(e.Guide.Procedure) != 4 ||
		e.Commitment == nil || *e.Commitment != (queue.Commitment{WaitMin: 20, HandleMin: 10}) || e.CaseDays != 5 {
		t.Fatalf("services[0] = %+v guide %+v commitment %+v", e, e.Guide, e.Commitment)
	}
	hv, err := h.Hall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := hv.Services[0]; s.Guide != nil || s.Commitment == nil || s.Commitment.WaitMin != 20 {
		t.Fatalf("hall view's service: guide %+v, commitment %+v; want no guide, the commitment", s.Guide, s.Commitment)
	}
	// The answer's guide is a copy: changing it changes nothing.
	e.Guide.Procedure[0] = "changed"
	again, _ := h.Services(ctx)
	if again[0].Guide.Procedure[0] == "changed" {
		t.Fatal("Services shares the configuration's lists")
	}
}
