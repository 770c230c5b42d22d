package announce_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qcall/announce"
	"qcall/internal/wavtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestSequence(t *testing.T) {
	tests := []struct {
		name, lang, number string
		window             int
		want               []string
	}{
		{"zh-CN A012 window 3", "zh-CN", "A012", 3,
			strings.Fields("chime please A 0 1 2 hao dao 3 window banli")},
		{"en A012 window 3", "en", "A012", 3,
			strings.Fields("chime ticket A 0 1 2 goto 3")},
		{"lower case", "zh-CN", "b7", 1,
			strings.Fields("chime please B 7 hao dao 1 window banli")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := announce.Sequence(tt.lang, tt.number, tt.window)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Sequence(%q, %q, %d) = %v, want %v", tt.lang, tt.number, tt.window, got, tt.want)
			}
		})
	}
}

// TestSequence_Golden keeps the readings of window numbers, where the languages
// differ, in testdata/sequence.golden (go test -update rewrites it).
func TestSequence_Golden(t *testing.T) {
	var b strings.Builder
	for _, lang := range announce.Languages {
		for _, c := range []struct {
			number string
			window int
		}{{"A012", 3}, {"Z999", 9}, {"W100", 10}, {"C1", 11}, {"C2", 12}, {"D3", 20}, {"E4", 21}, {"F5", 99}, {"G6", 100}, {"H7", 123}} {
			seq, err := announce.Sequence(lang, c.number, c.window)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%-5s %-4s %3d: %s\n", lang, c.number, c.window, strings.Join(seq, " "))
		}
	}
	golden := filepath.Join("testdata", "sequence.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("sequences differ from %s (go test -update rewrites it):\n%s", golden, b.String())
	}
}

func TestSequence_Errors(t *testing.T) {
	tests := []struct {
		name, lang, number string
		window             int
		want               error
		says               string
	}{
		{"empty number", "zh-CN", "", 1, announce.ErrBadNumber, "empty"},
		{"dash", "zh-CN", "A-12", 1, announce.ErrBadNumber, `'-' is not a letter`},
		{"space", "en", "A 12", 1, announce.ErrBadNumber, `' '`},
		{"full-width digit", "zh-CN", "A０1", 1, announce.ErrBadNumber, `'０'`},
		{"han", "zh-CN", "号1", 1, announce.ErrBadNumber, `'号'`},
		{"too long", "en", "A0123456789012", 1, announce.ErrBadNumber, "longer than"},
		{"window 0", "zh-CN", "A012", 0, announce.ErrBadWindow, "0"},
		{"negative window", "en", "A012", -2, announce.ErrBadWindow, "-2"},
		{"unknown language", "fr", "A012", 1, announce.ErrNoLanguage, `"fr"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, err := announce.Sequence(tt.lang, tt.number, tt.window)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sequence(%q, %q, %d) = %v, %v; want %v", tt.lang, tt.number, tt.window, seq, err, tt.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "announce: ") || !strings.Contains(msg, tt.says) {
				t.Errorf("error %q: want it to start with \"announce: \" and say %q", msg, tt.says)
			}
		})
	}
}

// TestClips checks that every clip a call can use is in its language's list,
// once.
func TestClips(t *testing.T) {
	for _, lang := range announce.Languages {
		t.Run(lang, func(t *testing.T) {
			clips, err := announce.Clips(lang)
			if err != nil {
				t.Fatal(err)
			}
			if clips[0] != "chime" {
				t.Errorf("first clip %q, want chime", clips[0])
			}
			seen := make(map[string]bool)
			for _, c := range clips {
				if seen[c] {
					t.Errorf("clip %q listed twice", c)
				}
				seen[c] = true
			}
			letters := "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			for w := 1; w <= 120; w++ {
				i := w % (len(letters) - 3)
				seq, err := announce.Sequence(lang, letters[i:i+4], w)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range seq {
					if !seen[c] {
						t.Fatalf("window %d: clip %q is not in Clips(%q)", w, c, lang)
					}
				}
			}
		})
	}
	if _, err := announce.Clips("fr"); !errors.Is(err, announce.ErrNoLanguage) {
		t.Errorf("Clips(fr) error %v, want ErrNoLanguage", err)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		name   string
		format announce.Format
		frames int
		want   time.Duration
	}{
		{"22050 Hz mono 16-bit", announce.Format{SampleRate: 22050, BitDepth: 16, NumChannels: 1}, 22050, time.Second},
		{"44100 Hz stereo 16-bit", announce.Format{SampleRate: 44100, BitDepth: 16, NumChannels: 2}, 11025, 250 * time.Millisecond},
		{"8000 Hz mono 8-bit", announce.Format{SampleRate: 8000, BitDepth: 8, NumChannels: 1}, 800, 100 * time.Millisecond},
		{"48000 Hz mono 24-bit", announce.Format{SampleRate: 48000, BitDepth: 24, NumChannels: 1}, 24000, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := announce.Duration(wavtest.Make(t, tt.format, wavtest.Constant(tt.format, tt.frames, 9)))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Duration = %v, want %v", got, tt.want)
			}
		})
	}
	for _, junk := range [][]byte{nil, []byte("RIFF"), []byte("not a wav file at all, just text")} {
		if d, err := announce.Duration(junk); err == nil || !strings.HasPrefix(err.Error(), "announce: ") {
			t.Errorf("Duration(%q) = %v, %v; want an announce: error", junk, d, err)
		}
	}
}

func ExampleSequence() {
	seq, _ := announce.Sequence("zh-CN", "A012", 12)
	fmt.Println(strings.Join(seq, " "))
	seq, _ = announce.Sequence("en", "A012", 12)
	fmt.Println(strings.Join(seq, " "))
	// Output:
	// chime please A 0 1 2 hao dao shi 2 window banli
	// chime ticket A 0 1 2 goto 1 2
}
