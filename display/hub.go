package display

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"qcall/announce"
	"qcall/assets"
	"qcall/queue"
)

// Authenticate tells who sent a request: the role and the actor (job number or
// device name) of its device token, bearer token or session cookie. A request
// without valid credentials is an error; the Hub answers it with the error's
// code (unauthorized: 401). It must accept the device token in the ?token= query
// too, since a browser cannot set headers on a websocket. The API's is
// api.API.Authenticate (package display/api).
type Authenticate func(r *http.Request) (role queue.Role, actor string, err error)

// HubOptions configure a Hub.
type HubOptions struct {
	// Engine runs the hall; required.
	Engine *queue.Engine
	// Authenticate resolves the credentials of every client but a phone;
	// required.
	Authenticate Authenticate
	// CheckOrigin, when set, decides alone whether a browser's Origin may open
	// the websocket. Otherwise a request without Origin (a device agent) is
	// allowed, as is one whose Origin has the request's own host, or is listed
	// in AllowedOrigins ("https://screens.hall.example", or a bare host).
	CheckOrigin    func(r *http.Request) bool
	AllowedOrigins []string
	// RingSize is how many past events the hub keeps to replay to a client
	// that reconnects with ?since= (default 4096). Further back, the client
	// gets a fresh snapshot.
	RingSize int
	// SendBuffer is how many messages may wait for one client (default 256).
	// A client that falls that far behind is dropped, and resyncs when it
	// reconnects.
	SendBuffer int
	// VoiceBaseURL prefixes the voice_url of a call (default "/api/voice"); an
	// absolute URL suits clients served from elsewhere.
	VoiceBaseURL string
	// Voice composes the announcements of GET /api/voice/...; nil builds one
	// from the built-in clips (assets/voice) for zh-CN and en.
	Voice *announce.Composer
	// VoiceOverride holds a hall's own recordings (<lang>/<clip>.wav), each
	// replacing the shipped clip of that name, when the hub builds its
	// composer.
	VoiceOverride fs.FS
	// ViewInterval is the least time between two rounds of views (default
	// 100 ms): events go to the clients as soon as they are committed, and
	// the states of the views that changed follow within ViewInterval, built
	// once for every commit in between. It bounds what the screens cost the
	// server however fast the hall works.
	ViewInterval time.Duration
	// ClockEvery is how often the views are built again with no event,
	// for what they show that moves with the time alone: whether the hall
	// is open, and the director's alerts (a wait that passes its service's
	// committed time, a case or follow-up that falls due). A view is sent
	// only when it changed. Default 10 s.
	ClockEvery time.Duration
	// AnswersFirst is how long, at most, a round waits in all for the
	// changes asked for meanwhile to be made and their answers written
	// (default 2 ms): the API marks its requests (queue.Engine.Answering),
	// and a clerk's call-next, answered in a few hundred µs, has its answer
	// before the screens take the CPU; a slow one holds the screens up no
	// longer than this.
	AnswersFirst time.Duration
	// PingInterval, PongWait and WriteWait are the keep-alive timings
	// (defaults 25 s, 60 s, 10 s): a ping every PingInterval, a connection
	// that has sent nothing (pong included) for PongWait is closed, and so is
	// one that takes WriteWait to accept a message.
	PingInterval, PongWait, WriteWait time.Duration
	// Sessions, when set, closes the websockets of a staff session that
	// ends (CloseSessionEnded); cmd/qcall passes the API.
	Sessions Sessions
	// Logger gets what went wrong; default slog.Default().
	Logger *slog.Logger
}

