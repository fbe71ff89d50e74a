package lab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

const fakeYAML = `name: fake
title: Fake
summary: A producer and a consumer that crashes on request.
level: beginner
tags: [test]
invariant: every message processed once
diagrams: [architecture, flow, sequence]
switches:
  - flag: -fail
    breaks: the check
    evidence: failed checks
`

// newTestLab is a lab over a checkout holding one module, fake, whose demo
// is this test binary.
func newTestLab(t *testing.T) *Lab {
	t.Helper()
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "go.work", "go 1.26.8\n\nuse ./patterns/fake\n")
	testrepo.Write(t, r.Root, "patterns/fake/pattern.yaml", fakeYAML)
	testrepo.Write(t, r.Root, "patterns/fake/cmd/demo/main.go", "package main\n")
	self, err := os.Executable()
	require.NoError(t, err)
	tc := &Toolchain{Root: r.Root, BinDir: t.TempDir(), Binaries: map[string]string{"fake": self}}
	ctx, cancel := context.WithCancel(context.Background())
	l := New(ctx, r, tc, t.TempDir())
	t.Cleanup(func() { cancel(); l.Wait() })
	return l
}

// waitFor polls the run's events until one satisfies ok.
func waitFor(t *testing.T, r *Run, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	next := 0
	for {
		evs, changed, ended := r.Since(next)
		for _, e := range evs {
			if ok(e) {
				return e
			}
		}
		next += len(evs)
		if ended {
			t.Fatalf("the run ended without %s", what)
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no %s within 30s", what)
		}
	}
}

func wait(t *testing.T, r *Run) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := r.Wait(ctx)
	require.NoError(t, err)
	return code
}

func TestCatalogReadsPatternYAML(t *testing.T) {
	l := newTestLab(t)
	mods, err := l.Modules()
	require.NoError(t, err)
	require.Len(t, mods, 1)
	assert.Equal(t, "patterns/fake", mods[0].Dir)
	assert.Equal(t, "every message processed once", mods[0].Invariant)
	assert.Equal(t, []Switch{{Flag: "-fail", Breaks: "the check", Evidence: "failed checks"}}, mods[0].Switches)
	_, err = Find(mods, "nope")
	assert.EqualError(t, err, `no module named "nope"; the modules are: fake`)
}

// The flags come from the demo binary's -h, ranges and defaults included.
func TestFlagsComeFromTheDemoBinary(t *testing.T) {
	l := newTestLab(t)
	mods, _ := l.Modules()
	flags, err := l.Tools.Flags(context.Background(), mods[0])
	require.NoError(t, err)
	assert.Equal(t, []Flag{
		{Name: "fail", Bool: true, Usage: "end VIOLATED", Default: "false"},
		{Name: "hold", Usage: "how long the consumer act waits for a crash-consumer fault (0s..5m0s)", Default: "0s"},
		{Name: "messages", Usage: "messages the producer sends (1..1000)", Default: "6"},
	}, flags)
}

func TestParseHelpOfTheFlagPackage(t *testing.T) {
	help := "Usage of demo:\n  -crash\n    \tcrash it (default true)\n  -engines string\n    \timplementations (default \"a,b\")\n  -v\tverbose\n"
	assert.Equal(t, []Flag{
		{Name: "crash", Bool: true, Usage: "crash it", Default: "true"},
		{Name: "engines", Usage: "implementations", Default: "a,b"},
		{Name: "v", Bool: true, Usage: "verbose", Default: "false"},
	}, ParseHelp(help))
}

