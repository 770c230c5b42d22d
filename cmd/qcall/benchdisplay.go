package main

import (
	"context"
	"errors"
)

// runBenchDisplay is built by the realtime benchmark work (issue 3).
func runBenchDisplay(ctx context.Context, args []string) error {
	return errors.New("bench display: not built yet")
}

// runBenchClients is built by the realtime benchmark work (issue 3).
func runBenchClients(ctx context.Context, args []string) error {
	return errors.New("bench-clients: not built yet")
}
