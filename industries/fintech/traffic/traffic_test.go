package traffic

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var banks = []string{"alpha", "bravo", "charlie", "delta"}

// Fault: bad-input | target: the payment instruction parser, malformed instructions | invariant: each is refused with the reason
func TestParseRefusesWhatIsNotAnInstruction(t *testing.T) {
	good := Instruction{ID: "pi-1", Time: CycleDate, Payer: "alpha-0001", Payee: "bravo-0002", Amount: 100, Currency: "EUR"}
	in, err := Parse(good.Encode())
	require.NoError(t, err)
	assert.Equal(t, good, in)
	usd := good
	usd.Currency = "USD"
	_, err = Parse(usd.Encode())
	assert.NoError(t, err, "a real currency is the risk rules' to refuse")

	with := func(f func(*Instruction)) []byte { x := good; f(&x); return x.Encode() }
	for _, tt := range []struct {
		name string
		data []byte
		kind string
	}{
		{"cut short", []byte(`{"id":"pi-1","amount":`), "bad-json"},
		{"not JSON", []byte("hello"), "bad-json"},
		{"an unknown field", []byte(`{"id":"pi-1","amount":1,"iban":"x"}`), "bad-json"},
		{"two objects", append(good.Encode(), good.Encode()...), "bad-json"},
		{"a zero amount", with(func(i *Instruction) { i.Amount = 0 }), "amount"},
		{"a negative amount", with(func(i *Instruction) { i.Amount = -1 }), "amount"},
		{"an unknown currency", with(func(i *Instruction) { i.Currency = "EUX" }), "currency"},
		{"a lower-case currency", with(func(i *Instruction) { i.Currency = "eur" }), "currency"},
		{"payer pays itself", with(func(i *Instruction) { i.Payee = i.Payer }), "same-account"},
		{"no ID", with(func(i *Instruction) { i.ID = "" }), "missing-field"},
		{"an ID with a dot", with(func(i *Instruction) { i.ID = "pi.1" }), "missing-field"},
		{"no time", []byte(`{"id":"pi-1","payer":"a-1","payee":"b-1","amount":1,"currency":"EUR"}`), "missing-field"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.data)
			var m *Malformed
			require.ErrorAs(t, err, &m)
			assert.Equal(t, tt.kind, m.Kind)
			assert.NotEmpty(t, m.Reason)
			assert.True(t, errors.Is(err, ErrMalformed))
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"pi-1","time":"2026-03-02T10:00:00Z","payer":"a-1","payee":"b-1","amount":1,"currency":"EUR"}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse(data)
		if err != nil {
			var m *Malformed
			require.ErrorAs(t, err, &m)
			return
		}
		assert.Positive(t, in.Amount)
		assert.NotEqual(t, in.Payer, in.Payee)
	})
}

func TestGenerateIsSeededAndKeepsItsPromises(t *testing.T) {
	cfg := DayConfig{Seed: 7, Banks: banks, Accounts: 20, Payments: 800, DupEvery: 25, Outage: 6}
	a, b := Generate(cfg), Generate(cfg)
	require.Equal(t, a, b, "the same seed, the same day")
	cfg.Seed = 8
	assert.NotEqual(t, a.Instructions, Generate(cfg).Instructions)

	p := a.Planted
	for _, id := range append([]string{p.Overdraft, p.ToBlocked, p.OverLimit, p.Foreign, p.LostDebit, p.LatePivot, p.Race[0], p.Race[1]},
		append(append(p.BurstIDs, p.InOutage...), p.AfterClose...)...) {
		assert.NotEmpty(t, id)
	}
	assert.Len(t, p.BurstIDs, 8)
	assert.Len(t, p.MalformedAt, 5)
	opening := map[string]int64{}
	for _, acc := range a.Accounts {
		opening[acc.Name] = acc.Opening
	}
	sent := map[string]int64{}
	ids := map[string]bool{}
	for i, in := range a.Instructions {
		require.False(t, ids[in.ID], "IDs are unique")
		ids[in.ID] = true
		if i > 0 {
			assert.False(t, in.Time.Before(a.Instructions[i-1].Time), "in time order")
		}
		_, err := Parse(in.Encode())
		require.NoError(t, err, "every instruction is well formed")
		sent[in.Payer] += in.Amount
	}
	for payer, s := range sent {
		if payer != p.Corporate && payer != p.Broke {
			assert.LessOrEqual(t, s, opening[payer], "%s never sends more than it held", payer)
		}
	}
	copies := map[string]int{}
	for _, m := range a.Messages {
		if m.ID != "" {
			copies[m.ID]++
		}
	}
	for _, id := range p.Duplicated {
		assert.Contains(t, []int{2, 3}, copies[id], id)
		assert.True(t, a.Resendable[id], "%s is duplicated, so resendable", id)
	}
	// Resendable: every ordinary instruction, no planted one.
	planted := append([]string{p.Overdraft, p.ToBlocked, p.OverLimit, p.Foreign, p.LostDebit, p.LatePivot, p.Race[0], p.Race[1]},
		append(append(p.BurstIDs, p.InOutage...), p.AfterClose...)...)
	for _, id := range planted {
		assert.False(t, a.Resendable[id], "planted %s is not resendable", id)
	}
	assert.Greater(t, len(a.Resendable), len(a.Instructions)-len(planted)-2*cfg.Outage-1, "every other instruction is")
	assert.Equal(t, len(a.Instructions)+len(p.MalformedAt), len(copies)+len(p.MalformedAt))

	// Long-tailed amounts: most payments are small, a few are large, and
	// the mean sits far above the median.
	var amounts []int64
	var total int64
	for _, in := range a.Instructions {
		amounts = append(amounts, in.Amount)
		total += in.Amount
	}
	slices.Sort(amounts)
	median, p99 := amounts[len(amounts)/2], amounts[len(amounts)*99/100]
	assert.Greater(t, total/int64(len(amounts)), 2*median, "the mean is pulled up by the tail")
	assert.Greater(t, p99, 20*median, "the 99th percentile is far out")
}
