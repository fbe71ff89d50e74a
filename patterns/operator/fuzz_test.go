package operator

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats-server/v2/conf"
	"github.com/nats-io/nats.go/jetstream"
	"k8s.io/apimachinery/pkg/api/resource"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// plantBucket is the hub registry's bucket holding one plant's key.
type plantBucket struct {
	jetstream.KeyValue
	value  []byte
	rev    uint64
	writes int
	purged bool
}

type plantEntry struct {
	jetstream.KeyValueEntry
	value []byte
	rev   uint64
}

func (e plantEntry) Value() []byte    { return e.value }
func (e plantEntry) Revision() uint64 { return e.rev }

func (b *plantBucket) Get(context.Context, string) (jetstream.KeyValueEntry, error) {
	if b.rev == 0 || b.purged {
		return nil, jetstream.ErrKeyNotFound
	}
	return plantEntry{value: bytes.Clone(b.value), rev: b.rev}, nil
}

func (b *plantBucket) Create(_ context.Context, _ string, v []byte, _ ...jetstream.KVCreateOpt) (uint64, error) {
	if b.rev != 0 && !b.purged {
		return 0, jetstream.ErrKeyExists
	}
	b.value, b.rev, b.purged, b.writes = v, b.rev+1, false, b.writes+1
	return b.rev, nil
}

func (b *plantBucket) Update(_ context.Context, _ string, v []byte, rev uint64) (uint64, error) {
	if rev != b.rev || b.purged {
		return 0, jetstream.ErrKeyRevisionMismatch
	}
	b.value, b.rev, b.writes = v, b.rev+1, b.writes+1
	return b.rev, nil
}

func (b *plantBucket) Purge(_ context.Context, _ string, _ ...jetstream.KVDeleteOpt) error {
	b.purged = true
	return nil
}

