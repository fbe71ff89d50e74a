package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/quiz"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// runLearn serves the MkDocs hook (export) and lists what the learning layer
// reads from the code (messages, flags).
func runLearn(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: learn check | learn export -lang en|zh | learn messages | learn flags DIR")
	}
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	switch args[0] {
	case "check":
		bad, _, err := learn.CheckRepo(ctx, r)
		if err != nil {
			return err
		}
		for _, b := range bad {
			fmt.Fprintln(os.Stderr, b)
		}
		if len(bad) > 0 {
			return fmt.Errorf("%d problems found", len(bad))
		}
		return nil
	case "export":
		fs := flag.NewFlagSet("learn export", flag.ExitOnError)
		lang := fs.String("lang", "en", "language of the build: en or zh")
		_ = fs.Parse(args[1:])
		if !slices.Contains(learn.Languages, *lang) {
			return fmt.Errorf("-lang %q: want one of %v", *lang, learn.Languages)
		}
		site, err := learn.NewSite(r)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(site.Export(*lang))
	case "messages":
		msgs, err := learn.Messages(r)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			fmt.Printf("%s:%d\t%s\t%s\t%q\n", m.File, m.Line, m.Kind, m.Name, m.Text)
		}
		return nil
	case "flags":
		if len(args) != 2 {
			return fmt.Errorf("usage: learn flags patterns/NAME")
		}
		demos := learn.NewBuiltDemos(ctx, r)
		defer demos.Close()
		set, err := demos.Flags(args[1])
		if err != nil {
			return err
		}
		for _, name := range slices.Sorted(mapsKeys(set)) {
			fmt.Printf("-%s\t%s\t%s\n", name, set[name].Type, set[name].Usage)
		}
		return nil
	}
	return fmt.Errorf("learn: unknown subcommand %q", args[0])
}

func mapsKeys(m learn.FlagSet) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// runQuiz is make quiz: the interview bank in the terminal.
func runQuiz(args []string) error {
	fs := flag.NewFlagSet("quiz", flag.ExitOnError)
	var o quiz.Options
	fs.StringVar(&o.Pattern, "pattern", "", "only questions on this pattern")
	fs.StringVar(&o.Level, "level", "", "only questions of this level: beginner, intermediate, advanced")
	fs.IntVar(&o.N, "n", 10, "how many questions (0: all that match)")
	fs.Uint64Var(&o.Seed, "seed", 0, "order of the questions (0: a new order each time)")
	fs.StringVar(&o.Lang, "lang", "en", "en or zh")
	_ = fs.Parse(args)
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	d, err := learn.Load(r)
	if err != nil {
		return err
	}
	qs, err := quiz.Select(d.Bank.Questions, o)
	if err != nil {
		return err
	}
	_, err = quiz.Run(os.Stdin, os.Stdout, qs, o.Lang)
	return err
}
