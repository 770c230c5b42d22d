package announce

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// writeSeeker is an in-memory io.WriteSeeker: the go-audio encoder seeks back to
// fill in the RIFF and data chunk sizes once it knows them.
type writeSeeker struct {
	buf []byte
	pos int
}

func (w *writeSeeker) Write(p []byte) (int, error) {
	if end := w.pos + len(p); end > len(w.buf) {
		w.buf = append(w.buf, make([]byte, end-len(w.buf))...)
	}
	n := copy(w.buf[w.pos:], p)
	w.pos += n
	return n, nil
}

func (w *writeSeeker) Seek(offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = int64(w.pos)
	case io.SeekEnd:
		base = int64(len(w.buf))
	default:
		return 0, errors.New("announce: bad whence")
	}
	if base+offset < 0 {
		return 0, errors.New("announce: seek before start")
	}
	w.pos = int(base + offset)
	return int64(w.pos), nil
}

// composeGeneral is Compose as go-audio's encoder writes it: the general path
// the hand-written WAV writer must match byte for byte.
func composeGeneral(t *testing.T, c *Composer, lang, number string, window int) []byte {
	t.Helper()
	set := c.sets[lang]
	seq, err := Sequence(lang, number, window)
	if err != nil {
		t.Fatal(err)
	}
	silence := 0
	if set.format.BitDepth == 8 {
		silence = 128
	}
	var data []int
	for i, name := range seq {
		if i > 0 {
			for range set.gap {
				data = append(data, silence)
			}
		}
		data = append(data, set.clips[name]...)
	}
	var out writeSeeker
	f := set.format
	enc := wav.NewEncoder(&out, f.SampleRate, f.BitDepth, f.NumChannels, 1)
	buf := &audio.IntBuffer{Data: data, Format: &audio.Format{NumChannels: f.NumChannels, SampleRate: f.SampleRate}, SourceBitDepth: f.BitDepth}
	if err := enc.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return out.buf
}

// TestCompose_MatchesEncoder: for every format the composer takes, its WAV is
// the very bytes go-audio's encoder writes for the same samples.
func TestCompose_MatchesEncoder(t *testing.T) {
	for _, f := range []Format{
		{SampleRate: 22050, BitDepth: 16, NumChannels: 1},
		{SampleRate: 44100, BitDepth: 16, NumChannels: 2},
		{SampleRate: 8000, BitDepth: 8, NumChannels: 1},
		{SampleRate: 48000, BitDepth: 24, NumChannels: 1},
		{SampleRate: 16000, BitDepth: 32, NumChannels: 1},
	} {
		c := &Composer{sets: map[string]*clipSet{}}
		for _, lang := range []string{"zh-CN", "en"} {
			set := &clipSet{format: f, gap: 7 * f.NumChannels, clips: map[string][]int{}}
			for k, name := range allClipNames(t, lang) {
				n := (50 + 13*k) * f.NumChannels
				samples := make([]int, n)
				max := 1<<(f.BitDepth-1) - 1
				for i := range samples {
					v := (i*7919+k*104729)%(2*max) - max // both signs, the full range
					if f.BitDepth == 8 {
						v = (v + 128) & 0xff
					}
					samples[i] = v
				}
				set.clips[name] = samples
			}
			c.sets[lang] = set
		}
		for _, call := range []struct {
			lang, number string
			window       int
		}{{"zh-CN", "A001", 1}, {"en", "F1000", 10}, {"zh-CN", "K55", 7}, {"en", "Q8", 4}} {
			got, err := c.Compose(call.lang, call.number, call.window)
			if err != nil {
				t.Fatal(err)
			}
			if want := composeGeneral(t, c, call.lang, call.number, call.window); !bytes.Equal(got, want) {
				t.Errorf("%+v %v: %d bytes, the encoder writes %d (first difference at %d)", f, call, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

// allClipNames lists every clip Sequence may use in lang.
func allClipNames(t *testing.T, lang string) []string {
	t.Helper()
	seen := map[string]bool{}
	var names []string
	for _, number := range []string{"ABCDEFGHIJKL", "MNOPQRSTUVWX", "YZ0123456789"} {
		for _, w := range []int{1, 10, 99, 100, 1234} {
			seq, err := Sequence(lang, number, w)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range seq {
				if !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
	}
	return names
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
