//go:build unix

// The players these tests drive are sh scripts (and a FIFO for a gate): the
// default player on Windows is PowerShell's, and it has no test here.

package voice_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"qcall/devices/voice"
	"qcall/internal/wavtest"
)

// marks reads the lines the test commands append to dir/marks.
func marks(tb testing.TB, dir string) []string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "marks"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		tb.Fatal(err)
	}
	return strings.Fields(strings.ReplaceAll(string(b), " ", "_"))
}

// waitFor waits until cond holds, failing the test after 10 s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// errorList collects what a Player's OnError is told.
type errorList struct {
	mu   sync.Mutex // guards errs
	errs []error
}

func (l *errorList) add(err error) { l.mu.Lock(); l.errs = append(l.errs, err); l.mu.Unlock() }

func (l *errorList) get() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}

// TestPlayer_Order plays WAVs of different lengths through a command that takes
// a lock directory while it reads its WAV (a second command running at the same
// time could not take it, and would mark "overlap") and marks "start", then
// "end_<bytes read>".
func TestPlayer_Order(t *testing.T) {
	dir := t.TempDir()
	const script = `mkdir "$1/lock" 2>/dev/null || echo overlap >>"$1/marks"
echo start >>"$1/marks"
n=$(wc -c)
echo "end $n" >>"$1/marks"
rmdir "$1/lock"`
	var errs errorList
	p := voice.NewPlayer(voice.PlayerConfig{Command: []string{"sh", "-c", script, "sh", dir}, OnError: errs.add})
	var want []string
	for i := range 6 {
		wavBytes := wavtest.Make(t, mono22k, wavtest.Constant(mono22k, 100*(i+1), i))
		if err := p.Play(wavBytes); err != nil {
			t.Fatal(err)
		}
		want = append(want, "start", "end_"+strconv.Itoa(len(wavBytes)))
	}
	if err := p.Close(); err != nil { // plays out the queue
		t.Fatal(err)
	}
	if got := marks(t, dir); !slices.Equal(got, want) {
		t.Errorf("marks\n%v, want\n%v", got, want)
	}
	if e := errs.get(); len(e) > 0 {
		t.Errorf("OnError told %v", e)
	}
}

// TestPlayer_QueueFull holds the first play on a gate (a FIFO the command reads
// a line from) while the queue fills.
func TestPlayer_QueueFull(t *testing.T) {
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	if err := syscall.Mkfifo(gate, 0o600); err != nil {
		t.Fatal(err)
	}
	// Opened read-write, the FIFO never blocks the test and keeps unread lines
	// between two commands.
	g, err := os.OpenFile(gate, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const script = `echo start >>"$1/marks"; read line <"$1/gate"; cat >/dev/null; echo end >>"$1/marks"`
	p := voice.NewPlayer(voice.PlayerConfig{Command: []string{"sh", "-c", script, "sh", dir}, QueueLen: 2})
	w := wavtest.Make(t, mono22k, wavtest.Constant(mono22k, 10, 1))

	if err := p.Play(w); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first play to start", func() bool { return len(marks(t, dir)) == 1 })
	for i := range 2 {
		if err := p.Play(w); err != nil {
			t.Fatalf("queued play %d: %v", i+1, err)
		}
	}
	if err := p.Play(w); !errors.Is(err, voice.ErrQueueFull) {
		t.Fatalf("play with the queue full: %v, want ErrQueueFull", err)
	}
	if got := marks(t, dir); !slices.Equal(got, []string{"start"}) {
		t.Errorf("while the first play waits, marks %v", got)
	}
	if _, err := g.WriteString("go\ngo\ngo\n"); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := marks(t, dir), strings.Fields("start end start end start end"); !slices.Equal(got, want) {
		t.Errorf("marks %v, want %v", got, want)
	}
}

func TestPlayer_Closed(t *testing.T) {
	p := voice.NewPlayer(voice.PlayerConfig{Command: []string{"true"}})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := p.Play(wavtest.Make(t, mono22k, wavtest.Constant(mono22k, 10, 1))); !errors.Is(err, voice.ErrClosed) {
		t.Errorf("Play after Close: %v, want ErrClosed", err)
	}
}

func TestPlayer_Errors(t *testing.T) {
	w := wavtest.Make(t, mono22k, wavtest.Constant(mono22k, 10, 1))
	tests := []struct {
		name    string
		command []string
		says    []string
		slack   time.Duration // past the WAV's duration; a loaded machine may take long to start sh
	}{
		{"command fails", []string{"sh", "-c", "cat >/dev/null; echo 'no such device' >&2; exit 3"},
			[]string{"voice: sh -c", "exit status 3", "no such device"}, 10 * time.Second},
		{"command missing", []string{"/nonexistent/aplay", "-q", "-"}, []string{"voice: /nonexistent/aplay -q -"}, 10 * time.Second},
		// A stuck player is killed once the WAV's duration and Slack are over.
		{"command stuck", []string{"sh", "-c", "exec sleep 60"}, []string{"killed after"}, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs errorList
			p := voice.NewPlayer(voice.PlayerConfig{Command: tt.command, Slack: tt.slack, OnError: errs.add})
			if err := p.Play(w); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			got := errs.get()
			if len(got) != 1 {
				t.Fatalf("OnError told %v, want one error", got)
			}
			for _, s := range tt.says {
				if !strings.Contains(got[0].Error(), s) {
					t.Errorf("error %q does not say %q", got[0], s)
				}
			}
		})
	}
}

func TestPlayer_Play_NotWAV(t *testing.T) {
	dir := t.TempDir()
	p := voice.NewPlayer(voice.PlayerConfig{Command: []string{"sh", "-c", `echo played >>"$1/marks"`, "sh", dir}})
	if err := p.Play([]byte("not a wav")); err == nil || !strings.HasPrefix(err.Error(), "voice: ") {
		t.Errorf("Play(junk) = %v, want a voice: error", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := marks(t, dir); len(got) > 0 {
		t.Errorf("junk was played: %v", got)
	}
}

func TestPlayer_String(t *testing.T) {
	p := voice.NewPlayer(voice.PlayerConfig{})
	defer p.Close()
	if got, want := p.String(), "voice{aplay -q -}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
