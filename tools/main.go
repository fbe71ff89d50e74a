// Command tools is the lab's own tooling, run through make:
//
//	go run ./tools check [-no-browser]     contract, chapter template, metadata, every Mermaid block
//	go run ./tools new-pattern NAME        scaffold a pattern that passes check at once
//	go run ./tools bench [NAME...]         run benchmarks into benchmarks/results/ (with the machine)
//	go run ./tools benchtable              regenerate benchmarks/results/*.md from the *.txt runs
//	go run ./tools demos                   list the demo modules, from go.work
//	go run ./tools learn export -lang en   the learning layer's pages, as JSON for the MkDocs hook
//	go run ./tools quiz [-pattern P] [-level L] [-n N]   the interview bank in the terminal
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() == 0 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmd, args := flag.Arg(0), flag.Args()[1:]
	var err error
	switch cmd {
	case "check":
		err = runCheck(ctx, args)
	case "new-pattern":
		err = runNewPattern(ctx, args)
	case "bench":
		err = runBench(ctx, args)
	case "benchtable":
		err = runBenchTable(args)
	case "demos":
		err = runDemos(args)
	case "learn":
		err = runLearn(ctx, args)
	case "quiz":
		err = runQuiz(args)
	default:
		fmt.Fprintf(os.Stderr, "tools: unknown command %q\n", cmd)
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tools "+cmd+":", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: go run ./tools <command> [args]

commands:
  check [-no-browser]   check every module against the contract and parse every Mermaid diagram
  new-pattern NAME      scaffold patterns/NAME, its diagrams, chapter, go.work and nav entries
  bench [NAME...]       run the benchmarks of the demo modules into benchmarks/results/
  benchtable            regenerate benchmarks/results/*.md from the committed *.txt runs
  demos [NAME]          list demo module directories from go.work (one, when NAME is given)
  learn check           the learning layer's rules only (make check runs them too)
  learn export -lang L  the learning layer's generated pages as JSON (read by tools/mkdocs/learn.py)
  learn messages        every user-facing error message the troubleshooting page lists
  learn flags DIR       the flags of DIR's demo, read from its -h
  quiz [-pattern P] [-level L] [-n N] [-lang zh]   the interview bank in the terminal (make quiz)
`)
}
