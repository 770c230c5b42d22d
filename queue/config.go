package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The configuration workflow: the hall's configuration is an event like any
// other, changed whole by the admin. Its command, its event (its audience and
// what a public screen gets of it) and its fold are here, before the
// configuration's types and their validation.

// The configuration event.
const (
	EvConfigChanged EventType = "config_changed" // Config
)

// configEvents: who hears a configuration change (every window, the
// director), and what a public screen gets of it: the configuration's public
// part (Config.Public).
var configEvents = map[EventType]eventSpec{
	EvConfigChanged: {public: []string{"config"}, director: true,
		more: func(_ *State, _ *Event, a *Audience) { a.AllWindows = true }},
}

// ChangeConfig replaces the hall configuration (admin).
func (e *Engine) ChangeConfig(ctx context.Context, actor string, cfg *Config) error {
	_, err := call(ctx, e, actor, func(t *tx) (struct{}, error) {
		c := cfg.clone()
		if err := c.Validate(); err != nil {
			return struct{}{}, Errorf(ErrInvalid.Code, "%v", err)
		}
		if c.Hall.TimeZone != t.s.Config.Hall.TimeZone {
			return struct{}{}, Errorf(ErrInvalid.Code, "the time zone cannot change while the hall runs")
		}
		t.emit(Event{Type: EvConfigChanged, Config: c})
		return struct{}{}, nil
	})
	return err
}

// applyConfig folds a configuration event.
func (s *State) applyConfig(e *Event, _ *Ticket) {
	s.Config = e.Config
	s.reindex() // the priority classes' head starts may have changed
}

// Config is a hall's configuration: what it serves, at which windows, by whom, and
// the thresholds of its rules. It is loaded from a file at start (see
// queue/config) or is the built-in demo hall, and every change to it is a
// config_changed event carrying the whole new configuration.
type Config struct {
	Hall       Hall       `json:"hall" toml:"hall"`
	Services   []Service  `json:"services" toml:"services"`
	Windows    []Window   `json:"windows" toml:"windows"`
	Staff      []Staff    `json:"staff" toml:"staff"`
	Devices    []Device   `json:"devices" toml:"devices"`
	Priorities []Priority `json:"priorities,omitempty" toml:"priorities"`
	Rules      Rules      `json:"rules" toml:"rules"`
	// Calendar is the hall's calendar of working days (public holidays,
	// make-up working days), which case deadlines count in.
	Calendar Calendar `json:"calendar,omitzero" toml:"calendar"`
	// Evaluation weighs the monthly and annual evaluation (queue/evaluation.go).
	Evaluation Evaluation `json:"evaluation,omitzero" toml:"evaluation"`
	// Demo marks the built-in demo hall, whose well-known credentials are accepted
	// only on a loopback address.
	Demo bool `json:"demo,omitempty" toml:"-"`
}

// Hall names the hall and sets its hours.
type Hall struct {
	Name   string `json:"name" toml:"name"`
	NameEn string `json:"name_en,omitempty" toml:"name_en"`
	// TimeZone is the IANA zone the business day and the hours are in
	// (default Asia/Shanghai).
	TimeZone string `json:"time_zone,omitempty" toml:"time_zone"`
	// Open and Close are "HH:MM"; IssueCutoff is when the kiosks stop issuing
	// (延时服务: calling goes on after it). "24:00" is the end of the day.
	Open        string `json:"open" toml:"open"`
	Close       string `json:"close" toml:"close"`
	IssueCutoff string `json:"issue_cutoff" toml:"issue_cutoff"`
	// Notice is the line the hall screen shows.
	Notice string `json:"notice,omitempty" toml:"notice"`
	// PublicURL is the address citizens' phones reach the hall at, for the QR
	// code on a ticket (e.g. "http://hall.example.gov.cn").
	PublicURL string `json:"public_url,omitempty" toml:"public_url"`
}

