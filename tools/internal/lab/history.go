package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// ReadHistory reads a history file's events.
func ReadHistory(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var evs []Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for n := 1; sc.Scan(); n++ {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		evs = append(evs, e)
	}
	return evs, sc.Err()
}

// loadRun is a finished run read back from its file, to stream it.
func loadRun(id, path string) (*Run, error) {
	evs, err := ReadHistory(path)
	if err != nil {
		return nil, err
	}
	r := &Run{ID: id, File: path, events: evs, ended: true, changed: make(chan struct{}), offers: map[string]bool{}}
	return r, nil
}
