package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"qcall/display/internal/answer"
	"qcall/queue"
	"qcall/queue/report"
)

// Options configure an API.
type Options struct {
	// Engine runs the hall; required.
	Engine *queue.Engine
	// Secret keys the HMAC of staff session tokens; at least 16 bytes. Keep it
	// across restarts (cmd stores it in the data folder) and sessions survive
	// them.
	Secret []byte
	// DemoCredentials accepts the demo hall's well-known passwords and device
	// tokens. cmd sets it only while the server listens on a loopback address;
	// when it is false and the hall is the demo (Config.Demo), every demo
	// credential is refused with demo_loopback_only.
	DemoCredentials bool
	// PublicURL returns the base address citizens' phones reach the hall at,
	// for a ticket's status_url (<base>/t/<ticket id>). Nil uses the
	// configuration's hall.public_url, else the scheme and Host of the request.
	PublicURL func(r *http.Request) string
	// Backup writes a consistent copy of the store to w, for GET
	// /api/admin/backup (bolt.DB.Backup). Nil answers that route 503.
	Backup func(w io.Writer) error
	// Revocations keeps the sessions ended by a logout; nil keeps them in
	// memory only, so that a restart forgets them (cmd keeps them in the
	// data folder: OpenRevocations).
	Revocations *Revocations
	// Metrics are the Prometheus metrics of GET /metrics; nil makes new
	// ones. Give the same to the reports' rollups (report.Options.Observe)
	// for the waiting and service time histograms.
	Metrics *Metrics
	// Reports are the rollups the reports read (report.Open); nil answers
	// the report routes 503 reports_loading.
	Reports *report.Rollups
	// Logger gets what went wrong; default slog.Default().
	Logger *slog.Logger
}

// API serves the JSON API, /healthz and /metrics. It is an http.Handler.
type API struct {
	opts    Options
	eng     *queue.Engine
	log     *slog.Logger
	mux     *http.ServeMux
	csrf    *http.CrossOriginProtection
	metrics *Metrics
	logins  *loginGuard
	revoked *Revocations
}

