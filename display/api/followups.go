package api

import (
	"qcall/display/internal/answer"
	"qcall/queue"
)

// The follow-ups of bad ratings (差评整改), the director's registers (台账)
// and the release of an abandoned window: the endpoints of the duty
// director's console.

// period reads a register's ?from=&to= (dates, both included; today when
// left out).
func (a *API) period(c *apiCall) (queue.Period, error) {
	q := c.r.URL.Query()
	return a.eng.ParsePeriod(q.Get("from"), q.Get("to"))
}

// GET /api/followups?from&to&state: the follow-ups opened in the period;
// staff get their own (rated or assigned), the director and admin all.
func (a *API) followups(c *apiCall) error {
	p, err := a.period(c)
	if err != nil {
		return err
	}
	q := queue.FollowupQuery{Period: p, State: c.r.URL.Query().Get("state")}
	if c.who.role == queue.RoleStaff {
		q.Person = c.who.actor
	}
	v, err := a.eng.Followups(c.ctx(), q)
	return respond(c, "", v, err)
}

// POST /api/followups/{id}/assign {"job_no"}
func (a *API) assignFollowup(c *apiCall) error {
	var in struct {
		JobNo string `json:"job_no"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.AssignFollowup(c.ctx(), c.who.actor, c.r.PathValue("id"), in.JobNo)
	return respond(c, "", v, err)
}

// POST /api/followups/{id}/close {"contacted":bool,"finding","action"}
func (a *API) closeFollowup(c *apiCall) error {
	var in struct {
		Contacted *bool  `json:"contacted"`
		Finding   string `json:"finding"`
		Action    string `json:"action"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if in.Contacted == nil {
		return answer.Errorf(queue.ErrInvalid.Code, "contacted is required (whether the citizen was called back)")
	}
	v, err := a.eng.CloseFollowup(c.ctx(), c.who.actor, c.r.PathValue("id"),
		queue.FollowupClose{Contacted: *in.Contacted, Finding: in.Finding, Action: in.Action})
	return respond(c, "", v, err)
}

// POST /api/followups/{id}/appeal {"reason"}, by the staff member rated.
func (a *API) appealFollowup(c *apiCall) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.AppealFollowup(c.ctx(), c.who.actor, c.r.PathValue("id"), in.Reason)
	return respond(c, "", v, err)
}

// POST /api/followups/{id}/appeal/decide {"upheld":bool,"note"}
func (a *API) decideAppeal(c *apiCall) error {
	var in struct {
		Upheld *bool  `json:"upheld"`
		Note   string `json:"note"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if in.Upheld == nil {
		return answer.Errorf(queue.ErrInvalid.Code, "upheld is required")
	}
	v, err := a.eng.DecideAppeal(c.ctx(), c.who.actor, c.r.PathValue("id"), *in.Upheld, in.Note)
	return respond(c, "", v, err)
}

// GET /api/refusals?from&to&state: the refusals register (否定报备台账).
func (a *API) refusalRegister(c *apiCall) error {
	p, err := a.period(c)
	if err != nil {
		return err
	}
	v, err := a.eng.RefusalRegister(c.ctx(), p, c.r.URL.Query().Get("state"))
	return respond(c, "", v, err)
}

// GET /api/express?from&to&state: the express register (快捷服务台账).
func (a *API) expressRegister(c *apiCall) error {
	p, err := a.period(c)
	if err != nil {
		return err
	}
	v, err := a.eng.ExpressRegister(c.ctx(), p, c.r.URL.Query().Get("state"))
	return respond(c, "", v, err)
}
