package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"qcall/assets"
	"qcall/devices/agent"
	"qcall/devices/devsim"
	"qcall/devices/escpos"
)

// runAgent runs the device agent: qcall agent --config agent.toml; and
// qcall agent service install|remove (Windows), qcall agent test.
func runAgent(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "service":
			return runAgentService(args[1:])
		case "test":
			return runAgentTest(ctx, args[1:])
		}
	}
	fs := flag.NewFlagSet("qcall agent", flag.ContinueOnError)
	path := fs.String("config", envDefault("AGENT_CONFIG", "agent.toml"), "agent configuration file (QCALL_AGENT_CONFIG); see docs/agent.md")
	verbose := fs.Bool("v", false, "log debug messages too")
	logPath := fs.String("log", "", "append the log to this file instead of standard error (a Windows service has no console)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	run := func(ctx context.Context) error {
		out := io.Writer(os.Stderr)
		if *logPath != "" {
			f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return err
			}
			defer f.Close()
			out = f
		}
		cfg, err := agent.LoadConfig(*path)
		if err != nil {
			fmt.Fprintln(out, "qcall:", err)
			return err
		}
		level := slog.LevelInfo
		if *verbose {
			level = slog.LevelDebug
		}
		log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
		a, err := agent.Open(cfg, agent.Options{Logger: log})
		if err != nil {
			log.Error("agent: cannot start", "err", err)
			return err
		}
		defer a.Close()
		if err := a.Run(ctx); !errors.Is(err, context.Canceled) {
			return err
		}
		log.Info("agent: stopped")
		return nil
	}
	if ok, err := runAsService(run); ok || err != nil {
		return err
	}
	return run(ctx)
}

// runAgentService installs or removes the agent's Windows service:
// qcall agent service install --config C:\qcall\agent.toml [--log FILE].
func runAgentService(args []string) error {
	if len(args) == 0 || (args[0] != "install" && args[0] != "remove") {
		return errors.New("usage: qcall agent service install --config agent.toml [--log agent.log] | qcall agent service remove")
	}
	fs := flag.NewFlagSet("qcall agent service "+args[0], flag.ContinueOnError)
	path := fs.String("config", "agent.toml", "the agent configuration the service runs with")
	logPath := fs.String("log", "", "the service's log file; default agent.log next to the configuration")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] == "remove" {
		return removeService()
	}
	if _, err := agent.LoadConfig(*path); err != nil {
		return err
	}
	if *logPath == "" {
		*logPath = filepath.Join(filepath.Dir(*path), "agent.log")
	}
	return installService(*path, *logPath)
}

// runDevices lists the serial ports: qcall devices [--probe PORT].
func runDevices(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall devices", flag.ContinueOnError)
	probe := fs.String("probe", "", "open this port as the agent would, say why it does not open, and show the bytes it sends")
	baud := fs.Int("baud", 9600, "the probed port's baud rate")
	listen := fs.Duration("listen", 10*time.Second, "how long to show the bytes a probed port sends")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lang := assets.Lang(os.Getenv("LANG"))
	if *probe != "" {
		return probePort(ctx, lang, *probe, *baud, *listen)
	}
	ports, err := agent.ListPorts()
	if err != nil {
		return err
	}
	listPorts(os.Stdout, lang, ports)
	return nil
}

func listPorts(w io.Writer, lang string, ports []agent.PortInfo) {
	if len(ports) == 0 {
		fmt.Fprintln(w, assets.T(lang, "agent.devices.none"))
		return
	}
	fmt.Fprintln(w, assets.T(lang, "agent.devices.count", len(ports)))
	for _, p := range ports {
		parts := []string{p.Name}
		if p.USB {
			parts = append(parts, assets.T(lang, "agent.devices.usb", p.VID, p.PID))
		}
		if p.SerialNumber != "" {
			parts = append(parts, assets.T(lang, "agent.devices.serial", p.SerialNumber))
		}
		if p.Product != "" {
			parts = append(parts, p.Product)
		}
		fmt.Fprintln(w, "  "+strings.Join(parts, "  "))
		for _, l := range p.Links {
			fmt.Fprintln(w, "      "+assets.T(lang, "agent.devices.link", l))
		}
		if p.Checked {
			fmt.Fprintln(w, "      "+assets.T(lang, "agent.devices.owner", p.Owner, p.Group, p.Mode))
			if !p.Access {
				fmt.Fprintln(w, "      "+assets.T(lang, "agent.devices.no_access", p.Group))
			}
		}
	}
}

// runDevsim opens virtual devices on pseudo-terminals and shows what they
// receive: qcall devsim [--windows 1,2] [--config agent.toml].
func runDevsim(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall devsim", flag.ContinueOnError)
	windows := fs.String("windows", "1,2", "windows that get an LED bar and a keypad")
	config := fs.String("config", "", "write an agent configuration for these devices to this file")
	server := fs.String("server", "http://127.0.0.1:8080", "the hall server, for the configuration written")
	token := fs.String("token", "demo-agent", "the agent's device token, for the configuration written")
	data := fs.String("data", "qcall-agent-data", "the agent's data folder, for the configuration written")
	links := fs.String("links", "", "make a link per device in this folder (the configuration then names the links)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ws []int
	for _, s := range strings.Split(*windows, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("--windows: want window numbers like 1,2, not %q", *windows)
		}
		ws = append(ws, n)
	}
	return playDevsim(ctx, os.Stdin, os.Stdout, assets.Lang(os.Getenv("LANG")), devsimOptions{windows: ws, config: *config,
		server: *server, token: *token, data: *data, links: *links})
}

