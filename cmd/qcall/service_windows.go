//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

// serviceName is the agent's Windows service.
const serviceName = "qcall-agent"

// runAsService runs the agent (run) under the Windows service control
// manager when the process was started as a service, until the manager stops
// it; false when it was started from a console.
func runAsService(run func(ctx context.Context) error) (bool, error) {
	is, err := svc.IsWindowsService()
	if err != nil || !is {
		return false, err
	}
	return true, svc.Run(serviceName, &agentService{run: run})
}

// agentService is the service's handler: it starts the agent, says it runs,
// and cancels it on Stop or Shutdown.
type agentService struct {
	run func(ctx context.Context) error
}

// Execute implements svc.Handler.
func (s *agentService) Execute(args []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	exit := func(err error) (bool, uint32) {
		if err != nil && !errors.Is(err, context.Canceled) {
			return false, 1
		}
		return false, 0
	}
	for {
		select {
		case err := <-done:
			return exit(err)
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending}
				cancel()
				return exit(<-done)
			}
		}
	}
}

// installService installs the agent as an automatic service that runs
// this executable with config, logging to logPath, restarted by Windows
// after a failure.
func installService(config, logPath string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if config, err = filepath.Abs(config); err != nil {
		return err
	}
	if logPath, err = filepath.Abs(logPath); err != nil {
		return err
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	if s, err := m.OpenService(serviceName); err == nil {
		s.Close()
		return fmt.Errorf("service %s is already installed; remove it first: qcall agent service remove", serviceName)
	}
	s, err := m.CreateService(serviceName, exe, mgr.Config{
		DisplayName: "qcall device agent",
		Description: "Drives the hall's ticket printers, LED bars, keypads and speakers (qcall agent).",
		StartType:   mgr.StartAutomatic,
	}, "agent", "--config", config, "--log", logPath)
	if err != nil {
		return fmt.Errorf("create service %s: %w", serviceName, err)
	}
	defer s.Close()
	return s.SetRecoveryActions([]mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
	}, uint32((24 * time.Hour).Seconds()))
}

// removeService stops and removes the agent's service.
func removeService() error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(serviceName)
	if err != nil {
		return fmt.Errorf("service %s is not installed", serviceName)
	}
	defer s.Close()
	s.Control(svc.Stop)
	return s.Delete()
}
