package history

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// StepOp is one call a client makes to the service that owns a saga's
// forward step and its compensation (the saga ledger of one service).
type StepOp string

// The calls of the SagaStep model.
const (
	// Do delivers the forward step (a charge, a reservation).
	Do StepOp = "do"
	// Undo delivers its compensation (the refund, the release).
	Undo StepOp = "undo"
	// Settle decides the forward step for a caller that stopped trying it:
	// its recorded outcome, or a tombstone (declined) if it is still open.
	Settle StepOp = "settle"
	// Read reads both records.
	Read StepOp = "read"
)

// The effects a step's record can hold, as the saga ledger names them; ""
// is a key still open.
const (
	EffectApplied       = "applied"
	EffectDeclined      = "declined"
	EffectNothingToUndo = "nothing-to-undo"
)

// StepInput is one call on one saga's pair of keys.
type StepInput struct {
	Saga string
	Op   StepOp
}

// StepRecord is what the service recorded for one key: its effect, and how
// many times the effect changed the service's state.
type StepRecord struct {
	Effect  string
	Applied int
}

// StepState is one saga's two records, the forward step's and its
// compensation's.
type StepState struct {
	Do, Undo StepRecord
}

// StepOutput is what the client saw: for Do, Undo and Settle the effect the
// service answered with and whether it said the delivery was a duplicate
// (a decline travels as an error, and Settle answers with the record,
// both without that flag); for Read, the records.
type StepOutput struct {
	Outcome   Outcome
	Effect    string
	Duplicate bool
	State     StepState
}

// SagaStep is the model of a saga ledger's per-key state machine, for one
// forward step and its compensation, partitioned by saga. Each key moves
// from open to one final effect, once, and then answers every delivery
// from its record:
//
//   - Do on an open key applies (Applied, once), unless the compensation
//     is already recorded, which is a tombstone: then it is Declined;
//   - Undo on an open key applies if the forward step applied, and records
//     NothingToUndo if it did not (a tombstone for a late Do);
//   - Settle on an open forward key settles it as Declined;
//   - a delivery or a Settle of a settled key is a duplicate: it changes
//     nothing and answers the recorded effect again;
//   - a Read returns both records exactly;
//   - a Failed call changed nothing; an Unknown one made its transition, at
//     some point after its call, or none.
//
// A ledger that applies a duplicate (a redelivery, a retry after a lost
// reply), answers a second effect for one key, or lets a step apply after
// its compensation breaks the model.
var SagaStep = porcupine.Model{
	Partition: partitionBy(func(in any) string { return in.(StepInput).Saga }),
	Init:      func() any { return StepState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(StepState), input.(StepInput), output.(StepOutput)
		if out.Outcome == Failed {
			return true, s
		}
		if in.Op == Read {
			return out.Outcome != OK || out.State == s, s
		}
		next, effect, dup, ok := s.deliver(in.Op)
		switch {
		case !ok:
			return false, s
		case out.Outcome == Unknown:
			return true, next
		case out.Outcome != OK, out.Effect != effect:
			return false, s
		case in.Op != Settle && effect != EffectDeclined && out.Duplicate != dup:
			return false, s
		}
		return true, next
	},
	Equal: func(a, b any) bool { return a.(StepState) == b.(StepState) },
	Hash: func(state any) uint64 {
		s := state.(StepState)
		return hashStrings([]string{s.Do.Effect, fmt.Sprint(s.Do.Applied), s.Undo.Effect, fmt.Sprint(s.Undo.Applied)})
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(StepInput), output.(StepOutput)
		switch {
		case out.Outcome != OK:
			return fmt.Sprintf("%s %s -> %s", in.Op, in.Saga, out.Outcome)
		case in.Op == Read:
			return fmt.Sprintf("read %s -> %s", in.Saga, out.State)
		case out.Duplicate:
			return fmt.Sprintf("%s %s -> %s (duplicate)", in.Op, in.Saga, out.Effect)
		}
		return fmt.Sprintf("%s %s -> %s", in.Op, in.Saga, out.Effect)
	},
	DescribeState: func(state any) string { return state.(StepState).String() },
}

// deliver is the transition of op from s: the next state, the effect the
// service must answer, and whether that answer is a duplicate's.
func (s StepState) deliver(op StepOp) (next StepState, effect string, duplicate, ok bool) {
	switch op {
	case Do, Settle:
		if s.Do.Effect != "" {
			return s, s.Do.Effect, true, true
		}
		if op == Settle || s.Undo.Effect != "" {
			s.Do = StepRecord{Effect: EffectDeclined}
		} else {
			s.Do = StepRecord{Effect: EffectApplied, Applied: 1}
		}
		return s, s.Do.Effect, false, true
	case Undo:
		if s.Undo.Effect != "" {
			return s, s.Undo.Effect, true, true
		}
		if s.Do.Effect == EffectApplied {
			s.Undo = StepRecord{Effect: EffectApplied, Applied: 1}
		} else {
			s.Undo = StepRecord{Effect: EffectNothingToUndo}
		}
		return s, s.Undo.Effect, false, true
	}
	return s, "", false, false
}

func (r StepRecord) String() string {
	if r.Effect == "" {
		return "open"
	}
	return fmt.Sprintf("%s×%d", r.Effect, r.Applied)
}

func (s StepState) String() string { return fmt.Sprintf("do %s, undo %s", s.Do, s.Undo) }
