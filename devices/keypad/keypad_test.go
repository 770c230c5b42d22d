package keypad_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"qcall/devices/keypad"
)

// escKeys is a keypad that sends ESC '1' … ESC '4', and 0xA1 CR for its big
// "very satisfied" button.
var escKeys = keypad.Keymap{"\x1b1": 1, "\x1b2": 2, "\x1b3": 3, "\x1b4": 4, "\xa1\r": 4}

func scores(ps []keypad.Press) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprint(&b, p.Score)
	}
	return b.String()
}

func TestDecoder(t *testing.T) {
	tests := []struct {
		name    string
		keys    keypad.Keymap
		chunks  []string // as they arrive, read by read
		want    string   // scores, in order
		skipped string
		pending string
	}{
		{"digits", keypad.DefaultKeymap(), []string{"54321"}, "54321", "", ""},
		{"garbage between digits", keypad.DefaultKeymap(), []string{"x4\x00\xff7\r\n1"}, "41", "x\x00\xff7\r\n", ""},
		{"esc sequences", escKeys, []string{"\x1b3\x1b1"}, "31", "", ""},
		{"split across reads", escKeys, []string{"\x1b", "3\xa1", "\r"}, "34", "", ""},
		{"byte by byte", escKeys, []string{"\x1b", "4", "\x1b", "2"}, "42", "", ""},
		{"broken sequence then key", escKeys, []string{"\x1b\x1b2"}, "2", "\x1b", ""},
		{"unknown escape skipped", escKeys, []string{"\x1b9\x1b1"}, "1", "\x1b9", ""},
		{"key inside a broken one", keypad.Keymap{"abc": 4, "b": 1}, []string{"abx"}, "1", "ax", ""},
		{"unfinished kept", escKeys, []string{"\x1b1\xa1"}, "1", "", "\xa1"},
		{"high bytes", keypad.Keymap{"\xa1": 4, "\xa2": 3, "\xa3": 2, "\xa4": 1}, []string{"\xa4\xa0\xa1"}, "14", "\xa0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := keypad.NewDecoder(tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			var all []keypad.Press
			var skipped []byte
			for _, c := range tt.chunks {
				p, s := d.Decode([]byte(c))
				all = append(all, p...)
				skipped = append(skipped, s...)
			}
			if got := scores(all); got != tt.want {
				t.Errorf("scores %s, want %s", got, tt.want)
			}
			if string(skipped) != tt.skipped {
				t.Errorf("skipped %q, want %q", skipped, tt.skipped)
			}
			if string(d.Pending()) != tt.pending {
				t.Errorf("pending %q, want %q", d.Pending(), tt.pending)
			}
			for _, p := range all {
				if tt.keys[string(p.Raw)] != p.Score {
					t.Errorf("press %+v: raw is not the key of its score", p)
				}
			}
		})
	}
}

