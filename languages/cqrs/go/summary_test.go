package gocqrs

import (
	"strings"
	"testing"
)

// The Go column holds on patterns/cqrs's aggregate with eventhorizon's store,
// and its races really meet the store's optimistic concurrency.
func TestSummary(t *testing.T) {
	lines, err := Summary(Config{Accounts: 4, Commands: 60, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(lines, "\n")
	if lines[len(lines)-1] != "invariant HELD" {
		t.Fatalf("not held:\n%s", all)
	}
	if strings.Contains(all, " conflicts=0 ") {
		t.Errorf("no race met a conflict:\n%s", all)
	}
}
