package history

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// op is one operation of a hand-written history.
func op(client int, call, ret int64, in, out any) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: out}
}

func appendOp(client int, call, ret int64, agg string, expected int, out Outcome, events ...string) porcupine.Operation {
	return op(client, call, ret, LogInput{Aggregate: agg, Expected: expected, Events: events}, LogOutput{Outcome: out})
}

func loadOp(client int, call, ret int64, agg string, events ...string) porcupine.Operation {
	return op(client, call, ret, LogInput{Aggregate: agg, Load: true}, LogOutput{Outcome: OK, Events: events})
}

func TestVersionedLog(t *testing.T) {
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"one wins, the other conflicts, the load sees the winner", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			appendOp(1, 5, 15, "acct", 0, Conflict, "b"),
			loadOp(2, 20, 30, "acct", "a"),
		}, porcupine.Ok},
		{"concurrent appends at successive versions", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 1, OK, "b"),
			appendOp(1, 0, 10, "acct", 0, OK, "a"),
			loadOp(2, 20, 30, "acct", "a", "b"),
		}, porcupine.Ok},
		{"lost update: two appends at version 0 both acknowledged", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			appendOp(1, 20, 30, "acct", 0, OK, "b"),
			loadOp(2, 40, 50, "acct", "a", "b"),
		}, porcupine.Illegal},
		{"stale read: a load after an acknowledged append misses it", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			loadOp(1, 20, 30, "acct"),
		}, porcupine.Illegal},
		{"a conflict with nothing in the way", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, Conflict, "a"),
		}, porcupine.Illegal},
		{"torn batch: half of a two-event append is loaded", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a1", "a2"),
			loadOp(1, 20, 30, "acct", "a1"),
		}, porcupine.Illegal},
		{"an append that failed lands later", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, Failed, "a"),
			loadOp(1, 20, 30, "acct", "a"),
		}, porcupine.Illegal},
		{"an append with unknown outcome lands later", []porcupine.Operation{
			appendOp(0, 0, Open, "acct", 0, Unknown, "a"),
			loadOp(1, 20, 30, "acct"),
			loadOp(1, 40, 50, "acct", "a"),
		}, porcupine.Ok},
		{"an append with unknown outcome never lands", []porcupine.Operation{
			appendOp(0, 0, Open, "acct", 0, Unknown, "a"),
			appendOp(1, 20, 30, "acct", 0, OK, "b"),
			loadOp(1, 40, 50, "acct", "b"),
		}, porcupine.Ok},
		{"an append with unknown outcome cannot land before its call", []porcupine.Operation{
			loadOp(1, 0, 10, "acct", "a"),
			appendOp(0, 20, Open, "acct", 0, Unknown, "a"),
		}, porcupine.Illegal},
		{"aggregates are independent", []porcupine.Operation{
			appendOp(0, 0, 10, "x", 0, OK, "x1"),
			appendOp(1, 0, 10, "y", 0, OK, "y1"),
			loadOp(2, 20, 30, "y", "y1"),
			loadOp(2, 40, 50, "x", "x1"),
		}, porcupine.Ok},
		{"an event of one aggregate read in another", []porcupine.Operation{
			appendOp(0, 0, 10, "x", 0, OK, "x1"),
			loadOp(2, 20, 30, "y", "x1"),
		}, porcupine.Illegal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, porcupine.CheckOperationsTimeout(VersionedLog, c.history, 10*time.Second))
		})
	}
}

// TestVersionedLogStaleReads: the weaker model lets a load lag, and still
// catches every wrong append and every load that is not a prefix of whole
// appends.
func TestVersionedLogStaleReads(t *testing.T) {
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"a stale load (a lagging replica)", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			appendOp(0, 20, 30, "acct", 1, OK, "b1", "b2"),
			loadOp(1, 40, 50, "acct", "a"),
			loadOp(1, 60, 70, "acct"),
		}, porcupine.Ok},
		{"half of a batch", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			appendOp(0, 20, 30, "acct", 1, OK, "b1", "b2"),
			loadOp(1, 40, 50, "acct", "a", "b1"),
		}, porcupine.Illegal},
		{"a phantom event", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			loadOp(1, 20, 30, "acct", "a", "x"),
		}, porcupine.Illegal},
		{"events out of order", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			appendOp(0, 20, 30, "acct", 1, OK, "b"),
			loadOp(1, 40, 50, "acct", "b", "a"),
		}, porcupine.Illegal},
		{"lost update", []porcupine.Operation{
			appendOp(0, 0, 10, "acct", 0, OK, "a"),
			appendOp(1, 20, 30, "acct", 0, OK, "b"),
		}, porcupine.Illegal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, porcupine.CheckOperationsTimeout(VersionedLogStaleReads, c.history, 10*time.Second))
		})
	}
	stale := cases[0].history
	assert.Equal(t, porcupine.Illegal, porcupine.CheckOperationsTimeout(VersionedLog, stale, 10*time.Second), "the strict model refuses the stale load")
}