func TestParseKeymap(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string]int
		want    keypad.Keymap
		wantErr string
	}{
		{"literal", map[string]int{"1": 1, "2": 2}, keypad.Keymap{"1": 1, "2": 2}, ""},
		{"hex", map[string]int{"0xA1": 4, "0x1B 0x31": 1}, keypad.Keymap{"\xa1": 4, "\x1b1": 1}, ""},
		{"bad hex", map[string]int{"0xZZ": 4}, nil, "keypad: key \"0xZZ\""},
		{"hex without 0x", map[string]int{"0xA1 A2": 4}, nil, "want bytes like 0xA1 0x0D"},
		{"score 5", map[string]int{"5": 5}, keypad.Keymap{"5": 5}, ""},
		{"score 6", map[string]int{"6": 6}, nil, "score 6 not in 1–5"},
		{"score 0", map[string]int{"0": 0}, nil, "score 0 not in 1–5"},
		{"prefix", map[string]int{"0x1B": 1, "0x1B 0x31": 2}, nil, "keypad: key 1b is a prefix of key 1b 31"},
		{"same bytes twice", map[string]int{"0x31": 1, "1": 2}, nil, "given twice"},
		{"empty", map[string]int{}, nil, "keypad: empty keymap"},
		{"empty key", map[string]int{"": 1}, nil, "keypad: empty key sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keypad.ParseKeymap(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScoreName(t *testing.T) {
	for score, want := range map[int]string{5: "very satisfied", 4: "satisfied", 3: "fairly satisfied", 2: "dissatisfied", 1: "very dissatisfied", 0: "score(0)", 6: "score(6)"} {
		if got := keypad.ScoreName(score); got != want {
			t.Errorf("ScoreName(%d) = %q, want %q", score, got, want)
		}
	}
}

func TestThrottle(t *testing.T) {
	t0 := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
	type call struct {
		at      time.Duration
		skipped string
	}
	calls := []call{{0, "ab"}, {time.Second, "c"}, {59 * time.Second, "d"}, {61 * time.Second, "ef"}, {62 * time.Second, "g"}, {3 * time.Minute, "h"}}
	var now time.Time
	var got []string
	f := keypad.Throttle(time.Minute, func() time.Time { return now }, func(s []byte, n int) {
		got = append(got, fmt.Sprintf("%s/%d", s, n))
	})
	for _, c := range calls {
		now = t0.Add(c.at)
		f([]byte(c.skipped))
	}
	// ab logged at once; c, d counted; ef logged a minute later with 1+1+2 bytes;
	// g counted; h logged with 1+1.
	if want := "ab/2 ef/4 h/2"; strings.Join(got, " ") != want {
		t.Fatalf("logged %q, want %q", strings.Join(got, " "), want)
	}
}

func TestReader_eof(t *testing.T) {
	r, err := keypad.NewReader(bytes.NewReader([]byte("12\x1b34")), keypad.DefaultKeymap())
	if err != nil {
		t.Fatal(err)
	}
	var got []keypad.Press
	err = r.Run(func(p keypad.Press) { got = append(got, p) })
	if !errors.Is(err, io.EOF) || err.Error() != "keypad: read: EOF" {
		t.Fatalf("Run = %v", err)
	}
	if s := scores(got); s != "1234" {
		t.Fatalf("scores %s", s)
	}
	if _, err := keypad.NewReader(nil, keypad.Keymap{"1": 9}); err == nil {
		t.Fatal("NewReader accepted score 9")
	}
}

// FuzzDecoder checks that no input panics the Decoder, that every byte is
// accounted for (in a press, skipped, or pending), and that splitting the input
// differently gives the same presses.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte("\x1b3\x1b\x1b2\xa1\r"), uint8(1))
	f.Add([]byte("\xa1\xa1\r\x1b"), uint8(3))
	f.Add([]byte{}, uint8(0))
	f.Add([]byte("1234\x00\xff"), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		whole, _ := keypad.NewDecoder(escKeys)
		pw, sw := whole.Decode(data)
		n := 0
		for _, p := range pw {
			n += len(p.Raw)
		}
		if n+len(sw)+len(whole.Pending()) != len(data) {
			t.Fatalf("%d in presses + %d skipped + %d pending != %d", n, len(sw), len(whole.Pending()), len(data))
		}
		parts, _ := keypad.NewDecoder(escKeys)
		var pp []keypad.Press
		var sp []byte
		for i := 0; i < len(data); {
			j := min(len(data), i+1+int(split)%7)
			p, s := parts.Decode(data[i:j])
			pp, sp = append(pp, p...), append(sp, s...)
			i = j
		}
		if scores(pp) != scores(pw) || !bytes.Equal(sp, sw) {
			t.Fatalf("split %d: %s/%q, whole: %s/%q", split, scores(pp), sp, scores(pw), sw)
		}
	})
}

// TestKeymap_String: a keymap lists its keys by score, highest first, the
// unprintable ones in hex, for the agent's log at start.
func TestKeymap_String(t *testing.T) {
	if got, want := keypad.DefaultKeymap().String(), `5:"5" 4:"4" 3:"3" 2:"2" 1:"1"`; got != want {
		t.Errorf("default keymap %s, want %s", got, want)
	}
	k, err := keypad.ParseKeymap(map[string]int{"0xA5": 5, "0x1B 0x31": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := k.String(), `5:0xa5 1:0x1b31`; got != want {
		t.Errorf("keymap %s, want %s", got, want)
	}
}
