package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/patternlab/patternlab/tools/internal/fuzzrun"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// runFuzz runs every Fuzz target of the modules (all, or the named ones)
// for -time each, one at a time, from one build per package.
func runFuzz(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fuzz", flag.ExitOnError)
	d := fs.Duration("time", 30e9, "how long each target runs")
	_ = fs.Parse(args)
	if *d <= 0 {
		return fmt.Errorf("want -time > 0, got %s", *d)
	}
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	mods, err := selectModules(r, fs.Args())
	if err != nil {
		return err
	}
	var patterns []string
	for _, m := range mods {
		patterns = append(patterns, "./"+m+"/...")
	}
	pkgs, err := fuzzrun.Find(ctx, r.Root, patterns)
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		return fmt.Errorf("no Fuzz target found")
	}
	return fuzzrun.Run(ctx, r.Root, pkgs, *d, os.Stdout)
}
