package announce_test

import (
	"bytes"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-audio/wav"

	"qcall/announce"
	"qcall/assets"
	"qcall/internal/wavtest"
)

var mono22k = announce.Format{SampleRate: 22050, BitDepth: 16, NumChannels: 1}

// clipSet makes a clip set for langs in format f in which clip number i of a
// language (in Clips order) is 40+7i frames of the constant sample i+1, so a
// composed call shows which clips it holds, in which order.
func clipSet(tb testing.TB, f announce.Format, langs ...string) fstest.MapFS {
	tb.Helper()
	m := fstest.MapFS{}
	for _, lang := range langs {
		names, err := announce.Clips(lang)
		if err != nil {
			tb.Fatal(err)
		}
		for i, name := range names {
			m[path.Join(lang, name+".wav")] = &fstest.MapFile{Data: wavtest.Make(tb, f, clipSamples(f, i))}
		}
	}
	return m
}

func clipSamples(f announce.Format, i int) []int { return wavtest.Constant(f, 40+7*i, i+1) }

// wantCall returns the samples a call of seq must hold in format f: the clips of
// clipSet with Gap of silence between two.
func wantCall(tb testing.TB, f announce.Format, lang string, seq []string) []int {
	tb.Helper()
	names, err := announce.Clips(lang)
	if err != nil {
		tb.Fatal(err)
	}
	silence := 0
	if f.BitDepth == 8 {
		silence = 128
	}
	gap := wavtest.Constant(f, f.SampleRate*int(announce.Gap/time.Millisecond)/1000, silence)
	var out []int
	for k, name := range seq {
		if k > 0 {
			out = append(out, gap...)
		}
		out = append(out, clipSamples(f, slices.Index(names, name))...)
	}
	return out
}

func TestComposer_Compose(t *testing.T) {
	tests := []struct {
		name   string
		format announce.Format
		lang   string
		number string
		window int
	}{
		{"zh-CN A012 window 3", mono22k, "zh-CN", "A012", 3},
		{"en A012 window 3", mono22k, "en", "A012", 3},
		{"zh-CN window 25", mono22k, "zh-CN", "Z9", 25},
		{"en window 12", mono22k, "en", "b100", 12},
		{"44.1 kHz stereo", announce.Format{SampleRate: 44100, BitDepth: 16, NumChannels: 2}, "zh-CN", "K55", 7},
		{"8 kHz 8-bit", announce.Format{SampleRate: 8000, BitDepth: 8, NumChannels: 1}, "en", "Q8", 4},
		{"48 kHz 24-bit", announce.Format{SampleRate: 48000, BitDepth: 24, NumChannels: 1}, "zh-CN", "M0", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := announce.NewComposer(clipSet(t, tt.format, tt.lang), tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Compose(tt.lang, tt.number, tt.window)
			if err != nil {
				t.Fatal(err)
			}
			seq, err := announce.Sequence(tt.lang, tt.number, tt.window)
			if err != nil {
				t.Fatal(err)
			}
			want := wantCall(t, tt.format, tt.lang, seq)

			// Parse it back with go-audio/wav, independently of the package.
			d := wav.NewDecoder(bytes.NewReader(got))
			if !d.IsValidFile() {
				t.Fatalf("not a valid WAV: %v", d.Err())
			}
			gotFormat := announce.Format{SampleRate: int(d.SampleRate), BitDepth: int(d.BitDepth), NumChannels: int(d.NumChans)}
			if gotFormat != tt.format || d.WavAudioFormat != 1 {
				t.Errorf("format %s (WAV format %d), want %s (1)", gotFormat, d.WavAudioFormat, tt.format)
			}
			buf, err := d.FullPCMBuffer()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(buf.Data, want) {
				t.Errorf("samples differ from clips %v with %v gaps: got %d samples, want %d", seq, announce.Gap, len(buf.Data), len(want))
			}

			// The duration is that of the clips and the gaps.
			var frames int
			for _, s := range seq {
				names, _ := announce.Clips(tt.lang)
				frames += len(clipSamples(tt.format, slices.Index(names, s))) / tt.format.NumChannels
			}
			wantDur := time.Duration(frames)*time.Second/time.Duration(tt.format.SampleRate) +
				time.Duration(len(seq)-1)*announce.Gap
			for by, dur := range map[string]func() (time.Duration, error){
				"go-audio": wav.NewDecoder(bytes.NewReader(got)).Duration,
				"voice":    func() (time.Duration, error) { return announce.Duration(got) },
			} {
				gotDur, err := dur()
				if err != nil {
					t.Fatal(by, err)
				}
				if diff := (gotDur - wantDur).Abs(); diff > wantDur/20 {
					t.Errorf("%s duration %v, want %v ± 5%%", by, gotDur, wantDur)
				}
			}
		})
	}
}

func TestComposer_ComposeErrors(t *testing.T) {
	c, err := announce.NewComposer(clipSet(t, mono22k, "zh-CN"), "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, lang, number string
		window             int
		want               error
	}{
		{"bad character", "zh-CN", "A#1", 1, announce.ErrBadNumber},
		{"empty number", "zh-CN", "", 1, announce.ErrBadNumber},
		{"window 0", "zh-CN", "A1", 0, announce.ErrBadWindow},
		{"language not loaded", "en", "A1", 1, announce.ErrNoLanguage},
		{"unknown language", "fr", "A1", 1, announce.ErrNoLanguage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := c.Compose(tt.lang, tt.number, tt.window)
			if !errors.Is(err, tt.want) || b != nil {
				t.Fatalf("Compose = %d bytes, %v; want %v", len(b), err, tt.want)
			}
		})
	}
}

