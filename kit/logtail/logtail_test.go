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

// The first lines are kept too when asked: a panic's message comes before a
// stack trace longer than the tail.
func TestTailKeepsTheFirstLinesWhenAsked(t *testing.T) {
	tl := &Tail{First: 2, Lines: 2}
	fmt.Fprintln(tl, "panic: listen tcp 127.0.0.1:7233: bind: address already in use")
	for i := range 10 {
		fmt.Fprintf(tl, "frame %d\n", i)
	}
	assert.Equal(t, "panic: listen tcp 127.0.0.1:7233: bind: address already in use\nframe 0\n[... 7 lines not kept ...]\nframe 8\nframe 9", tl.String())
	assert.True(t, tl.Contains("address already in use"))
	short := &Tail{First: 5}
	fmt.Fprintln(short, "one")
	assert.Equal(t, "one", short.String())
}
