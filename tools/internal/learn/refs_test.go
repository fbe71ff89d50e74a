package learn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What `go run ./x -h` prints with the flag package's defaults.
const usage = `Usage of /tmp/demo:
  -ack-wait duration
    	JetStream AckWait (default 1s)
  -crash
    	crash the consumer in a last act (default true)
  -orders int
    	orders (sagas) per style,
    	1..500 (default 8)
  -rate float
    	service rate (default 5000)
  -seed uint
    	seed (default 1)
  -temporal string
    	backend: dev or memory (default "dev")
  -v	print logs to stderr
`

func TestParseUsageReadsEveryFlagAndItsType(t *testing.T) {
	set := ParseUsage(usage)
	want := map[string]string{"ack-wait": "duration", "crash": "", "orders": "int", "rate": "float", "seed": "uint", "temporal": "string", "v": ""}
	require.Len(t, set, len(want))
	for name, typ := range want {
		assert.Equal(t, typ, set[name].Type, "-%s", name)
	}
	assert.Equal(t, "orders (sagas) per style, 1..500 (default 8)", set["orders"].Usage)
	assert.Equal(t, "print logs to stderr", set["v"].Usage)
}

func TestCheckArgsParsesLikeTheFlagPackage(t *testing.T) {
	set := ParseUsage(usage)
	for _, ok := range [][]string{
		{"-orders", "20"}, {"-orders=20"}, {"--orders", "20"}, {"-crash"}, {"-crash=false"}, {"-v", "-rate", "1.5"},
		{"-ack-wait", "500ms"}, {"-temporal", "memory"}, {"-seed", "0x10"},
	} {
		assert.Empty(t, set.CheckArgs(ok), "%v", ok)
	}
	for args, want := range map[string][]string{
		"unknown":    {"-workers", "3"},
		"no value":   {"-orders"},
		"bad int":    {"-orders", "many"},
		"bad dur":    {"-ack-wait=5"},
		"bad bool":   {"-crash=maybe"},
		"positional": {"memory"},
		"bad uint":   {"-seed", "-1"},
		"bad float":  {"-rate", "fast"},
	} {
		assert.NotEmpty(t, set.CheckArgs(want), "%s: %v", args, want)
	}
}

func TestDemoRefCommand(t *testing.T) {
	assert.Equal(t, "make demo P=saga", ParseDemoRef("saga").Command())
	assert.Equal(t, "make demo P=saga ARGS='-orders 3 -idempotency=false'", ParseDemoRef("saga -orders 3 -idempotency=false").Command())
}
