package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"qcall/announce"
	"qcall/assets"
)

// qcallBin is the qcall binary built once for the tests that run it as a child
// process.
var qcallBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "qcall-bin-")
	if err != nil {
		panic(err)
	}
	qcallBin = filepath.Join(dir, "qcall")
	out, err := exec.Command("go", "build", "-o", qcallBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build qcall: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// child is a qcall server running as its own process.
type child struct {
	cmd *exec.Cmd
	url string
	out bytes.Buffer
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startChild starts qcall serve on dataDir at a free loopback port and waits
// until it says where it listens.
func startChild(t testing.TB, dataDir string, extra ...string) *child {
	t.Helper()
	return startChildCmd(t, exec.Command(qcallBin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, extra...)...))
}

// startChildCmd starts cmd, a qcall serve, and waits until it says where it
// listens.
func startChildCmd(t testing.TB, cmd *exec.Cmd) *child {
	t.Helper()
	c := &child{cmd: cmd}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			c.cmd.Wait()
			t.Fatalf("qcall exited before listening: %s", c.out.String())
		}
		c.url = u
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		t.Fatalf("qcall did not start within 30 s: %s", c.out.String())
	}
	return c
}

func (c *child) kill() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// api does one JSON request and decodes the answer into out (when not nil).
func api(t testing.TB, method, url, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, url, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %.300s: %v", method, url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

func login(t testing.TB, base, jobNo string) string {
	t.Helper()
	var r struct{ Token string }
	if code := api(t, "POST", base+"/api/login", "", map[string]string{"job_no": jobNo, "password": "demo"}, &r); code != 200 {
		t.Fatalf("login %s: %d", jobNo, code)
	}
	return r.Token
}

func TestMain_BadConfigRefusedWithLine(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hall.toml")
	example, err := os.ReadFile(filepath.Join("..", "..", "docs", "hall.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(example), `prefix = "C"`, `prefix = "c"`, 1)
	os.WriteFile(cfg, []byte(bad), 0o600)
	line := 1 + strings.Count(bad[:strings.Index(bad, `prefix = "c"`)], "\n")
	out, err := exec.Command(qcallBin, "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--config", cfg).CombinedOutput()
	if err == nil {
		t.Fatal("qcall started with a bad configuration")
	}
	if want := fmt.Sprintf("line %d: services[2].prefix", line); !strings.Contains(string(out), want) {
		t.Fatalf("output %q does not say %q", out, want)
	}
}

// TestMain_ExamplePlaceholdersOnPublicAddress: the example configuration
// starts on loopback, and on every interface it is refused at start, naming
// the line of its first placeholder token, before the data folder is made.
func TestMain_ExamplePlaceholdersOnPublicAddress(t *testing.T) {
	example := filepath.Join("..", "..", "docs", "hall.example.toml")
	text, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(string(text[:strings.Index(string(text), `token = "change-me-kiosk-1"`)]), "\n")
	data := filepath.Join(t.TempDir(), "data")
	out, err := exec.Command(qcallBin, "--addr", "0.0.0.0:0", "--data", data, "--config", example).CombinedOutput()
	if err == nil {
		t.Fatal("qcall served the example's placeholder tokens on every interface")
	}
	if want := fmt.Sprintf("line %d: devices[0].token", line); !strings.Contains(string(out), want) || !strings.Contains(string(out), "change-me-kiosk-1") {
		t.Fatalf("output %q does not say %q", out, want)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the refused start made the data folder: %v", err)
	}
	for addr, want := range map[string]bool{"127.0.0.1:0": true, "localhost:8080": true, "[::1]:0": true, "0.0.0.0:8080": false, ":8080": false, "192.0.2.10:80": false} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestMain_SecondServerFailsFast(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, dir)
	defer c.kill()
	start := time.Now()
	out, err := exec.Command(qcallBin, "--addr", "127.0.0.1:0", "--data", dir).CombinedOutput()
	if err == nil {
		t.Fatal("a second server started on the same data folder")
	}
	if !strings.Contains(string(out), "in use by another qcall") || time.Since(start) > 10*time.Second {
		t.Fatalf("after %v: %s", time.Since(start), out)
	}
	// The refused server left the running one's files alone: a backup,
	// which finds the server through server.addr and signs with the
	// secret, still works. (Before, the refused server removed server.addr.)
	if out, err := exec.Command(qcallBin, "backup", "--data", dir, filepath.Join(t.TempDir(), "b.db")).CombinedOutput(); err != nil {
		t.Fatalf("backup after a refused second server: %v\n%s", err, out)
	}
}

// Two servers started at once on a new data folder: one runs, and the secret
// on disk is the one it uses (before, it was read before the lock was taken,
// and the loser could write its own over it): a backup, signed with the
// secret on disk, is accepted by the running server.
func TestMain_TwoServersAtOnceOneSecret(t *testing.T) {
	for range 3 {
		dir := t.TempDir()
		cmds := make([]*exec.Cmd, 2)
		outs := make([]*bytes.Buffer, 2)
		for i := range cmds {
			outs[i] = &bytes.Buffer{}
			cmds[i] = exec.Command(qcallBin, "serve", "--addr", "127.0.0.1:0", "--data", dir)
			cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		exited := make(chan int, 2)
		for i, c := range cmds {
			go func() { c.Wait(); exited <- i }()
		}
		loser := <-exited // the refused one stops; the other serves until killed
		winner := cmds[1-loser]
		if !strings.Contains(outs[loser].String(), "in use by another qcall") {
			winner.Process.Kill()
			<-exited
			t.Fatalf("the first to stop did not say the folder is in use: %s", outs[loser])
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(dir, "server.addr")); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		out, err := exec.Command(qcallBin, "backup", "--data", dir, filepath.Join(t.TempDir(), "b.db")).CombinedOutput()
		winner.Process.Kill()
		<-exited
		if err != nil {
			t.Fatalf("backup with the secret on disk: %v\n%s", err, out)
		}
	}
}

// TestMain_BackupWhileRunning copies the data file through the running server,
// then checks the copy holds every ticket issued before it.
func TestMain_BackupWhileRunning(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, dir)
	defer c.kill()
	var ids []string
	for range 20 {
		var v struct{ ID string }
		if code := api(t, "POST", c.url+"/api/tickets", "demo-kiosk", map[string]string{"service": "pension"}, &v); code != 201 {
			t.Fatalf("issue: %d", code)
		}
		ids = append(ids, v.ID)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	out, err := exec.Command(qcallBin, "backup", "--data", dir, dst).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "from the running hall") {
		t.Fatalf("backup: %v %s", err, out)
	}
	c.kill()
	// Serve the copy and find every ticket in it.
	restored := t.TempDir()
	data, _ := os.ReadFile(dst)
	os.WriteFile(filepath.Join(restored, "qcall.db"), data, 0o600)
	secret, _ := os.ReadFile(filepath.Join(dir, "secret"))
	os.WriteFile(filepath.Join(restored, "secret"), secret, 0o600)
	c2 := startChild(t, restored)
	defer c2.kill()
	for _, id := range ids {
		var v struct{ Number string }
		if code := api(t, "GET", c2.url+"/api/tickets/"+id, "", nil, &v); code != 200 {
			t.Fatalf("ticket %s missing from the backup: %d", id, code)
		}
	}
	// Without the key the server refuses.
	if code := api(t, "GET", c2.url+"/internal/backup", "", nil, nil); code != 403 {
		t.Fatalf("backup without key: %d", code)
	}
}

// TestBench_IssueRuns runs the load command briefly, so that its code (a client
// process, three servers, the table) stays working; its figures are not
// checked here: speed is measured by running it, not by tests.
func TestBench_IssueRuns(t *testing.T) {
	out, err := exec.Command(qcallBin, "bench", "issue", "--duration", "400ms", "--rounds", "2", "--clients", "4").CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []string{"qcall (group commit, fsync)", "baseline a:", "baseline b:", "qcall / naive", "; rounds "} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestBench_YearRuns runs "qcall bench year" on a few days of a small hall, so
// that its code stays working; its figures are not checked (speed is
// measured by running it).
func TestBench_YearRuns(t *testing.T) {
	out, err := exec.Command(qcallBin, "bench", "year", "--tickets", "300", "--days", "3", "--windows", "10", "--data", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("bench year: %v\n%s", err, out)
	}
	for _, want := range []string{"built: ", "rollups rebuilt from the whole log", "restart: engine answering after", "stats year by staff", "xlsx: evaluation of the year", "slowest report: "} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestMain_StaffPhotos serves the staff photos from the data folder, and
// nothing else from there.
func TestMain_StaffPhotos(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "photos"), 0o700)
	png := []byte("\x89PNG\r\n\x1a\nfake")
	os.WriteFile(filepath.Join(dir, "photos", "1001.png"), png, 0o600)
	c := startChild(t, dir)
	defer c.kill()
	resp, err := http.Get(c.url + "/photos/1001.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != string(png) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("photo: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	for _, p := range []string{"/photos/..%2fsecret", "/photos/.hidden", "/photos/missing.png", "/photos/%2e%2e%2fqcall.db"} {
		resp, err := http.Get(c.url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestMain_HallRecordings: a clip in the data folder's voice/ replaces the
// shipped one in every announcement.
func TestMain_HallRecordings(t *testing.T) {
	duration := func(base string) time.Duration {
		t.Helper()
		resp, err := http.Get(base + "/api/voice/zh-CN/A001/1.wav")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		d, err := announce.Duration(b)
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("voice: %d %v", resp.StatusCode, err)
		}
		return d
	}
	shipped := startChild(t, t.TempDir())
	plain := duration(shipped.url)
	shipped.kill()

	dir := t.TempDir()
	// The hall's "chime" is the shipped 号窗口 clip: same format, other length.
	own, err := fs.ReadFile(assets.FS, "voice/zh-CN/window.wav")
	if err != nil {
		t.Fatal(err)
	}
	chime, _ := fs.ReadFile(assets.FS, "voice/zh-CN/chime.wav")
	os.MkdirAll(filepath.Join(dir, "voice", "zh-CN"), 0o700)
	os.WriteFile(filepath.Join(dir, "voice", "zh-CN", "chime.wav"), own, 0o600)
	c := startChild(t, dir)
	defer c.kill()
	got := duration(c.url)
	dOwn, _ := announce.Duration(own)
	dChime, _ := announce.Duration(chime)
	if want := plain - dChime + dOwn; got < want-5*time.Millisecond || got > want+5*time.Millisecond {
		t.Fatalf("with the hall's chime the call lasts %v, want %v", got, want)
	}
}

// The issue's reproduction, through the program: tickets issued, the server
// killed, one bit flipped in the middle of the log. The server refuses to
// start, naming the file and the byte; qcall check says the same; qcall
// repair keeps every intact ticket; the hall starts and gives no number twice.
func TestMain_DamagedLogRefusedThenRepaired(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, dir)
	var acked []issued
	for i := range 400 {
		var v issued
		if code := api(t, "POST", c.url+"/api/tickets", "demo-kiosk", map[string]string{"service": []string{"employment", "pension"}[i%2]}, &v); code != 201 {
			t.Fatalf("issue: %d", code)
		}
		acked = append(acked, v)
	}
	c.kill()
	walPath := filepath.Join(dir, "qcall.db.wal")
	wal, err := os.ReadFile(walPath)
	if err != nil {
		t.Fatal(err)
	}
	end := len(wal)
	for wal[end-1] == 0 {
		end--
	}
	off := 4096 + (end-4096)/2
	wal[off] ^= 0x04
	if err := os.WriteFile(walPath, wal, 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(qcallBin, "serve", "--addr", "127.0.0.1:0", "--data", dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "qcall.db.wal is damaged at byte") || !strings.Contains(string(out), "qcall repair") {
		t.Fatalf("the server started on a log damaged mid-way, or did not say so: %v\n%s", err, out)
	}
	if out, err := exec.Command(qcallBin, "check", "--data", dir).CombinedOutput(); err == nil || !strings.Contains(string(out), "DAMAGED") {
		t.Fatalf("qcall check of the damaged folder: %v\n%s", err, out)
	}
	out, err = exec.Command(qcallBin, "repair", "--data", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "lost") || !strings.Contains(string(out), "the hall can start") {
		t.Fatalf("qcall repair: %v\n%s", err, out)
	}
	t.Logf("qcall repair said:\n%s", out)
	if out, err := exec.Command(qcallBin, "check", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("qcall check after the repair: %v\n%s", err, out)
	}

	c = startChild(t, dir)
	defer c.kill()
	held := map[string]bool{}
	lost := 0
	for _, a := range acked {
		held[a.Number] = true
		var v issued
		if code := api(t, "GET", c.url+"/api/tickets/"+a.ID, "demo-kiosk", nil, &v); code != 200 {
			lost++
			continue
		}
		if v.Number != a.Number {
			t.Fatalf("ticket %s is %s after the repair, was %s", a.ID, v.Number, a.Number)
		}
	}
	if lost < 1 || lost > 2 {
		t.Fatalf("%d of %d tickets lost to one flipped bit; want the one or two in the damaged record", lost, len(acked))
	}
	for _, svc := range []string{"employment", "pension"} {
		var v issued
		if code := api(t, "POST", c.url+"/api/tickets", "demo-kiosk", map[string]string{"service": svc}, &v); code != 201 || held[v.Number] {
			t.Fatalf("after the repair: %d, number %s (held already: %v)", code, v.Number, held[v.Number])
		}
	}
}
