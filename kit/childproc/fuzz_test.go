package childproc

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fuzzSpec has the field kinds the modules' child specs use.
type fuzzSpec struct {
	Name    string
	Port    int
	URLs    []string
	Timeout time.Duration
	Labels  map[string]string
	Unsafe  struct{ NoIdempotency bool }
}

// A child decodes its spec from the environment, where anything may be.
// Whatever the text, the child exits 2 without serving when it is no spec,
// and otherwise serves exactly once with the spec it decodes to (which
// encodes back to the same spec) and exits with serve's result.
func FuzzServeChildSpec(f *testing.F) {
	good, _ := json.Marshal(fuzzSpec{Name: "worker-1", Port: 4222, URLs: []string{"nats://127.0.0.1:4222"}, Timeout: time.Second, Labels: map[string]string{"a": "b"}})
	f.Add(string(good))
	f.Add(`{"Port":"4222"}`)
	f.Add(`{"Timeout":1e400}`)
	f.Add(`null`)
	f.Add(`{"Name":"x"} trailing`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, raw string) {
		if raw == "" {
			return // ServeIfChild returns at once: not a child
		}
		served := 0
		var got fuzzSpec
		code := serveChild("PATTERNLAB_FUZZ_CHILD", raw, func(_ context.Context, s fuzzSpec, _ func()) error {
			served++
			got = s
			return nil
		})
		var want fuzzSpec
		if json.Unmarshal([]byte(raw), &want) != nil {
			if code != 2 || served != 0 {
				t.Fatalf("spec %q: exit %d after serving %d times", raw, code, served)
			}
			return
		}
		if code != 0 || served != 1 || !reflect.DeepEqual(got, want) {
			t.Fatalf("spec %q: exit %d, served %d times with %+v", raw, code, served, got)
		}
		data, err := json.Marshal(got)
		var back fuzzSpec
		if err != nil || json.Unmarshal(data, &back) != nil || !reflect.DeepEqual(back, got) {
			t.Fatalf("spec %+v does not round-trip: %s, %v", got, data, err)
		}
	})
}
