package benchratio

import (
	"fmt"
	"io"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/benchtable"
)

// Render writes the Markdown table of ratios; withModule adds a pattern
// column (the summary across modules).
func Render(ratios []Ratio, withModule bool, out io.Writer) {
	head, rule := "| benchmark | anchor | unit | benchmark | anchor | cost ratio | worst round | target | rounds |", "|---|---|---|--:|--:|--:|--:|---|--:|"
	if withModule {
		head, rule = "| pattern "+head, "|---"+rule
	}
	fmt.Fprintln(out, head)
	fmt.Fprintln(out, rule)
	for _, r := range ratios {
		var b strings.Builder
		if withModule {
			fmt.Fprintf(&b, "| %s ", r.Module)
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | **%s** | %s | %s | %d |", r.Bench, r.Anchor, r.Unit,
			benchtable.Format(r.BenchValue), benchtable.Format(r.AnchorValue), FormatRatio(r.Value), FormatRatio(r.Worst), target(r), r.Runs)
		fmt.Fprintln(out, b.String())
	}
}

// FormatRatio prints a ratio with two significant digits and its x.
func FormatRatio(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0fx", v)
	}
	return fmt.Sprintf("%.2gx", v)
}

// target says the ratio's target and whether the run met it.
func target(r Ratio) string {
	switch {
	case r.Target <= 0:
		return ""
	case r.Value <= r.Target:
		return "≤ " + FormatRatio(r.Target) + ": met"
	default:
		return "≤ " + FormatRatio(r.Target) + ": **missed**"
	}
}
