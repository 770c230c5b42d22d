// Package keypad reads the satisfaction keypad at a service window: the visitor
// presses one of its keys and the keypad sends a short byte sequence on its
// serial line. Which bytes depends on the model ("1"…"5", 0xA1…0xA5, ESC
// sequences), so a Keymap, from configuration, maps sequences to scores on
// the national five-level 好差评 scale (5 非常满意 … 1 非常不满意).
//
// A Decoder turns a byte stream into scores: sequences may arrive split across
// reads, and line noise or unknown keys may come in between; those bytes are
// skipped and reported, never fatal. A Reader runs the read loop over the port the
// caller opened and returns the read error, so the caller can reopen the port.
package keypad

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Scores, the five levels of the national 好差评 scale, as the keys are
// labelled.
const (
	VeryDissatisfied = 1 // 非常不满意
	Dissatisfied     = 2 // 不满意
	FairlySatisfied  = 3 // 基本满意
	Satisfied        = 4 // 满意
	VerySatisfied    = 5 // 非常满意
)

// ScoreName returns the score's name for logs: "very satisfied", "satisfied",
// "fairly satisfied", "dissatisfied", "very dissatisfied", or "score(n)"
// outside 1–5.
func ScoreName(score int) string {
	switch score {
	case VerySatisfied:
		return "very satisfied"
	case Satisfied:
		return "satisfied"
	case FairlySatisfied:
		return "fairly satisfied"
	case Dissatisfied:
		return "dissatisfied"
	case VeryDissatisfied:
		return "very dissatisfied"
	}
	return fmt.Sprintf("score(%d)", score)
}

// Keymap maps the byte sequence a key sends to its score, 1–5. No sequence may be
// a prefix of another, so a sequence is known complete as soon as it arrives.
type Keymap map[string]int

// DefaultKeymap is the most common keypad: the ASCII digits "1" to "5", each the
// score it says (5 非常满意 … 1 非常不满意).
func DefaultKeymap() Keymap {
	return Keymap{"1": VeryDissatisfied, "2": Dissatisfied, "3": FairlySatisfied, "4": Satisfied, "5": VerySatisfied}
}

// String lists the keys by score, highest first, for logs: `5:"5" 4:"4"`, a
// sequence that is not printable ASCII in hex (`5:0xa5`).
func (k Keymap) String() string {
	seqs := make([]string, 0, len(k))
	for s := range k {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool {
		if k[seqs[i]] != k[seqs[j]] {
			return k[seqs[i]] > k[seqs[j]]
		}
		return seqs[i] < seqs[j]
	})
	var b strings.Builder
	for i, s := range seqs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:", k[s])
		printable := true
		for _, c := range []byte(s) {
			printable = printable && c >= 0x20 && c < 0x7f
		}
		if printable {
			fmt.Fprintf(&b, "%q", s)
		} else {
			fmt.Fprintf(&b, "%#x", []byte(s))
		}
	}
	return b.String()
}

// ParseKeymap builds a Keymap from configuration, where a key is written either as
// hex bytes separated by spaces ("0xA1", "0x1B 0x31") or as literal text ("1").
func ParseKeymap(m map[string]int) (Keymap, error) {
	k := make(Keymap, len(m))
	for s, score := range m {
		seq, err := parseSeq(s)
		if err != nil {
			return nil, err
		}
		if _, dup := k[seq]; dup {
			return nil, fmt.Errorf("keypad: key %q given twice", s)
		}
		k[seq] = score
	}
	return k, k.Validate()
}

// ParseSequence reads bytes written as in a keymap: hex bytes separated by
// spaces ("0xA1", "0x1B 0x31"), or literal text ("1").
func ParseSequence(s string) ([]byte, error) {
	seq, err := parseSeq(s)
	return []byte(seq), err
}

func parseSeq(s string) (string, error) {
	if !strings.HasPrefix(strings.ToLower(s), "0x") {
		return s, nil
	}
	var b []byte
	for _, f := range strings.Fields(s) {
		if len(f) != 4 || !strings.EqualFold(f[:2], "0x") {
			return "", fmt.Errorf("keypad: key %q: want bytes like 0xA1 0x0D", s)
		}
		x, err := hex.DecodeString(f[2:])
		if err != nil {
			return "", fmt.Errorf("keypad: key %q: %w", s, err)
		}
		b = append(b, x...)
	}
	return string(b), nil
}

// Validate reports an empty map, an empty sequence, a score outside 1–5, or a
// sequence that is a prefix of another.
func (k Keymap) Validate() error {
	if len(k) == 0 {
		return errors.New("keypad: empty keymap")
	}
	seqs := make([]string, 0, len(k))
	for s, score := range k {
		if s == "" {
			return errors.New("keypad: empty key sequence")
		}
		if score < VeryDissatisfied || score > VerySatisfied {
			return fmt.Errorf("keypad: key % x: score %d not in 1–5", s, score)
		}
		seqs = append(seqs, s)
	}
	sort.Strings(seqs) // a prefix sorts right before the sequences it starts
	for i := 1; i < len(seqs); i++ {
		if strings.HasPrefix(seqs[i], seqs[i-1]) {
			return fmt.Errorf("keypad: key % x is a prefix of key % x", seqs[i-1], seqs[i])
		}
	}
	return nil
}

