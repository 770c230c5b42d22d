//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"qcall/devices/devsim"
)

// agNormalUser prepares running the agent as a user who is not root, as it
// runs in a hall: as root the test runs it as nobody (uid and gid 65534);
// as any other user, as that user. It returns the credential for the
// child (nil: the test's own), the uid that must own what the child opens,
// and a folder that user may read and write, with a copy of the qcall
// binary in it.
func agNormalUser(t *testing.T) (cred *syscall.Credential, uid int, dir, bin string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "qcall-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	uid = os.Getuid()
	if uid == 0 {
		cred, uid = &syscall.Credential{Uid: 65534, Gid: 65534}, 65534
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, -1); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "qcall")
	src, err := os.Open(qcallBin)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	// The child must really be another user than root: a test that cannot
	// make it so proves nothing, and says so.
	out, err := agUserCmd(cred, bin, "hash-password", "--help").CombinedOutput()
	if err != nil && strings.Contains(string(out), "permission denied") {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot run qcall as uid %d: %v %s", uid, err, out)
		}
		t.Skipf("cannot run qcall as uid %d: %v", uid, err)
	}
	return cred, uid, dir, bin
}

func agUserCmd(cred *syscall.Credential, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return cmd
}

// agStartUserChild starts `qcall agent` as the normal user.
func agStartUserChild(t *testing.T, cred *syscall.Credential, bin, config string) *agChild {
	t.Helper()
	c := &agChild{cmd: agUserCmd(cred, bin, "agent", "--config", config), out: &agLog{}}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("agent process (%s) output:\n%s", config, c.out.String())
		}
	})
	return c
}

// TestAgent_PortsAsNormalUser runs the agent as a user who is not root, at
// the normal log level, on a simulated printer:
//   - a port it may not open is logged as permission_denied with the
//     dialout hint, and one that is not there as no_such_port;
//   - an agent killed with SIGKILL does not leave the port locked: the next
//     agent opens it (the Sim clears the exclusive lock the dead agent left);
//   - a port another agent holds is logged as busy, with its hint.
func TestAgent_PortsAsNormalUser(t *testing.T) {
	t.Parallel()
	cred, uid, dir, bin := agNormalUser(t)
	sim, err := devsim.Open(devsim.Options{Devices: []devsim.Spec{{Kind: devsim.Printer, Name: "p"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	tty := sim.TTY("p")
	config := func(name, extra string) string {
		data := filepath.Join(dir, name+"-data")
		if err := os.Mkdir(data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(data, uid, -1); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".toml")
		text := fmt.Sprintf("server = \"http://127.0.0.1:1\"\ntoken = \"x\"\ndata = %q\n[reconnect]\nmin = \"50ms\"\nmax = \"200ms\"\n"+
			"[[printer]]\nname = \"p\"\nport = %q\nretry = \"100ms\"\npoll = \"200ms\"\n%s", data, tty, extra)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first, second := config("first", "[[keypad]]\nname = \"k\"\nport = \"/dev/ttyNOTHERE0\"\nwindow = 1\n"), config("second", "")

	// 1. The port belongs to root alone.
	if err := os.Chmod(tty, 0o600); err != nil {
		t.Fatal(err)
	}
	if uid != 65534 {
		if err := os.Chmod(tty, 0o000); err != nil {
			t.Fatal(err)
		}
	}
	c := agStartUserChild(t, cred, bin, first)
	agWaitFor(t, "permission_denied with its hint", func() bool {
		out := c.out.String()
		return strings.Contains(out, "level=WARN") && strings.Contains(out, "reason=permission_denied") && strings.Contains(out, "dialout")
	})
	agWaitFor(t, "no_such_port with its hint", func() bool {
		out := c.out.String()
		return strings.Contains(out, "reason=no_such_port") && strings.Contains(out, "qcall devices")
	})
	c.kill()

	// 2. The port is the user's (udev's dialout group, here its owner).
	if err := os.Chown(tty, uid, -1); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tty, 0o600); err != nil {
		t.Fatal(err)
	}
	c = agStartUserChild(t, cred, bin, first)
	agWaitFor(t, "the first agent to open the port", func() bool { return strings.Contains(c.out.String(), "agent: printer port open") })
	c.kill() // SIGKILL: the kernel closes the port, nobody clears TIOCEXCL

	// 3. The next agent opens it.
	c = agStartUserChild(t, cred, bin, first)
	agWaitFor(t, "the next agent to open the port after a kill -9", func() bool {
		return strings.Contains(c.out.String(), "agent: printer port open")
	})

	// 4. A second agent while the first holds it: busy.
	c2 := agStartUserChild(t, cred, bin, second)
	agWaitFor(t, "busy with its hint", func() bool {
		out := c2.out.String()
		return strings.Contains(out, "reason=busy") && strings.Contains(out, "被占用")
	})
	if strings.Contains(c2.out.String(), "agent: printer port open") {
		t.Fatal("two agents had the port at once")
	}
}
