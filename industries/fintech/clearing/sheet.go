// Package clearing is the end-of-day run of a deferred net settlement
// system: it reads every bank's books up to the cycle's cut-off, sums what
// each bank sent to and received from each other bank, nets those
// obligations into one position per bank (the positions sum to zero) and
// writes the settlement file: the instructions the settlement agent (the
// central bank) books on the banks' settlement accounts. The run
// checkpoints after every page of every log and resumes after a crash;
// the file it writes is the same, byte for byte, however often it was
// killed.
package clearing

import (
	"context"
	"fmt"
	"slices"
	"strings"

	eh "github.com/looplab/eventhorizon"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/patterns/cqrs"
)

// Sheet is what the run has summed so far, per bank pair "payer>payee":
// the payer bank's view (its debits to the payee bank, minus what it
// credited back) and the payee bank's view (its credits from the payer
// bank). It marshals to JSON: it is what a checkpoint saves.
type Sheet struct {
	Sent     map[string]int64 `json:"sent"`
	Received map[string]int64 `json:"received"`
	Payments map[string]int   `json:"payments"`
}

// NewSheet is an empty sheet.
func NewSheet() *Sheet {
	return &Sheet{Sent: map[string]int64{}, Received: map[string]int64{}, Payments: map[string]int{}}
}

func pair(payer, payee string) string { return payer + ">" + payee }

// Add books one leg read from bank's books.
func (s *Sheet) Add(bankName, leg, counterparty string, amount int64) {
	switch leg {
	case bank.Debit:
		s.Sent[pair(bankName, counterparty)] += amount
	case bank.CreditBack:
		s.Sent[pair(bankName, counterparty)] -= amount
	case bank.Credit:
		s.Received[pair(counterparty, bankName)] += amount
		s.Payments[pair(counterparty, bankName)]++
	}
}

// folder is the event handler that books one bank's legs into a sheet.
type folder struct {
	bank  string
	sheet *Sheet
}

func (f folder) HandlerType() eh.EventHandlerType { return "clearing" }

func (f folder) HandleEvent(_ context.Context, e eh.Event) error {
	d, ok := e.Data().(*cqrs.MoneyMovedData)
	if !ok {
		return nil // opened, closed, a tombstone: no money moved
	}
	leg, _, counterparty, ok := bank.ParseRef(d.Ref)
	if !ok {
		return nil // an opening balance, an internal transfer
	}
	f.sheet.Add(f.bank, leg, counterparty, d.Amount)
	return nil
}

// Settlement is the outcome of a cycle: the obligations between banks, the
// breaks (a pair whose two views disagree: money that left a payer bank
// and reached no payee, or the reverse), the net position of each bank and
// what the settlement agent books.
type Settlement struct {
	Cycle       string
	Banks       []string
	Cutoff      map[string]uint64
	Obligations []Obligation
	Breaks      []Break
	Positions   map[string]int64
	// BookPositions are each bank's position by its own books alone:
	// what its customers received from other banks minus what they sent
	// (net of credit-backs). They sum to zero only when every debit met a
	// credit or a credit-back: the books balance.
	BookPositions map[string]int64
}

// Obligation is what a payer bank owes a payee bank: the sum of the
// payments its customers made to the payee bank's customers.
type Obligation struct {
	Payer, Payee string
	Amount       int64
	Payments     int
}

// Break is a pair whose books disagree.
type Break struct {
	Payer, Payee   string
	Sent, Received int64
}

// Settle nets a sheet. An obligation is what the payee bank received (the
// money that reached a customer); a break is reported, never netted away.
func Settle(cycle string, banks []string, cutoff map[string]uint64, s *Sheet) Settlement {
	out := Settlement{Cycle: cycle, Banks: slices.Sorted(slices.Values(banks)), Cutoff: cutoff,
		Positions: map[string]int64{}, BookPositions: map[string]int64{}}
	for _, b := range out.Banks {
		out.Positions[b], out.BookPositions[b] = 0, 0
	}
	for _, payer := range out.Banks {
		for _, payee := range out.Banks {
			if payer == payee {
				continue // on-us payments are not cleared
			}
			k := pair(payer, payee)
			sent, recv := s.Sent[k], s.Received[k]
			out.BookPositions[payer] -= sent
			out.BookPositions[payee] += recv
			if recv != 0 || s.Payments[k] != 0 {
				out.Obligations = append(out.Obligations, Obligation{Payer: payer, Payee: payee, Amount: recv, Payments: s.Payments[k]})
				out.Positions[payer] -= recv
				out.Positions[payee] += recv
			}
			if sent != recv {
				out.Breaks = append(out.Breaks, Break{Payer: payer, Payee: payee, Sent: sent, Received: recv})
			}
		}
	}
	return out
}

// Sum is the sum of the net positions: zero for any sheet, by construction.
// BookPositions is the check that can fail.
func (st Settlement) Sum() int64 {
	var sum int64
	for _, p := range st.Positions {
		sum += p
	}
	return sum
}

// BookSum is the sum of the banks' own positions: zero when the books
// balance.
func (st Settlement) BookSum() int64 {
	var sum int64
	for _, p := range st.BookPositions {
		sum += p
	}
	return sum
}

// Render is the settlement file.
func (st Settlement) Render() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "settlement file: deferred net settlement, cycle %s, %s\n", st.Cycle, "EUR")
	var cut []string
	for _, bk := range st.Banks {
		cut = append(cut, fmt.Sprintf("%s seq %d", bk, st.Cutoff[bk]))
	}
	fmt.Fprintf(&b, "cut-off: %s\n", strings.Join(cut, ", "))
	fmt.Fprintf(&b, "obligations (payer bank -> payee bank, gross):\n")
	for _, o := range st.Obligations {
		fmt.Fprintf(&b, "  %-8s -> %-8s %16s  (%d payments)\n", o.Payer, o.Payee, Cents(o.Amount), o.Payments)
	}
	fmt.Fprintf(&b, "breaks (the payer bank's books and the payee bank's disagree):\n")
	if len(st.Breaks) == 0 {
		fmt.Fprintf(&b, "  none\n")
	}
	for _, br := range st.Breaks {
		fmt.Fprintf(&b, "  %-8s -> %-8s sent %s, received %s\n", br.Payer, br.Payee, Cents(br.Sent), Cents(br.Received))
	}
	fmt.Fprintf(&b, "net positions:\n")
	for _, bk := range st.Banks {
		fmt.Fprintf(&b, "  %-8s %16s\n", bk, Cents(st.Positions[bk]))
	}
	fmt.Fprintf(&b, "  %-8s %16s\n", "sum", Cents(st.Sum()))
	fmt.Fprintf(&b, "settlement instructions (to the settlement agent):\n")
	for _, bk := range st.Banks {
		switch p := st.Positions[bk]; {
		case p < 0:
			fmt.Fprintf(&b, "  debit  %-8s %16s\n", bk, Cents(-p))
		case p > 0:
			fmt.Fprintf(&b, "  credit %-8s %16s\n", bk, Cents(p))
		}
	}
	return []byte(b.String())
}

// Cents formats an amount in cents.
func Cents(c int64) string { return cqrs.Cents(c).String() }
