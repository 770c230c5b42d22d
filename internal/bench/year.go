package bench

// "qcall bench year": a year of a big hall built through the engine, then
// the reports read from it, timed.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"qcall/internal/cputime"

	"qcall/queue"
	"qcall/queue/bolt"
	"qcall/queue/report"
	"qcall/queue/report/xlsx"
)

// yearOptions are the flags of "qcall bench year".
type yearOptions struct {
	tickets, days, windows int
	dir                    string
	fullRebuild            bool
}

// runBenchYear builds a year of a big hall through the engine (on a manual
// clock, business days Monday to Friday from 2026-01-05, 08:30 to 17:00),
// then measures the restart and every report of the year and of its months.
func runBenchYear(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("qcall bench year", flag.ContinueOnError)
	var o yearOptions
	fs.IntVar(&o.tickets, "tickets", 500000, "tickets issued in the year")
	fs.IntVar(&o.days, "days", 250, "business days")
	fs.IntVar(&o.windows, "windows", 40, "windows (each with its own staff member)")
	fs.BoolVar(&o.fullRebuild, "full-rebuild", true, "also time the rollups rebuilt from the whole log, without their snapshot")
	fs.StringVar(&o.dir, "data", "", "data folder to build the year in (default: a temporary one, removed after); one that holds a year already is measured again, not rebuilt")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.tickets < o.days || o.days < 1 || o.windows < 10 {
		return errors.New("bench year: at least a ticket a day, a day and 10 windows (the demo hall's)")
	}
	if o.dir == "" {
		d, err := os.MkdirTemp("", "qcall-bench-year-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.dir = d
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(o.dir, "qcall.db")
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(out, "measuring the year already built in %s\n", o.dir)
	} else {
		fmt.Fprintf(out, "building %d tickets over %d business days at %d windows in %s …\n", o.tickets, o.days, o.windows, o.dir)
		start := time.Now()
		events, err := buildYear(ctx, path, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "built: %d events in %s\n", events, time.Since(start).Round(time.Second))
	}

	// The rollups rebuilt from the whole log (a hall upgraded to reports, or
	// a snapshot lost), which writes their snapshot as they close.
	snap := filepath.Join(o.dir, "reports.snap")
	if _, err := os.Stat(snap); o.fullRebuild || err != nil {
		os.Remove(snap)
		full, err := openYear(ctx, path, snap, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "rollups rebuilt from the whole log in %s\n", full.Round(time.Millisecond))
	}

	// The restart: the store, the engine's state, then the rollups from
	// their snapshot.
	t0 := time.Now()
	store, err := bolt.Open(path)
	if err != nil {
		return err
	}
	defer store.Close()
	clock := queue.NewManualClock(yearDay(o.days).Add(18 * time.Hour))
	eng, err := queue.Open(store, queue.Options{Clock: clock})
	if err != nil {
		return err
	}
	defer eng.Close()
	engineUp := time.Since(t0)
	rep, err := report.Open(ctx, eng, report.Options{Snapshot: snap})
	if err != nil {
		return err
	}
	defer rep.Close()
	if err := waitReports(ctx, rep); err != nil {
		return err
	}
	reportsUp := time.Since(t0)
	fmt.Fprintf(out, "restart: engine answering after %s, reports ready (from their snapshot) after %s\n", engineUp.Round(time.Millisecond), reportsUp.Round(time.Millisecond))

	year, _ := report.YearPeriod(fmt.Sprint(yearDay(0).Year()))
	month, _ := report.MonthPeriod(yearDay(0).Format("2006-01"))
	var slowest time.Duration
	var slowestName string
	// Each is timed on the wall clock and in the process's CPU time: on a
	// machine others share, the CPU time is what the report costs.
	var slowestCPU time.Duration
	timeIt := func(name string, fn func()) time.Duration {
		runtime.GC()
		c, t := cputime.Process(), time.Now()
		fn()
		d, cpu := time.Since(t), cputime.Process()-c
		fmt.Fprintf(out, "  %-34s %9s  cpu %9s\n", name, d.Round(100*time.Microsecond), cpu.Round(100*time.Microsecond))
		if d > slowest {
			slowest, slowestName = d, name
		}
		slowestCPU = max(slowestCPU, cpu)
		return d
	}
	t := func(k string) string { return k }
	fmt.Fprintln(out, "reports (wall, process CPU):")
	for _, p := range []struct {
		name string
		p    report.Period
	}{{"year", year}, {"month", month}} {
		for _, by := range []report.By{report.ByDay, report.ByWeek, report.ByMonth, report.ByHour, report.ByService, report.ByWindow, report.ByStaff} {
			timeIt(fmt.Sprintf("stats %s by %s", p.name, by), func() { rep.Stats(p.p, by, "") })
		}
		timeIt("evaluation "+p.name, func() { rep.Evaluation(p.p, "") })
		timeIt("ratings feed (JSON lines) "+p.name, func() { _ = rep.Ratings(p.p, "").WriteJSONL(io.Discard, t) })
	}
	timeIt("ratings feed (CSV) year", func() { _ = rep.Ratings(year, "").WriteCSV(io.Discard, t) })
	var xlsxTime time.Duration
	xlsxTime += timeIt("xlsx: stats of the year by day", func() {
		_ = xlsx.Write(io.Discard, rep.Stats(year, report.ByDay, "").Table(t))
	})
	xlsxTime = max(xlsxTime, timeIt("xlsx: evaluation of the year", func() {
		_ = xlsx.Write(io.Discard, rep.Evaluation(year, "").Tables(t, false)...)
	}))
	fmt.Fprintf(out, "most CPU of one report: %s\n", slowestCPU.Round(100*time.Microsecond))
	fmt.Fprintf(out, "slowest report: %s (%s; limit 300ms) · slowest XLSX of the year: %s (limit 3s) · restart: %s (limit 3s), reports %s\n",
		slowestName, slowest.Round(100*time.Microsecond), xlsxTime.Round(time.Millisecond), engineUp.Round(time.Millisecond), reportsUp.Round(time.Millisecond))
	return nil
}

// openYear opens the year's store, engine and rollups, waits for the
// rollups and closes it all, returning how long the rollups took to be
// ready.
func openYear(ctx context.Context, path, snap string, o yearOptions) (time.Duration, error) {
	store, err := bolt.Open(path)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	eng, err := queue.Open(store, queue.Options{Clock: queue.NewManualClock(yearDay(o.days).Add(18 * time.Hour))})
	if err != nil {
		return 0, err
	}
	defer eng.Close()
	t0 := time.Now()
	rep, err := report.Open(ctx, eng, report.Options{Snapshot: snap})
	if err != nil {
		return 0, err
	}
	err = waitReports(ctx, rep)
	d := time.Since(t0)
	return d, errors.Join(err, rep.Close())
}

// waitReports waits until the rollups are ready, at most 10 minutes.
func waitReports(ctx context.Context, rep *report.Rollups) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for {
		if err := rep.Current(ctx); !errors.Is(err, queue.ErrReportsLoading) || ctx.Err() != nil {
			return err
		}
	}
}