// Hub is the realtime side of the hall: GET /ws. Each client gets a snapshot of
// what it shows, consistent with a seq, then every later event that concerns
// it, in seq order, and after a round of commits one coalesced state message
// to render from, when its view changed. It is the engine's event sink:
// Publish only logs the events and wakes the hub's own goroutine, which folds
// them into its read model (queue.ReadModel, a copy of the hall's state kept
// by the hub), builds each distinct view once from it, and fans out to the
// clients' bounded buffers; a client whose buffer is full is dropped, never
// waited for. Views are never built on the engine's goroutine: a clerk's
// call-next does not wait on the screens. Nor do the screens take the CPU
// from it: a round first waits, briefly, until the changes asked for so far
// are made and their answers written (HubOptions.AnswersFirst), and a round
// of views steps aside so between two views.
//
// The engine answers a command before it publishes the command's events. So
// a registration first asks the engine's seq, and waits (briefly) until the
// log holds every event up to it, so that its snapshot is at least as new as
// any answer given before.
type Hub struct {
	opts   HubOptions
	eng    *queue.Engine
	log    *slog.Logger
	voice  *announce.Composer
	voices voiceCache
	// composing holds a token per announcement being composed: a few at a
	// time, so that requests for many announcements cannot take every CPU.
	composing chan struct{}
	upgrader  websocket.Upgrader

	wake      chan struct{} // capacity 1: Publish tells run there is news
	quit      chan struct{} // closed by Close
	done      chan struct{} // closed when run returns
	halt      chan struct{} // closed when the clients are gone (Close, or Start's ctx ended)
	startOnce sync.Once
	closeOnce sync.Once
	haltOnce  sync.Once
	stopped   atomic.Bool // halted: Publish drops the events
	fillMu    sync.Mutex  // one goroutine at a time fetches missing events from the store

	// logMu guards the event log and what annotating it needs. The engine's
	// committer takes it in Publish, so nobody may wait for the engine while
	// holding it.
	logMu  sync.Mutex
	events []*hubEvent   // the last RingSize events fanned out and every one after; seqs contiguous
	next   uint64        // seq of the next event to log
	merged bool          // Start has loaded the history: Publish logs
	early  []*hubEvent   // published before the history was loaded
	held   []*hubEvent   // published after a gap, until the missing events are read from the store
	grew   chan struct{} // closed (and replaced) whenever the log grows or an event is held
	ready  bool          // Start has annotated the backlog; events are annotated as logged
	cfg    *queue.Config // the public configuration as of the newest event annotated

	// viewMu guards the read model the views are built from: the hall's
	// state folded from the logged events, by run before each fan-out and by
	// registrations. Views are built under it, never on the engine's
	// goroutine. Lock order: viewMu, then logMu; never with mu.
	viewMu sync.Mutex
	model  *queue.ReadModel

	// Owned by run.
	viewed    uint64    // seq of the last round of views
	viewedAt  time.Time // when it was built
	viewsDue  bool      // events were sent since: a round of views is due
	clockDue  bool      // ClockEvery has passed: a round of views is due
	viewTimer *time.Timer
	answersBy time.Time // the round waits for answers until then at most (AnswersFirst)

	// mu guards the clients and what was sent to them. Lock order: mu, then
	// logMu. Only run writes sent.
	mu      sync.Mutex
	started bool
	closed  bool
	sent    uint64                 // newest seq fanned out to the registered clients
	clients map[*wsClient]struct{} // registered clients
	keys    map[stateKey]*keyInfo  // the distinct views the clients need
	stats   hubCounters
}

// hubEvent is one committed event as the hub keeps it.
type hubEvent struct {
	ev queue.Event // as the director may get it (queue.Event.ForDirector)
	// aud is who may see it, as queue declares (queue.State.Audience): set
	// under viewMu when the read model folds the event, before the event is
	// sent to anyone; heard says it is set.
	aud   queue.Audience
	heard bool
	name  [2]string                        // a call's window_name, per language (zh-CN, en)
	enc   [3][2]*websocket.PreparedMessage // per [public, full, director's][language], encoded on first use under Hub.mu
}

// keyInfo is one distinct view the clients need: how many share it and its
// newest encoding.
type keyInfo struct {
	n       int
	seq     uint64 // seq of body
	body    []byte // JSON object of the view, fields after type and seq
	same    []byte // what tells whether the view changed: body, less a hall's seq
	service string // a phone's ticket's service, to know when it moved
	builds  uint64 // rounds that built the view (those that found nothing it shows moved do not)
}

// hubCounters are the Stats counters.
type hubCounters struct {
	perKind   [numKinds]int
	dropped   uint64
	refused   uint64
	snapshots uint64
	replays   uint64
	rounds    uint64
}

// HubStats is a look at the hub for metrics.
type HubStats struct {
	// Connections counts the clients registered now, by client kind (hall,
	// window, terminal, kiosk, evaluator, phone, agent).
	Connections map[string]int `json:"connections"`
	Total       int            `json:"total"`
	// Dropped counts the clients dropped for a full send buffer; Refused those
	// closed for a malformed or oversized message.
	Dropped uint64 `json:"dropped"`
	Refused uint64 `json:"refused"`
	// Snapshots and Replays count how clients started: with a snapshot, or
	// resumed from ?since= by replay.
	Snapshots uint64 `json:"snapshots"`
	Replays   uint64 `json:"replays"`
	// Rounds counts fan-outs (one per batch of commits); Seq is the newest
	// seq fanned out.
	Rounds uint64 `json:"rounds"`
	Seq    uint64 `json:"seq"`
}

// voiceCacheBytes bounds the announcements the hub keeps composed: about ten
// of 750 KB, the calls of the last minute even in a busy hall (composing one
// again takes a millisecond or two).
const voiceCacheBytes = 8 << 20

// The defaults of HubOptions.
const (
	DefaultRingSize     = 4096
	DefaultSendBuffer   = 256
	DefaultPingInterval = 25 * time.Second
	DefaultPongWait     = 60 * time.Second
	DefaultWriteWait    = 10 * time.Second
	DefaultViewInterval = 100 * time.Millisecond
	DefaultClockEvery   = 10 * time.Second
	DefaultAnswersFirst = 2 * time.Millisecond
)

