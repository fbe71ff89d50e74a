// Package poll waits for a condition there is no event for, such as a
// consumer's backlog on a server, by checking it at an interval until it
// holds, fails, or the context ends. It is the lab's "poll with a deadline":
// the deadline is the context's, and nothing sleeps blindly.
package poll

import (
	"context"
	"time"
)

// Until calls cond at once, then every interval, until it returns true (Until
// returns nil) or an error (Until returns it), or ctx ends first: Until then
// returns context.Cause(ctx), e.g. context.DeadlineExceeded. Callers wrap it
// with what they were waiting for.
func Until(ctx context.Context, every time.Duration, cond func() (bool, error)) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
		}
	}
}

// Within is Until with a deadline: it gives up timeout from now, returning
// context.DeadlineExceeded, or earlier when ctx ends.
func Within(ctx context.Context, timeout, every time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return Until(ctx, every, cond)
}
