package fintech

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/fintech/clearing"
	"github.com/patternlab/patternlab/industries/fintech/internal/logread"
	"github.com/patternlab/patternlab/industries/fintech/payment"
	"github.com/patternlab/patternlab/industries/fintech/risk"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/deadletter"
)

// verdict audits the day from the servers' own records: the messages on
// the instructions' stream, the dead letters, the risk service's journal,
// the raw logs of the books (through the clearing's independent witness)
// and the sagas' results from Temporal. Nothing here reads a counter of
// the mechanism it checks.
func (d *demo) verdict(ctx context.Context) error {
	d.n.Act("verdict")
	a, err := d.audit(ctx)
	if err != nil {
		return err
	}
	d.n.Step("audit", "read back from the servers: %d messages on %s, %d dead letters on %s, %d risk decisions, %d events in the books, %d sagas' results from Temporal",
		len(a.messages), d.names.payments, len(a.letters), d.names.deadLetters, len(a.decisions), a.events, len(d.office.order))
	var v []string
	v = append(v, d.checkAccounted(a)...)
	v = append(v, d.checkBooks(a)...)
	v = append(v, d.checkOnce(a)...)
	v = append(v, d.checkReasons()...)
	v = append(v, d.checkScreened(a)...)
	v = append(v, d.checkPositions(a)...)
	v = append(v, d.checkFile(a)...)
	d.n.Invariant(Invariant, v...)
	return nil
}

// audited is what the verdict read back.
type audited struct {
	messages  []jetstream.Msg
	letters   []deadletter.Letter
	decisions map[string]risk.Decision
	witness   *clearing.Witness
	events    int
}

func (d *demo) audit(ctx context.Context) (*audited, error) {
	a := &audited{}
	err := logread.Each(ctx, d.js, d.names.payments, "", func(m jetstream.Msg) error {
		a.messages = append(a.messages, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a.letters, err = deadletter.Read(ctx, d.js, d.names.deadLetters); err != nil {
		return nil, err
	}
	if a.decisions, err = risk.Decisions(ctx, d.js, d.names.risk); err != nil {
		return nil, err
	}
	if a.witness, err = clearing.Recompute(ctx, d.js, d.job); err != nil {
		return nil, err
	}
	for _, c := range d.cutoff {
		a.events += int(c)
	}
	return a, nil
}

// firstFew lists at most five items, and how many more there are.
func firstFew(items []string) string {
	slices.Sort(items)
	if len(items) <= 5 {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:5], "; ") + fmt.Sprintf("; and %d more", len(items)-5)
}

// checkAccounted: every message is a payment, a resend absorbed, or a
// dead letter with its reason.
func (d *demo) checkAccounted(a *audited) []string {
	lettered := map[string]deadletter.Letter{}
	for _, l := range a.letters {
		lettered[l.Header.Get(jetstream.MsgIDHeader)] = l
	}
	var lost, noReason []string
	valid, bad := 0, 0
	for _, m := range a.messages {
		md, err := m.Metadata()
		if err != nil {
			lost = append(lost, err.Error())
			continue
		}
		if _, err := traffic.Parse(m.Data()); err == nil {
			valid++
			continue
		}
		bad++
		l, ok := lettered[fmt.Sprintf("%s.%d", d.names.payments, md.Sequence.Stream)]
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("seq %d", md.Sequence.Stream))
		case l.Reason == "":
			noReason = append(noReason, fmt.Sprintf("seq %d", md.Sequence.Stream))
		}
	}
	var byKind []string
	for _, l := range deadletter.CountByReason(a.letters) {
		byKind = append(byKind, fmt.Sprintf("%q", l.Reason))
	}
	d.n.Step("audit", "dead letters, each with its reason: %s", firstFew(byKind))
	payments := len(d.office.order)
	ok := len(lost) == 0 && len(noReason) == 0 && valid == payments+d.office.dups && len(a.messages) == len(d.day.Messages)+d.office.resends
	d.n.Check("accounted", ok, "%d messages: %d payments + %d resends absorbed + %d malformed, %d of them dead-lettered with a reason",
		len(a.messages), payments, d.office.dups, bad, bad-len(lost)-len(noReason))
	var v []string
	if len(lost) > 0 {
		v = append(v, fmt.Sprintf("%d malformed messages not dead-lettered: %s", len(lost), firstFew(lost)))
	}
	if len(noReason) > 0 {
		v = append(v, fmt.Sprintf("dead letters without a reason: %s", firstFew(noReason)))
	}
	return v
}

// checkBooks: the sum of every account's balance is what the day started
// with; every movement is a payment's leg or the bank's own.
func (d *demo) checkBooks(a *audited) []string {
	var total int64
	for _, b := range a.witness.Balances {
		total += b
	}
	var v []string
	held := d.n.Check("books", total == d.opening, "all accounts of all banks hold %s at the end of the day, %s at its start", cents(total), cents(d.opening))
	if !held {
		v = append(v, fmt.Sprintf("the books do not balance: %s at the start, %s at the end (%s)", cents(d.opening), cents(total), signed(total-d.opening)))
	}
	for _, s := range a.witness.Skipped {
		if strings.Contains(s, "version") {
			v = append(v, "lost update: "+s+", left out of the books although its saga was told it applied")
		} else {
			v = append(v, "not history: "+s)
		}
	}
	if len(a.witness.Unexplained) > 0 {
		v = append(v, "money nobody sent: "+firstFew(a.witness.Unexplained))
	}
	return v
}

func signed(c int64) string {
	if c > 0 {
		return "+" + cents(c) + " made out of nothing"
	}
	return cents(-c) + " lost"
}

