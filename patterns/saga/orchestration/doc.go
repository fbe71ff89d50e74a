// Package orchestration is the shop's saga orchestrated by Temporal:
// OrderSaga is a workflow built on temporalsaga (reserve and charge with
// their compensations, book as the pivot), its activities are NATS requests
// to the shop's services, and its worker runs in a separate OS process that
// a demo can SIGKILL. An Orchestrator starts sagas on a Temporal server or
// in the SDK's in-memory test environment, queries their progress and
// cancels them by signal. Workflow code lives in workflow.go only, which
// workflowcheck verifies.
package orchestration
