// Package payment is the payment saga orchestrated by Temporal, built on
// patterns/saga's temporalsaga: debit the payer's account at the payer's
// bank (undone by a credit-back), then credit the payee's account at the
// payee's bank, the pivot, settled with the payee's books when its outcome
// is unknown. Its activities are commands on the banks' event-sourced books
// (package bank), keyed by (payment, step). Workflow code lives in
// workflow.go only.
package payment

import (
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/risk"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// StepTimeout bounds one attempt of a leg.
const StepTimeout = 5 * time.Second

// MaxForwardAttempts is how often a leg is tried before the saga gives up
// on it (and settles it, for the credit).
const MaxForwardAttempts = 5

// Payment is what one saga moves.
type Payment struct {
	// ID is the saga's identity and the first half of every leg's key: the
	// instruction's end-to-end ID (with -idempotency=false, one ID per
	// message received).
	ID          string              `json:"id"`
	Instruction traffic.Instruction `json:"instruction"`
}

// Input is what a PaymentSaga workflow runs: the payment, the risk
// service's decision on it, and the safeguards a demo switched off.
type Input struct {
	Payment  Payment             `json:"payment"`
	Decision risk.Decision       `json:"decision"`
	Unsafe   temporalsaga.Unsafe `json:"unsafe,omitzero"`
}

// Status is where a payment ended.
type Status string

// The ends of a payment.
const (
	Settled     Status = "settled"     // the payee was credited
	Rejected    Status = "rejected"    // nothing moved: refused by risk or by the payer's account
	Compensated Status = "compensated" // the debit was credited back
	Failed      Status = "failed"      // stopped with the debit standing: only with a safeguard off
)

// Result is how a payment ended and why.
type Result struct {
	Payment string `json:"payment"`
	Status  Status `json:"status"`
	Reason  string `json:"reason,omitempty"`
}

// PaymentSaga is the saga of one payment. A payment the risk service
// refused ends at once, recorded under its ID like any other, so a resend
// of it is refused the same way.
func PaymentSaga(ctx workflow.Context, in Input) (Result, error) {
	if !in.Decision.Approved {
		return Result{Payment: in.Payment.ID, Status: Rejected, Reason: "risk: " + in.Decision.Reason}, nil
	}
	var a *Activities
	fwd := temporalsaga.DefaultForward()
	fwd.StartToCloseTimeout = StepTimeout
	fwd.RetryPolicy.MaximumAttempts = MaxForwardAttempts
	comp := temporalsaga.DefaultCompensation()
	comp.StartToCloseTimeout = StepTimeout
	out, err := temporalsaga.Run(ctx, temporalsaga.Saga{
		ID: in.Payment.ID,
		Steps: []temporalsaga.Step{
			{Action: temporalsaga.Action{Name: bank.Debit, Activity: a.Debit},
				Undo: &temporalsaga.Action{Name: bank.CreditBack, Activity: a.CreditBack}},
			{Action: temporalsaga.Action{Name: bank.Credit, Activity: a.Credit}, Settle: a.SettleCredit},
		},
		Forward:      fwd,
		Compensation: comp,
		Unsafe:       in.Unsafe,
	}, in.Payment)
	if err != nil {
		return Result{}, err
	}
	r := Result{Payment: in.Payment.ID, Reason: out.Reason}
	switch {
	case out.Status == temporalsaga.Completed:
		r.Status = Settled
	case out.Status == temporalsaga.Failed:
		r.Status = Failed
	case strings.HasPrefix(out.Reason, bank.Debit+" refused"):
		r.Status = Rejected // the payer's account refused the debit: nothing to undo
	default:
		r.Status = Compensated
	}
	return r, nil
}
