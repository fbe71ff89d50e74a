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

// A predecessor that is not dead but hung (here in its BeforeRound hook),
// its pull requests still waiting on the server, must not swallow the
// updates of the successor's rounds: the successor deletes the
// predecessor's consumer and every round closes with every site at once.
// With one durable consumer shared by every incarnation (checked by
// reverting takeOver to it), the hung predecessor's pull requests took
// round 3's updates and the round closed only when they were redelivered,
// AckWait (30 s) later.
//
// Fault: pause | target: a predecessor coordinator, hung with its pull requests still waiting on the server | invariant: it swallows none of the successor's updates: every round closes with every site
func TestTheSuccessorTakesOverFromAHungPredecessor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const sites = 4
	f := newFederation(t, sites, 200, 0, 0)

	c1 := f.coordinator(sites, 5, time.Minute)
	c1.Name = "coordinator-1"
	hung, wake := make(chan struct{}), make(chan struct{})
	c1.BeforeRound = func(ctx context.Context, round int) error {
		if round == 3 {
			close(hung)
			<-wake
			return errors.New("woke up")
		}
		return nil
	}
	c1done := make(chan error, 1)
	go func() { _, err := c1.Run(ctx); c1done <- err }()
	defer func() { close(wake); <-c1done }()
	select {
	case <-hung:
	case <-ctx.Done():
		t.Fatal("coordinator-1 never reached round 3")
	}
	js := labtest.JetStream(t, f.url)
	stream, err := js.Stream(ctx, f.names.Stream)
	require.NoError(t, err)
	var predecessor string
	for name := range stream.ConsumerNames(ctx).Name() {
		predecessor = name
	}
	require.NotEmpty(t, predecessor)

	c2 := f.coordinator(sites, 5, time.Minute)
	c2.Name = "coordinator-2"
	var took []time.Duration
	c2.Events.Closed = func(r fl.RoundReport) {
		took = append(took, r.Took)
		assert.Len(t, r.Counted, sites, "round %d", r.Round)
		assert.False(t, r.TimedOut, "round %d closed by its deadline", r.Round)
		// An update delivered to the predecessor's pull requests would
		// come back only after AckWait (30 s): the round would take that long.
		assert.Less(t, r.Took, c2.AckWait/3, "round %d waited for redeliveries", r.Round)
	}
	rep, err := c2.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.StartRound)
	require.Len(t, took, 3)
	_, err = stream.Consumer(ctx, predecessor)
	assert.True(t, errors.Is(err, jetstream.ErrConsumerNotFound), "the hung predecessor's consumer %s is gone: %v", predecessor, err)
}

// The successor starts after its predecessor's ack floor: every update the
// predecessor handled before its crash must be below that floor, so the
// successor judges none of them again (it would narrate each as a replay,
// and the Example's narration would change). The acknowledgements are
// asynchronous; the server handles them before the commit that follows them
// on the same connection, which this test keeps checking.
//
// Fault: crash | target: the coordinator, crashed after round 2 | invariant: the successor resumes at round 3 and judges none of its predecessor's updates again
func TestTheSuccessorRereadsNothingItsPredecessorHandled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const sites = 8
	for try := range 2 {
		f := newFederation(t, sites, 200, 0, 0)
		c1 := f.coordinator(sites, 4, time.Minute)
		c1.Name, c1.CrashAfter = "coordinator-1", 2
		_, err := c1.Run(ctx)
		require.ErrorIs(t, err, fl.ErrCrashed)
		c2 := f.coordinator(sites, 4, time.Minute)
		c2.Name = "coordinator-2"
		c2.Events.Ignored = func(u fl.Update, why string) {
			t.Errorf("try %d: the successor re-read %s's round-%d update: %s", try, u.Site, u.Round, why)
		}
		rep, err := c2.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, rep.StartRound)
		f.stop()
	}
}
