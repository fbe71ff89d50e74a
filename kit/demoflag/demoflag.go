// Package demoflag is the one flag parser of every demo: each flag carries its
// range, so a bad value is a usage error that names the flag (exit 2), never
// a panic, a hang or a silently odd run.
//
//	func Flags(cfg *Config) *demoflag.Set {
//		s := demoflag.New("saga")
//		s.Int(&cfg.Orders, "orders", 1, 10_000, "orders to place")
//		s.Float(&cfg.DeclineRate, "decline", 0, 1, "share of payments declined")
//		s.Check(func() error { return cfg.Validate() }) // combinations, deadlines derived from the flags
//		return s
//	}
//
// Floats must be finite, integers and durations lie in their closed range,
// arguments after the flags are refused, and Check functions run last for
// rules that span flags. The usage text (-h) shows every range.
package demoflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Set is a demo's flags with their ranges.
type Set struct {
	name   string
	fs     *flag.FlagSet
	checks []func() error
	bad    string // the flag whose value was refused last
}

// New starts an empty set for the demo called name (shown in -h).
func New(name string) *Set {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; -h returns the usage
	return &Set{name: name, fs: fs}
}

// value wraps one flag's parse and range check, so a refusal names its flag.
type value struct {
	s     *Set
	name  string
	get   func() string
	set   func(string) error
	isBol bool
}

func (v *value) String() string {
	if v == nil || v.get == nil {
		return ""
	}
	return v.get()
}

func (v *value) Set(x string) error {
	if err := v.set(x); err != nil {
		v.s.bad = v.name
		return err
	}
	return nil
}

func (v *value) IsBoolFlag() bool { return v.isBol }

func (s *Set) add(name, usage string, v *value) {
	v.s, v.name = s, name
	s.fs.Var(v, name, usage)
}

// Int defines an int flag in [min, max]; its default is *p.
func (s *Set) Int(p *int, name string, min, max int, usage string) {
	s.add(name, fmt.Sprintf("%s (%d..%d)", usage, min, max), &value{
		get: func() string { return strconv.Itoa(*p) },
		set: func(x string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(x), 0, strconv.IntSize)
			if err != nil {
				return fmt.Errorf("not an integer")
			}
			if int(n) < min || int(n) > max {
				return fmt.Errorf("%d is out of range %d..%d", n, min, max)
			}
			*p = int(n)
			return nil
		},
	})
}

// Uint64 defines a uint64 flag (a seed: every value is valid); its default
// is *p.
func (s *Set) Uint64(p *uint64, name, usage string) {
	s.add(name, usage, &value{
		get: func() string { return strconv.FormatUint(*p, 10) },
		set: func(x string) error {
			n, err := strconv.ParseUint(strings.TrimSpace(x), 0, 64)
			if err != nil {
				return fmt.Errorf("not an unsigned 64-bit integer")
			}
			*p = n
			return nil
		},
	})
}

// Float defines a finite float64 flag in [min, max]; its default is *p.
func (s *Set) Float(p *float64, name string, min, max float64, usage string) {
	s.add(name, fmt.Sprintf("%s (%g..%g)", usage, min, max), &value{
		get: func() string { return strconv.FormatFloat(*p, 'g', -1, 64) },
		set: func(x string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("not a number")
			}
			if math.IsNaN(f) || math.IsInf(f, 0) || err != nil {
				return fmt.Errorf("%s is not a finite number", x)
			}
			if !(f >= min && f <= max) {
				return fmt.Errorf("%g is out of range %g..%g", f, min, max)
			}
			*p = f
			return nil
		},
	})
}

// Duration defines a duration flag in [min, max]; its default is *p.
func (s *Set) Duration(p *time.Duration, name string, min, max time.Duration, usage string) {
	s.add(name, fmt.Sprintf("%s (%s..%s)", usage, min, max), &value{
		get: func() string { return p.String() },
		set: func(x string) error {
			d, err := time.ParseDuration(strings.TrimSpace(x))
			if err != nil {
				return fmt.Errorf("not a duration such as 250ms or 2s")
			}
			if d < min || d > max {
				return fmt.Errorf("%s is out of range %s..%s", d, min, max)
			}
			*p = d
			return nil
		},
	})
}

// Bool defines a bool flag (-name, -name=false); its default is *p.
func (s *Set) Bool(p *bool, name, usage string) {
	s.add(name, usage, &value{
		isBol: true,
		get:   func() string { return strconv.FormatBool(*p) },
		set: func(x string) error {
			b, err := strconv.ParseBool(x)
			if err != nil {
				return fmt.Errorf("not true or false")
			}
			*p = b
			return nil
		},
	})
}

