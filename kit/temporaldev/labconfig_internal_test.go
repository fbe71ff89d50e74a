package temporaldev

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDynamicConfigIsTheLabsOverriddenByTheCallers(t *testing.T) {
	got := Options{}.dynamicConfig()
	assert.Equal(t, LabDynamicConfig(), got, "an embedded server starts with the lab's settings")
	assert.Equal(t, "1", got["matching.numTaskqueueReadPartitions"])

	got = Options{DynamicConfig: map[string]string{"history.transferProcessorMaxPollRPS": "20", "frontend.rps": "100"}}.dynamicConfig()
	assert.Equal(t, "20", got["history.transferProcessorMaxPollRPS"], "a caller's value wins")
	assert.Equal(t, "100", got["frontend.rps"], "a caller's key is added")
	assert.Equal(t, "1", got["matching.numTaskqueueWritePartitions"], "the other lab settings stay")

	got = Options{StockDynamicConfig: true, DynamicConfig: map[string]string{"frontend.rps": "100"}}.dynamicConfig()
	assert.Equal(t, map[string]string{"frontend.rps": "100"}, got, "stock: only the caller's")

	LabDynamicConfig()["matching.numTaskqueueReadPartitions"] = "4"
	assert.Equal(t, "1", LabDynamicConfig()["matching.numTaskqueueReadPartitions"], "callers get a copy")
}
