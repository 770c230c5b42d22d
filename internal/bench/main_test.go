package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"qcall/display"
	"qcall/display/api"
	"qcall/queue"
	"qcall/queue/bolt"
)

// testBin is this test binary: started as "bench-clients", it is the clients'
// process of "bench display", as the qcall binary is for the command.
var testBin string

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "bench-clients" {
		if err := RunClients(context.Background(), os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "qcall:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if len(os.Args) > 1 && os.Args[1] == "bench-server" {
		// The server process of "bench calls".
		p := Program{StartHall: startTestHall, TuneRuntime: func() {}}
		if err := RunServer(context.Background(), os.Args[2:], p); err != nil {
			fmt.Fprintln(os.Stderr, "qcall:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	var err error
	if testBin, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// startTestHall starts a real demo hall in this process as qcall serve puts
// it together (bbolt in dir, the engine, the API and the hub on one mux, a
// server on 127.0.0.1:0), for the benchmark's qcall runs.
func startTestHall(ctx context.Context, dir string) (*Hall, error) {
	log := slog.New(slog.DiscardHandler)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	store, err := bolt.Open(filepath.Join(dir, "qcall.db"))
	if err != nil {
		return nil, err
	}
	eng, err := queue.Open(store, queue.Options{Config: queue.Demo(), Clock: queue.ClockFunc(time.Now), IDKey: []byte("bench-test"), Logger: log})
	if err != nil {
		store.Close()
		return nil, err
	}
	closeAll := func(more ...func() error) error {
		var errs []error
		for _, f := range more {
			errs = append(errs, f())
		}
		return errors.Join(append(errs, eng.Close(), store.Close())...)
	}
	cfg, err := eng.Config(ctx)
	if err != nil {
		return nil, errors.Join(err, closeAll())
	}
	a, err := api.New(api.Options{Engine: eng, Secret: []byte("bench-test-secret-0123456789"), DemoCredentials: true, Logger: log})
	if err != nil {
		return nil, errors.Join(err, closeAll())
	}
	hub, err := display.NewHub(display.HubOptions{Engine: eng, Authenticate: a.Authenticate, Logger: log})
	if err != nil {
		return nil, errors.Join(err, closeAll())
	}
	if err := hub.Start(context.Background()); err != nil {
		return nil, errors.Join(err, closeAll())
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", hub)
	mux.Handle("/", a)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(err, closeAll(hub.Close))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return &Hall{URL: "http://" + ln.Addr().String(), Config: cfg, Engine: eng, Close: func() error {
		return closeAll(func() error { return srv.Shutdown(context.Background()) }, hub.Close)
	}}, nil
}
