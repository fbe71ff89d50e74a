package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"

	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/scaffold"
)

func runNewPattern(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("new-pattern", flag.ExitOnError)
	noTidy := fs.Bool("no-tidy", false, "do not run go mod tidy in the new module")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("want exactly one NAME, e.g. new-pattern circuit-breaker")
	}
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	files, err := scaffold.Write(r, fs.Arg(0))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		fmt.Println("wrote", f)
	}
	if !*noTidy {
		tidy := exec.CommandContext(ctx, "go", "mod", "tidy")
		tidy.Dir = r.Path("patterns/" + fs.Arg(0))
		tidy.Stdout, tidy.Stderr = os.Stdout, os.Stderr
		if err := tidy.Run(); err != nil {
			return fmt.Errorf("go mod tidy: %w", err)
		}
	}
	fmt.Printf("next: make check && make demo P=%s, then replace the TODOs\n", fs.Arg(0))
	return nil
}