// yearDay is the date of business day i (0 the first), Monday to Friday
// from Monday 2026-01-05, at 00:00 in the hall's time.
func yearDay(i int) time.Time {
	d := time.Date(2026, 1, 5, 0, 0, 0, 0, cst)
	return d.AddDate(0, 0, i/5*7+i%5)
}

var cst = time.FixedZone("CST", 8*3600)

// bigHall is the demo hall's services with n windows and a staff member for
// each, the windows shared among the services as the demo shares its ten.
func bigHall(n int) *queue.Config {
	cfg := queue.Demo()
	cfg.Demo = false
	base := cfg.Windows
	cfg.Windows = nil
	var staff []queue.Staff
	for _, s := range cfg.Staff {
		if s.Role != queue.RoleStaff {
			staff = append(staff, s)
		}
	}
	hash := cfg.Staff[0].PasswordHash
	for i := 1; i <= n; i++ {
		w := base[(i-1)%len(base)]
		w.ID, w.Name, w.NameEn = i, fmt.Sprintf("%d号窗口", i), fmt.Sprintf("Window %d", i)
		cfg.Windows = append(cfg.Windows, w)
		staff = append(staff, queue.Staff{JobNo: fmt.Sprint(2000 + i), Name: fmt.Sprintf("员工%d", i), Role: queue.RoleStaff,
			PostsA: []int{i}, PasswordHash: hash})
	}
	cfg.Staff = staff
	for i := range cfg.Services {
		cfg.Services[i].Backup = queue.Backup{} // no backup windows: each window keeps its own services
	}
	return cfg
}

