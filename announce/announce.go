// Package announce composes the spoken call of a ticket: a Composer joins
// recorded clips (a chime, words, letters and digits, one WAV each) into one
// announcement WAV. The server serves it to the hall screens (display,
// /api/voice/…) and the device agent plays it on a sound card (devices/voice's
// Player); both use this package, so that neither depends on the other.
//
// The clips live in one directory per language, <lang>/<clip>.wav, with the names
// Clips lists; the built-in set is assets/voice/, made by
// scripts/make-voice-clips.sh, and a hall may replace any clip with its own
// recording of the same name. A call is, clip by clip (Sequence):
//
//	zh-CN: chime please A 0 1 2 hao dao 3 window banli   叮咚 请 A012 号 到 3 号窗口 办理
//	en:    chime ticket A 0 1 2 goto 3                   ding-dong Ticket A012, please go to window 3
//
// The ticket number is spelled character by character, as halls read it (A012 is
// "A 零 一 二", never "A 十二"). The window number is a count: in Mandarin it is
// read as one (12 → 十二, 20 → 二十, 25 → 二十五; 100 and over digit by digit,
// since no hall has that many windows and 百 would need more clips); in English it
// is read digit by digit (12 → "one two"), which keeps the English set to ten
// digit clips.
package announce

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-audio/wav"
)

// Errors returned by Sequence and Composer. Callers branch on them with
// errors.Is; the returned errors wrap them with the offending value.
var (
	// ErrBadNumber: the ticket number is empty, too long, or has a character that
	// is neither a letter A–Z nor a digit.
	ErrBadNumber = errors.New("announce: bad ticket number")
	// ErrBadWindow: the window number is below 1.
	ErrBadWindow = errors.New("announce: bad window number")
	// ErrNoLanguage: no clips for the language (not one of Languages, or the
	// Composer was not given it).
	ErrNoLanguage = errors.New("announce: no clips for language")
)

// Languages lists the languages with a clip set, the default first.
var Languages = []string{"zh-CN", "en"}

// MaxNumberLen is the longest ticket number Sequence spells.
const MaxNumberLen = 12

// Gap is the silence a Composer puts between two clips, so that spelled
// characters stay apart after each clip's own silence was trimmed.
const Gap = 80 * time.Millisecond

// language is what differs between two languages: the clips and their order.
type language struct {
	words    []string // clips besides the letters and digits
	sequence func(chars []string, window int) []string
}

var languages = map[string]language{
	// 请 A012 号 到 3 号窗口 办理. window.wav holds 号窗口, shi.wav 十.
	"zh-CN": {
		words: []string{"chime", "please", "hao", "dao", "window", "banli", "shi"},
		sequence: func(chars []string, window int) []string {
			seq := append([]string{"chime", "please"}, chars...)
			seq = append(seq, "hao", "dao")
			seq = append(seq, zhCount(window)...)
			return append(seq, "window", "banli")
		},
	},
	// Ticket A012, please go to window 3. goto.wav holds "please go to window".
	"en": {
		words: []string{"chime", "ticket", "goto"},
		sequence: func(chars []string, window int) []string {
			seq := append([]string{"chime", "ticket"}, chars...)
			seq = append(seq, "goto")
			return append(seq, digits(window)...)
		},
	},
}

// Clips returns the names of every clip lang needs (the file of clip c is
// <lang>/<c>.wav), the chime first; ErrNoLanguage for a language without a set.
func Clips(lang string) ([]string, error) {
	l, ok := languages[lang]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrNoLanguage, lang)
	}
	names := append([]string(nil), l.words...)
	for c := '0'; c <= '9'; c++ {
		names = append(names, string(c))
	}
	for c := 'A'; c <= 'Z'; c++ {
		names = append(names, string(c))
	}
	return names, nil
}

// Sequence returns the clip names, in order, of the call of ticket number to
// window in lang. Letters in number may be of either case; anything but a letter
// A–Z or a digit is ErrBadNumber, a window below 1 ErrBadWindow, and a language
// without a clip set ErrNoLanguage.
func Sequence(lang, number string, window int) ([]string, error) {
	l, ok := languages[lang]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrNoLanguage, lang)
	}
	chars, err := spell(number)
	if err != nil {
		return nil, err
	}
	if window < 1 {
		return nil, fmt.Errorf("%w %d: windows count from 1", ErrBadWindow, window)
	}
	return l.sequence(chars, window), nil
}

