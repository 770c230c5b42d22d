package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"qcall/display/guard"
	"qcall/display/internal/answer"
	"qcall/queue"
)

// SessionCookie is the cookie that carries a staff session token to the
// screens served by the same server (HttpOnly, SameSite=Lax).
const SessionCookie = "qcall_session"

// SessionTTL is how long a staff session token is valid after login.
const SessionTTL = 12 * time.Hour

// principal is who makes a request: a staff member signed in with a session
// token, or a device known by its token.
type principal struct {
	role    queue.Role
	actor   string        // what the engine records: the job number or the device name
	staff   *queue.Staff  // nil for a device
	device  *queue.Device // nil for staff
	expires time.Time     // end of a staff session
}

var sessionB64 = base64.RawURLEncoding

// A session token is base64url("2|<job_no>|<expiry unix>|<nonce>") "."
// base64url(HMAC-SHA256 of that payload under the server's secret); the
// random nonce makes every login's token its own, so that a logout ends that
// session only. It is stateless, so it outlives a restart as long as the
// secret does (and the revocations of logged-out tokens are kept as long); a
// staff member removed from the configuration, or given another role, is seen
// at the next request, because the role is read from the configuration then,
// never from the token. Tokens of the first form, "1|<job_no>|<expiry>",
// made before the nonce, are still taken until they expire.
func (a *API) signSession(jobNo string, exp time.Time) string {
	var nonce [12]byte
	rand.Read(nonce[:])
	payload := "2|" + jobNo + "|" + strconv.FormatInt(exp.Unix(), 10) + "|" + sessionB64.EncodeToString(nonce[:])
	return sessionB64.EncodeToString([]byte(payload)) + "." + sessionB64.EncodeToString(a.mac(payload))
}

func (a *API) mac(payload string) []byte {
	m := hmac.New(sha256.New, a.opts.Secret)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// verifySession returns the job number and expiry of a token signed by
// signSession; ok is false for anything else (including a device token).
func (a *API) verifySession(tok string) (jobNo string, exp time.Time, ok bool) {
	p64, m64, found := strings.Cut(tok, ".")
	if !found {
		return "", time.Time{}, false
	}
	payload, err1 := sessionB64.DecodeString(p64)
	sum, err2 := sessionB64.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, a.mac(string(payload))) {
		return "", time.Time{}, false
	}
	parts := strings.Split(string(payload), "|")
	if !(len(parts) == 3 && parts[0] == "1" || len(parts) == 4 && parts[0] == "2") {
		return "", time.Time{}, false
	}
	unix, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	return parts[1], time.Unix(unix, 0), true
}

// sessionID is what names a session token among the revoked: its MAC.
func sessionID(tok string) string {
	_, mac, _ := strings.Cut(tok, ".")
	return mac
}

// deviceByToken finds the device whose TokenSHA256 is the hash of tok. Every
// device is compared, in constant time, so the answer's timing says nothing of
// which device or how much of a hash matched.
func deviceByToken(cfg *queue.Config, tok string) *queue.Device {
	sum := sha256.Sum256([]byte(tok))
	h := []byte(hex.EncodeToString(sum[:]))
	var found *queue.Device
	for i := range cfg.Devices {
		if subtle.ConstantTimeCompare(h, []byte(cfg.Devices[i].TokenSHA256)) == 1 && found == nil {
			found = &cfg.Devices[i]
		}
	}
	return found
}

// requestCredential returns the token of a request: the Authorization bearer, else a
// device's ?token= (for clients that cannot set headers), else the session
// cookie.
func requestCredential(r *http.Request) (tok string, from string) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, t, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(t), "header"
		}
		return "", "header"
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t, "query"
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, "cookie"
	}
	return "", ""
}

// Authenticate is the API's authentication for the realtime hub (it is a
// display.Authenticate): the device token (Authorization: Bearer, or ?token=),
// the staff bearer token or the session cookie, resolved by the same rules as
// the API's routes. It returns the caller's role and who it is.
func (a *API) Authenticate(r *http.Request) (queue.Role, string, error) {
	p, err := a.authenticate(r)
	if err != nil {
		return "", "", err
	}
	return p.role, p.actor, nil
}