func readingOp(client int, call, ret int64, device, id string, out Outcome) porcupine.Operation {
	return op(client, call, ret, ReadingInput{Device: device, ID: id}, ReadingOutput{Outcome: out})
}

func readOp(client int, call, ret int64, device string, ids ...string) porcupine.Operation {
	return op(client, call, ret, ReadingInput{Device: device, Read: true}, ReadingOutput{Outcome: OK, IDs: ids})
}

func TestAppendOnce(t *testing.T) {
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"a resend is a duplicate and stored once", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", OK),
			readingOp(0, 20, 30, "dev", "r1", Duplicate),
			readingOp(1, 25, 35, "dev", "r2", OK),
			readOp(2, 40, 50, "dev", "r1", "r2"),
		}, porcupine.Ok},
		{"two concurrent sends of one ID: one stores, one is the duplicate", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", Duplicate),
			readingOp(1, 0, 10, "dev", "r1", OK),
			readOp(2, 20, 30, "dev", "r1"),
		}, porcupine.Ok},
		{"stored twice: both sends acknowledged as new", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", OK),
			readingOp(1, 20, 30, "dev", "r1", OK),
		}, porcupine.Illegal},
		{"stored twice: a read shows the ID twice", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", OK),
			readOp(1, 20, 30, "dev", "r1", "r1"),
		}, porcupine.Illegal},
		{"a new ID called a duplicate", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", Duplicate),
		}, porcupine.Illegal},
		{"an acknowledged reading missing from a later read", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", OK),
			readingOp(0, 20, 30, "dev", "r2", OK),
			readOp(1, 40, 50, "dev", "r2"),
		}, porcupine.Illegal},
		{"readings out of the order they were acknowledged in", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", OK),
			readingOp(0, 20, 30, "dev", "r2", OK),
			readOp(1, 40, 50, "dev", "r2", "r1"),
		}, porcupine.Illegal},
		{"a send cut off by the link, resent: stored once either way", []porcupine.Operation{
			readingOp(0, 0, Open, "dev", "r1", Unknown),
			readingOp(0, 20, 30, "dev", "r1", Duplicate),
			readOp(1, 40, 50, "dev", "r1"),
		}, porcupine.Ok},
		{"a send cut off by the link that never arrived, resent", []porcupine.Operation{
			readingOp(0, 0, Open, "dev", "r1", Unknown),
			readingOp(0, 20, 30, "dev", "r1", OK),
			readOp(1, 40, 50, "dev", "r1"),
		}, porcupine.Ok},
		{"a send that failed is stored after all", []porcupine.Operation{
			readingOp(0, 0, 10, "dev", "r1", Failed),
			readOp(1, 20, 30, "dev", "r1"),
		}, porcupine.Illegal},
		{"devices are independent", []porcupine.Operation{
			readingOp(0, 0, 10, "a", "r1", OK),
			readingOp(1, 0, 10, "b", "r1", OK),
			readOp(2, 20, 30, "a", "r1"),
			readOp(2, 20, 30, "b", "r1"),
		}, porcupine.Ok},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, porcupine.CheckOperationsTimeout(AppendOnce, c.history, 10*time.Second))
		})
	}
}

// TestCheckWritesVisualization: a violation leaves porcupine's page where the
// verdict says, and a linearizable history writes nothing.
func TestCheckWritesVisualization(t *testing.T) {
	dir := t.TempDir()
	bad := []porcupine.Operation{
		appendOp(0, 0, 10, "acct", 0, OK, "a"),
		appendOp(1, 20, 30, "acct", 0, OK, "b"),
	}
	v, err := Check(VersionedLog, bad, 10*time.Second, dir, "TestX/lost update")
	require.NoError(t, err)
	assert.Equal(t, porcupine.Illegal, v.Result)
	require.NotEmpty(t, v.Visualization)
	assert.True(t, strings.HasPrefix(v.Visualization, dir), "written under %s: %s", dir, v.Visualization)
	page, err := os.ReadFile(v.Visualization)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(page), "append acct @v0 [b]"), "the page describes the operations")

	v0 := v.Visualization
	good := bad[:1]
	v, err = Check(VersionedLog, good, 10*time.Second, dir, "TestX/fine")
	require.NoError(t, err)
	assert.Equal(t, porcupine.Ok, v.Result)
	assert.Empty(t, v.Visualization)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "only the violation left a page and its operations")
	assert.FileExists(t, strings.TrimSuffix(v0, ".html")+".jsonl")
}
