package agent

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"qcall/devices/escpos"
	"qcall/devices/led"
)

// The agent against a real hall server is tested in cmd/qcall (agent_test.go);
// here are its parts: configuration and spool (devices_linux_test.go: the
// printer, the LED line and the simulator).

func TestAgentConfig_Example(t *testing.T) {
	cfg, err := LoadConfig("../../docs/agent.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Printers) != 2 || len(cfg.LEDs) != 2 || len(cfg.Keypads) != 1 {
		t.Fatalf("devices: %d printers, %d LEDs, %d keypads", len(cfg.Printers), len(cfg.LEDs), len(cfg.Keypads))
	}
	p := cfg.Printers[0]
	if p.Baud != 9600 || p.StopBits != "1" || p.Parity != "none" || p.Cut != "partial" || !*p.Status || p.Retry.D() != 2*time.Second {
		t.Errorf("printer 1: %+v", p)
	}
	if p2 := cfg.Printers[1]; p2.Address != "192.0.2.31:9100" || p2.Columns != 32 || p2.MaxAge.D() != 10*time.Minute {
		t.Errorf("printer 2: %+v", p2)
	}
	l := cfg.LEDs[0]
	want := led.Frame{Prefix: []byte{0x02}, HasAddress: true, Address: 1, Encoding: "gb18030", Checksum: led.ChecksumXOR, Suffix: []byte{0x03}}
	if fmt.Sprint(l.Frame) != fmt.Sprint(want) || l.Window != 1 {
		t.Errorf("led 1 frame %+v, want %+v", l.Frame, want)
	}
	k, err := cfg.Keypads[0].keymap()
	if err != nil || k["\xa4"] != 4 || k["\xa1"] != 1 {
		t.Errorf("keypad keymap %v, %v", k, err)
	}
	if !strings.HasSuffix(cfg.dataPath(), "docs/qcall-agent-data") {
		t.Errorf("data folder %s is not next to the configuration", cfg.dataPath())
	}
}