// New returns the API of opts.Engine, or an error when an option is missing.
func New(opts Options) (*API, error) {
	if opts.Engine == nil {
		return nil, errors.New("display: no engine")
	}
	if len(opts.Secret) < 16 {
		return nil, errors.New("display: the session secret needs at least 16 bytes")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	if opts.Revocations == nil {
		opts.Revocations, _ = OpenRevocations("", time.Time{})
	}
	a := &API{opts: opts, eng: opts.Engine, log: opts.Logger, mux: http.NewServeMux(),
		csrf: http.NewCrossOriginProtection(), metrics: opts.Metrics, logins: newLoginGuard(), revoked: opts.Revocations}
	if err := a.metrics.register(opts.Engine); err != nil {
		return nil, err
	}
	for _, rt := range apiRoutes {
		a.mux.Handle(rt.pattern, a.serve(rt))
	}
	return a, nil
}

// Handler returns the API as an http.Handler: /api/…, /healthz and /metrics.
func (a *API) Handler() http.Handler { return a }

// access says who may call a route: anyone (public), or a session or device
// token of one of the roles.
type access struct {
	public bool
	roles  []queue.Role
}

func anyOf(roles ...queue.Role) access { return access{roles: roles} }

func (x access) allows(r queue.Role) bool {
	for _, o := range x.roles {
		if o == r {
			return true
		}
	}
	return false
}

// The roles, and who may call what.
var (
	allRoles = []queue.Role{queue.RoleKiosk, queue.RoleDisplay, queue.RoleEvaluator, queue.RoleAgent,
		queue.RoleStaff, queue.RoleDirector, queue.RoleAdmin}

	forPublic   = access{public: true}
	forAnyone   = anyOf(allRoles...) // any session or device token
	forIssuers  = anyOf(queue.RoleKiosk, queue.RoleAgent, queue.RoleStaff, queue.RoleDirector)
	forCounter  = anyOf(queue.RoleStaff, queue.RoleDirector)
	forDirector = anyOf(queue.RoleDirector)
	forRaters   = anyOf(queue.RoleEvaluator, queue.RoleAgent)
	forAgents   = anyOf(queue.RoleAgent)
	forAuditors = anyOf(queue.RoleDirector, queue.RoleAdmin)
	forAdmin    = anyOf(queue.RoleAdmin)
	forStaff    = anyOf(queue.RoleStaff)
	// forFollowups: staff read their own follow-ups, the director and the
	// admin all of them.
	forFollowups = anyOf(queue.RoleStaff, queue.RoleDirector, queue.RoleAdmin)
)

// apiRoute is one endpoint: its ServeMux pattern, who may call it, its handler.
type apiRoute struct {
	pattern string
	access  access
	handle  func(*API, *apiCall) error
}

// apiRoutes is the API: the router is built from it and the role-matrix test walks
// it, so the rules of who may do what are written once, here.
var apiRoutes = []apiRoute{
	{"GET /healthz", forPublic, (*API).healthz},
	{"GET /metrics", forAuditors, (*API).serveMetrics},

	{"POST /api/login", forPublic, (*API).login},
	{"POST /api/logout", forPublic, (*API).logout},
	{"GET /api/me", forAnyone, (*API).me},

	{"GET /api/hall", forPublic, (*API).hall},
	{"GET /api/services", forPublic, (*API).services},
	{"GET /api/windows", forAnyone, (*API).windows},

	{"POST /api/tickets", forIssuers, (*API).issue},
	{"GET /api/tickets/{id}", forPublic, (*API).ticket},
	{"POST /api/slips/{slip_id}/return", forIssuers, (*API).returnSlip},
	{"POST /api/ratings", forRaters, (*API).rate},

	{"GET /api/windows/{id}/queue", forCounter, (*API).windowQueue},
	{"POST /api/windows/{id}/signin", forCounter, (*API).signIn},
	{"POST /api/windows/{id}/signout", forCounter, (*API).signOut},
	{"POST /api/windows/{id}/call-next", forCounter, (*API).callNext},
	{"POST /api/windows/{id}/call", forCounter, (*API).callTicket},
	{"POST /api/windows/{id}/recall", forCounter, (*API).recall},
	{"POST /api/windows/{id}/start", forCounter, (*API).start},
	{"POST /api/windows/{id}/finish", forCounter, (*API).finish},
	{"POST /api/windows/{id}/no-show", forCounter, (*API).noShow},
	{"POST /api/windows/{id}/transfer", forCounter, (*API).transfer},
	{"POST /api/windows/{id}/suspend", forCounter, (*API).suspend},
	{"POST /api/windows/{id}/reject", forCounter, (*API).reject},
	{"POST /api/windows/{id}/express", forCounter, (*API).requestExpress},
	{"POST /api/windows/{id}/whereabouts", forCounter, (*API).whereabouts},
	{"POST /api/cases/{id}/done", forCounter, (*API).caseDone},
	{"GET /api/cases", forCounter, (*API).cases},
	{"GET /api/covers", forDirector, (*API).covers},

	{"GET /api/pending", forDirector, (*API).pending},
	{"POST /api/express/{id}/approve", forDirector, (*API).approveExpress},
	{"POST /api/express/{id}/deny", forDirector, (*API).denyExpress},
	{"POST /api/refusals/{id}/ack", forDirector, (*API).ackRefusal},
	{"POST /api/services/{code}/backup", forDirector, (*API).setBackup},
	{"POST /api/windows/{id}/allow-signout", forDirector, (*API).allowSignout},
	{"POST /api/windows/{id}/temporary", forDirector, (*API).temporary},
	{"POST /api/windows/{id}/release", forDirector, (*API).release},

	// The hall office's registers (registers.go).
	{"POST /api/complaints", anyOf(queue.RoleKiosk, queue.RoleStaff, queue.RoleDirector), (*API).recordComplaint},
	{"GET /api/staff", forAuditors, (*API).staffList},
	{"GET /api/complaints", forAuditors, (*API).complaints},
	{"POST /api/complaints/{id}/reply", forDirector, (*API).replyComplaint},
	{"POST /api/complaints/{id}/close", forDirector, (*API).closeComplaint},
	{"POST /api/home-visits", forCounter, (*API).requestHomeVisit},
	{"GET /api/home-visits", forAuditors, (*API).homeVisits},
	{"POST /api/home-visits/{id}/approve", forDirector, (*API).approveHomeVisit},
	{"POST /api/home-visits/{id}/deny", forDirector, (*API).denyHomeVisit},
	{"POST /api/home-visits/{id}/done", forDirector, (*API).homeVisitDone},
	{"POST /api/spot-checks", forDirector, (*API).drawSpotCheck},
	{"GET /api/spot-checks", forAuditors, (*API).spotChecks},
	{"POST /api/spot-checks/{id}/items/{ticket_id}", forDirector, (*API).markSpotCheck},

	// Follow-ups of bad ratings (差评整改) and the registers (台账): followups.go.
	{"GET /api/followups", forFollowups, (*API).followups},
	{"POST /api/followups/{id}/assign", forDirector, (*API).assignFollowup},
	{"POST /api/followups/{id}/close", forCounter, (*API).closeFollowup},
	{"POST /api/followups/{id}/appeal", forStaff, (*API).appealFollowup},
	{"POST /api/followups/{id}/appeal/decide", forDirector, (*API).decideAppeal},
	{"GET /api/refusals", forAuditors, (*API).refusalRegister},
	{"GET /api/express", forAuditors, (*API).expressRegister},

	{"GET /api/priorities", forIssuers, (*API).priorities},
	{"POST /api/inquiries", forCounter, (*API).logInquiry},
	{"GET /api/inquiries", forAuditors, (*API).inquiries},

	{"POST /api/devices/status", forAgents, (*API).deviceStatus},
	{"GET /api/devices", forAnyone, (*API).devices},

	{"GET /api/events", forAuditors, (*API).events},
	{"GET /api/stats", forAuditors, (*API).stats},
	{"GET /api/reports/evaluation", forEvaluation, (*API).evaluation},
	{"GET /api/reports/ratings", forAuditors, (*API).ratingsFeed},
	{"GET /api/admin/config", forAdmin, (*API).adminConfig},
	{"GET /api/admin/backup", forAdmin, (*API).adminBackup},
}

// apiCall is one request on its way through a handler.
type apiCall struct {
	w   http.ResponseWriter
	r   *http.Request
	who principal // the zero principal on a public route
}

func (c *apiCall) ctx() context.Context { return c.r.Context() }

// serve checks who may call rt and runs its handler; an error it returns is
// answered by fail.
func (a *API) serve(rt apiRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// The screens wait for the changes the request asks for, and
			// for its answer (queue.Engine.Answering): the answer goes out
			// as soon as it is written, not when the server ends the
			// request.
			ctx, answered := a.eng.Answering(r.Context())
			defer answered()
			defer func() { _ = http.NewResponseController(w).Flush() }()
			r = r.WithContext(ctx)
		}
		c := &apiCall{w: w, r: r}
		if !rt.access.public {
			who, err := a.authenticate(r)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			if !rt.access.allows(who.role) {
				a.fail(w, r, answer.Errorf(answer.CodeForbidden, "role %s may not do this", who.role))
				return
			}
			c.who = who
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := rt.handle(a, c); err != nil {
			a.fail(w, r, err)
		}
	})
}

