package eventtime

import (
	"encoding/json"
	"testing"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
)

// The window stage restarts from the last checkpoint it stored, bytes read
// back from storage. Whatever they are, NewOperator refuses them or returns
// an operator that takes the next records and the end of the log without
// panicking, ends at the end's offset, and whose own checkpoints restore.
func FuzzRestoreCheckpoint(f *testing.F) {
	p, sg := DefaultPolicy(), AllSafeguards()
	o, err := NewOperator(p, sg, nil)
	if err != nil {
		f.Fatal(err)
	}
	for i, k := range []clickstream.Kind{clickstream.View, clickstream.Cart, clickstream.Click} {
		outs, err := o.Apply(record(uint64(i+1), int64(i)*61_000, k))
		if err != nil {
			f.Fatal(err)
		}
		for _, out := range outs {
			if out.Checkpoint != nil {
				f.Add(out.Checkpoint.State)
			}
		}
	}
	f.Add([]byte(`{"sessions":{"u1":[{"user":"u1","start":5,"end":1,"events":-1}]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, state []byte) {
		o, err := NewOperator(p, sg, &Checkpoint{Offset: 9, State: state})
		if err != nil {
			return
		}
		offset := o.Offset()
		var last *Checkpoint
		for i, k := range []clickstream.Kind{clickstream.View, clickstream.Purchase, clickstream.Impression} {
			outs, err := o.Apply(record(offset+uint64(i)+1, int64(i)*1_000, k))
			if err != nil {
				t.Fatalf("restored from %q, apply: %v", state, err)
			}
			for _, out := range outs {
				if out.Checkpoint != nil {
					last = out.Checkpoint
				}
			}
		}
		for _, out := range o.End(offset + 10) {
			if out.Checkpoint != nil {
				last = out.Checkpoint
			}
		}
		if o.Offset() != offset+10 {
			t.Fatalf("restored from %q at %d, ended at %d", state, offset, o.Offset())
		}
		if last == nil {
			return // nothing closed, nothing to checkpoint
		}
		if _, err := NewOperator(p, sg, last); err != nil {
			t.Fatalf("its own checkpoint %q does not restore: %v", last.State, err)
		}
	})
}

func record(seq uint64, ts int64, k clickstream.Kind) Record {
	e := clickstream.Event{ID: "e" + string(rune('a'+seq%26)), Producer: "web-1", User: "u1", Kind: k, Page: "home", Campaign: "c1",
		TS: 1_772_431_200_000 + ts, Sent: 1_772_431_200_000 + ts, Agent: "fuzz"}
	raw, _ := json.Marshal(e)
	return Record{Raw: raw, Seq: seq, Recv: e.Sent, Event: e}
}