func TestNewComposer_Errors(t *testing.T) {
	tests := []struct {
		name  string
		clips func(m fstest.MapFS)
		says  []string
	}{
		{"mismatched sample rate", func(m fstest.MapFS) {
			m["zh-CN/hao.wav"].Data = wavtest.Make(t, announce.Format{SampleRate: 44100, BitDepth: 16, NumChannels: 1}, wavtest.Constant(mono22k, 50, 3))
		}, []string{"zh-CN/hao.wav", "44100 Hz 16-bit mono", "zh-CN/chime.wav is 22050 Hz 16-bit mono"}},
		{"mismatched channels", func(m fstest.MapFS) {
			m["en/7.wav"].Data = wavtest.Make(t, announce.Format{SampleRate: 22050, BitDepth: 16, NumChannels: 2}, wavtest.Constant(mono22k, 50, 3))
		}, []string{"en/7.wav", "stereo"}},
		{"mismatched bit depth", func(m fstest.MapFS) {
			m["en/goto.wav"].Data = wavtest.Make(t, announce.Format{SampleRate: 22050, BitDepth: 8, NumChannels: 1}, wavtest.Constant(mono22k, 50, 3))
		}, []string{"en/goto.wav", "8-bit"}},
		{"missing clip", func(m fstest.MapFS) { delete(m, "zh-CN/Q.wav") }, []string{"zh-CN/Q.wav"}},
		{"not a WAV", func(m fstest.MapFS) { m["zh-CN/banli.wav"].Data = []byte("ID3 an mp3, really") }, []string{"zh-CN/banli.wav"}},
		{"no sound", func(m fstest.MapFS) { m["en/ticket.wav"].Data = wavtest.Make(t, mono22k, nil) }, []string{"en/ticket.wav", "no sound"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := clipSet(t, mono22k, announce.Languages...)
			tt.clips(m)
			c, err := announce.NewComposer(m)
			if err == nil {
				t.Fatalf("NewComposer = %v, want an error", c)
			}
			for _, s := range append([]string{"announce: "}, tt.says...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
	if _, err := announce.NewComposer(fstest.MapFS{}, "fr"); !errors.Is(err, announce.ErrNoLanguage) {
		t.Errorf("NewComposer(fr) error %v, want ErrNoLanguage", err)
	}
}

// TestComposer_Concurrent composes from several goroutines at once (run with
// -race) and checks they all get the same bytes.
func TestComposer_Concurrent(t *testing.T) {
	c, err := announce.NewComposer(clipSet(t, mono22k, announce.Languages...))
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Compose("zh-CN", "A012", 3)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() { got[i], _ = c.Compose("zh-CN", "A012", 3) })
	}
	wg.Wait()
	for i, b := range got {
		if !bytes.Equal(b, want) {
			t.Errorf("goroutine %d: composed %d bytes, differing from %d", i, len(b), len(want))
		}
	}
}

// TestComposer_Embedded composes from the clips built into the binary: they must
// all be there, in one format (mono 16-bit 22050 Hz), and small.
func TestComposer_Embedded(t *testing.T) {
	clips, err := fs.Sub(assets.FS, "voice")
	if err != nil {
		t.Fatal(err)
	}
	c, err := announce.NewComposer(clips)
	if err != nil {
		t.Fatal(err)
	}
	var total int
	for _, lang := range announce.Languages {
		t.Run(lang, func(t *testing.T) {
			if f, err := c.Format(lang); err != nil || f != mono22k {
				t.Errorf("Format = %s, %v; want %s", f, err, mono22k)
			}
			names, _ := announce.Clips(lang)
			clipDur := make(map[string]time.Duration)
			for _, name := range names {
				b, err := fs.ReadFile(clips, path.Join(lang, name+".wav"))
				if err != nil {
					t.Fatal(err)
				}
				total += len(b)
				if clipDur[name], err = announce.Duration(b); err != nil {
					t.Fatal(name, err)
				}
				if clipDur[name] > 2*time.Second {
					t.Errorf("clip %s lasts %v: is its silence trimmed?", name, clipDur[name])
				}
			}
			for _, call := range []struct {
				number string
				window int
			}{{"A012", 3}, {"W999", 12}, {"Z5", 40}} {
				got, err := c.Compose(lang, call.number, call.window)
				if err != nil {
					t.Fatal(err)
				}
				seq, _ := announce.Sequence(lang, call.number, call.window)
				want := time.Duration(len(seq)-1) * announce.Gap
				for _, s := range seq {
					want += clipDur[s]
				}
				d, err := announce.Duration(got)
				if err != nil {
					t.Fatal(err)
				}
				if (d - want).Abs() > want/20 {
					t.Errorf("%s window %d lasts %v, want %v ± 5%%", call.number, call.window, d, want)
				}
			}
		})
	}
	if total > 2<<20 {
		t.Errorf("clips take %d bytes, over 2 MiB", total)
	}
}

func BenchmarkComposer_Compose(b *testing.B) {
	clips, err := fs.Sub(assets.FS, "voice")
	if err != nil {
		b.Fatal(err)
	}
	c, err := announce.NewComposer(clips)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var wavBytes []byte
	for b.Loop() {
		if wavBytes, err = c.Compose("zh-CN", "A012", 3); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if d, err := announce.Duration(wavBytes); err != nil || d < time.Second {
		b.Fatalf("composed %v, %v", d, err)
	}
}