// GET /healthz: 200 once the engine answers.
func (a *API) healthz(c *apiCall) error {
	if _, err := a.eng.Seq(c.ctx()); err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusOK, map[string]bool{"ok": true})
}

// hallJSON is GET /api/hall: public, so the current tickets show what a hall
// screen shows (number, state, window), never their ids (the key of a ticket's
// status page) nor their slips.
type hallJSON struct {
	queue.HallView
	Windows []hallWindowJSON `json:"windows"`
}

type hallWindowJSON struct {
	queue.WindowView
	Current *ticketStatusJSON `json:"current"`
}

// GET /api/hall
func (a *API) hall(c *apiCall) error {
	h, err := a.eng.Hall(c.ctx())
	if err != nil {
		return err
	}
	out := hallJSON{HallView: h, Windows: make([]hallWindowJSON, len(h.Windows))}
	for i, w := range h.Windows {
		out.Windows[i].WindowView = w
		if w.Current != nil {
			out.Windows[i].Current = newTicketStatus(*w.Current)
		}
	}
	return answer.JSON(c.w, http.StatusOK, out)
}

// GET /api/services
func (a *API) services(c *apiCall) error {
	s, err := a.eng.Services(c.ctx())
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusOK, s)
}

// GET /api/windows
func (a *API) windows(c *apiCall) error {
	ws, err := a.eng.Windows(c.ctx())
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusOK, ws)
}

// issuedJSON is the answer to POST /api/tickets. issue writes its JSON by hand
// (queue.TicketView.AppendJSON), the very bytes answer.JSON would send for it.
type issuedJSON struct {
	queue.TicketView
	StatusURL string `json:"status_url"`
}

