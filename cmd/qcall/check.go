package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"qcall/queue/bolt"
)

// errCheckFailed is what `qcall check` exits with when it found damage: its
// report says what.
var errCheckFailed = errors.New("the data folder is damaged (see above)")

// runCheck verifies a stopped hall's data folder and prints what it found.
func runCheck(args []string) error {
	dir, err := dataFlag("qcall check", args)
	if err != nil {
		return err
	}
	rep, err := bolt.Check(filepath.Join(dir, "qcall.db"))
	if err != nil {
		return err
	}
	fmt.Println(rep)
	if !rep.OK {
		return errCheckFailed
	}
	return nil
}

// runRepair repairs a stopped hall's data folder after damage that stops the
// hall, and prints what it kept and what was lost.
func runRepair(args []string) error {
	dir, err := dataFlag("qcall repair", args)
	if err != nil {
		return err
	}
	rep, err := bolt.Repair(filepath.Join(dir, "qcall.db"), time.Now())
	fmt.Println(rep)
	return err
}

// dataFlag reads the one flag of check and repair, --data.
func dataFlag(name string, args []string) (string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	data := fs.String("data", envDefault("DATA", "qcall-data"), "data folder (QCALL_DATA)")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if _, err := os.Stat(filepath.Join(*data, "qcall.db")); err != nil {
		return "", fmt.Errorf("no hall data in %s: %w", *data, err)
	}
	return *data, nil
}
