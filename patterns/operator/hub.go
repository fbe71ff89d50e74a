package operator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Hub is the registry of plants on the central NATS system: the state outside
// the cluster that the operator keeps in step with each EdgeSite, and that
// the finalizer removes before Kubernetes forgets the EdgeSite.
//
// A registration belongs to the EdgeSite that made it (Registration.Site and
// UID): another EdgeSite naming the same plant can neither overwrite it nor
// remove it.
type Hub interface {
	// Register records reg, reporting whether anything changed. A plant
	// registered by another EdgeSite is ErrPlantClaimed.
	Register(ctx context.Context, reg Registration) (changed bool, err error)
	// Deregister removes the plant's registration if reg's EdgeSite made it,
	// reporting whether it did. A plant that is not registered, or is
	// registered by someone else, is left as it is, and that is not an error.
	Deregister(ctx context.Context, reg Registration) (removed bool, err error)
	// Lookup returns the plant's registration, or ErrNotRegistered.
	Lookup(ctx context.Context, plant string) (Registration, error)
}

// Errors a caller of Hub branches on.
var (
	ErrNotRegistered = errors.New("plant not registered on the hub")
	ErrPlantClaimed  = errors.New("plant already registered by another EdgeSite")
)

// Registration is what the hub knows about a plant: which EdgeSite declared
// it (its owner), the account its leafnode lands in, and what it forwards.
type Registration struct {
	Plant    string   `json:"plant"`
	Site     string   `json:"site"` // namespace/name of the EdgeSite
	UID      string   `json:"uid"`  // and its uid: a new EdgeSite of the same name is a new owner
	Account  string   `json:"account"`
	Subjects []string `json:"subjects"`
	MaxAge   string   `json:"maxAge"`
	MaxBytes string   `json:"maxBytes"`
}

// RegistrationFor is the registration an EdgeSite asks for.
func RegistrationFor(site *edgev1.EdgeSite) Registration {
	return Registration{
		Plant:    site.Spec.Plant,
		Site:     site.Namespace + "/" + site.Name,
		UID:      string(site.UID),
		Account:  site.Spec.Hub.Account,
		Subjects: slices.Sorted(slices.Values(site.Spec.Subjects)),
		MaxAge:   site.Spec.Retention.MaxAge,
		MaxBytes: site.Spec.Retention.MaxBytes,
	}
}

// OwnedBy reports whether the EdgeSite that made r is the one that made o.
func (r Registration) OwnedBy(o Registration) bool { return r.Site == o.Site && r.UID == o.UID }

// HubBucket is the JetStream key-value bucket holding the registry (on a
// shared hub the demo uses a uniquely named one).
const HubBucket = "edge-sites"

// HubTimeout bounds each call to the hub: while the hub is down a reconcile
// fails after this long and is retried with backoff, instead of holding a
// worker until the connection returns.
const HubTimeout = time.Second

// KVHub keeps the registry in a JetStream key-value bucket, one key per plant.
type KVHub struct {
	kv jetstream.KeyValue
}

// NewKVHub opens (creating if needed) the registry bucket HubBucket.
func NewKVHub(ctx context.Context, js jetstream.JetStream) (*KVHub, error) {
	return OpenKVHub(ctx, js, HubBucket)
}

// OpenKVHub opens (creating if needed) the registry in bucket.
func OpenKVHub(ctx context.Context, js jetstream.JetStream, bucket string) (*KVHub, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "plants known to the hub, kept by the edgesite operator",
		History:     1,
	})
	if err != nil {
		return nil, fmt.Errorf("open hub registry bucket %s: %w", bucket, err)
	}
	return &KVHub{kv: kv}, nil
}

// Bucket is the name of the registry's key-value bucket.
func (h *KVHub) Bucket() string { return h.kv.Bucket() }

// Register implements Hub; it writes only when the registration differs.
func (h *KVHub) Register(ctx context.Context, reg Registration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, HubTimeout)
	defer cancel()
	want, err := json.Marshal(reg)
	if err != nil {
		return false, fmt.Errorf("encode registration of %s: %w", reg.Plant, err)
	}
	entry, err := h.kv.Get(ctx, reg.Plant)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		if _, err := h.kv.Create(ctx, reg.Plant, want); err != nil {
			return false, fmt.Errorf("register %s on the hub: %w", reg.Plant, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read registration of %s: %w", reg.Plant, err)
	}
	if bytes.Equal(entry.Value(), want) {
		return false, nil
	}
	var have Registration
	if err := json.Unmarshal(entry.Value(), &have); err != nil {
		// Someone else's bytes under the plant's key: not ours to overwrite.
		return false, fmt.Errorf("registration of %s on the hub does not decode, left as it is: %w", reg.Plant, err)
	}
	if have.Site != reg.Site {
		return false, fmt.Errorf("%w: %s is registered by %s, not %s", ErrPlantClaimed, reg.Plant, have.Site, reg.Site)
	}
	// The same EdgeSite name with another uid is a new incarnation of it
	// (deleted and applied again): it takes the registration over.
	// Update on the revision read: a concurrent writer makes this fail
	// rather than be overwritten, and the next reconcile reads again.
	if _, err := h.kv.Update(ctx, reg.Plant, want, entry.Revision()); err != nil {
		return false, fmt.Errorf("update registration of %s: %w", reg.Plant, err)
	}
	return true, nil
}

// Deregister implements Hub: it reads the plant's registration and purges it
// on the revision read only if reg's EdgeSite made it, so a registration
// that changed hands in between is not removed either.
func (h *KVHub) Deregister(ctx context.Context, reg Registration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, HubTimeout)
	defer cancel()
	entry, err := h.kv.Get(ctx, reg.Plant)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read registration of %s: %w", reg.Plant, err)
	}
	var have Registration
	if err := json.Unmarshal(entry.Value(), &have); err != nil || !have.OwnedBy(reg) {
		return false, nil // not ours (or not a registration at all): not ours to remove
	}
	if err := h.kv.Purge(ctx, reg.Plant, jetstream.LastRevision(entry.Revision())); err != nil {
		return false, fmt.Errorf("deregister %s from the hub: %w", reg.Plant, err)
	}
	return true, nil
}

// Lookup implements Hub.
func (h *KVHub) Lookup(ctx context.Context, plant string) (Registration, error) {
	ctx, cancel := context.WithTimeout(ctx, HubTimeout)
	defer cancel()
	entry, err := h.kv.Get(ctx, plant)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Registration{}, fmt.Errorf("%s: %w", plant, ErrNotRegistered)
	}
	if err != nil {
		return Registration{}, fmt.Errorf("look up %s on the hub: %w", plant, err)
	}
	var reg Registration
	if err := json.Unmarshal(entry.Value(), &reg); err != nil {
		return Registration{}, fmt.Errorf("decode registration of %s: %w", plant, err)
	}
	return reg, nil
}