// answerBufs holds the buffers issue writes its answers into.
var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// POST /api/tickets {"service","channel"?,"id_no"?,"priority"?}
func (a *API) issue(c *apiCall) error {
	var in struct {
		Service  string `json:"service"`
		Channel  string `json:"channel"`
		IDNo     string `json:"id_no"`
		Priority string `json:"priority"`
	}
	if err := decodeStrings(c.r, &in, stringField{"service", &in.Service}, stringField{"channel", &in.Channel},
		stringField{"id_no", &in.IDNo}, stringField{"priority", &in.Priority}); err != nil {
		return err
	}
	if in.Service == "" {
		return answer.Errorf(queue.ErrInvalid.Code, "service is required")
	}
	if in.Channel == "" {
		switch c.who.role {
		case queue.RoleKiosk:
			in.Channel = "kiosk"
		case queue.RoleStaff, queue.RoleDirector:
			in.Channel = "greeter"
		default:
			in.Channel = "api"
		}
	}
	tv, err := a.eng.IssueTicket(c.ctx(), c.who.actor, queue.IssueRequest{Service: in.Service, Channel: in.Channel, IDNo: in.IDNo, Priority: in.Priority})
	if err != nil {
		return err
	}
	a.metrics.ticketIssued(tv.Service)
	base, err := a.publicURL(c)
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", "/api/tickets/"+tv.ID)
	// The bytes answer.JSON would send for issuedJSON{tv, base + "/t/" + tv.ID}
	// (HTML escaped, a newline at the end), without reflection.
	buf := answerBufs.Get().(*[]byte)
	defer answerBufs.Put(buf)
	b := tv.AppendJSON((*buf)[:0], true)
	if len(b) == 0 {
		// encoding/json fails on tv too (a time it cannot write): answer.JSON
		// reports it.
		return answer.JSON(c.w, http.StatusCreated, issuedJSON{TicketView: tv, StatusURL: base + "/t/" + tv.ID})
	}
	b = append(b[:len(b)-1], `,"status_url":`...) // before the closing brace
	b = queue.AppendJSONString(b, base+"/t/"+tv.ID, true)
	b = append(b, "}\n"...)
	*buf = b
	answer.RawJSON(c.w, http.StatusCreated, b)
	return nil
}

// publicURL is the base of a ticket's status page, without a trailing slash.
func (a *API) publicURL(c *apiCall) (string, error) {
	var base string
	if a.opts.PublicURL != nil {
		base = a.opts.PublicURL(c.r)
	}
	if base == "" {
		cfg := a.eng.CurrentConfig()
		base = cfg.Hall.PublicURL
	}
	if base == "" {
		scheme := "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.r.Host
	}
	return strings.TrimRight(base, "/"), nil
}

// ticketStatusJSON is what anyone holding a ticket's id may see of it.
type ticketStatusJSON struct {
	Number     string            `json:"number"`
	Service    string            `json:"service"`
	State      queue.TicketState `json:"state"`
	Position   int               `json:"position"`
	Ahead      int               `json:"ahead"`
	EstWaitS   int               `json:"est_wait_s"`
	Window     int               `json:"window,omitempty"`
	WindowName string            `json:"window_name,omitempty"`
	// NoWindow: it waits and no window can call it now (TicketView.NoWindow).
	NoWindow bool `json:"no_window,omitempty"`
	// Case is the case deadline (限时办结) the ticket's matter went on to.
	Case *queue.TicketCase `json:"case,omitempty"`
}

// GET /api/tickets/{id}
func (a *API) ticket(c *apiCall) error {
	id := c.r.PathValue("id")
	var out *ticketStatusJSON
	err := a.eng.View(c.ctx(), func(s *queue.State) error {
		if s.Tickets[id] == nil {
			return queue.ErrUnknownTicket
		}
		out = newTicketStatus(s.TicketView(id))
		out.Case = s.TicketCase(id)
		return nil
	})
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusOK, out)
}

func newTicketStatus(tv queue.TicketView) *ticketStatusJSON {
	return &ticketStatusJSON{Number: tv.Number, Service: tv.Service, State: tv.State, Position: tv.Position,
		Ahead: tv.Ahead, EstWaitS: tv.EstWaitS, Window: tv.Window, WindowName: tv.WindowName, NoWindow: tv.NoWindow}
}

// POST /api/slips/{slip_id}/return {}
func (a *API) returnSlip(c *apiCall) error {
	if err := decodeBody(c.r, &struct{}{}); err != nil {
		return err
	}
	tv, err := a.eng.ReturnSlip(c.ctx(), c.who.actor, c.r.PathValue("slip_id"))
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusOK, map[string]any{"ticket": tv})
}

