package jetstream_test

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// A stream keeps what was published before anyone consumes it; the same
// Nats-Msg-Id inside the duplicate window is stored once; a durable pull
// consumer fetches a batch of its choosing and acknowledges each message.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := natsembed.Start(natsembed.Options{Name: "example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)

	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:       "ORDERS",
		Subjects:   []string{"orders.>"},
		Storage:    jetstream.FileStorage,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []string{"order-1", "order-2", "order-1"} { // order-1 re-sent after a lost ack
		ack, err := js.Publish(ctx, "orders.created", []byte(id), jetstream.WithMsgID(id))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("publish %s: stored at seq %d, duplicate=%v\n", id, ack.Sequence, ack.Duplicate)
	}

	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:   "billing",
		AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	for msg := range batch.Messages() {
		fmt.Printf("billing got %s\n", msg.Data())
		_ = msg.DoubleAck(ctx) // waits for the server to record the ack
	}
	info, _ := stream.Info(ctx)
	fmt.Println("messages in the stream:", info.State.Msgs)
	// Output:
	// publish order-1: stored at seq 1, duplicate=false
	// publish order-2: stored at seq 2, duplicate=false
	// publish order-1: stored at seq 1, duplicate=true
	// billing got order-1
	// billing got order-2
	// messages in the stream: 2
}
