package clickstream_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
)

// Fault: bad-input | target: the beacon parser, what is not an event | invariant: each is refused with the reason
func TestParseRefusesWhatIsNotAnEvent(t *testing.T) {
	good := `{"id":"e-1","producer":"web-1","user":"u-1","kind":"view","page":"/","ts":1772442000000,"sent":1772442000100,"agent":"Mozilla/5.0"}`
	_, err := clickstream.Parse([]byte(good))
	require.NoError(t, err)
	for _, c := range []struct {
		raw  string
		want error
	}{
		{`{"id":"e-1"`, clickstream.ErrNotJSON},
		{good + good, clickstream.ErrNotJSON},
		{`{"id":"e-1","extra":1}`, clickstream.ErrNotJSON},
		{`{"producer":"web-1","user":"u-1","kind":"view","page":"/","ts":1772442000000,"sent":1772442000000}`, clickstream.ErrMissing},
		{`{"id":"e 1","producer":"web-1","user":"u-1","kind":"view","page":"/","ts":1772442000000,"sent":1772442000000}`, clickstream.ErrBadID},
		{`{"id":"e-1","producer":"web-1","user":"u-1","kind":"hover","page":"/","ts":1772442000000,"sent":1772442000000}`, clickstream.ErrUnknownKind},
		{`{"id":"e-1","producer":"web-1","user":"u-1","kind":"click","page":"/","ts":1772442000000,"sent":1772442000000}`, clickstream.ErrMissing},
		{`{"id":"e-1","producer":"web-1","user":"u-1","kind":"view","page":"/","ts":1772442000000,"sent":1772441000000}`, clickstream.ErrBadTime},
		{`{"id":"e-1","producer":"web-1","user":"u-1","kind":"view","page":"/","ts":12,"sent":12}`, clickstream.ErrBadTime},
	} {
		_, err := clickstream.Parse([]byte(c.raw))
		assert.Truef(t, errors.Is(err, c.want), "%s: got %v, want %v", c.raw, err, c.want)
		var pe *clickstream.ParseError
		if assert.ErrorAs(t, err, &pe) {
			assert.NotEmpty(t, pe.Kind())
		}
	}
}

func TestGenerateIsSeededAndInArrivalOrder(t *testing.T) {
	tr := clickstream.DefaultTraffic()
	tr.Users, tr.Bots = 20, 1
	a, b := tr.Generate(), tr.Generate()
	require.Equal(t, a, b)
	for i := 1; i < len(a); i++ {
		require.LessOrEqual(t, a[i-1].Recv, a[i].Recv)
	}
	tr.Seed++
	assert.NotEqual(t, a, tr.Generate())
}

// Any bytes: an event or a *ParseError with a reason, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"e-1","producer":"web-1","user":"u-1","kind":"view","page":"/","ts":1772442000000,"sent":1772442000100,"agent":"x"}`))
	f.Add([]byte("\x00\xff"))
	f.Add([]byte(`{"id":"e-1","ts":1e400}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := clickstream.Parse(raw)
		if err != nil {
			var pe *clickstream.ParseError
			if !errors.As(err, &pe) || pe.Kind() == "" {
				t.Fatalf("%q: %v is not a ParseError with a reason", raw, err)
			}
			return
		}
		if _, err := clickstream.Parse(e.Encode()); err != nil {
			t.Fatalf("%q parsed, but its encoding does not: %v", raw, err)
		}
	})
}