// Press is one key press.
type Press struct {
	Score int    // 1–5
	Raw   []byte // the sequence received
}

// Decoder turns a byte stream into presses. It keeps the bytes of an unfinished
// sequence between calls. It is not safe for concurrent use.
type Decoder struct {
	keys     Keymap
	prefixes map[string]bool // proper prefixes of the keys
	pending  []byte          // a proper prefix of a key, waiting for the rest
}

// NewDecoder returns a Decoder for k, or k's validation error.
func NewDecoder(k Keymap) (*Decoder, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	d := &Decoder{keys: make(Keymap, len(k)), prefixes: make(map[string]bool)}
	for s, score := range k {
		d.keys[s] = score
		for i := 1; i < len(s); i++ {
			d.prefixes[s[:i]] = true
		}
	}
	return d, nil
}

// Decode consumes p and returns the presses completed in it, and the bytes
// skipped because no key starts with them (noise, a key missing from the map,
// the start of a sequence broken off). A sequence split across calls is joined.
func (d *Decoder) Decode(p []byte) (presses []Press, skipped []byte) {
	for _, b := range p {
		d.feed(b, &presses, &skipped)
	}
	return presses, skipped
}

func (d *Decoder) feed(b byte, presses *[]Press, skipped *[]byte) {
	d.pending = append(d.pending, b)
	s := string(d.pending)
	if score, ok := d.keys[s]; ok {
		*presses = append(*presses, Press{Score: score, Raw: []byte(s)})
		d.pending = d.pending[:0]
		return
	}
	if d.prefixes[s] {
		return
	}
	// No key starts with pending: its first byte is noise. A key may start at any
	// later byte, so feed them again. Each pass drops a byte, so this ends, and
	// pending is shorter than the longest key, so it ends soon.
	*skipped = append(*skipped, d.pending[0])
	rest := []byte(s[1:])
	d.pending = d.pending[:0]
	for _, c := range rest {
		d.feed(c, presses, skipped)
	}
}

// Pending returns the bytes of an unfinished sequence held since the last call.
func (d *Decoder) Pending() []byte { return append([]byte(nil), d.pending...) }

// Reset drops an unfinished sequence, e.g. after the port was reopened.
func (d *Decoder) Reset() { d.pending = d.pending[:0] }

// Reader reads presses from a keypad's port.
type Reader struct {
	r   io.Reader
	dec *Decoder
	// Unknown, if set, receives the bytes skipped in each read, at most one call
	// per read; wrap the logger with Throttle to rate-limit it.
	Unknown func(skipped []byte)
}

// NewReader returns a Reader of the port r, which the caller opened, decoding with
// k. It fails if k is invalid.
func NewReader(r io.Reader, k Keymap) (*Reader, error) {
	d, err := NewDecoder(k)
	if err != nil {
		return nil, err
	}
	return &Reader{r: r, dec: d}, nil
}

// String names the device for logs: "keypad{/dev/ttyUSB2}" when the port has a
// Name (an *os.File), else "keypad{}".
func (r *Reader) String() string {
	if n, ok := r.r.(interface{ Name() string }); ok {
		return "keypad{" + n.Name() + "}"
	}
	return "keypad{}"
}

// Run reads the port until a read fails and calls press for each key press, in
// order, on Run's goroutine. It returns the read error wrapped as "keypad: read:
// %w": io.EOF when the line hangs up (a tty whose USB adapter was unplugged reads
// as EOF), os.ErrClosed after the caller closed the port to stop Run, or another
// I/O error; the caller may reopen the port and call Run again. A sequence cut
// off by the error is dropped.
func (r *Reader) Run(press func(Press)) error {
	defer r.dec.Reset()
	buf := make([]byte, 256)
	for {
		n, err := r.r.Read(buf)
		if n > 0 {
			presses, skipped := r.dec.Decode(buf[:n])
			if len(skipped) > 0 && r.Unknown != nil {
				r.Unknown(skipped)
			}
			for _, p := range presses {
				press(p)
			}
		}
		if err != nil {
			return fmt.Errorf("keypad: read: %w", err)
		}
	}
}

// Throttle returns a Reader.Unknown callback that passes skipped bytes on to log
// at most once per interval: the first skip is logged at once with its bytes,
// later ones within the interval only counted, and the next log call after the
// interval gets the bytes skipped then and the count of all skipped bytes since
// the last log. now is the clock, time.Now in production.
func Throttle(interval time.Duration, now func() time.Time, log func(skipped []byte, count int)) func([]byte) {
	var last time.Time
	logged := false
	count := 0
	return func(skipped []byte) {
		count += len(skipped)
		t := now()
		if logged && t.Sub(last) < interval {
			return
		}
		log(skipped, count)
		last, logged, count = t, true, 0
	}
}
