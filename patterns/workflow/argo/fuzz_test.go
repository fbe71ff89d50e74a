package argo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Each Argo step reads the JSON lines the step before it left in the
// workflow's volume. Whatever a file holds, readJSONLines returns an error
// or the values in it, which written back one per line read the same.
func FuzzReadJSONLines(f *testing.F) {
	f.Add([]byte(`{"id":"line-000001","raw":"k,press-01,pressure,1772431200000,1,bar"}` + "\n" + `{"id":"line-000002","raw":""}` + "\n"))
	f.Add([]byte(`{"line_id":"line-000003","key":"k","machine":"m","metric":"temperature","ts":1772431200000,"value":21.5}`))
	f.Add([]byte(`{"id":"x"} {"id":"y"}`))
	f.Add([]byte(`{"id":1}`))
	f.Add([]byte(`{"id":"x"`))
	f.Add([]byte("null\n[]"))
	f.Add([]byte{})
	dir := f.TempDir() // each fuzz worker is a process of its own
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip[pipeline.Line](t, dir, data)
		roundTrip[pipeline.Cleaned](t, dir, data)
	})
}

func roundTrip[T any](t *testing.T, dir string, data []byte) {
	t.Helper()
	path := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	vs, err := readJSONLines[T](path)
	if err != nil {
		if vs != nil {
			t.Fatalf("an error and %d values: %v", len(vs), err)
		}
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			t.Fatalf("value %+v read from %q does not encode: %v", v, data, err)
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := readJSONLines[T](path)
	if err != nil || len(again) != len(vs) || (len(vs) > 0 && !reflect.DeepEqual(again, vs)) {
		t.Fatalf("%q read as %+v, written back and read as %+v (%v)", data, vs, again, err)
	}
}
