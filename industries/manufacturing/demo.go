package manufacturing

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Demo runs the narrated demo: the plants work cfg.Shifts shifts, their
// readings reach the hub's OEE book out of order with some copies, and the
// audit recomputes OEE from the raw readings.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	floor := plant.DefaultFloor()
	if err := floor.Validate(); err != nil {
		return err
	}
	n.Act("the floor")
	for _, p := range floor.Plants {
		n.Step(p.ID, "%d lines of %d machines, one reading every %v of plant time, %v shifts",
			len(p.Lines), len(p.Lines[0].Machines), floor.Interval, floor.Shift)
	}

	n.Act("the shifts")
	raw := work(floor, plant.DefaultBehaviour(cfg.Seed), cfg.Shifts)
	n.Step("plant", "%d raw readings from %d machines over %d shifts (seed %d)", len(raw), len(floor.Machines("")), cfg.Shifts, cfg.Seed)
	delivered, copies := deliver(raw, cfg)
	redelivery := n.Plan("transport", "readings delivered twice")
	if copies > 0 {
		redelivery.Fire("delivers %d readings twice and all of them out of order (at-least-once)", copies)
	}
	if !cfg.Dedupe {
		n.Step("lab", "SWITCH -dedupe=false: the hub counts every copy of a reading")
	}
	live := oee.NewBook(floor, cfg.Dedupe)
	for _, r := range delivered {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := live.Add(r); err != nil {
			return fmt.Errorf("hub: %w", err)
		}
	}
	n.Step("hub", "counted %d deliveries, %d of them copies of a reading already seen", len(delivered), live.Copies())

	n.Act("the audit")
	want, err := oee.Recompute(floor, raw)
	if err != nil {
		return err
	}
	got := live.Totals()
	for _, k := range oee.SortedKeys(want) {
		n.Step("oee", "%v: %s, %d good of %d parts", k, want[k], want[k].Good, want[k].Count)
	}
	diff := oee.Diff(want, got)
	n.Check("oee", len(diff) == 0, "%d of %d line-shifts equal to the recomputation", len(want)-differing(diff, want), len(want))
	n.Invariant(Invariant, diff...)
	return nil
}

func differing(diff []string, want map[oee.Key]oee.Totals) int { return min(len(diff), len(want)) }

// work runs every machine of floor for shifts shifts.
func work(floor plant.Floor, b plant.Behaviour, shifts int) []plant.Reading {
	var raw []plant.Reading
	for _, m := range floor.Machines("") {
		s := plant.NewMachine(floor, m, b)
		for range shifts * floor.IntervalsPerShift() {
			raw = append(raw, s.Next())
		}
	}
	return raw
}

// deliver is an at-least-once transport: every reading once, a share of
// them twice, all shuffled; seeded, so the same seed delivers the same way.
func deliver(raw []plant.Reading, cfg Config) ([]plant.Reading, int) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xde11))
	out := append([]plant.Reading(nil), raw...)
	copies := 0
	for _, r := range raw {
		if rng.Float64() < cfg.Copies {
			out = append(out, r)
			copies++
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, copies
}
