package lab

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
)

// The test binary is also the fake demo the lab runs in these tests: with
// LAB_FAKE_DEMO=1 it is a narrate.Main program, flags from kit/demoflag,
// like every real demo.
func TestMain(m *testing.M) {
	if os.Getenv("LAB_FAKE_DEMO") == "1" {
		os.Exit(narrate.Main(fakeCommand))
	}
	os.Setenv("LAB_FAKE_DEMO", "1") // for the demos the tests start
	labtest.VerifyNoLeaks(m)        // the lab serves and runs demos from goroutines; none may outlive a test
}

// fakeCommand: a producer sends messages to a consumer; while the consumer
// act runs it offers "crash-consumer", which redelivers the message in
// flight. With -hold it waits that long for the fault (the browser tests
// press the button), otherwise it injects nothing.
func fakeCommand(args []string) (narrate.Demo, error) {
	messages, hold, fail := 6, time.Duration(0), false
	s := demoflag.New("fake")
	s.Int(&messages, "messages", 1, 1000, "messages the producer sends")
	s.Duration(&hold, "hold", 0, 5*time.Minute, "how long the consumer act waits for a crash-consumer fault")
	s.Bool(&fail, "fail", "end VIOLATED")
	if err := s.Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, n *narrate.Narrator) error {
		n.Step("nats", "embedded nats-server at nats://127.0.0.1:4222 (a fake one)")
		n.Act("the consumer act")
		crash := make(chan struct{}, 1)
		n.Offer("crash-consumer", "consumer", "SIGKILL the consumer before its ack", func() error {
			select {
			case crash <- struct{}{}:
				return nil
			default:
				return fmt.Errorf("the consumer is already crashing")
			}
		})
		crashed := 0
		for i := 1; i <= messages; i++ {
			id := fmt.Sprintf("m-%d", i)
			n.Message("producer", "consumer", "work", id)
			n.Sample("queue depth", float64(messages-i), "msgs")
			now := false
			if i == messages/2 && hold > 0 {
				select {
				case <-crash:
					now = true
				case <-time.After(hold):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			select {
			case <-crash:
				now = true
			default:
			}
			if now {
				crashed++
				n.Fault("consumer", "crashed holding %s (requested)", id)
				n.Message("producer", "consumer", "work", id)
				n.Step("consumer", "%s redelivered to the restarted consumer", id)
			}
			n.Message("consumer", "producer", "ack", id)
		}
		n.Withdraw("crash-consumer")
		n.Check("every message acked", !fail, "%d messages, %d crashes", messages, crashed)
		n.Invariant("every message processed once")
		return nil
	}, nil
}
