package history

import (
	"fmt"
	"slices"

	"github.com/anishathalye/porcupine"
)

// ReadingInput is one operation on a per-device log where each message ID is
// stored at most once (the edge-iot hub's reading log: JetStream's
// Nats-Msg-Id dedupe): an append of one ID, or a read of the device's log.
type ReadingInput struct {
	Device string
	Read   bool
	ID     string // for an append
}

// ReadingOutput is what the client saw: an append's outcome (OK for stored,
// Duplicate when the log said it already held the ID), or a read's IDs in
// log order.
type ReadingOutput struct {
	Outcome Outcome
	IDs     []string
}

// AppendOnce is the model of an append-once-by-message-ID log, partitioned
// by device:
//
//   - an append of a new ID stores it at the end (OK); an append of an ID
//     already stored stores nothing and says Duplicate; a log that stores an
//     ID twice, or calls a new ID a duplicate, breaks the model;
//   - a read returns exactly the IDs stored so far, in order;
//   - a Failed append changed nothing; an Unknown one stored its ID if it
//     was new.
//
// The state is the device's stored IDs.
var AppendOnce = porcupine.Model{
	Partition: partitionBy(func(in any) string { return in.(ReadingInput).Device }),
	Init:      func() any { return []string(nil) },
	Step: func(state, input, output any) (bool, any) {
		ids, in, out := state.([]string), input.(ReadingInput), output.(ReadingOutput)
		if in.Read {
			if out.Outcome != OK {
				return true, ids
			}
			return slices.Equal(ids, out.IDs), ids
		}
		stored := slices.Contains(ids, in.ID)
		switch out.Outcome {
		case OK:
			return !stored, appended(ids, []string{in.ID})
		case Duplicate:
			return stored, ids
		case Failed:
			return true, ids
		case Unknown:
			if stored {
				return true, ids
			}
			return true, appended(ids, []string{in.ID})
		}
		return false, ids
	},
	Equal: func(a, b any) bool { return slices.Equal(a.([]string), b.([]string)) },
	Hash:  func(state any) uint64 { return hashStrings(state.([]string)) },
	DescribeOperation: func(input, output any) string {
		in, out := input.(ReadingInput), output.(ReadingOutput)
		if in.Read {
			if out.Outcome != OK {
				return fmt.Sprintf("read %s -> %s", in.Device, out.Outcome)
			}
			return fmt.Sprintf("read %s -> %s", in.Device, describe(out.IDs))
		}
		return fmt.Sprintf("append %s %s -> %s", in.Device, in.ID, out.Outcome)
	},
	DescribeState: func(state any) string { return describe(state.([]string)) },
}
