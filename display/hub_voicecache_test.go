package display

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
)

func TestVoiceCache_Bytes(t *testing.T) {
	var c voiceCache
	c.init(3000)
	composed := 0
	get := func(key string, size int) []byte {
		t.Helper()
		a, err := c.get(key, func() ([]byte, error) { composed++; return bytes.Repeat([]byte{'x'}, size), nil })
		if err != nil || len(a.wav) != size {
			t.Fatalf("get %s: %d bytes, %v", key, len(a.wav), err)
		}
		return a.wav
	}
	for i := range 10 {
		get(strconv.Itoa(i), 1000)
		if n, b := c.held(); b > 3000 || n > 3 {
			t.Fatalf("after %d: %d announcements, %d bytes held; at most 3000", i+1, n, b)
		}
	}
	if n, b := c.held(); n != 3 || b != 3000 {
		t.Errorf("%d announcements, %d bytes held, want 3 of 3000", n, b)
	}
	// The newest are kept (not composed again), the oldest dropped.
	before := composed
	get("9", 1000)
	get("7", 1000)
	if composed != before {
		t.Error("a kept announcement was composed again")
	}
	get("0", 1000)
	if composed != before+1 {
		t.Error("a dropped announcement was not composed again")
	}
	// One bigger than the whole cache is still served, and held alone.
	get("big", 5000)
	if n, b := c.held(); n != 1 || b != 5000 {
		t.Errorf("%d announcements, %d bytes held after a big one", n, b)
	}
	// A failure is not kept.
	if _, err := c.get("bad", func() ([]byte, error) { return nil, errors.New("no") }); err == nil {
		t.Fatal("no error")
	}
	if n, _ := c.held(); n != 1 {
		t.Errorf("%d held after a failure", n)
	}
}