// Service is one matter the hall handles, with its own queue.
type Service struct {
	Code   string `json:"code" toml:"code"`
	Name   string `json:"name" toml:"name"`
	NameEn string `json:"name_en,omitempty" toml:"name_en"`
	// Prefix is the ticket letter (A–Z); numbers are Prefix + at least 3 digits.
	Prefix string `json:"prefix" toml:"prefix"`
	// Materials is the full list of what to bring (一次性告知).
	Materials   []string `json:"materials" toml:"materials"`
	MaterialsEn []string `json:"materials_en,omitempty" toml:"materials_en"`
	// LimitS is the committed time limit in the hall, from ticket to finish.
	LimitS int `json:"limit_s" toml:"limit_s"`
	// CaseDays is the committed number of days for a matter accepted at the
	// window and finished later (限时办结).
	CaseDays int `json:"case_days,omitempty" toml:"case_days"`
	// DailyQuota caps the tickets issued a day (0: no cap).
	DailyQuota int `json:"daily_quota,omitempty" toml:"daily_quota"`
	// IssueCutoff overrides the hall's cut-off for this service ("HH:MM").
	IssueCutoff string `json:"issue_cutoff,omitempty" toml:"issue_cutoff"`
	// AvgServiceS is the service time assumed before any has been measured.
	AvgServiceS int `json:"avg_service_s,omitempty" toml:"avg_service_s"`
	// Backup sets when the service's B windows start and stop serving it.
	Backup Backup `json:"backup" toml:"backup"`
	// Guide and Commitment are its 一次性告知 besides the materials, and its
	// 服务承诺 (guide.go).
	Guide      Guide      `json:"guide,omitzero" toml:"guide"`
	Commitment Commitment `json:"commitment,omitzero" toml:"commitment"`
}

// Backup holds a service's thresholds for opening its backup (B) windows. Backup
// opens when the waiting count reaches OpenWaiting or the estimated wait of a new
// ticket reaches OpenWaitS, and closes only when both have fallen to CloseWaiting
// and CloseWaitS or below (hysteresis). Zero disables a criterion.
type Backup struct {
	OpenWaiting  int `json:"open_waiting" toml:"open_waiting"`
	CloseWaiting int `json:"close_waiting" toml:"close_waiting"`
	OpenWaitS    int `json:"open_wait_s,omitempty" toml:"open_wait_s"`
	CloseWaitS   int `json:"close_wait_s,omitempty" toml:"close_wait_s"`
}

// Window is a counter. It serves its ServicesA always and its ServicesB while
// that service's backup is open.
type Window struct {
	ID        int      `json:"id" toml:"id"`
	Name      string   `json:"name" toml:"name"`
	NameEn    string   `json:"name_en,omitempty" toml:"name_en"`
	ServicesA []string `json:"services_a" toml:"services_a"`
	ServicesB []string `json:"services_b" toml:"services_b"`
}

// Staff is a person who signs in: window staff, the duty director or an admin.
type Staff struct {
	JobNo  string `json:"job_no" toml:"job_no"`
	Name   string `json:"name" toml:"name"`
	NameEn string `json:"name_en,omitempty" toml:"name_en"`
	// Photo is a path under the photos folder or a URL, shown on window screens.
	Photo string `json:"photo,omitempty" toml:"photo"`
	Role  Role   `json:"role" toml:"role"`
	// PasswordHash is a bcrypt hash; never a password.
	PasswordHash string `json:"password_hash,omitempty" toml:"password_hash"`
	// PostsA are the windows this person holds as A-post, PostsB as B-post
	// (AB岗: the B holder covers when the A holder is away).
	PostsA []int `json:"posts_a,omitempty" toml:"posts_a"`
	PostsB []int `json:"posts_b,omitempty" toml:"posts_b"`
}

// Device is a kiosk, screen, evaluator or agent, known by its token.
type Device struct {
	Name string `json:"name" toml:"name"`
	Role Role   `json:"role" toml:"role"`
	// Token is the device's secret as written in the file; Open replaces it by
	// TokenSHA256 so that no event carries it.
	Token       string `json:"token,omitempty" toml:"token"`
	TokenSHA256 string `json:"token_sha256,omitempty" toml:"token_sha256"`
	// Window ties an evaluator or window screen to its window (0: none). An
	// evaluator rates only its window; one tied to none rates none (the demo
	// hall's evaluator excepted).
	Window int `json:"window,omitempty" toml:"window"`
	// Owns names the devices an agent drives (printers, LED bars, keypads): the
	// only names, besides its own, whose status it may report.
	Owns []string `json:"owns,omitempty" toml:"owns"`
	// KeypadWindows are the windows whose satisfaction keypads an agent drives:
	// the only windows it may rate.
	KeypadWindows []int `json:"keypad_windows,omitempty" toml:"keypad_windows"`
}