// POST /api/ratings {"window","score","reason"?}: score 1–5 (5 非常满意 …
// 1 非常不满意), reason after 2 or 1 (queue.RatingReasons). Only the evaluator tied to the window
// (Device.Window), which may leave window out, or the agent driving its keypad
// (Device.KeypadWindows) rates it: the citizen's own press must not find the
// ticket rated already by someone else.
func (a *API) rate(c *apiCall) error {
	var in struct {
		Window int    `json:"window"`
		Score  int    `json:"score"`
		Reason string `json:"reason"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	d := c.who.device
	if d != nil {
		in.Window = d.RatingWindow(in.Window)
	}
	if in.Window == 0 || in.Score == 0 {
		return answer.Errorf(queue.ErrInvalid.Code, "window and score are required")
	}
	if d == nil || !d.Rates(in.Window, a.eng.CurrentConfig().Demo) {
		return answer.Errorf(answer.CodeForbidden, "%s does not rate window %d", c.who.actor, in.Window)
	}
	tv, err := a.eng.Rate(c.ctx(), c.who.actor, in.Window, in.Score, in.Reason)
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusOK, map[string]any{"ticket": tv})
}

// pathWindow is the {id} of a window path.
func pathWindow(c *apiCall) (int, error) {
	s := c.r.PathValue("id")
	id, err := strconv.Atoi(s)
	if err != nil {
		return 0, answer.Errorf(queue.ErrUnknownWindow.Code, "no window %q", s)
	}
	return id, nil
}

// windowAction decodes the body into in (nil: it must be {} or empty), reads
// the window id and runs fn.
func windowAction[T any](c *apiCall, in any, fn func(ctx context.Context, actor string, window int) (T, error)) (T, error) {
	var zero T
	if in == nil {
		in = &struct{}{}
	}
	if err := decodeBody(c.r, in); err != nil {
		return zero, err
	}
	id, err := pathWindow(c)
	if err != nil {
		return zero, err
	}
	return fn(c.ctx(), c.who.actor, id)
}

// respond writes v, or returns err; key wraps v in an object when not empty.
func respond(c *apiCall, key string, v any, err error) error {
	if err != nil {
		return err
	}
	if key != "" {
		v = map[string]any{key: v}
	}
	return answer.JSON(c.w, http.StatusOK, v)
}

// GET /api/windows/{id}/queue: the tickets the window could call now, in order.
func (a *API) windowQueue(c *apiCall) error {
	id, err := pathWindow(c)
	if err != nil {
		return err
	}
	q, err := a.eng.Queue(c.ctx(), id)
	if q == nil {
		q = []queue.TicketView{}
	}
	return respond(c, "", q, err)
}

// POST /api/windows/{id}/signin {}
func (a *API) signIn(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.SignIn)
	return respond(c, "window", v, err)
}

// POST /api/windows/{id}/signout {}
func (a *API) signOut(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.SignOut)
	return respond(c, "window", v, err)
}

// POST /api/windows/{id}/call-next {}
func (a *API) callNext(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.CallNext)
	return respond(c, "ticket", v, err)
}

// POST /api/windows/{id}/call {"ticket_id"}
func (a *API) callTicket(c *apiCall) error {
	var in struct {
		TicketID string `json:"ticket_id"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, w int) (queue.TicketView, error) {
		if in.TicketID == "" {
			return queue.TicketView{}, answer.Errorf(queue.ErrInvalid.Code, "ticket_id is required")
		}
		return a.eng.Call(ctx, actor, w, in.TicketID)
	})
	return respond(c, "ticket", v, err)
}

// POST /api/windows/{id}/recall {}
func (a *API) recall(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.Recall)
	return respond(c, "ticket", v, err)
}

// POST /api/windows/{id}/start {}
func (a *API) start(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.Start)
	return respond(c, "ticket", v, err)
}

