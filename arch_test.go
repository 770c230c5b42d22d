// The module's root holds no code, only this test of the package layout
// (README, "How it is built").
package qcall

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// deps returns the qcall packages pkgs depend on, themselves included, as
// go list -deps finds them for goos: what the program links, not the tests.
func deps(t *testing.T, goos string, pkgs ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)...)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s (%s): %v", strings.Join(pkgs, " "), goos, err)
	}
	var qcall []string
	for p := range strings.FieldsSeq(string(out)) {
		if p == "qcall" || strings.HasPrefix(p, "qcall/") {
			qcall = append(qcall, p)
		}
	}
	if len(qcall) == 0 {
		t.Fatalf("go list -deps %s found no qcall package", strings.Join(pkgs, " "))
	}
	return qcall
}

// TestArch_layout holds the layout the packages show: the HTTP side does not
// depend on the hardware side, and its three jobs are packages of their own
// that share only the one error answer (display/internal/answer) and the
// guards (display/guard): the JSON API (display/api) imports neither the
// realtime hub (display) nor the screens (display/static), and the screens
// import neither of the others; the drivers take what they print from their
// caller (nothing of qcall but internal packages), the reports' rollups
// depend on queue alone and queue not on them, and the simulator and the
// load commands stay out of the production agent and server.
func TestArch_layout(t *testing.T) {
	for _, goos := range []string{"linux", "windows"} {
		t.Run(goos, func(t *testing.T) {
			for _, p := range deps(t, goos, "./display/...") {
				if strings.HasPrefix(p, "qcall/devices/") {
					t.Errorf("display depends on %s", p)
				}
			}
			for pkg, banned := range map[string][]string{
				"./display/api":             {"qcall/display", "qcall/display/static"},
				"./display/static":          {"qcall/display", "qcall/display/api"},
				"./display/guard":           {"qcall/display", "qcall/display/api", "qcall/display/static"},
				"./display/internal/answer": {"qcall/display", "qcall/display/api", "qcall/display/static", "qcall/display/guard"},
				"./display":                 {"qcall/display/api", "qcall/display/static"},
			} {
				d := deps(t, goos, pkg)
				for _, b := range banned {
					if slices.Contains(d, b) {
						t.Errorf("%s depends on %s", pkg, b)
					}
				}
			}
			for _, driver := range []string{"escpos", "led", "keypad"} {
				self := "qcall/devices/" + driver
				for _, p := range deps(t, goos, "./devices/"+driver) {
					if p != self && !strings.HasPrefix(p, "qcall/internal/") && !strings.HasPrefix(p, "qcall/devices/internal/") {
						t.Errorf("%s depends on %s", self, p)
					}
				}
			}
			if d := deps(t, goos, "./devices/agent"); slices.Contains(d, "qcall/devices/devsim") {
				t.Error("the production agent depends on the simulator (devices/devsim)")
			}
			// The reports: queue never depends on them, and their rollups
			// (queue/report) only on queue; the XLSX writer is a package of
			// its own (queue/report/xlsx, with excelize).
			if d := deps(t, goos, "./queue"); slices.Contains(d, "qcall/queue/report") {
				t.Error("queue depends on its reports (queue/report)")
			}
			for _, p := range deps(t, goos, "./queue/report") {
				if p != "qcall/queue/report" && p != "qcall/queue" {
					t.Errorf("queue/report depends on %s", p)
				}
			}
			if d := deps(t, goos, "./display/...", "./queue/...", "./devices/agent"); slices.Contains(d, "qcall/internal/bench") {
				t.Error("the server or the agent depends on the load commands (internal/bench)")
			}
		})
	}
}
