package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/patternlab/patternlab/tools/internal/benchsite"
	"github.com/patternlab/patternlab/tools/internal/compare"
	"github.com/patternlab/patternlab/tools/internal/contract"
	"github.com/patternlab/patternlab/tools/internal/faultcat"
	"github.com/patternlab/patternlab/tools/internal/leakcheck"
	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/mermaid"
	"github.com/patternlab/patternlab/tools/internal/otherlang"
	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/tracked"
)

func runCheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	noBrowser := fs.Bool("no-browser", false, "skip parsing Mermaid diagrams in Chromium")
	_ = fs.Parse(args)
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	findings, err := contract.Check(r)
	if err != nil {
		return err
	}
	pasted, err := otherlang.Check(r) // "Other languages" shows compiled files only
	if err != nil {
		return err
	}
	findings = append(findings, pasted...)
	var bad []string
	for _, f := range findings {
		bad = append(bad, f.String())
	}
	if err := appendCompare(r, &bad); err != nil {
		return err
	}
	bad = append(bad, translationFindings(r)...)
	programs, err := tracked.Check(r.Root)
	if err != nil {
		return err
	}
	bad = append(bad, programs...)
	leaks, err := leakcheck.Findings(r.Root) // goroutines started, goleak in TestMain
	if err != nil {
		return err
	}
	bad = append(bad, leaks...)
	bad = append(bad, benchsite.Findings(r)...) // ratios to anchors and charts fresh from the committed results
	faults, err := faultcat.Check(r)            // fault tags and pattern.yaml faults:
	if err != nil {
		return err
	}
	for _, f := range faults {
		bad = append(bad, f.String())
	}
	learnBad, learnDiagrams, err := learn.CheckRepo(ctx, r)
	if err != nil {
		return err
	}
	bad = append(bad, learnBad...)
	if !*noBrowser {
		blocks, err := mermaid.Collect(r)
		if err != nil {
			return err
		}
		for _, d := range learnDiagrams {
			blocks = append(blocks, mermaid.Block{File: d[0], Line: 1, Text: d[1]})
		}
		chromium, err := mermaid.FindChromium()
		if err != nil {
			return err
		}
		problems, err := mermaid.Parse(ctx, chromium, r.Path("node_modules/mermaid/dist/mermaid.min.js"), blocks)
		if err != nil {
			return err
		}
		for _, p := range problems {
			bad = append(bad, p.String())
		}
		fmt.Printf("check: parsed %d Mermaid diagrams in %s\n", len(blocks), chromium)
	}
	mods, _ := r.Modules()
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintln(os.Stderr, b)
		}
		return errors.New(plural(len(bad), "problem") + " found")
	}
	fmt.Printf("check: %s follow the contract\n", plural(len(mods), "module"))
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// appendCompare adds the Compare section's problems (compare/*.yaml and the
// pages under docs/compare/ that render them).
func appendCompare(r *repo.Repo, bad *[]string) error {
	problems, err := compare.Check(r)
	if err != nil {
		return err
	}
	for _, p := range problems {
		*bad = append(*bad, p.String())
	}
	return nil
}