// spell splits a ticket number into the clip names of its characters.
func spell(number string) ([]string, error) {
	if number == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadNumber)
	}
	if len(number) > MaxNumberLen {
		return nil, fmt.Errorf("%w %q: longer than %d characters", ErrBadNumber, number, MaxNumberLen)
	}
	chars := make([]string, 0, len(number))
	for _, r := range strings.ToUpper(number) {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return nil, fmt.Errorf("%w %q: %q is not a letter A-Z or a digit", ErrBadNumber, number, r)
		}
		chars = append(chars, string(r))
	}
	return chars, nil
}

// digits returns the digit clips of n, most significant first.
func digits(n int) []string {
	s := strconv.Itoa(n)
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i : i+1]
	}
	return out
}

// zhCount returns the clips of n read as a Mandarin count: 1–9 as the digit,
// 10–19 as 十 and the unit (十, 十一), 20–99 as tens 十 unit (二十, 二十五), and
// 100 or more digit by digit. 2 stays 二 (二号窗口, not 两号).
func zhCount(n int) []string {
	switch {
	case n < 10 || n > 99:
		return digits(n)
	case n < 20:
		return append([]string{"shi"}, unit(n%10)...)
	default:
		return append([]string{strconv.Itoa(n / 10), "shi"}, unit(n%10)...)
	}
}

// unit is the trailing digit of a count: nothing for 0 (二十, not 二十零).
func unit(d int) []string {
	if d == 0 {
		return nil
	}
	return []string{strconv.Itoa(d)}
}

// Format is the sample format of a clip set and of the WAVs composed from it.
type Format struct {
	SampleRate  int // frames per second
	BitDepth    int // bits per sample: 8 (unsigned), 16, 24 or 32 (signed)
	NumChannels int // interleaved channels
}

// String says the format the way a sound engineer would: "22050 Hz 16-bit mono".
func (f Format) String() string {
	ch := fmt.Sprintf("%d channels", f.NumChannels)
	switch f.NumChannels {
	case 1:
		ch = "mono"
	case 2:
		ch = "stereo"
	}
	return fmt.Sprintf("%d Hz %d-bit %s", f.SampleRate, f.BitDepth, ch)
}

// frames returns how many frames n bytes of PCM data hold.
func (f Format) frames(n int) int {
	return n / (f.NumChannels * ((f.BitDepth + 7) / 8))
}

// duration returns how long frames frames last, to the nanosecond.
func (f Format) duration(frames int) time.Duration {
	return time.Duration(frames) * time.Second / time.Duration(f.SampleRate)
}

// Duration returns how long the PCM WAV wavBytes plays, from its header and the size
// of its data chunk.
func Duration(wavBytes []byte) (time.Duration, error) {
	d := wav.NewDecoder(bytes.NewReader(wavBytes))
	f, err := header(d)
	if err != nil {
		return 0, err
	}
	if err := errors.Join(d.FwdToPCM(), d.Err()); err != nil {
		return 0, fmt.Errorf("announce: no PCM data: %w", err)
	}
	if d.PCMChunk == nil {
		return 0, errors.New("announce: no PCM data chunk")
	}
	return f.duration(f.frames(d.PCMSize)), nil
}

// header reads a WAV's format chunk and checks that it is integer PCM that
// go-audio/wav reads and writes back unchanged.
func header(d *wav.Decoder) (Format, error) {
	d.ReadInfo()
	if err := d.Err(); err != nil {
		return Format{}, fmt.Errorf("announce: not a WAV: %w", err)
	}
	f := Format{SampleRate: int(d.SampleRate), BitDepth: int(d.BitDepth), NumChannels: int(d.NumChans)}
	// 1 is WAVE_FORMAT_PCM; 0xFFFE, WAVE_FORMAT_EXTENSIBLE, is PCM too below 32
	// bits (at 32 it is as likely IEEE float, which go-audio would misread).
	pcm := d.WavAudioFormat == 1 || d.WavAudioFormat == 0xFFFE && f.BitDepth < 32
	switch {
	case !pcm:
		return f, fmt.Errorf("announce: WAV format %#x is not integer PCM", d.WavAudioFormat)
	case f.BitDepth != 8 && f.BitDepth != 16 && f.BitDepth != 24 && f.BitDepth != 32:
		return f, fmt.Errorf("announce: %d-bit samples are not supported", f.BitDepth)
	case f.NumChannels < 1 || f.SampleRate < 1:
		return f, fmt.Errorf("announce: bad WAV header: %s", f)
	}
	return f, nil
}