// A run streams the demo's events between the lab's header and exit; an
// offered fault is injected through the control line, one not on offer is
// refused before anything is sent; the history file holds every event.
func TestRunInjectsOfferedFaultsAndKeepsItsHistory(t *testing.T) {
	l := newTestLab(t)
	r, err := l.Start("fake", []string{"-hold=30s"})
	require.NoError(t, err)
	waitFor(t, r, "the crash-consumer offer", func(e Event) bool { return e.Fields["offer"] == "crash-consumer" })
	waitFor(t, r, "the demo waiting for the fault", func(e Event) bool { return e.Kind == "message" && e.Fields["id"] == "m-3" })

	err = r.Inject("stall-consumer")
	assert.EqualError(t, err, `the fake demo does not offer "stall-consumer" now; on offer: crash-consumer`)
	require.NoError(t, r.Inject("crash-consumer"))
	waitFor(t, r, "the FAULT line", func(e Event) bool { return e.Kind == "fault" && strings.Contains(e.Text, "FAULT: crashed holding m-3") })
	waitFor(t, r, "the demo's answer", func(e Event) bool {
		return e.Kind == "control" && e.Fields["request"] == "fault crash-consumer" && e.Fields["ok"] == true
	})
	assert.Equal(t, 0, wait(t, r))

	evs, _, ended := r.Since(0)
	require.True(t, ended)
	assert.Equal(t, KindRun, evs[0].Kind)
	assert.Equal(t, "fake", evs[0].Fields["module"])
	last := evs[len(evs)-1]
	assert.Equal(t, KindExit, last.Kind)
	assert.True(t, *last.OK)
	inv := evs[len(evs)-2]
	assert.Equal(t, narrate.KindInvariant, inv.Kind, "the demo's last line is its verdict")
	assert.True(t, *inv.OK)
	// the fault's answer may race the demo's end: the verdict is then restated after it
	assert.Contains(t, []string{"[invariant] HELD: every message processed once", "[invariant] HELD: every invariant stated above held"}, inv.Text)
	sends := 0
	for _, e := range evs {
		if e.Kind == "message" && e.Fields["id"] == "m-3" && e.Fields["what"] == "work" {
			sends++
		}
	}
	assert.Equal(t, 2, sends, "m-3 delivered, then redelivered after the crash")

	saved, err := ReadHistory(r.File)
	require.NoError(t, err)
	require.Len(t, saved, len(evs))
	for i := range evs {
		assert.Equal(t, evs[i].Kind, saved[i].Kind)
		assert.Equal(t, evs[i].Text, saved[i].Text)
		assert.True(t, evs[i].Time.Equal(saved[i].Time))
	}
	h, err := l.History()
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, "HELD", h[0].Verdict)
	assert.Equal(t, []string{"-hold=30s"}, h[0].Args)
	assert.Equal(t, 0, *h[0].Exit)

	assert.ErrorIs(t, r.Inject("crash-consumer"), ErrRunEnded, "no fault once the run has ended")
}

func TestOneRunPerDemoAtATime(t *testing.T) {
	l := newTestLab(t)
	r, err := l.Start("fake", []string{"-hold=1m"})
	require.NoError(t, err)
	_, err = l.Start("fake", nil)
	assert.ErrorIs(t, err, ErrBusy)
	assert.Contains(t, err.Error(), r.ID)
	r.Stop()
	wait(t, r)
	l.Wait()
	r2, err := l.Start("fake", nil)
	require.NoError(t, err, "once the run ended, the demo may run again")
	assert.Equal(t, 0, wait(t, r2))
	assert.NotEqual(t, r.ID, r2.ID)
}

func TestUnknownModuleIsRefused(t *testing.T) {
	l := newTestLab(t)
	_, err := l.Start("nope", nil)
	assert.EqualError(t, err, `no module named "nope"; the modules are: fake`)
	h, _ := l.History()
	assert.Empty(t, h)
}

// A flag value the demo refuses: its usage error reaches the run, the exit
// status says refused, and the history keeps nothing.
func TestRefusedFlagsLeaveNoHistory(t *testing.T) {
	l := newTestLab(t)
	r, err := l.Start("fake", []string{"-messages=0"})
	require.NoError(t, err)
	assert.Equal(t, 2, wait(t, r))
	l.Wait()
	st := r.Status()
	assert.True(t, st.Refused)
	e := waitFor(t, r, "the usage error", func(e Event) bool { return e.Kind == KindStderr && strings.Contains(e.Text, "-messages") })
	assert.Contains(t, e.Text, "usage error: -messages")
	_, err = os.Stat(r.File)
	assert.True(t, errors.Is(err, os.ErrNotExist), "no history file for a refused run")
	h, _ := l.History()
	assert.Empty(t, h)
}

// Stop interrupts the demo: it ends (VIOLATED: it did not finish) long
// before its hold would have.
func TestStopInterruptsTheDemo(t *testing.T) {
	l := newTestLab(t)
	r, err := l.Start("fake", []string{"-hold=5m"})
	require.NoError(t, err)
	waitFor(t, r, "the offer", func(e Event) bool { return e.Fields["offer"] == "crash-consumer" })
	start := time.Now()
	r.Stop()
	assert.Equal(t, 1, wait(t, r))
	assert.Less(t, time.Since(start), 10*time.Second)
	waitFor(t, r, "a VIOLATED verdict", func(e Event) bool { return e.Kind == "invariant" && e.OK != nil && !*e.OK })
}