// NewHub returns a hub for opts.Engine; Start connects it to the engine.
func NewHub(opts HubOptions) (*Hub, error) {
	if opts.Engine == nil {
		return nil, errors.New("display: hub: no engine")
	}
	if opts.Authenticate == nil {
		return nil, errors.New("display: hub: no Authenticate")
	}
	if opts.RingSize <= 0 {
		opts.RingSize = DefaultRingSize
	}
	if opts.SendBuffer <= 0 {
		opts.SendBuffer = DefaultSendBuffer
	}
	if opts.VoiceBaseURL == "" {
		opts.VoiceBaseURL = "/api/voice"
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.PongWait <= 0 {
		opts.PongWait = DefaultPongWait
	}
	if opts.WriteWait <= 0 {
		opts.WriteWait = DefaultWriteWait
	}
	if opts.ViewInterval <= 0 {
		opts.ViewInterval = DefaultViewInterval
	}
	if opts.ClockEvery <= 0 {
		opts.ClockEvery = DefaultClockEvery
	}
	if opts.AnswersFirst <= 0 {
		opts.AnswersFirst = DefaultAnswersFirst
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Voice == nil {
		clips, err := fs.Sub(assets.FS, "voice")
		if err != nil {
			return nil, fmt.Errorf("display: hub: voice clips: %w", err)
		}
		if opts.VoiceOverride != nil {
			clips = announce.Overlay(opts.VoiceOverride, clips)
		}
		if opts.Voice, err = announce.NewComposer(clips, hubLangs[:]...); err != nil {
			return nil, fmt.Errorf("display: hub: %w", err)
		}
	}
	h := &Hub{opts: opts, eng: opts.Engine, log: opts.Logger, voice: opts.Voice,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}), halt: make(chan struct{}),
		grew: make(chan struct{}), clients: map[*wsClient]struct{}{}, keys: map[stateKey]*keyInfo{}}
	h.voices.init(voiceCacheBytes)
	h.composing = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		// Small buffers: an idle screen should cost little. Write buffers are
		// lent from a pool only while a message is being written.
		ReadBufferSize:  1024,
		WriteBufferSize: 2048,
		WriteBufferPool: &sync.Pool{},
		// ServeHTTP has checked the origin already, answering 403 in JSON.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if opts.Sessions != nil {
		opts.Sessions.OnSessionEnd(h.EndSession)
	}
	return h, nil
}

// Start registers the hub as the engine's event sink, loads the last RingSize
// events from the store for replay, and starts fanning out until ctx ends or
// Close. It is called once.
func (h *Hub) Start(ctx context.Context) error {
	err := errors.New("display: hub: started twice")
	h.startOnce.Do(func() { err = h.start(ctx) })
	return err
}

func (h *Hub) start(ctx context.Context) error {
	s0, err := h.eng.AddSink(ctx, h)
	if err != nil {
		return fmt.Errorf("display: hub: %w", err)
	}
	// History, so that clients that were connected before a restart resume
	// with a replay. Events after s0 come through Publish.
	from := s0 - min(s0, uint64(h.opts.RingSize))
	var hist []queue.Event
	if s0 > from {
		if hist, err = h.eng.Events(from, int(s0-from)); err != nil {
			return fmt.Errorf("display: hub: load events: %w", err)
		}
		if len(hist) == 0 || hist[len(hist)-1].Seq != s0 || hist[0].Seq != s0-uint64(len(hist))+1 {
			hist = nil // not the run asked for: start without history
		}
	}
	h.logMu.Lock()
	for i := range hist {
		h.events = append(h.events, newHubEvent(hist[i]))
	}
	h.next, h.merged = s0+1, true
	for _, e := range h.early {
		h.logLocked(e)
	}
	h.early = nil
	h.logMu.Unlock()
	if err := h.fillGap(); err != nil {
		return err
	}
	var seq uint64
	err = h.eng.View(ctx, func(st *queue.State) error {
		h.logMu.Lock()
		defer h.logMu.Unlock()
		// st is at least as new as every event logged: annotate them from it.
		cfg := st.Config.Public()
		for _, e := range h.events {
			annotate(e, cfg)
		}
		h.cfg = cfg
		h.ready = true
		seq = st.Seq
		return nil
	})
	if err != nil {
		return fmt.Errorf("display: hub: %w", err)
	}
	// The read model is at least as new as the look above; the clients'
	// stream starts where it is.
	if h.model, err = h.eng.NewReadModel(ctx); err != nil {
		return fmt.Errorf("display: hub: %w", err)
	}
	seq = h.model.Seq()
	if err := h.waitLog(ctx, seq); err != nil {
		return fmt.Errorf("display: hub: %w", err)
	}
	// The events before the model's seq were folded before the hub took it:
	// their audiences come from the model as it is (no one runs yet).
	h.hearLogged(seq)
	h.mu.Lock()
	h.sent, h.started, h.viewed = seq, true, seq
	h.mu.Unlock()
	go h.run(ctx)
	return nil
}

// Close disconnects every client (1001 going away) and stops the hub. The
// engine keeps calling Publish, which then does nothing.
func (h *Hub) Close() error {
	h.closeOnce.Do(func() {
		close(h.quit)
		h.stopped.Store(true)
		h.haltOnce.Do(func() { close(h.halt) }) // ends the waits of run and of registrations
		h.mu.Lock()
		started := h.started
		h.mu.Unlock()
		if started {
			<-h.done
		}
		h.closeClients()
	})
	return nil
}

