package federatedlearning_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"

	fl "github.com/patternlab/patternlab/patterns/federated-learning"
)

// A predecessor that is not dead but hung, its pull requests still waiting
// on the server, must not swallow the updates of the successor's rounds:
// the successor deletes the predecessor's consumer and every round closes
// with every site, long before its deadline.
func TestTheSuccessorTakesOverFromAHungPredecessor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const sites = 4
	f := newFederation(t, sites, 200, 0, 0)
	js := labtest.JetStream(t, f.url)
	stream, err := js.Stream(ctx, f.names.Stream)
	require.NoError(t, err)
	zombie, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: fl.Durable + "_coordinator-0_hung", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: f.names.Updates(),
	})
	require.NoError(t, err)
	it, err := zombie.Messages() // pulls, and never reads: hung
	require.NoError(t, err)
	defer it.Stop()

	c := f.coordinator(sites, 3, time.Minute)
	var took []time.Duration
	c.Events.Closed = func(r fl.RoundReport) {
		took = append(took, r.Took)
		assert.Len(t, r.Counted, sites, "round %d", r.Round)
		assert.False(t, r.TimedOut, "round %d closed by its deadline", r.Round)
	}
	_, err = c.Run(ctx)
	require.NoError(t, err)
	require.Len(t, took, 3)
	_, err = stream.Consumer(ctx, fl.Durable+"_coordinator-0_hung")
	assert.True(t, errors.Is(err, jetstream.ErrConsumerNotFound), "the hung predecessor's consumer is gone: %v", err)
}
