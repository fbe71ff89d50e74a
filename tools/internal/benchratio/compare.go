package benchratio

import (
	"fmt"
)

// DefaultThreshold is how much a ratio may grow over its committed value
// before make bench-check fails: 50%. A quick run is one short pass on a
// shared machine; the committed ratios are medians of five.
const DefaultThreshold = 0.50

// Regression is a ratio that grew beyond the threshold.
type Regression struct {
	Committed, Now Ratio
}

// Growth is the relative growth of the ratio (0.3 = 30% worse).
func (g Regression) Growth() float64 { return g.Now.Value/g.Committed.Value - 1 }

func (g Regression) String() string {
	return fmt.Sprintf("%s: %s against %s (%s): ratio %.2f, committed %.2f (%+.0f%%)",
		g.Now.Module, g.Now.Bench, g.Now.Anchor, g.Now.Unit, g.Now.Value, g.Committed.Value, 100*g.Growth())
}

// Compare finds the ratios of now that grew by more than threshold over
// their committed value, and the committed pairs now lacks.
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
		if n.Value > c.Value*(1+threshold) {
			regressions = append(regressions, Regression{Committed: c, Now: n})
		}
	}
	return regressions, missing
}