func (h *Hub) closeClients() {
	h.stopped.Store(true)
	h.haltOnce.Do(func() { close(h.halt) })
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		h.removeLocked(c)
		c.out.close(websocket.CloseGoingAway, "server shutting down")
	}
	h.logMu.Lock()
	h.events, h.held, h.early = nil, nil, nil
	h.logMu.Unlock()
}

// Stats returns the hub's counters.
func (h *Hub) Stats() HubStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := HubStats{Connections: make(map[string]int, numKinds), Dropped: h.stats.dropped, Refused: h.stats.refused,
		Snapshots: h.stats.snapshots, Replays: h.stats.replays, Rounds: h.stats.rounds, Seq: h.sent}
	for k := range numKinds {
		s.Connections[k.String()] = h.stats.perKind[k]
		s.Total += h.stats.perKind[k]
	}
	return s
}

// Publish takes the events of a commit. The engine calls it from its
// committer goroutine, and it never blocks: it logs the events and wakes the
// hub.
func (h *Hub) Publish(events []queue.Event) {
	if h.stopped.Load() {
		return
	}
	h.logMu.Lock()
	for i := range events {
		e := newHubEvent(events[i])
		if !h.merged {
			h.early = append(h.early, e)
			continue
		}
		h.logLocked(e)
	}
	h.logMu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// logLocked adds e to the log, or holds it when events before it are
// missing. logMu held.
func (h *Hub) logLocked(e *hubEvent) {
	switch {
	case e.ev.Seq < h.next:
		return // logged already
	case e.ev.Seq > h.next || len(h.held) > 0:
		h.held = append(h.held, e)
		close(h.grew) // the waiters fill the gap
		h.grew = make(chan struct{})
		return
	}
	if h.ready {
		h.track(e)
		annotate(e, h.cfg)
	}
	h.events = append(h.events, e)
	h.next++
	close(h.grew)
	h.grew = make(chan struct{})
}

// fillGap reads from the store the events missing before the held ones (the
// engine published a later commit first) and logs them all.
func (h *Hub) fillGap() error {
	h.fillMu.Lock()
	defer h.fillMu.Unlock()
	h.logMu.Lock()
	if len(h.held) == 0 {
		h.logMu.Unlock()
		return nil
	}
	from, to := h.next-1, h.held[0].ev.Seq-1
	h.logMu.Unlock()
	var evs []queue.Event
	if to > from {
		var err error
		if evs, err = h.eng.Events(from, int(to-from)); err != nil {
			return fmt.Errorf("display: hub: read missing events: %w", err)
		}
	}
	h.logMu.Lock()
	defer h.logMu.Unlock()
	held := h.held
	h.held = nil
	for i := range evs {
		h.logLocked(newHubEvent(evs[i]))
	}
	for _, e := range held {
		h.logLocked(e)
	}
	if len(h.held) > 0 {
		return fmt.Errorf("display: hub: events %d to %d are missing from the store", h.next, h.held[0].ev.Seq-1)
	}
	return nil
}

// waitLog waits until the log holds every event up to seq: the engine
// publishes a commit right after answering the look at its state.
func (h *Hub) waitLog(ctx context.Context, seq uint64) error {
	timeout := time.NewTimer(h.opts.WriteWait)
	defer timeout.Stop()
	for {
		if err := h.fillGap(); err != nil {
			return err
		}
		h.logMu.Lock()
		next, grew, gap := h.next, h.grew, len(h.held) > 0
		h.logMu.Unlock()
		if next > seq {
			return nil
		}
		if gap {
			continue
		}
		select {
		case <-grew:
		case <-ctx.Done():
			return ctx.Err()
		case <-h.halt:
			return queue.ErrClosed
		case <-timeout.C:
			return fmt.Errorf("display: hub: event %d was not published", next)
		}
	}
}

// newHubEvent copies ev as the director may get it; encodeLocked cuts it
// down for everyone else.
func newHubEvent(ev queue.Event) *hubEvent {
	return &hubEvent{ev: ev.ForDirector()}
}

// track follows, in event order, the configuration. logMu held.
func (h *Hub) track(e *hubEvent) {
	if e.ev.Type == queue.EvConfigChanged {
		h.cfg = e.ev.Config
	}
}

// annotate adds what cfg tells of e: a call's window names.
func annotate(e *hubEvent, cfg *queue.Config) {
	if cfg == nil {
		return
	}
	ev := &e.ev
	switch ev.Type {
	case queue.EvTicketCalled, queue.EvTicketRecalled:
		if w := cfg.Window(ev.Window); w != nil {
			e.name = [2]string{w.Name, w.Name}
			if w.NameEn != "" {
				e.name[1] = w.NameEn
			}
		}
	}
}

// hearLogged sets the audience of the logged events up to seq that have none
// from the read model, which has folded them (taken from the engine after
// them). viewMu held.
func (h *Hub) hearLogged(seq uint64) {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	for _, e := range h.events {
		if e.ev.Seq > seq {
			break
		}
		if !e.heard {
			e.aud, e.heard = h.model.Audience(&e.ev), true
		}
	}
}

// run fans out each batch of commits until ctx ends or Close.
func (h *Hub) run(ctx context.Context) {
	defer close(h.done)
	h.viewTimer = time.NewTimer(time.Hour)
	h.viewTimer.Stop()
	defer h.viewTimer.Stop()
	clock := time.NewTicker(h.opts.ClockEvery)
	defer clock.Stop()
	for {
		select {
		case <-h.quit:
			return
		case <-ctx.Done():
			h.closeClients()
			return
		case <-h.wake:
		case <-h.viewTimer.C:
		case <-clock.C:
			h.clockDue = true // the time alone may have moved a view
			h.endExpiredSessions(h.eng.Now())
		}
		// The clerks who asked for changes have their answers first.
		h.answersBy = time.Now().Add(h.opts.AnswersFirst)
		h.eng.AwaitAnswers(ctx, h.opts.AnswersFirst)
		h.round(ctx)
	}
}

// lastSeqLocked is the seq of the newest event logged, or 0. logMu held.
func (h *Hub) lastSeqLocked() uint64 {
	if h.next == 0 {
		return 0
	}
	return h.next - 1
}

// rangeLocked returns the log's events with from < seq <= to, or ok false when
// the log no longer holds all of them. logMu held.
func (h *Hub) rangeLocked(from, to uint64) (evs []*hubEvent, ok bool) {
	if to <= from {
		return nil, true
	}
	if len(h.events) == 0 {
		return nil, false
	}
	first := h.events[0].ev.Seq
	if from+1 < first || to > h.lastSeqLocked() {
		return nil, false
	}
	return h.events[from+1-first : to+1-first], true
}

// advanceLocked folds into the read model the events logged after it, and
// returns its seq. When the log no longer holds them (never expected: the
// model is advanced before each fan-out, and the log keeps RingSize events
// before it), the model is taken again from the engine. viewMu held.
func (h *Hub) advanceLocked(ctx context.Context) (uint64, error) {
	h.logMu.Lock()
	evs, ok := h.rangeLocked(h.model.Seq(), h.lastSeqLocked())
	evs = slices.Clone(evs)
	h.logMu.Unlock()
	if !ok {
		h.log.Warn("display: hub: the read model fell behind the log; taking it again", "seq", h.model.Seq())
		m, err := h.eng.NewReadModel(ctx)
		if err != nil {
			return 0, err
		}
		if err := h.waitLog(ctx, m.Seq()); err != nil {
			return 0, err
		}
		h.model = m
		h.hearLogged(m.Seq())
		return m.Seq(), nil
	}
	for _, e := range evs {
		if err := h.model.Apply(&e.ev); err != nil {
			h.log.Error("display: hub: read model", "err", err)
		}
		// Written before the event is sent (under mu, after this), and
		// read only then.
		e.aud, e.heard = h.model.Audience(&e.ev), true
	}
	return h.model.Seq(), nil
}

// round sends the clients the events after sent, then the state of each view
// that changed, all at the seq of the read model once it has folded them.
func (h *Hub) round(ctx context.Context) {
	if err := h.fillGap(); err != nil {
		h.log.Error("display: hub", "err", err)
	}
	sent := h.sent // run is the only writer of sent
	h.logMu.Lock()
	last := h.lastSeqLocked()
	h.logMu.Unlock()
	if last <= sent && !h.viewsDue && !h.clockDue {
		return
	}
	if wait := h.opts.ViewInterval - time.Since(h.viewedAt); wait > 0 {
		// Too soon for views: the events go now, the views when due.
		h.eventsOnly(ctx, sent, last)
		if !h.viewsDue {
			h.viewsDue = true
			h.viewTimer.Reset(wait)
		}
		return
	}
	h.viewsDue, h.clockDue = false, false
	h.viewedAt = time.Now()
	type want struct {
		key     stateKey
		service string
		body    any
		enc     []byte
		same    []byte // enc less a hall's seq, to compare
		changed bool
		// fresh: the view's clients may not all have its last state (a
		// client joined showing another): it is sent, moved or not.
		fresh bool
	}
	h.mu.Lock()
	wants := make([]want, 0, len(h.keys))
	for k, ki := range h.keys {
		wants = append(wants, want{key: k, service: ki.service, fresh: ki.body == nil || ki.same == nil})
	}
	h.mu.Unlock()

	h.viewMu.Lock()
	seq, err := h.advanceLocked(ctx)
	folded := h.model.Seq()
	if err == nil && len(wants) > 0 {
		st := h.model.State()
		// The events since the last views tell which phones' views moved.
		evs, ok := h.logRange(h.viewed, seq)
		d := phoneDirty(st, evs)
		d.all = d.all || !ok
		d.terminals = d.terminals || !ok
		now := h.eng.Now()
		var hall *queue.HallView // computed once for the views that show the hall
		for i := range wants {
			k := wants[i].key
			if k.view == viewPhone && !d.all && !d.services[wants[i].service] && !d.tickets[k.ticket] {
				continue // nothing it shows has moved
			}
			if k.view == viewTerminal && !wants[i].fresh && !terminalMoved(st, k.window, &d) {
				continue // its window and queue are as they were
			}
			if k.showsHall() && hall == nil {
				v := h.model.Hall(now)
				hall = &v
			}
			wants[i].body, wants[i].service = buildView(h.model, k, hall, now)
			h.yield(ctx) // a view of a long queue takes a while: the API goes first
		}
	}
	h.viewMu.Unlock()
	if err != nil {
		if errors.Is(err, queue.ErrClosed) || errors.Is(err, context.Canceled) {
			return
		}
		h.log.Error("display: hub: round", "err", err)
		// Deliver the events folded (whose audiences are known); the
		// states wait for a better round.
		seq = max(sent, min(last, folded))
		for i := range wants {
			wants[i].body = nil
		}
	}
	fresh, _ := h.logRange(sent, seq)
	for i := range wants {
		if wants[i].body != nil {
			wants[i].enc, wants[i].same = encodeView(wants[i].body)
			h.yield(ctx)
		}
	}
	states := make(map[stateKey]*websocket.PreparedMessage, len(wants)) // each view's state, framed once for all its clients
	h.mu.Lock()
	for _, w := range wants {
		if w.enc == nil {
			continue
		}
		ki := h.keys[w.key]
		if ki != nil {
			ki.builds++
		}
		if ki != nil && ki.body != nil && bytes.Equal(ki.same, w.same) {
			// Unchanged: its clients have it. It is the view at seq too,
			// for those who register now.
			if ki.seq < seq {
				ki.seq, ki.body = seq, w.enc
			}
			continue
		}
		states[w.key] = prepared(stateMessage("state", seq, w.enc))
		if ki != nil {
			ki.seq, ki.body, ki.same, ki.service = seq, w.enc, w.same, w.service
		}
	}
	for c := range h.clients {
		h.deliverLocked(c, fresh, seq, states[c.key])
	}
	h.sent = seq
	if err == nil {
		h.viewed = seq
	}
	h.stats.rounds++
	h.mu.Unlock()
	h.trim(seq)
}

// yield lets the API go first, between two views of a round: the goroutines
// waiting to run, and the changes asked for meanwhile, which are made and
// answered before the round goes on.
func (h *Hub) yield(ctx context.Context) {
	runtime.Gosched()
	if wait := time.Until(h.answersBy); wait > 0 {
		h.eng.AwaitAnswers(ctx, wait)
	}
}

// eventsOnly sends the clients the events after sent, up to last, without
// views, and folds them into the read model (so that it never falls behind
// the log).
func (h *Hub) eventsOnly(ctx context.Context, sent, last uint64) {
	h.viewMu.Lock()
	if _, err := h.advanceLocked(ctx); err != nil && !errors.Is(err, queue.ErrClosed) && !errors.Is(err, context.Canceled) {
		h.log.Error("display: hub: round", "err", err)
	}
	last = min(last, h.model.Seq()) // only events whose audiences are known
	h.viewMu.Unlock()
	if last <= sent {
		return
	}
	fresh, _ := h.logRange(sent, last)
	h.mu.Lock()
	for c := range h.clients {
		h.deliverLocked(c, fresh, last, nil)
	}
	h.sent = last
	h.stats.rounds++
	h.mu.Unlock()
	h.trim(last)
}

// encodeView encodes a view's body, and returns with it what tells whether
// the view changed: the encoding itself, or for a hall view, the encoding
// without the hall's seq (which moves with every event, and which no screen
// renders).
func encodeView(body any) (enc, same []byte) {
	if b, ok := body.(hubWindowBody); ok && b.Queue != nil {
		enc = appendTerminal(make([]byte, 0, 256+200*len(b.Queue)), &b)
		return enc, enc
	}
	enc = mustJSON(body)
	switch b := body.(type) {
	case hubHallBody:
		if b.Hall != nil && b.Hall.Seq != 0 {
			v := *b.Hall
			v.Seq = 0
			b.Hall = &v
			return enc, mustJSON(b)
		}
	case hubDirectorBody:
		if b.Hall != nil && b.Hall.Seq != 0 {
			v := *b.Hall
			v.Seq = 0
			b.Hall = &v
			return enc, mustJSON(b)
		}
	}
	return enc, enc
}

// deliverLocked queues for c the events of evs that concern it and are newer
// than what it has, then the state message of its view at seq, if any. A
// client whose buffer overflows is dropped. mu held.
func (h *Hub) deliverLocked(c *wsClient, evs []*hubEvent, seq uint64, state *websocket.PreparedMessage) {
	for _, e := range evs {
		if e.ev.Seq <= c.skip || !c.wants(e) {
			continue
		}
		if !c.out.push(h.encodeLocked(e, c)) {
			h.dropLocked(c)
			return
		}
	}
	if state != nil && seq >= c.skip {
		if !c.out.push(state) {
			h.dropLocked(c)
			return
		}
	}
	c.skip = max(c.skip, seq)
}

// dropLocked disconnects a client that fell behind. mu held.
func (h *Hub) dropLocked(c *wsClient) {
	h.removeLocked(c)
	h.stats.dropped++
	h.log.Info("display: hub: dropped a client that fell behind", "client", c.kind.String(), "actor", c.actor)
	c.out.close(websocket.CloseTryAgainLater, "too slow: reconnect with since")
	// A writer stuck on the client's full socket gives up within a second
	// instead of WriteWait. The net.Conn allows this from any goroutine.
	_ = c.conn.NetConn().SetWriteDeadline(time.Now().Add(time.Second))
}

// removeLocked unregisters c, if it is registered. mu held.
func (h *Hub) removeLocked(c *wsClient) {
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	h.stats.perKind[c.kind]--
	if ki := h.keys[c.key]; ki != nil {
		if ki.n--; ki.n == 0 {
			delete(h.keys, c.key)
		}
	}
}

// unregister removes c when its connection ends.
func (h *Hub) unregister(c *wsClient) {
	h.mu.Lock()
	h.removeLocked(c)
	h.mu.Unlock()
}

// trim forgets the events older than the RingSize newest fanned out.
func (h *Hub) trim(sent uint64) {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	if len(h.events) == 0 || sent < uint64(h.opts.RingSize) {
		return
	}
	keepFrom := sent - uint64(h.opts.RingSize) + 1 // oldest seq kept
	first := h.events[0].ev.Seq
	if keepFrom <= first {
		return
	}
	n := int(keepFrom - first)
	if n < h.opts.RingSize/8+1 && n < len(h.events) {
		return // trim in steps, so that copying stays cheap
	}
	n = min(n, len(h.events))
	h.events = append(make([]*hubEvent, 0, len(h.events)-n+h.opts.RingSize/8), h.events[n:]...)
}

// register sends c its first messages and adds it to the clients: a snapshot
// (or, with since >= 0 and the log holding what followed, a replay of what it
// missed), stitched to the live stream so that nothing is missed or doubled.
func (h *Hub) register(ctx context.Context, c *wsClient, since int64) error {
	for range 3 {
		h.mu.Lock()
		if h.closed || !h.started {
			h.mu.Unlock()
			return queue.ErrClosed
		}
		// A view sent in the last round is as good as a new look.
		if ki := h.keys[c.key]; ki != nil && ki.body != nil && ki.seq == h.sent {
			ok := h.stitchLocked(c, since, ki.seq, ki.body, ki.same, ki.service)
			h.mu.Unlock()
			if ok {
				return nil
			}
			continue
		}
		h.mu.Unlock()

		// The engine may have answered commands whose events are not logged
		// yet: the view must be at least as new as those answers.
		seq, err := h.eng.Seq(ctx)
		if err == nil {
			err = h.waitLog(ctx, seq)
		}
		if err != nil {
			return err
		}
		var body any
		var service string
		h.viewMu.Lock()
		seq, err = h.advanceLocked(ctx)
		if err == nil {
			st := h.model.State()
			switch {
			case c.kind == kindPhone && st.Tickets[c.ticket] == nil:
				err = queue.ErrUnknownTicket
			case c.key.window != 0 && st.Config.Window(c.key.window) == nil:
				err = queue.ErrUnknownWindow
			default:
				var hall *queue.HallView
				now := h.eng.Now()
				if c.key.showsHall() {
					v := h.model.Hall(now)
					hall = &v
				}
				body, service = buildView(h.model, c.key, hall, now)
			}
		}
		h.viewMu.Unlock()
		if err != nil {
			return err
		}
		enc, same := encodeView(body)
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return queue.ErrClosed
		}
		ok := h.stitchLocked(c, since, seq, enc, same, service)
		h.mu.Unlock()
		if ok {
			return nil
		}
	}
	return errors.New("display: hub: the client could not be caught up")
}

