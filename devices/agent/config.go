package agent

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"go.bug.st/serial"

	"qcall/devices/escpos"
	"qcall/devices/keypad"
	"qcall/devices/led"
)

// Config is the agent's configuration file (docs/agent.md, docs/agent.example.toml).
// Zero values take the defaults listed beside each field.
type Config struct {
	// Server is the hall server's base address, http://host:port.
	Server string `toml:"server"`
	// Token is the agent's device token (role agent); QCALL_AGENT_TOKEN in the
	// environment is used when it is empty. It is sent to Server only.
	Token string `toml:"token"`
	// CAFile is a PEM file of the certificates an https:// Server's
	// certificate may chain to, besides the system's: the hall's own CA, or
	// the server's self-signed certificate. Relative to the configuration file.
	CAFile string `toml:"ca_file"`
	// Data is the agent's data folder: the print spool (agent.db). Relative to
	// the configuration file; default "qcall-agent-data".
	Data string `toml:"data"`
	// PublicURL is the base of the phone page printed as the ticket's QR code
	// (<public_url>/t/<id>); default Server. Set it when phones reach the hall
	// server at another address than the agent does.
	PublicURL string `toml:"public_url"`
	// Lang is the language of the notes sent with device statuses, of the LED
	// default texts and of the announcements: zh-CN (default) or en.
	Lang string `toml:"lang"`
	// TimeZone prints the ticket's time; default Asia/Shanghai.
	TimeZone string `toml:"time_zone"`
	// Reconnect is the back-off between connection attempts to the server.
	Reconnect Backoff `toml:"reconnect"`
	// ReadTimeout closes a connection to the server that has sent nothing,
	// pings included, for this long (default 70 s; the server pings every 25 s).
	ReadTimeout Duration `toml:"read_timeout"`

	Printers []PrinterConfig `toml:"printer"`
	LEDs     []LEDConfig     `toml:"led"`
	Keypads  []KeypadConfig  `toml:"keypad"`
	Voice    VoiceConfig     `toml:"voice"`

	dir string // folder of the configuration file, for relative paths
}

// Backoff is a growing wait between retries: Min, doubled after each failure up
// to Max, with up to 20 % jitter.
type Backoff struct {
	Min Duration `toml:"min"` // default 500 ms
	Max Duration `toml:"max"` // default 30 s
}

// PortConfig says where a device is and how to talk to it. Exactly one of
// Port (a serial port: /dev/ttyUSB0, /dev/serial/by-id/…, COM3) and Address (a
// raw TCP printer, host:9100) is set.
type PortConfig struct {
	Port     string   `toml:"port"`
	Address  string   `toml:"address"`   // printers only
	Baud     int      `toml:"baud"`      // default 9600
	DataBits int      `toml:"data_bits"` // 5–8, default 8
	Parity   string   `toml:"parity"`    // none (default), odd, even, mark, space
	StopBits StopBits `toml:"stop_bits"` // 1 (default), 1.5, 2
}

// StopBits is 1, 1.5 or 2; the file may write it as a number or a string.
type StopBits string

// UnmarshalTOML takes 1, 1.5, 2, "1", "1.5" or "2".
func (s *StopBits) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		*s = StopBits(strconv.FormatInt(x, 10))
	case float64:
		*s = StopBits(strconv.FormatFloat(x, 'f', -1, 64))
	case string:
		*s = StopBits(x)
	default:
		return fmt.Errorf("stop_bits: want 1, 1.5 or 2, not %v", v)
	}
	return nil
}

