package labtest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// LeavesForeignStreamsAlone runs a demo against a shared NATS at url (as
// NATS_URL) on which streams already exist under the demo's default names,
// each holding a few messages, and fails unless the demo ends HELD, leaves
// every one of them exactly as it was (config, messages, last sequence) and
// deletes whatever it created itself.
//
//	labtest.LeavesForeignStreamsAlone(t, url, backpressure.Command, []string{"BACKPRESSURE"}, "-messages=500")
func LeavesForeignStreamsAlone(t *testing.T, url string, cmd narrate.Command, streams []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	js := JetStream(t, url)
	type snapshot struct {
		cfg  jetstream.StreamConfig
		msgs uint64
		last uint64
	}
	before := map[string]snapshot{}
	for i, name := range streams {
		subject := fmt.Sprintf("foreign.%d.data", i)
		s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subject}, Description: "not the demo's"})
		if err != nil {
			t.Fatalf("pre-create %s: %v", name, err)
		}
		for range 3 {
			if _, err := js.Publish(ctx, subject, []byte("someone else's data")); err != nil {
				t.Fatalf("publish into %s: %v", name, err)
			}
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before[name] = snapshot{info.Config, info.State.Msgs, info.State.LastSeq}
	}
	existing := streamNames(ctx, t, js)

	t.Setenv(natsembed.EnvURL, url)
	var out, errOut bytes.Buffer
	code := narrate.Exec(ctx, args, &out, &errOut, cmd)
	if code != narrate.ExitHeld {
		t.Fatalf("the demo against a shared server must still hold; exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	for name, b := range before {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Errorf("the demo deleted the foreign stream %s: %v", name, err)
			continue
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs != b.msgs || info.State.LastSeq != b.last || info.Config.Description != b.cfg.Description ||
			!slices.Equal(info.Config.Subjects, b.cfg.Subjects) {
			t.Errorf("the demo changed the foreign stream %s: before %d msgs (last %d) on %v, after %d msgs (last %d) on %v",
				name, b.msgs, b.last, b.cfg.Subjects, info.State.Msgs, info.State.LastSeq, info.Config.Subjects)
		}
	}
	if after := streamNames(ctx, t, js); !slices.Equal(after, existing) {
		t.Errorf("the demo left streams behind on the shared server: before %v, after %v", existing, after)
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", out.String())
	}
}

func streamNames(ctx context.Context, t *testing.T, js jetstream.JetStream) []string {
	t.Helper()
	var names []string
	l := js.StreamNames(ctx)
	for n := range l.Name() {
		names = append(names, n)
	}
	if err := l.Err(); err != nil {
		t.Fatalf("list streams: %v", err)
	}
	slices.Sort(names)
	return names
}
