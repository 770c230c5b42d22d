package queue

// 一次性告知 and 服务承诺: what the hall tells a citizen about each service,
// whole and at once, and what it publicly commits to.
//
// The standard (chapter 4, 一次性告知制): "服务对象直接到窗口或以电话、网络等
// 形式咨询办理有关业务时，经办人员须一次性告知其所要办理事项的依据、时限、程序
// 和需提供的全部材料". A service's materials are Service.Materials; its basis
// (设定依据), its statutory time limit (法定时限) and its procedure (办理流程)
// are its Guide; its committed time limit (承诺时限) is Service.CaseDays, the
// working days of its case deadline (0: done on the spot, 即时办结).
//
// 服务承诺制: "将对外服务的内容、程序、时限以及服务标准等事项向社会做出公开
// 承诺……自觉接受群众监督". A service's Commitment is the longest wait and
// the longest handling it commits to, in minutes, published on the kiosk, the
// hall screen and the phone page.
//
// Both are configuration (a config_changed event changes them) and public:
// they hold no personal data.

import (
	"fmt"
	"slices"
	"time"
)

// Guide is the part of a service's 一次性告知 besides its materials: the
// legal basis, the statutory time limit and the procedure, each list in
// Chinese and, optionally, English (item for item).
type Guide struct {
	// Basis lists the laws and rules the service rests on (设定依据).
	Basis   []string `json:"basis,omitempty" toml:"basis"`
	BasisEn []string `json:"basis_en,omitempty" toml:"basis_en"`
	// Procedure lists the steps, in order (办理流程).
	Procedure   []string `json:"procedure,omitempty" toml:"procedure"`
	ProcedureEn []string `json:"procedure_en,omitempty" toml:"procedure_en"`
	// LegalDays is the statutory time limit in working days (法定时限; 0:
	// none set by law). The committed limit, Service.CaseDays, may not
	// exceed it.
	LegalDays int `json:"legal_days,omitempty" toml:"legal_days"`
}

// Commitment is a service's public service commitment (服务承诺): a citizen
// waits at most WaitMin minutes from the ticket to the call, and is served in
// at most HandleMin minutes at the window. Zero: not committed.
type Commitment struct {
	WaitMin   int `json:"wait_min,omitempty" toml:"wait_min"`
	HandleMin int `json:"handle_min,omitempty" toml:"handle_min"`
}

// Size limits of a guide.
const (
	maxGuideItems   = 20  // basis entries, procedure steps
	maxGuideItemLen = 200 // one of them, in characters
	maxLegalDays    = 365
	maxCommitMin    = 480 // a commitment longer than a working day commits to nothing
)

// validateGuide checks the guide and the commitment of service s at path p
// ("services[2]").
func (s *Service) validateGuide(p string) error {
	bad := func(path, format string, args ...any) error {
		return &ConfigError{Path: p + path, Reason: fmt.Sprintf(format, args...)}
	}
	g := &s.Guide
	for _, l := range []struct {
		name   string
		zh, en []string
	}{{"basis", g.Basis, g.BasisEn}, {"procedure", g.Procedure, g.ProcedureEn}} {
		if len(l.zh) > maxGuideItems {
			return bad(".guide."+l.name, "%d entries; at most %d", len(l.zh), maxGuideItems)
		}
		if len(l.en) > 0 && len(l.en) != len(l.zh) {
			return bad(".guide."+l.name+"_en", "%d entries for the %d of %s: give each one in English, in the same order", len(l.en), len(l.zh), l.name)
		}
		for i, v := range slices.Concat(l.zh, l.en) {
			name := l.name
			if i >= len(l.zh) {
				name += "_en"
			}
			if v == "" {
				return bad(".guide."+name, "an empty entry")
			}
			if why := textError(v, maxGuideItemLen); why != "" {
				return bad(".guide."+name, "%q %s", clip(v, 40), why)
			}
		}
	}
	if g.LegalDays < 0 || g.LegalDays > maxLegalDays {
		return bad(".guide.legal_days", "%d: give 0–%d working days (0: none set by law)", g.LegalDays, maxLegalDays)
	}
	if g.LegalDays > 0 && s.CaseDays > g.LegalDays {
		return bad(".case_days", "the committed %d working days exceed the statutory limit of %d (guide.legal_days)", s.CaseDays, g.LegalDays)
	}
	c := s.Commitment
	if c.WaitMin < 0 || c.WaitMin > maxCommitMin || c.HandleMin < 0 || c.HandleMin > maxCommitMin {
		return bad(".commitment", "give minutes 0–%d (0: not committed)", maxCommitMin)
	}
	if s.LimitS > 0 && (c.WaitMin+c.HandleMin)*60 > s.LimitS {
		return bad(".commitment", "%d minutes of waiting and %d of handling exceed the service's limit_s of %d s, from ticket to finish",
			c.WaitMin, c.HandleMin, s.LimitS)
	}
	return nil
}

// clone returns g with lists of its own.
func (g Guide) clone() Guide {
	g.Basis, g.BasisEn = slices.Clone(g.Basis), slices.Clone(g.BasisEn)
	g.Procedure, g.ProcedureEn = slices.Clone(g.Procedure), slices.Clone(g.ProcedureEn)
	return g
}

// commitmentView is the commitment a service view carries: nil when the
// service commits to nothing.
func commitmentView(c Commitment) *Commitment {
	if c == (Commitment{}) {
		return nil
	}
	return &c
}

// withGuides adds each service's guide to views, for GET /api/services. The
// hall view the screens get over the websocket leaves the guides out: they
// are long, and change only with the configuration.
func withGuides(cfg *Config, views []ServiceView) []ServiceView {
	for i := range views {
		if svc := cfg.Service(views[i].Code); svc != nil {
			g := svc.Guide.clone()
			views[i].Guide = &g
		}
	}
	return views
}

// CommittedWait is the longest wait, from joining the queue to the call,
// the hall commits to for s: its 服务承诺's wait_min, else its limit_s (the
// whole time in the hall). The reports' service level and the director's
// "wait over the committed time" alert both measure against it.
func (s *Service) CommittedWait() time.Duration {
	if s.Commitment.WaitMin > 0 {
		return time.Duration(s.Commitment.WaitMin) * time.Minute
	}
	return time.Duration(s.LimitS) * time.Second
}