// PrinterConfig is one ticket printer.
type PrinterConfig struct {
	// Name is the device name the hall sees in device_status events.
	Name string `toml:"name"`
	PortConfig
	// Queue is, on Windows, the name of a printer queue (the spooler's
	// printer, e.g. one a USB printer's driver installed): jobs go to it as
	// raw data, instead of to Port or Address. The spooler gives no status
	// back, so a queue is written blind (Status false).
	Queue string `toml:"queue"`
	// Kiosks lists the kiosk devices (their names in the hall configuration)
	// whose tickets this printer prints; "*" is every kiosk.
	Kiosks []string `toml:"kiosks"`
	// Windows lists the windows whose return slips this printer prints.
	Windows []int `toml:"windows"`
	// Model is a preset (escpos.Models: generic-80mm, generic-58mm,
	// epson-tm-t88, …) giving Columns, FS & and Confirm; the keys below
	// override it.
	Model string `toml:"model"`
	// Columns is the paper width in characters: 48 (80 mm, default) or 32
	// (58 mm); 42 for an Epson TM-T88.
	Columns int `toml:"columns"`
	// ChineseMode sends FS & at the start of each job (default: the model's).
	ChineseMode *bool `toml:"chinese_mode"`
	// Confirm is how a job is confirmed printed: status (DLE EOT after the
	// job, the default without a model), gs_r (GS r 1, in order) or gs_paren_h
	// (GS ( H, in order, Epson).
	Confirm string `toml:"confirm"`
	// ConfirmTimeout is how long a printer may take to print a job once its
	// bytes have reached it, before an in-order confirmation counts as
	// missing (default 10 s).
	ConfirmTimeout Duration `toml:"confirm_timeout"`
	// Cut is "full" (default), "partial" or "none" (a tear bar).
	Cut string `toml:"cut"`
	// English prints the English line under each label; default from 42
	// columns on. A ticket for an English-speaking visitor always has them.
	English *bool `toml:"english"`
	// NumberSize is the largest magnification of the ticket number, 1–8
	// (default 8, as large as the paper allows).
	NumberSize int `toml:"number_size"`
	// Materials prints the list of required materials (default true).
	Materials *bool `toml:"materials"`
	// Logo prints NV image Logo (1–255) stored in the printer at the top; 0
	// (default) none.
	Logo int `toml:"logo"`
	// Footer is the ticket's last line; default the catalogue's agent.ticket.footer.
	Footer string `toml:"footer"`
	// Status is false for a printer that does not answer DLE EOT: jobs are
	// then written blind and counted printed once written. Default true.
	Status *bool `toml:"status"`
	// StatusTimeout is how long the printer has to answer a status query
	// (default 1 s); after a job, the time the job takes to go out at Baud is
	// added.
	StatusTimeout Duration `toml:"status_timeout"`
	// Retry is how often a printer that cannot print is asked again (default 2 s).
	Retry Duration `toml:"retry"`
	// Poll is how often an idle printer is asked its status, so the hall learns
	// of an empty roll before the next ticket (default 30 s).
	Poll Duration `toml:"poll"`
	// MaxAge: a ticket older than this by the server's clock (it was issued
	// while the agent was away, or it waited in the spool for paper) is not
	// printed but dropped, logged and reported to the hall (default 10 min).
	MaxAge Duration `toml:"max_age"`
	// DropAfter: a spooled job still not printed after this long is dropped
	// (logged). 0, the default, keeps every job until it is printed.
	DropAfter Duration `toml:"drop_after"`

	model   escpos.Model   // the preset, or the defaults
	confirm escpos.Confirm // Confirm parsed
}

