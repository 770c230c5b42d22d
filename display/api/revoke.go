package api

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Revocations are the staff sessions ended by a logout before they expire.
// Session tokens are stateless and outlive a restart (the secret is kept), so
// a logged-out token must stay refused across a restart too: the revocations
// are kept in a file, each written and fsynced before the logout is answered,
// and each forgotten once its token has expired.
//
// The file holds one line per revocation, "<token MAC> <expiry, unix
// seconds>": the MAC part of a token is unique to it, and worthless without
// the rest of it. A torn last line (a power cut while it was written; that
// logout was never answered) is ignored.
type Revocations struct {
	path string

	mu    sync.Mutex           // guards the fields below
	m     map[string]time.Time // token MAC → expiry
	f     *os.File             // the file, open for appending; nil in memory only
	onEnd []func(id string)    // told of each revocation (OnRevoke)
}

// OpenRevocations reads the revocations of path, drops those expired by now,
// and keeps the file open to add to. path "" keeps them in memory only (lost
// at a restart: for tests and tools).
func OpenRevocations(path string, now time.Time) (*Revocations, error) {
	r := &Revocations{path: path, m: map[string]time.Time{}}
	if path == "" {
		return r, nil
	}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("session revocations: %w", err)
	}
	var keep bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		id, exp, ok := strings.Cut(sc.Text(), " ")
		unix, err := strconv.ParseInt(exp, 10, 64)
		if !ok || err != nil || id == "" {
			continue
		}
		if t := time.Unix(unix, 0); now.Before(t) {
			r.m[id] = t
			fmt.Fprintf(&keep, "%s %d\n", id, unix)
		}
	}
	// Rewrite the file with what is still in force, then append to it.
	tmp := path + ".tmp"
	if err := writeSynced(tmp, keep.Bytes()); err != nil {
		return nil, fmt.Errorf("session revocations: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("session revocations: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // the rename; not possible on every system
		d.Close()
	}
	if r.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return nil, fmt.Errorf("session revocations: %w", err)
	}
	return r, nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Revoke records that the token with MAC id is ended, until exp. It returns
// once the record is on disk and those OnRevoke named have been told.
func (r *Revocations) Revoke(id string, exp time.Time, now time.Time) error {
	onEnd, err := r.revoke(id, exp, now)
	for _, fn := range onEnd {
		fn(id)
	}
	return err
}

// revoke records the revocation and returns whom to tell of it: nobody when
// it was recorded already (they were told then) or could not be.
func (r *Revocations) revoke(id string, exp time.Time, now time.Time) ([]func(string), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[id]; ok {
		return nil, nil
	}
	if r.f != nil {
		if _, err := fmt.Fprintf(r.f, "%s %d\n", id, exp.Unix()); err != nil {
			return nil, fmt.Errorf("session revocations: %w", err)
		}
		if err := r.f.Sync(); err != nil {
			return nil, fmt.Errorf("session revocations: %w", err)
		}
	}
	r.m[id] = exp
	if len(r.m)%256 == 0 {
		for k, t := range r.m {
			if !now.Before(t) {
				delete(r.m, k)
			}
		}
	}
	return r.onEnd, nil
}

// OnRevoke has fn called with the MAC of each token revoked from now on,
// once Revoked reports it, outside the lock (fn may call Revoked).
func (r *Revocations) OnRevoke(fn func(id string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onEnd = append(r.onEnd, fn)
}

// Revoked reports whether the token with MAC id was ended by a logout.
func (r *Revocations) Revoked(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.m[id]
	return ok
}

// Close closes the file.
func (r *Revocations) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
