package federatedlearning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// ModelStore keeps the last committed global model in a JetStream
// key-value bucket. A commit names the revision it replaces, so a
// coordinator that was replaced (a zombie that wakes up after its
// successor took over) cannot overwrite its successor's model.
type ModelStore struct {
	kv jetstream.KeyValue
}

// ErrNoCommit says no round was ever committed: start from the initial model.
var ErrNoCommit = errors.New("no committed model")

// ErrFenced says another coordinator committed since this one last read the
// model: this one must stop.
var ErrFenced = errors.New("fenced: another coordinator committed first")

// OpenModelStore creates (or reuses) the bucket.
func OpenModelStore(ctx context.Context, js jetstream.JetStream, bucket string) (*ModelStore, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "federated-learning: the last committed global model",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("model bucket %s: %w", bucket, err)
	}
	return &ModelStore{kv: kv}, nil
}

// Load returns the last commit and its revision, or ErrNoCommit.
func (s *ModelStore) Load(ctx context.Context) (Commit, uint64, error) {
	e, err := s.kv.Get(ctx, ModelKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Commit{}, 0, ErrNoCommit
	}
	if err != nil {
		return Commit{}, 0, fmt.Errorf("load model: %w", err)
	}
	var c Commit
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return Commit{}, 0, fmt.Errorf("load model revision %d: %w", e.Revision(), err)
	}
	return c, e.Revision(), nil
}

// Save commits c over revision rev (0: the first commit) and returns the new
// revision; ErrFenced if someone else committed since rev.
func (s *ModelStore) Save(ctx context.Context, c Commit, rev uint64) (uint64, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	var next uint64
	if rev == 0 {
		next, err = s.kv.Create(ctx, ModelKey, data)
	} else {
		next, err = s.kv.Update(ctx, ModelKey, data, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("commit round %d over revision %d: %w", c.Round, rev, ErrFenced)
	}
	if err != nil {
		return 0, fmt.Errorf("commit round %d: %w", c.Round, err)
	}
	return next, nil
}
