package voice

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// Composer joins clips into announcement WAVs. It reads and checks every clip
// once, in NewComposer, and holds them decoded; after that it only reads, so one
// Composer is safe for concurrent use.
type Composer struct {
	sets map[string]*clipSet // language → its clips; read-only after NewComposer
}

// clipSet is the decoded clips of one language.
type clipSet struct {
	format Format
	gap    int              // samples of silence between two clips (frames × channels)
	clips  map[string][]int // clip name → interleaved samples, as go-audio decodes them
}

// NewComposer reads the clips of each of langs (all of Languages if none are
// given) from clips, where the clip c of language l is the file l/c.wav, and
// checks them: every clip Clips names must be there, be a PCM WAV with sound in
// it, and have the sample format of the language's chime (a hall may replace the
// clips with recordings at another rate, but all of a language's clips at one).
// Any failure is an error naming the clip.
func NewComposer(clips fs.FS, langs ...string) (*Composer, error) {
	if len(langs) == 0 {
		langs = Languages
	}
	c := &Composer{sets: make(map[string]*clipSet, len(langs))}
	for _, lang := range langs {
		set, err := readSet(clips, lang)
		if err != nil {
			return nil, err
		}
		c.sets[lang] = set
	}
	return c, nil
}

// readSet reads and checks the clips of lang.
func readSet(clips fs.FS, lang string) (*clipSet, error) {
	names, err := Clips(lang)
	if err != nil {
		return nil, err
	}
	set := &clipSet{clips: make(map[string][]int, len(names))}
	var first string // the clip whose format the others must have: the chime
	for _, name := range names {
		file := path.Join(lang, name+".wav")
		b, err := fs.ReadFile(clips, file)
		if err != nil {
			return nil, fmt.Errorf("voice: read clip: %w", err)
		}
		f, samples, err := decode(b)
		if err != nil {
			return nil, fmt.Errorf("voice: clip %s: %w", file, err)
		}
		if first == "" {
			first, set.format = file, f
		} else if f != set.format {
			return nil, fmt.Errorf("voice: clip %s is %s, but %s is %s: all clips of a language need one format",
				file, f, first, set.format)
		}
		set.clips[name] = samples
	}
	set.gap = set.format.NumChannels * int(int64(set.format.SampleRate)*int64(Gap)/1e9)
	return set, nil
}

// decode reads a clip: its format and its whole frames of samples.
func decode(b []byte) (Format, []int, error) {
	d := wav.NewDecoder(bytes.NewReader(b))
	f, err := header(d)
	if err != nil {
		return f, nil, err
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		return f, nil, err
	}
	n := len(buf.Data) / f.NumChannels * f.NumChannels // drop a torn last frame
	if n == 0 {
		return f, nil, errors.New("no sound in it")
	}
	return f, buf.Data[:n], nil
}

// Format returns the sample format of lang's clips, which is that of the WAVs
// Compose makes for lang; ErrNoLanguage if the Composer was not given lang.
func (c *Composer) Format(lang string) (Format, error) {
	set, ok := c.sets[lang]
	if !ok {
		return Format{}, fmt.Errorf("%w %q", ErrNoLanguage, lang)
	}
	return set.format, nil
}

// Compose returns the call of ticket number to window in lang as one RIFF WAV in
// the format of lang's clips: the clips of Sequence in order, Gap of silence
// between two. It fails as Sequence does, and with ErrNoLanguage if the Composer
// was not given lang.
func (c *Composer) Compose(lang, number string, window int) ([]byte, error) {
	set, ok := c.sets[lang]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrNoLanguage, lang)
	}
	seq, err := Sequence(lang, number, window)
	if err != nil {
		return nil, err
	}
	n := set.gap * (len(seq) - 1)
	for _, name := range seq {
		n += len(set.clips[name])
	}
	silence := 0
	if set.format.BitDepth == 8 {
		silence = 128 // 8-bit WAV samples are unsigned, centred on 128
	}
	data := make([]int, 0, n)
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
	buf := &audio.IntBuffer{
		Data:           data,
		Format:         &audio.Format{NumChannels: f.NumChannels, SampleRate: f.SampleRate},
		SourceBitDepth: f.BitDepth,
	}
	if err := enc.Write(buf); err != nil {
		return nil, fmt.Errorf("voice: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("voice: encode: %w", err)
	}
	return out.buf, nil
}

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
		return 0, errors.New("voice: bad whence")
	}
	if base+offset < 0 {
		return 0, errors.New("voice: seek before start")
	}
	w.pos = int(base + offset)
	return int64(w.pos), nil
}