// stitchLocked queues c's first messages, given its view body at seq, and
// registers it; false when it cannot (the log no longer holds what it needs,
// or it would not fit in the send buffer). mu held.
//
// Every event up to the engine's seq is in the log (Publish runs before any
// later look at the state), and every event up to sent has been fanned out.
// So c gets the events after since (or the snapshot at seq), the events up to
// max(seq, sent) from the log, and from there on the live stream, which skips
// what c has.
func (h *Hub) stitchLocked(c *wsClient, since int64, seq uint64, body, same []byte, service string) bool {
	hi := max(seq, h.sent)
	budget := h.opts.SendBuffer - 1
	var msgs []*websocket.PreparedMessage
	replayed := false
	if since >= 0 && uint64(since) <= hi {
		if evs, ok := h.logRange(uint64(since), hi); ok {
			msgs = h.collectLocked(c, evs, seq, body, uint64(since), budget)
			replayed = msgs != nil
		}
	}
	if !replayed {
		evs, ok := h.logRange(seq, hi)
		if !ok {
			return false
		}
		more := h.collectLocked(c, evs, seq, nil, seq, budget-1)
		if more == nil {
			return false
		}
		msgs = append([]*websocket.PreparedMessage{prepared(stateMessage("snapshot", seq, body))}, more...)
	}
	ki := h.keys[c.key]
	if seq < h.sent && ki != nil && ki.body != nil && ki.seq == h.sent {
		msgs = append(msgs, prepared(stateMessage("state", ki.seq, ki.body)))
	}
	for _, m := range msgs {
		c.out.push(m) // fits: the buffer is new and the count within budget
	}
	c.skip = hi
	h.clients[c] = struct{}{}
	h.stats.perKind[c.kind]++
	if replayed {
		h.stats.replays++
	} else {
		h.stats.snapshots++
	}
	if ki == nil {
		ki = &keyInfo{service: service}
		h.keys[c.key] = ki
	}
	ki.n++
	if ki.body != nil && !bytes.Equal(ki.same, same) {
		// c shows another view than the key's other clients: the next
		// round sends the view to them all, changed or not.
		ki.same = nil
	}
	if seq == h.sent {
		ki.seq, ki.body, ki.service = seq, body, service
		if ki.n == 1 {
			ki.same = same
		}
	}
	return true
}

