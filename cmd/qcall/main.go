// Command qcall runs a service hall's queue-calling system: with no arguments
// (or "serve") the hall server, a demo hall on an embedded bbolt file when no
// configuration is given; "backup" copies the data file while the hall runs;
// "bench" measures it; "hash-password" makes a password hash for the
// configuration file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	_ "time/tzdata" // halls on Windows PCs have no zoneinfo of their own

	"qcall/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "qcall:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		m := NewMain()
		if err := m.ParseFlags(args); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			m.Close()
			return err
		}
		<-ctx.Done()
		fmt.Fprintln(m.Stdout, "qcall: stopping")
		return m.Close()
	case "backup":
		return runBackup(ctx, args)
	case "check":
		return runCheck(args)
	case "repair":
		return runRepair(args)
	case "bench":
		return bench.Run(ctx, args, benchProgram)
	case "hash-password":
		return runHashPassword(args)
	case "agent":
		return runAgent(ctx, args)
	case "devices":
		return runDevices(ctx, args)
	case "devsim":
		return runDevsim(ctx, args)
	case "bench-server":
		// A server of "bench issue", in a process of its own.
		return bench.RunServer(ctx, args, benchProgram)
	case "bench-issue-client":
		// The HTTP clients of "bench issue", in a process of their own.
		return bench.RunIssueClient(ctx, args)
	case "bench-clients":
		// The websocket clients of "bench display", in a process of their own.
		return bench.RunClients(ctx, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  qcall [serve] [--addr 127.0.0.1:8080] [--data ./qcall-data] [--config hall.toml]
        starts the hall (the demo hall without --config)
  qcall backup [--data ./qcall-data] FILE
        writes a consistent copy of the hall's data file, also while it runs
  qcall check [--data ./qcall-data]
        verifies a stopped hall's data folder: the data file, every event, the log
  qcall repair [--data ./qcall-data]
        after damage that stops the hall: keeps every intact event, reports what was lost
  qcall bench issue [--duration 10s] [--rounds 5] [--clients 64]
        measures ticket issuing over HTTP against two baselines
  qcall bench display [--clients 1000,10000]
        measures call-to-screen latency over websockets against a plain broadcast
  qcall bench year [--tickets 500000] [--days 250] [--windows 40] [--data DIR]
        builds a year of a big hall through the engine and times every report, the XLSX and the restart
  qcall hash-password
        reads a password and prints its bcrypt hash for the configuration file
  qcall agent --config agent.toml
        drives the hall's printers, LED window displays, keypads and speakers
  qcall agent test --config agent.toml [--printer NAME]
        prints a test ticket on each printer (the agent stopped)
  qcall devices
        lists the serial ports this machine can see
  qcall devsim
        opens virtual serial devices and shows what they receive
Every flag can also be set as QCALL_<NAME> in the environment (QCALL_ADDR, ...).
`

// envInt returns the environment's QCALL_<NAME> as a number, or def.
func envInt(name string, def int) (int, error) {
	v := os.Getenv("QCALL_" + name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("QCALL_%s=%q is not a number", name, v)
	}
	return n, nil
}

// envDefault returns the environment's QCALL_<NAME> or def.
func envDefault(name, def string) string {
	if v := os.Getenv("QCALL_" + name); v != "" {
		return v
	}
	return def
}