// SessionOf names the staff session r carries (bearer or cookie, as
// authenticate reads them): its token's MAC, as Revocations keeps it, and
// when it expires; "" when r carries no session token. With SessionEnded
// and OnSessionEnd, it makes the API the hub's display.Sessions, so that a
// logout or the session's expiry closes its websockets.
func (a *API) SessionOf(r *http.Request) (id string, expires time.Time) {
	tok, from := requestCredential(r)
	if from == "query" {
		return "", time.Time{}
	}
	_, exp, ok := a.verifySession(tok)
	if !ok {
		return "", time.Time{}
	}
	return sessionID(tok), exp
}

// SessionEnded reports whether the session SessionOf named id was ended by a
// logout.
func (a *API) SessionEnded(id string) bool { return a.revoked.Revoked(id) }

// OnSessionEnd has fn called with the id of each session a logout ends from
// now on, before the logout is answered.
func (a *API) OnSessionEnd(fn func(id string)) { a.revoked.OnRevoke(fn) }

// authenticate tells who sent r. The demo hall's credentials are refused with
// demo_loopback_only unless DemoCredentials is set (the server listens on
// loopback). A request carried by the cookie passes the cross-origin check: a
// browser sends the cookie along with a form posted from any site.
func (a *API) authenticate(r *http.Request) (principal, error) {
	tok, from := requestCredential(r)
	if tok == "" {
		return principal{}, answer.Errorf(answer.CodeUnauthorized, "")
	}
	cfg := a.eng.CurrentConfig()
	demoRefused := cfg.Demo && !a.opts.DemoCredentials
	if from != "query" {
		if jobNo, exp, ok := a.verifySession(tok); ok {
			if demoRefused {
				return principal{}, answer.Errorf(answer.CodeDemoLoopback, "")
			}
			if !a.eng.Now().Before(exp) {
				return principal{}, answer.Errorf(answer.CodeUnauthorized, "session expired")
			}
			if a.revoked.Revoked(sessionID(tok)) {
				return principal{}, answer.Errorf(answer.CodeUnauthorized, "session ended by logout")
			}
			st := cfg.StaffByJobNo(jobNo)
			if st == nil {
				return principal{}, answer.Errorf(answer.CodeUnauthorized, "staff %s is no longer in the configuration", jobNo)
			}
			if from == "cookie" {
				if err := a.csrf.Check(r); err != nil {
					return principal{}, answer.Errorf(answer.CodeForbidden, "cross-origin request")
				}
			}
			guard.Vouch(r)
			return principal{role: st.Role, actor: st.JobNo, staff: st, expires: exp}, nil
		}
		if from == "cookie" {
			return principal{}, answer.Errorf(answer.CodeUnauthorized, "")
		}
	}
	if d := deviceByToken(cfg, tok); d != nil {
		if demoRefused {
			return principal{}, answer.Errorf(answer.CodeDemoLoopback, "")
		}
		guard.Vouch(r)
		return principal{role: d.Role, actor: d.Name, device: d}, nil
	}
	return principal{}, answer.Errorf(answer.CodeUnauthorized, "")
}

// staffJSON is a staff member as login and /api/me show them.
type staffJSON struct {
	JobNo  string     `json:"job_no"`
	Name   string     `json:"name"`
	NameEn string     `json:"name_en,omitempty"`
	Role   queue.Role `json:"role"`
	PostsA []int      `json:"posts_a"`
	PostsB []int      `json:"posts_b"`
}

func newStaffJSON(st *queue.Staff) *staffJSON {
	v := &staffJSON{JobNo: st.JobNo, Name: st.Name, NameEn: st.NameEn, Role: st.Role, PostsA: st.PostsA, PostsB: st.PostsB}
	if v.PostsA == nil {
		v.PostsA = []int{}
	}
	if v.PostsB == nil {
		v.PostsB = []int{}
	}
	return v
}

