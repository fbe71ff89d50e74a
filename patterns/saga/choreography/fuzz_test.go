package choreography

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// events is the JetStream a participant and the orders service use: it
// keeps the dead letters and the events published.
type events struct {
	jetstream.JetStream
	letters   []*nats.Msg
	published []Event
	subjects  []string
}

func (e *events) CreateOrUpdateStream(context.Context, jetstream.StreamConfig) (jetstream.Stream, error) {
	return nil, nil
}

func (e *events) PublishMsg(_ context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	e.letters = append(e.letters, m)
	return &jetstream.PubAck{Sequence: uint64(len(e.letters))}, nil
}

func (e *events) Publish(_ context.Context, subject string, data []byte, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, err
	}
	e.published, e.subjects = append(e.published, ev), append(e.subjects, subject)
	return &jetstream.PubAck{Sequence: uint64(len(e.published))}, nil
}

// delivery is one delivery of a message of the events stream.
type delivery struct {
	jetstream.Msg
	subject string
	data    []byte
	acks    int
	naks    int
}

func (d *delivery) Subject() string                  { return d.subject }
func (d *delivery) Data() []byte                     { return d.data }
func (d *delivery) Headers() nats.Header             { return nats.Header{} }
func (d *delivery) Ack() error                       { d.acks++; return nil }
func (d *delivery) Nak() error                       { d.naks++; return nil }
func (d *delivery) NakWithDelay(time.Duration) error { d.naks++; return nil }

func deadQueue(t testing.TB, js jetstream.JetStream) *deadletter.Queue {
	q, err := deadletter.Open(context.Background(), js, "SAGA_DLQ", deadSubject("saga"))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// eventSeeds are events of every type, as the participants publish them.
func eventSeeds(f *testing.F) {
	o := shop.Order{ID: "order-1", SKU: "lamp", Qty: 2, Amount: 8000}
	for _, typ := range eventOrder {
		data, _ := json.Marshal(Event{Type: typ, Order: o, Reason: "card declined"})
		f.Add(string(typ), data)
	}
	f.Add("stock.released", []byte(`{"type":"shipment.booked","order":{"id":"order-1"}}`))
	f.Add("order.placed", []byte(`{"type":"order.placed","order":{}}`))
	f.Add("x", []byte(`garbage`))
}

// The orders service reads how sagas end from the events stream. Whatever
// is delivered, it is acknowledged exactly once and either recorded as the
// end of its saga (a terminal event on its own subject, with an order ID)
// or dead-lettered with a reason and its original subject; never both.
func FuzzTrack(f *testing.F) {
	eventSeeds(f)
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		js := &events{}
		c := &Choreography{opts: Options{ParticipantOptions: ParticipantOptions{Prefix: "saga"}}, dead: deadQueue(t, js), board: shop.NewBoard()}
		m := &delivery{subject: subject("saga", EventType(typ)), data: data}
		ends := c.terminal()
		c.track(ends, m)
		if m.acks != 1 || m.naks != 0 {
			t.Fatalf("%q on %s: %d acks, %d naks", data, m.subject, m.acks, m.naks)
		}
		outcomes := c.board.Outcomes()
		if len(outcomes)+len(js.letters) != 1 {
			t.Fatalf("%q on %s: %d outcomes and %d dead letters", data, m.subject, len(outcomes), len(js.letters))
		}
		if len(js.letters) == 1 {
			checkLetter(t, js.letters[0], m)
			return
		}
		var ev Event
		if err := json.Unmarshal(data, &ev); err != nil || ev.Type != EventType(typ) || ev.Order.ID == "" {
			t.Fatalf("recorded %q on %s as an end: %v", data, m.subject, outcomes)
		}
		if got, ok := outcomes[ev.Order.ID]; !ok || got.Status != ends[ev.Type] {
			t.Fatalf("%q on %s recorded as %v", data, m.subject, outcomes)
		}
	})
}

func checkLetter(t *testing.T, l *nats.Msg, m *delivery) {
	t.Helper()
	if l.Header.Get(deadletter.HeaderReason) == "" || l.Header.Get(deadletter.HeaderSubject) != m.subject || string(l.Data) != string(m.data) {
		t.Fatalf("dead letter of %q on %s: %v %q", m.data, m.subject, l.Header, l.Data)
	}
}

// A participant (here the inventory) handles whatever the events stream
// delivers it. Whatever the message: it is dead-lettered and acknowledged
// when it is no event the inventory reacts to on its own subject or its
// order is not one any step may run; otherwise the step runs once for the
// event's order and the participant publishes exactly one event of the
// same saga before it acknowledges (or naks a transient failure, having
// published nothing); the stock stays conserved and never negative.
func FuzzParticipantHandle(f *testing.F) {
	eventSeeds(f)
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		svc, err := shop.NewService(shop.Inventory, shop.Options{})
		if err != nil {
			t.Fatal(err)
		}
		js := &events{}
		o := ParticipantOptions{Prefix: "saga"}
		o.defaults()
		p := &Participant{svc: svc, opts: o, reactions: o.reactionsOf(svc.Name), js: js, dead: deadQueue(t, js), redelivered: map[ledger.Key]bool{}}
		m := &delivery{subject: subject("saga", EventType(typ)), data: data}
		p.handle(context.Background(), m)

		var ev Event
		decoded := json.Unmarshal(data, &ev) == nil && ev.Order.ID != ""
		r, reacts := p.reactions[ev.Type]
		usable := decoded && reacts && ev.Type == EventType(typ) && ev.Order.Check() == nil
		switch {
		case !usable:
			if len(js.letters) != 1 || len(js.published) != 0 || m.acks != 1 || m.naks != 0 {
				t.Fatalf("%q on %s: %d letters, %d events, %d acks, %d naks", data, m.subject, len(js.letters), len(js.published), m.acks, m.naks)
			}
			checkLetter(t, js.letters[0], m)
			if n := len(svc.Ledger.Snapshot().Entries); n != 0 {
				t.Fatalf("%q on %s touched %d ledger entries", data, m.subject, n)
			}
		case m.naks == 1:
			if len(js.published) != 0 || m.acks != 0 {
				t.Fatalf("%q on %s: nak after publishing %d events, %d acks", data, m.subject, len(js.published), m.acks)
			}
		default:
			if len(js.letters) != 0 || len(js.published) != 1 || m.acks != 1 {
				t.Fatalf("%q on %s: %d letters, %d events, %d acks", data, m.subject, len(js.letters), len(js.published), m.acks)
			}
			next := js.published[0]
			if next.Order != ev.Order || (next.Type != r.onApplied && next.Type != r.onDeclined) || js.subjects[0] != subject("saga", next.Type) {
				t.Fatalf("%q on %s answered %+v on %s", data, m.subject, next, js.subjects[0])
			}
		}
		c := svc.Ledger.Snapshot().Counters
		for _, item := range shop.Catalog {
			a, rsv := c["available/"+item.SKU], c["reserved/"+item.SKU]
			if a < 0 || rsv < 0 || a+rsv != shop.InitialStock {
				t.Fatalf("%q on %s: %s available %d, reserved %d", data, m.subject, item.SKU, a, rsv)
			}
		}
	})
}
