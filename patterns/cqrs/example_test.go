package cqrs_test

import (
	"context"
	"os"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/cqrs"
)

// Example runs the whole demo on a smaller burst. Measurements are hidden;
// every other line is the same on every run with this seed.
func Example() {
	cfg := cqrs.DefaultConfig()
	cfg.Operations, cfg.SecondBurst, cfg.CrashAfter, cfg.AckWait = 60, 12, 3, 200*time.Millisecond
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := cqrs.Demo(context.Background(), n, cfg); err != nil {
		panic(err)
	}
	// Output:
	// == act 1: a ledger whose only truth is an event log in JetStream ==
	// [nats] embedded nats-server with JetStream, file storage in a temporary directory
	// [nats] only the ledger's own user may publish on ledger.> and ledger-dlq.>; a guest may publish elsewhere, and may not call the JetStream API
	// [store] stream LEDGER: one subject per account (ledger.Account.<id>), file storage, deny delete and purge
	// [store] an append names the stream sequence of the account's last event; the server refuses it if another writer got there first
	// [bus] projectors "balances" and "statement" read the same stream through durable consumers, one event in flight each; what they cannot decode goes to LEDGER_DLQ
	// == act 2: open accounts ==
	// [ledger] opened alice, bob, carol, dave, each with an opening deposit of 1000.00
	// == act 3: a burst of commands, with retries and a duplicate race ==
	// [ledger] sending 60 operations; every 10th is sent twice with the same command IDs, as a client that timed out would
	// [ledger] 29 deposits, 15 withdrawals, 16 transfers (two commands each): 60 went through, 0 refused for funds, 0 refunded
	// [client] FAULT: 6 operations were sent a second time with the same command IDs
	// [check] retries: every copy was acknowledged with its original's outcome (0 differed): ok
	// [client] FAULT: deposit of 42.00 to bob sent twice at the same instant, as two retrying clients would
	// [ledger] both copies acknowledged; bob's history holds 1 event of that command
	// [projector] balances and statements caught up with every account
	// == act 4: two writers, one account version ==
	// [writer-1] loaded carol at v26, balance 1600.87
	// [writer-2] loaded carol at v26, balance 1600.87
	// [writer-1] withdrew 800.43: appended as v27
	// [writer-2] FAULT: appends its withdrawal of 1200.66, decided on v26, after writer-1 moved carol on
	// [check] version-race: writer-2's append: refused by the server as an event conflict from other save: ok
	// [writer-2] reloaded and retried: refused, carol no longer holds 1200.66 (no overdraft)
	// == act 5: a closed account refuses everything ==
	// [ledger] dave paid out 788.26 and closed the account
	// [check] closed-refuses: deposit to dave refused: account closed: ok
	// [check] refund: transfer alice -> dave of 25.00: withdrawn, deposit refused, refunded: ok
	// == act 6: strangers on the ledger's subjects ==
	// [guest] FAULT: a client without the ledger's credentials publishes a forged deposit of 10000.00 as bob's next event (v19)
	// [check] protected: the server refused the guest's publish: permissions violation: ok
	// [legacy] FAULT: a tool with the ledger's credentials but not its code publishes {"account":"bob","amount":5000} on bob's subject
	// [legacy] stored at seq 91; the server refuses to delete it (message delete not permitted): it stays in the log for good
	// [ledger] bob's next deposit of 50.00 accepted as v19: his history leaves the foreign message out
	// [projector] balances and statements caught up with every account
	// [check] dead-letters: LEDGER_DLQ holds 1 letter(s) for the 1 undecodable message(s), each with its reason, subject and headers: seq 91: malformed event: ledger.Account.b6be76b4-12b4-47a6-9467-049c26458895: no event type: ok
	// == act 7: the projector process crashes mid-stream ==
	// [projector] the read side will die right after applying event 3 of the next burst, before acking it
	// [ledger] 12 payroll deposits appended and acknowledged, whatever the read side is doing
	// [projector] FAULT: the read side died right after applying seq 95 (carol v28, +102.00), before acking it
	// [projector] restarted on the same durable consumers; the read models kept what it had applied
	// [check] redelivery: the server delivered the unacked seq 95 to the restarted projector again: ok
	// == act 8: rebuild the read models from the log ==
	// [rebuild] replayed 103 events (up to stream sequence 104) into empty read models, leaving out 1 message(s) that are no account's history
	// [rebuild] left out seq 91: malformed event: ledger.Account.b6be76b4-12b4-47a6-9467-049c26458895: no event type
	// [check] rebuild-equals-live: 4 balances and 103 statement lines, identical to the live read models: ok
	// == verdict ==
	// [check] totals: read model 4157.61, replayed events 4157.61, senders' books 4157.61: ok
	// [check] once: 103 events from 103 command IDs: 0 applied twice, 0 from a command nobody sent: ok
	// [check] history: the replay left out 1 message(s): the 1 undecodable one(s) put in, 0 appended on a stale version, 0 other: ok
	// [invariant] HELD: the read model's balances == the replayed events == the senders' books; no command applied twice, no update lost, no event nobody sent; every foreign message refused or dead-lettered with its reason
}
