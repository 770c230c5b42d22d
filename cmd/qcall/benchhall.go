package main

import (
	"context"
	"io"
	"log/slog"

	"qcall/internal/bench"
)

// benchProgram is what the load commands (internal/bench) need of this
// program: a hall started as serve starts it, and serve's runtime settings.
var benchProgram = bench.Program{StartHall: startBenchHall, TuneRuntime: setGCPercent}

// startBenchHall starts a fresh demo hall in this process, on a free loopback
// port, with its data in dir and nothing printed or logged.
func startBenchHall(ctx context.Context, dir string) (*bench.Hall, error) {
	m := NewMain()
	m.Addr, m.DataDir, m.Stdout = "127.0.0.1:0", dir, io.Discard
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return &bench.Hall{URL: m.URL, Config: m.Config, Engine: m.Engine, Close: m.Close}, nil
}
