package announce

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"

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
			return nil, fmt.Errorf("announce: read clip: %w", err)
		}
		f, samples, err := decode(b)
		if err != nil {
			return nil, fmt.Errorf("announce: clip %s: %w", file, err)
		}
		if first == "" {
			first, set.format = file, f
		} else if f != set.format {
			return nil, fmt.Errorf("announce: clip %s is %s, but %s is %s: all clips of a language need one format",
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
	f := set.format
	width := f.BitDepth / 8
	if width < 1 || width > 4 {
		return nil, fmt.Errorf("announce: encode: can't add frames of bit size %d", f.BitDepth)
	}
	silence := 0
	if f.BitDepth == 8 {
		silence = 128 // 8-bit WAV samples are unsigned, centred on 128
	}
	// The WAV is written straight into one buffer of its final size: the
	// bytes go-audio's encoder writes for the same samples (a test holds
	// the two together), without its per-sample writes and their garbage.
	out := appendWAVHeader(make([]byte, 0, wavHeaderLen+n*width), f, n*width)
	for i, name := range seq {
		if i > 0 {
			for range set.gap {
				out = appendSample(out, silence, width)
			}
		}
		for _, v := range set.clips[name] {
			out = appendSample(out, v, width)
		}
	}
	return out, nil
}

// wavHeaderLen is the length of the header appendWAVHeader writes.
const wavHeaderLen = 44

// appendWAVHeader appends a RIFF WAVE header of PCM format f, with a fmt chunk
// and the head of a data chunk of dataLen bytes.
func appendWAVHeader(b []byte, f Format, dataLen int) []byte {
	le := binary.LittleEndian
	blockAlign := f.NumChannels * f.BitDepth / 8
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, uint32(wavHeaderLen-8+dataLen))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1) // PCM
	b = le.AppendUint16(b, uint16(f.NumChannels))
	b = le.AppendUint32(b, uint32(f.SampleRate))
	b = le.AppendUint32(b, uint32(f.SampleRate*blockAlign))
	b = le.AppendUint16(b, uint16(blockAlign))
	b = le.AppendUint16(b, uint16(f.BitDepth))
	b = append(b, "data"...)
	return le.AppendUint32(b, uint32(dataLen))
}

// appendSample appends sample v in width bytes, little-endian (8-bit samples
// are already unsigned).
func appendSample(b []byte, v, width int) []byte {
	switch width {
	case 1:
		return append(b, byte(v))
	case 2:
		return append(b, byte(v), byte(v>>8))
	case 3:
		return append(b, byte(v), byte(v>>8), byte(v>>16))
	default:
		return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
}
