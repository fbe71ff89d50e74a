package federatedlearning

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// Tap is the auditor's wire tap: a separate connection subscribed to every
// subject (">" on an embedded server; on a shared one, every subject of the
// run) that records each message published: its subject, its size and, for
// the protocol's subjects, its bytes. It sees what crossed the network, not
// what any component says it sent.
type Tap struct {
	nc    *nats.Conn
	subs  []*nats.Subscription
	msgs  chan *nats.Msg
	done  chan struct{}
	names Names

	mu      sync.Mutex
	records []Record
	markers map[string]chan struct{}
	marker  string
}

// Record is one message the tap saw.
type Record struct {
	At      time.Time
	Subject string
	Bytes   int    // payload and headers
	Data    []byte // kept for the run's own subjects only
}

// StartTap connects as name to url and subscribes to subjects (">" for
// everything). It returns once the subscriptions are live on the server.
func StartTap(ctx context.Context, url, name string, names Names, subjects []string) (*Tap, error) {
	nc, err := natsembed.Connect(url, name)
	if err != nil {
		return nil, fmt.Errorf("tap: connect: %w", err)
	}
	t := &Tap{nc: nc, msgs: make(chan *nats.Msg, 1<<16), done: make(chan struct{}), names: names,
		markers: map[string]chan struct{}{}, marker: "_lab_tap." + nuid.Next()}
	// One channel for every subscription keeps the server's order.
	for _, s := range append(subjects, t.marker+".>") {
		sub, err := nc.ChanSubscribe(s, t.msgs)
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("tap: subscribe %s: %w", s, err)
		}
		t.subs = append(t.subs, sub)
	}
	if err := flush(ctx, nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("tap: flush: %w", err)
	}
	go t.loop()
	return t, nil
}

func (t *Tap) loop() {
	defer close(t.done)
	for m := range t.msgs {
		if strings.HasPrefix(m.Subject, t.marker+".") {
			t.mu.Lock()
			if ch := t.markers[m.Subject]; ch != nil {
				close(ch)
				delete(t.markers, m.Subject)
			}
			t.mu.Unlock()
			continue
		}
		rec := Record{At: time.Now(), Subject: m.Subject, Bytes: len(m.Data) + headerBytes(m.Header)}
		if t.keeps(m.Subject) {
			rec.Data = append([]byte(nil), m.Data...)
		}
		t.mu.Lock()
		t.records = append(t.records, rec)
		t.mu.Unlock()
	}
}

func (t *Tap) keeps(subject string) bool {
	return strings.HasPrefix(subject, t.names.Prefix+".") || subject == t.names.ModelSubject()
}

// Sync returns once the tap has recorded every message published, by anyone,
// before Sync was called: the server delivers to one connection in order, so
// a marker the tap sends itself arrives after them.
func (t *Tap) Sync(ctx context.Context) error {
	subject := t.marker + "." + nuid.Next()
	ch := make(chan struct{})
	t.mu.Lock()
	t.markers[subject] = ch
	t.mu.Unlock()
	if err := t.nc.Publish(subject, nil); err != nil {
		return fmt.Errorf("tap: marker: %w", err)
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("tap: marker never came back: %w", context.Cause(ctx))
	}
}

// Records is every message recorded so far, in the order the tap got them.
func (t *Tap) Records() []Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Record(nil), t.records...)
}

// Dropped is how many messages the client library dropped for the tap (it
// cannot vouch for what it did not see): it must be 0.
func (t *Tap) Dropped() int {
	n := 0
	for _, s := range t.subs {
		if d, err := s.Dropped(); err == nil {
			n += d
		}
	}
	return n
}

// Close stops the tap.
func (t *Tap) Close() {
	for _, s := range t.subs {
		_ = s.Unsubscribe()
	}
	t.nc.Close()
	close(t.msgs)
	<-t.done
}

func headerBytes(h nats.Header) int {
	if len(h) == 0 {
		return 0
	}
	n := len("NATS/1.0\r\n\r\n")
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(": ") + len(v) + len("\r\n")
		}
	}
	return n
}

// flush waits for the server to have processed everything nc sent, within
// ctx's deadline or 30 s.
func flush(ctx context.Context, nc *nats.Conn) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	return nc.FlushWithContext(ctx)
}