// Reports reports whether d may report the status of the device named name:
// an agent, for itself and the devices it owns.
func (d *Device) Reports(name string) bool {
	return d.Role == RoleAgent && (name == d.Name || slices.Contains(d.Owns, name))
}

// RatingWindow returns the window a rating sent by d is for: window, or for
// an evaluator that names none, the window it is tied to (0: none).
func (d *Device) RatingWindow(window int) int {
	if window == 0 && d.Role == RoleEvaluator {
		return d.Window
	}
	return window
}

// Rates reports whether d may rate window: an evaluator tied to that window,
// or an agent driving that window's keypad. The demo hall's evaluator, tied
// to no window, rates every window (its token works on loopback only).
func (d *Device) Rates(window int, demo bool) bool {
	switch d.Role {
	case RoleEvaluator:
		return d.Window == window || d.Window == 0 && demo
	case RoleAgent:
		return slices.Contains(d.KeypadWindows, window)
	}
	return false
}

// Priority is a class of citizens served ahead of others (优先: the elderly,
// the disabled, service members). HeadStartS is how many seconds of waiting a
// ticket of the class is credited with, so that aging still lets a long-waiting
// ordinary ticket go first and no one starves.
type Priority struct {
	Code       string `json:"code" toml:"code"`
	Name       string `json:"name" toml:"name"`
	NameEn     string `json:"name_en,omitempty" toml:"name_en"`
	HeadStartS int    `json:"head_start_s" toml:"head_start_s"`
	// Proof is what the greeter (引导员) checks before issuing a ticket of
	// the class ("凭身份证，60 周岁以上"), shown on the greeter's tablet.
	Proof   string `json:"proof,omitempty" toml:"proof"`
	ProofEn string `json:"proof_en,omitempty" toml:"proof_en"`
}

// Rules are the hall-wide settings of the rules.
type Rules struct {
	// NoShowRequeue is how many times a ticket that did not come goes back to the
	// end of its queue before it is dropped (default 0: never).
	NoShowRequeue int `json:"no_show_requeue" toml:"no_show_requeue"`
	// SlipValidDays is how many days a return slip (直通反馈单) stays valid,
	// counting the day it is given (default 7).
	SlipValidDays int `json:"slip_valid_days" toml:"slip_valid_days"`
	// PersonDailyLimit caps the tickets one citizen ID takes a day (0: none).
	PersonDailyLimit int `json:"person_daily_limit,omitempty" toml:"person_daily_limit"`
	// IDHashDays is how many business days, today included, the hash of a
	// citizen ID can be tied to the ID (default 1: today, all the daily limit
	// needs). After that the day's key is forgotten (Options.IDKeys), and the
	// hashes left in the log and in backups point at no one.
	IDHashDays int `json:"id_hash_days,omitempty" toml:"id_hash_days"`
	// CaseWarnDays is how many days before a case is due the warning goes out
	// (default 1).
	CaseWarnDays int `json:"case_warn_days,omitempty" toml:"case_warn_days"`
	// ComplaintReplyDays is how many working days the hall has to reply to
	// a complaint, suggestion or praise (default 5).
	ComplaintReplyDays int `json:"complaint_reply_days,omitempty" toml:"complaint_reply_days"`
	// SpotCheckPerStaff is how many finished tickets per staff member a
	// month's spot check (零差错 抽检) draws when the director gives no
	// number (default 5).
	SpotCheckPerStaff int `json:"spot_check_per_staff,omitempty" toml:"spot_check_per_staff"`
	// FollowupDays is how many working days a bad rating's follow-up
	// (差评整改) is due after it opens (default 5).
	FollowupDays int `json:"followup_days,omitempty" toml:"followup_days"`
	// RatingWindowS is how many seconds after a finish its citizen may rate
	// it (and only until the next call at that window); default 120.
	RatingWindowS int `json:"rating_window_s,omitempty" toml:"rating_window_s"`
}

