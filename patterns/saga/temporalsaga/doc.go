// Package temporalsaga runs a saga as a Temporal workflow, for any steps:
// each step is an activity with an idempotency key (saga ID, step name) and,
// but for the last, a compensating activity. Run executes the steps in
// order, keeps the stack of compensations of the steps that may have
// applied, and on a decline, an exhausted step or a cancel runs that stack
// last first, retrying each compensation until it succeeds.
//
// The last step may have no compensation: it is the pivot. When the pivot's
// outcome is unknown (its last allowed attempt timed out, the saga was
// cancelled while it ran), Run does not guess: it asks the pivot's owner to
// settle the key (Step.Settle), which answers from its record or records a
// tombstone so that a late attempt is refused. The saga then completes or
// compensates on a definite answer.
//
// A module instantiates it with its own steps inside its own workflow:
//
//	func TransferSaga(ctx workflow.Context, t Transfer) (temporalsaga.Outcome, error) {
//		var a *Activities
//		return temporalsaga.Run(ctx, temporalsaga.Saga{
//			ID: t.ID,
//			Steps: []temporalsaga.Step{
//				{Action: temporalsaga.Action{Name: "debit", Activity: a.Debit},
//					Undo: &temporalsaga.Action{Name: "credit-back", Activity: a.CreditBack}},
//				{Action: temporalsaga.Action{Name: "credit", Activity: a.Credit}, Settle: a.SettleCredit},
//			},
//		}, t)
//	}
//
// Every activity is called with the step's ledger.Key and the saga's input.
// This package holds workflow code only: workflowcheck verifies it.
package temporalsaga