// logRange returns a copy of the log's events with from < seq <= to, or ok
// false when the log no longer holds them all. Logged events do not change
// (but for their encodings, which mu guards).
func (h *Hub) logRange(from, to uint64) ([]*hubEvent, bool) {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	evs, ok := h.rangeLocked(from, to)
	return slices.Clone(evs), ok
}

// collectLocked returns the messages for c of evs (the events after from, in
// order) with, when body is given, the state at seq placed after the events up
// to seq; nil when there are more than budget. mu held.
func (h *Hub) collectLocked(c *wsClient, evs []*hubEvent, seq uint64, body []byte, from uint64, budget int) []*websocket.PreparedMessage {
	msgs := []*websocket.PreparedMessage{}
	placed := body == nil || seq < from
	for _, e := range evs {
		if !placed && e.ev.Seq > seq {
			msgs, placed = append(msgs, prepared(stateMessage("state", seq, body))), true
		}
		if c.wants(e) {
			msgs = append(msgs, h.encodeLocked(e, c))
		}
		if len(msgs) > budget {
			return nil
		}
	}
	if !placed {
		msgs = append(msgs, prepared(stateMessage("state", seq, body)))
	}
	if len(msgs) > budget {
		return nil
	}
	return msgs
}

// wsWireEvent is an event as clients get it: a call carries the window's name
// and the address of its announcement.
type wsWireEvent struct {
	queue.Event
	WindowName string `json:"window_name,omitempty"`
	VoiceURL   string `json:"voice_url,omitempty"`
}

