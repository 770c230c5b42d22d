// Package wavtest makes WAV files for tests, with go-audio/wav: the encoder
// the announcement composer's own is checked against.
package wavtest

import (
	"io"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"qcall/announce"
)

// Make encodes samples (interleaved) as a WAV of format f.
func Make(tb testing.TB, f announce.Format, samples []int) []byte {
	tb.Helper()
	var out memFile
	enc := wav.NewEncoder(&out, f.SampleRate, f.BitDepth, f.NumChannels, 1)
	buf := &audio.IntBuffer{
		Data:           samples,
		Format:         &audio.Format{NumChannels: f.NumChannels, SampleRate: f.SampleRate},
		SourceBitDepth: f.BitDepth,
	}
	if err := enc.Write(buf); err != nil {
		tb.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.b
}

// Constant returns frames frames of format f whose every sample is v.
func Constant(f announce.Format, frames, v int) []int {
	s := make([]int, frames*f.NumChannels)
	for i := range s {
		s[i] = v
	}
	return s
}

// memFile is the io.WriteSeeker the go-audio encoder needs, in memory.
type memFile struct {
	b   []byte
	pos int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := int(m.pos) + len(p); end > len(m.b) {
		m.b = append(m.b, make([]byte, end-len(m.b))...)
	}
	n := copy(m.b[m.pos:], p)
	m.pos += int64(n)
	return n, nil
}

func (m *memFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += m.pos
	case io.SeekEnd:
		offset += int64(len(m.b))
	}
	m.pos = offset
	return offset, nil
}
