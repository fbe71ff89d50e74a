package learn

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The slugs are Python-Markdown's toc slugify, which MkDocs uses for every
// heading id; a link to a section is only right if they agree.
func TestSlugIsPythonMarkdownsSlugify(t *testing.T) {
	for heading, want := range map[string]string{
		"Run it": "run-it",
		"Best practices, anti-patterns and pitfalls": "best-practices-anti-patterns-and-pitfalls",
		"Definition and formal model":                "definition-and-formal-model",
		"The `Ledger` and its `Exec`":                "the-ledger-and-its-exec",
		"A [link](other.md) in a heading":            "a-link-in-a-heading",
		"Café au lait":                               "cafe-au-lait",
		"Q(t) = (λ − μ)·t":                           "qt-t",
		"背压 Backpressure":                            "backpressure",
		"**Bold** and *em*":                          "bold-and-em",
		"snake_case stays":                           "snake_case-stays",
	} {
		assert.Equal(t, want, Slug(heading), "heading %q", heading)
	}
}

func TestHeadingIDsAreUniqueAndHonourAttrList(t *testing.T) {
	md := "# Title\n\n## Run it\n\n```sh\n## not a heading\n```\n\n## Run it\n\n## Related {#lab-related}\n\n### Notes { .wide }\n\n## Run it\n"
	assert.Equal(t, []string{"title", "run-it", "run-it_1", "lab-related", "notes", "run-it_2"}, HeadingIDs([]byte(md)))
}
