package demoflag

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
)

type config struct {
	N     int
	Rate  float64
	Wait  time.Duration
	Crash bool
	Mode  string
	Kinds []string
	Seed  uint64
	Name  string
}

func flags(c *config) *Set {
	s := New("demo")
	s.Int(&c.N, "n", 1, 1000, "messages")
	s.Float(&c.Rate, "rate", 0.5, 1e6, "msg/s")
	s.Duration(&c.Wait, "wait", time.Millisecond, time.Minute, "ack wait")
	s.Bool(&c.Crash, "crash", "crash the consumer")
	s.Choice(&c.Mode, "mode", []string{"fast", "slow"}, "mode")
	s.List(&c.Kinds, "kinds", []string{"a", "b", "c"}, "kinds")
	s.Uint64(&c.Seed, "seed", "seed")
	s.Text(&c.Name, "name", nil, "a name")
	s.Check(func() error {
		if _, ok := Product(1<<20, int64(c.N), int64(c.Rate)); !ok {
			return errors.New("-n x -rate exceeds 1 Mi")
		}
		return nil
	})
	return s
}

func parse(args ...string) (config, error) {
	c := config{N: 10, Rate: 1, Wait: time.Second, Mode: "fast", Kinds: []string{"a"}, Name: "x"}
	err := flags(&c).Parse(args)
	return c, err
}

func TestParseAcceptsValuesInRange(t *testing.T) {
	c, err := parse("-n=1000", "-rate", "2.5", "-wait=2s", "-crash", "-mode=slow", "-kinds=c,a", "-seed=0x10", "-name=lab")
	require.NoError(t, err)
	assert.Equal(t, config{N: 1000, Rate: 2.5, Wait: 2 * time.Second, Crash: true, Mode: "slow", Kinds: []string{"c", "a"}, Seed: 16, Name: "lab"}, c)
}

func TestParseRefusesAndNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
		msg  string
	}{
		{[]string{"-n=0"}, "n", "0 is out of range 1..1000"},
		{[]string{"-n=99999999999999999999"}, "n", "not an integer"},
		{[]string{"-n=ten"}, "n", "not an integer"},
		{[]string{"-rate=NaN"}, "rate", "NaN is not a finite number"},
		{[]string{"-rate=+Inf"}, "rate", "is not a finite number"},
		{[]string{"-rate=1e400"}, "rate", "is not a finite number"},
		{[]string{"-rate=0"}, "rate", "out of range"},
		{[]string{"-wait=-1s"}, "wait", "out of range"},
		{[]string{"-wait=9999999h"}, "wait", "not a duration"},
		{[]string{"-crash=maybe"}, "crash", "not true or false"},
		{[]string{"-mode=medium"}, "mode", `"medium" is not one of fast, slow`},
		{[]string{"-kinds=a,a"}, "kinds", "named twice"},
		{[]string{"-kinds="}, "kinds", `"" is not one of`},
		{[]string{"-seed=-1"}, "seed", "not an unsigned"},
		{[]string{"-name=a\x00b"}, "name", "control characters"},
		{[]string{"-nope=1"}, "nope", "not defined"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := parse(tc.args...)
			var ue *narrate.UsageError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, tc.flag, ue.Flag)
			assert.Contains(t, err.Error(), "-"+tc.flag)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestParseRefusesTrailingArgumentsAndRunsChecks(t *testing.T) {
	_, err := parse("-n=5", "extra")
	var ue *narrate.UsageError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), `unexpected arguments ["extra"]`)

	_, err = parse("-n=1000", "-rate=1e6")
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "exceeds 1 Mi")
}

func TestHelpShowsRangesAndDefaults(t *testing.T) {
	_, err := parse("-h")
	var h *narrate.Help
	require.ErrorAs(t, err, &h)
	assert.Contains(t, h.Usage, "Usage of demo:")
	assert.Contains(t, h.Usage, "-n value")
	assert.Contains(t, h.Usage, "messages (1..1000) (default 10)")
	assert.Contains(t, h.Usage, "(one of fast, slow)")
}

func TestProduct(t *testing.T) {
	p, ok := Product(100, 4, 25)
	assert.True(t, ok)
	assert.Equal(t, int64(100), p)
	_, ok = Product(100, 4, 26)
	assert.False(t, ok)
	_, ok = Product(math.MaxInt64, math.MaxInt64, 2)
	assert.False(t, ok, "overflow is refused, not wrapped")
	_, ok = Product(100, -1)
	assert.False(t, ok)
	p, ok = Product(100, 0, math.MaxInt64)
	assert.True(t, ok)
	assert.Zero(t, p)
}

// A rule that spans flags sees the parsed values when it is a closure; the
// method value of a value receiver would see a copy of the defaults.
func TestCheckSeesParsedValues(t *testing.T) {
	type cfg struct{ a, b int }
	validate := func(c cfg) error {
		if c.a >= c.b {
			return errors.New("-a must be less than -b")
		}
		return nil
	}
	c := cfg{a: 1, b: 2}
	s := New("t")
	s.Int(&c.a, "a", 0, 10, "a")
	s.Int(&c.b, "b", 0, 10, "b")
	s.Check(func() error { return validate(c) })
	require.Error(t, s.Parse([]string{"-a=5", "-b=3"}))
}