// Role is what a session or device may do.
type Role string

// The roles.
const (
	RoleKiosk     Role = "kiosk"
	RoleDisplay   Role = "display"
	RoleEvaluator Role = "evaluator"
	RoleAgent     Role = "agent"
	RoleStaff     Role = "staff"
	RoleDirector  Role = "director"
	RoleAdmin     Role = "admin"
)

func (r Role) String() string { return string(r) }

// ConfigError says what is wrong with a configuration and where: Path names the
// field ("services[2].prefix"); Line is filled in by the file loader.
type ConfigError struct {
	Path   string
	Line   int
	Reason string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Path, e.Reason)
	}
	return e.Path + ": " + e.Reason
}

// Validate fills in defaults and checks the configuration, returning a
// *ConfigError for the first problem found.
func (c *Config) Validate() error {
	bad := func(path, format string, args ...any) error {
		return &ConfigError{Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(c.Hall.Name) == "" {
		return bad("hall.name", "the hall needs a name")
	}
	if err := c.checkTexts(); err != nil {
		return err
	}
	if err := c.validateEvaluation(); err != nil {
		return err
	}
	if u := c.Hall.PublicURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.User != nil || pu.RawQuery != "" || pu.Fragment != "" {
			return bad("hall.public_url", "%q must be an http:// or https:// address such as http://hall.example.gov.cn", u)
		}
	}
	if c.Hall.TimeZone == "" {
		c.Hall.TimeZone = "Asia/Shanghai"
	}
	if _, err := loadLocation(c.Hall.TimeZone); err != nil {
		return bad("hall.time_zone", "unknown time zone %q", c.Hall.TimeZone)
	}
	for _, f := range []struct {
		path string
		v    *string
		def  string
	}{{"hall.open", &c.Hall.Open, "08:30"}, {"hall.close", &c.Hall.Close, "17:30"}, {"hall.issue_cutoff", &c.Hall.IssueCutoff, ""}} {
		if *f.v == "" {
			if f.def == "" {
				*f.v = c.Hall.Close
			} else {
				*f.v = f.def
			}
		}
		if _, err := clockMinutes(*f.v); err != nil {
			return bad(f.path, "%v", err)
		}
	}
	open, _ := clockMinutes(c.Hall.Open)
	closing, _ := clockMinutes(c.Hall.Close)
	cut, _ := clockMinutes(c.Hall.IssueCutoff)
	if closing <= open {
		return bad("hall.close", "closing time %s is not after opening time %s", c.Hall.Close, c.Hall.Open)
	}
	if cut < open || cut > closing {
		return bad("hall.issue_cutoff", "cut-off %s is not between opening and closing", c.Hall.IssueCutoff)
	}
	if c.Rules.SlipValidDays == 0 {
		c.Rules.SlipValidDays = 7
	}
	if c.Rules.CaseWarnDays == 0 {
		c.Rules.CaseWarnDays = 1
	}
	if c.Rules.NoShowRequeue < 0 || c.Rules.SlipValidDays < 0 || c.Rules.PersonDailyLimit < 0 || c.Rules.CaseWarnDays < 0 ||
		c.Rules.FollowupDays < 0 {
		return bad("rules", "numbers may not be negative")
	}
	if c.Rules.ComplaintReplyDays == 0 {
		c.Rules.ComplaintReplyDays = 5
	}
	if c.Rules.ComplaintReplyDays < 0 || c.Rules.ComplaintReplyDays > 60 {
		return bad("rules.complaint_reply_days", "%d: reply within 1–60 working days", c.Rules.ComplaintReplyDays)
	}
	if c.Rules.SpotCheckPerStaff == 0 {
		c.Rules.SpotCheckPerStaff = 5
	}
	if c.Rules.SpotCheckPerStaff < 0 || c.Rules.SpotCheckPerStaff > 50 {
		return bad("rules.spot_check_per_staff", "%d: draw 1–50 tickets per staff member", c.Rules.SpotCheckPerStaff)
	}
	if c.Rules.RatingWindowS == 0 {
		c.Rules.RatingWindowS = int(DefaultRatingWindow / time.Second)
	}
	if c.Rules.RatingWindowS < 0 || c.Rules.RatingWindowS > 3600 {
		return bad("rules.rating_window_s", "%d: a rating may be given 1–3600 seconds after a finish (0: the default, 120)", c.Rules.RatingWindowS)
	}
	if c.Rules.IDHashDays < 0 || c.Rules.IDHashDays > 366 {
		return bad("rules.id_hash_days", "%d: keep citizen ID hashes 1–366 days (0: the default, 1)", c.Rules.IDHashDays)
	}
	if err := c.Calendar.validate(); err != nil {
		return err
	}
	if len(c.Services) == 0 {
		return bad("services", "the hall needs at least one service")
	}
	codes := map[string]bool{}
	prefixes := map[string]string{}
	for i := range c.Services {
		s := &c.Services[i]
		p := fmt.Sprintf("services[%d]", i)
		if !validCode(s.Code) {
			return bad(p+".code", "code %q must be 1–32 letters, digits, '-' or '_'", s.Code)
		}
		if codes[s.Code] {
			return bad(p+".code", "service %q is defined twice", s.Code)
		}
		codes[s.Code] = true
		if strings.TrimSpace(s.Name) == "" {
			return bad(p+".name", "service %q needs a name", s.Code)
		}
		if len(s.Prefix) != 1 || s.Prefix[0] < 'A' || s.Prefix[0] > 'Z' {
			return bad(p+".prefix", "prefix %q must be one capital letter A–Z", s.Prefix)
		}
		if other, dup := prefixes[s.Prefix]; dup {
			return bad(p+".prefix", "prefix %s is already used by service %q", s.Prefix, other)
		}
		prefixes[s.Prefix] = s.Code
		if len(s.Materials) == 0 {
			return bad(p+".materials", "service %q needs its list of required materials (一次性告知)", s.Code)
		}
		if s.LimitS <= 0 {
			return bad(p+".limit_s", "service %q needs a committed time limit in seconds", s.Code)
		}
		if s.CaseDays < 0 || s.DailyQuota < 0 || s.AvgServiceS < 0 {
			return bad(p, "numbers may not be negative")
		}
		if s.AvgServiceS == 0 {
			s.AvgServiceS = 300
		}
		if err := s.validateGuide(p); err != nil {
			return err
		}
		if s.IssueCutoff != "" {
			m, err := clockMinutes(s.IssueCutoff)
			if err != nil {
				return bad(p+".issue_cutoff", "%v", err)
			}
			if m < open || m > closing {
				return bad(p+".issue_cutoff", "cut-off %s is not between opening and closing", s.IssueCutoff)
			}
		}
		b := s.Backup
		if b.OpenWaiting < 0 || b.CloseWaiting < 0 || b.OpenWaitS < 0 || b.CloseWaitS < 0 {
			return bad(p+".backup", "thresholds may not be negative")
		}
		if b.OpenWaiting > 0 && b.CloseWaiting >= b.OpenWaiting {
			return bad(p+".backup.close_waiting", "must be below open_waiting (%d), or backup windows would flap", b.OpenWaiting)
		}
		if b.OpenWaitS > 0 && b.CloseWaitS >= b.OpenWaitS {
			return bad(p+".backup.close_wait_s", "must be below open_wait_s (%d), or backup windows would flap", b.OpenWaitS)
		}
	}
	if len(c.Windows) == 0 {
		return bad("windows", "the hall needs at least one window")
	}
	wins := map[int]bool{}
	for i, w := range c.Windows {
		p := fmt.Sprintf("windows[%d]", i)
		if w.ID <= 0 || w.ID > 999 {
			return bad(p+".id", "window id %d must be 1–999", w.ID)
		}
		if wins[w.ID] {
			return bad(p+".id", "window %d is defined twice", w.ID)
		}
		wins[w.ID] = true
		if strings.TrimSpace(w.Name) == "" {
			return bad(p+".name", "window %d needs a name", w.ID)
		}
		for _, list := range []struct {
			name string
			v    []string
		}{{"services_a", w.ServicesA}, {"services_b", w.ServicesB}} {
			for _, code := range list.v {
				if !codes[code] {
					return bad(p+"."+list.name, "unknown service %q", code)
				}
			}
		}
		for _, code := range w.ServicesB {
			if slices.Contains(w.ServicesA, code) {
				return bad(p+".services_b", "service %q is already an A service of window %d", code, w.ID)
			}
		}
	}
	for _, s := range c.Services {
		if !slices.ContainsFunc(c.Windows, func(w Window) bool { return slices.Contains(w.ServicesA, s.Code) }) {
			return bad("windows", "no window serves %q as its A service", s.Code)
		}
	}
	jobs := map[string]bool{}
	for i, s := range c.Staff {
		p := fmt.Sprintf("staff[%d]", i)
		if !validCode(s.JobNo) {
			return bad(p+".job_no", "job number %q must be 1–32 letters or digits", s.JobNo)
		}
		if jobs[s.JobNo] {
			return bad(p+".job_no", "job number %s is used twice", s.JobNo)
		}
		jobs[s.JobNo] = true
		if strings.TrimSpace(s.Name) == "" {
			return bad(p+".name", "staff %s needs a name", s.JobNo)
		}
		switch s.Role {
		case RoleStaff, RoleDirector, RoleAdmin:
		case "":
			c.Staff[i].Role = RoleStaff
		default:
			return bad(p+".role", "role %q must be staff, director or admin", s.Role)
		}
		if !strings.HasPrefix(s.PasswordHash, "$2") {
			return bad(p+".password_hash", "staff %s needs a bcrypt password hash (qcall hash-password)", s.JobNo)
		}
		for _, id := range append(slices.Clone(s.PostsA), s.PostsB...) {
			if !wins[id] {
				return bad(p+".posts", "unknown window %d", id)
			}
		}
	}
	tokens := map[string]string{} // token hash → device name
	names := map[string]bool{}    // device names, and what else an event's actor can be
	owned := map[string]string{}  // device name → the agent that owns it
	for i := range c.Devices {
		d := &c.Devices[i]
		p := fmt.Sprintf("devices[%d]", i)
		if strings.TrimSpace(d.Name) == "" {
			return bad(p+".name", "a device needs a name")
		}
		if names[d.Name] || jobs[d.Name] || d.Name == "system" || d.Name == "phone" {
			return bad(p+".name", "device name %q is already used (by a device, a job number, or qcall itself)", d.Name)
		}
		names[d.Name] = true
		switch d.Role {
		case RoleKiosk, RoleDisplay, RoleEvaluator, RoleAgent:
		default:
			return bad(p+".role", "role %q must be kiosk, display, evaluator or agent", d.Role)
		}
		if d.Token == "" && d.TokenSHA256 == "" {
			return bad(p+".token", "device %q needs a token", d.Name)
		}
		if d.Token != "" && len(d.Token) < 8 {
			return bad(p+".token", "device %q: a token needs at least 8 characters", d.Name)
		}
		if d.Token != "" {
			sum := sha256.Sum256([]byte(d.Token))
			d.TokenSHA256, d.Token = hex.EncodeToString(sum[:]), ""
		}
		d.TokenSHA256 = strings.ToLower(d.TokenSHA256)
		if other, dup := tokens[d.TokenSHA256]; dup {
			return bad(p+".token", "device %q has the same token as device %q: each device needs its own", d.Name, other)
		}
		tokens[d.TokenSHA256] = d.Name
		if d.Window != 0 && !wins[d.Window] {
			return bad(p+".window", "unknown window %d", d.Window)
		}
		if d.Role != RoleAgent && (len(d.Owns) > 0 || len(d.KeypadWindows) > 0) {
			return bad(p+".owns", "only an agent owns devices and keypads; device %q is a %s", d.Name, d.Role)
		}
		if len(d.Owns) > maxOwned {
			return bad(p+".owns", "an agent owns at most %d devices", maxOwned)
		}
		for _, n := range d.Owns {
			if other, dup := owned[n]; dup {
				return bad(p+".owns", "device %q is owned twice (also by %q)", n, other)
			}
			owned[n] = d.Name
		}
		for _, w := range d.KeypadWindows {
			if !wins[w] {
				return bad(p+".keypad_windows", "unknown window %d", w)
			}
		}
	}
	for n, agent := range owned {
		if names[n] && n != agent {
			return bad("devices", "agent %q owns %q, which is a device of the hall configuration with its own token", agent, n)
		}
	}
	pri := map[string]bool{}
	for i, pr := range c.Priorities {
		p := fmt.Sprintf("priorities[%d]", i)
		if !validCode(pr.Code) || pri[pr.Code] {
			return bad(p+".code", "priority code %q is empty, malformed or used twice", pr.Code)
		}
		pri[pr.Code] = true
		if pr.HeadStartS < 0 {
			return bad(p+".head_start_s", "may not be negative")
		}
	}
	return nil
}

// Service returns the service with code, or nil.
func (c *Config) Service(code string) *Service {
	for i := range c.Services {
		if c.Services[i].Code == code {
			return &c.Services[i]
		}
	}
	return nil
}

// Window returns the window with id, or nil.
func (c *Config) Window(id int) *Window {
	for i := range c.Windows {
		if c.Windows[i].ID == id {
			return &c.Windows[i]
		}
	}
	return nil
}

// StaffByJobNo returns the staff member with job number jobNo, or nil.
func (c *Config) StaffByJobNo(jobNo string) *Staff {
	for i := range c.Staff {
		if c.Staff[i].JobNo == jobNo {
			return &c.Staff[i]
		}
	}
	return nil
}

// Priority returns the priority class with code, or nil.
func (c *Config) Priority(code string) *Priority {
	for i := range c.Priorities {
		if c.Priorities[i].Code == code {
			return &c.Priorities[i]
		}
	}
	return nil
}

// Public returns a copy without secrets (password and token hashes), for events
// read over the API and for screens.
func (c *Config) Public() *Config {
	p := c.clone()
	for i := range p.Staff {
		p.Staff[i].PasswordHash = ""
	}
	for i := range p.Devices {
		p.Devices[i].Token, p.Devices[i].TokenSHA256 = "", ""
	}
	return p
}

func (c *Config) clone() *Config {
	n := *c
	n.Services = slices.Clone(c.Services)
	for i := range n.Services {
		n.Services[i].Materials = slices.Clone(n.Services[i].Materials)
		n.Services[i].MaterialsEn = slices.Clone(n.Services[i].MaterialsEn)
		n.Services[i].Guide = n.Services[i].Guide.clone()
	}
	n.Windows = slices.Clone(c.Windows)
	for i := range n.Windows {
		n.Windows[i].ServicesA = slices.Clone(n.Windows[i].ServicesA)
		n.Windows[i].ServicesB = slices.Clone(n.Windows[i].ServicesB)
	}
	n.Staff = slices.Clone(c.Staff)
	for i := range n.Staff {
		n.Staff[i].PostsA = slices.Clone(n.Staff[i].PostsA)
		n.Staff[i].PostsB = slices.Clone(n.Staff[i].PostsB)
	}
	n.Devices = slices.Clone(c.Devices)
	for i := range n.Devices {
		n.Devices[i].Owns = slices.Clone(n.Devices[i].Owns)
		n.Devices[i].KeypadWindows = slices.Clone(n.Devices[i].KeypadWindows)
	}
	n.Priorities = slices.Clone(c.Priorities)
	n.Calendar = Calendar{Holidays: slices.Clone(c.Calendar.Holidays), Workdays: slices.Clone(c.Calendar.Workdays)}
	return &n
}

func validCode(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// clockMinutes parses "HH:MM" (00:00–24:00) into minutes after midnight.
func clockMinutes(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("time %q must be HH:MM between 00:00 and 24:00", s)
	}
	return hh*60 + mm, nil
}

func loadLocation(name string) (*time.Location, error) { return time.LoadLocation(name) }

// Size limits of the configuration's text, in characters. A hall screen, a
// kiosk and every window screen receive the configuration after each change:
// a name or a notice has no need to be long, and a long one costs every screen.
const (
	maxNameLen     = 64  // names of services, windows, staff, devices, priorities
	maxHallNameLen = 100 // the hall's name
	maxNoticeLen   = 500 // the hall screen's notice
	maxMaterialLen = 200 // one required material
	maxMaterials   = 50  // materials of one service
	maxURLLen      = 300 // public_url, a photo
	maxOwned       = 256 // devices one agent owns
)

// textError says why s is refused as a name or text a person reads, or "" when
// it is fine: it must be valid UTF-8 of at most max characters, without control
// characters (NUL, newlines, escapes) and without the invisible characters
// that change what is shown (bidirectional overrides and isolates, which can
// make a screen show text in another order than it is stored — "Trojan Source",
// CVE-2021-42574 — and zero-width and line separators).
func textError(s string, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("is %d characters long; at most %d", n, max)
	}
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return fmt.Sprintf("holds the control character %U", r)
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return fmt.Sprintf("holds the bidirectional formatting character %U", r)
		case r >= 0x200B && r <= 0x200D, r == 0x2028, r == 0x2029, r == 0xFEFF:
			return fmt.Sprintf("holds the invisible character %U", r)
		}
	}
	return ""
}

