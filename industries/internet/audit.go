package internet

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// audit checks the invariant from outside the pipeline: the log as the
// server holds it, recomputed by Batch; the store; the late-data stream and
// the dead letters as the server holds them; the heap.
func audit(ctx context.Context, n *narrate.Narrator, cfg Config, d day, log *Log, run runStats) error {
	source, err := log.Source(ctx)
	if err != nil {
		return err
	}
	batch := eventtime.Batch(source, cfg.Policy)
	got := run.store.Result()
	n.Step("audit", "read the log back from the server: %d beacons; the batch recomputes them under the same policy", len(source))

	var violations []string
	diff := eventtime.Compare(batch, got)
	n.Check("stream = batch", diff.Equal(), "%s", diff)
	if !diff.Equal() {
		violations = append(violations, diff.String())
		violations = append(violations, diff.Dispositions...)
	}

	reconciled := pipeline.Reconcile(sourceRecords(source), seqIDs(got.Counted()), rejections(got))
	n.Check("accounted", len(reconciled) == 0 && len(source) == len(d.beacons),
		"%d of %d beacons in the log; each counted once or dropped with a reason", len(source), len(d.beacons))
	violations = append(violations, reconciled...)
	if len(source) != len(d.beacons) {
		violations = append(violations, fmt.Sprintf("lost at the edge: %d beacons offered, %d in the log", len(d.beacons), len(source)))
	}

	byReason := map[string][]uint64{}
	for _, dr := range batch.Drops {
		byReason[dr.Reason] = append(byReason[dr.Reason], dr.Seq)
	}
	for _, s := range byReason {
		slices.Sort(s)
	}
	lateSeqs, err := log.LateEvents(ctx)
	if err != nil {
		return err
	}
	slices.Sort(lateSeqs)
	lateOK := slices.Equal(lateSeqs, byReason[eventtime.Late])
	n.Check("late routed", lateOK, "%d late events in %s, %d late in the batch", len(lateSeqs), log.Names.Late, len(byReason[eventtime.Late]))
	if !lateOK {
		violations = append(violations, fmt.Sprintf("late events routed: %d, late in the batch: %d", len(lateSeqs), len(byReason[eventtime.Late])))
	}

	letters, err := deadletter.Read(ctx, log.JS, log.Names.Dead)
	if err != nil {
		return err
	}
	deadOK := len(letters) == len(byReason[eventtime.Malformed])
	n.Check("dead letters", deadOK, "%d malformed beacons, %d dead letters in %s%s", len(byReason[eventtime.Malformed]), len(letters),
		log.Names.Dead, reasonsOf(letters))
	if !deadOK {
		violations = append(violations, fmt.Sprintf("malformed beacons not dead-lettered: %d of %d", len(byReason[eventtime.Malformed])-len(letters),
			len(byReason[eventtime.Malformed])))
	}

	// B in the buffer; W queued for the acker, one it awaits and one the
	// writer hands it: W + 2 on their way to the log; one the edge has taken
	// and is offering.
	bound := cfg.Buffer + cfg.Window + 3
	heldOK := run.edge.PeakHeld <= bound
	n.Check("edge memory", heldOK, "beacons held between taken and logged never above B + W + 3 = %d", bound)
	if !heldOK {
		violations = append(violations, fmt.Sprintf("edge memory over the bound: %d beacons (%s) held at once, bound %d",
			run.edge.PeakHeld, backpressure.MiB(uint64(run.edge.PeakBytes)), bound))
	}

	summarize(n, got, byReason, run)
	n.Invariant(Invariant, violations...)
	return nil
}

func sourceRecords(source []clickstream.Logged) []pipeline.SourceRecord {
	out := make([]pipeline.SourceRecord, len(source))
	for i, l := range source {
		out[i] = pipeline.SourceRecord{ID: SeqID(l.Seq)}
		if _, err := clickstream.Parse(l.Raw); err == nil {
			out[i].Key = SeqID(l.Seq)
		}
	}
	return out
}

func seqIDs(seqs []uint64) []string {
	out := make([]string, len(seqs))
	for i, s := range seqs {
		out[i] = SeqID(s)
	}
	return out
}

func rejections(r eventtime.Result) []pipeline.Rejection {
	out := make([]pipeline.Rejection, 0, len(r.Drops))
	for _, d := range r.Drops {
		out = append(out, pipeline.Rejection{LineID: SeqID(d.Seq), Kind: d.Reason, Reason: reasonText(d)})
	}
	return out
}

func reasonsOf(letters []deadletter.Letter) string {
	var parts []string
	for _, rc := range deadletter.CountByReason(letters) {
		parts = append(parts, fmt.Sprintf("%s ×%d", rc.Reason, rc.Count))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// summarize narrates the day's metrics as the store holds them.
func summarize(n *narrate.Narrator, r eventtime.Result, byReason map[string][]uint64, run runStats) {
	n.Step("metrics", "%d windows, %d sessions; dropped: %d duplicate, %d bot, %d late, %d malformed",
		len(r.Windows), len(r.Sessions), len(byReason[eventtime.Duplicate]), len(byReason[eventtime.Bot]),
		len(byReason[eventtime.Late]), len(byReason[eventtime.Malformed]))
	users := map[string]int{}
	for _, s := range r.Sessions {
		users[s.User]++
	}
	if len(users) > 0 {
		n.Step("metrics", "%.2f sessions per user (30-minute gap), %d users", float64(len(r.Sessions))/float64(len(users)), len(users))
	}
	var f eventtime.Funnel
	ads := map[string]eventtime.AdStat{}
	var busiest eventtime.Metrics
	busiestViews := -1
	for _, m := range r.Windows {
		f.Viewed += m.Funnel.Viewed
		f.Carted += m.Funnel.Carted
		f.Purchased += m.Funnel.Purchased
		for c, a := range m.Ads {
			t := ads[c]
			t.Impressions += a.Impressions
			t.Clicks += a.Clicks
			ads[c] = t
		}
		v := 0
		for _, x := range m.Views {
			v += x
		}
		if v > busiestViews || (v == busiestViews && m.Start < busiest.Start) {
			busiest, busiestViews = m, v
		}
	}
	n.Step("metrics", "funnel, summed over windows: %d viewed → %d added to cart → %d purchased", f.Viewed, f.Carted, f.Purchased)
	campaigns := make([]string, 0, len(ads))
	for c := range ads {
		campaigns = append(campaigns, c)
	}
	sort.Strings(campaigns)
	var ctr []string
	for _, c := range campaigns {
		ctr = append(ctr, fmt.Sprintf("%s %.1f%%", c, 100*ads[c].CTR()))
	}
	n.Step("metrics", "click-through: %s", strings.Join(ctr, ", "))
	if busiestViews > 0 {
		n.Step("metrics", "busiest window %s: %d page views, top pages %s", time.UnixMilli(busiest.Start).UTC().Format("15:04"),
			busiestViews, strings.Join(busiest.TopPages(3), ", "))
	}
	if run.crashes > 0 {
		n.Step("metrics", "the window stage restarted %d time(s) from its checkpoint", run.crashes)
	}
}
