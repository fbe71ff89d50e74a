package learn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

func TestMessagesCollectsWhatAUserCanSee(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "patterns/x/errors.go", `package x

import (
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/kit/narrate"
)

const envAddr = "X_ADDR"

// ErrNoServer is a sentinel, its text folded from a constant.
var ErrNoServer = errors.New(envAddr + " is not set")

// StuckError is an error type.
type StuckError struct{ Key string }

func (e *StuckError) Error() string { return fmt.Sprintf("%s is stuck", e.Key) }

func validate(n int) error {
	if n < 1 {
		return narrate.Usagef("-n must be positive, got %d", n)
	}
	return nil
}

func run(err error) error {
	if err != nil {
		return fmt.Errorf("run: %w", err) // only context: not listed
	}
	return fmt.Errorf("nothing to run after %d tries", 3)
}
`)
	testrepo.Write(t, r.Root, "patterns/x/errors_test.go", "package x\n\nimport \"errors\"\n\nvar errTest = errors.New(\"test only\")\n")
	testrepo.Write(t, r.Root, "kit/poll/poll.go", "package poll\n\nimport \"errors\"\n\nvar ErrTimeout = errors.New(\"timed out\")\n")
	msgs, err := learn.Messages(r)
	require.NoError(t, err)
	type row struct{ Dir, Kind, Name, Text string }
	var got []row
	for _, m := range msgs {
		got = append(got, row{m.Dir, m.Kind, m.Name, m.Text})
	}
	assert.ElementsMatch(t, []row{
		{"patterns/x", learn.KindSentinel, "ErrNoServer", "X_ADDR is not set"},
		{"patterns/x", learn.KindTyped, "StuckError", "%s is stuck"},
		{"patterns/x", learn.KindUsage, "", "-n must be positive, got %d"},
		{"patterns/x", learn.KindError, "", "nothing to run after %d tries"},
		{"kit/poll", learn.KindSentinel, "ErrTimeout", "timed out"},
	}, got)
}

func TestExplainMatchesByTextAndModule(t *testing.T) {
	ex := []learn.Explanation{{Match: "not ready", Module: "kit/natsembed"}, {Match: "not ready"}}
	assert.Equal(t, 0, learn.Explain(learn.Message{Dir: "kit/natsembed", Text: "nats-server not ready"}, ex))
	assert.Equal(t, 1, learn.Explain(learn.Message{Dir: "kit/childproc", Text: "child process not ready"}, ex))
	assert.Equal(t, -1, learn.Explain(learn.Message{Dir: "kit/childproc", Text: "gone"}, ex))
}