func TestAgentConfig_Errors(t *testing.T) {
	const head = "server = \"http://127.0.0.1:8080\"\ntoken = \"t0ken-agent\"\n"
	tests := []struct {
		name, text, want string
	}{
		{"syntax", head + "[[printer]\n", "line "},
		{"unknown key", head + "colour = 1\n", "unknown key colour"},
		{"no server", "token = \"x\"\n", "server"},
		{"no token", "server = \"http://h:1\"\n", "token"},
		{"no name", head + "[[printer]]\nport = \"/dev/x\"\n", "name is required"},
		{"no port", head + "[[printer]]\nname = \"p\"\n", "port (serial) or address"},
		{"port and address", head + "[[printer]]\nname = \"p\"\nport = \"/dev/x\"\naddress = \"h:9100\"\n", "not both"},
		{"same name", head + "[[printer]]\nname = \"p\"\nport = \"/dev/x\"\n[[led]]\nname = \"p\"\nport = \"/dev/y\"\nwindow = 1\n", "also printer"},
		{"kiosk twice", head + "[[printer]]\nname = \"a\"\nport = \"/dev/x\"\nkiosks = [\"k\"]\n[[printer]]\nname = \"b\"\nport = \"/dev/y\"\nkiosks = [\"k\"]\n", "kiosk \"k\" already"},
		{"port twice", head + "[[printer]]\nname = \"a\"\nport = \"/dev/x\"\n[[keypad]]\nname = \"b\"\nport = \"/dev/x\"\nwindow = 1\n", "already used"},
		{"shared LED line without addresses", head + "[[led]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\n[[led]]\nname = \"b\"\nport = \"/dev/x\"\nwindow = 2\n", "different addresses"},
		{"bad parity", head + "[[led]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\nparity = \"weird\"\n", "parity"},
		{"bad stop bits", head + "[[led]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\nstop_bits = 3\n", "stop_bits"},
		{"LED without window", head + "[[led]]\nname = \"a\"\nport = \"/dev/x\"\n", "window is required"},
		{"bad checksum", head + "[[led]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\n[led.frame]\nchecksum = \"md5\"\n", "checksum"},
		{"bad key score", head + "[[keypad]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\n[keypad.keys]\n\"1\" = 6\n", "score 6"},
		{"old four-level keys", head + "[[keypad]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\n[keypad.keys]\n\"0xA4\" = 4\n\"0xA3\" = 3\n\"0xA2\" = 2\n\"0xA1\" = 1\n", "no key gives 5"},
		{"bad duration", head + "read_timeout = \"soon\"\n", "duration"},
		{"bad lang", head + "lang = \"fr\"\n", "lang"},
		{"polled keypad without address", head + "[[keypad]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\npoll = \"100ms\"\n", "has_address"},
		{"polled keypads at one address", head + "[[keypad]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\npoll = \"100ms\"\n[keypad.frame]\nhas_address = true\naddress = 1\n" +
			"[[keypad]]\nname = \"b\"\nport = \"/dev/x\"\nwindow = 2\npoll = \"100ms\"\n[keypad.frame]\nhas_address = true\naddress = 1\n", "different addresses"},
		{"keyboard with a port", head + "[[keypad]]\nname = \"a\"\nport = \"/dev/x\"\ninput = \"/dev/input/event3\"\nwindow = 1\n", "input is a keyboard"},
		{"bad prompt", head + "[[keypad]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\nprompt = \"0xZZ\"\n", "prompt"},
		{"negative gap", head + "[[led]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\ngap = \"-1s\"\n", "gap"},
		{"LED escape without xor", head + "[[led]]\nname = \"a\"\nport = \"/dev/x\"\nwindow = 1\n[led.frame]\nescape = \"byte\"\nescape_byte = 0x1B\n", "escape_xor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestAgentConfig_StopBits(t *testing.T) {
	for in, want := range map[string]StopBits{"1": "1", "1.5": "1.5", "2": "2", `"1.5"`: "1.5"} {
		cfg, err := ParseConfig(fmt.Sprintf("server = \"http://h:1\"\ntoken = \"x\"\n[[keypad]]\nname = \"k\"\nport = \"/dev/x\"\nwindow = 1\nstop_bits = %s\n", in))
		if err != nil || cfg.Keypads[0].StopBits != want {
			t.Errorf("stop_bits = %s: %v, %v", in, cfg, err)
		}
	}
}

func mustSpool(t *testing.T, dir string) *spool {
	t.Helper()
	s, err := openSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAgentSpool(t *testing.T) {
	dir := t.TempDir()
	s := mustSpool(t, dir)
	if _, err := openSpool(dir); !errors.Is(err, ErrSpoolInUse) {
		t.Fatalf("second open: %v, want ErrSpoolInUse at once", err)
	}
	add := func(key, printer string, seq uint64) bool {
		t.Helper()
		ok, err := s.Add(&job{Key: key, Printer: printer, Created: time.Now(), Ticket: &escpos.Ticket{Number: key}}, seq)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !add("t:1", "a", 5) || !add("t:2", "b", 6) || !add("t:3", "a", 7) {
		t.Fatal("jobs not added")
	}
	if add("t:1", "a", 8) {
		t.Fatal("a replayed ticket was spooled twice")
	}
	if s.Seq() != 8 || s.Pending("a") != 2 || s.Pending("b") != 1 {
		t.Fatalf("seq %d, pending a %d b %d", s.Seq(), s.Pending("a"), s.Pending("b"))
	}
	j, _ := s.Next("a")
	if j.Key != "t:1" || j.State != jobQueued {
		t.Fatalf("next for a: %+v", j)
	}
	s.SetState(j, jobSent)
	if j2, _ := s.Next("a"); j2.State != jobSent || j2.ID != j.ID {
		t.Fatalf("state not kept: %+v", j2)
	}
	if err := s.Finish(j, "printed"); err != nil {
		t.Fatal(err)
	}
	if j3, _ := s.Next("a"); j3.Key != "t:3" {
		t.Fatalf("after t:1, next is %s", j3.Key)
	}
	// Across a restart: the printed key is remembered, the rest waits.
	s.Close()
	s = mustSpool(t, dir)
	if s.Pending("a") != 1 || s.Seq() != 8 {
		t.Fatalf("after reopen: pending %d, seq %d", s.Pending("a"), s.Seq())
	}
	if ok, _ := s.Add(&job{Key: "t:1", Printer: "a"}, 0); ok {
		t.Fatal("a printed ticket was spooled again after a restart")
	}
}
