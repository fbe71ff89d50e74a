// Package scaffold writes a new pattern module that passes `check` at once:
// the module (code, demo, Example, fault test, benchmark), its diagrams, its
// chapter from the template, a placeholder benchmark table, the go.work entry
// and the nav entry.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/translation"
)

//go:embed templates
var templates embed.FS

// Pattern names are lowercase words joined by dashes: "circuit-breaker".
var validName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// ErrExists means the pattern, or one of its files, is already there.
var ErrExists = errors.New("already exists")

// Data fills the templates.
type Data struct {
	Name       string // circuit-breaker
	Package    string // circuitbreaker
	Title      string // Circuit Breaker
	ModulePath string
}

// NewData derives the template data from a pattern name.
func NewData(name string) (Data, error) {
	if !validName.MatchString(name) {
		return Data{}, fmt.Errorf("pattern name %q: use lowercase words joined by dashes, e.g. circuit-breaker", name)
	}
	words := strings.Split(name, "-")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return Data{
		Name:       name,
		Package:    strings.ReplaceAll(name, "-", ""),
		Title:      strings.Join(words, " "),
		ModulePath: repo.ModulePrefix + "/patterns/" + name,
	}, nil
}

// Write scaffolds pattern name in the checkout and returns the files written.
func Write(r *repo.Repo, name string) ([]string, error) {
	d, err := NewData(name)
	if err != nil {
		return nil, err
	}
	dir := "patterns/" + name
	if r.Exists(dir) {
		return nil, fmt.Errorf("%s: %w", dir, ErrExists)
	}
	plan := map[string]string{} // template -> destination
	err = fs.WalkDir(templates, "templates", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".tmpl")
		switch {
		case rel == "module/pattern.go":
			plan[p] = dir + "/" + d.Package + ".go"
		case strings.HasPrefix(rel, "module/"):
			plan[p] = dir + "/" + strings.TrimPrefix(rel, "module/")
		case strings.HasPrefix(rel, "diagrams/"):
			plan[p] = "diagrams/" + name + "/" + path.Base(rel)
		case rel == "docs/chapter.md":
			plan[p] = "docs/patterns/" + name + ".md"
		case rel == "docs/bench.md":
			plan[p] = "benchmarks/results/" + name + ".md"
		case rel == "docs-zh/summary.md":
			if r.Exists(translation.Config) {
				plan[p] = translation.SummaryPage(repo.Module{Kind: "patterns", Name: name})
			}
		default:
			return fmt.Errorf("template %s has no destination", p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, dst := range plan {
		if r.Exists(dst) {
			return nil, fmt.Errorf("%s: %w", dst, ErrExists)
		}
	}
	var written []string
	for src, dst := range plan {
		if err := render(r, src, dst, d); err != nil {
			return written, err
		}
		written = append(written, dst)
	}
	if err := r.AddWorkUse(dir); err != nil {
		return written, fmt.Errorf("go.work: %w", err)
	}
	if err := AddNav(r, d.Title, "patterns/"+name+".md"); err != nil {
		return written, fmt.Errorf("mkdocs.yml: %w", err)
	}
	written = append(written, "go.work", "mkdocs.yml")
	if !r.Exists(translation.Config) {
		return written, nil
	}
	// The Chinese edition: the summary's nav entry, and its record of the
	// chapter it summarizes (the placeholder text marks what is untranslated).
	if err := AddNavTo(r, translation.Config, "模式", d.Title, "patterns/"+name+".md"); err != nil {
		return written, fmt.Errorf("%s: %w", translation.Config, err)
	}
	summary := translation.SummaryPage(repo.Module{Kind: "patterns", Name: name})
	if _, err := translation.Refresh(r, []string{summary, dir + "/pattern.yaml"}); err != nil {
		return written, err
	}
	return append(written, translation.Config), nil
}

func render(r *repo.Repo, src, dst string, d Data) error {
	text, err := templates.ReadFile(src)
	if err != nil {
		return err
	}
	t, err := template.New(src).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return fmt.Errorf("render %s: %w", src, err)
	}
	out := r.Path(dst)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}

// AddNav adds "- Title: page" as the last entry of the nav's Patterns
// section of mkdocs.yml, keeping the file's own formatting.
func AddNav(r *repo.Repo, title, page string) error {
	return AddNavTo(r, "mkdocs.yml", "Patterns", title, page)
}

// AddNavTo adds "- Title: page" as the last entry of the nav section named
// section of an MkDocs config, keeping the file's own formatting.
func AddNavTo(r *repo.Repo, config, section, title, page string) error {
	sectionNav := regexp.MustCompile(`^(\s*)- ` + regexp.QuoteMeta(section) + `:\s*$`)
	data, err := r.Read(config)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	at, indent := -1, ""
	for i, l := range lines {
		if m := sectionNav.FindStringSubmatch(l); m != nil {
			at, indent = i, m[1]
			break
		}
	}
	if at < 0 {
		return fmt.Errorf("no `- %s:` section in nav", section)
	}
	last := at
	for i := at + 1; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(l)-len(strings.TrimLeft(l, " ")) <= len(indent) {
			break
		}
		if strings.Contains(l, page) {
			return nil
		}
		last = i
	}
	entry := indent + "    - " + title + ": " + page
	lines = append(lines[:last+1], append([]string{entry}, lines[last+1:]...)...)
	return os.WriteFile(r.Path(config), []byte(strings.Join(lines, "\n")), 0o644)
}
