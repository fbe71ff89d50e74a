package ledger

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A service's ledger file is read back at start. Whatever the file holds,
// Open returns an error or a ledger whose every entry has a key of the
// form saga/step, and which, persisted and opened again, reads the same.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(`{"service":"inventory","entries":{"order-1/reserve":{"effect":"applied","applied":1,"attempts":1,"item":"lamp","units":2}},"counters":{"available/lamp":998,"reserved/lamp":2}}`))
	f.Add([]byte(`{"service":"payment","entries":{"a/b/charge":{"effect":"declined","attempts":3,"reason":"card declined"}},"counters":null}`))
	f.Add([]byte(`{"entries":{"no-step/":{}}}`))
	f.Add([]byte(`{"entries":{"/x":{}}}`))
	f.Add([]byte(`{"counters":{"available/lamp":"many"}}`))
	f.Add([]byte(`null`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "ledger.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Open("inventory", Options{Path: path})
		if err != nil {
			if l != nil {
				t.Fatalf("an error and a ledger: %v", err)
			}
			return
		}
		s := l.Snapshot()
		for ks := range s.Entries {
			k, err := ParseKey(ks)
			if err != nil || k.String() != ks || k.Saga == "" || k.Step == "" {
				t.Fatalf("file %q: entry key %q reads as %+v, %v", data, ks, k, err)
			}
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		path2 := filepath.Join(dir, "again.json")
		if err := os.WriteFile(path2, again, 0o600); err != nil {
			t.Fatal(err)
		}
		l2, err := Open("inventory", Options{Path: path2})
		if err != nil {
			t.Fatalf("the ledger read from %q does not open again: %v", data, err)
		}
		if back, _ := json.Marshal(l2.Snapshot()); string(back) != string(again) {
			t.Fatalf("round trip of %q:\n%s\n%s", data, again, back)
		}
	})
}
