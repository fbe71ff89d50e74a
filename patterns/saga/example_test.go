package saga_test

import (
	"context"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga"
)

// The demo's default run with the orchestration on the Temporal SDK's
// in-memory test environment, so the story is checked on every `go test`
// with nothing but Go. The run with the dev server, where the worker
// process is SIGKILLed mid-saga, is checked by TestDemoOnTheDevServer.
func ExampleDemo() {
	cfg := saga.DefaultConfig()
	cfg.Temporal = saga.InMemory
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := saga.Demo(context.Background(), n, cfg); err != nil {
		n.Step("demo", "error: %v", err)
	}
	// Output:
	// == saga: 8 orders, seed 82, fault rate 0.30 ==
	// [lab] three services, each with its own ledger: inventory (stock 1000 per item), payment, shipping
	// [lab] fault schedule: 4 declined steps, 3 transient failures (1 of a compensation), 3 lost acks (choreography), 1 lost reply (orchestration)
	// [lab] scripted: order-3's refund fails twice after a decline; shipping crashes before order-5's book (choreography) and the worker is killed after order-5's charge applied (dev server); order-6's charge is delayed in the network while its customer cancels (orchestration); order-7's book, the pivot, fails 4 times and its last answer is lost
	// [lab] NATS: an embedded nats-server with JetStream; only the lab's own user may publish on chor.> and orch.>
	// [lab] Temporal: the SDK's in-memory test environment (-temporal=memory), no server
	// == act 1: choreography: each service reacts to events on NATS JetStream, nobody holds the saga ==
	// [lab] streams SAGA_chor (events) and SAGA_chor_DEAD (dead letters) created; they are deleted when the act ends
	// [guest] publishes a forged payment.charged for order-1 on chor.events.payment.charged
	// [check] protected subjects: the server refused the guest's publish: true; the events stream holds 0 events before and 0 after: ok
	// [lab] FAULT: a buggy client publishes a truncated order.placed on chor.events.order.placed
	// [orders] order-1 placed: 1 x chair for 65.00
	// [inventory] FAULT: order-1 reserve declined: warehouse reports the item damaged (a business failure: not retried, the saga compensates)
	// [orders] order-1 compensated (warehouse reports the item damaged)
	// [orders] order-2 placed: 2 x desk for 240.00
	// [inventory] order-2 reserved 2 desk
	// [payment] order-2 charged 240.00
	// [shipping] order-2 booked a shipment of 2 desk
	// [orders] order-2 completed
	// [orders] order-3 placed: 1 x lamp for 40.00
	// [inventory] order-3 reserved 1 lamp
	// [payment] order-3 charged 40.00
	// [shipping] FAULT: order-3 book declined: no carrier serves the address (a business failure: not retried, the saga compensates)
	// [payment] FAULT: order-3 refund attempt 1 failed: payment is unavailable; a compensation is retried until it succeeds
	// [payment] FAULT: order-3 refund attempt 2 failed: payment is unavailable; a compensation is retried until it succeeds
	// [payment] order-3 refunded 40.00 (attempt 3)
	// [inventory] order-3 released 1 lamp
	// [inventory] FAULT: order-3 release: the ack is lost, JetStream delivers the event again
	// [inventory] order-3 release delivered again: absorbed by key order-3/release, not applied twice
	// [orders] order-3 compensated (no carrier serves the address)
	// [orders] order-4 placed: 3 x chair for 195.00
	// [inventory] order-4 reserved 3 chair
	// [payment] FAULT: order-4 charge declined: card declined (a business failure: not retried, the saga compensates)
	// [inventory] order-4 released 3 chair
	// [orders] order-4 compensated (card declined)
	// [shipping] FAULT: crashes: its consumer stops and its connection drops, before order-5 reaches it
	// [orders] order-5 placed: 3 x chair for 195.00
	// [shipping] restarts: its durable consumer resumes at the first unacknowledged event (1 waiting)
	// [inventory] order-5 reserved 3 chair
	// [payment] order-5 charged 195.00
	// [shipping] FAULT: order-5 book declined: no carrier serves the address (a business failure: not retried, the saga compensates)
	// [payment] order-5 refunded 195.00
	// [inventory] order-5 released 3 chair
	// [orders] order-5 compensated (no carrier serves the address)
	// [orders] order-6 placed: 3 x chair for 195.00
	// [inventory] order-6 reserved 3 chair
	// [payment] order-6 charged 195.00
	// [shipping] order-6 booked a shipment of 3 chair
	// [orders] order-6 completed
	// [orders] order-7 placed: 3 x desk for 360.00
	// [inventory] order-7 reserved 3 desk
	// [inventory] FAULT: order-7 reserve: the ack is lost, JetStream delivers the event again
	// [inventory] order-7 reserve delivered again: absorbed by key order-7/reserve, not applied twice
	// [payment] order-7 charged 360.00
	// [shipping] FAULT: order-7 book attempt 1 failed: shipping is unavailable; retried
	// [shipping] FAULT: order-7 book attempt 2 failed: shipping is unavailable; retried
	// [shipping] FAULT: order-7 book attempt 3 failed: shipping is unavailable; retried
	// [shipping] FAULT: order-7 book attempt 4 failed: shipping is unavailable; retried
	// [shipping] order-7 booked a shipment of 3 desk (attempt 5)
	// [shipping] FAULT: order-7 book: the ack is lost, JetStream delivers the event again
	// [shipping] order-7 book delivered again: absorbed by key order-7/book, not applied twice
	// [orders] order-7 completed
	// [orders] order-8 placed: 2 x chair for 130.00
	// [inventory] FAULT: order-8 reserve attempt 1 failed: inventory is unavailable; retried
	// [inventory] order-8 reserved 2 chair (attempt 2)
	// [payment] order-8 charged 130.00
	// [shipping] order-8 booked a shipment of 2 chair
	// [orders] order-8 completed
	// [check] choreography outcomes: 4 completed + 4 compensated = 8 of 8 sagas: ok
	// [check] choreography stock: available 2990 + reserved 10 = 3000 stock; reserved 10 = shipped 10 = 10 units in completed orders: ok
	// [check] choreography money: charged 1160.00 - refunded 235.00 = 925.00; completed orders are worth 925.00: ok
	// [check] choreography effects: 0 of 26 idempotency records applied twice: ok
	// [check] choreography dead letters: 1 read back from SAGA_chor_DEAD, want the malformed one: "malformed event: unexpected end of JSON input" from chor.events.order.placed: ok
	// == act 2: orchestration: a Temporal workflow drives the services and holds the compensation stack ==
	// [lab] inventory, payment and shipping answer requests on NATS; the activities call them
	// [worker] Temporal SDK test environment in this process: same workflow and activities, no server, no worker process to kill
	// [orchestrator] order-1 workflow started: 1 x chair for 65.00
	// [inventory] FAULT: order-1 reserve declined: warehouse reports the item damaged (a business failure: not retried, the saga compensates)
	// [orchestrator] order-1 compensated (warehouse reports the item damaged)
	// [orchestrator] order-2 workflow started: 2 x desk for 240.00
	// [inventory] order-2 reserved 2 desk
	// [payment] order-2 charged 240.00
	// [shipping] order-2 booked a shipment of 2 desk
	// [orchestrator] order-2 completed
	// [orchestrator] order-3 workflow started: 1 x lamp for 40.00
	// [inventory] order-3 reserved 1 lamp
	// [payment] order-3 charged 40.00
	// [shipping] FAULT: order-3 book declined: no carrier serves the address (a business failure: not retried, the saga compensates)
	// [payment] FAULT: order-3 refund attempt 1 failed: payment is unavailable; a compensation is retried until it succeeds
	// [payment] FAULT: order-3 refund attempt 2 failed: payment is unavailable; a compensation is retried until it succeeds
	// [payment] order-3 refunded 40.00 (attempt 3)
	// [inventory] order-3 released 1 lamp
	// [orchestrator] order-3 compensated (no carrier serves the address)
	// [orchestrator] order-4 workflow started: 3 x chair for 195.00
	// [inventory] order-4 reserved 3 chair
	// [payment] FAULT: order-4 charge declined: card declined (a business failure: not retried, the saga compensates)
	// [inventory] order-4 released 3 chair
	// [orchestrator] order-4 compensated (card declined)
	// [orchestrator] order-5 workflow started: 3 x chair for 195.00
	// [inventory] order-5 reserved 3 chair
	// [payment] order-5 charged 195.00
	// [shipping] FAULT: order-5 book declined: no carrier serves the address (a business failure: not retried, the saga compensates)
	// [payment] order-5 refunded 195.00
	// [inventory] order-5 released 3 chair
	// [orchestrator] order-5 compensated (no carrier serves the address)
	// [orchestrator] order-6 workflow started: 3 x chair for 195.00
	// [orchestrator] progress query while order-6 runs: stage charge, done [reserve]
	// [customer] cancels order-6 while its charge request is still on its way to payment (signal "cancel")
	// [inventory] order-6 reserved 3 chair
	// [payment] FAULT: order-6 charge request delayed in the network: it reaches payment only after the saga stopped waiting for it
	// [payment] order-6 charge declined: already compensated
	// [payment] order-6 refund: nothing to undo, the charge never applied (recorded: a late charge is refused)
	// [inventory] order-6 released 3 chair
	// [orchestrator] order-6 compensated (cancelled by the customer while charge ran)
	// [orchestrator] order-7 workflow started: 3 x desk for 360.00
	// [inventory] order-7 reserved 3 desk
	// [payment] order-7 charged 360.00
	// [shipping] FAULT: order-7 book attempt 1 failed: shipping is unavailable; retried
	// [shipping] FAULT: order-7 book attempt 2 failed: shipping is unavailable; retried
	// [shipping] FAULT: order-7 book attempt 3 failed: shipping is unavailable; retried
	// [shipping] FAULT: order-7 book attempt 4 failed: shipping is unavailable; retried
	// [shipping] order-7 booked a shipment of 3 desk (attempt 5)
	// [shipping] FAULT: order-7 book attempt 5 applied, but its answer is lost on the way back: the caller's attempt times out
	// [shipping] order-7 book settled on request: its record says applied (attempt 5), a definite answer
	// [orchestrator] order-7 completed
	// [orchestrator] order-8 workflow started: 2 x chair for 130.00
	// [inventory] FAULT: order-8 reserve attempt 1 failed: inventory is unavailable; retried
	// [inventory] order-8 reserved 2 chair (attempt 2)
	// [payment] order-8 charged 130.00
	// [shipping] order-8 booked a shipment of 2 chair
	// [orchestrator] order-8 completed
	// [check] orchestration outcomes: 3 completed + 5 compensated = 8 of 8 sagas: ok
	// [check] orchestration stock: available 2993 + reserved 7 = 3000 stock; reserved 7 = shipped 7 = 7 units in completed orders: ok
	// [check] orchestration money: charged 965.00 - refunded 235.00 = 730.00; completed orders are worth 730.00: ok
	// [check] orchestration effects: 0 of 27 idempotency records applied twice: ok
	// == verdict ==
	// [invariant] HELD: choreography and orchestration: every saga completed or fully compensated; stock + reserved + shipped and money charged - refunded match the completed orders exactly; no step applied twice
}
