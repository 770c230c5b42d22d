package api

// The hall office's registers: complaints and suggestions (意见簿、投诉电话、
// 举报箱), home service (上门服务) and the monthly spot checks (零差错 抽检).
// The rules are queue's (complaint.go, homevisit.go, spotcheck.go); these
// handlers read the requests and who is asking. The lists carry citizens'
// personal data (contacts, phones, addresses): they are for the director and
// admin only (apiRoutes).

import (
	"net/http"
	"time"

	"qcall/display/internal/answer"
	"qcall/queue"
)

// POST /api/complaints {"channel","kind","topic"?,"text","staff"?,"window"?,"contact"?}
// → 201 the register entry. A kiosk (the suggestion box) records only a
// suggestion, by the kiosk channel, with no contact and no one named.
func (a *API) recordComplaint(c *apiCall) error {
	var in queue.ComplaintInput
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if c.who.role == queue.RoleKiosk {
		if in.Channel == "" {
			in.Channel = "kiosk"
		}
		if in.Channel != "kiosk" || in.Kind != "" && in.Kind != "suggestion" || in.Contact != "" || in.Staff != "" || in.Window != 0 {
			return answer.Errorf(answer.CodeForbidden, "a kiosk records a suggestion only, by the kiosk channel, with no contact and no one named")
		}
	} else if in.Channel == "kiosk" {
		return answer.Errorf(queue.ErrInvalid.Code, "the kiosk channel is the kiosk's own")
	}
	v, err := a.eng.RecordComplaint(c.ctx(), c.who.actor, in)
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusCreated, v)
}

// GET /api/complaints?from=YYYY-MM-DD&to=YYYY-MM-DD&state=open|replied|closed
func (a *API) complaints(c *apiCall) error {
	f, err := a.filter(c)
	if err != nil {
		return err
	}
	v, err := a.eng.Complaints(c.ctx(), f)
	return respond(c, "", v, err)
}

// POST /api/complaints/{id}/reply {"text"}
func (a *API) replyComplaint(c *apiCall) error {
	var in struct {
		Text string `json:"text"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.ReplyComplaint(c.ctx(), c.who.actor, c.r.PathValue("id"), in.Text)
	return respond(c, "", v, err)
}

// POST /api/complaints/{id}/close {"upheld":bool}
func (a *API) closeComplaint(c *apiCall) error {
	var in struct {
		Upheld *bool `json:"upheld"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if in.Upheld == nil {
		return answer.Errorf(queue.ErrInvalid.Code, "upheld is required (true or false)")
	}
	v, err := a.eng.CloseComplaint(c.ctx(), c.who.actor, c.r.PathValue("id"), *in.Upheld)
	return respond(c, "", v, err)
}

// POST /api/home-visits {"applicant","agent","reason","address","phone","service","note"?}
// → 201 the register entry.
func (a *API) requestHomeVisit(c *apiCall) error {
	var in queue.HomeVisitInput
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.RequestHomeVisit(c.ctx(), c.who.actor, in)
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusCreated, v)
}

// GET /api/home-visits?from&to&state=pending|approved|denied|done
func (a *API) homeVisits(c *apiCall) error {
	f, err := a.filter(c)
	if err != nil {
		return err
	}
	v, err := a.eng.HomeVisits(c.ctx(), f)
	return respond(c, "", v, err)
}

// POST /api/home-visits/{id}/approve {"team","date"}
func (a *API) approveHomeVisit(c *apiCall) error {
	var in struct {
		Team string `json:"team"`
		Date string `json:"date"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.ApproveHomeVisit(c.ctx(), c.who.actor, c.r.PathValue("id"), in.Team, in.Date)
	return respond(c, "", v, err)
}

// POST /api/home-visits/{id}/deny {"reason"}
func (a *API) denyHomeVisit(c *apiCall) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.DenyHomeVisit(c.ctx(), c.who.actor, c.r.PathValue("id"), in.Reason)
	return respond(c, "", v, err)
}

// POST /api/home-visits/{id}/done {"note"}
func (a *API) homeVisitDone(c *apiCall) error {
	var in struct {
		Note string `json:"note"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.HomeVisitDone(c.ctx(), c.who.actor, c.r.PathValue("id"), in.Note)
	return respond(c, "", v, err)
}

// POST /api/spot-checks {"month":"YYYY-MM","per_staff"?} → 201 the spot check
// with its sample.
func (a *API) drawSpotCheck(c *apiCall) error {
	var in struct {
		Month    string `json:"month"`
		PerStaff int    `json:"per_staff"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.DrawSpotCheck(c.ctx(), c.who.actor, in.Month, in.PerStaff)
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusCreated, v)
}

// POST /api/spot-checks/{id}/items/{ticket_id} {"ok":bool,"note"?}
func (a *API) markSpotCheck(c *apiCall) error {
	var in struct {
		OK   *bool  `json:"ok"`
		Note string `json:"note"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if in.OK == nil {
		return answer.Errorf(queue.ErrInvalid.Code, "ok is required (true or false)")
	}
	v, err := a.eng.MarkSpotCheck(c.ctx(), c.who.actor, c.r.PathValue("id"), c.r.PathValue("ticket_id"), *in.OK, in.Note)
	return respond(c, "", v, err)
}

// GET /api/spot-checks?month=YYYY-MM
func (a *API) spotChecks(c *apiCall) error {
	month := c.r.URL.Query().Get("month")
	if month != "" {
		if _, err := time.Parse("2006-01", month); err != nil {
			return answer.Errorf(queue.ErrInvalid.Code, "month must be YYYY-MM")
		}
	}
	v, err := a.eng.SpotChecks(c.ctx(), month)
	return respond(c, "", v, err)
}

// filter reads a register's query: from and to (YYYY-MM-DD, days of the
// hall's zone, both included) and state.
func (a *API) filter(c *apiCall) (queue.Filter, error) {
	q := c.r.URL.Query()
	f := queue.Filter{State: q.Get("state")}
	loc := a.eng.Location()
	for _, p := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		s := q.Get(p.name)
		if s == "" {
			continue
		}
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return f, answer.Errorf(queue.ErrInvalid.Code, "%s must be a date YYYY-MM-DD", p.name)
		}
		if p.end {
			d = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		*p.dst = d
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, answer.Errorf(queue.ErrInvalid.Code, "to is before from")
	}
	return f, nil
}
