//go:build !windows

package main

import (
	"context"
	"errors"
)

// errNotWindows: elsewhere the agent is a systemd service.
var errNotWindows = errors.New("qcall agent service is for Windows; on Linux install docs/qcall-agent.service with systemd (docs/agent.md, \"Running as a service\")")

func runAsService(run func(ctx context.Context) error) (bool, error) { return false, nil }

func installService(config, logPath string) error { return errNotWindows }

func removeService() error { return errNotWindows }
