package main

import (
	"context"

	"github.com/patternlab/patternlab/tools/internal/demorun"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// runDemo is `make demo` (which runs it as tools/cmd/rundemos, a smaller
// program to compile on a fresh clone).
func runDemo(ctx context.Context, args []string) error { return demorun.Run(ctx, args) }

func demoModules(r *repo.Repo) ([]string, error) { return demorun.Modules(r) }
