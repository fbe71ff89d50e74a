//go:build integration

package backpressure_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

const (
	itMessages = 3000
	itBuffer   = 64                     // B: the stream's MaxMsgs
	itWindow   = 16                     // W: MaxAckPending
	itAckWait  = time.Second            // redelivery timeout
	itRate     = 1500                   // μ of the consumer container, msg/s
	itPause    = 3 * itAckWait          // how long the consumer stays frozen
	itResults  = "backpressure.done"    // subject of the processing records
	itStream   = "BACKPRESSURE_RESULTS" // stream of the processing records
)

// TestIntegrationConsumerPausedMidRunLosesNothing runs nats-server and the
// consumer (cmd/consumer) as two containers built FROM scratch, publishes
// from the test process as fast as the stream allows, freezes the consumer
// with docker pause for longer than AckWait, and resumes it.
//
// "Nothing lost, exactly once modulo idempotent redelivery" means, with P
// the IDs whose publish the stream acknowledged and R the records the
// consumer wrote (one per processing, before its ack):
//
//  1. the set of IDs in R equals P: nothing lost, nothing invented;
//  2. each ID has at most one record with delivery 1: every extra processing
//     of an ID is a redelivery by the server (delivery > 1), which a sink
//     keyed by ID applies once;
//  3. the stream stored each ID once (its last sequence is |P|: publisher
//     retries were deduplicated) and is empty at the end (all acked).
//
// And the backpressure itself: while the consumer was frozen the stream
// filled to B and refused publishes, so the producer waited.
//
// Fault: pause | target: the consumer's container (docker pause for longer than AckWait, then unpause) | invariant: every ID the stream acknowledged is processed exactly once, modulo idempotent redelivery
func TestIntegrationConsumerPausedMidRunLosesNothing(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	consumerImage, err := goimage.Build(ctx, "github.com/patternlab/patternlab/patterns/backpressure/cmd/consumer")
	require.NoError(t, err)

	nw, err := network.New(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nw.Remove(context.Background()) })
	endpoint := goimage.NATS(t, ctx, nw.Name) // nats://nats:4222 on nw

	nc, err := natsembed.Connect(endpoint, "integration-producer")
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)

	dlq, err := deadletter.Open(ctx, js, backpressure.DemoDeadLetters, backpressure.DemoDeadLetterSubject)
	require.NoError(t, err)
	queue, err := backpressure.NewJetStreamQueue(ctx, js, backpressure.JetStreamConfig{
		Stream: backpressure.DemoStream, Subject: backpressure.DemoSubject, Durable: backpressure.DemoDurable,
		Capacity: itBuffer, Window: itWindow, AckWait: itAckWait, Storage: jetstream.FileStorage,
		DeadLetters: dlq,
	})
	require.NoError(t, err)
	results, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: itStream, Subjects: []string{itResults}, Storage: jetstream.FileStorage,
	})
	require.NoError(t, err)

	consumer, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image: consumerImage,
			Cmd: []string{"-url", "nats://nats:4222", "-window", fmt.Sprint(itWindow),
				"-rate", fmt.Sprint(itRate), "-results", itResults},
			Networks:   []string{nw.Name},
			WaitingFor: wait.ForLog("consumer ready").WithStartupTimeout(30 * time.Second),
		},
		Started: true,
	})
	testcontainers.CleanupContainer(t, consumer)
	require.NoError(t, err)

	// the producer: as fast as the stream lets it
	var accepted atomic.Int64
	produced := make(chan error, 1)
	go func() {
		payloads := rand.New(rand.NewPCG(1, 2))
		for id := range uint64(itMessages) {
			if err := queue.Offer(ctx, backpressure.NewMessage(id, 256, payloads)); err != nil {
				produced <- err
				return
			}
			accepted.Add(1)
		}
		produced <- nil
	}()

	stored := func() uint64 {
		info, err := results.Info(ctx)
		if err != nil {
			return 0
		}
		return info.State.Msgs
	}
	require.Eventually(t, func() bool { return stored() >= itMessages/5 }, time.Minute, 10*time.Millisecond,
		"the consumer container processes")

	docker, err := testcontainers.NewDockerClientWithOpts(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = docker.Close() }) // its keep-alive connections would outlive the test
	_, err = docker.ContainerPause(ctx, consumer.GetContainerID(), client.ContainerPauseOptions{})
	require.NoError(t, err)
	t.Logf("paused the consumer after %d records, %d accepted", stored(), accepted.Load())
	pausedAt := time.Now()
	pushbacks := queue.Stats().Pushbacks

	require.Eventually(t, func() bool { return streamMsgs(ctx, js) == itBuffer }, 30*time.Second, 10*time.Millisecond, "with the consumer frozen the stream fills to B")
	require.Eventually(t, func() bool { return queue.Stats().Pushbacks > pushbacks+3 }, 30*time.Second, 10*time.Millisecond,
		"the full stream refuses publishes: the producer waits")
	acceptedWhilePaused := accepted.Load()

	// the fault lasts itPause: longer than AckWait, so what the frozen
	// consumer holds becomes due for redelivery
	select {
	case <-time.After(time.Until(pausedAt.Add(itPause))):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	assert.Equal(t, acceptedWhilePaused, accepted.Load(), "nothing more got in while the stream was full")
	assert.LessOrEqual(t, streamMsgs(ctx, js), uint64(itBuffer), "the stream never holds more than B")
	_, err = docker.ContainerUnpause(ctx, consumer.GetContainerID(), client.ContainerUnpauseOptions{})
	require.NoError(t, err)
	t.Logf("resumed the consumer after %s", time.Since(pausedAt).Round(time.Millisecond))

	select {
	case err := <-produced:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("the producer never finished")
	}
	require.Equal(t, int64(itMessages), accepted.Load())
	require.Eventually(t, func() bool { return streamMsgs(ctx, js) == 0 }, 2*time.Minute, 20*time.Millisecond,
		"the consumer drains the stream")

	// audit the records
	records := readRecords(t, ctx, results)
	firsts := map[uint64]int{}
	seen := map[uint64]int{}
	redelivered := 0
	for _, r := range records {
		seen[r.ID]++
		if r.Delivery == 1 {
			firsts[r.ID]++
		} else {
			redelivered++
		}
	}
	var lost, invented, unexplained []uint64
	for id := range uint64(itMessages) {
		if seen[id] == 0 {
			lost = append(lost, id)
		}
		if firsts[id] > 1 {
			unexplained = append(unexplained, id)
		}
	}
	for id := range seen {
		if id >= itMessages {
			invented = append(invented, id)
		}
	}
	assert.Empty(t, lost, "every accepted ID was processed")
	assert.Empty(t, invented, "no record of an ID that was never published")
	assert.Empty(t, unexplained, "an ID is processed again only on a redelivery")
	info, err := js.Stream(ctx, backpressure.DemoStream)
	require.NoError(t, err)
	assert.Equal(t, uint64(itMessages), info.CachedInfo().State.LastSeq, "the stream stored each ID once")
	t.Logf("%d records for %d messages: %d from redeliveries (idempotent: applied once by ID); %d pushbacks",
		len(records), itMessages, redelivered, queue.Stats().Pushbacks)
}

