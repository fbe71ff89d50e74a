package cqrs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/eventstore/memory"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/require"
)

// The stores compared side by side, on the same workload in the same run:
// eventhorizon's in-memory store (the reference: no I/O at all) and the
// JetStream store on an embedded server with file storage.
//
// eventhorizon's own eventstore.Benchmark saves one event and then reloads
// the whole aggregate on every iteration, so its cost per op grows with b.N
// and the two stores would be measured at different sizes; these benchmarks
// separate appends from loads of a fixed size instead.
var stores = []struct {
	name string
	open func(b *testing.B) eh.EventStore
}{
	{"memory", func(b *testing.B) eh.EventStore {
		s, err := memory.NewEventStore()
		require.NoError(b, err)
		return s
	}},
	{"jetstream-file", func(b *testing.B) eh.EventStore {
		s, _ := newTestStore(b)
		return s
	}},
}

func deposit(id uuid.UUID, version int) eh.Event {
	return eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: 100, Ref: "bench"}, time.Now(),
		eh.ForAggregate(AccountType, id, version),
		eh.WithMetadata(map[string]any{metaCommandID: uuid.New().String()}))
}

// BenchmarkAppend appends one event per op, round robin over 64 aggregates,
// from one writer waiting for each acknowledgement (the command path).
func BenchmarkAppend(b *testing.B) {
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			store := st.open(b)
			ids := make([]uuid.UUID, 64)
			versions := make([]int, len(ids))
			for i := range ids {
				ids[i] = uuid.New()
			}
			ctx := context.Background()
			sent := requestsSent(store)
			b.ResetTimer()
			for i := range b.N {
				k := i % len(ids)
				if err := store.Save(ctx, []eh.Event{deposit(ids[k], versions[k]+1)}, versions[k]); err != nil {
					b.Fatal(err)
				}
				versions[k]++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if _, ok := store.(*EventStore); ok {
				b.ReportMetric(float64(requestsSent(store)-sent)/float64(b.N), "requests/op")
			}
		})
	}
}

// BenchmarkAppendParallel appends from as many writers as GOMAXPROCS, each on
// its own aggregate: the rate a busy write side sees.
func BenchmarkAppendParallel(b *testing.B) {
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			store := st.open(b)
			ctx := context.Background()
			var failed atomic.Bool
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				id, v := uuid.New(), 0
				for pb.Next() {
					if err := store.Save(ctx, []eh.Event{deposit(id, v+1)}, v); err != nil {
						failed.Store(true)
						return
					}
					v++
				}
			})
			if failed.Load() {
				b.Fatal("an append failed")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkLoad1000 loads an aggregate of 1,000 events per op.
func BenchmarkLoad1000(b *testing.B) {
	const size = 1000
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			store := st.open(b)
			ctx := context.Background()
			id := uuid.New()
			for v := range size {
				require.NoError(b, store.Save(ctx, []eh.Event{deposit(id, v+1)}, v))
			}
			b.ResetTimer()
			for range b.N {
				events, err := store.Load(ctx, id)
				if err != nil || len(events) != size {
					b.Fatalf("load: %d events, %v", len(events), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/load")
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkProjection measures the read side: b.N events already in the log
// projected into both read models, live through the bus (durable consumers,
// one event in flight) and, as the reference, by replaying the log directly.
// Accounts get 20 events each, so a statement stays small.
func BenchmarkProjection(b *testing.B) {
	for _, mode := range []string{"bus", "replay"} {
		b.Run(mode, func(b *testing.B) {
			srv := labtestNATS(b)
			store, _ := newStoreOn(b, srv)
			ctx := context.Background()
			accounts := make([]customer, max(1, b.N/20))
			for i := range accounts {
				accounts[i].id = uuid.New()
			}
			l, err := NewLedger(store)
			require.NoError(b, err)
			for _, a := range accounts {
				require.NoError(b, l.HandleCommand(ctx, &OpenAccount{AccountID: a.id, ID: uuid.New(), Owner: "bench"}))
			}
			for i := range b.N - len(accounts) {
				a := accounts[i%len(accounts)]
				require.NoError(b, l.HandleCommand(ctx, &Deposit{AccountID: a.id, ID: uuid.New(), Amount: 1}))
			}
			models := NewReadModels()
			b.ResetTimer()
			switch mode {
			case "bus":
				p, err := startProjectors(ctx, srv.ClientURL(), DefaultLog(), models, DefaultAckWait, nil)
				require.NoError(b, err)
				require.NoError(b, waitProjected(ctx, models, max(b.N, len(accounts))))
				b.StopTimer()
				require.NoError(b, p.stop())
			case "replay":
				_, err := store.Replay(ctx, models)
				require.NoError(b, err)
			}
			b.ReportMetric(float64(max(b.N, len(accounts)))/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// waitProjected polls until the balances model has seen n events in all.
func waitProjected(ctx context.Context, models *ReadModels, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		balances, err := models.Balances(ctx)
		if err != nil {
			return err
		}
		seen := 0
		for _, b := range balances {
			seen += b.Version
		}
		if seen >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}
