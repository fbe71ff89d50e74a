package backpressure_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// consumerCommand parses cmd/consumer's flags the way its main does.
func consumerCommand(args []string) (narrate.Demo, error) {
	c := backpressure.DefaultRemoteConsumer()
	if err := backpressure.RemoteConsumerFlags(&c).Parse(args); err != nil {
		return nil, err
	}
	return func(context.Context, *narrate.Narrator) error { return nil }, nil
}

// cmd/consumer validates its flags as the demo does: hostile values are a
// usage error naming the flag, never a panic or a hang.
func FuzzConsumerFlags(f *testing.F) { labtest.FuzzFlags(f, consumerCommand) }

func TestConsumerFlags(t *testing.T) {
	t.Setenv("NATS_URL", "")
	for _, tt := range []struct {
		args []string
		want string // "" for valid
	}{
		{[]string{"-url=nats://nats:4222"}, ""},
		{nil, "-url: required (or set NATS_URL)"},
		{[]string{"-url=nats://x", "-stream=A.B"}, "-stream"},
		{[]string{"-url=nats://x", "-durable=has space"}, "-durable"},
		{[]string{"-url=nats://x", "-results=a..b"}, "-results"},
		{[]string{"-url=nats://x", "-results=a.>"}, "-results"},
		{[]string{"-url=nats://x", "-window=0"}, "-window"},
		{[]string{"-url=nats://x", "-rate=NaN"}, "-rate"},
		{[]string{"-url=nats://x", "stray"}, "unexpected arguments"},
	} {
		_, err := consumerCommand(tt.args)
		if tt.want == "" {
			require.NoError(t, err, "%v", tt.args)
			continue
		}
		var usage *narrate.UsageError
		require.ErrorAs(t, err, &usage, "%v", tt.args)
		assert.Contains(t, err.Error(), tt.want, "%v", tt.args)
	}
}