// buildYear runs the year through the engine: each business day, in slots
// of equal length, the slot's tickets are issued at once and each window
// finishes its ticket (5% do not come), has it rated (80% are) and calls
// the next, all windows at once so that each step is one group commit.
func buildYear(ctx context.Context, path string, o yearOptions) (uint64, error) {
	store, err := bolt.Open(path)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	cfg := bigHall(o.windows)
	clock := queue.NewManualClock(yearDay(0).Add(8 * time.Hour))
	eng, err := queue.Open(store, queue.Options{Config: cfg, Clock: clock})
	if err != nil {
		return 0, err
	}
	defer eng.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	// Tickets go to the services in proportion to the windows serving them.
	var pick []string
	for _, w := range cfg.Windows {
		pick = append(pick, w.ServicesA[0])
	}
	perDay := o.tickets / o.days
	slots := max(perDay/o.windows, 1) + 2
	slotLen := 510 * time.Minute / time.Duration(slots)
	for _, w := range cfg.Windows {
		if _, err := eng.SignIn(ctx, fmt.Sprint(2000+w.ID), w.ID); err != nil {
			return 0, err
		}
	}
	issued := 0
	for day := 0; day < o.days; day++ {
		want := o.tickets*(day+1)/o.days - issued
		now := yearDay(day).Add(8*time.Hour + 30*time.Minute)
		clock.Set(now)
		if err := eng.Tick(ctx); err != nil { // the day opens
			return 0, err
		}
		if day > 0 {
			for _, w := range cfg.Windows { // the day's roll-over signed them out
				if _, err := eng.SignIn(ctx, fmt.Sprint(2000+w.ID), w.ID); err != nil {
					return 0, err
				}
			}
		}
		busy := make([]bool, o.windows+1)
		for slot := 0; ; slot++ {
			n := 0
			if slot < slots-2 {
				n = want / (slots - 2)
				if slot < want%(slots-2) {
					n++
				}
			}
			rolls := make([]uint64, o.windows+1)
			for i := range rolls {
				rolls[i] = rng.Uint64()
			}
			services := make([]string, n)
			for i := range services {
				services[i] = pick[rng.IntN(len(pick))]
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var firstErr error
			fail := func(err error) {
				mu.Lock()
				firstErr = cmpErr(firstErr, err)
				mu.Unlock()
			}
			for _, svc := range services {
				wg.Go(func() {
					if _, err := eng.IssueTicket(ctx, "kiosk-1", queue.IssueRequest{Service: svc, Channel: "kiosk"}); err != nil {
						fail(err)
					}
				})
			}
			wg.Wait()
			issued += n
			clock.Set(now.Add(slotLen / 2))
			anyBusy := false
			for id := 1; id <= o.windows; id++ {
				wg.Go(func() {
					staff, r := fmt.Sprint(2000+id), rolls[id]
					if busy[id] {
						if r%20 == 0 {
							if _, err := eng.NoShow(ctx, staff, id); err != nil {
								fail(err)
							}
						} else {
							if _, err := eng.Finish(ctx, staff, id, queue.FinishOptions{}); err != nil {
								fail(err)
							}
							if r/20%10 < 8 {
								score := []int{5, 5, 4, 4, 4, 3, 3, 2, 1, 5}[r/200%10]
								reason := ""
								if score <= 2 {
									reason = "efficiency"
								}
								if _, err := eng.Rate(ctx, "evaluator", id, score, reason); err != nil {
									fail(err)
								}
							}
						}
					}
					_, err := eng.CallNext(ctx, staff, id)
					mu.Lock()
					busy[id] = err == nil
					anyBusy = anyBusy || busy[id]
					mu.Unlock()
					if err != nil && !errors.Is(err, queue.ErrQueueEmpty) {
						fail(err)
					}
				})
			}
			wg.Wait()
			if firstErr != nil {
				return 0, fmt.Errorf("day %d slot %d: %w", day, slot, firstErr)
			}
			now = now.Add(slotLen)
			clock.Set(now)
			if slot >= slots-2 && !anyBusy {
				break
			}
		}
	}
	return eng.Seq(ctx)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
