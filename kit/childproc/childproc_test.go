package childproc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/childproc"
	"github.com/patternlab/patternlab/kit/labtest"
)

// The tests start this test binary again as the child; TestMain serves.
const marker = "PATTERNLAB_CHILDPROC_TEST"

// spec says what the child does.
type spec struct {
	Mode    string // see serve
	Text    string
	PIDFile string
}

func TestMain(m *testing.M) {
	childproc.ServeIfChild(marker, serve)
	labtest.VerifyNoLeaks(m)
}

func serve(ctx context.Context, s spec, ready func()) error {
	switch s.Mode {
	case "serve": // says s.Text on stderr, serves until SIGTERM
		fmt.Fprintln(os.Stderr, s.Text)
		fmt.Println("some other output")
		ready()
		<-ctx.Done()
		return nil
	case "fail": // fails before it is ready
		return errors.New(s.Text)
	case "fail-on-stop": // serves, then fails to finish
		ready()
		<-ctx.Done()
		return errors.New(s.Text)
	case "silent": // never ready
		<-ctx.Done()
		return nil
	case "stubborn": // ready, and ignores SIGTERM
		ready()
		<-ctx.Done()
		select {}
	case "parent": // starts a child of its own, writes its PID, serves
		child, err := childproc.Start(ctx, marker, spec{Mode: "serve"}, childproc.Options{Name: "grandchild"})
		if err != nil {
			return err
		}
		defer child.Kill()
		if err := os.WriteFile(s.PIDFile, []byte(strconv.Itoa(child.PID())), 0o644); err != nil {
			return err
		}
		ready()
		<-ctx.Done()
		return nil
	case "marker": // reports whether the marker is still in its environment
		fmt.Fprintf(os.Stderr, "marker set: %v\n", os.Getenv(marker) != "")
		ready()
		<-ctx.Done()
		return nil
	}
	return fmt.Errorf("unknown mode %q", s.Mode)
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestStartWaitsForReadyAndStopEndsCleanly(t *testing.T) {
	p, err := childproc.Start(ctxFor(t), marker, spec{Mode: "serve", Text: "hello from the child"}, childproc.Options{Name: "worker-1"})
	require.NoError(t, err)
	assert.Equal(t, "worker-1", p.Name())
	assert.Positive(t, p.PID())
	assert.NotEqual(t, os.Getpid(), p.PID())
	assert.False(t, p.Exited())
	assert.NoError(t, p.Err())

	require.NoError(t, p.Stop())
	assert.True(t, p.Exited())
	assert.NoError(t, p.Err(), "exit status 0")
	assert.Contains(t, p.Stderr(), "hello from the child")
	assert.Contains(t, p.Stderr(), "some other output", "stdout other than the ready line goes with stderr")
	assert.NotContains(t, p.Stderr(), childproc.ReadyLine)
}

func TestKillIsSIGKILL(t *testing.T) {
	p, err := childproc.Start(ctxFor(t), marker, spec{Mode: "serve"}, childproc.Options{})
	require.NoError(t, err)
	p.Kill()
	select {
	case <-p.Done():
	default:
		t.Fatal("Done is closed once Kill returns")
	}
	var exit *exec.ExitError
	require.ErrorAs(t, p.Err(), &exit)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	assert.Equal(t, syscall.SIGKILL, ws.Signal())
	p.Kill() // again: nothing to do
}

func TestChildFailingBeforeReadyIsAnErrorQuotingItsStderr(t *testing.T) {
	_, err := childproc.Start(ctxFor(t), marker, spec{Mode: "fail", Text: "cannot reach the server"}, childproc.Options{Name: "worker-2"})
	require.ErrorIs(t, err, childproc.ErrNotReady)
	assert.Contains(t, err.Error(), "worker-2 exited (exit status 1)")
	assert.Contains(t, err.Error(), "cannot reach the server")
}

func TestReadyTimeoutKillsTheChild(t *testing.T) {
	_, err := childproc.Start(ctxFor(t), marker, spec{Mode: "silent"}, childproc.Options{ReadyTimeout: 200 * time.Millisecond})
	require.ErrorIs(t, err, childproc.ErrNotReady)
	assert.Contains(t, err.Error(), "after 200ms")
}

func TestCancelledContextKillsTheChild(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := childproc.Start(ctx, marker, spec{Mode: "silent"}, childproc.Options{})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, childproc.ErrNotReady)
}

func TestStopReportsAFailedExit(t *testing.T) {
	p, err := childproc.Start(ctxFor(t), marker, spec{Mode: "fail-on-stop", Text: "could not flush"}, childproc.Options{Name: "worker-3"})
	require.NoError(t, err)
	err = p.Stop()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "worker-3: exit status 1")
	assert.Contains(t, err.Error(), "could not flush")
}

func TestStopKillsAChildThatIgnoresSIGTERM(t *testing.T) {
	p, err := childproc.Start(ctxFor(t), marker, spec{Mode: "stubborn"}, childproc.Options{StopTimeout: 300 * time.Millisecond})
	require.NoError(t, err)
	err = p.Stop()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ignored SIGTERM for 300ms and was killed")
	assert.True(t, p.Exited())
}

func TestLogFileGetsStderrAndStderrReadsThisChildsPart(t *testing.T) {
	log := filepath.Join(t.TempDir(), "worker.log")
	for _, text := range []string{"first run", "second run"} {
		p, err := childproc.Start(ctxFor(t), marker, spec{Mode: "serve", Text: text}, childproc.Options{Log: log})
		require.NoError(t, err)
		require.NoError(t, p.Stop())
		assert.Equal(t, text+"\nsome other output\n", p.Stderr())
	}
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, "first run\nsome other output\nsecond run\nsome other output\n", string(b), "appended")
}

func TestTheChildDoesNotPassTheMarkerOn(t *testing.T) {
	p, err := childproc.Start(ctxFor(t), marker, spec{Mode: "marker"}, childproc.Options{})
	require.NoError(t, err)
	require.NoError(t, p.Stop())
	assert.Equal(t, "marker set: false\n", p.Stderr())
}

func TestAChildDiesWithItsParent(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "grandchild.pid")
	parent, err := childproc.Start(ctxFor(t), marker, spec{Mode: "parent", PIDFile: pidFile}, childproc.Options{})
	require.NoError(t, err)
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	grandchild, err := strconv.Atoi(string(b))
	require.NoError(t, err)
	require.True(t, alive(grandchild), "the grandchild runs")

	parent.Kill() // no deferred Kill runs in the parent: Pdeathsig must do it
	require.Eventually(t, func() bool { return !alive(grandchild) }, 10*time.Second, 10*time.Millisecond,
		"the grandchild (pid %d) dies with its parent", grandchild)
}

// alive reports whether pid is a process that has not exited: one that is
// gone, or a zombie nobody has reaped yet, is not.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}
