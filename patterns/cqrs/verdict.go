package cqrs

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// verdict compares what the senders booked, what the log replays to and
// what the live read side shows, and names every difference it finds.
func (d *demo) verdict(ctx context.Context) error {
	d.n.Act("verdict")
	live, err := d.models.Total(ctx)
	if err != nil {
		return err
	}
	var violations []string
	if live != d.audit.Total {
		violations = append(violations, fmt.Sprintf("read model total %s != replayed total %s%s",
			Cents(live), Cents(d.audit.Total), d.projectedTwice(ctx)))
	}
	if d.audit.Total != d.work.expected {
		violations = append(violations, fmt.Sprintf("replayed total %s != the senders' books %s", Cents(d.audit.Total), Cents(d.work.expected)))
	}
	twice := d.audit.AppliedTwice()
	if len(twice) > 0 {
		violations = append(violations, fmt.Sprintf("%d commands applied twice, first %s (%d events)", len(twice), twice[0], d.audit.EventsFor(twice[0])))
	}
	unsent := d.audit.NotSentBy(d.work.wasSent)
	if len(unsent) > 0 {
		violations = append(violations, fmt.Sprintf("%d event(s) from a command nobody sent, first at seq %d", len(unsent), unsent[0]))
	}
	lost, foreign := d.leftOut()
	if len(lost) > 0 {
		violations = append(violations, fmt.Sprintf("%d lost updates: appended on a stale version, so no account's history (first: %s)", len(lost), lost[0]))
	}
	if len(foreign) > 0 {
		violations = append(violations, fmt.Sprintf("the replay left out %d message(s) nobody put in as foreign (first: %s)", len(foreign), foreign[0]))
	}
	for _, seq := range d.malformed {
		if !d.lettered[seq] {
			violations = append(violations, fmt.Sprintf("the undecodable message at seq %d was not dead-lettered", seq))
		}
	}
	if d.work.tally.duplicatesDiffered > 0 {
		violations = append(violations, fmt.Sprintf("%d duplicates changed their outcome", d.work.tally.duplicatesDiffered))
	}
	d.n.Check("totals", live == d.audit.Total && live == d.work.expected,
		"read model %s, replayed events %s, senders' books %s", Cents(live), Cents(d.audit.Total), Cents(d.work.expected))
	d.n.Check("once", len(twice) == 0 && len(unsent) == 0,
		"%d events from %d command IDs: %d applied twice, %d from a command nobody sent", d.audit.Events, d.audit.Commands(), len(twice), len(unsent))
	d.n.Check("history", len(lost) == 0 && len(foreign) == 0,
		"the replay left out %d message(s): the %d undecodable one(s) put in, %d appended on a stale version, %d other",
		len(d.replayed.Skipped), len(d.replayed.Skipped)-len(lost)-len(foreign), len(lost), len(foreign))
	d.checkRedelivered()
	d.n.Invariant(Invariant, violations...)
	return nil
}

// leftOut sorts what the replay skipped: events appended on a stale version
// (lost updates), and anything else that the demo did not put in itself.
func (d *demo) leftOut() (lost, foreign []Skip) {
	put := map[uint64]bool{}
	for _, seq := range d.malformed {
		put[seq] = true
	}
	for _, s := range d.replayed.Skipped {
		switch {
		case put[s.Seq]:
		case errors.Is(s.Err, ErrNotNextVersion):
			lost = append(lost, s)
		default:
			foreign = append(foreign, s)
		}
	}
	return lost, foreign
}

// projectedTwice explains a read model that differs from the log: which
// balance rows differ from the replay, and whether each difference is
// exactly what the events delivered to that row more than once add up to
// (the crash's unacked event, and any whose ack came later than the ack
// wait): then those events were projected twice.
func (d *demo) projectedTwice(ctx context.Context) string {
	live, err := d.models.Balances(ctx)
	if err != nil {
		return ""
	}
	replayed, err := d.rebuilt.Balances(ctx)
	if err != nil {
		return ""
	}
	var rows []string
	for _, c := range d.work.customers {
		l, r := live[c.id].Cents, replayed[c.id].Cents
		if l == r {
			continue
		}
		row := fmt.Sprintf("%s live %s, replayed %s", c.name, Cents(l), Cents(r))
		if seqs, sum := d.seen.redeliveredTo(c.id); len(seqs) > 0 && l-r == sum {
			row += fmt.Sprintf(": the redelivered %s (%s) projected twice", seqList(seqs), Cents(sum).Signed())
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return ""
	}
	return " (" + strings.Join(rows, "; ") + ")"
}

// seqList names log sequences: "seq 95", "seqs 71, 95".
func seqList(seqs []uint64) string {
	parts := make([]string, len(seqs))
	for i, s := range seqs {
		parts[i] = fmt.Sprint(s)
	}
	if len(seqs) == 1 {
		return "seq " + parts[0]
	}
	return "seqs " + strings.Join(parts, ", ")
}
