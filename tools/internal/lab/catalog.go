package lab

import (
	"fmt"
	"sort"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Module is one demo the lab can run, as its pattern.yaml describes it.
type Module struct {
	Name      string   `json:"name"` // directory name: "backpressure"
	Dir       string   `json:"dir"`  // root-relative: "patterns/backpressure"
	Kind      string   `json:"kind"` // "patterns" or "industries"
	Title     string   `json:"title"`
	Summary   string   `json:"summary"`
	Invariant string   `json:"invariant"`
	Level     string   `json:"level"`
	Switches  []Switch `json:"switches"`
	Needs     []string `json:"needs"` // cached servers beyond Go: temporal-cli, envtest
}

// Switch is a demo flag that turns one safeguard off.
type Switch struct {
	Flag     string `json:"flag"`
	Breaks   string `json:"breaks"`
	Evidence string `json:"evidence"`
}

// Catalog lists the modules of go.work that have a demo (cmd/demo) and a
// pattern.yaml: patterns first, then industries, each sorted by name.
func Catalog(r *repo.Repo) ([]Module, error) {
	uses, err := r.WorkUses()
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, kind := range repo.ContractDirs {
		var names []string
		for _, u := range uses {
			if name, ok := strings.CutPrefix(u, kind+"/"); ok && !strings.Contains(name, "/") && r.Exists(u+"/cmd/demo") {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			p, err := r.ReadPattern(repo.Module{Kind: kind, Name: name})
			if err != nil {
				return nil, fmt.Errorf("%s/%s/pattern.yaml: %w", kind, name, err)
			}
			m := Module{
				Name: name, Dir: kind + "/" + name, Kind: kind,
				Title: p.Title, Summary: p.Summary, Invariant: p.Invariant, Level: p.Level,
				Needs: append([]string{}, p.Needs...), Switches: []Switch{},
			}
			for _, s := range p.Switches {
				m.Switches = append(m.Switches, Switch{Flag: s.Flag, Breaks: s.Breaks, Evidence: s.Evidence})
			}
			mods = append(mods, m)
		}
	}
	return mods, nil
}

// Find returns the module called name, or an error listing the names.
func Find(mods []Module, name string) (Module, error) {
	var names []string
	for _, m := range mods {
		if m.Name == name {
			return m, nil
		}
		names = append(names, m.Name)
	}
	return Module{}, fmt.Errorf("no module named %q; the modules are: %s", name, strings.Join(names, ", "))
}
