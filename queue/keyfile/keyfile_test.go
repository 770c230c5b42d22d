package keyfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"qcall/queue/keyfile"
)

func TestKeyring(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idkeys")
	k, err := keyfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := k.DayKey("2026-11-26", "2026-11-26")
	if err != nil || len(k1) != 32 {
		t.Fatalf("key %x %v", k1, err)
	}
	k2, _ := k.DayKey("2026-11-27", "2026-11-26")
	if bytes.Equal(k1, k2) {
		t.Fatal("two days, one key")
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("file mode %v %v", fi.Mode(), err)
		}
	}
	// Reopened, the keys are the same; a later keepFrom forgets day 1 in the file.
	k, err = keyfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := k.DayKey("2026-11-26", "2026-11-26"); !bytes.Equal(again, k1) {
		t.Fatal("the key of a day changed across a reopen")
	}
	if again, _ := k.DayKey("2026-11-27", "2026-11-27"); !bytes.Equal(again, k2) {
		t.Fatal("the key of day 2 changed")
	}
	k, _ = keyfile.Open(path)
	if days := k.Days(); !slices.Equal(days, []string{"2026-11-27"}) {
		t.Fatalf("after forgetting day 1 the file holds %v", days)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "2026-11-26") {
		t.Fatalf("the file still names day 1: %s", b)
	}
}

func TestOpen_Damaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idkeys")
	os.WriteFile(path, []byte(`{"2026-11-26":"zz"`), 0o600)
	if _, err := keyfile.Open(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("damaged file: %v", err)
	}
	os.WriteFile(path, []byte(`{"2026-11-26":"abcd"}`), 0o600)
	if _, err := keyfile.Open(path); err == nil || !strings.Contains(err.Error(), "2026-11-26") {
		t.Fatalf("short key: %v", err)
	}
}
