package edgeiot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
)

// Forwarder is the store-and-forward uplink. For each edge stream of
// Uplinks it pulls, through a durable consumer, what the hub has not
// confirmed, publishes it to the hub's stream across the leafnode link, and
// acknowledges it at the edge only once the hub's PubAck says the hub has
// stored it; the edge stream's work-queue retention then deletes it. So an
// edge stream holds exactly what the hub has not confirmed.
//
// It is at-least-once: when the link is cut after the hub stored a message
// and before its PubAck came back, the forwarder sends the message again
// once the link returns, and the hub's stream removes the copy by its
// Nats-Msg-Id (its duplicate window must outlast the longest outage).
//
// Why not nats-server's own durable sourcing (a hub stream sourcing the
// edge stream through a flow-controlled consumer, nats-server 2.14+)? This
// module used it first; under load, on a link restore after a long cut, the
// hub's source skipped a window of MaxAckPending messages that the edge
// had already deleted (TestRestoreAfterACutForwardsEverything caught it
// about one run in five on nats-server v2.15.2). Here the only thing that
// deletes a message at the edge is the hub's own answer for that message.
type Forwarder struct {
	js     jetstream.JetStream // publishes to the hub and reads the edge, on the edge's connection
	domain string
	cfg    ForwarderConfig
}

// ForwarderConfig tunes a Forwarder.
type ForwarderConfig struct {
	// Domain is the edge's JetStream domain; it names the hub subjects the
	// forwarder publishes to (uplink.<domain>.<subject>). DefaultEdgeDomain
	// when empty.
	Domain string
	// Batch is how many messages of one uplink are in flight to the hub at
	// once; 256 when 0.
	Batch int
	// Timeout is how long the forwarder waits for the hub's PubAck before it
	// counts the message as not forwarded; 2 s when 0.
	Timeout time.Duration
	// AfterHubStored, when set, is called for each message the hub confirmed,
	// before the forwarder acknowledges it at the edge. Returning
	// ErrAckLost makes the forwarder behave as if the hub's PubAck never
	// arrived: the message stays at the edge and is sent again. It is the
	// seam through which the demo cuts the link at exactly that moment.
	AfterHubStored func(ctx context.Context, stream string, m jetstream.Msg) error
}

// Forwarding retry bounds: the link may be cut or the edge restarting.
const (
	forwardBackoffMin = 20 * time.Millisecond
	forwardBackoffMax = 500 * time.Millisecond
	forwardFetchWait  = 500 * time.Millisecond
)

// NewForwarder forwards from the edge server nc is connected to.
func NewForwarder(nc *nats.Conn, cfg ForwarderConfig) (*Forwarder, error) {
	if cfg.Domain == "" {
		cfg.Domain = DefaultEdgeDomain
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(cfg.Batch*len(Uplinks)),
		jetstream.WithPublishAsyncTimeout(cfg.Timeout))
	if err != nil {
		return nil, fmt.Errorf("forwarder jetstream: %w", err)
	}
	return &Forwarder{js: js, domain: cfg.Domain, cfg: cfg}, nil
}

// Run forwards every uplink until ctx ends. It rides out link cuts and
// edge restarts: a batch that could not be forwarded is retried.
func (f *Forwarder) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range Uplinks {
		g.Go(func() error { return f.run(ctx, u) })
	}
	err := g.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (f *Forwarder) run(ctx context.Context, u Uplink) error {
	backoff := forwardBackoffMin
	pause := func() bool {
		t := time.NewTimer(backoff)
		defer t.Stop()
		backoff = min(2*backoff, forwardBackoffMax)
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	var cons jetstream.Consumer
	for ctx.Err() == nil {
		if cons == nil {
			c, err := f.js.Consumer(ctx, u.Edge, UplinkConsumer)
			if err != nil { // the edge is restarting
				if !pause() {
					break
				}
				continue
			}
			cons = c
		}
		msgs, err := f.next(cons)
		if err != nil {
			if !pause() {
				break
			}
			continue
		}
		if len(msgs) == 0 {
			continue
		}
		if f.forward(ctx, u, msgs) {
			backoff = forwardBackoffMin
		} else if !pause() {
			break
		}
	}
	return nil
}

// next takes the next batch: up to Batch messages the edge holds now,
// without waiting for more; when it holds none, it waits up to
// forwardFetchWait for the first one to arrive. A Fetch of Batch would wait
// the whole forwardFetchWait whenever fewer than Batch are waiting: at the
// end of every catch-up and on every batch of live traffic.
func (f *Forwarder) next(cons jetstream.Consumer) ([]jetstream.Msg, error) {
	batch, err := cons.FetchNoWait(f.cfg.Batch)
	if err != nil {
		return nil, err
	}
	msgs := collect(batch)
	if len(msgs) > 0 {
		return msgs, nil
	}
	if batch, err = cons.Fetch(1, jetstream.FetchMaxWait(forwardFetchWait)); err != nil {
		return nil, err
	}
	return collect(batch), nil
}

func collect(batch jetstream.MessageBatch) []jetstream.Msg {
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	return msgs
}

// forward publishes msgs to the hub, pipelined, and acknowledges at the
// edge each one the hub stored. It reports whether all of them made it.
func (f *Forwarder) forward(ctx context.Context, u Uplink, msgs []jetstream.Msg) bool {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		out := &nats.Msg{Subject: hubSubject(f.domain, m.Subject()), Header: nats.Header{}, Data: m.Data()}
		for k, vs := range m.Headers() {
			out.Header[k] = append([]string(nil), vs...)
		}
		fut, err := f.js.PublishMsgAsync(out)
		if err != nil {
			break // the connection is down: the rest stay at the edge
		}
		futures[i] = fut
	}
	all := true
	for i, m := range msgs {
		if futures[i] == nil || !f.stored(ctx, futures[i]) {
			all = false
			_ = m.Nak() // the edge delivers it again, after the pause
			continue
		}
		if f.cfg.AfterHubStored != nil {
			if err := f.cfg.AfterHubStored(ctx, u.Edge, m); errors.Is(err, ErrAckLost) {
				all = false
				continue // no ack: the edge delivers it again after the consumer's AckWait
			}
		}
		// A lost ack here only means the message is forwarded again, and
		// the hub drops the copy.
		_ = m.Ack()
	}
	return all
}

// stored waits for the hub's answer to one publish.
func (f *Forwarder) stored(ctx context.Context, fut jetstream.PubAckFuture) bool {
	select {
	case <-fut.Ok():
		return true
	case <-fut.Err():
		return false
	case <-ctx.Done():
		return false
	}
}

// hubSubject is where the hub receives what the edge of domain stored on
// subject: "uplink.<domain>.<subject>". The hub's streams capture these;
// naming the domain lets several edges feed one hub.
func hubSubject(domain, subject string) string { return "uplink." + domain + "." + subject }
