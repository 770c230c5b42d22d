package announce_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"qcall/announce"
	"qcall/internal/wavtest"
)

// TestOverlay_ReplacesOneClip: a hall's own recording of one clip is used in
// place of the shipped one; the others still come from the shipped set.
func TestOverlay_ReplacesOneClip(t *testing.T) {
	base := clipSet(t, mono22k, "zh-CN")
	plain, err := announce.NewComposer(base, "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	// The hall's chime is 22050 frames (1 s) long.
	top := fstest.MapFS{"zh-CN/chime.wav": {Data: wavtest.Make(t, mono22k, wavtest.Constant(mono22k, 22050, 9))}}
	own, err := announce.NewComposer(announce.Overlay(top, base), "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := plain.Compose("zh-CN", "A012", 3)
	b, _ := own.Compose("zh-CN", "A012", 3)
	da, _ := announce.Duration(a)
	db, _ := announce.Duration(b)
	// The shipped chime of clipSet is 40 frames: the call grows by the difference.
	want := time.Duration(22050-40) * time.Second / 22050
	if got := db - da; got < want-time.Millisecond || got > want+time.Millisecond {
		t.Fatalf("the call grew by %v, want %v", got, want)
	}
	// A recording in another format is refused, naming it.
	top["zh-CN/hao.wav"] = &fstest.MapFile{Data: wavtest.Make(t, announce.Format{SampleRate: 44100, BitDepth: 16, NumChannels: 1}, wavtest.Constant(mono22k, 100, 1))}
	if _, err := announce.NewComposer(announce.Overlay(top, base), "zh-CN"); err == nil || !strings.Contains(err.Error(), "zh-CN/hao.wav") {
		t.Fatalf("a 44.1 kHz clip among 22.05 kHz ones: %v", err)
	}
}