// The hub registry's values are bytes anyone with the bucket's API can
// write. Whatever a plant's key holds, the operator of EdgeSite plants/a:
//   - Lookup returns an error or the registration the bytes decode to;
//   - Register overwrites it only when it decodes to a registration of the
//     same EdgeSite name (else ErrPlantClaimed or an error, and no write),
//     and then stores exactly its own registration, which Lookup returns;
//   - Deregister removes it only when it decodes to a registration of the
//     same EdgeSite and uid.
func FuzzKVHub(f *testing.F) {
	mine := Registration{Plant: "plant-7", Site: "plants/a", UID: "u1", Account: "PLANTS", Subjects: []string{"telemetry.>"}, MaxAge: "24h", MaxBytes: "1Gi"}
	own, err := json.Marshal(mine)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(own)
	f.Add([]byte(`{"plant":"plant-7","site":"plants/a","uid":"u0"}`))
	f.Add([]byte(`{"plant":"plant-7","site":"plants/b","uid":"u1"}`))
	f.Add([]byte(`{"SITE":"plants/a","Uid":"u1"}`))
	f.Add([]byte(`{"site":"plants/b","site":"plants/a","uid":"u1"}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, value []byte) {
		ctx := context.Background()
		var have Registration
		decodeErr := json.Unmarshal(value, &have)

		b := &plantBucket{value: bytes.Clone(value), rev: 3}
		h := &KVHub{kv: b}
		got, err := h.Lookup(ctx, mine.Plant)
		if (err != nil) != (decodeErr != nil) || (err == nil && !equalRegistrations(got, have)) {
			t.Fatalf("lookup of %q: %+v, %v", value, got, err)
		}

		changed, err := h.Register(ctx, mine)
		switch {
		case bytes.Equal(value, own):
			if changed || err != nil || b.writes != 0 {
				t.Fatalf("registering what is there wrote %d times: %v %v", b.writes, changed, err)
			}
		case decodeErr != nil || have.Site != mine.Site:
			if changed || err == nil || b.writes != 0 || !bytes.Equal(b.value, value) {
				t.Fatalf("overwrote %q (decode error %v): changed %v, %v", value, decodeErr, changed, err)
			}
			if decodeErr == nil && !errors.Is(err, ErrPlantClaimed) {
				t.Fatalf("a registration of %s is no claim: %v", have.Site, err)
			}
		default:
			if !changed || err != nil || b.writes != 1 || !bytes.Equal(b.value, own) {
				t.Fatalf("took over %q: changed %v, %v, stored %q", value, changed, err, b.value)
			}
			if got, err := h.Lookup(ctx, mine.Plant); err != nil || !equalRegistrations(got, mine) {
				t.Fatalf("lookup after register: %+v, %v", got, err)
			}
		}

		b = &plantBucket{value: bytes.Clone(value), rev: 3}
		h = &KVHub{kv: b}
		removed, err := h.Deregister(ctx, mine)
		owned := decodeErr == nil && have.OwnedBy(mine)
		if err != nil || removed != owned || b.purged != owned {
			t.Fatalf("deregister over %q: removed %v (owned %v), %v", value, removed, owned, err)
		}
	})
}

func equalRegistrations(a, b Registration) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// An EdgeSite's spec is rendered into the gateway's nats-server.conf and
// stream.json. Whatever the spec's strings, the renderer returns an error or
// a configuration in which the stream is the plant's buffer with the
// spec's subjects (sorted) and limits, the hash is 12 hex digits over the
// rest, the subjects' order changes nothing, and the nats-server
// configuration parser, when it accepts the file, reads back exactly the
// plant as the server name and the hub URL as the one leafnode remote: no
// spec string can add a setting. (The CRD's patterns keep quotes and
// control characters out of the API; the renderer must not depend on it.)
func FuzzRenderGatewayConfig(f *testing.F) {
	f.Add("plant-7", "nats-leaf://hub.factory.example:7422", "telemetry.>", "alarms.>", "24h", "1Gi")
	f.Add("plant-7", "tls://hub:7422", "a.*", "a.*", "1m", "1Mi")
	f.Add("p\"\n  jetstream: false\n x: \"", "nats-leaf://h:1\" }, { url: \"nats-leaf://evil:1", "x", "y", "720h", "64Gi")
	f.Add("plant-7", "nats-leaf://h:1", "", "", "-1h", "-1")
	f.Add("a", "u", "s", "t", "1e9h", "9999999999999999999999Ei")
	f.Fuzz(func(t *testing.T, plant, hubURL, s1, s2, maxAge, maxBytes string) {
		for _, s := range []string{plant, hubURL, s1, s2} {
			if !utf8.ValidString(s) {
				t.Skip("the API server stores strings as JSON, in UTF-8")
			}
		}
		spec := edgev1.EdgeSiteSpec{Plant: plant, Hub: edgev1.HubSpec{URL: hubURL, Account: "PLANTS"}, Subjects: []string{s1, s2},
			Retention: edgev1.RetentionSpec{MaxAge: maxAge, MaxBytes: maxBytes}}
		cfg, err := RenderGatewayConfig(spec)
		if err != nil {
			return
		}
		age, ageErr := time.ParseDuration(maxAge)
		size, sizeErr := resource.ParseQuantity(maxBytes)
		if ageErr != nil || sizeErr != nil {
			t.Fatalf("rendered a config for maxAge %q, maxBytes %q", maxAge, maxBytes)
		}
		var stream jetstream.StreamConfig
		if err := json.Unmarshal([]byte(cfg.Stream), &stream); err != nil {
			t.Fatalf("stream.json does not decode: %v\n%s", err, cfg.Stream)
		}
		if stream.Name != BufferStreamName(plant) || !slices.Equal(stream.Subjects, slices.Sorted(slices.Values(spec.Subjects))) ||
			stream.MaxAge != age || stream.MaxBytes != size.Value() {
			t.Fatalf("stream.json is not the spec's: %+v", stream)
		}
		if _, err := hex.DecodeString(cfg.Hash); err != nil || len(cfg.Hash) != 12 {
			t.Fatalf("hash %q", cfg.Hash)
		}
		spec.Subjects = []string{s2, s1}
		if again, err := RenderGatewayConfig(spec); err != nil || again != cfg {
			t.Fatalf("reordering the subjects changed the config: %v", err)
		}
		parsed, err := conf.Parse(cfg.ServerConf)
		if err != nil {
			return
		}
		leafnodes, _ := parsed["leafnodes"].(map[string]any)
		remotes, _ := leafnodes["remotes"].([]any)
		var urls []any
		for _, r := range remotes {
			m, _ := r.(map[string]any)
			urls = append(urls, m["url"])
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range parsed {
				if !yield(strings.ToLower(k)) {
					return
				}
			}
		})
		if parsed["server_name"] != plant || len(urls) != 1 || urls[0] != hubURL ||
			!slices.Equal(keys, []string{"http", "jetstream", "leafnodes", "listen", "server_name"}) {
			t.Fatalf("spec strings changed the server's settings: server_name %v, remotes %v, keys %v\n%s",
				parsed["server_name"], urls, keys, cfg.ServerConf)
		}
	})
}