// validatePrinter checks p's printer keys (not its port) and fills in the
// defaults from its model.
func (p *PrinterConfig) validatePrinter(what string) error {
	p.model = escpos.Model{Columns: escpos.Columns80mm, Confirm: escpos.ConfirmStatus}
	if p.Model != "" {
		m, err := escpos.LookupModel(p.Model)
		if err != nil {
			return fmt.Errorf("%s: model: %w", what, err)
		}
		p.model = m
	}
	p.Columns = or(p.Columns, p.model.Columns)
	if p.Columns < 24 || p.Columns > 96 {
		return fmt.Errorf("%s: columns %d (48 for 80 mm paper, 32 for 58 mm)", what, p.Columns)
	}
	if p.ChineseMode == nil {
		p.ChineseMode = &p.model.ChineseMode
	}
	p.confirm = p.model.Confirm
	if p.Confirm != "" {
		c, err := escpos.ParseConfirm(p.Confirm)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		p.confirm = c
	}
	p.Confirm = p.confirm.String()
	p.ConfirmTimeout = or(p.ConfirmTimeout, Duration(10*time.Second))
	if p.Cut != "" && p.Cut != "full" && p.Cut != "partial" && p.Cut != "none" {
		return fmt.Errorf("%s: cut is full, partial or none, not %q", what, p.Cut)
	}
	if p.NumberSize < 0 || p.NumberSize > 8 {
		return fmt.Errorf("%s: number_size %d: 1 to 8", what, p.NumberSize)
	}
	if p.Logo < 0 || p.Logo > 255 {
		return fmt.Errorf("%s: logo %d: an NV image number, 1 to 255", what, p.Logo)
	}
	if p.Status == nil {
		yes := p.Queue == ""
		p.Status = &yes
	}
	if p.Queue != "" && *p.Status {
		return fmt.Errorf("%s: a printer queue gives no status back: set status = false", what)
	}
	if !*p.Status {
		p.confirm, p.Confirm = escpos.ConfirmStatus, escpos.ConfirmStatus.String()
	}
	p.StatusTimeout = or(p.StatusTimeout, Duration(time.Second))
	p.Retry = or(p.Retry, Duration(2*time.Second))
	p.Poll = or(p.Poll, Duration(30*time.Second))
	p.MaxAge = or(p.MaxAge, Duration(10*time.Minute))
	for _, d := range []struct {
		key string
		v   Duration
	}{{"status_timeout", p.StatusTimeout}, {"retry", p.Retry}, {"poll", p.Poll}, {"max_age", p.MaxAge}, {"confirm_timeout", p.ConfirmTimeout}} {
		if d.v <= 0 {
			return fmt.Errorf("%s: %s must be more than 0", what, d.key)
		}
	}
	if p.DropAfter < 0 {
		return fmt.Errorf("%s: drop_after must not be negative", what)
	}
	return nil
}

// options are the layout options of p's jobs.
func (p *PrinterConfig) options() escpos.Options {
	o := escpos.Options{Columns: p.Columns, NumberSize: p.NumberSize, Logo: p.Logo, ChineseMode: *p.ChineseMode,
		NoMaterials: p.Materials != nil && !*p.Materials}
	switch p.Cut {
	case "partial":
		o.Cut = escpos.CutPartial
	case "none":
		o.Cut = escpos.CutNone
	}
	if p.English != nil {
		o.English = escpos.EnglishOff
		if *p.English {
			o.English = escpos.EnglishOn
		}
	}
	return o
}

// where is the printer's port, address or queue, for logs and notes.
func (p *PrinterConfig) where() string {
	if p.Queue != "" {
		return p.Queue
	}
	return p.PortConfig.String()
}

// LEDConfig is one LED window bar. Bars on one RS-485 line share a port (and
// must then have different addresses); the agent writes them in turn.
type LEDConfig struct {
	Name string `toml:"name"`
	PortConfig
	// Window is the window the bar belongs to.
	Window int `toml:"window"`
	// Frame is the bar's protocol (devices/led README).
	Frame led.Frame `toml:"frame"`
	// Template is the text of a call or recall: {number}, {window},
	// {window_name}, {service}; default the catalogue's printer.led.call.
	Template string `toml:"template"`
	// Ready is shown while staff are signed in and nothing is called; default
	// the catalogue's agent.led.ready. Closed is shown after sign-out; default
	// agent.led.closed. Both take the same fields as Template.
	Ready  string `toml:"ready"`
	Closed string `toml:"closed"`
	// Gap is the pause after each frame, once it has left the port, before
	// the next frame on the line (default 50ms; bars on one line share the
	// longest). Refresh sends every bar its text again this often, so that a
	// bar switched off and on shows it again (default 60s; "0s" never).
	Gap     *Duration `toml:"gap"`
	Refresh *Duration `toml:"refresh"`
}

