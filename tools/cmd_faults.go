package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/faultcat"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// runFaults serves the fault catalog: the page for the MkDocs hook
// (export) and the tagged scenarios as lines (list).
func runFaults(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: faults list [MODULE...] | faults export -lang en|zh")
	}
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	switch args[0] {
	case "export":
		fs := flag.NewFlagSet("faults export", flag.ExitOnError)
		lang := fs.String("lang", "en", "language of the build: en or zh")
		_ = fs.Parse(args[1:])
		if !slices.Contains(faultcat.Languages, *lang) {
			return fmt.Errorf("-lang %q: want one of %v", *lang, faultcat.Languages)
		}
		page, err := faultcat.Page(r, *lang)
		if err != nil {
			return err
		}
		_, err = os.Stdout.WriteString(page)
		return err
	case "list":
		scenarios, findings, err := faultcat.Scan(r)
		if err != nil {
			return err
		}
		for _, f := range findings {
			fmt.Fprintln(os.Stderr, f)
		}
		for _, s := range scenarios {
			if len(args) > 1 && !slices.Contains(args[1:], strings.TrimSuffix(s.Module, "/")) {
				continue
			}
			fmt.Printf("%s:%d\t%s\t%s\t%s\t%s\n", s.File, s.Line, s.Test, s.Kind, s.Target, s.Invariant)
		}
		return nil
	}
	return fmt.Errorf("faults: unknown subcommand %q", args[0])
}
