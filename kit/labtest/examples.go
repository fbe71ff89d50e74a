package labtest

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// SkipExamplesWithout keeps the named Examples from running when a
// prerequisite is missing: an Example cannot skip itself, so call this in
// TestMain, before m.Run. When present is false it adds the names to
// -test.skip and says on stderr what is missing and how to get it:
//
//	ExampleDemo skipped, missing prerequisite: TEMPORAL_CLI (make test builds and exports it)
//
// It does nothing when present is true, or in CI (PATTERNLAB_CI=1), where a
// missing prerequisite must fail: there the Example runs and fails with the
// reason, as Missing fails a test.
func SkipExamplesWithout(prereq string, present bool, how string, names ...string) {
	skipExamplesWithout(flag.CommandLine, os.Stderr, prereq, present, how, names...)
}

func skipExamplesWithout(flags *flag.FlagSet, stderr io.Writer, prereq string, present bool, how string, names ...string) {
	if present || len(names) == 0 || os.Getenv(EnvCI) == "1" {
		return
	}
	if !flags.Parsed() {
		_ = flags.Parse(os.Args[1:])
	}
	skip := flags.Lookup("test.skip")
	if skip == nil {
		fmt.Fprintf(stderr, "cannot skip %s: no -test.skip flag (is this a test binary?)\n", strings.Join(names, ", "))
		return
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	pattern := "^(" + strings.Join(quoted, "|") + ")$"
	if v := skip.Value.String(); v != "" {
		pattern = v + "|" + pattern
	}
	if err := skip.Value.Set(pattern); err != nil {
		fmt.Fprintf(stderr, "cannot skip %s: %v\n", strings.Join(names, ", "), err)
		return
	}
	fmt.Fprintf(stderr, "%s skipped, missing prerequisite: %s (%s)\n", strings.Join(names, ", "), prereq, how)
}
