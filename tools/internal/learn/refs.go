package learn

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CodeRef is a place in the code: a file and, for Go, a symbol in it; for
// other files an optional text that must occur in it.
type CodeRef struct {
	File   string
	Symbol string
}

// ParseCodeRef parses "path/file.go#Symbol".
func ParseCodeRef(s string) CodeRef {
	file, sym, _ := strings.Cut(strings.TrimSpace(s), "#")
	return CodeRef{File: file, Symbol: sym}
}

func (c CodeRef) String() string {
	if c.Symbol == "" {
		return c.File
	}
	return c.File + "#" + c.Symbol
}

// DocRef is a docs page and an anchor in it: "patterns/saga.md#run-it",
// relative to docs/.
type DocRef struct {
	Page   string
	Anchor string
}

// ParseDocRef parses "patterns/saga.md#run-it".
func ParseDocRef(s string) DocRef {
	page, anchor, _ := strings.Cut(strings.TrimSpace(s), "#")
	return DocRef{Page: page, Anchor: anchor}
}

// DemoRef is a demo run: the module's name and the flags to pass.
type DemoRef struct {
	Name string
	Args []string
}

// ParseDemoRef parses "saga -idempotency=false -orders 20".
func ParseDemoRef(s string) DemoRef {
	f := strings.Fields(s)
	if len(f) == 0 {
		return DemoRef{}
	}
	return DemoRef{Name: f[0], Args: f[1:]}
}

// Command is what a reader types to run it.
func (d DemoRef) Command() string {
	if len(d.Args) == 0 {
		return "make demo P=" + d.Name
	}
	return "make demo P=" + d.Name + " ARGS='" + strings.Join(d.Args, " ") + "'"
}

// Flag is one flag of a demo, as its -h output states it.
type Flag struct {
	Name  string
	Type  string // "" for a boolean flag; int, uint, float, duration, string, value...
	Usage string
}

// FlagSet is a demo's flags by name.
type FlagSet map[string]Flag

// CheckArgs parses args the way the flag package does against the demo's
// real flags and returns one message per problem: an unknown flag, a
// missing value, a value that does not parse as the flag's type.
func (fs FlagSet) CheckArgs(args []string) []string {
	var bad []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			bad = append(bad, fmt.Sprintf("%q is not a flag (the demos take no arguments)", a))
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f, ok := fs[name]
		if !ok {
			bad = append(bad, fmt.Sprintf("flag -%s does not exist (the demo has %s)", name, fs.names()))
			continue
		}
		if f.Type == "" { // bool: only -name or -name=value
			if hasValue {
				if _, err := strconv.ParseBool(value); err != nil {
					bad = append(bad, fmt.Sprintf("-%s=%s: not a boolean", name, value))
				}
			}
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				bad = append(bad, fmt.Sprintf("-%s needs a %s value", name, f.Type))
				continue
			}
			i++
			value = args[i]
		}
		if err := parseAs(f.Type, value); err != nil {
			bad = append(bad, fmt.Sprintf("-%s %s: not a %s: %v", name, value, f.Type, err))
		}
	}
	return bad
}

func (fs FlagSet) names() string {
	var n []string
	for k := range fs {
		n = append(n, "-"+k)
	}
	sortStrings(n)
	return strings.Join(n, " ")
}

func parseAs(typ, v string) error {
	var err error
	switch typ {
	case "int":
		_, err = strconv.ParseInt(v, 0, 64)
	case "uint":
		_, err = strconv.ParseUint(v, 0, 64)
	case "float":
		_, err = strconv.ParseFloat(v, 64)
	case "duration":
		_, err = time.ParseDuration(v)
	}
	return err
}
