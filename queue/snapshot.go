package queue

import "encoding/json"

// encodeState is the snapshot of s (Snapshot.State).
func encodeState(s *State) ([]byte, error) { return json.Marshal(s) }

// decodeState reads a snapshot written by encodeState.
func decodeState(b []byte) (*State, error) {
	s := &State{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, err
	}
	s.init()
	return s, nil
}
