package faultcat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Check holds the tags and every module's pattern.yaml `faults:` to the
// rules: every tag well formed, of a known kind, on a Test function; every
// module claims at least one kind; every kind it claims has a tagged
// scenario in it, and every kind its tags name is claimed.
func Check(r *repo.Repo) ([]Finding, error) {
	scenarios, findings, err := Scan(r)
	if err != nil {
		return nil, err
	}
	tagged := map[string]map[string]int{} // module -> kind -> scenarios
	for _, s := range scenarios {
		if tagged[s.Module] == nil {
			tagged[s.Module] = map[string]int{}
		}
		tagged[s.Module][s.Kind]++
	}
	mods, err := r.Modules()
	if err != nil {
		return nil, err
	}
	for _, m := range mods {
		file := m.Dir() + "/pattern.yaml"
		if !r.Exists(file) {
			continue // the contract check reports the missing file
		}
		p, err := r.ReadPattern(m)
		if err != nil {
			continue // and the unreadable one
		}
		bad := func(format string, args ...any) {
			findings = append(findings, Finding{File: file, Msg: fmt.Sprintf(format, args...)})
		}
		if len(p.Faults) == 0 {
			bad("faults: lists no kind of fault: name the kinds the module's tests inject (%s), each tagged on its test with `// %s KIND | target: ... | invariant: ...`", strings.Join(kindIDs(), ", "), Prefix)
		}
		for i, k := range p.Faults {
			switch {
			case slices.Contains(p.Faults[:i], k):
				bad("faults: lists %q twice", k)
			case !known(k):
				bad("faults: unknown kind %q: one of %s", k, strings.Join(kindIDs(), ", "))
			case tagged[m.Dir()][k] == 0:
				bad("faults: claims %q, but no test in %s is tagged `// %s %s | target: ... | invariant: ...`", k, m.Dir(), Prefix, k)
			}
		}
		for _, k := range kindIDs() {
			if tagged[m.Dir()][k] > 0 && !slices.Contains(p.Faults, k) {
				bad("faults: does not list %q, though %d of its tests inject it (see `go run ./tools faults list %s`)", k, tagged[m.Dir()][k], m.Dir())
			}
		}
	}
	return findings, nil
}

func known(id string) bool {
	_, ok := kindByID(id)
	return ok
}