// KeypadConfig is one satisfaction keypad.
type KeypadConfig struct {
	Name string `toml:"name"`
	PortConfig
	// Window is the window whose last finished ticket a press rates.
	Window int `toml:"window"`
	// Keys maps what a key sends ("1", or hex bytes "0xA1") to its score 1–5
	// (5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意); default "1"…"5".
	// One key must give 5: a table without one was written for the old
	// four-level scale (4 非常满意 … 1 不满意) and is refused, not reread.
	Keys map[string]int `toml:"keys"`
	// Input, instead of Port, is a USB keyboard-style evaluator on Linux:
	// its /dev/input/by-id/…-event-kbd. Its digit keys (top row or number
	// pad) send "1"…"9", letters A–F "A"…"F", Enter "\r". The agent takes
	// the keyboard for itself (EVIOCGRAB), so its presses type nowhere else.
	Input string `toml:"input"`
	// Prompt is sent to the keypad when a service finishes at its window, for
	// keypads that then light up or say "please rate" (text, or hex bytes
	// "0x1B 0x50"); for a polled keypad, the payload of a frame. Default none.
	Prompt string `toml:"prompt"`
	// Poll, for keypads that speak only when asked (several on one RS-485
	// line, each at its frame's address): how often the agent asks each
	// (default 0: the keypad sends by itself). The question is a frame
	// carrying Request; the answer, a frame whose payload is the key
	// pressed (in Keys), or empty.
	Poll    Duration  `toml:"poll"`
	Frame   led.Frame `toml:"frame"`   // the frame of questions and answers (devices/led README)
	Request string    `toml:"request"` // the question's payload, text or hex bytes; default none
	Timeout Duration  `toml:"timeout"` // how long an answer may take; default 100ms
}

// VoiceConfig plays each call on this machine's sound card, for halls without
// a screen PC.
type VoiceConfig struct {
	Enabled bool `toml:"enabled"`
	// Command plays a WAV from its standard input; default aplay -q - (on
	// Windows, PowerShell with System.Media.SoundPlayer: voice.DefaultCommand).
	Command []string `toml:"command"`
	// MaxDelay: a call that reaches the agent later than this after it was made
	// is not announced (default 60 s).
	MaxDelay Duration `toml:"max_delay"`
}

// Duration is a time.Duration written as "1.5s", "10m" in the file.
type Duration time.Duration

// UnmarshalText parses a Go duration ("500ms", "2s", "10m"); "0" is zero.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want e.g. 500ms, 2s, 10m", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// orPtr returns p, or a pointer to def when p is nil.
func orPtr[T any](p *T, def T) *T {
	if p == nil {
		return &def
	}
	return p
}

