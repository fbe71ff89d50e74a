// Command tools is the lab's own tooling, run through make:
//
//	go run ./tools check [-no-browser]     contract, chapter template, metadata, every Mermaid block
//	go run ./tools new-pattern NAME        scaffold a pattern that passes check at once
//	go run ./tools bench [NAME...]         run benchmarks into benchmarks/results/ (with the machine)
//	go run ./tools benchtable              regenerate benchmarks/results/*.md from the *.txt runs
//	go run ./tools demos                   list the demo modules, from go.work
//	go run ./tools site-test               load the built site (both editions) in Chromium
//	go run ./tools translations status     stale, missing and unrecorded Chinese pages
//	go run ./tools translations refresh F  record that page F matches its English source again
//	go run ./tools demo [NAME...] [-- ARGS] run the demos, ready ones first, building servers between
//	go run ./tools doctor                  what is present and missing, and how to get each
//	go run ./tools flake-hunt [-n 20] [-tier unit|integration] [MODULE...]
//	go run ./tools learn export -lang en   the learning layer's pages, as JSON for the MkDocs hook
//	go run ./tools quiz [-pattern P] [-level L] [-n N]   the interview bank in the terminal
//	go run ./tools lab [-addr 127.0.0.1:8280]  the live view of the demos in the browser
//	go run ./tools lab record NAME [-- ARGS]   refresh the recorded run a chapter shows
//	go run ./tools faults list [MODULE...]      the fault-injection scenarios the tests are tagged with
//	go run ./tools faults export -lang en      the "Faults tested" page, for the MkDocs hook
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
	case "site-test":
		err = runSiteTest(ctx, args)
	case "translations":
		err = runTranslations(args)
	case "demo":
		err = runDemo(ctx, args)
	case "doctor":
		err = runDoctor(ctx)
	case "flake-hunt":
		err = runFlakeHunt(ctx, args)
	case "burn":
		runBurn()
	case "learn":
		err = runLearn(ctx, args)
	case "quiz":
		err = runQuiz(args)
	case "lab":
		err = runLab(ctx, args)
	case "faults":
		err = runFaults(args)
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
  site-test             load every nav page of the built site/ (both languages) in Chromium
  translations status   list stale, missing and unrecorded Chinese pages (also part of check)
  translations refresh PAGE...
                        record that each Chinese page matches its English source's current text
  demo [NAME...] [-- ARGS]
                        run the demos: those whose servers are ready first, then build the
                        missing servers (a line per phase, go's output in a log), then the rest
  doctor                list what is present and missing, with the command that gets each
  flake-hunt [-n N] [-tier unit|integration] [MODULE...]
                        run each module's tests N times with -race beside a CPU-bound process;
                        print per test how many runs failed and the first failure
  learn check           the learning layer's rules only (make check runs them too)
  learn export -lang L  the learning layer's generated pages as JSON (read by tools/mkdocs/learn.py)
  learn messages        every user-facing error message the troubleshooting page lists
  learn flags DIR       the flags of DIR's demo, read from its -h
  lab [-addr 127.0.0.1:8280] [-history DIR]
                        the demos live in the browser: flags, fault buttons, narration, sequence
                        diagram, charts, verdict; every run saved and replayable
  lab record NAME [-- ARGS]
                        run NAME's demo and write docs/assets/runs/NAME.jsonl (its chapter shows it)
  quiz [-pattern P] [-level L] [-n N] [-lang zh]   the interview bank in the terminal (make quiz)
  faults list [MODULE...]
                        the fault-injection scenarios the tests are tagged with (file:line, test, kind)
  faults export -lang L the "Faults tested" page as markdown (read by tools/mkdocs/faults.py)
`)
}