// POST /api/windows/{id}/finish {"due"?} → {"ticket","case"?}: due is true
// (the service's committed case days, in working days), an RFC 3339 time, or
// a date (the end of that day in the hall's zone); it opens a case deadline
// (限时办结), answered with its id and due date.
func (a *API) finish(c *apiCall) error {
	var in struct {
		Due json.RawMessage `json:"due"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, w int) (queue.Finished, error) {
		o, err := a.dueOption(ctx, in.Due)
		if err != nil {
			return queue.Finished{}, err
		}
		return a.eng.Finish(ctx, actor, w, o)
	})
	return respond(c, "", v, err)
}

// dueOption reads finish's "due".
func (a *API) dueOption(ctx context.Context, raw json.RawMessage) (queue.FinishOptions, error) {
	var o queue.FinishOptions
	switch s := strings.TrimSpace(string(raw)); s {
	case "", "null", "false":
		return o, nil
	case "true":
		o.DueDefault = true
		return o, nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		return o, answer.Errorf(queue.ErrInvalid.Code, "due must be true, an RFC 3339 time or a date YYYY-MM-DD")
	}
	due, err := a.eng.ParseDue(str)
	o.Due = due
	return o, err
}

// POST /api/windows/{id}/no-show {}
func (a *API) noShow(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.NoShow)
	return respond(c, "ticket", v, err)
}

// POST /api/windows/{id}/transfer {"service"?,"window"?}
func (a *API) transfer(c *apiCall) error {
	var in struct {
		Service string `json:"service"`
		Window  int    `json:"window"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, w int) (queue.TicketView, error) {
		return a.eng.Transfer(ctx, actor, w, in.Service, in.Window)
	})
	return respond(c, "ticket", v, err)
}

// POST /api/windows/{id}/suspend {"missing":[...]} → the return slip.
func (a *API) suspend(c *apiCall) error {
	var in struct {
		Missing []string `json:"missing"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, w int) (queue.SlipView, error) {
		return a.eng.Suspend(ctx, actor, w, in.Missing)
	})
	return respond(c, "", v, err)
}

// POST /api/windows/{id}/reject {"reason","basis"} → the filed refusal.
func (a *API) reject(c *apiCall) error {
	var in struct {
		Reason string `json:"reason"`
		Basis  string `json:"basis"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, w int) (queue.RefusalView, error) {
		return a.eng.Reject(ctx, actor, w, in.Reason, in.Basis)
	})
	return respond(c, "", v, err)
}

// POST /api/windows/{id}/express {"reason","ticket_id"?} → the request.
func (a *API) requestExpress(c *apiCall) error {
	var in struct {
		Reason   string `json:"reason"`
		TicketID string `json:"ticket_id"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, w int) (queue.ExpressRequest, error) {
		return a.eng.RequestExpress(ctx, actor, w, in.TicketID, in.Reason)
	})
	return respond(c, "", v, err)
}

// POST /api/windows/{id}/whereabouts {"status","note"?}. Whereabouts belong to
// the staff member, not the window: any window id is accepted, signed in or not.
func (a *API) whereabouts(c *apiCall) error {
	var in struct {
		Status string `json:"status"`
		Note   string `json:"note"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, _ int) (queue.Whereabouts, error) {
		return a.eng.SetWhereabouts(ctx, actor, in.Status, in.Note)
	})
	return respond(c, "", v, err)
}

// POST /api/windows/{id}/allow-signout {}
func (a *API) allowSignout(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.AllowSignout)
	return respond(c, "window", v, err)
}

// POST /api/windows/{id}/release {}: the director signs out whoever is
// signed in at the window (left signed in with nobody there).
func (a *API) release(c *apiCall) error {
	v, err := windowAction(c, nil, a.eng.ReleaseWindow)
	return respond(c, "window", v, err)
}

// POST /api/windows/{id}/temporary {"services":[...]}; an empty list closes
// the temporary window.
func (a *API) temporary(c *apiCall) error {
	var in struct {
		Services *[]string `json:"services"`
	}
	v, err := windowAction(c, &in, func(ctx context.Context, actor string, w int) (queue.WindowView, error) {
		if in.Services == nil {
			return queue.WindowView{}, answer.Errorf(queue.ErrInvalid.Code, "services is required ([] closes the temporary window)")
		}
		return a.eng.OpenTemporary(ctx, actor, w, *in.Services)
	})
	return respond(c, "window", v, err)
}

