package workqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Deliveries is what the server did for one stage's consumer: how many
// messages its stream took in, how many deliveries it made of them, and why
// it delivered a message again. Every number comes from the server, not
// from the consumers: the stream's sequence, the consumer's delivered
// count, and the advisory it publishes for every negative acknowledgement.
type Deliveries struct {
	Messages  uint64 // stored in the stage's stream
	Delivered uint64 // deliveries the consumer made, first ones and repeats
	Naked     uint64 // repeats a consumer asked for with a nak (a failed attempt)
}

// Redelivered is every delivery beyond the first of each message.
func (d Deliveries) Redelivered() uint64 { return d.Delivered - min(d.Delivered, d.Messages) }

// AfterAckWait is the repeats nobody asked for: AckWait ran out on a
// message delivered and never acknowledged, because the consumer holding it
// died or took longer than AckWait.
func (d Deliveries) AfterAckWait() uint64 { return d.Redelivered() - min(d.Redelivered(), d.Naked) }

// NakWatch counts the server's nak advisories for one stage's consumer
// ($JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.<stream>.<consumer>). Advisories are
// not stored: start it before the messages flow.
type NakWatch struct {
	sub   *nats.Subscription
	mu    sync.Mutex
	naked uint64
	seqs  map[uint64]int // stream sequence -> naks
}

// WatchNaks subscribes to the nak advisories of stage s.
func WatchNaks(nc *nats.Conn, t Topology, s pipeline.Stage) (*NakWatch, error) {
	w := &NakWatch{seqs: map[uint64]int{}}
	subject := fmt.Sprintf("%s.%s.%s", jetstreamNakAdvisory, t.Stream(s), s)
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) { w.count(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("watch naks on %s: %w", subject, err)
	}
	// The subscription is in place on the server once a round trip has
	// come back: no nak from now on is missed.
	if err := nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("watch naks: %w", err)
	}
	w.sub = sub
	return w, nil
}

// count counts one nak advisory; anything else on the subject is ignored.
func (w *NakWatch) count(advisory []byte) {
	var a struct {
		StreamSeq uint64 `json:"stream_seq"`
	}
	if json.Unmarshal(advisory, &a) != nil || a.StreamSeq == 0 {
		return // names no message: no nak the server announced
	}
	w.mu.Lock()
	w.naked++
	w.seqs[a.StreamSeq]++
	w.mu.Unlock()
}

// jetstreamNakAdvisory is the server's subject prefix for nak advisories.
const jetstreamNakAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED"

// Stop ends the watch.
func (w *NakWatch) Stop() { _ = w.sub.Unsubscribe() }

// Naked is how many naks the server announced, and for how many distinct
// messages.
func (w *NakWatch) Naked() (naks uint64, messages int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.naked, len(w.seqs)
}

// ReadDeliveries reads a stage's numbers from the server; naked comes from
// a NakWatch that saw the whole run. Read it once the stage has drained.
func (r *Run) ReadDeliveries(ctx context.Context, s pipeline.Stage, naks *NakWatch) (Deliveries, error) {
	info, err := r.ConsumerInfo(ctx, s)
	if err != nil {
		return Deliveries{}, err
	}
	st, err := r.p.JS.Stream(ctx, r.p.Topology.Stream(s))
	if err != nil {
		return Deliveries{}, err
	}
	sinfo, err := st.Info(ctx)
	if err != nil {
		return Deliveries{}, err
	}
	d := Deliveries{Messages: sinfo.State.LastSeq, Delivered: info.Delivered.Consumer}
	if naks != nil {
		d.Naked, _ = naks.Naked()
	}
	return d, nil
}