// POST /api/login {"job_no","password"}
//
// Throttled per job number and per address (see loginGuard): 429
// rate_limited while either must wait. bcrypt runs in a bounded pool, so that
// logins cannot take the CPU the kiosks need. An unknown job number is
// compared against a hash of the same cost as the staff's, so it takes as
// long as a wrong password. Every failure is logged.
func (a *API) login(c *apiCall) error {
	var in struct {
		JobNo    string `json:"job_no"`
		Password string `json:"password"`
	}
	if err := decodeBody(c.r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.JobNo) == "" || in.Password == "" {
		return answer.Errorf(queue.ErrInvalid.Code, "job_no and password are required")
	}
	if err := a.csrf.Check(c.r); err != nil {
		return answer.Errorf(answer.CodeForbidden, "cross-origin request")
	}
	cfg := a.eng.CurrentConfig()
	if cfg.Demo && !a.opts.DemoCredentials {
		return answer.Errorf(answer.CodeDemoLoopback, "")
	}
	addr := remoteAddrKey(c.r)
	logJob := in.JobNo
	if len(logJob) > 32 {
		logJob = logJob[:32] + "…"
	}
	if wait := a.logins.wait(in.JobNo, addr, a.eng.Now()); wait > 0 {
		a.log.Warn("display: login refused: too many failures", "job_no", logJob, "addr", addr, "wait_s", int(wait.Seconds()+0.999))
		return answer.RateLimited(wait, "too many failed logins; wait %d s", int(wait.Seconds()+0.999))
	}
	st := cfg.StaffByJobNo(in.JobNo)
	var hash []byte
	if st != nil {
		hash = []byte(st.PasswordHash)
	} else {
		hash = a.logins.dummy(cfg)
	}
	match, err := a.logins.compare(c.ctx(), hash, []byte(in.Password))
	if err != nil {
		return err
	}
	if !match || st == nil {
		job, fromAddr := a.logins.failed(in.JobNo, addr, a.eng.Now())
		a.log.Warn("display: login failed", "job_no", logJob, "known", st != nil, "addr", addr,
			"failures_job", job, "failures_addr", fromAddr)
		return answer.Errorf(answer.CodeBadCredentials, "")
	}
	a.logins.succeeded(in.JobNo)
	exp := a.eng.Now().Add(SessionTTL).Truncate(time.Second)
	tok := a.signSession(st.JobNo, exp)
	http.SetCookie(c.w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", MaxAge: int(SessionTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.r.TLS != nil})
	a.log.Info("display: login", "job_no", st.JobNo, "role", st.Role, "addr", addr)
	return answer.JSON(c.w, http.StatusOK, map[string]any{"token": tok, "expires_at": exp, "staff": newStaffJSON(st)})
}

// remoteAddrKey is the address a request counts against for throttling.
func remoteAddrKey(r *http.Request) netip.Prefix {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Prefix{}
	}
	return guard.AddrPrefix(ap.Addr())
}

// POST /api/logout ends the session: the token it carries (bearer or cookie)
// is revoked on the server, for good (across restarts too), and the cookie is
// cleared. The answer comes once the revocation is on disk.
func (a *API) logout(c *apiCall) error {
	if tok, from := requestCredential(c.r); tok != "" && from != "query" {
		if jobNo, exp, ok := a.verifySession(tok); ok && a.eng.Now().Before(exp) {
			if err := a.revoked.Revoke(sessionID(tok), exp, a.eng.Now()); err != nil {
				a.log.Error("display: logout", "job_no", jobNo, "err", err)
				return answer.Errorf(queue.ErrUnavailable.Code, "the logout could not be stored")
			}
			a.log.Info("display: logout", "job_no", jobNo)
		}
	}
	http.SetCookie(c.w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.r.TLS != nil})
	return answer.JSON(c.w, http.StatusOK, map[string]bool{"ok": true})
}

// GET /api/me
func (a *API) me(c *apiCall) error {
	out := map[string]any{"role": c.who.role, "actor": c.who.actor}
	if c.who.staff != nil {
		out["staff"] = newStaffJSON(c.who.staff)
		out["expires_at"] = c.who.expires
	}
	if d := c.who.device; d != nil {
		out["device"] = map[string]any{"name": d.Name, "role": d.Role, "window": d.Window}
	}
	return answer.JSON(c.w, http.StatusOK, out)
}
