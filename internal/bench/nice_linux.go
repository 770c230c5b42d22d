package bench

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// lowerPriority gives process pid the lowest CPU priority, so that on a
// machine with few cores it runs on time the others leave: the screens it
// plays stand for browsers on machines of their own. On Linux that is the
// idle policy (SCHED_IDLE): the process runs only on a CPU nothing else
// wants, and gives it up at once when the server or the clerk wakes. Nice 19
// alone does not: a kernel with the EEVDF scheduler lets the niced thread
// finish its time slice first, up to a few milliseconds.
//
// A policy belongs to a thread, and a Go program has several by then
// (sysmon, the Ms that run its goroutines). So every thread is set, and
// again while new ones turn up, since a thread started meanwhile by one not
// yet set would not inherit it; those started later do.
func lowerPriority(pid int) error {
	idle := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_IDLE, Nice: 19}
	set := map[int]bool{}
	for {
		tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		if err != nil {
			return err
		}
		added := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || set[tid] {
				continue
			}
			if err := unix.SchedSetAttr(tid, &idle, 0); err != nil && err != unix.ESRCH {
				return err // ESRCH: the thread has ended
			}
			set[tid], added = true, true
		}
		if !added {
			return nil
		}
	}
}
