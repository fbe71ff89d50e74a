package lab

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Need is a server a demo needs beyond Go (pattern.yaml `needs:`), built
// once into the cache by its script, which prints the path to export.
type Need struct {
	Name   string // what it is: "the Temporal CLI (dev server)"
	Script string // root-relative: "tools/servers/temporal.sh"
	Env    string // the variable the demo reads: "TEMPORAL_CLI"
	Took   string // how long the first build takes: "about 5 min"
}

// Toolchain builds what a run needs: the servers of pattern.yaml `needs:`
// and the demo binary. Builds go one at a time: the machine has two cores.
type Toolchain struct {
	Root   string          // the checkout
	BinDir string          // where demo binaries and build logs go
	Needs  map[string]Need // by pattern.yaml name
	// Binaries maps a module name to a binary run instead of building one
	// (tests run a fake demo this way).
	Binaries map[string]string

	build sync.Mutex
	mu    sync.Mutex
	flags map[string]cachedFlags // by module dir
}

type cachedFlags struct {
	mod   time.Time // of the binary they were read from
	flags []Flag
}

// ServerEnv returns the environment assignments (TEMPORAL_CLI=...) for the
// needs, building a missing one with its script when build is true; the
// script's progress lines go to progress. Without build, a missing server is
// an error that says how to get it.
func (t *Toolchain) ServerEnv(ctx context.Context, needs []string, build bool, progress func(string)) ([]string, error) {
	var env []string
	for _, name := range needs {
		nd, ok := t.Needs[name]
		if !ok {
			return nil, fmt.Errorf("unknown need %q in pattern.yaml", name)
		}
		// a server the environment already names (eval "$(tools/servers/env.sh ...)",
		// or the learner's own build) is used as it is
		if path := os.Getenv(nd.Env); path != "" {
			if _, err := os.Stat(path); err == nil {
				env = append(env, nd.Env+"="+path)
				continue
			}
		}
		if path, err := t.script(ctx, nd, "--ready", nil); err == nil {
			env = append(env, nd.Env+"="+path)
			continue
		}
		if !build {
			return nil, fmt.Errorf("%s is not built yet (%s the first time): make %s", nd.Name, nd.Took, strings.TrimSuffix(filepath.Base(nd.Script), ".sh"))
		}
		t.build.Lock()
		log := filepath.Join(t.BinDir, name+"-build.log")
		progress(fmt.Sprintf("building %s now (%s the first time); the go command's output goes to %s", nd.Name, nd.Took, log))
		path, err := t.script(ctx, nd, "", append([]string{"BUILD_LOG=" + log}, os.Environ()...), progress)
		t.build.Unlock()
		if err != nil {
			return nil, fmt.Errorf("build %s: %w (log: %s)", nd.Name, err, log)
		}
		env = append(env, nd.Env+"="+path)
	}
	return env, nil
}

// script runs a server script; its stdout is the path it prints, its stderr
// lines go to progress (if any).
func (t *Toolchain) script(ctx context.Context, nd Need, arg string, env []string, progress ...func(string)) (string, error) {
	var args []string
	if arg != "" {
		args = append(args, arg)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(t.Root, nd.Script), args...)
	cmd.Dir = t.Root
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	if len(progress) > 0 {
		pr, pw := io.Pipe()
		cmd.Stderr = pw
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				progress[0](sc.Text())
			}
		}()
		err := cmd.Run()
		pw.Close()
		<-done
		if err != nil {
			return "", err
		}
	} else if err := cmd.Run(); err != nil {
		return "", err
	}
	path := strings.TrimSpace(out.String())
	if path == "" {
		return "", fmt.Errorf("%s printed no path", nd.Script)
	}
	return path, nil
}

// Binary builds the module's demo (go build, incremental through the build
// cache) and returns its path. The go command's output goes to a log file;
// a build that fails returns it.
func (t *Toolchain) Binary(ctx context.Context, m Module, progress func(string)) (string, error) {
	if bin, ok := t.Binaries[m.Name]; ok {
		return bin, nil
	}
	t.build.Lock()
	defer t.build.Unlock()
	if err := os.MkdirAll(t.BinDir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(t.BinDir, m.Name)
	log := filepath.Join(t.BinDir, m.Name+"-build.log")
	f, err := os.Create(log)
	if err != nil {
		return "", err
	}
	defer f.Close()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./"+m.Dir+"/cmd/demo")
	cmd.Dir = t.Root
	cmd.Stdout, cmd.Stderr = f, f
	slow := time.AfterFunc(3*time.Second, func() {
		progress(fmt.Sprintf("building the %s demo (a first build downloads its modules; output in %s)", m.Name, log))
	})
	err = cmd.Run()
	slow.Stop()
	if err != nil {
		out, _ := os.ReadFile(log)
		return "", fmt.Errorf("go build ./%s/cmd/demo failed after %s:\n%s", m.Dir, time.Since(start).Round(time.Second), out)
	}
	return bin, nil
}

// Flags returns the demo's flags as its binary's -h states them.
func (t *Toolchain) Flags(ctx context.Context, m Module) ([]Flag, error) {
	bin, err := t.Binary(ctx, m, func(string) {})
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(bin)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if c, ok := t.flags[m.Dir]; ok && c.mod.Equal(st.ModTime()) {
		t.mu.Unlock()
		return c.flags, nil
	}
	t.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-h")
	cmd.Dir = t.Root
	cmd.Env = demoEnv(nil)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run() // -h exits 0 (narrate.Exec) or 2 (the flag package); the text is what counts
	flags := ParseHelp(out.String())
	if len(flags) == 0 {
		return nil, fmt.Errorf("%s -h printed no flags (%v):\n%s", m.Dir, runErr, out.String())
	}
	t.mu.Lock()
	if t.flags == nil {
		t.flags = map[string]cachedFlags{}
	}
	t.flags[m.Dir] = cachedFlags{st.ModTime(), flags}
	t.mu.Unlock()
	return flags, nil
}

// demoEnv is the lab's environment for a demo, without the variables that
// would turn it into something else (a worker child, a JSON writer), plus
// extra.
func demoEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PATTERNLAB_") || strings.HasPrefix(kv, "NARRATE_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
