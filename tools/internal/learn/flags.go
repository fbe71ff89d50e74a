package learn

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Demos gives the flags of a module's demo (dir is "patterns/saga").
type Demos interface {
	Flags(dir string) (FlagSet, error)
}

// BuiltDemos reads each demo's flags from the demo itself: it runs
// `go run ./<dir>/cmd/demo -h` and parses what the flag package prints, so a
// flag added or renamed in the code is what the checks see, however the demo
// registers it. go run caches the executables it builds, the same ones
// `make demo` runs, so a demo already run costs no build here.
type BuiltDemos struct {
	ctx  context.Context
	r    *repo.Repo
	mu   sync.Mutex
	sets map[string]flagResult
}

type flagResult struct {
	set FlagSet
	err error
}

// NewBuiltDemos returns a reader of the demos' flags.
func NewBuiltDemos(ctx context.Context, r *repo.Repo) *BuiltDemos {
	return &BuiltDemos{ctx: ctx, r: r, sets: map[string]flagResult{}}
}

// Close releases nothing today; it keeps the reader's life explicit.
func (b *BuiltDemos) Close() error { return nil }

// Flags runs the demo of dir once with -h and returns its flags.
func (b *BuiltDemos) Flags(dir string) (FlagSet, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if res, ok := b.sets[dir]; ok {
		return res.set, res.err
	}
	set, err := b.read(dir)
	b.sets[dir] = flagResult{set, err}
	return set, err
}

func (b *BuiltDemos) read(dir string) (FlagSet, error) {
	if !b.r.Exists(dir + "/cmd/demo") {
		return nil, fmt.Errorf("%s has no demo (%s/cmd/demo)", dir, dir)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Minute) // a cold build of the Kubernetes or Temporal modules
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./"+dir+"/cmd/demo", "-h")
	cmd.Dir = b.r.Root
	cmd.Env = demoEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run() // -h exits 0 or 2 depending on the flag set's error handling; the output is what counts
	set := ParseUsage(out.String())
	if len(set) == 0 {
		return nil, fmt.Errorf("go run ./%s/cmd/demo -h printed no flags (%v):\n%s", dir, err, out.String())
	}
	return set, nil
}

// demoEnv is the environment without the lab's own variables, so that a
// demo asked for -h is not talked into being a worker process or dialing a
// server.
func demoEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATTERNLAB_") {
			env = append(env, kv)
		}
	}
	return env
}

// ParseUsage reads the flag package's PrintDefaults format:
//
//	-name type
//	  	usage (default x)
//	-v	usage of a one-letter boolean flag
func ParseUsage(text string) FlagSet {
	set := FlagSet{}
	var last *Flag
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "  -"):
			head, usage, sameLine := strings.Cut(line[3:], "\t")
			f := strings.Fields(head)
			if len(f) == 0 {
				continue
			}
			fl := Flag{Name: f[0]}
			if len(f) > 1 {
				fl.Type = f[1]
			}
			if sameLine {
				fl.Usage = strings.TrimSpace(usage)
			}
			set[fl.Name] = fl
			l := set[fl.Name]
			last = &l
		case last != nil && strings.HasPrefix(line, "    \t"):
			fl := set[last.Name]
			fl.Usage = strings.TrimSpace(strings.TrimSpace(fl.Usage + " " + strings.TrimSpace(line)))
			set[last.Name] = fl
		}
	}
	return set
}

// StaticDemos is a fixed table of flag sets, for tests.
type StaticDemos map[string]FlagSet

// Flags returns the table's flags for dir.
func (s StaticDemos) Flags(dir string) (FlagSet, error) {
	if f, ok := s[dir]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("%s has no demo (%s/cmd/demo)", dir, dir)
}
