//go:build integration

package cqrs

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	khistory "github.com/patternlab/patternlab/kit/history"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// TestIntegrationHistoryUnderFaults checks the event store's history on an
// R3 stream (file storage) in a three-node cluster in containers while the
// test kills the stream's leader (SIGKILL, then starts it again), pauses the
// next leader (docker pause) and cuts the one after that off the cluster's
// network (docker network disconnect, then connect). Four clients race
// load-then-append throughout; a call that times out is recorded with an
// unknown outcome, and settled from the log afterwards. Porcupine must find
// the history linearizable, loads included. Then, on the same cluster, the
// store without its expected-version check must be caught (an expected
// failure).
//
// Fault: kill-9 | target: the R3 stream's leader node (SIGKILL, then started again) | invariant: the history of loads and appends is linearizable, loads included (Porcupine)
// Fault: pause | target: the next leader node (docker pause, then unpause) | invariant: the history of loads and appends is linearizable, loads included (Porcupine)
// Fault: partition | target: the leader after that, cut off the cluster's network (docker network disconnect, then connect) | invariant: the history of loads and appends is linearizable, loads included (Porcupine)
func TestIntegrationHistoryUnderFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	c := startCluster(t, ctx)

	t.Run("leader killed, node paused, node partitioned", func(t *testing.T) {
		l := Log{Stream: "LEDGER", Prefix: "ledger", Replicas: 3, Duplicates: 2 * time.Minute}
		stores := c.storesR3(t, ctx, l, 4)
		js := stores[0].js
		rec := runHistory(t, ctx, stores, raceWorkload{rounds: 60, aggregates: 4, timeout: 2 * time.Second,
			during: func(ctx context.Context) { c.faults(t, ctx, js, l.Stream) }})
		total, lost := rec.Len()
		t.Logf("%d operations recorded, %d with unknown outcome", total, lost)
		ops := resolveLost(t, ctx, stores[0], rec.Operations())
		// Appends linearizable, every load sees every append acknowledged
		// before it began, and every error but ErrAppendOutcomeUnknown
		// means "not applied".
		v, err := khistory.Check(khistory.VersionedLog, ops, khistory.DefaultTimeout, khistory.Dir(), t.Name())
		require.NoError(t, err)
		if v.Result != porcupine.Ok {
			// Say whether stale loads explain it, or the appends alone fail.
			weak, err := khistory.Check(khistory.VersionedLogStaleReads, ops, khistory.DefaultTimeout, khistory.Dir(), t.Name()+"-stale-reads-allowed")
			require.NoError(t, err)
			t.Fatalf("history %s (with stale loads allowed: %s); visualisation: %s", v.Result, weak.Result, v.Visualization)
		}
		t.Logf("linearizable: %d operations, %d with unknown outcome", v.Operations, lost)
	})

	t.Run("without the expected-version check", func(t *testing.T) {
		l := Log{Stream: "LEDGER_UNGUARDED", Prefix: "unguarded", Replicas: 3, Duplicates: 2 * time.Minute}
		stores := c.storesR3(t, ctx, l, 4)
		for _, s := range stores {
			s.WithoutExpectedVersion()
		}
		rec := runHistory(t, ctx, stores, raceWorkload{rounds: 10, aggregates: 2, timeout: 2 * time.Second})
		requireCaught(t, rec)
	})
}

// resolveLost reads the whole log once the faults have healed, through an
// ordered consumer (served by the stream's leader, not by direct get), and
// settles each append whose outcome was unknown: the log is append-only
// (deny delete, deny purge), so an append whose events are not there never
// took effect, and one whose events are there did. A healed cluster can
// still refuse the first requests for a while (in CI a fetch answered "no
// responders": no server had interest in its subject at that moment), so
// the read starts over until it completes once, for up to a minute.
func resolveLost(t *testing.T, ctx context.Context, s *EventStore, ops []porcupine.Operation) []porcupine.Operation {
	t.Helper()
	var stored map[string]bool
	var lastErr error
	attempts := 0
	if !assertEventually(func() bool {
		attempts++
		stored, lastErr = readRefs(ctx, s)
		if lastErr != nil {
			t.Logf("read the whole log, attempt %d: %v", attempts, lastErr)
		}
		return lastErr == nil || errors.Is(lastErr, errNotAnEvent)
	}, time.Minute) || lastErr != nil {
		t.Fatalf("read the whole log after the faults (%d attempts): %v", attempts, lastErr)
	}
	var landed, never int
	resolved := khistory.Resolve(ops, func(op porcupine.Operation) (khistory.Settled, bool) {
		in := op.Input.(khistory.LogInput)
		if in.Load {
			return khistory.Settled{}, false
		}
		if stored[in.Events[0]] {
			landed++
			return khistory.Settled{Output: khistory.LogOutput{Outcome: khistory.OK}}, true
		}
		never++
		return khistory.Settled{Output: khistory.LogOutput{Outcome: khistory.Failed}, NoEffect: true}, true
	})
	t.Logf("the log holds %d events; of the appends with unknown outcome %d landed and %d never did", len(stored), landed, never)
	return resolved
}

// errNotAnEvent ends the read at once: reading again would not help.
var errNotAnEvent = errors.New("not an event")

