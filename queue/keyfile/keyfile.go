// Package keyfile keeps the day keys of citizen-ID hashes (queue.IDKeyring)
// in a small file of the data folder, outside the store and its backups.
//
// A citizen's ID number is stored only as a keyed hash, and the hall needs it
// only to count a person's tickets of the day (rules.person_daily_limit). Each
// business day gets a random key of its own; once the hall's retention
// (rules.id_hash_days) is past, the key is deleted from the file, and the
// hashes of that day left in the event log and in backups can no longer be
// tied to anyone: the events stay as they were written, but the key that made
// them meaningful is gone (crypto-shredding).
package keyfile

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Keyring is the day keys in one file: {"YYYY-MM-DD":"<64 hex digits>",…},
// written 0600, replaced whole (write, fsync, rename, fsync the folder).
type Keyring struct {
	path string

	mu   sync.Mutex        // guards keys and the file
	keys map[string][]byte // day → key
}

// Open reads the keyring at path, or starts an empty one when there is no
// file. A damaged file is an error that names it: the keys of the days in it
// cannot be recovered, and the hall should not silently start counting anew.
func Open(path string) (*Keyring, error) {
	k := &Keyring{path: path, keys: map[string][]byte{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("citizen ID keys: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("citizen ID keys %s are damaged (%v); move the file away to start with new keys (today's daily limits then count anew)", path, err)
	}
	for day, h := range m {
		key, err := hex.DecodeString(h)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("citizen ID keys %s: the key of %s is damaged; move the file away to start with new keys", path, day)
		}
		k.keys[day] = key
	}
	return k, nil
}

// DayKey returns the key of day, making one when there is none, after deleting
// the keys of the days before keepFrom (days compare as YYYY-MM-DD text). The
// file is written before a new key is returned, so that a key in use always
// survives a crash.
func (k *Keyring) DayKey(day, keepFrom string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	changed := false
	for d := range k.keys {
		if d < keepFrom {
			delete(k.keys, d)
			changed = true
		}
	}
	key, ok := k.keys[day]
	if !ok {
		key = make([]byte, 32)
		rand.Read(key)
		k.keys[day] = key
		changed = true
	}
	if changed {
		if err := k.write(); err != nil {
			if !ok {
				delete(k.keys, day)
			}
			return nil, err
		}
	}
	return key, nil
}

// Days lists the days whose keys the ring holds, oldest first.
func (k *Keyring) Days() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	days := make([]string, 0, len(k.keys))
	for d := range k.keys {
		days = append(days, d)
	}
	sort.Strings(days)
	return days
}

// write replaces the file with the keys.
func (k *Keyring) write() error {
	m := make(map[string]string, len(k.keys))
	for d, key := range k.keys {
		m[d] = hex.EncodeToString(key)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := k.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("citizen ID keys: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, k.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("citizen ID keys: %w", err)
	}
	if d, err := os.Open(filepath.Dir(k.path)); err == nil {
		d.Sync() // the rename, on disk; not every system syncs a folder
		d.Close()
	}
	return nil
}
