package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLowerPriority_EveryThread: every thread of a Go child process runs
// under the idle policy once lowered, not only the main one (which is all
// a policy or priority set for a process id reaches on Linux).
func TestLowerPriority_EveryThread(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := startBenchServer(ctx, testBin, []string{"--kind", "plain", "--data", t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	pid := srv.cmd.Process.Pid
	if err := lowerPriority(pid); err != nil {
		t.Fatal(err)
	}
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 2 {
		t.Fatalf("the child has %d thread(s); the test needs a Go process with several", len(tasks))
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", task.Name(), "stat"))
		if err != nil {
			t.Fatal(err)
		}
		// Fields after the command (in parentheses): state is field 3,
		// the policy 41.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if policy := f[41-3]; policy != strconv.Itoa(unix.SCHED_IDLE) {
			t.Errorf("thread %s of %d runs under policy %s, want SCHED_IDLE (%d)", task.Name(), len(tasks), policy, unix.SCHED_IDLE)
		}
	}
}
