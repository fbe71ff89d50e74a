package labtest

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
)

// hostile are values every flag is seeded with: non-finite, huge, negative,
// empty, malformed.
var hostile = []string{"NaN", "+Inf", "-Inf", "1e400", "-1", "0", "", "9223372036854775807",
	"18446744073709551616", "-9223372036854775808", "1e-400", "0x7fffffff", "true", "false",
	"1h", "-1ns", "999999h", "a,b", ",", "\x00", "💥"}

// parseDeadline tells a hang from a slow parse. A parse takes microseconds,
// but on a loaded 2-core machine under -race one goroutine can wait more than
// a second for a core (operator's FuzzFlags failed so in 1 of 5 flake-hunt
// runs at a load average of 23 with a one-second deadline); a parser that
// loops never returns, so a generous deadline loses nothing.
const parseDeadline = 15 * time.Second

var flagLine = regexp.MustCompile(`(?m)^  -([A-Za-z0-9][-A-Za-z0-9_.]*)`)

// FuzzFlags fuzzes a demo's flag parser: for any argument list, cmd returns a
// demo (a valid config), a *narrate.UsageError that names a flag or the
// stray arguments, or *narrate.Help; never a panic, never a hang (each parse
// has parseDeadline). The corpus is seeded with hostile values for every flag
// the demo's -h lists. Arguments are the fuzz input split on newlines.
//
//	func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, saga.Command) }
func FuzzFlags(f *testing.F, cmd narrate.Command) {
	f.Helper()
	names := FlagNames(f, cmd)
	f.Add("")
	f.Add("extra")
	for _, n := range names {
		for _, v := range hostile {
			f.Add("-" + n + "=" + v)
			f.Add("-" + n + "\n" + v + "\nextra")
		}
	}
	if len(names) > 1 {
		f.Add("-" + names[0] + "=1\n-" + names[1] + "=1e308")
	}
	f.Fuzz(func(t *testing.T, input string) {
		args := strings.Split(input, "\n")
		if input == "" {
			args = nil
		}
		done := make(chan error, 1)
		go func() { _, err := cmd(args); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(parseDeadline):
			t.Fatalf("parsing %q took more than %s: a hang", args, parseDeadline)
		}
		var ue *narrate.UsageError
		var help *narrate.Help
		switch {
		case err == nil, errors.As(err, &help):
		case errors.As(err, &ue):
			msg := ue.Error()
			if ue.Flag == "" && !strings.Contains(msg, "-") && !strings.Contains(msg, "argument") {
				t.Fatalf("usage error for %q names no flag: %q", args, msg)
			}
		default:
			t.Fatalf("parsing %q returned %T %v, want nil, *narrate.UsageError or *narrate.Help", args, err, err)
		}
	})
}

// FlagNames lists the flags a demo's -h shows.
func FlagNames(t testing.TB, cmd narrate.Command) []string {
	t.Helper()
	_, err := cmd([]string{"-h"})
	var help *narrate.Help
	if !errors.As(err, &help) {
		t.Fatalf("-h returned %v, want *narrate.Help (parse flags with kit/demoflag)", err)
	}
	var names []string
	for _, m := range flagLine.FindAllStringSubmatch(help.Usage, -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatalf("-h lists no flags:\n%s", help.Usage)
	}
	return names
}
