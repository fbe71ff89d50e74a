package natscore_test

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// Core NATS delivers to the subscribers present at publish time, at most
// once: a message published before anyone subscribes is gone.
func Example() {
	srv, err := natsembed.Start(natsembed.Options{Name: "example", NoJetStream: true})
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

	_ = nc.Publish("orders.created", []byte("order-1")) // nobody listens yet

	sub, _ := nc.SubscribeSync("orders.*")
	_ = nc.Publish("orders.created", []byte("order-2"))
	msg, err := sub.NextMsg(time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	// One connection's messages arrive in order: had order-1 been kept, it
	// would have come first.
	fmt.Printf("first message the subscriber got: %s on %s\n", msg.Data, msg.Subject)

	// Request-reply: a responder on a subject, an inbox for the answer.
	_, _ = nc.Subscribe("stock.check", func(m *nats.Msg) { _ = m.Respond([]byte("in stock: " + string(m.Data))) })
	reply, err := nc.Request("stock.check", []byte("sku-42"), time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reply:", string(reply.Data))
	// Output:
	// first message the subscriber got: order-2 on orders.created
	// reply: in stock: sku-42
}