// encodeLocked returns the message of e for c, which hears it (c.hears):
// the event in full or its public part, as queue says, encoded and framed
// once per form and language. mu held.
func (h *Hub) encodeLocked(e *hubEvent, c *wsClient) *websocket.PreparedMessage {
	_, full := e.aud.Hears(c.listener)
	if c.kind == kindPhone && e.ev.Tickets != nil {
		// An event listing tickets: the phone gets its own only.
		return prepared(mustJSON(wsWireEvent{Event: queue.TicketEvent(&e.ev, c.ticket)}))
	}
	call := e.ev.Type == queue.EvTicketCalled || e.ev.Type == queue.EvTicketRecalled
	p, l := 0, 0
	switch {
	case full && c.listener.Kind == queue.ListenDirector:
		p = 2
	case full:
		p = 1
	}
	if call {
		l = c.lang
	}
	if b := e.enc[p][l]; b != nil {
		return b
	}
	var ev queue.Event
	switch p {
	case 0:
		ev = queue.PublicEvent(&e.ev)
	case 1:
		ev = e.ev.ForClients() // no citizen's personal data
	case 2:
		ev = e.ev
	}
	w := wsWireEvent{Event: ev}
	if call {
		w.WindowName = e.name[l]
		w.VoiceURL = h.opts.VoiceBaseURL + "/" + hubLangs[l] + "/" + voicePathEscape(ev.Number) + "/" + strconv.Itoa(ev.Window) + ".wav"
	}
	m := prepared(mustJSON(w))
	e.enc[p][l] = m
	return m
}

// stateMessage returns {"type":typ,"seq":seq, …the fields of body}.
func stateMessage(typ string, seq uint64, body []byte) []byte {
	b := make([]byte, 0, len(body)+40)
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	if len(body) > 2 {
		b = append(b, ',')
		b = append(b, body[1:]...)
	} else {
		b = append(b, '}')
	}
	return b
}

// prepared frames the text message b once, for any number of clients: each
// then writes it with one system call.
func prepared(b []byte) *websocket.PreparedMessage {
	m, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
	if err != nil {
		panic(fmt.Sprintf("display: hub: prepare message: %v", err)) // only compression can fail, and it is off
	}
	return m
}

// mustJSON encodes v, which is built by the hub from plain data and cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("display: hub: encode %T: %v", v, err))
	}
	return b
}
