package cqrs

import (
	eh "github.com/looplab/eventhorizon"
)

// The facts the ledger records, in the past tense. An account's balance is
// never stored: it is what these events add up to.
const (
	AccountOpened  eh.EventType = "AccountOpened"
	MoneyDeposited eh.EventType = "MoneyDeposited"
	MoneyWithdrawn eh.EventType = "MoneyWithdrawn"
	AccountClosed  eh.EventType = "AccountClosed"
)

// AccountOpenedData is the payload of AccountOpened.
type AccountOpenedData struct {
	Owner string `json:"owner"`
}

// MoneyMovedData is the payload of MoneyDeposited and MoneyWithdrawn: an
// amount in cents and a free reference (a transfer's ID, a payroll run).
type MoneyMovedData struct {
	Amount int64  `json:"amount"`
	Ref    string `json:"ref,omitempty"`
}

func init() {
	eh.RegisterEventData(AccountOpened, func() eh.EventData { return &AccountOpenedData{} })
	eh.RegisterEventData(MoneyDeposited, func() eh.EventData { return &MoneyMovedData{} })
	eh.RegisterEventData(MoneyWithdrawn, func() eh.EventData { return &MoneyMovedData{} })
}

// signedAmount is what an event does to a balance: +amount for a deposit,
// -amount for a withdrawal, 0 otherwise.
func signedAmount(e eh.Event) int64 {
	d, ok := e.Data().(*MoneyMovedData)
	if !ok {
		return 0
	}
	switch e.EventType() {
	case MoneyDeposited:
		return d.Amount
	case MoneyWithdrawn:
		return -d.Amount
	}
	return 0
}
