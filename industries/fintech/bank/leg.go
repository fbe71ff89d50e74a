package bank

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patternlab/patternlab/patterns/cqrs"
)

// The legs of a payment, as its saga names its steps.
const (
	Debit      = "debit"       // take the amount from the payer
	Credit     = "credit"      // give it to the payee: the pivot
	CreditBack = "credit-back" // undo the debit
)

// Ref is what a leg's ledger event carries: "<leg> <payment> <counterparty
// bank>", e.g. "debit pi-000123 bravo". Each bank's books alone then say,
// for every bank pair, what it sent and what it received: what the
// clearing nets.
func Ref(leg, payment, counterparty string) string { return leg + " " + payment + " " + counterparty }

// ParseRef reads a leg's reference; ok is false for any other movement (an
// opening balance, an internal transfer).
func ParseRef(ref string) (leg, payment, counterparty string, ok bool) {
	f := strings.Fields(ref)
	if len(f) != 3 || (f[0] != Debit && f[0] != Credit && f[0] != CreditBack) {
		return "", "", "", false
	}
	return f[0], f[1], f[2], true
}

// Internal reports a movement the bank makes on its own books, which the
// clearing ignores: an opening balance, a transfer between two of its
// accounts (the sweep of a closed account), its refund.
func Internal(ref string) bool {
	return ref == OpeningRef || strings.HasPrefix(ref, "transfer ") || strings.HasPrefix(ref, "refund of transfer ")
}

// OpeningRef is the reference of an opening balance.
const OpeningRef = "opening balance"

// Refused is a leg the account refused by a business rule: the step did
// not apply and trying again will not change that.
type Refused struct{ Reason string }

func (r *Refused) Error() string { return r.Reason }

// refused turns cqrs's business refusals into *Refused.
func refused(leg string, err error) error {
	if !cqrs.IsRefused(err) {
		return err
	}
	why := err.Error()
	for _, rule := range []error{cqrs.ErrInsufficientFunds, cqrs.ErrAccountClosed, cqrs.ErrAccountNotOpen} {
		if errors.Is(err, rule) {
			why = rule.Error()
		}
	}
	return &Refused{Reason: leg + " refused: " + why}
}

// legKey tags a command's context with the payment and leg it runs, for
// the hooks a demo puts around the store.
type legKey struct{}

// LegInfo is what LegOf reads.
type LegInfo struct{ Payment, Leg string }

func withLeg(ctx context.Context, payment, leg string) context.Context {
	return context.WithValue(ctx, legKey{}, LegInfo{payment, leg})
}

// LegOf reports the payment leg a store call runs for.
func LegOf(ctx context.Context) (LegInfo, bool) {
	l, ok := ctx.Value(legKey{}).(LegInfo)
	return l, ok
}

// Take is the debit: Amount leaves the payer's account.
func (b *Books) Take(ctx context.Context, payment, payer string, amount int64, counterparty string) error {
	err := b.Ledger.HandleCommand(withLeg(ctx, payment, Debit), &cqrs.Withdraw{
		AccountID: AccountID(payer), ID: CommandID(payment, Debit), Amount: amount, Ref: Ref(Debit, payment, counterparty)})
	return wrap(payment, Debit, refused(Debit, err))
}

// Give is the credit: Amount reaches the payee's account.
func (b *Books) Give(ctx context.Context, payment, payee string, amount int64, counterparty string) error {
	err := b.Ledger.HandleCommand(withLeg(ctx, payment, Credit), &cqrs.Deposit{
		AccountID: AccountID(payee), ID: CommandID(payment, Credit), Amount: amount, Ref: Ref(Credit, payment, counterparty)})
	return wrap(payment, Credit, refused(Credit, err))
}

// GiveBack undoes the debit, whether or not it applied: the debit is first
// decided for good (a tombstone if it never applied, so an attempt still
// on its way is absorbed), then credited back only if it did apply. It
// reports whether there was anything to undo.
func (b *Books) GiveBack(ctx context.Context, payment, payer string, amount int64, counterparty string) (undone bool, err error) {
	ctx = withLeg(ctx, payment, CreditBack)
	id, debit := AccountID(payer), CommandID(payment, Debit)
	if err := b.Ledger.HandleCommand(ctx, &cqrs.Void{AccountID: id, ID: debit, Reason: "compensated"}); err != nil {
		return false, wrap(payment, CreditBack, err)
	}
	a, err := b.Ledger.Account(ctx, id)
	if err != nil {
		return false, wrap(payment, CreditBack, err)
	}
	if a.Voided(debit) {
		return false, nil
	}
	err = b.Ledger.HandleCommand(ctx, &cqrs.Deposit{
		AccountID: id, ID: CommandID(payment, CreditBack), Amount: amount, Ref: Ref(CreditBack, payment, counterparty)})
	return err == nil, wrap(payment, CreditBack, err)
}

// Settle decides the credit for good when the saga no longer knows whether
// it applied: applied, or a tombstone that absorbs any late attempt.
func (b *Books) Settle(ctx context.Context, payment, payee string) (applied bool, err error) {
	ctx = withLeg(ctx, payment, "settle")
	id, credit := AccountID(payee), CommandID(payment, Credit)
	if err := b.Ledger.HandleCommand(ctx, &cqrs.Void{AccountID: id, ID: credit, Reason: "settled as not applied"}); err != nil {
		return false, wrap(payment, "settle", err)
	}
	a, err := b.Ledger.Account(ctx, id)
	if err != nil {
		return false, wrap(payment, "settle", err)
	}
	return !a.Voided(credit), nil
}

func wrap(payment, leg string, err error) error {
	var r *Refused
	if err == nil || errors.As(err, &r) {
		return err
	}
	return fmt.Errorf("%s %s: %w", payment, leg, err)
}
