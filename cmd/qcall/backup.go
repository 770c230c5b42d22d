package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"qcall/queue/bolt"
)

// backupHeader carries the data folder's backup key: whoever can read the data
// folder may copy it, over HTTP too.
const backupHeader = "X-Qcall-Backup-Key"

// runBackup writes a consistent copy of the data file to FILE. With the hall
// stopped it copies the file itself; while the hall runs (the file is locked)
// it asks the running server, found through the data folder's server.addr.
func runBackup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("qcall backup", flag.ContinueOnError)
	data := fs.String("data", envDefault("DATA", "qcall-data"), "data folder (QCALL_DATA)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: qcall backup [--data DIR] FILE")
	}
	dst := fs.Arg(0)
	db, err := bolt.Open(filepath.Join(*data, "qcall.db"), bolt.LockTimeout(200*time.Millisecond))
	switch {
	case err == nil:
		defer db.Close()
		if err := db.BackupFile(dst); err != nil {
			return err
		}
		fmt.Printf("qcall: backup written to %s (hall not running)\n", dst)
		return nil
	case !errors.Is(err, bolt.ErrLocked):
		return err
	}
	addr, err := os.ReadFile(filepath.Join(*data, "server.addr"))
	if err != nil {
		return fmt.Errorf("the data file is in use but no running server is recorded: %w", err)
	}
	secret, err := loadSecret(*data)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+strings.TrimSpace(string(addr))+"/internal/backup", nil)
	if err != nil {
		return err
	}
	req.Header.Set(backupHeader, hex.EncodeToString(deriveKey(secret, "backup")))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running hall for a backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("the running hall refused the backup: %s %s", resp.Status, b)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".qcall-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, resp.Body); err != nil {
		tmp.Close()
		return fmt.Errorf("receive backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Check the copy opens as a qcall store before it replaces anything.
	check, err := bolt.Open(tmp.Name())
	if err != nil {
		return fmt.Errorf("the received backup does not open: %w", err)
	}
	check.Close()
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	fmt.Printf("qcall: backup written to %s (from the running hall)\n", dst)
	return nil
}
