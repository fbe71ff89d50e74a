// Package testrepo makes a minimal patternlab checkout in a temporary
// directory for the tools' tests.
package testrepo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// MkDocs is the smallest mkdocs.yml the tools work with, including the
// Python tags of the real one.
const MkDocs = `site_name: test
markdown_extensions:
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_div_format
nav:
  - Home: index.md
  - Patterns:
      - Existing: patterns/existing.md
  - Contributing: contributing.md
`

// New returns an empty checkout with go.work, mkdocs.yml and docs/index.md.
func New(t testing.TB) *repo.Repo {
	t.Helper()
	root := t.TempDir()
	Write(t, root, "go.work", "go 1.26.8\n")
	Write(t, root, "mkdocs.yml", MkDocs)
	Write(t, root, "docs/index.md", "# Home\n")
	return &repo.Repo{Root: root}
}

// Write writes a root-relative file, creating directories.
func Write(t testing.TB, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
