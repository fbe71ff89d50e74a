// Package fintech is a payment clearing system composed from the lab's
// pattern modules: banks send payment instructions on NATS; a risk service
// screens each one (rules and a velocity limit, failing closed); each
// accepted payment is a saga orchestrated by Temporal on patterns/saga's
// temporalsaga (debit the payer's bank account, credit the payee's, credit
// back on failure); every account is an event-sourced aggregate of
// patterns/cqrs on its bank's JetStream log; and an end-of-day clearing run
// nets what the banks owe each other into settlement instructions.
//
// Demo runs one business day with its faults (resent instructions,
// malformed messages, the risk service down, an account closed mid-day, a
// lost answer, a late pivot, a version race, a stranger writing on the
// books, the clearing process killed mid-run) and checks from the servers'
// own records that the books balance, the net positions sum to zero, no
// payment was applied twice, every refusal has its reason and the
// settlement file equals an independent recomputation from the raw logs.
package fintech
