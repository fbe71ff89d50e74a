package federatedlearning

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// audit checks the invariant from what the tap recorded and what the
// server stores, never from the coordinator's memory.
func (d *demo) audit(ctx context.Context) error {
	n, c := d.n, d.cfg
	if err := d.tap.Sync(ctx); err != nil {
		return err
	}
	w := ReadWire(d.tap.Records(), d.names)
	total := 0
	for _, st := range w.BySubject {
		total += st.Bytes
	}
	n.Measure("tap", "%d messages, %d B on %d subjects; largest: %d B on %s", len(w.Records), total, len(w.BySubject), w.Largest.Bytes, w.Largest.Subject)
	n.Check("tap", d.tap.Dropped() == 0, "the tap dropped %d messages", d.tap.Dropped())

	// 1. raw data never left a site
	bound := UpdateBound(longest(Roster(c.Sites)))
	shardBytes := map[string]int{}
	smallest := 1 << 62
	for name, shard := range d.shards {
		b, _ := json.Marshal(shard)
		shardBytes[name] = len(b)
		smallest = min(smallest, len(b))
	}
	traffic, leaks := DataStayedLocal(w, d.names, d.sites, shardBytes, bound)
	largest, updates := 0, 0
	for _, t := range traffic {
		largest = max(largest, t.Largest)
		updates += t.Messages
	}
	for _, v := range leaks {
		d.violate("%s", v)
	}
	n.Measure("auditor", "the sites' subjects carried %d messages (each update as published and as delivered)", updates)
	n.Step("auditor", "every message on a site's subjects was model-sized: the largest %d B, within the %d B of the largest possible update; the smallest shard is %d B",
		largest, bound, smallest)

	// 2. no update counted twice or out of its round; each commit is what
	// its aggregator makes of the updates it lists
	twice := CountedOnce(w)
	for _, v := range twice {
		d.violate("%s", v)
	}
	n.Step("auditor", "%d commits on the wire; each recomputed from the updates it lists, as the tap saw them: %d problems", len(w.Commits), len(twice))

	// 3. every round closed by its deadline
	times := RoundTimes(w)
	rounds := make([]int, 0, len(times))
	for r := range times {
		rounds = append(rounds, r)
	}
	sort.Ints(rounds)
	slowest := 0
	for _, r := range rounds {
		if times[r] > times[slowest] {
			slowest = r
		}
		if times[r] > c.roundBound() {
			d.violate("round %d closed %s after its broadcast: past its deadline of %s", r, times[r].Round(1e6), c.Deadline)
		}
	}
	if slowest > 0 {
		n.Measure("auditor", "slowest round: %d, %s from broadcast to commit", slowest, times[slowest].Round(1e6))
	}

	// 4. the restarted coordinator resumed from the committed model
	if d.crash.Fired() > 0 {
		ok, detail := ResumedFrom(w, "coordinator-2")
		if !ok {
			d.violate("%s", detail)
		}
		n.Step("auditor", "after the crash: %s", detail)
	}

	// 5. dead letters, read back from the server
	letters, err := deadletter.Read(ctx, d.js, d.names.DLQ)
	if err != nil {
		return err
	}
	var reasons []string
	for _, rc := range deadletter.CountByReason(letters) {
		reasons = append(reasons, fmt.Sprintf("%s (%d)", rc.Reason, rc.Count))
	}
	n.Step("auditor", "dead-letter stream %s holds %d letters: %s", d.names.DLQ, len(letters), strings.Join(reasons, "; "))
	n.Check("dead letters", len(letters) == 4, "the 4 bad updates are in %s with their reason, subject and headers", d.names.DLQ)

	// 6. accuracy of the last committed model, on the held-out set
	if len(w.Commits) == 0 {
		d.violate("no model was ever committed")
		return nil
	}
	var curve []string
	for _, cm := range w.Commits {
		curve = append(curve, fmt.Sprintf("%d:%.2f", cm.Msg.Round, Model{Weights: cm.Msg.Weights}.Accuracy(d.test)))
	}
	n.Measure("auditor", "accuracy by round: %s", strings.Join(curve, " "))
	last := w.Commits[len(w.Commits)-1].Msg
	acc := Model{Weights: last.Weights}.Accuracy(d.test)
	floor := d.central - c.Epsilon
	n.Step("auditor", "round %d's global model scores %.3f on the held-out readings; the central model %.3f", last.Round, acc, d.central)
	if acc < floor {
		d.violate("accuracy %.3f is below the bound %.3f (central %.3f - ε %g)", acc, floor, d.central, c.Epsilon)
	}
	if last.Round != c.Rounds {
		d.violate("the last commit is round %d, not %d", last.Round, c.Rounds)
	}
	return nil
}

func longest(names []string) string {
	l := ""
	for _, s := range names {
		if len(s) > len(l) {
			l = s
		}
	}
	return l
}
