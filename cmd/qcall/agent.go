package main

import (
	"context"
	"errors"
)

// runAgent is built by the device agent work (issue 4).
func runAgent(ctx context.Context, args []string) error { return errors.New("agent: not built yet") }

// runDevices is built by the device agent work (issue 4).
func runDevices(ctx context.Context, args []string) error { return errors.New("devices: not built yet") }

// runDevsim is built by the device agent work (issue 4).
func runDevsim(ctx context.Context, args []string) error { return errors.New("devsim: not built yet") }
