package clearing

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/patternlab/patternlab/industries/fintech/bank"
)

// Three banks: alpha pays bravo 100 and charlie 50, bravo pays alpha 30,
// one payment from charlie to alpha was credited back. Gross 180 nets to
// alpha -120, bravo +70, charlie +50.
func TestSettleNets(t *testing.T) {
	s := NewSheet()
	leg := func(b, l, cp string, amt int64) { s.Add(b, l, cp, amt) }
	leg("alpha", bank.Debit, "bravo", 100_00)
	leg("bravo", bank.Credit, "alpha", 100_00)
	leg("alpha", bank.Debit, "charlie", 50_00)
	leg("charlie", bank.Credit, "alpha", 50_00)
	leg("bravo", bank.Debit, "alpha", 30_00)
	leg("alpha", bank.Credit, "bravo", 30_00)
	leg("charlie", bank.Debit, "alpha", 7_00)
	leg("charlie", bank.CreditBack, "alpha", 7_00)
	leg("alpha", bank.Debit, "alpha", 1_00) // on-us
	leg("alpha", bank.Credit, "alpha", 1_00)
	st := Settle("2026-03-02", []string{"charlie", "alpha", "bravo"}, map[string]uint64{}, s)
	assert.Equal(t, map[string]int64{"alpha": -120_00, "bravo": 70_00, "charlie": 50_00}, st.Positions)
	assert.Equal(t, st.Positions, st.BookPositions)
	assert.Zero(t, st.Sum())
	assert.Empty(t, st.Breaks)
	assert.Len(t, st.Obligations, 3)
	file := string(st.Render())
	assert.Contains(t, file, "debit  alpha")
	assert.Contains(t, file, "credit bravo")
	assert.True(t, strings.Contains(file, "  none\n"), "no breaks")

	// A debit that met neither a credit nor a credit-back: the books do
	// not balance, and the file says where.
	leg("bravo", bank.Debit, "charlie", 9_00)
	st = Settle("2026-03-02", []string{"alpha", "bravo", "charlie"}, nil, s)
	assert.Zero(t, st.Sum(), "the obligations still net to zero")
	assert.Equal(t, int64(-9_00), st.BookSum(), "the books do not")
	assert.Equal(t, []Break{{Payer: "bravo", Payee: "charlie", Sent: 9_00}}, st.Breaks)
}