// readRefs reads the log once from its first message to the last one the
// stream held when the read began, and returns the reference of every money
// movement in it. A message that does not decode ends the read with
// errNotAnEvent, which resolveLost does not retry: every message in the log
// is an event.
func readRefs(ctx context.Context, s *EventStore) (map[string]bool, error) {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stored := map[string]bool{}
	cons, err := s.js.OrderedConsumer(rctx, s.log.Stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{s.log.all()}})
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	info, err := s.stream.Info(rctx)
	if err != nil {
		return nil, fmt.Errorf("stream info: %w", err)
	}
	for n := uint64(0); n < info.State.Msgs; {
		if rctx.Err() != nil {
			return nil, fmt.Errorf("read %d of %d messages: %w", n, info.State.Msgs, rctx.Err())
		}
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("fetch after %d of %d messages: %w", n, info.State.Msgs, err)
		}
		for m := range batch.Messages() {
			n++
			e, _, err := s.codec.decode(ctx, m.Subject(), m.Data())
			if err != nil {
				return nil, fmt.Errorf("message %d (%s): %w: %w", n, m.Subject(), errNotAnEvent, err)
			}
			if d, ok := e.Data().(*MoneyMovedData); ok {
				stored[d.Ref] = true
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("fetch after %d of %d messages: %w", n, info.State.Msgs, err)
		}
	}
	return stored, nil
}

// storesR3 creates the R3 stream once the cluster has a meta leader, then
// gives each of n clients its own connection and store. The connections
// ping every second, so a client whose server is paused or cut off notices
// within seconds and moves to another node.
func (c *cluster) storesR3(t *testing.T, ctx context.Context, l Log, n int) []*EventStore {
	t.Helper()
	stores := make([]*EventStore, n)
	for i := range stores {
		nc, err := natsembed.Connect(c.url(), fmt.Sprintf("client-%d", i),
			nats.Timeout(5*time.Second), nats.PingInterval(time.Second), nats.MaxPingsOutstanding(2))
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		var lastErr error
		if !assertEventually(func() bool {
			actx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			stores[i], lastErr = NewEventStore(actx, js, l)
			return lastErr == nil
		}, 60*time.Second) {
			c.dumpLogs(t, ctx)
			t.Fatalf("create the R3 stream: %v", lastErr)
		}
	}
	return stores
}

func assertEventually(cond func() bool, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// faults is the schedule the clients run under. Each fault hits the
// stream's leader of the moment, and the cluster must heal (a leader, both
// followers current) before the next one.
func (c *cluster) faults(t *testing.T, ctx context.Context, js jetstream.JetStream, stream string) {
	step := func(what string, fault, heal []string, hold time.Duration) {
		if ctx.Err() != nil {
			return
		}
		leader, err := c.healthy(ctx, js, stream, time.Minute)
		if err != nil {
			t.Errorf("before %s: %v", what, err)
			return
		}
		id := c.nodes[leader].GetContainerID()
		t.Logf("[fault] %s: stream leader %s", what, leader)
		if err := docker(ctx, substitute(fault, id, leader)...); err != nil {
			t.Errorf("%s %s: %v", what, leader, err)
			return
		}
		select {
		case <-time.After(hold):
		case <-ctx.Done():
		}
		if err := docker(context.WithoutCancel(ctx), substitute(heal, id, leader)...); err != nil {
			t.Errorf("heal %s %s: %v", what, leader, err)
			return
		}
		t.Logf("[fault] %s healed: %s back", what, leader)
	}
	network := c.network(t, ctx)
	settle := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	settle(2 * time.Second)
	step("kill -9", []string{"kill", "{id}"}, []string{"start", "{id}"}, 3*time.Second)
	step("pause", []string{"pause", "{id}"}, []string{"unpause", "{id}"}, 5*time.Second)
	step("partition", []string{"network", "disconnect", network, "{id}"},
		[]string{"network", "connect", "--alias", "{name}", network, "{id}"}, 8*time.Second)
	if _, err := c.healthy(ctx, js, stream, time.Minute); err != nil {
		t.Errorf("after the faults: %v", err)
	}
	settle(2 * time.Second)
}

// healthy waits until the stream has a leader and every follower is
// current and online, and returns the leader's name.
func (c *cluster) healthy(ctx context.Context, js jetstream.JetStream, stream string, within time.Duration) (string, error) {
	var last string
	ok := assertEventually(func() bool {
		ictx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		s, err := js.Stream(ictx, stream)
		if err != nil {
			last = err.Error()
			return false
		}
		info, err := s.Info(ictx)
		if err != nil {
			last = err.Error()
			return false
		}
		cl := info.Cluster
		if cl == nil || cl.Leader == "" || len(cl.Replicas) != 2 {
			last = fmt.Sprintf("cluster %+v", cl)
			return false
		}
		for _, r := range cl.Replicas {
			if !r.Current || r.Offline {
				last = fmt.Sprintf("replica %s current=%v offline=%v", r.Name, r.Current, r.Offline)
				return false
			}
		}
		last = cl.Leader
		return true
	}, within)
	if !ok {
		return "", fmt.Errorf("stream %s not healthy within %s: %s", stream, within, last)
	}
	return last, nil
}

// network is the name of the cluster's private Docker network.
func (c *cluster) network(t *testing.T, ctx context.Context) string {
	t.Helper()
	for _, node := range c.nodes {
		names, err := node.Networks(ctx)
		require.NoError(t, err)
		require.Len(t, names, 1)
		return names[0]
	}
	t.Fatal("no nodes")
	return ""
}

func substitute(args []string, id, name string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.NewReplacer("{id}", id, "{name}", name).Replace(a)
	}
	return out
}

func docker(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}
