// Package languages builds and runs the Java and Rust programs that sit
// beside the Go patterns (languages/<pattern>/{java,rust}), so Go tests can
// run their own test runners, compare their deterministic summaries with the
// Go modules' and benchmark them in the same run.
//
// A learner's machine may have neither javac nor cargo: tests then skip and
// say why. CI sets PATTERNLAB_CI=1, which turns a missing toolchain into a
// failure.
package languages

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Demo names one pattern's Java main class and Rust binary.
type Demo struct{ Pattern, JavaMain, RustBin string }

// Demos lists the patterns that have Java and Rust programs.
var Demos = []Demo{
	{"backpressure", "backpressure.Main", "backpressure"},
	{"saga", "saga.Main", "saga"},
	{"cqrs", "cqrs.Main", "cqrs"},
	{"workflow", "workflow.Main", "workflow"},
}

// Programs are the built Java classes and Rust binaries.
type Programs struct {
	Dir      string // languages/ in the checkout
	JavaDir  string // javac's output, keyed by the sources' hash: the classpath
	RustDir  string // cargo's target directory
	JavaTest []string
}

var (
	buildOnce sync.Once
	built     *Programs
	buildErr  error
)

// ErrNoToolchain is returned when javac, java or cargo is missing.
var ErrNoToolchain = errors.New("toolchain missing")

// Require builds the programs once per test binary, or skips the test (fails
// it under PATTERNLAB_CI=1) when a toolchain is missing.
func Require(t testing.TB) *Programs {
	t.Helper()
	p, err := Build()
	switch {
	case errors.Is(err, ErrNoToolchain) && os.Getenv("PATTERNLAB_CI") == "":
		t.Skipf("skipped, missing prerequisite: %v (PATTERNLAB_CI=1 makes this a failure)", err)
	case err != nil:
		t.Fatal(err)
	}
	return p
}

// Build compiles every Java file under languages/*/java and builds the Rust
// workspace offline in release mode, outside the checkout
// (PATTERNLAB_CACHE, default ~/.cache/patternlab).
func Build() (*Programs, error) {
	buildOnce.Do(func() { built, buildErr = build() })
	return built, buildErr
}

func build() (*Programs, error) {
	if _, err := exec.LookPath("cargo"); err != nil {
		// rustup installs into ~/.cargo/bin and relies on a shell profile to
		// put it on PATH; a CI shell may not have read one.
		if home, err := os.UserHomeDir(); err == nil {
			if bin := filepath.Join(home, ".cargo", "bin"); fileExists(filepath.Join(bin, "cargo")) {
				os.Setenv("PATH", os.Getenv("PATH")+string(os.PathListSeparator)+bin)
			}
		}
	}
	var missing []string
	for _, tool := range []string{"javac", "java", "cargo"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s not on PATH", ErrNoToolchain, strings.Join(missing, ", "))
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	cache := os.Getenv("PATTERNLAB_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, err
		}
		cache = filepath.Join(home, ".cache", "patternlab")
	}
	p := &Programs{Dir: dir, JavaDir: filepath.Join(cache, "languages", "java"), RustDir: filepath.Join(cache, "languages", "rust")}
	sources, err := filepath.Glob(filepath.Join(dir, "*", "java", "*", "*.java"))
	if err != nil || len(sources) == 0 {
		return nil, fmt.Errorf("no Java sources under %s: %v", dir, err)
	}
	sort.Strings(sources)
	for _, s := range sources {
		if strings.HasSuffix(s, "Test.java") {
			p.JavaTest = append(p.JavaTest, filepath.Base(filepath.Dir(s))+"."+strings.TrimSuffix(filepath.Base(s), ".java"))
		}
	}
	if p.JavaDir, err = javac(dir, p.JavaDir, sources); err != nil {
		return nil, err
	}
	if _, err := run(dir, "cargo", "build", "--offline", "--release", "--quiet", "--target-dir", p.RustDir); err != nil {
		return nil, err
	}
	return p, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// javac compiles sources into a directory named by a hash of their content,
// built aside and renamed into place: runs of different checkouts, or a
// benchmark and a test at once, never see each other's half-written classes.
func javac(dir, root string, sources []string) (string, error) {
	h := sha256.New()
	for _, s := range sources {
		data, err := os.ReadFile(s)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(s), len(data))
		h.Write(data)
	}
	out := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "building-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if _, err := run(dir, "javac", append([]string{"-Xlint:all", "-Werror", "-d", tmp}, sources...)...); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, out); err != nil {
		if _, statErr := os.Stat(out); statErr != nil {
			return "", err
		}
	}
	return out, nil
}

// Result is what one program run printed and how it exited.
type Result struct {
	Stdout, Stderr string
	Exit           int
}

// Lines is stdout split into lines.
func (r Result) Lines() []string { return strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n") }

// Last is the last line of stdout: a demo's verdict.
func (r Result) Last() string { l := r.Lines(); return l[len(l)-1] }

// JavaCmd is the command that runs a class's main, in languages/.
func (p *Programs) JavaCmd(class string, args ...string) *exec.Cmd {
	cmd := exec.Command("java", append([]string{"-cp", p.JavaDir, class}, args...)...)
	cmd.Dir = p.Dir
	return cmd
}

// RustCmd is the command that runs a release binary, in languages/.
func (p *Programs) RustCmd(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(p.RustDir, "release", bin), args...)
	cmd.Dir = p.Dir
	return cmd
}

// Java runs a class's main with the built classpath.
func (p *Programs) Java(class string, args ...string) (Result, error) {
	return run(p.Dir, "java", append([]string{"-cp", p.JavaDir, class}, args...)...)
}

// Rust runs one of the workspace's release binaries.
func (p *Programs) Rust(bin string, args ...string) (Result, error) {
	return run(p.Dir, filepath.Join(p.RustDir, "release", bin), args...)
}

// CargoTest runs `cargo test` on the workspace, offline.
func (p *Programs) CargoTest() (Result, error) {
	return run(p.Dir, "cargo", "test", "--offline", "--release", "--target-dir", p.RustDir)
}

// run runs a command; a non-zero exit is reported in Result, not as an error.
func run(dir, name string, args ...string) (Result, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Stdout: out.String(), Stderr: errb.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Exit = exit.ExitCode()
		if name == "javac" || (name == "cargo" && args[0] == "build") {
			return r, fmt.Errorf("%s %s: %v\n%s%s", name, args[0], err, r.Stdout, r.Stderr)
		}
	case err != nil:
		return r, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}
