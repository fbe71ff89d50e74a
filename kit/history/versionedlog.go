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
// The state is the aggregate's appends; its version is their events' count.
var VersionedLog = versionedLog(false)

// VersionedLogStaleReads is VersionedLog with weaker loads: a load may
// return any prefix of the log that ends between two appends (never half
// of one), as a replica that lags behind would. Appends are checked as
// strictly as in VersionedLog, so a lost update, a torn batch, a phantom
// event or one out of order is still caught; a stale read is not.
var VersionedLogStaleReads = versionedLog(true)

// logState is an aggregate's appends, each one's events joined by a unit
// separator, and their total count of events (the version).
type logState struct {
	appends []string
	version int
}

const unitSep = "\x1f"

func (s logState) events() []string {
	var out []string
	for _, a := range s.appends {
		out = append(out, strings.Split(a, unitSep)...)
	}
	return out
}

// loadable reports whether events is what a load may return in state s:
// the whole log, or with stale reads, any prefix of whole appends.
func (s logState) loadable(events []string, stale bool) bool {
	if !stale {
		return len(events) == s.version && slices.Equal(s.events(), events)
	}
	n := 0
	for _, a := range s.appends {
		if n == len(events) {
			return true
		}
		for _, e := range strings.Split(a, unitSep) {
			if n >= len(events) || events[n] != e {
				return false
			}
			n++
		}
	}
	return n == len(events)
}

func (s logState) with(events []string) logState {
	return logState{appends: append(slices.Clip(s.appends), strings.Join(events, unitSep)), version: s.version + len(events)}
}

func versionedLog(staleReads bool) porcupine.Model {
	return porcupine.Model{
		Partition: partitionBy(func(in any) string { return in.(LogInput).Aggregate }),
		Init:      func() any { return logState{} },
		Step: func(state, input, output any) (bool, any) {
			st, in, out := state.(logState), input.(LogInput), output.(LogOutput)
			if in.Load {
				if out.Outcome != OK {
					return true, st // a failed read tells nothing
				}
				return st.loadable(out.Events, staleReads), st
			}
			fits := st.version == in.Expected
			switch out.Outcome {
			case OK:
				return fits, st.with(in.Events)
			case Conflict:
				return !fits, st
			case Failed:
				return true, st
			case Unknown:
				if fits {
					return true, st.with(in.Events)
				}
				return true, st
			}
			return false, st
		},
		Equal: func(a, b any) bool { return slices.Equal(a.(logState).appends, b.(logState).appends) },
		Hash:  func(state any) uint64 { return hashStrings(state.(logState).appends) },
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
			st := state.(logState)
			return fmt.Sprintf("v%d %s", st.version, describe(st.events()))
		},
	}
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