func streamMsgs(ctx context.Context, js jetstream.JetStream) uint64 {
	s, err := js.Stream(ctx, backpressure.DemoStream)
	if err != nil {
		return 0
	}
	return s.CachedInfo().State.Msgs
}

// readRecords reads every record of the results stream with an ordered
// consumer.
func readRecords(t *testing.T, ctx context.Context, results jetstream.Stream) []backpressure.Record {
	t.Helper()
	info, err := results.Info(ctx)
	require.NoError(t, err)
	total := int(info.State.Msgs)
	oc, err := results.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	var records []backpressure.Record
	for len(records) < total {
		batch, err := oc.Fetch(min(500, total-len(records)), jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		for msg := range batch.Messages() {
			r, err := backpressure.ParseRecord(msg.Data())
			require.NoError(t, err)
			records = append(records, r)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			require.NoError(t, err)
		}
	}
	return records
}

// TestIntegrationLeavesForeignStreamsAlone runs the demo against a
// nats-server of its own process (a container), as NATS_URL would, with
// streams of the demo's default names already there and holding someone
// else's data: the demo must hold, leave them exactly as they were, and
// delete every stream it created.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	labtest.LeavesForeignStreamsAlone(t, url, backpressure.Command, backpressure.DemoStreams, smallRun...)
}
