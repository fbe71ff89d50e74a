package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/patternlab/patternlab/tools/internal/mermaid"
	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/sitetest"
)

func runSiteTest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("site-test", flag.ExitOnError)
	site := fs.String("site", "site", "the built site (make docs)")
	out := fs.String("out", "site-test", "where the log and the screenshots of failures go")
	_ = fs.Parse(args)
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	plan, err := sitetest.PlanFor(r, r.Path(*site), r.Path(*out))
	if err != nil {
		return err
	}
	chromium, err := mermaid.FindChromium()
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := sitetest.Run(ctx, chromium, plan)
	if err != nil {
		return err
	}
	fmt.Printf("site-test: %d pages, %d diagrams, %d links, %d searches in %s (log %s)\n",
		rep.Pages, rep.Diagrams, rep.Links, rep.Queries, time.Since(start).Round(100*time.Millisecond), rep.Log)
	if len(rep.Failures) > 0 {
		for _, f := range rep.Failures {
			fmt.Fprintln(os.Stderr, f)
		}
		return errors.New(plural(len(rep.Failures), "failure") + " in the built site")
	}
	return nil
}