// checkOnce: no payment moved money twice, and each payment's legs agree
// with how its saga ended.
func (d *demo) checkOnce(a *audited) []string {
	var twice, both, stuck, told []string
	paid := map[string][]string{} // instruction ID: the payments that credited it
	for id, l := range a.witness.Payments {
		if l.Debits > 1 || l.Credits > 1 || l.Backs > 1 {
			twice = append(twice, fmt.Sprintf("%s applied twice (%d debits, %d credits, %d credit-backs)", id, l.Debits, l.Credits, l.Backs))
		}
		if l.Credits > 0 {
			paid[d.endToEnd(id)] = append(paid[d.endToEnd(id)], id)
		}
		if l.Credits > 0 && l.Backs > 0 {
			both = append(both, fmt.Sprintf("%s credited to the payee and credited back to the payer", id))
		}
		if l.Debits > 0 && l.Credits == 0 && l.Backs == 0 {
			stuck = append(stuck, fmt.Sprintf("%s debited and neither credited nor credited back", id))
		}
	}
	for e2e, ids := range paid {
		if len(ids) > 1 {
			slices.Sort(ids)
			twice = append(twice, fmt.Sprintf("%s applied twice or more: paid %d times (%s)", e2e, len(ids), strings.Join(ids, ", ")))
		}
	}
	for _, id := range d.office.order {
		r, l := d.office.payments[id], a.witness.Payments[id]
		credited := l != nil && l.Credits > 0
		if (r.Result.Status == payment.Settled) != credited {
			told = append(told, fmt.Sprintf("%s %s by its saga, %s in the books", id, r.Result.Status, map[bool]string{true: "credited", false: "not credited"}[credited]))
		}
	}
	d.n.Check("once", len(twice)+len(both)+len(stuck)+len(told) == 0,
		"%d payments left legs in the books: none applied twice, each settled one credited once and each compensated one credited back", len(a.witness.Payments))
	var v []string
	for _, group := range [][]string{twice, both, stuck, told} {
		if len(group) > 0 {
			v = append(v, firstFew(group))
		}
	}
	return v
}

// checkReasons: every rejected or compensated payment says why; none
// failed.
func (d *demo) checkReasons() []string {
	var missing, failed []string
	refused := 0
	for _, id := range d.office.order {
		r := d.office.payments[id].Result
		switch r.Status {
		case payment.Rejected, payment.Compensated:
			refused++
			if strings.TrimSpace(r.Reason) == "" {
				missing = append(missing, id)
			}
		case payment.Failed:
			failed = append(failed, fmt.Sprintf("%s failed: %s", id, r.Reason))
		}
	}
	d.n.Check("reasons", len(missing)+len(failed) == 0, "%d rejected or compensated payments, each with its reason; none failed", refused)
	var v []string
	if len(missing) > 0 {
		v = append(v, "no reason given: "+firstFew(missing))
	}
	if len(failed) > 0 {
		v = append(v, "not compensated: "+firstFew(failed))
	}
	return v
}

// checkScreened: every payment that moved money was approved by the risk
// service (its journal, read from the server), and the books hold no
// payer above the velocity limit in any window.
func (d *demo) checkScreened(a *audited) []string {
	var unscreened []string
	times := map[string][]time.Time{} // payer: when its debited payments were accepted
	for id, l := range a.witness.Payments {
		if dec, ok := a.decisions[id]; !ok || !dec.Approved {
			unscreened = append(unscreened, id)
		}
		if r := d.office.payments[id]; r != nil && l.Debits > 0 {
			times[r.In.Payer] = append(times[r.In.Payer], r.In.Time)
		}
	}
	var fast []string
	for payer, ts := range times {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i := range ts {
			j := i
			for j < len(ts) && ts[j].Sub(ts[i]) < traffic.VelocityWindow {
				j++
			}
			if j-i > traffic.VelocityMax {
				fast = append(fast, fmt.Sprintf("%s paid %d times within %s from %s", payer, j-i, traffic.VelocityWindow, ts[i].Format("15:04:05")))
				break
			}
		}
	}
	d.n.Check("screened", len(unscreened)+len(fast) == 0,
		"every payment that moved money was approved by the risk service, and no payer went past %d payments in any %s", traffic.VelocityMax, traffic.VelocityWindow)
	var v []string
	if len(unscreened) > 0 {
		v = append(v, "applied unscreened: "+firstFew(unscreened))
	}
	if len(fast) > 0 {
		v = append(v, "velocity limit broken: "+firstFew(fast))
	}
	return v
}

// checkPositions: the net positions sum to zero, from the obligations and
// from each bank's own books.
func (d *demo) checkPositions(a *audited) []string {
	st := a.witness.Settlement
	ok := st.Sum() == 0 && st.BookSum() == 0 && len(st.Breaks) == 0
	d.n.Check("positions", ok, "net positions sum to %s; by each bank's own books to %s; %d pairs whose two books disagree",
		cents(st.Sum()), cents(st.BookSum()), len(st.Breaks))
	if ok {
		return nil
	}
	return []string{fmt.Sprintf("net positions by the banks' own books sum to %s, not 0.00 (%d breaks)", cents(st.BookSum()), len(st.Breaks))}
}

// checkFile: the settlement file is the independent recomputation's.
func (d *demo) checkFile(a *audited) []string {
	want := a.witness.Settlement.Render()
	ok := bytes.Equal(d.file, want)
	d.n.Check("settlement", ok, "the settlement file against the recomputation from the raw event log: %s", sameOrNot(d.file, want))
	if ok {
		return nil
	}
	return []string{"the settlement file differs from the independent recomputation from the raw event log, at byte " + strconv.Itoa(firstDiff(d.file, want))}
}
