// Package logread reads a JetStream stream from its start, as the server
// holds it, for the audits: an ordered consumer (ephemeral, in memory,
// gone when done) fetched in batches, up to the last sequence there was
// when the read began.
package logread

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Each calls fn for every message of stream on filter ("" for all), in
// stream order, up to the stream's last sequence when Each starts.
func Each(ctx context.Context, js jetstream.JetStream, stream, filter string, fn func(jetstream.Msg) error) error {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 {
		return nil
	}
	cfg := jetstream.OrderedConsumerConfig{}
	if filter != "" {
		cfg.FilterSubjects = []string{filter}
	}
	c, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	for {
		batch, err := c.FetchNoWait(512)
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		n, done, err := each(batch, stream, last, fn)
		// A fetch is a goroutine in nats.go that delivers the batch and
		// ends only when the server says there is no more (the status
		// after a no-wait batch), the batch is full, or a second has
		// passed without a message; closing the connection does not end
		// it. Returning in the middle of a batch would leave it running
		// after Each, so read the batch to its end first: Messages is
		// closed when that goroutine is done.
		for range batch.Messages() {
		}
		if err != nil || done {
			return err
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		if n == 0 {
			return nil // nothing matches past here
		}
	}
}

// each calls fn for the batch's messages up to sequence last: n is how
// many it read, done whether the read is over (last reached, nothing
// pending, or an error).
func each(batch jetstream.MessageBatch, stream string, last uint64, fn func(jetstream.Msg) error) (n int, done bool, err error) {
	for m := range batch.Messages() {
		n++
		md, err := m.Metadata()
		if err != nil {
			return n, true, fmt.Errorf("read %s: %w", stream, err)
		}
		if md.Sequence.Stream > last {
			return n, true, nil
		}
		if err := fn(m); err != nil {
			return n, true, err
		}
		if md.Sequence.Stream == last || md.NumPending == 0 {
			return n, true, nil
		}
	}
	return n, false, nil
}