// POST /api/cases/{id}/done {"notified":bool}
func (a *API) caseDone(c *apiCall) error {
	var in struct {
		Notified bool `json:"notified"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.CaseDone(c.ctx(), c.who.actor, c.r.PathValue("id"), in.Notified)
	return respond(c, "", v, err)
}

// GET /api/cases?from&to&state&staff: the case deadlines (限时办结) opened
// from to to; staff see their own only, the director every one (or one
// staff member's with staff=).
func (a *API) cases(c *apiCall) error {
	q := c.r.URL.Query()
	cq := queue.CaseQuery{From: q.Get("from"), To: q.Get("to"), State: q.Get("state"), Staff: q.Get("staff")}
	if c.who.role != queue.RoleDirector {
		cq.Staff = c.who.actor
	}
	v, err := a.eng.Cases(c.ctx(), cq)
	return respond(c, "", v, err)
}

// GET /api/covers?from&to: the A-post gaps (AB岗) that began from to to, with
// the minutes each post stood uncovered.
func (a *API) covers(c *apiCall) error {
	q := c.r.URL.Query()
	v, err := a.eng.Covers(c.ctx(), q.Get("from"), q.Get("to"))
	return respond(c, "", v, err)
}

// GET /api/pending
func (a *API) pending(c *apiCall) error {
	v, err := a.eng.Pending(c.ctx())
	return respond(c, "", v, err)
}

// POST /api/express/{id}/approve {}
func (a *API) approveExpress(c *apiCall) error {
	if err := decodeBody(c.r, &struct{}{}); err != nil {
		return err
	}
	v, err := a.eng.ApproveExpress(c.ctx(), c.who.actor, c.r.PathValue("id"))
	return respond(c, "", v, err)
}

// POST /api/express/{id}/deny {"reason"?}
func (a *API) denyExpress(c *apiCall) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	v, err := a.eng.DenyExpress(c.ctx(), c.who.actor, c.r.PathValue("id"), in.Reason)
	return respond(c, "", v, err)
}

// POST /api/refusals/{id}/ack {}
func (a *API) ackRefusal(c *apiCall) error {
	if err := decodeBody(c.r, &struct{}{}); err != nil {
		return err
	}
	v, err := a.eng.AckRefusal(c.ctx(), c.who.actor, c.r.PathValue("id"))
	return respond(c, "", v, err)
}

// POST /api/services/{code}/backup {"open":bool}
func (a *API) setBackup(c *apiCall) error {
	var in struct {
		Open *bool `json:"open"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if in.Open == nil {
		return answer.Errorf(queue.ErrInvalid.Code, "open is required")
	}
	v, err := a.eng.SetBackup(c.ctx(), c.who.actor, c.r.PathValue("code"), *in.Open)
	return respond(c, "", v, err)
}

// ---- the greeter: priority classes, the inquiry log (首问 咨询台账) ----

// GET /api/priorities → the hall's priority classes, with what the greeter
// checks for each (proof).
func (a *API) priorities(c *apiCall) error {
	p := a.eng.CurrentConfig().Priorities
	if p == nil {
		p = []queue.Priority{}
	}
	return answer.JSON(c.w, http.StatusOK, p)
}

// POST /api/inquiries {"topic","service"?,"answered":bool,"referred_to"?} →
// 201 the logged inquiry.
func (a *API) logInquiry(c *apiCall) error {
	var in struct {
		Topic      string `json:"topic"`
		Service    string `json:"service"`
		Answered   *bool  `json:"answered"`
		ReferredTo string `json:"referred_to"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if in.Answered == nil {
		return answer.Errorf(queue.ErrInvalid.Code, "answered is required (true, or false with referred_to)")
	}
	v, err := a.eng.LogInquiry(c.ctx(), c.who.actor, queue.InquiryRequest{Topic: in.Topic, Service: in.Service,
		Answered: *in.Answered, ReferredTo: in.ReferredTo})
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusCreated, v)
}

// GET /api/inquiries?from=YYYY-MM-DD&to=YYYY-MM-DD → {"inquiries":[...]}, the
// days in the hall's zone, both included (default today).
func (a *API) inquiries(c *apiCall) error {
	q := c.r.URL.Query()
	start, end, err := a.eng.DayRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	v, err := a.eng.Inquiries(c.ctx(), start, end)
	return respond(c, "inquiries", v, err)
}

// POST /api/devices/status {"device"?,"status","note"?,"kiosks"?}, by an agent:
// device defaults to the agent's own name; otherwise it is one of the devices
// the agent owns (Device.Owns), so that no one else can tell the kiosks their
// printer is out of paper, nor fill the hall's state with names.
func (a *API) deviceStatus(c *apiCall) error {
	var in struct {
		Device string   `json:"device"`
		Status string   `json:"status"`
		Note   string   `json:"note"`
		Kiosks []string `json:"kiosks"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if in.Device == "" {
		in.Device = c.who.actor
	}
	if d := c.who.device; d == nil || !d.Reports(in.Device) {
		return answer.Errorf(answer.CodeForbidden, "%s does not own a device named %q (owns in the hall configuration)", c.who.actor, clipped(in.Device, 64))
	}
	v, err := a.eng.ReportDevice(c.ctx(), c.who.actor, in.Device, in.Status, in.Note, in.Kiosks)
	if err == nil {
		a.warnSharedKiosks(in.Device, c.who.actor, v)
	}
	return respond(c, "", v, err)
}

// clipped shortens s to at most n bytes, on a rune boundary, for an error
// message.
func clipped(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// warnSharedKiosks logs a printer whose kiosks another agent's printer serves
// too: every ticket of those kiosks prints twice. The answer and GET
// /api/devices carry it as shares_kiosks.
func (a *API) warnSharedKiosks(device, agent string, v queue.DeviceState) {
	if len(v.SharesKiosks) > 0 {
		a.log.Warn("display: two agents print the same kiosk's tickets; every ticket prints twice. Give each kiosk one printer in the agents' configurations",
			"printer", device, "agent", agent, "kiosks", v.Kiosks, "also_printed_by", v.SharesKiosks)
	}
}

// GET /api/devices → {"<device>": {"status","note","kiosks"?,"at"}}: the last
// status each device reported; a kiosk looks for its printer here on start.
func (a *API) devices(c *apiCall) error {
	v, err := a.eng.Devices(c.ctx())
	if err != nil {
		return err
	}
	return answer.JSON(c.w, http.StatusOK, v)
}

// Paging of GET /api/events.
const (
	defaultEventLimit = 100
	maxEventLimit     = 1000
)

// GET /api/events?after=N&limit=M → {"events":[...],"next":seq}; page on with
// after=next. Citizen ID hashes are left out.
func (a *API) events(c *apiCall) error {
	q := c.r.URL.Query()
	var after uint64
	limit := defaultEventLimit
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return answer.Errorf(queue.ErrInvalid.Code, "after must be a seq (0 or more)")
		}
		after = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxEventLimit {
			return answer.Errorf(queue.ErrInvalid.Code, "limit must be 1–%d", maxEventLimit)
		}
		limit = n
	}
	evs, err := a.eng.Events(after, limit)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []queue.Event{}
	}
	next := after
	for i := range evs {
		evs[i] = evs[i].ForDirector() // director and admin only: personal data too
		next = evs[i].Seq
	}
	return answer.JSON(c.w, http.StatusOK, map[string]any{"events": evs, "next": next})
}

