package cqrs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	khistory "github.com/patternlab/patternlab/kit/history"
	"github.com/patternlab/patternlab/kit/labtest"
)

// The event store seen from outside: concurrent clients, each with its own
// connection and store (separate processes, as far as the store can tell),
// load an aggregate and append at the version they loaded; every call is
// recorded and the history is checked by Porcupine against the model of a
// per-aggregate versioned log (kit/khistory.VersionedLog). The checker knows
// nothing of JetStream: what it accepts is what a reader of the log can rely on.

// raceWorkload says how the clients drive the store.
type raceWorkload struct {
	rounds     int           // each client loads, then appends, once a round
	aggregates int           // every client works on aggregate round%aggregates, so they race
	timeout    time.Duration // of one call; past it the outcome is unknown
	// during, when set, runs beside the clients (the faults of the cluster
	// test); the clients stop when it returns or after rounds, whichever is later.
	during func(ctx context.Context)
}

// runHistory drives stores (one per client) with w and returns the record.
func runHistory(t *testing.T, ctx context.Context, stores []*EventStore, w raceWorkload) *khistory.Recorder {
	t.Helper()
	ids := make([]uuid.UUID, w.aggregates)
	for i := range ids {
		ids[i] = uuid.New()
	}
	rec := khistory.NewRecorder()
	faultsDone := make(chan struct{})
	if w.during == nil {
		close(faultsDone)
	} else {
		go func() { defer close(faultsDone); w.during(ctx) }()
	}
	for round := 0; ; round++ {
		if round >= w.rounds {
			select {
			case <-faultsDone:
				return rec
			default:
			}
		}
		if ctx.Err() != nil {
			<-faultsDone
			return rec
		}
		id := ids[round%len(ids)]
		var wg sync.WaitGroup
		for c, s := range stores {
			wg.Go(func() { loadThenAppend(ctx, rec, c, s, id, round, w.timeout) })
		}
		wg.Wait()
	}
}

// loadThenAppend is one client's round: load the aggregate, then append one
// or two events (two is an atomic batch) at the version it saw.
func loadThenAppend(ctx context.Context, rec *khistory.Recorder, client int, s *EventStore, id uuid.UUID, round int, timeout time.Duration) {
	agg := id.String()[:8]
	call := rec.Begin(client, khistory.LogInput{Aggregate: agg, Load: true})
	lctx, cancel := context.WithTimeout(ctx, timeout)
	events, err := s.Load(lctx, id)
	cancel()
	switch {
	case err == nil || errors.Is(err, eh.ErrAggregateNotFound):
		call.End(khistory.LogOutput{Outcome: khistory.OK, Events: refs(events)})
	default:
		call.Note("%v", err)
		call.End(khistory.LogOutput{Outcome: khistory.Failed}) // a failed read tells nothing
		return
	}

	version := len(events)
	batch := 1 + (client+round)%2
	in := khistory.LogInput{Aggregate: agg, Expected: version}
	var save []eh.Event
	for i := range batch {
		ref := fmt.Sprintf("c%d.r%d.%d", client, round, i)
		in.Events = append(in.Events, ref)
		save = append(save, eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: 1, Ref: ref}, time.Now(),
			eh.ForAggregate(AccountType, id, version+i+1)))
	}
	call = rec.Begin(client, in)
	sctx, cancel := context.WithTimeout(ctx, timeout)
	err = s.Save(sctx, save, version)
	cancel()
	if err != nil {
		call.Note("connected to %s: %v", s.nc.ConnectedServerName(), err)
	}
	switch {
	case err == nil:
		call.End(khistory.LogOutput{Outcome: khistory.OK})
	case errors.Is(err, eh.ErrEventConflictFromOtherSave), errors.Is(err, eh.ErrIncorrectEventVersion):
		call.End(khistory.LogOutput{Outcome: khistory.Conflict})
	default:
		// The store does not promise that an error means "not applied"
		// (nats.go may still send a buffered append after a timeout), so
		// the outcome is unknown and the call stays open.
		call.Lost(khistory.LogOutput{Outcome: khistory.Unknown})
	}
}

// refs names the events by the reference each append gave them.
func refs(events []eh.Event) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		if d, ok := e.Data().(*MoneyMovedData); ok {
			out = append(out, d.Ref)
		} else {
			out = append(out, fmt.Sprintf("%s@v%d", e.EventType(), e.Version()))
		}
	}
	return out
}

// storesOn gives each of n clients its own connection and store on url.
func storesOn(t *testing.T, url string, l Log, n int) []*EventStore {
	t.Helper()
	stores := make([]*EventStore, n)
	for i := range stores {
		s, err := NewEventStore(context.Background(), labtest.JetStream(t, url), l)
		require.NoError(t, err)
		stores[i] = s
	}
	return stores
}

// TestHistoryLinearizable: four clients race on two aggregates on the
// embedded server; Porcupine finds the history linearizable.
//
// Fault: conflict | target: the event store: four clients race load-then-append on two aggregates | invariant: Porcupine finds the history linearizable
func TestHistoryLinearizable(t *testing.T) {
	srv := labtest.NATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stores := storesOn(t, srv.ClientURL(), DefaultLog(), 4)
	rec := runHistory(t, ctx, stores, raceWorkload{rounds: 30, aggregates: 2, timeout: 5 * time.Second})
	total, lost := rec.Len()
	require.Equal(t, 30*4*2, total, "every load and append recorded")
	require.Zero(t, lost, "nothing times out on an embedded server")
	khistory.Require(t, khistory.VersionedLog, rec)
}

// TestHistoryWithoutExpectedVersionIsCaught turns the store's safeguard off
// (WithoutExpectedVersion, the demo's -expected-version=false: appends carry
// no expected sequence):
// racing clients all "win", and Porcupine must say the history is not
// linearizable and write its visualisation. An expected failure.
func TestHistoryWithoutExpectedVersionIsCaught(t *testing.T) {
	srv := labtest.NATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stores := storesOn(t, srv.ClientURL(), DefaultLog(), 4)
	for _, s := range stores {
		s.WithoutExpectedVersion()
	}
	rec := runHistory(t, ctx, stores, raceWorkload{rounds: 10, aggregates: 2, timeout: 5 * time.Second})
	requireCaught(t, rec)
}

// requireCaught checks rec and asserts the checker refused it and left its page.
func requireCaught(t *testing.T, rec *khistory.Recorder) {
	t.Helper()
	v, err := khistory.Check(khistory.VersionedLog, rec.Operations(), khistory.DefaultTimeout, khistory.Dir(), t.Name())
	require.NoError(t, err)
	require.Equal(t, porcupine.Illegal, v.Result, "the check must catch a store without its version check")
	assert.FileExists(t, v.Visualization)
	t.Logf("caught, as it must be: %d operations; visualisation: %s", v.Operations, v.Visualization)
}
