package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/patternlab/patternlab/tools/internal/demorun"
	"github.com/patternlab/patternlab/tools/internal/lab"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// runLab is `make lab`: the live view of the demos on 127.0.0.1, or
// `lab record NAME [-- ARGS]`, which refreshes a chapter's recorded run.
func runLab(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "record" {
		return runLabRecord(ctx, args[1:])
	}
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8280", "where the page answers (a loopback address)")
	history := fs.String("history", filepath.Join(cacheDir(), "lab", "runs"), "where each run's history file is kept")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: the lab listens on a loopback address only (127.0.0.1:PORT)", *addr)
	}
	l, err := newLab(ctx, *history)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("%w (another lab running? -addr 127.0.0.1:PORT picks another port)", err)
	}
	srv := &http.Server{Handler: l.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf(">> the lab is at http://%s/ (history in %s); Ctrl-C stops it and every run\n", ln.Addr(), *history)
	go func() {
		<-ctx.Done()
		fmt.Println(">> stopping the runs (each demo deletes what it created)")
		l.Wait()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLab(ctx context.Context, history string) (*lab.Lab, error) {
	r, err := repo.Find(".")
	if err != nil {
		return nil, err
	}
	tc := &lab.Toolchain{Root: r.Root, BinDir: filepath.Join(os.TempDir(), "patternlab-lab"), Needs: map[string]lab.Need{}}
	for name, nd := range demorun.Needs {
		tc.Needs[name] = lab.Need{Name: nd.Name, Script: nd.Script, Env: nd.Env, Took: nd.Took}
	}
	return lab.New(ctx, r, tc, history), nil
}

// runLabRecord runs a demo as the lab does and writes its history to
// docs/assets/runs/NAME.jsonl, the recorded run its chapter shows. Without
// ARGS it keeps the flags the file was recorded with.
func runLabRecord(ctx context.Context, args []string) error {
	var demoArgs []string
	for i, a := range args {
		if a == "--" {
			args, demoArgs = args[:i], args[i+1:]
			break
		}
	}
	if len(args) != 1 || (args[0] == "-all" && demoArgs != nil) {
		return errors.New("usage: go run ./tools lab record NAME [-- ARGS] | -all")
	}
	tmp, err := os.MkdirTemp("", "patternlab-record-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	l, err := newLab(ctx, tmp)
	if err != nil {
		return err
	}
	if args[0] != "-all" {
		return lab.Record(ctx, l, args[0], demoArgs, os.Stdout)
	}
	names, err := lab.Recorded(l.Repo)
	if err != nil {
		return err
	}
	var failed []string
	for _, name := range names {
		fmt.Printf(">> recording %s\n", name)
		if err := lab.Record(ctx, l, name, nil, os.Stdout); err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, ">> %s: %v\n", name, err)
			failed = append(failed, name)
		}
	}
	if failed != nil {
		return fmt.Errorf("not recorded (their files are as they were): %v", failed)
	}
	return nil
}

func cacheDir() string {
	if d := os.Getenv("PATTERNLAB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "patternlab")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "patternlab")
}
