package labtest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// make check and every module's switch test read pattern.yaml. Whatever
// the file, ReadSwitches returns an error or the switches it lists, which
// written back as YAML read the same.
func FuzzReadSwitches(f *testing.F) {
	if data, err := os.ReadFile("testdata/pattern.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("switches:\n  - flag: -inbox=false\n    breaks: the consumer's idempotent inbox\n    evidence: processed twice\n"))
	f.Add([]byte("switches: {flag: x}\n"))
	f.Add([]byte("switches:\n  - &a {flag: -x, breaks: b, evidence: e}\n  - *a\n"))
	f.Add([]byte("name: x\nswitches:\n"))
	f.Add([]byte("\t"))
	dir := f.TempDir() // each fuzz worker is a process of its own
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "pattern.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		switches, err := ReadSwitches(path)
		if err != nil {
			return
		}
		out, err := yaml.Marshal(map[string][]Switch{"switches": switches})
		if err != nil {
			t.Fatalf("switches %+v do not encode: %v", switches, err)
		}
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		again, err := ReadSwitches(path)
		if err != nil || len(again) != len(switches) || (len(switches) > 0 && !reflect.DeepEqual(again, switches)) {
			t.Fatalf("%q read as %+v; written back as %q and read as %+v (%v)", data, switches, out, again, err)
		}
	})
}
