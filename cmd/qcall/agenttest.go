package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"qcall/assets"
	"qcall/devices/agent"
)

// runAgentTest is the technician's test of an agent's devices while the agent
// is stopped: qcall agent test --config agent.toml [--printer NAME] [--listen
// 30s]. It prints a test ticket on each printer (or the one named), lights
// each LED bar with its name and address, and then, for --listen, shows the
// bytes each keypad sends.
func runAgentTest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall agent test", flag.ContinueOnError)
	path := fs.String("config", envDefault("AGENT_CONFIG", "agent.toml"), "agent configuration file (QCALL_AGENT_CONFIG)")
	printer := fs.String("printer", "", "test this printer only (no bars, no keypads)")
	listen := fs.Duration("listen", 30*time.Second, "how long to show what the keypads send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := agent.LoadConfig(*path)
	if err != nil {
		return err
	}
	var perr error
	if len(cfg.Printers) > 0 || *printer != "" {
		perr = agentTestPrinters(ctx, os.Stdout, cfg, *printer)
		if *printer != "" {
			return perr
		}
	}
	return errors.Join(perr, agent.CheckDevices(ctx, cfg, *listen, os.Stdout))
}

// agentTestPrinters prints a test ticket on each printer of cfg, or on the
// one named, telling out how each went; an error if one did not print.
func agentTestPrinters(ctx context.Context, out io.Writer, cfg *agent.Config, only string) error {
	a, err := agent.Open(cfg, agent.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer a.Close()
	names := a.PrinterNames()
	if only != "" {
		names = []string{only}
	}
	failed := 0
	for _, name := range names {
		if err := a.TestPrint(ctx, name); err != nil {
			failed++
			fmt.Fprintln(out, assets.T(cfg.Lang, "agent.test.failed", name, err))
			continue
		}
		fmt.Fprintln(out, assets.T(cfg.Lang, "agent.test.printed", name))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d printers did not print", failed, len(names))
	}
	return nil
}

// probePort opens one port as the agent would and shows what comes from it:
// qcall devices --probe /dev/ttyUSB0 [--baud 9600] [--listen 10s].
func probePort(ctx context.Context, lang, path string, baud int, listen time.Duration) error {
	if err := agent.Probe(ctx, agent.PortConfig{Port: path, Baud: baud}, lang, listen, os.Stdout); err != nil {
		return fmt.Errorf("probe %s: %w", path, err)
	}
	return nil
}
