package lab

import (
	"sort"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/learn"
)

// Flag is one flag of a demo, read from the demo binary's -h.
type Flag struct {
	Name    string `json:"name"`
	Bool    bool   `json:"bool"`
	Usage   string `json:"usage"`   // with its range, as the demo states it
	Default string `json:"default"` // "" when -h shows none (a false bool, an empty string)
}

// ParseHelp reads the flag package's PrintDefaults output (what every demo
// prints for -h) into flags sorted by name. The parsing of the format itself
// is learn.ParseUsage's, which the learning layer's checks use too.
func ParseHelp(text string) []Flag {
	set := learn.ParseUsage(text)
	flags := make([]Flag, 0, len(set))
	for _, f := range set {
		usage, def := splitDefault(f.Usage)
		fl := Flag{Name: f.Name, Bool: f.Type == "", Usage: usage, Default: def}
		if fl.Bool && def == "" {
			fl.Default = "false"
		}
		flags = append(flags, fl)
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	return flags
}

// splitDefault cuts PrintDefaults' trailing "(default x)" off a usage line;
// string defaults are quoted there ("(default \"a,b\")").
func splitDefault(usage string) (string, string) {
	i := strings.LastIndex(usage, " (default ")
	if i < 0 || !strings.HasSuffix(usage, ")") {
		return usage, ""
	}
	def := usage[i+len(" (default ") : len(usage)-1]
	if len(def) >= 2 && def[0] == '"' && def[len(def)-1] == '"' {
		def = def[1 : len(def)-1]
	}
	return usage[:i], def
}
