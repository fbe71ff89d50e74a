package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// probe is one prerequisite: how to see it and how to get it.
type probe struct {
	what  string
	for_  string
	check func(ctx context.Context) (string, bool)
	getIt string
}

func command(name string, args ...string) func(ctx context.Context) (string, bool) {
	return func(ctx context.Context) (string, bool) {
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return first, err == nil
	}
}

func server(script string) func(ctx context.Context) (string, bool) {
	return func(ctx context.Context) (string, bool) {
		out, err := exec.CommandContext(ctx, script, "--ready").Output()
		if err != nil {
			return "not built", false
		}
		return strings.TrimSpace(string(out)), true
	}
}

func nodeModules(r *repo.Repo) func(context.Context) (string, bool) {
	return func(context.Context) (string, bool) {
		if r.Exists("node_modules/mermaid/dist/mermaid.min.js") {
			return "node_modules from package-lock.json", true
		}
		return "node_modules missing", false
	}
}

// runDoctor lists what the lab can use on this machine and what is missing.
func runDoctor(ctx context.Context) error {
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	probes := []probe{
		{"Go", "everything", command("go", "version"), "install Go 1.26 (go.work names the version)"},
		{"C compiler (cgo)", "-race in make test", command("cc", "--version"), "apt-get install gcc (or make test RACE=)"},
		{"Temporal CLI " + os.Getenv("TEMPORAL_CLI_VERSION"), "saga, workflow demos", server("tools/servers/temporal.sh"), "make temporal-cli (about 5 min, once)"},
		{"envtest " + os.Getenv("KUBE_VERSION") + " / etcd " + os.Getenv("ETCD_VERSION"), "operator demo", server("tools/servers/envtest.sh"), "make envtest (about 13 min, once)"},
		{"Docker engine", "make test-integration", command("docker", "info", "--format", "engine {{.ServerVersion}}"), "apt-get install docker.io, then make dockerd (as root)"},
		{"chromium", "make check (Mermaid), site tests", command("sh", "-c", "chromium --version 2>/dev/null | tail -n 1"), "apt-get install chromium"},
		{"mkdocs", "make docs, make check", command("mkdocs", "--version"), "apt-get install mkdocs mkdocs-material python3-pymdownx"},
		{"npm", "make docs (Mermaid from the lockfile)", command("npm", "--version"), "apt-get install npm"},
		{"node_modules", "make docs", nodeModules(r), "npm ci"},
		{"javac", "Java equivalents (languages/)", command("javac", "-version"), "apt-get install openjdk-17-jdk-headless"},
		{"cargo", "Rust equivalents (languages/)", command("cargo", "--version"), "install Rust stable (cargo)"},
	}
	missing := 0
	for _, p := range probes {
		p.check = orTimeout(p.check)
		got, ok := p.check(ctx)
		mark := "ok     "
		if !ok {
			mark, missing = "MISSING", missing+1
		}
		fmt.Printf("%s %-34s %-40s for %s\n", mark, p.what, clip(got, 40), p.for_)
		if !ok {
			fmt.Printf("        get it: %s\n", p.getIt)
		}
	}
	if missing == 0 {
		fmt.Println("doctor: everything the lab uses is here")
	} else {
		fmt.Printf("doctor: %d missing; make demo and make test still run what they can and say what they skip\n", missing)
	}
	return nil
}

func orTimeout(f func(context.Context) (string, bool)) func(context.Context) (string, bool) {
	return func(ctx context.Context) (string, bool) {
		got, ok := f(ctx)
		if got == "" && !ok {
			got = "not found"
		}
		return got, ok
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
