package fintech_test

import (
	"context"
	"os"

	"github.com/patternlab/patternlab/industries/fintech"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Example runs the whole day on a smaller traffic. Measurements are
// hidden; every other line is the same on every run with this seed.
func Example() {
	cfg := fintech.DefaultConfig()
	cfg.Payments, cfg.Accounts = 30, 12
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := fintech.Demo(context.Background(), n, cfg); err != nil {
		panic(err)
	}
	// Output:
	// == act 1: a clearing house, 4 banks and their books ==
	// [nats] embedded nats-server with JetStream, file storage in a temporary directory
	// [nats] only the clearing house may publish on fintech.ledger.>, fintech.risk.>, fintech.dlq.>; the banks publish their instructions on fintech.pay.<bank>
	// [books] alpha, bravo, charlie, delta: 48 customer accounts, each bank on a log of its own (LEDGER_ALPHA: one subject per account, fintech.ledger.alpha.Account.<id>), 2824523.23 held at the start of the day
	// [books] an account's balance is what its events add up to; an append names the account's last sequence, and a command its ID
	// [risk] rules: EUR only, at most 100000.00 a payment (above it: RTGS), charlie-0002 on the sanctions list; velocity: 5 payments per payer in any 15m0s of business time
	// [intake] no risk decision, no payment: a payment that finds the risk service down waits, then is refused as risk-unavailable
	// [temporal] Temporal dev server
	// [saga] each payment is a saga on Temporal: debit the payer at its bank, then credit the payee at its bank (the pivot); a refused credit is credited back
	// == act 2: the business day ==
	// [banks] seed 7: 50 payment instructions from 08:00 to 18:00, 7.77 to 250000.00 (median 135.08), in 57 messages with the resends and the malformed ones
	// [banks] FAULT: a malformed message arrives (today: 5, one each of bad JSON, a zero amount, a negative amount, an unknown currency, the payer paying itself)
	// [risk] FAULT: the risk service goes down at 11:00:01, as pi-000016 arrives; it stays down for the next 6 payments
	// [risk] back up after 6 payments (the last: pi-000021)
	// [delta] FAULT: delta closes account delta-0002 at 13:00, before pi-000027; its balance goes to delta-suspense (2 payments later today are to it)
	// [banks] FAULT: pi-000050 delivered again, as a bank that timed out waiting for the ack resends it (resent today: 1 instruction, two or three times each)
	// [saga] FAULT: pi-000005's credit: four attempts failed (the payee's bank was unavailable), the fifth applied and its answer was lost
	// [alpha] FAULT: pi-000006's debit applied at alpha, and its answer was lost: Temporal tried the debit again
	// [books] FAULT: pi-000035 and pi-000036 both debited alpha-0001, both decided on the same version of the account
	// [office] 50 payments: 35 settled, 13 rejected, 2 compensated, 0 failed; 2 resends absorbed
	// [office] reasons: above the limit 1, account closed 2, currency 1, insufficient funds 1, risk unavailable 6, sanctions 1, velocity 3
	// [saga] pi-000015 (overdraft): rejected: debit refused: insufficient funds
	// [saga] pi-000025 (sanctions): rejected: risk: payee charlie-0002 is on the sanctions list
	// [saga] pi-000031 (limit): rejected: risk: amount above the clearing limit of 100000.00: send it via RTGS
	// [saga] pi-000040 (currency): rejected: risk: currency USD is not cleared here (only EUR)
	// [saga] pi-000030 (after the close): compensated: credit refused: account closed
	// [saga] pi-000006 (lost debit answer): settled
	// [saga] pi-000005 (late pivot): settled
	// [saga] pi-000035 (race): settled
	// [saga] pi-000036 (race): settled
	// [saga] pi-000016 (risk down): rejected: risk: risk-unavailable: no answer to 3 requests
	// [saga] pi-000017 (risk down): rejected: risk: risk-unavailable: no answer to 3 requests
	// [saga] bravo-0002's burst of 8 payments in 2m20s: settled, settled, settled, settled, settled, rejected, rejected, rejected
	// == act 3: a stranger writes on the books ==
	// [guest] FAULT: a client without the clearing house's credentials publishes a deposit of 10000.00 as alpha-0001's next event
	// [check] protected: the server refused the guest's publish: permissions violation: ok
	// == act 4: end-of-day clearing ==
	// [clearing] cut-off: every bank's log up to its last event now; the run reads each log page by page and saves a checkpoint after each page
	// [clearing] FAULT: the clearing process is killed with SIGKILL after page 3 of the run; its checkpoint stands at page 3
	// [clearing] started again: it resumed from its checkpoint and wrote the settlement file
	// [clearing] settlement file: 10 bilateral obligations netted into 4 positions; the settlement agent debits 1 banks and credits 3
	// [check] resumed-equals-uninterrupted: the killed and resumed run's file against an uninterrupted run's: identical, byte for byte (1133 bytes): ok
	// == verdict ==
	// [audit] read back from the servers: 57 messages on PAYMENTS, 5 dead letters on PAYMENTS_DLQ, 44 risk decisions, 177 events in the books, 50 sagas' results from Temporal
	// [audit] dead letters, each with its reason: "bad-000001: amount 0 is not positive"; "bad-000002: amount -500 is not positive"; "bad-000003: unknown currency \"EUX\""; "bad-000004: payer and payee are the same account alpha-0003"; "not a payment instruction: unexpected EOF"
	// [check] accounted: 57 messages: 50 payments + 2 resends absorbed + 5 malformed, 5 of them dead-lettered with a reason: ok
	// [check] books: all accounts of all banks hold 2824523.23 at the end of the day, 2824523.23 at its start: ok
	// [check] once: 37 payments left legs in the books: none applied twice, each settled one credited once and each compensated one credited back: ok
	// [check] reasons: 15 rejected or compensated payments, each with its reason; none failed: ok
	// [check] screened: every payment that moved money was approved by the risk service, and no payer went past 5 payments in any 15m0s: ok
	// [check] positions: net positions sum to 0.00; by each bank's own books to 0.00; 0 pairs whose two books disagree: ok
	// [check] settlement: the settlement file against the recomputation from the raw event log: identical, byte for byte (1133 bytes): ok
	// [invariant] HELD: the books balance and the net positions sum to zero; no payment applied twice; every rejected or compensated payment has its reason; the settlement file equals an independent recomputation from the raw event log
}
