package benchratio

import (
	"fmt"
)

// DefaultThreshold is how much a quick run's ratio may exceed the worst
// round of the committed run before make bench-check fails: 25%. The
// committed rounds show how far the ratio moves on this machine with its
// load; a quick run is one more round, so beyond the worst of six by a
// quarter is the code's doing, not the noise's.
const DefaultThreshold = 0.25

// Regression is a ratio that grew beyond the threshold.
type Regression struct {
	Committed, Now Ratio
}

// Growth is the ratio's growth over the committed run's worst round (0.3 =
// 30% worse).
func (g Regression) Growth() float64 { return g.Now.Value/g.Committed.Worst - 1 }

func (g Regression) String() string {
	return fmt.Sprintf("%s: %s against %s (%s): ratio %.2f, committed %.2f (worst round %.2f): %+.0f%% over the worst round",
		g.Now.Module, g.Now.Bench, g.Now.Anchor, g.Now.Unit, g.Now.Value, g.Committed.Value, g.Committed.Worst, 100*g.Growth())
}

// Compare finds the ratios of now that exceed the worst round of their
// committed run by more than threshold, and the committed pairs now lacks.
func Compare(committed, now []Ratio, threshold float64) (regressions []Regression, missing []string) {
	type key struct{ module, bench, anchor, unit string }
	k := func(r Ratio) key { return key{r.Module, r.Bench, r.Anchor, r.Unit} }
	got := map[key]Ratio{}
	for _, r := range now {
		got[k(r)] = r
	}
	for _, c := range committed {
		n, ok := got[k(c)]
		if !ok {
			missing = append(missing, fmt.Sprintf("%s: %s against %s (%s) was not measured", c.Module, c.Bench, c.Anchor, c.Unit))
			continue
		}
		if n.Value > c.Worst*(1+threshold) {
			regressions = append(regressions, Regression{Committed: c, Now: n})
		}
	}
	return regressions, missing
}
