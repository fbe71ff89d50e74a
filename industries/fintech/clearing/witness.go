package clearing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/internal/logread"
)

// Witness is the independent recomputation the verdict compares the
// settlement file with. It reads each bank's log raw, as the server holds
// it, up to the cut-off; decodes the wire format of an event on its own;
// keeps, per account, the events whose versions run 1, 2, 3... (what the
// books hold); joins the legs of each payment across the banks by payment
// ID, and nets the pairs again. It shares no code with Run but the file's
// layout (Render).
type Witness struct {
	Settlement Settlement
	// Balances is, per bank, the sum of its accounts' balances.
	Balances map[string]int64
	// Payments are the legs each payment left in the books.
	Payments map[string]*Legs
	// Skipped lists the messages the books leave out: "bank seq N: why".
	Skipped []string
	// Unexplained lists the movements that are no payment's leg, no
	// opening balance and no internal transfer: money nobody sent.
	Unexplained []string
}

// Legs is what one payment did to the books.
type Legs struct {
	PayerBank, PayeeBank    string
	Debits, Credits, Backs  int   // how many events of each leg
	Debited, Credited, Back int64 // their amounts
}

// wireEvent is the part of an event's stored form the witness reads: the
// JSON eventhorizon's codec writes.
type wireEvent struct {
	EventType   string `json:"event_type"`
	AggregateID string `json:"aggregate_id"`
	Version     int    `json:"version"`
	Data        struct {
		Amount int64  `json:"amount"`
		Ref    string `json:"ref"`
	} `json:"data"`
}

// Recompute reads the job's books and recomputes its settlement.
func Recompute(ctx context.Context, js jetstream.JetStream, job Job) (*Witness, error) {
	w := &Witness{Balances: map[string]int64{}, Payments: map[string]*Legs{}}
	for _, name := range job.Banks {
		l := bank.LogOf(name, job.Stream, job.Prefix)
		versions := map[string]int{}
		err := logread.Each(ctx, js, l.Stream, "", func(m jetstream.Msg) error {
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			if md.Sequence.Stream > job.Cutoff[name] {
				return nil
			}
			var e wireEvent
			if err := json.Unmarshal(m.Data(), &e); err != nil || !strings.HasSuffix(m.Subject(), "."+e.AggregateID) || e.AggregateID == "" {
				w.Skipped = append(w.Skipped, fmt.Sprintf("%s seq %d: not an event of the account its subject names", name, md.Sequence.Stream))
				return nil
			}
			if e.Version != versions[e.AggregateID]+1 {
				w.Skipped = append(w.Skipped, fmt.Sprintf("%s seq %d: version %d after %d", name, md.Sequence.Stream, e.Version, versions[e.AggregateID]))
				return nil
			}
			versions[e.AggregateID] = e.Version
			w.book(name, e)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("witness %s: %w", name, err)
		}
	}
	w.Settlement = w.net(job)
	return w, nil
}

// book applies one event of bank's books.
func (w *Witness) book(bankName string, e wireEvent) {
	switch e.EventType {
	case "MoneyDeposited":
		w.Balances[bankName] += e.Data.Amount
	case "MoneyWithdrawn":
		w.Balances[bankName] -= e.Data.Amount
	default:
		return
	}
	leg, payment, counterparty, ok := bank.ParseRef(e.Data.Ref)
	if !ok {
		if !bank.Internal(e.Data.Ref) {
			w.Unexplained = append(w.Unexplained, fmt.Sprintf("%s: %s of %s (%q) on account %s v%d",
				bankName, e.EventType, Cents(e.Data.Amount), e.Data.Ref, e.AggregateID, e.Version))
		}
		return
	}
	p := w.Payments[payment]
	if p == nil {
		p = &Legs{}
		w.Payments[payment] = p
	}
	switch leg {
	case bank.Debit:
		p.PayerBank, p.PayeeBank = bankName, counterparty
		p.Debits++
		p.Debited += e.Data.Amount
	case bank.Credit:
		p.PayerBank, p.PayeeBank = counterparty, bankName
		p.Credits++
		p.Credited += e.Data.Amount
	case bank.CreditBack:
		p.Backs++
		p.Back += e.Data.Amount
	}
}

// net nets the payments, one by one, into obligations and positions.
func (w *Witness) net(job Job) Settlement {
	banks := slices.Sorted(slices.Values(job.Banks))
	st := Settlement{Cycle: job.Cycle, Banks: banks, Cutoff: job.Cutoff, Positions: map[string]int64{}, BookPositions: map[string]int64{}}
	owed, count, left := map[[2]string]int64{}, map[[2]string]int{}, map[[2]string]int64{}
	for _, p := range w.Payments {
		if p.PayerBank == p.PayeeBank {
			continue
		}
		k := [2]string{p.PayerBank, p.PayeeBank}
		owed[k] += p.Credited
		count[k] += p.Credits
		left[k] += p.Debited - p.Back
	}
	for _, b := range banks {
		st.Positions[b], st.BookPositions[b] = 0, 0
	}
	for _, a := range banks {
		for _, b := range banks {
			k := [2]string{a, b}
			if a == b {
				continue
			}
			if owed[k] != 0 || count[k] != 0 {
				st.Obligations = append(st.Obligations, Obligation{Payer: a, Payee: b, Amount: owed[k], Payments: count[k]})
			}
			if left[k] != owed[k] {
				st.Breaks = append(st.Breaks, Break{Payer: a, Payee: b, Sent: left[k], Received: owed[k]})
			}
			st.Positions[a] -= owed[k]
			st.Positions[b] += owed[k]
			st.BookPositions[a] -= left[k]
			st.BookPositions[b] += owed[k]
		}
	}
	return st
}
