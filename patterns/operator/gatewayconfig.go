package operator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"k8s.io/apimachinery/pkg/api/resource"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Keys of the gateway ConfigMap.
const (
	ServerConfKey = "nats-server.conf" // the nats-server configuration
	StreamKey     = "stream.json"      // the store-and-forward stream the gateway creates at start
)

// GatewayConfig is what the gateway runs, rendered from an EdgeSite's spec.
// Only the spec goes in: a hash over anything else (the generation, a
// timestamp) would roll the gateway when nothing it runs has changed.
type GatewayConfig struct {
	ServerConf string // nats-server.conf: server name, JetStream limits, leafnode remote
	Stream     string // stream.json: a jetstream.StreamConfig for the plant's buffer
	Hash       string // first 12 hex digits of sha256 over both
}

// RenderGatewayConfig renders the gateway's configuration. Subjects are
// sorted so that reordering them (a no-op for a set) does not roll the gateway.
func RenderGatewayConfig(spec edgev1.EdgeSiteSpec) (GatewayConfig, error) {
	maxAge, err := time.ParseDuration(spec.Retention.MaxAge)
	if err != nil {
		return GatewayConfig{}, fmt.Errorf("retention.maxAge %q: %w", spec.Retention.MaxAge, err)
	}
	maxBytes, err := resource.ParseQuantity(spec.Retention.MaxBytes)
	if err != nil {
		return GatewayConfig{}, fmt.Errorf("retention.maxBytes %q: %w", spec.Retention.MaxBytes, err)
	}
	subjects := slices.Sorted(slices.Values(spec.Subjects))

	var b strings.Builder
	fmt.Fprintf(&b, "# Rendered by the edgesite operator; hand edits are reverted.\n")
	fmt.Fprintf(&b, "server_name: %q\n", spec.Plant)
	fmt.Fprintf(&b, "listen: \"0.0.0.0:%d\"\n", ClientPort)
	fmt.Fprintf(&b, "http: \"0.0.0.0:%d\"\n", MonitorPort)
	fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n  max_file_store: %d\n}\n", DataMountPath, maxBytes.Value())
	fmt.Fprintf(&b, "leafnodes {\n  remotes: [\n    { url: %q }\n  ]\n}\n", spec.Hub.URL)

	stream, err := json.MarshalIndent(jetstream.StreamConfig{
		Name:      BufferStreamName(spec.Plant),
		Subjects:  subjects,
		Retention: jetstream.LimitsPolicy,
		Discard:   jetstream.DiscardOld,
		Storage:   jetstream.FileStorage,
		MaxAge:    maxAge,
		MaxBytes:  maxBytes.Value(),
		Replicas:  1,
	}, "", "  ")
	if err != nil {
		return GatewayConfig{}, fmt.Errorf("render stream config: %w", err)
	}
	cfg := GatewayConfig{ServerConf: b.String(), Stream: string(stream) + "\n"}
	sum := sha256.Sum256([]byte(cfg.ServerConf + "\x00" + cfg.Stream))
	cfg.Hash = hex.EncodeToString(sum[:])[:12]
	return cfg, nil
}

// BufferStreamName is the JetStream stream that holds a plant's messages
// until the hub has them: "PLANT_7_BUFFER" for plant-7.
func BufferStreamName(plant string) string {
	return strings.ToUpper(strings.ReplaceAll(plant, "-", "_")) + "_BUFFER"
}
