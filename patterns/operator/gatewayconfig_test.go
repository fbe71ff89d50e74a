package operator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// TestGatewayConfigRunsInNATSServer feeds the rendered configuration to the
// real nats-server's parser: a config the gateway would refuse at start is a
// bug here, not in the plant.
func TestGatewayConfigRunsInNATSServer(t *testing.T) {
	cfg, err := RenderGatewayConfig(testSite().Spec)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), ServerConfKey)
	require.NoError(t, os.WriteFile(path, []byte(cfg.ServerConf), 0o600))

	opts, err := server.ProcessConfigFile(path)
	require.NoError(t, err, "nats-server refuses:\n%s", cfg.ServerConf)
	assert.Equal(t, "plant-7", opts.ServerName)
	assert.True(t, opts.JetStream)
	assert.EqualValues(t, 1<<30, opts.JetStreamMaxStore)
	require.Len(t, opts.LeafNode.Remotes, 1)
	assert.Equal(t, "nats-leaf://hub.factory.example:7422", opts.LeafNode.Remotes[0].URLs[0].String())

	var stream jetstream.StreamConfig
	require.NoError(t, json.Unmarshal([]byte(cfg.Stream), &stream))
	assert.Equal(t, "PLANT_7_BUFFER", stream.Name)
	assert.Equal(t, []string{"alarms.>", "telemetry.>"}, stream.Subjects)
	assert.Equal(t, 24*time.Hour, stream.MaxAge)
	assert.Equal(t, jetstream.DiscardOld, stream.Discard)
}

func TestGatewayConfigHash(t *testing.T) {
	base := testSite().Spec
	h := func(mutate func(s *edgev1.EdgeSiteSpec)) string {
		spec := base
		spec.Subjects = append([]string(nil), base.Subjects...)
		mutate(&spec)
		cfg, err := RenderGatewayConfig(spec)
		require.NoError(t, err)
		return cfg.Hash
	}
	same := h(func(*edgev1.EdgeSiteSpec) {})
	assert.Len(t, same, 12)
	assert.Equal(t, same, h(func(*edgev1.EdgeSiteSpec) {}), "deterministic")
	assert.Equal(t, same, h(func(s *edgev1.EdgeSiteSpec) { s.Subjects = []string{"alarms.>", "telemetry.>"} }), "subject order is not config")
	assert.Equal(t, same, h(func(s *edgev1.EdgeSiteSpec) { s.Suspended = true }), "suspending scales, it does not reconfigure")
	assert.NotEqual(t, same, h(func(s *edgev1.EdgeSiteSpec) { s.Retention.MaxAge = "72h" }))
	assert.NotEqual(t, same, h(func(s *edgev1.EdgeSiteSpec) { s.Hub.URL = "tls://hub2.factory.example:7422" }))
}

func TestGatewayConfigRejectsWhatTheSchemaShouldHave(t *testing.T) {
	spec := testSite().Spec
	spec.Retention.MaxBytes = "lots"
	_, err := RenderGatewayConfig(spec)
	assert.ErrorContains(t, err, "retention.maxBytes")
}
