// Command demo builds the Java and Rust programs of languages/ and runs
// their demos, Java then Rust, for every pattern or the one named:
//
//	go run ./languages/cmd/demo [pattern] [-- flags for the programs]
//
// (`make languages P=saga ARGS=-idempotency=false`). It exits 1 if any demo
// ended VIOLATED, 2 on a usage error.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"

	"github.com/patternlab/patternlab/languages"
)

func main() {
	args := os.Args[1:]
	var pass []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, pass = args[:i], args[i+1:]
	}
	var names []string
	for _, d := range languages.Demos {
		names = append(names, d.Pattern)
	}
	if len(args) > 1 || len(args) == 1 && !slices.Contains(names, args[0]) {
		fmt.Fprintf(os.Stderr, "usage: demo [%v] [-- flags]\n", names)
		os.Exit(2)
	}
	fmt.Println(">> building the Java classes (javac) and the Rust programs (cargo, offline, release); the first cargo build takes a minute")
	p, err := languages.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	failed := 0
	for _, d := range languages.Demos {
		if len(args) == 1 && d.Pattern != args[0] {
			continue
		}
		for _, cmd := range []*exec.Cmd{p.JavaCmd(d.JavaMain, pass...), p.RustCmd(d.RustBin, pass...)} {
			fmt.Printf(">> %s %v\n", d.Pattern, cmd.Args[len(cmd.Args)-len(pass)-1:])
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				var exit *exec.ExitError
				if errors.As(err, &exit) && exit.ExitCode() == 2 {
					os.Exit(2)
				}
				failed++
			}
			fmt.Println()
		}
	}
	if failed > 0 {
		fmt.Printf(">> %d demos did not hold\n", failed)
		os.Exit(1)
	}
}