// Choice defines a string flag that takes one of choices; its default is *p.
func (s *Set) Choice(p *string, name string, choices []string, usage string) {
	s.add(name, fmt.Sprintf("%s (one of %s)", usage, strings.Join(choices, ", ")), &value{
		get: func() string { return *p },
		set: func(x string) error {
			for _, c := range choices {
				if x == c {
					*p = x
					return nil
				}
			}
			return fmt.Errorf("%q is not one of %s", x, strings.Join(choices, ", "))
		},
	})
}

// List defines a comma-separated flag naming one or more of choices, each
// at most once; its default is *p.
func (s *Set) List(p *[]string, name string, choices []string, usage string) {
	s.add(name, fmt.Sprintf("%s (comma-separated, from %s)", usage, strings.Join(choices, ", ")), &value{
		get: func() string { return strings.Join(*p, ",") },
		set: func(x string) error {
			var out []string
			seen := map[string]bool{}
			for _, item := range strings.Split(x, ",") {
				item = strings.TrimSpace(item)
				ok := false
				for _, c := range choices {
					ok = ok || item == c
				}
				if !ok {
					return fmt.Errorf("%q is not one of %s", item, strings.Join(choices, ", "))
				}
				if seen[item] {
					return fmt.Errorf("%q is named twice", item)
				}
				seen[item] = true
				out = append(out, item)
			}
			*p = out
			return nil
		},
	})
}

// Text defines a free string flag whose value must satisfy valid (nil means
// any non-empty string of printable characters, at most 256 bytes).
func (s *Set) Text(p *string, name string, valid func(string) error, usage string) {
	if valid == nil {
		valid = printable
	}
	s.add(name, usage, &value{
		get: func() string { return *p },
		set: func(x string) error {
			if err := valid(x); err != nil {
				return err
			}
			*p = x
			return nil
		},
	})
}

func printable(x string) error {
	if x == "" || len(x) > 256 {
		return fmt.Errorf("must be 1..256 bytes")
	}
	for _, r := range x {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("control characters are not allowed")
		}
	}
	return nil
}

// Check adds a rule that spans flags (a combination that makes a derived
// deadline too short, a product that would overflow). It runs after every
// flag parsed; an error that is not a *narrate.UsageError becomes one.
// Pass a closure: with a value receiver, s.Check(cfg.Validate) binds a copy
// of cfg as it is before parsing, so the rule would only see the defaults.
func (s *Set) Check(f func() error) { s.checks = append(s.checks, f) }

// Parse parses args: every flag, then no arguments left, then the checks.
// It returns nil, a *narrate.UsageError naming the flag at fault, or a
// *narrate.Help for -h.
func (s *Set) Parse(args []string) error {
	s.bad = ""
	if err := s.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &narrate.Help{Usage: s.Usage()}
		}
		name := s.bad
		if name == "" {
			name = undefinedFlag(err.Error())
		}
		msg := strings.Replace(err.Error(), " for flag -"+name, "", 1)
		return narrate.FlagError(name, "%s", msg)
	}
	if s.fs.NArg() > 0 {
		return narrate.Usagef("unexpected arguments %q after the flags: every setting is a flag (see -h)", s.fs.Args())
	}
	for _, c := range s.checks {
		if err := c(); err != nil {
			var ue *narrate.UsageError
			if errors.As(err, &ue) {
				return err
			}
			return narrate.Usagef("%v", err)
		}
	}
	return nil
}

// undefinedFlag pulls the name out of the flag package's "flag provided but
// not defined: -x" (and its "bad flag syntax: x").
func undefinedFlag(msg string) string {
	for _, prefix := range []string{"flag provided but not defined: -", "bad flag syntax: "} {
		if strings.HasPrefix(msg, prefix) {
			return strings.TrimLeft(strings.TrimPrefix(msg, prefix), "-")
		}
	}
	return "?"
}

// Names lists the flags in the set, sorted.
func (s *Set) Names() []string {
	var out []string
	s.fs.VisitAll(func(f *flag.Flag) { out = append(out, f.Name) })
	return out
}

// Usage is the -h text: every flag with its range and default.
func (s *Set) Usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage of %s:\n", s.name)
	s.fs.SetOutput(&b)
	s.fs.PrintDefaults()
	s.fs.SetOutput(io.Discard)
	return b.String()
}

// Product multiplies non-negative factors and reports whether the product
// stays within limit (no overflow on the way): a guard for sizes derived
// from several flags (messages x payload, sites x rounds x model size).
func Product(limit int64, factors ...int64) (int64, bool) {
	p := int64(1)
	for _, f := range factors {
		if f < 0 {
			return 0, false
		}
		if f != 0 && p > limit/f {
			return 0, false
		}
		p *= f
	}
	return p, p <= limit
}
