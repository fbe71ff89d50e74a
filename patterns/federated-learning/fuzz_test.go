package federatedlearning

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// modelBucket is the model's key-value bucket holding one value, as a
// coordinator that resumes reads it.
type modelBucket struct {
	jetstream.KeyValue
	value []byte
	rev   uint64
}

type modelEntry struct {
	jetstream.KeyValueEntry
	value []byte
	rev   uint64
}

func (e modelEntry) Value() []byte    { return e.value }
func (e modelEntry) Revision() uint64 { return e.rev }

func (b *modelBucket) Get(context.Context, string) (jetstream.KeyValueEntry, error) {
	if b.rev == 0 {
		return nil, jetstream.ErrKeyNotFound
	}
	return modelEntry{value: b.value, rev: b.rev}, nil
}

func (b *modelBucket) put(value []byte) (uint64, error) {
	b.value, b.rev = value, b.rev+1
	return b.rev, nil
}

func (b *modelBucket) Create(_ context.Context, _ string, value []byte, _ ...jetstream.KVCreateOpt) (uint64, error) {
	if b.rev != 0 {
		return 0, jetstream.ErrKeyExists
	}
	return b.put(value)
}

func (b *modelBucket) Update(_ context.Context, _ string, value []byte, rev uint64) (uint64, error) {
	if rev != b.rev {
		return 0, jetstream.ErrKeyRevisionMismatch
	}
	return b.put(value)
}

// Whatever the bucket holds (anyone with the bucket's API can write it), a
// resuming coordinator loads an error or a commit it can resume from: a
// round and a model of the model's shape, which it can commit again and
// load back unchanged.
func FuzzModelStoreLoad(f *testing.F) {
	good, err := json.Marshal(Commit{Round: 3, Weights: NewModel().Weights, Aggregator: "fedavg", Counted: []Counted{{Site: "site-1", Round: 3, Digest: "ab"}}, Coordinator: "c1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"round":"one"}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, value []byte) {
		ctx := context.Background()
		s := &ModelStore{kv: &modelBucket{value: value, rev: 7}}
		c, rev, err := s.Load(ctx)
		if err != nil {
			if errors.Is(err, ErrNoCommit) || rev != 0 {
				t.Fatalf("bucket holds %q: %v, revision %d", value, err, rev)
			}
			return
		}
		if rev != 7 || c.Round < 1 || len(c.Weights) != Dim {
			t.Fatalf("loaded %q as round %d with %d weights at revision %d: no model to resume from", value, c.Round, len(c.Weights), rev)
		}
		next, err := s.Save(ctx, c, rev)
		if err != nil {
			t.Fatalf("commit %+v again: %v", c, err)
		}
		again, rev2, err := s.Load(ctx)
		if err != nil || rev2 != next || !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip of %+v: %+v at %d, %v", c, again, rev2, err)
		}
	})
}

// roundUpdates is the hub's JetStream as a site publishes its update: it
// keeps what was published.
type roundUpdates struct {
	jetstream.JetStream
	subjects []string
	data     [][]byte
}

func (u *roundUpdates) Publish(_ context.Context, subject string, data []byte, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	u.subjects, u.data = append(u.subjects, subject), append(u.data, data)
	return &jetstream.PubAck{Sequence: uint64(len(u.data))}, nil
}

// Anyone who can publish on the round subject reaches every site's round
// decoder. Whatever the message, the site keeps serving (handleRound
// returns no error: an error ends the site's Run), answers at most once,
// only a round (>= 1) that selected it, and what it answers for a round the
// coordinator could have sent (round >= 1, weights within the bound) is an
// update the coordinator accepts.
func FuzzHandleRound(f *testing.F) {
	site := Fleet(1, 1, 40)[0]
	a := &Agent{Site: site, Shard: site.Shard(1), Training: Training{Epochs: 1, LearningRate: 1, Batch: 8}, Seed: 1, Names: DefaultNames()}
	valid, err := json.Marshal(RoundStart{Round: 1, Selected: []string{site.Name}, Weights: NewModel().Weights, Coordinator: "c1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"round":2,"selected":["site-0"],"weights":[1e308,1e308,1e308,1e308,1e308,1e308,1e308,1e308]}`))
	f.Add([]byte(`{"round":2,"selected":["site-0"],"weights":[1]}`))
	f.Add([]byte(`{"round":-5,"selected":["site-0","site-0"],"weights":[0,0,0,0,0,0,0,0]}`))
	f.Add([]byte(`{"round":1,"selected":["site-9"],"weights":[0,0,0,0,0,0,0,0]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		js := &roundUpdates{}
		if err := a.handleRound(context.Background(), js, data); err != nil {
			t.Fatalf("round message %q ends the site: %v", data, err)
		}
		var rs RoundStart
		if json.Unmarshal(data, &rs) != nil {
			if len(js.data) != 0 {
				t.Fatalf("answered %q, which is no round start", data)
			}
			return
		}
		selected := false
		for _, s := range rs.Selected {
			selected = selected || s == site.Name
		}
		if len(js.data) > 1 || (len(js.data) == 1) != (selected && rs.Round >= 1 && len(rs.Weights) == Dim) {
			t.Fatalf("round %+v: %d answers", rs, len(js.data))
		}
		if len(js.data) == 0 {
			return
		}
		for _, w := range rs.Weights {
			if math.Abs(w) > MaxAbsWeight {
				return
			}
		}
		if js.subjects[0] != a.Names.UpdateSubject(site.Name) {
			t.Fatalf("answered on %s", js.subjects[0])
		}
		u, err := DecodeUpdate(js.data[0], site.Name, []string{site.Name})
		if err != nil || u.Round != rs.Round || u.Samples != len(a.Shard) {
			t.Fatalf("answer to round %+v: %q, refused by the coordinator: %v", rs, js.data[0], err)
		}
	})
}