func TestInjectBeforeTheDemoStarts(t *testing.T) {
	r := &Run{Module: "fake", offers: map[string]bool{}, changed: make(chan struct{})}
	assert.ErrorIs(t, r.Inject("crash-consumer"), ErrNotStarted)
}

func TestHistoryPathStaysInItsDirectory(t *testing.T) {
	l := newTestLab(t)
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(l.HistoryDir), "secret.jsonl"), []byte("{}\n"), 0o644))
	for _, id := range []string{"", "../secret", "..", ".hidden", `a\b`, "nope"} {
		_, err := l.HistoryPath(id)
		assert.Error(t, err, id)
	}
}

// Record writes the chapter's recorded run and, refreshed without flags,
// reuses the flags it was recorded with.
func TestRecordKeepsItsFlags(t *testing.T) {
	l := newTestLab(t)
	var out strings.Builder
	require.NoError(t, Record(context.Background(), l, "fake", []string{"-messages=4"}, &out))
	assert.Contains(t, out.String(), "[invariant] HELD")
	dest := l.Repo.Path("docs/assets/runs/fake.jsonl")
	e, err := readEntry(dest)
	require.NoError(t, err)
	assert.Equal(t, []string{"-messages=4"}, e.Args)
	require.NoError(t, Record(context.Background(), l, "fake", nil, &out))
	e, err = readEntry(dest)
	require.NoError(t, err)
	assert.Equal(t, []string{"-messages=4"}, e.Args)

	before, _ := os.ReadFile(dest)
	err = Record(context.Background(), l, "fake", []string{"-messages=-1"}, &out)
	assert.ErrorContains(t, err, "refused")
	after, _ := os.ReadFile(dest)
	assert.Equal(t, before, after, "a refused run leaves the recorded one as it was")
}

func TestRecordedListsTheCommittedRuns(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, RunsDir+"/saga.jsonl", "{}\n")
	testrepo.Write(t, r.Root, RunsDir+"/backpressure.jsonl", "{}\n")
	testrepo.Write(t, r.Root, RunsDir+"/notes.txt", "not a run\n")
	names, err := Recorded(r)
	require.NoError(t, err)
	assert.Equal(t, []string{"backpressure", "saga"}, names)
}

func TestServerEnvUsesAServerTheEnvironmentNames(t *testing.T) {
	cli := filepath.Join(t.TempDir(), "temporal")
	require.NoError(t, os.WriteFile(cli, []byte("#!/bin/sh\n"), 0o755))
	tc := &Toolchain{Root: t.TempDir(), Needs: map[string]Need{
		"temporal-cli": {Name: "the Temporal CLI", Script: "no/such/script.sh", Env: "TEMPORAL_CLI", Took: "about 5 min"},
	}}
	t.Setenv("TEMPORAL_CLI", cli)
	env, err := tc.ServerEnv(t.Context(), []string{"temporal-cli"}, false, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"TEMPORAL_CLI=" + cli}, env)

	t.Setenv("TEMPORAL_CLI", filepath.Join(t.TempDir(), "gone"))
	_, err = tc.ServerEnv(t.Context(), []string{"temporal-cli"}, false, nil)
	require.ErrorContains(t, err, "is not built yet", "a path that does not exist is not a server: the script decides")
}

// A line longer than the scanner takes ends what the page shows of that
// stream with a line that says so, and the rest is drained, not blocked on.
func TestAnOverlongLineIsNamedNotSilent(t *testing.T) {
	r := &Run{ID: "t", changed: make(chan struct{}), offers: map[string]bool{}}
	in := "first\n" + strings.Repeat("x", 5<<20) + "\nafter\n"
	r.scan(strings.NewReader(in), func(s string) Event { return Event{Kind: KindStderr, Text: s} })
	evs, _, _ := r.Since(0)
	require.Len(t, evs, 2)
	assert.Equal(t, "first", evs[0].Text)
	assert.Contains(t, evs[1].Text, "could not be read further")
	assert.Contains(t, evs[1].Text, "token too long")
}
