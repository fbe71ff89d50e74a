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
	cfg := cqrs.Config{Seed: 7, Accounts: 4, Operations: 60, DupEvery: 10, SecondBurst: 12, CrashAfter: 3, AckWait: 200 * time.Millisecond}
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := cqrs.Demo(context.Background(), n, cfg); err != nil {
		panic(err)
	}
	// Output:
	// == act 1: a ledger whose only truth is an event log in JetStream ==
	// [nats] embedded nats-server with JetStream, file storage in a temporary directory
	// [store] stream LEDGER: one subject per account (ledger.Account.<id>), file storage, deny delete and purge
	// [store] an append names the stream sequence of the account's last event; the server refuses it if another writer got there first
	// [bus] projectors "balances" and "statement" read the same stream through durable consumers, one event in flight each
	// == act 2: open accounts ==
	// [ledger] opened alice, bob, carol, dave, each with an opening deposit of 1000.00
	// == act 3: a burst of commands, with retries and a duplicate race ==
	// [ledger] sending 60 operations; every 10th is sent twice with the same command IDs
	// [ledger] 29 deposits, 15 withdrawals, 16 transfers (two commands each): 60 went through, 0 refused for funds, 0 refunded
	// [ledger] 6 operations sent a second time: every copy was acknowledged with the original outcome (0 differed)
	// [ledger] deposit of 42.00 to bob sent twice at once: both acknowledged, 1 event in the log
	// [projector] balances and statements caught up with every account
	// == act 4: two writers, one account version ==
	// [writer-1] loaded carol at v26, balance 1600.87
	// [writer-2] loaded carol at v26, balance 1600.87
	// [writer-1] withdrew 800.43: appended as v27
	// [check] version-race: writer-2's withdrawal of 1200.66, decided on v26, refused by the server as "event conflict from other save": ok
	// [writer-2] reloaded and retried: refused, carol no longer holds 1200.66 (no overdraft)
	// == act 5: a closed account refuses everything ==
	// [ledger] dave paid out 788.26 and closed the account
	// [check] closed-refuses: deposit to dave refused: account closed: ok
	// [check] refund: transfer alice -> dave of 25.00: withdrawn, deposit refused, refunded: ok
	// == act 6: the projector process crashes mid-stream ==
	// [projector] FAULT: the read side will die right after applying event 3 of the next burst, before acking it
	// [ledger] 12 payroll deposits appended and acknowledged, whatever the read side is doing
	// [projector] crashed; its read models kept what it had applied
	// [projector] restarted on the same durable consumers
	// [check] redelivery: the unacked event came back and the balances projector skipped it by version: 1 skipped: ok
	// == act 7: rebuild the read models from the log ==
	// [rebuild] replayed 102 events (up to stream sequence 102) into empty read models
	// [check] rebuild-equals-live: 4 balances and 102 statement lines, identical to the live read models: ok
	// == verdict ==
	// [check] totals: read model 4107.61, replayed events 4107.61, sender's books 4107.61: ok
	// [check] once: 102 events from 102 command IDs, none applied twice: ok
	// [invariant] HELD: sum of balances in the read model == sum of replayed events == expected total, and no command was applied twice
}
