package contract

import (
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// SwitchTest is the call a module's tests make to run every switch of its
// pattern.yaml (kit/labtest): with it, a listed switch cannot go untested.
const SwitchTest = "labtest.Switches("

func (c *checker) switches(m repo.Module, p *repo.Pattern) {
	file := m.Dir() + "/pattern.yaml"
	if len(p.Switches) == 0 {
		// Every module's invariant depends on at least one safeguard, and
		// each safeguard has a flag that turns it off.
		c.add(file, 0, "switches: at least one is required (a flag that turns off a safeguard the invariant depends on; the demo must then end VIOLATED)")
		return
	}
	seen := map[string]bool{}
	for i, sw := range p.Switches {
		switch {
		case !strings.HasPrefix(sw.Flag, "-"):
			c.add(file, 0, "switches[%d]: flag %q must be a demo flag such as -inbox=false", i, sw.Flag)
		case seen[sw.Flag]:
			c.add(file, 0, "switches[%d]: flag %s is listed twice", i, sw.Flag)
		}
		seen[sw.Flag] = true
		if strings.TrimSpace(sw.Breaks) == "" || strings.TrimSpace(sw.Evidence) == "" {
			c.add(file, 0, "switches[%d] (%s): breaks and evidence are required", i, sw.Flag)
		}
	}
	tests, err := c.r.Files(m.Dir(), "_test.go")
	if err != nil {
		c.add(m.Dir(), 0, "cannot list tests: %v", err)
		return
	}
	for _, t := range tests {
		if data, err := c.r.Read(t); err == nil && strings.Contains(string(data), SwitchTest) {
			return
		}
	}
	c.add(file, 0, "switches are listed but no test of %s calls %s...): each switch must make the demo end VIOLATED, tested", m.Dir(), SwitchTest)
}
