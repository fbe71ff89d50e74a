package backpressure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// reading is another module's message: a hub's sensor reading in JSON.
type reading struct {
	Site  string  `json:"site"`
	Seq   uint64  `json:"seq"`
	Value float64 `json:"value"`
}

// The seam as another module uses it: its own stream of readings, a credit
// window on it, a Worker with its own Decode and handler. A catch-up burst
// of 200 readings (one of them garbage) waits in the stream; the server
// never lets the hub hold more than W, every reading is handled once, and
// the garbage is in the dead letters.
//
// Fault: overload | target: another module's worker, on a catch-up burst of 200 readings | invariant: the server never lets it hold more than W unacked; every reading handled once
// Fault: bad-input | target: another module's worker, a garbage reading in the burst | invariant: the garbage is in the dead letters, the rest handled once
func TestCreditWindowRunsAnotherModulesHandler(t *testing.T) {
	const (
		readings = 200
		window   = 4
	)
	srv := labtest.NATS(t)
	js := labtest.JetStream(t, srv.ClientURL())
	ctx := t.Context()
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "READINGS", Subjects: []string{"readings.>"}, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	for i := range uint64(readings) {
		data, err := json.Marshal(reading{Site: "plant-1", Seq: i, Value: float64(i) / 10})
		require.NoError(t, err)
		_, err = js.Publish(ctx, "readings.plant-1", data)
		require.NoError(t, err)
	}
	_, err = js.Publish(ctx, "readings.plant-1", []byte("{not json"))
	require.NoError(t, err)
	dlq, err := deadletter.Open(ctx, js, "READINGS_DLQ", "readings-dlq")
	require.NoError(t, err)

	cw := backpressure.CreditWindow{Durable: "hub", Messages: window, AckWait: 5 * time.Second}
	cons, err := cw.Create(ctx, stream)
	require.NoError(t, err)
	var (
		mu   sync.Mutex
		seen = map[uint64]int{}
	)
	w := cw.Worker(cons, func(_ context.Context, m backpressure.Message) error {
		mu.Lock()
		defer mu.Unlock()
		seen[m.ID]++
		return nil
	}, dlq)
	w.Decode = func(msg jetstream.Msg) (backpressure.Message, error) {
		var r reading
		if err := json.Unmarshal(msg.Data(), &r); err != nil {
			return backpressure.Message{}, fmt.Errorf("%w: reading: %v", backpressure.ErrMalformed, err)
		}
		return backpressure.Message{ID: r.Seq, Payload: msg.Data()}, nil
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	peak := 0
	err = poll.Within(ctx, 60*time.Second, 2*time.Millisecond, func() (bool, error) {
		info, err := cons.Info(ctx)
		if err != nil {
			return false, err
		}
		peak = max(peak, info.NumAckPending)
		return info.NumPending == 0 && info.NumAckPending == 0, nil
	})
	stop()
	require.NoError(t, <-done)
	require.NoError(t, err, "the hub caught up")

	assert.LessOrEqual(t, peak, window, "the server never let the hub hold more than W")
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, seen, readings)
	for seq, n := range seen {
		assert.Equal(t, 1, n, "reading %d handled once", seq)
	}
	letters, err := deadletter.Read(ctx, js, "READINGS_DLQ")
	require.NoError(t, err)
	require.Len(t, letters, 1)
	assert.Contains(t, letters[0].Reason, "reading: ")
	assert.Equal(t, "readings.plant-1", letters[0].Subject)
}
