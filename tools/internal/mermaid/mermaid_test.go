package mermaid_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/mermaid"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

const page = "# Page\n\n" + // lines 1-2
	"```mermaid\n" + // line 3
	"--8<-- \"diagrams/x/good.mmd\"\n" + // line 4: a diagram file, checked as the file
	"```\n\n" +
	"```mermaid\n" + // line 7
	"flowchart LR\n" + // line 8
	"  a --> b\n" + // line 9
	"  c -->\n" + // line 10: broken
	"```\n"

func TestCollectAttributesBlocksToTheirFiles(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "diagrams/x/good.mmd", "flowchart LR\n  a --> b\n")
	testrepo.Write(t, r.Root, "docs/page.md", page)
	blocks, err := mermaid.Collect(r)
	require.NoError(t, err)
	require.Len(t, blocks, 2)
	assert.Equal(t, "diagrams/x/good.mmd", blocks[0].File)
	assert.Equal(t, 1, blocks[0].Line)
	assert.Equal(t, "docs/page.md", blocks[1].File)
	assert.Equal(t, 8, blocks[1].Line)
}

// A real Chromium and the real Mermaid library: a bad block is reported with
// its file, its line and the parser's message; good ones pass.
func TestParseReportsFileLineAndMessage(t *testing.T) {
	chromium, err := mermaid.FindChromium()
	js := "../../../node_modules/mermaid/dist/mermaid.min.js"
	if _, statErr := os.Stat(js); err != nil || statErr != nil {
		if os.Getenv("PATTERNLAB_CI") == "1" {
			t.Fatalf("CI must provide Chromium and node_modules: %v %v", err, statErr)
		}
		t.Skipf("needs Chromium and `npm ci` at the repository root: %v %v", err, statErr)
	}
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "diagrams/x/good.mmd", "flowchart LR\n  a --> b\n")
	testrepo.Write(t, r.Root, "diagrams/x/bad.mmd", "sequenceDiagram\n  A->>B: hi\n  B-->>: oops\n")
	testrepo.Write(t, r.Root, "docs/page.md", page)
	blocks, err := mermaid.Collect(r)
	require.NoError(t, err)

	problems, err := mermaid.Parse(context.Background(), chromium, js, blocks)
	require.NoError(t, err)
	require.Len(t, problems, 2, "%v", problems)
	assert.Equal(t, "diagrams/x/bad.mmd", problems[0].File)
	assert.Equal(t, 3, problems[0].Line)
	assert.Equal(t, "docs/page.md", problems[1].File)
	assert.Equal(t, 10, problems[1].Line)
	assert.Contains(t, problems[1].String(), "docs/page.md:10: mermaid: Parse error on line")
}

// The Chinese edition's pages and its *.zh.mmd diagrams are parsed too.
func TestCollectIncludesTheChineseEdition(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "diagrams/x/flow.zh.mmd", "flowchart LR\n  生产者 --> 消费者\n")
	testrepo.Write(t, r.Root, "docs-zh/page.md", "# 页面\n\n```mermaid\n--8<-- \"diagrams/x/flow.zh.mmd\"\n```\n\n```mermaid\nflowchart LR\n  甲 --> 乙\n```\n")
	blocks, err := mermaid.Collect(r)
	require.NoError(t, err)
	require.Len(t, blocks, 2)
	assert.Equal(t, "diagrams/x/flow.zh.mmd", blocks[0].File)
	assert.Equal(t, "docs-zh/page.md", blocks[1].File)
	assert.Equal(t, 8, blocks[1].Line)
}