// checkTexts refuses a name or text of the configuration that textError
// refuses, naming its field.
func (c *Config) checkTexts() error {
	type field struct {
		path string
		v    string
		max  int
	}
	fs := []field{{"hall.name", c.Hall.Name, maxHallNameLen}, {"hall.name_en", c.Hall.NameEn, maxHallNameLen},
		{"hall.notice", c.Hall.Notice, maxNoticeLen}, {"hall.public_url", c.Hall.PublicURL, maxURLLen}}
	for i, s := range c.Services {
		p := fmt.Sprintf("services[%d]", i)
		fs = append(fs, field{p + ".name", s.Name, maxNameLen}, field{p + ".name_en", s.NameEn, maxNameLen})
		for _, list := range []struct {
			name string
			v    []string
		}{{"materials", s.Materials}, {"materials_en", s.MaterialsEn}} {
			if len(list.v) > maxMaterials {
				return &ConfigError{Path: p + "." + list.name, Reason: fmt.Sprintf("%d materials; at most %d", len(list.v), maxMaterials)}
			}
			for _, m := range list.v {
				fs = append(fs, field{p + "." + list.name, m, maxMaterialLen})
			}
		}
	}
	for i, w := range c.Windows {
		p := fmt.Sprintf("windows[%d]", i)
		fs = append(fs, field{p + ".name", w.Name, maxNameLen}, field{p + ".name_en", w.NameEn, maxNameLen})
	}
	for i, s := range c.Staff {
		p := fmt.Sprintf("staff[%d]", i)
		fs = append(fs, field{p + ".name", s.Name, maxNameLen}, field{p + ".name_en", s.NameEn, maxNameLen},
			field{p + ".photo", s.Photo, maxURLLen})
	}
	for i, d := range c.Devices {
		p := fmt.Sprintf("devices[%d]", i)
		fs = append(fs, field{p + ".name", d.Name, maxNameLen})
		for _, n := range d.Owns {
			if strings.TrimSpace(n) == "" {
				return &ConfigError{Path: p + ".owns", Reason: "an owned device needs a name"}
			}
			fs = append(fs, field{p + ".owns", n, maxNameLen})
		}
	}
	for i, pr := range c.Priorities {
		p := fmt.Sprintf("priorities[%d]", i)
		fs = append(fs, field{p + ".name", pr.Name, maxNameLen}, field{p + ".name_en", pr.NameEn, maxNameLen},
			field{p + ".proof", pr.Proof, maxMaterialLen}, field{p + ".proof_en", pr.ProofEn, maxMaterialLen})
	}
	for _, f := range fs {
		if why := textError(f.v, f.max); why != "" {
			return &ConfigError{Path: f.path, Reason: fmt.Sprintf("%q %s", clip(f.v, 40), why)}
		}
	}
	return nil
}

// clip shortens s to n characters for an error message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
