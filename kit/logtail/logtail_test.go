package logtail

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTailKeepsTheLastLines(t *testing.T) {
	tl := &Tail{Lines: 3}
	for i := range 10 {
		fmt.Fprintf(tl, "line %d\n", i)
	}
	fmt.Fprint(tl, "partial")
	assert.Equal(t, "line 7\nline 8\nline 9\npartial", tl.String())
	fmt.Fprint(tl, " end\n")
	assert.Equal(t, "line 8\nline 9\npartial end", tl.String())
	assert.Equal(t, "  line 8\n  line 9\n  partial end", tl.Indented("  "))
	assert.True(t, tl.Contains("partial end"))
}

func TestTailCutsLongLines(t *testing.T) {
	tl := &Tail{}
	fmt.Fprintln(tl, strings.Repeat("x", 5000))
	assert.Len(t, tl.String(), maxLine)
	assert.Equal(t, "", (&Tail{}).Indented("  "))
}
