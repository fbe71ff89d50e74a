package payment

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// Faults lets a demo act at the edges of a leg. Before runs before the
// books are touched (an error there is a failure that applied nothing);
// After runs once the leg has applied (an error there is an answer lost on
// its way back: the saga does not know the leg applied).
type Faults interface {
	Before(k ledger.Key, attempt int32) error
	After(k ledger.Key, attempt int32) error
}

// Activities are the legs of the saga, as commands on the banks' books.
// Each command's ID derives from the leg's key, so a retried activity, even
// one whose first attempt applied and whose answer was lost, changes the
// books once.
type Activities struct {
	Banks  map[string]*bank.Books
	Faults Faults // nil: none
}

func (a *Activities) books(name string) (*bank.Books, error) {
	b, ok := a.Banks[name]
	if !ok {
		return nil, temporalsaga.Declined(fmt.Sprintf("no bank %q in this clearing system", name))
	}
	return b, nil
}

// leg runs one leg between the fault hooks, and turns a business refusal
// into a decline (not retried).
func (a *Activities) leg(ctx context.Context, k ledger.Key, run func() error) error {
	attempt := activity.GetInfo(ctx).Attempt
	if a.Faults != nil {
		if err := a.Faults.Before(k, attempt); err != nil {
			return err
		}
	}
	err := run()
	var r *bank.Refused
	if errors.As(err, &r) {
		return temporalsaga.Declined(r.Reason)
	}
	if err != nil {
		return err
	}
	if a.Faults != nil {
		return a.Faults.After(k, attempt)
	}
	return nil
}

func check(k ledger.Key, p Payment, step string) error {
	if k.Saga != p.ID || k.Step != step {
		return temporalsaga.Declined(fmt.Sprintf("key %s is not step %s of payment %s", k, step, p.ID))
	}
	return nil
}

// Debit takes the amount from the payer's account, at the payer's bank.
func (a *Activities) Debit(ctx context.Context, k ledger.Key, p Payment) error {
	if err := check(k, p, bank.Debit); err != nil {
		return err
	}
	in := p.Instruction
	b, err := a.books(in.PayerBank())
	if err != nil {
		return err
	}
	return a.leg(ctx, k, func() error { return b.Take(ctx, p.ID, in.Payer, in.Amount, in.PayeeBank()) })
}

// Credit gives the amount to the payee's account, at the payee's bank.
func (a *Activities) Credit(ctx context.Context, k ledger.Key, p Payment) error {
	if err := check(k, p, bank.Credit); err != nil {
		return err
	}
	in := p.Instruction
	b, err := a.books(in.PayeeBank())
	if err != nil {
		return err
	}
	return a.leg(ctx, k, func() error { return b.Give(ctx, p.ID, in.Payee, in.Amount, in.PayerBank()) })
}

// CreditBack undoes the debit: it decides the debit for good, then gives
// the amount back if the debit had applied.
func (a *Activities) CreditBack(ctx context.Context, k ledger.Key, p Payment) (bool, error) {
	if err := check(k, p, bank.CreditBack); err != nil {
		return false, err
	}
	in := p.Instruction
	b, err := a.books(in.PayerBank())
	if err != nil {
		return false, err
	}
	var undone bool
	err = a.leg(ctx, k, func() (err error) {
		undone, err = b.GiveBack(ctx, p.ID, in.Payer, in.Amount, in.PayeeBank())
		return err
	})
	return undone, err
}

// SettleCredit asks the payee's books whether the credit applied, when the
// saga no longer knows: applied, or never (a tombstone).
func (a *Activities) SettleCredit(ctx context.Context, k ledger.Key, p Payment) (temporalsaga.Settlement, error) {
	if err := check(k, p, bank.Credit); err != nil {
		return temporalsaga.Settlement{}, err
	}
	in := p.Instruction
	b, err := a.books(in.PayeeBank())
	if err != nil {
		return temporalsaga.Settlement{}, err
	}
	applied, err := b.Settle(ctx, p.ID, in.Payee)
	if err != nil {
		return temporalsaga.Settlement{}, err
	}
	s := temporalsaga.Settlement{Applied: applied}
	if !applied {
		s.Reason = "the payee's bank never credited it, and now never will"
	}
	return s, nil
}
