package history

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// LogInput is one operation on a per-aggregate versioned log, the model of
// an event store with optimistic concurrency: an append carries the version
// the writer read (the number of events it saw), a load reads every event.
type LogInput struct {
	Aggregate string
	Load      bool
	// Expected is the version an append expects the aggregate to be at.
	Expected int
	// Events are what an append writes, each named uniquely in the test so a
	// load shows which appends landed.
	Events []string
}

// LogOutput is what the client saw: an append's outcome, or a load's events
// (Outcome OK) or its failure.
type LogOutput struct {
	Outcome Outcome
	Events  []string
}

// VersionedLog is the model of a per-aggregate versioned log, partitioned by
// aggregate (each aggregate is checked alone, which keeps the check fast):
//
//   - an append that expects the current version succeeds and adds its events
//     at the end, all of them; one that expects another version is refused
//     (Conflict) and changes nothing;
//   - a load returns exactly the events appended so far, in order;
//   - a Failed operation changed nothing; an Unknown one took effect if it
//     could (the open return lets the checker put it last when it did not).
//
// The state is the aggregate's events; its version is their count.
var VersionedLog = porcupine.Model{
	Partition: partitionBy(func(in any) string { return in.(LogInput).Aggregate }),
	Init:      func() any { return []string(nil) },
	Step: func(state, input, output any) (bool, any) {
		events, in, out := state.([]string), input.(LogInput), output.(LogOutput)
		if in.Load {
			if out.Outcome != OK {
				return true, events // a failed read tells nothing
			}
			return slices.Equal(events, out.Events), events
		}
		fits := len(events) == in.Expected
		switch out.Outcome {
		case OK:
			return fits, appended(events, in.Events)
		case Conflict:
			return !fits, events
		case Failed:
			return true, events
		case Unknown:
			if fits {
				return true, appended(events, in.Events)
			}
			return true, events
		}
		return false, events
	},
	Equal: func(a, b any) bool { return slices.Equal(a.([]string), b.([]string)) },
	Hash:  func(state any) uint64 { return hashStrings(state.([]string)) },
	DescribeOperation: func(input, output any) string {
		in, out := input.(LogInput), output.(LogOutput)
		if in.Load {
			if out.Outcome != OK {
				return fmt.Sprintf("load %s -> %s", in.Aggregate, out.Outcome)
			}
			return fmt.Sprintf("load %s -> v%d %s", in.Aggregate, len(out.Events), describe(out.Events))
		}
		return fmt.Sprintf("append %s @v%d %s -> %s", in.Aggregate, in.Expected, describe(in.Events), out.Outcome)
	},
	DescribeState: func(state any) string {
		events := state.([]string)
		return fmt.Sprintf("v%d %s", len(events), describe(events))
	},
}

// appended is events followed by more, in a new slice: a step must not
// change the state it was given.
func appended(events, more []string) []string {
	return append(slices.Clip(events), more...)
}

func describe(events []string) string { return "[" + strings.Join(events, " ") + "]" }

func hashStrings(ss []string) uint64 {
	h := fnv.New64a()
	for _, s := range ss {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// partitionBy splits a history by the key of each operation's input,
// keeping the order of the operations within each part.
func partitionBy(key func(input any) string) func([]porcupine.Operation) [][]porcupine.Operation {
	return func(ops []porcupine.Operation) [][]porcupine.Operation {
		index := map[string]int{}
		var parts [][]porcupine.Operation
		for _, op := range ops {
			k := key(op.Input)
			i, ok := index[k]
			if !ok {
				i = len(parts)
				index[k] = i
				parts = append(parts, nil)
			}
			parts[i] = append(parts[i], op)
		}
		return parts
	}
}