// GET /api/staff (director, admin) → [{"job_no","name","name_en","role","posts_a","posts_b"}]:
// the hall's staff, so that a register can name whom a job number is.
func (a *API) staffList(c *apiCall) error {
	cfg := a.eng.CurrentConfig()
	out := make([]*staffJSON, 0, len(cfg.Staff))
	for i := range cfg.Staff {
		out = append(out, newStaffJSON(&cfg.Staff[i]))
	}
	return answer.JSON(c.w, http.StatusOK, out)
}

// GET /api/admin/config: the configuration in force, without secrets.
func (a *API) adminConfig(c *apiCall) error {
	cfg := a.eng.CurrentConfig()
	return answer.JSON(c.w, http.StatusOK, cfg.Public())
}

// byteCounter counts what went through it, to know whether an answer has begun.
type byteCounter struct {
	w io.Writer
	n int64
}

func (cw *byteCounter) Write(b []byte) (int, error) {
	n, err := cw.w.Write(b)
	cw.n += int64(n)
	return n, err
}

// GET /api/admin/backup: a consistent copy of the store, streamed while the
// hall runs. A failure half-way aborts the connection, so that a cut copy is
// never taken for a whole one.
func (a *API) adminBackup(c *apiCall) error {
	if a.opts.Backup == nil {
		return answer.Errorf(queue.ErrUnavailable.Code, "no backup configured")
	}
	// A copy of a big store may take longer than the server's write timeout.
	_ = http.NewResponseController(c.w).SetWriteDeadline(time.Time{})
	h := c.w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="qcall-%s.db"`, a.eng.Now().Format("20060102-150405")))
	cw := &byteCounter{w: c.w}
	if err := a.opts.Backup(cw); err != nil {
		if cw.n == 0 {
			h.Del("Content-Disposition")
			return err
		}
		a.log.Error("display: backup failed after it began; connection aborted", "bytes", cw.n, "err", err)
		panic(http.ErrAbortHandler)
	}
	a.log.Info("display: backup sent", "by", c.who.actor, "bytes", cw.n)
	return nil
}
