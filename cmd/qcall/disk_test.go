package main

import (
	"context"
	"io"
	"testing"

	"qcall/queue/bolt"
)

// TestMain_FullDiskAnswers503 fills the data file: issuing answers 503 with the
// code unavailable, and after a restart with room every acknowledged ticket is
// there.
func TestMain_FullDiskAnswers503(t *testing.T) {
	dir := t.TempDir()
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = "127.0.0.1:0", dir, io.Discard
	m.StoreOptions = []bolt.Option{bolt.MaxSize(256 << 10), bolt.WALSize(64 << 10)}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var acked []issued
	var last struct {
		Error struct{ Code string }
	}
	code := 201
	for i := 0; code == 201 && i < 20000; i++ {
		var v struct {
			issued
			Error struct{ Code string }
		}
		code = api(t, "POST", m.URL+"/api/tickets", "demo-kiosk", map[string]string{"service": "medical"}, &v)
		if code == 201 {
			acked = append(acked, v.issued)
		}
		last.Error = v.Error
	}
	if code != 503 || last.Error.Code != "unavailable" {
		t.Fatalf("after %d tickets: %d %q, want 503 unavailable", len(acked), code, last.Error.Code)
	}
	if err := m.Close(); err != nil {
		t.Logf("close on a full disk: %v", err) // the final snapshot may not fit
	}

	m2 := NewMain()
	m2.Addr, m2.DataDir, m2.Stdout = "127.0.0.1:0", dir, io.Discard
	if err := m2.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	for _, a := range acked {
		var v struct{ Number string }
		if code := api(t, "GET", m2.URL+"/api/tickets/"+a.ID, "", nil, &v); code != 200 || v.Number != a.Number {
			t.Fatalf("acknowledged %s lost: %d %+v", a.Number, code, v)
		}
	}
}
