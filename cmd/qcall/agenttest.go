package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"qcall/devices/agent"
)

// runAgentTest is the technician's test of the bars and keypads:
// qcall agent test --config agent.toml [--listen 30s].
func runAgentTest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall agent test", flag.ContinueOnError)
	path := fs.String("config", envDefault("AGENT_CONFIG", "agent.toml"), "agent configuration file")
	listen := fs.Duration("listen", 30*time.Second, "how long to show what the keypads send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := agent.LoadConfig(*path)
	if err != nil {
		return err
	}
	return agent.CheckDevices(ctx, cfg, *listen, os.Stdout)
}

// probePort opens one port as the agent would and shows what comes from it:
// qcall devices --probe /dev/ttyUSB0 [--baud 9600] [--listen 10s].
func probePort(ctx context.Context, lang, path string, baud int, listen time.Duration) error {
	if err := agent.Probe(ctx, agent.PortConfig{Port: path, Baud: baud}, lang, listen, os.Stdout); err != nil {
		return fmt.Errorf("probe %s: %w", path, err)
	}
	return nil
}