// LoadConfig reads and checks the configuration in path. Relative paths in it
// (data) are relative to the file's folder.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agent configuration: %w", err)
	}
	cfg, err := ParseConfig(string(b))
	if err != nil {
		return nil, fmt.Errorf("agent configuration %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	cfg.dir = filepath.Dir(abs)
	return cfg, nil
}

// ParseConfig reads and checks a configuration from TOML text. A syntax error,
// an unknown key or a bad value is an error naming the line or the key.
func ParseConfig(text string) (*Config, error) {
	var cfg Config
	md, err := toml.Decode(text, &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("unknown key %s", und[0])
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Validate checks the configuration and fills in the defaults.
func (c *Config) Validate() error {
	if c.Token == "" {
		c.Token = os.Getenv("QCALL_AGENT_TOKEN")
	}
	c.Server = strings.TrimRight(strings.TrimSpace(c.Server), "/")
	u, err := url.Parse(c.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("server: want http://host:port, not %q", c.Server)
	}
	if c.Token == "" {
		return errors.New("token: the agent's device token is required (or QCALL_AGENT_TOKEN)")
	}
	if c.CAFile != "" && u.Scheme != "https" {
		return fmt.Errorf("ca_file: only for an https:// server, not %q", c.Server)
	}
	c.PublicURL = strings.TrimRight(or(c.PublicURL, c.Server), "/")
	c.Data = or(c.Data, "qcall-agent-data")
	c.Lang = or(c.Lang, "zh-CN")
	if c.Lang != "zh-CN" && c.Lang != "en" {
		return fmt.Errorf("lang: zh-CN or en, not %q", c.Lang)
	}
	c.TimeZone = or(c.TimeZone, "Asia/Shanghai")
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return fmt.Errorf("time_zone: %w", err)
	}
	c.Reconnect.Min = or(c.Reconnect.Min, Duration(500*time.Millisecond))
	c.Reconnect.Max = max(or(c.Reconnect.Max, Duration(30*time.Second)), c.Reconnect.Min)
	c.ReadTimeout = or(c.ReadTimeout, Duration(70*time.Second))
	if c.ReadTimeout.D() < 300*time.Millisecond {
		return fmt.Errorf("read_timeout %v: at least 300ms", c.ReadTimeout.D())
	}
	if c.Reconnect.Min.D() <= 0 {
		return fmt.Errorf("reconnect.min must be more than 0")
	}

	names := map[string]string{} // device name → what it is
	ports := map[string]string{} // serial port → device kind using it
	claim := func(what, name string) error {
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("%s: name is required", what)
		}
		if prev, dup := names[name]; dup {
			return fmt.Errorf("%s: name %q is also %s", what, name, prev)
		}
		names[name] = what
		return nil
	}
	usePort := func(what, kind string, pc *PortConfig) error {
		if err := pc.validate(kind == "printer"); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		key := pc.Port
		if key == "" {
			key = pc.Address
		}
		if prev, ok := ports[key]; ok && (prev != kind || kind != "led") {
			return fmt.Errorf("%s: port %s is already used by a %s", what, key, prev)
		}
		ports[key] = kind
		return nil
	}
	kiosks := map[string]string{}
	slips := map[int]string{}
	for i := range c.Printers {
		p := &c.Printers[i]
		what := fmt.Sprintf("printer[%d]", i)
		if err := claim(what, p.Name); err != nil {
			return err
		}
		if p.Queue != "" {
			if p.Port != "" || p.Address != "" {
				return fmt.Errorf("%s: give queue, port or address, only one", what)
			}
		} else if err := usePort(what, "printer", &p.PortConfig); err != nil {
			return err
		}
		for _, k := range p.Kiosks {
			if prev, dup := kiosks[k]; dup {
				return fmt.Errorf("%s: kiosk %q already prints on %s", what, k, prev)
			}
			kiosks[k] = p.Name
		}
		for _, w := range p.Windows {
			if w < 1 {
				return fmt.Errorf("%s: window %d", what, w)
			}
			if prev, dup := slips[w]; dup {
				return fmt.Errorf("%s: window %d already prints its slips on %s", what, w, prev)
			}
			slips[w] = p.Name
		}
		if err := p.validatePrinter(what); err != nil {
			return err
		}
	}
	leds := map[string][]*LEDConfig{} // port → bars on it
	for i := range c.LEDs {
		l := &c.LEDs[i]
		what := fmt.Sprintf("led[%d]", i)
		if err := claim(what, l.Name); err != nil {
			return err
		}
		if l.Address != "" {
			return fmt.Errorf("%s: an LED bar is on a serial port, not a network address", what)
		}
		if err := usePort(what, "led", &l.PortConfig); err != nil {
			return err
		}
		if l.Window < 1 {
			return fmt.Errorf("%s: window is required", what)
		}
		if err := l.Frame.Validate(); err != nil {
			return fmt.Errorf("%s: frame: %w", what, err)
		}
		l.Gap = orPtr(l.Gap, Duration(50*time.Millisecond))
		l.Refresh = orPtr(l.Refresh, Duration(time.Minute))
		if *l.Gap < 0 || *l.Refresh < 0 || (*l.Refresh > 0 && l.Refresh.D() < 100*time.Millisecond) {
			return fmt.Errorf("%s: gap and refresh must not be negative, refresh at least 100ms (or 0s: never)", what)
		}
		for _, o := range leds[l.Port] {
			if o.PortConfig != l.PortConfig {
				return fmt.Errorf("%s: port %s is set up differently by %s", what, l.Port, o.Name)
			}
			if !o.Frame.HasAddress || !l.Frame.HasAddress || o.Frame.Address == l.Frame.Address {
				return fmt.Errorf("%s: shares port %s with %s: both need has_address and different addresses", what, l.Port, o.Name)
			}
		}
		leds[l.Port] = append(leds[l.Port], l)
	}
	keypadLines := map[string][]*KeypadConfig{} // port → polled keypads on it
	for i := range c.Keypads {
		k := &c.Keypads[i]
		what := fmt.Sprintf("keypad[%d]", i)
		if err := claim(what, k.Name); err != nil {
			return err
		}
		if k.Address != "" {
			return fmt.Errorf("%s: a keypad is on a serial port, not a network address", what)
		}
		if err := k.validate(what, usePort, keypadLines); err != nil {
			return err
		}
		if k.Window < 1 {
			return fmt.Errorf("%s: window is required", what)
		}
		if _, err := k.keymap(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if c.Voice.Enabled {
		c.Voice.MaxDelay = or(c.Voice.MaxDelay, Duration(time.Minute))
	}
	return nil
}

// validate checks how the keypad is reached: a keyboard (Input), a port of
// its own, or a polled RS-485 line it shares with others (lines).
func (k *KeypadConfig) validate(what string, usePort func(what, kind string, pc *PortConfig) error, lines map[string][]*KeypadConfig) error {
	if _, err := keypad.ParseSequence(k.Prompt); err != nil {
		return fmt.Errorf("%s: prompt: %w", what, err)
	}
	if k.Input != "" {
		if k.Port != "" || k.Poll != 0 || k.Prompt != "" {
			return fmt.Errorf("%s: input is a keyboard: no port, poll or prompt", what)
		}
		if runtime.GOOS != "linux" {
			return fmt.Errorf("%s: input (a keyboard evaluator) works on Linux only", what)
		}
		return nil
	}
	if k.Poll == 0 {
		return usePort(what, "keypad", &k.PortConfig)
	}
	if k.Poll < 0 || k.Timeout < 0 {
		return fmt.Errorf("%s: poll and timeout must not be negative", what)
	}
	k.Timeout = or(k.Timeout, Duration(100*time.Millisecond))
	if err := k.Frame.Validate(); err != nil {
		return fmt.Errorf("%s: frame: %w", what, err)
	}
	if !k.Frame.HasAddress {
		return fmt.Errorf("%s: a polled keypad needs frame.has_address and its address", what)
	}
	if _, err := keypad.ParseSequence(k.Request); err != nil {
		return fmt.Errorf("%s: request: %w", what, err)
	}
	if err := k.PortConfig.validate(false); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, o := range lines[k.Port] {
		if o.PortConfig != k.PortConfig || o.Frame.Address == k.Frame.Address {
			return fmt.Errorf("%s: shares port %s with %s: same line settings and different addresses needed", what, k.Port, o.Name)
		}
	}
	if len(lines[k.Port]) == 0 {
		if err := usePort(what, "keypad", &k.PortConfig); err != nil {
			return err
		}
	}
	lines[k.Port] = append(lines[k.Port], k)
	return nil
}

func (k *KeypadConfig) keymap() (keypad.Keymap, error) {
	if len(k.Keys) == 0 {
		return keypad.DefaultKeymap(), nil
	}
	m, err := keypad.ParseKeymap(k.Keys)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(slices.Collect(maps.Values(m)), keypad.VerySatisfied) {
		return nil, errors.New("keys: no key gives 5 (非常满意): scores are on the five-level scale now " +
			"(5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意) and this table looks written for the old " +
			"four-level one (4 非常满意 … 1 不满意); map the keys again (a four-key keypad: 5, 4, 3, 2)")
	}
	return m, nil
}

func (pc *PortConfig) validate(tcpOK bool) error {
	switch {
	case pc.Port != "" && pc.Address != "":
		return errors.New("give port or address, not both")
	case pc.Port == "" && pc.Address == "":
		if tcpOK {
			return errors.New("port (serial) or address (host:9100) is required")
		}
		return errors.New("port is required")
	case pc.Address != "":
		if !tcpOK {
			return errors.New("address is for network printers")
		}
		if !strings.Contains(pc.Address, ":") {
			pc.Address += ":9100"
		}
		return nil
	}
	pc.Baud = or(pc.Baud, 9600)
	pc.DataBits = or(pc.DataBits, 8)
	if pc.Baud < 50 || pc.Baud > 4000000 {
		return fmt.Errorf("baud %d", pc.Baud)
	}
	if pc.DataBits < 5 || pc.DataBits > 8 {
		return fmt.Errorf("data_bits %d: 5 to 8", pc.DataBits)
	}
	pc.Parity = strings.ToLower(or(pc.Parity, "none"))
	if !slices.Contains([]string{"none", "odd", "even", "mark", "space"}, pc.Parity) {
		return fmt.Errorf("parity %q: none, odd, even, mark or space", pc.Parity)
	}
	pc.StopBits = or(pc.StopBits, "1")
	if pc.StopBits != "1" && pc.StopBits != "1.5" && pc.StopBits != "2" {
		return fmt.Errorf("stop_bits %q: 1, 1.5 or 2", pc.StopBits)
	}
	return nil
}

// mode is the serial port mode of pc.
func (pc *PortConfig) mode() *serial.Mode {
	m := &serial.Mode{BaudRate: pc.Baud, DataBits: pc.DataBits}
	m.Parity = map[string]serial.Parity{"none": serial.NoParity, "odd": serial.OddParity, "even": serial.EvenParity,
		"mark": serial.MarkParity, "space": serial.SpaceParity}[pc.Parity]
	m.StopBits = map[StopBits]serial.StopBits{"1": serial.OneStopBit, "1.5": serial.OnePointFiveStopBits,
		"2": serial.TwoStopBits}[pc.StopBits]
	return m
}

// String is the port for logs and notes: /dev/ttyUSB0 or 192.0.2.5:9100.
func (pc *PortConfig) String() string {
	if pc.Port != "" {
		return pc.Port
	}
	return pc.Address
}

// transmitTime is how long n bytes take on the line: 10 bits a byte (start,
// 8 data, stop) at Baud; zero for a network printer.
func (pc *PortConfig) transmitTime(n int) time.Duration {
	if pc.Port == "" || pc.Baud == 0 {
		return 0
	}
	bits := 2 + pc.DataBits // start, data, stop; and parity
	if pc.Parity != "none" {
		bits++
	}
	return time.Duration(n) * time.Duration(bits) * time.Second / time.Duration(pc.Baud)
}

// dataPath is the agent's data folder.
// caPath is CAFile, relative to the configuration file.
func (c *Config) caPath() string {
	if filepath.IsAbs(c.CAFile) || c.dir == "" {
		return c.CAFile
	}
	return filepath.Join(c.dir, c.CAFile)
}

func (c *Config) dataPath() string {
	if filepath.IsAbs(c.Data) || c.dir == "" {
		return c.Data
	}
	return filepath.Join(c.dir, c.Data)
}
