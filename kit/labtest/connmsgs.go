package labtest

import (
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// ConnMsgs is what the server counted for the client connections named
// name: messages in from them and out to them. A benchmark reads it
// before and after to count the messages (publishes, acks, PubAcks,
// deliveries) a component exchanged with its server per item, from the
// server's own counters rather than a guess. No connection of that name
// counts 0; a server that cannot list its connections fails tb, rather
// than report a plausible 0.
func ConnMsgs(tb testing.TB, s *server.Server, name string) (in, out int64) {
	tb.Helper()
	cz, err := s.Connz(&server.ConnzOptions{Limit: 1 << 16})
	if err != nil {
		tb.Fatalf("connz of the server, to count %s's messages: %v", name, err)
	}
	for _, c := range cz.Conns {
		if c.Name == name {
			in, out = in+c.InMsgs, out+c.OutMsgs
		}
	}
	return in, out
}