type devsimOptions struct {
	windows                     []int
	config, server, token, data string
	links                       string
}

// playDevsim runs the simulator: it prints the devices, writes the
// configuration, then shows what the devices receive and turns the lines typed
// on in into key presses and printer faults, until ctx ends or "q".
func playDevsim(ctx context.Context, in io.Reader, out io.Writer, lang string, o devsimOptions) error {
	if o.links != "" {
		if err := os.MkdirAll(o.links, 0o755); err != nil {
			return err
		}
	}
	show := func(ev devsim.Event) {
		switch ev.Kind {
		case "ticket":
			fmt.Fprintln(out, assets.T(lang, "agent.devsim.ticket", ev.Device))
			for _, line := range strings.Split(strings.TrimRight(ev.Text, "\n"), "\n") {
				fmt.Fprintln(out, "   "+line)
			}
		case "led":
			fmt.Fprintln(out, assets.T(lang, "agent.devsim.shows", ev.Device, ev.Text))
		case "bytes":
			fmt.Fprintln(out, assets.T(lang, "agent.devsim.bytes", ev.Device, ev.Text))
		}
	}
	sim, err := devsim.Open(devsim.Options{Devices: devsim.Devices(o.windows), LinkDir: o.links, OnEvent: show})
	if err != nil {
		return err
	}
	defer func() {
		sim.Close()
		fmt.Fprintln(out, assets.T(lang, "agent.devsim.bye"))
	}()
	fmt.Fprintln(out, assets.T(lang, "agent.devsim.title"))
	for _, d := range sim.Devices() {
		var what string
		switch d.Kind {
		case devsim.Printer:
			ws := make([]string, len(d.Slips))
			for i, w := range d.Slips {
				ws[i] = strconv.Itoa(w)
			}
			what = assets.T(lang, "agent.devsim.printer") + "  " +
				assets.T(lang, "agent.devsim.kiosks", strings.Join(d.Kiosks, ", "), strings.Join(ws, ", "))
		case devsim.LED:
			what = assets.T(lang, "agent.devsim.led") + "  " + assets.T(lang, "agent.devsim.window", d.Window)
		case devsim.Keypad:
			what = assets.T(lang, "agent.devsim.keypad") + "  " + assets.T(lang, "agent.devsim.window", d.Window)
		}
		fmt.Fprintf(out, "  %-10s %-18s %s\n", d.Name, sim.Path(d.Name), what)
	}
	if o.config != "" {
		// A relative data folder is relative to the configuration file, as
		// the agent reads it.
		if err := sim.WriteConfig(o.config, o.server, o.token, o.data); err != nil {
			return err
		}
		fmt.Fprintln(out, assets.T(lang, "agent.devsim.config", o.config, o.config))
	}
	fmt.Fprintln(out, assets.T(lang, "agent.devsim.help", o.windows[0]))

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- strings.TrimSpace(sc.Text()):
			case <-ctx.Done():
				return
			}
		}
		// At the end of the input the devices keep running: a devsim started
		// in the background has no keyboard.
	}()
	printer := "printer-1"
	for {
		var line string
		select {
		case <-ctx.Done():
			return nil
		case line = <-lines:
		}
		if line == "" {
			continue
		}
		st := sim.Printer(printer)
		switch line {
		case "q", "quit", "exit":
			return nil
		case "p":
			st.PaperOut = !st.PaperOut
		case "n":
			st.PaperNearEnd = !st.PaperNearEnd
		case "c":
			st.CoverOpen = !st.CoverOpen
		case "o":
			st.Silent = !st.Silent
		default:
			window, key := o.windows[0], line
			if w, k, ok := strings.Cut(line, ":"); ok {
				n, err := strconv.Atoi(strings.TrimSpace(w))
				if err != nil || !slices.Contains(o.windows, n) {
					fmt.Fprintln(out, assets.T(lang, "agent.devsim.bad_input", line))
					continue
				}
				window, key = n, strings.TrimSpace(k)
			}
			score, err := strconv.Atoi(key)
			name := fmt.Sprintf("keypad-%d", window)
			if err != nil || sim.Press(name, score) != nil {
				fmt.Fprintln(out, assets.T(lang, "agent.devsim.bad_input", line))
				continue
			}
			fmt.Fprintln(out, assets.T(lang, "agent.devsim.pressed", name, score))
			continue
		}
		sim.SetPrinter(printer, st)
		text := printerText(lang, st)
		fmt.Fprintln(out, assets.T(lang, "agent.devsim.state", printer, text))
	}
}

// printerText says how the simulated printer answers now.
func printerText(lang string, st devsim.PrinterState) string {
	if st.Silent {
		return assets.T(lang, "agent.devsim.off")
	}
	return assets.T(lang, escpos.Status{Online: !st.CoverOpen && !st.PaperOut, PaperOut: st.PaperOut, PaperNearEnd: st.PaperNearEnd,
		CoverOpen: st.CoverOpen}.Key())
}
