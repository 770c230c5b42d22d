// Package voice speaks the hall's calls on a loudspeaker: a Player plays
// announcement WAVs (composed by package announce) through aplay, or
// PowerShell on Windows, one at a time.
package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"qcall/announce"
)

// Errors returned by Player.Play. Callers branch on them with errors.Is.
var (
	// ErrQueueFull: the Player already holds as many waiting WAVs as it may.
	ErrQueueFull = errors.New("voice: play queue full")
	// ErrClosed: the Player is closed.
	ErrClosed = errors.New("voice: player closed")
)

// DefaultCommand plays a WAV read from standard input on this machine's
// default sound device: aplay (alsa-utils) on Linux; on Windows, PowerShell
// with .NET's SoundPlayer, which every Windows has (player_windows.go).
var DefaultCommand = defaultCommand

// PlayerConfig says how a Player plays. The zero value plays through
// DefaultCommand with room for 8 waiting WAVs.
type PlayerConfig struct {
	// Command is run once per WAV, with the WAV on its standard input; it must
	// return when the sound has ended. Default DefaultCommand.
	Command []string
	// QueueLen is how many WAVs may wait behind the one playing. Default 8.
	QueueLen int
	// Slack is how much longer than its WAV's duration a play may run before
	// the command is killed as stuck. Default 5 s.
	Slack time.Duration
	// OnError, if set, is told of each play that failed. It is called from the
	// player's goroutine, so it delays the next play: keep it short.
	OnError func(error)
}

// Player plays WAVs one after another, never two at once: a single goroutine
// runs the command for each queued WAV and waits for it to end before starting
// the next. Play and Close are safe for concurrent use.
type Player struct {
	command []string
	slack   time.Duration
	onError func(error)
	done    chan struct{} // closed when the goroutine has played its last WAV

	mu     sync.Mutex // guards closed and sending on queue, which Close closes
	closed bool
	queue  chan play
}

// play is one queued WAV and how long it may take.
type play struct {
	wav     []byte
	timeout time.Duration
}

// NewPlayer starts a Player; Close stops it.
func NewPlayer(cfg PlayerConfig) *Player {
	if len(cfg.Command) == 0 {
		cfg.Command = DefaultCommand
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 8
	}
	if cfg.Slack <= 0 {
		cfg.Slack = 5 * time.Second
	}
	p := &Player{
		command: append([]string(nil), cfg.Command...),
		slack:   cfg.Slack,
		onError: cfg.OnError,
		done:    make(chan struct{}),
		queue:   make(chan play, cfg.QueueLen),
	}
	go p.run()
	return p
}

// String says what the player is: voice{aplay -q -}.
func (p *Player) String() string {
	return "voice{" + strings.Join(p.command, " ") + "}"
}

// Play queues wav to play after those already queued and returns at once. It
// returns an error, and queues nothing, if wav is not a PCM WAV, if the queue is
// full (ErrQueueFull: a hall's calls are better dropped than spoken minutes late)
// or if the player is closed (ErrClosed).
func (p *Player) Play(wav []byte) error {
	d, err := announce.Duration(wav)
	if err != nil {
		return fmt.Errorf("voice: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.queue <- play{wav: wav, timeout: d + p.slack}:
		return nil
	default:
		return ErrQueueFull
	}
}

// Close stops taking WAVs, lets the one playing and those queued play out, and
// returns when the last has ended (each is bounded by its duration and Slack).
// Closing twice is harmless.
func (p *Player) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	<-p.done
	return nil
}

// run is the player's goroutine, the only one that runs the command.
func (p *Player) run() {
	defer close(p.done)
	for pl := range p.queue {
		if err := p.play(pl); err != nil && p.onError != nil {
			p.onError(err)
		}
	}
}

// play runs the command once with pl's WAV on its standard input and waits for
// it to end, killing it once pl's time is up.
func (p *Player) play(pl play) error {
	ctx, cancel := context.WithTimeout(context.Background(), pl.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.command[0], p.command[1:]...)
	cmd.Stdin = bytes.NewReader(pl.wav)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// A killed command may leave a child holding stderr open; stop waiting for
	// it after a second rather than hang the queue.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("killed after %v: %w", pl.timeout, ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 { // the end of what it said is where the reason is
			msg = strings.ToValidUTF8(msg[len(msg)-200:], "")
		}
		if msg != "" {
			return fmt.Errorf("voice: %s: %w: %s", strings.Join(p.command, " "), err, msg)
		}
		return fmt.Errorf("voice: %s: %w", strings.Join(p.command, " "), err)
	}
	return nil
}
