// Package traffic is the payments a clearing house receives in one business
// day: the instructions (the fields of an ISO 20022 pacs.008 customer credit
// transfer the case needs), how they travel as messages, what makes one
// malformed, and a seeded generator of a whole day of them.
package traffic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/currency"
)

// Instruction is one customer credit transfer, as the payer's bank sends it
// to the clearing house.
type Instruction struct {
	// ID is the end-to-end identification the payer's bank gives the
	// payment (pacs.008 EndToEndId): the payment's idempotency key.
	ID string `json:"id"`
	// Time is when the payer's bank accepted it (AccptncDtTm): business
	// time, which the risk service's velocity window is measured in.
	Time time.Time `json:"time"`
	// Payer and Payee are accounts, "<bank>-<number>" (the bank code is
	// part of the account identifier, as it is of an IBAN).
	Payer string `json:"payer"`
	Payee string `json:"payee"`
	// Amount is in cents (IntrBkSttlmAmt), Currency its ISO 4217 code.
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Bank of an account: the part before the dash.
func Bank(account string) string {
	b, _, _ := strings.Cut(account, "-")
	return b
}

// PayerBank is the debtor agent.
func (in Instruction) PayerBank() string { return Bank(in.Payer) }

// PayeeBank is the creditor agent.
func (in Instruction) PayeeBank() string { return Bank(in.Payee) }

// Encode is the message a bank publishes.
func (in Instruction) Encode() []byte {
	b, err := json.Marshal(in)
	if err != nil {
		panic(err) // a struct of strings, ints and a time always marshals
	}
	return b
}

// ErrMalformed wraps every reason a message is not a payment instruction.
// Such a message goes to the dead letters with its Kind and reason.
var ErrMalformed = errors.New("malformed instruction")

// Malformed is why a message was refused.
type Malformed struct {
	Kind   string // bad-json, missing-field, amount, currency, same-account
	Reason string
}

func (m *Malformed) Error() string { return m.Reason }
func (m *Malformed) Unwrap() error { return ErrMalformed }

func malformed(kind, format string, args ...any) error {
	return &Malformed{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// Parse decodes a message strictly: unknown fields, a missing field, an
// amount that is not positive, a currency that is not an ISO 4217 code, or
// a payment to the payer's own account are refused with the reason. A
// currency that exists but is not cleared here (USD in a euro system) is
// not malformed: the risk service's rules refuse it.
func Parse(data []byte) (Instruction, error) {
	var in Instruction
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, malformed("bad-json", "not a payment instruction: %v", err)
	}
	if dec.More() {
		return in, malformed("bad-json", "not a payment instruction: data after the object")
	}
	switch {
	case in.ID == "" || len(in.ID) > 35 || strings.ContainsAny(in.ID, " .*>\t\r\n"):
		return in, malformed("missing-field", "end-to-end ID %q: want 1..35 characters without spaces, dots or wildcards", in.ID)
	case in.Time.IsZero():
		return in, malformed("missing-field", "%s: no acceptance time", in.ID)
	case in.Payer == "" || in.Payee == "":
		return in, malformed("missing-field", "%s: payer and payee are required", in.ID)
	case in.Amount <= 0:
		return in, malformed("amount", "%s: amount %d is not positive", in.ID, in.Amount)
	}
	// ISO 4217 codes are three capital letters; ParseISO also takes "eur".
	if _, err := currency.ParseISO(in.Currency); err != nil || len(in.Currency) != 3 || strings.ToUpper(in.Currency) != in.Currency {
		return in, malformed("currency", "%s: unknown currency %q", in.ID, in.Currency)
	}
	if in.Payer == in.Payee {
		return in, malformed("same-account", "%s: payer and payee are the same account %s", in.ID, in.Payer)
	}
	return in, nil
}
