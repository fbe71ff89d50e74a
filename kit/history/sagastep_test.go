package history

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
)

func stepOp(client int, call, ret int64, saga string, op StepOp, out Outcome, effect string, dup bool) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: StepInput{Saga: saga, Op: op}, Output: StepOutput{Outcome: out, Effect: effect, Duplicate: dup}}
}

func stepRead(client int, call, ret int64, saga string, do, undo StepRecord) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: StepInput{Saga: saga, Op: Read}, Output: StepOutput{Outcome: OK, State: StepState{Do: do, Undo: undo}}}
}

var (
	openKey   = StepRecord{}
	applied   = StepRecord{Effect: EffectApplied, Applied: 1}
	twice     = StepRecord{Effect: EffectApplied, Applied: 2}
	declined  = StepRecord{Effect: EffectDeclined}
	nothingTo = StepRecord{Effect: EffectNothingToUndo}
)

func TestSagaStep(t *testing.T) {
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"a redelivery is absorbed: the step applies once", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, false),
			stepOp(1, 20, 30, "s", Do, OK, EffectApplied, true),
			stepRead(2, 40, 50, "s", applied, openKey),
		}, porcupine.Ok},
		{"two concurrent deliveries: one applies, one is the duplicate", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, true),
			stepOp(1, 0, 10, "s", Do, OK, EffectApplied, false),
		}, porcupine.Ok},
		{"compensated: the undo applies once, its redelivery is absorbed", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, false),
			stepOp(0, 20, 30, "s", Undo, OK, EffectApplied, false),
			stepOp(1, 40, 50, "s", Undo, OK, EffectApplied, true),
			stepRead(2, 60, 70, "s", applied, applied),
		}, porcupine.Ok},
		{"an undo before its step leaves a tombstone: the late step is declined", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Undo, OK, EffectNothingToUndo, false),
			stepOp(1, 20, 30, "s", Do, OK, EffectDeclined, false),
			stepRead(2, 40, 50, "s", declined, nothingTo),
		}, porcupine.Ok},
		{"settled while open: a tombstone, the late step is declined", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Settle, OK, EffectDeclined, false),
			stepOp(1, 20, 30, "s", Do, OK, EffectDeclined, false),
			stepOp(1, 40, 50, "s", Undo, OK, EffectNothingToUndo, false),
		}, porcupine.Ok},
		{"settled after it applied: the record is the answer", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, false),
			stepOp(1, 20, 30, "s", Settle, OK, EffectApplied, false),
		}, porcupine.Ok},
		{"a reply lost, the retry is the duplicate", []porcupine.Operation{
			stepOp(0, 0, Open, "s", Do, Unknown, "", false),
			stepOp(0, 20, 30, "s", Do, OK, EffectApplied, true),
		}, porcupine.Ok},
		{"a delivery lost in a crash, the retry applies", []porcupine.Operation{
			stepOp(0, 0, Open, "s", Do, Unknown, "", false),
			stepOp(0, 20, 30, "s", Do, OK, EffectApplied, false),
			stepRead(1, 40, 50, "s", applied, openKey),
		}, porcupine.Ok},
		{"a transient failure changes nothing", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, Failed, "", false),
			stepOp(0, 20, 30, "s", Undo, OK, EffectNothingToUndo, false),
		}, porcupine.Ok},
		{"a duplicate applied again (no idempotency key)", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, false),
			stepOp(1, 20, 30, "s", Do, OK, EffectApplied, false),
		}, porcupine.Illegal},
		{"a lost reply retried and applied twice, seen by a read", []porcupine.Operation{
			stepOp(0, 0, Open, "s", Do, Unknown, "", false),
			stepOp(0, 20, 30, "s", Do, OK, EffectApplied, false),
			stepRead(1, 40, 50, "s", twice, openKey),
		}, porcupine.Illegal},
		{"a step applied after its compensation (no tombstone)", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Undo, OK, EffectNothingToUndo, false),
			stepOp(1, 20, 30, "s", Do, OK, EffectApplied, false),
		}, porcupine.Illegal},
		{"a step applied after it was settled as declined", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Settle, OK, EffectDeclined, false),
			stepOp(1, 20, 30, "s", Do, OK, EffectApplied, true),
		}, porcupine.Illegal},
		{"a second effect answered for one key", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, false),
			stepOp(1, 20, 30, "s", Do, OK, EffectDeclined, false),
		}, porcupine.Illegal},
		{"a duplicate with nothing recorded before it", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, true),
		}, porcupine.Illegal},
		{"the undo of an applied step says nothing to undo", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, false),
			stepOp(0, 20, 30, "s", Undo, OK, EffectNothingToUndo, false),
		}, porcupine.Illegal},
		{"a read misses an acknowledged step (lost in a restart)", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, OK, EffectApplied, false),
			stepRead(1, 20, 30, "s", openKey, openKey),
		}, porcupine.Illegal},
		{"a failed delivery applied after all", []porcupine.Operation{
			stepOp(0, 0, 10, "s", Do, Failed, "", false),
			stepRead(1, 20, 30, "s", applied, openKey),
		}, porcupine.Illegal},
		{"sagas are independent", []porcupine.Operation{
			stepOp(0, 0, 10, "a", Do, OK, EffectApplied, false),
			stepOp(1, 0, 10, "b", Do, OK, EffectApplied, false),
			stepRead(2, 20, 30, "a", applied, openKey),
		}, porcupine.Ok},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, porcupine.CheckOperationsTimeout(SagaStep, c.history, 10*time.Second))
		})
	}
}
