package demoflag

import (
	"context"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Command is the body of a demo's narrate.Command: it parses args with
// the demo's flags into cfg (its defaults) and returns the demo run on the
// parsed configuration, or the usage error.
//
//	func Command(args []string) (narrate.Demo, error) {
//		return demoflag.Command(args, DefaultConfig(), Flags, Demo)
//	}
func Command[C any](args []string, cfg C, flags func(*C) *Set, demo func(context.Context, *narrate.Narrator, C) error) (narrate.Demo, error) {
	if err := flags(&cfg).Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, n *narrate.Narrator) error { return demo(ctx, n, cfg) }, nil
}
