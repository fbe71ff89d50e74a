package translation

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Config is the Chinese edition's MkDocs config, whose nav lists its pages.
const Config = "mkdocs.zh.yml"

// MaxDiffLines caps the changed lines shown for one stale page.
const MaxDiffLines = 60

// Finding is one translation problem: the page to fix and what is wrong.
// Diff, for a stale page, shows what changed in its source since.
type Finding struct {
	File string
	Msg  string
	Diff string
}

func (f Finding) String() string {
	s := f.File + ": " + f.Msg
	if f.Diff != "" {
		s += "\n    " + strings.ReplaceAll(strings.TrimRight(f.Diff, "\n"), "\n", "\n    ")
	}
	return s
}

// Pages lists the root-relative pages of the Chinese edition (skipping
// dot directories, as MkDocs does).
func Pages(r *repo.Repo) ([]string, error) {
	var out []string
	err := filepath.WalkDir(r.Path(Dir), func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".md") {
			rel, err := filepath.Rel(r.Root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Counterpart is the English page a Chinese page mirrors:
// docs-zh/patterns/saga.md -> docs/patterns/saga.md.
func Counterpart(page string) string { return "docs/" + strings.TrimPrefix(page, Dir+"/") }

// Check reports every stale translation (its source changed since the
// recorded hash, with the changed lines), every page without a record,
// every record whose source is gone, and every pattern or industry module
// without its Chinese summary page, Chinese facts in pattern.yaml or nav
// entry. Nothing is reported for a checkout without a Chinese edition.
func Check(r *repo.Repo) ([]Finding, error) {
	if !r.Exists(Dir) {
		return nil, nil
	}
	var out []Finding
	pages, err := Pages(r)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		f, err := checkPage(r, p)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	mods, err := r.Modules()
	if err != nil {
		return nil, err
	}
	nav, err := r.NavPages(Config)
	if err != nil {
		out = append(out, Finding{File: Config, Msg: fmt.Sprintf("cannot read nav: %v", err)})
	}
	for _, m := range mods {
		out = append(out, checkModule(r, m, nav)...)
	}
	if nav != nil {
		out = append(out, checkMirror(r, nav, mods)...)
	}
	return out, nil
}

// checkMirror reports every page of the English nav that the Chinese
// edition lacks, or does not list in its nav: its language switch could
// only go to the Chinese home page.
func checkMirror(r *repo.Repo, zhNav []string, mods []repo.Module) []Finding {
	enNav, err := r.NavPages("mkdocs.yml")
	if err != nil {
		return nil // the contract check reports an unreadable mkdocs.yml
	}
	summaries := map[string]bool{} // reported by checkModule already
	for _, m := range mods {
		summaries[strings.TrimPrefix(SummaryPage(m), Dir+"/")] = true
	}
	var out []Finding
	for _, p := range enNav {
		if summaries[p] || !r.Exists("docs/"+p) {
			continue
		}
		page := Dir + "/" + p
		switch {
		case !r.Exists(page):
			out = append(out, Finding{File: page, Msg: fmt.Sprintf("missing: docs/%s is in the English nav, so the Chinese edition needs its counterpart (the language switch must not fall back to the home page); see CONTRIBUTING.md, \"The Chinese edition\"", p)})
		case !slices.Contains(zhNav, p):
			out = append(out, Finding{File: Config, Msg: "nav does not list " + p + " (mkdocs.yml does)"})
		}
	}
	return out
}

func checkPage(r *repo.Repo, page string) ([]Finding, error) {
	data, err := r.Read(page)
	if err != nil {
		return nil, err
	}
	rec, err := ReadRecord(data)
	if err != nil {
		return []Finding{{File: page, Msg: err.Error()}}, nil
	}
	refresh := "make translations-refresh FILE=" + page
	if rec == nil {
		if src := Counterpart(page); r.Exists(src) {
			return []Finding{{File: page, Msg: fmt.Sprintf("no translation record: say which English file it translates (front matter translation.source, e.g. %s) and, once it matches, run `%s`", src, refresh)}}, nil
		}
		return []Finding{{File: page, Msg: fmt.Sprintf("no translation record and no English counterpart %s: Chinese pages mirror docs/", Counterpart(page))}}, nil
	}
	if rec.Source == "" || !r.Exists(rec.Source) {
		return []Finding{{File: page, Msg: fmt.Sprintf("translates %q, which does not exist", rec.Source)}}, nil
	}
	source, err := r.Read(rec.Source)
	if err != nil {
		return nil, err
	}
	now := Hash(source)
	switch {
	case rec.Hash == "":
		return []Finding{{File: page, Msg: fmt.Sprintf("translates %s but records no source_hash: once it matches the source, run `%s`", rec.Source, refresh)}}, nil
	case rec.Hash == now:
		return nil, nil
	}
	f := Finding{File: page, Msg: fmt.Sprintf("stale translation of %s (translated at %s, source now %s)", rec.Source, rec.Hash, now)}
	old, err := r.Read(snapshot(rec.Hash))
	switch {
	case errors.Is(err, os.ErrNotExist):
		f.Msg += fmt.Sprintf(": no snapshot %s of the translated text; `git log -p %s` shows the changes; update the page, then run `%s`", snapshot(rec.Hash), rec.Source, refresh)
	case err != nil:
		return nil, err
	default:
		diff, n := Diff(rec.Source, old, source)
		f.Msg += fmt.Sprintf(": %s changed; update the page, then run `%s`", plural(n, "line"), refresh)
		f.Diff = diff
	}
	return []Finding{f}, nil
}

// Diff is the unified diff from the translated text to the source now,
// cut at MaxDiffLines, and how many lines were added or removed.
func Diff(source string, old, now []byte) (string, int) {
	text, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(string(old)),
		B:        difflib.SplitLines(string(now)),
		FromFile: source + " (translated)",
		ToFile:   source + " (now)",
		Context:  1,
	})
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	changed := 0
	for _, l := range lines {
		if (strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++")) || (strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---")) {
			changed++
		}
	}
	if len(lines) > MaxDiffLines {
		lines = append(lines[:MaxDiffLines], fmt.Sprintf("... %d more diff lines", len(lines)-MaxDiffLines))
	}
	return strings.Join(lines, "\n"), changed
}

// SummarySections are the `##` headings of every Chinese summary page: the
// problem, the formal model in short, how to run it, the invariant and its
// attacks, the key diagrams, what the demo shows, and the way to the
// English chapter for the code.
var SummarySections = []string{"问题与背景", "形式化模型", "运行", "不变式与故障注入", "图示", "演示展示了什么", "代码与英文章节"}

// SummaryPage is a module's Chinese summary: docs-zh/patterns/<name>.md.
func SummaryPage(m repo.Module) string { return Dir + "/" + m.Kind + "/" + m.Name + ".md" }

func checkModule(r *repo.Repo, m repo.Module, nav []string) []Finding {
	page := SummaryPage(m)
	var out []Finding
	if !r.Exists(page) {
		out = append(out, Finding{File: page, Msg: fmt.Sprintf("missing: the Chinese summary of %s (see CONTRIBUTING.md, \"The Chinese edition\")", m.Dir())})
	}
	if nav != nil && !slices.Contains(nav, strings.TrimPrefix(page, Dir+"/")) {
		out = append(out, Finding{File: Config, Msg: "nav does not list " + strings.TrimPrefix(page, Dir+"/")})
	}
	p, err := r.ReadPattern(m)
	if err != nil {
		return out // the contract check reports an unreadable pattern.yaml
	}
	file := m.Dir() + "/pattern.yaml"
	for _, f := range [][2]string{{"zh.title", p.Zh.Title}, {"zh.summary", p.Zh.Summary}, {"zh.invariant", p.Zh.Invariant}} {
		if strings.TrimSpace(f[1]) == "" {
			out = append(out, Finding{File: file, Msg: f[0] + " is required: the Chinese edition's catalog and search use it"})
		}
	}
	out = append(out, checkFacts(r, file, p)...)
	data, err := r.Read(page)
	if err != nil {
		return out
	}
	_, body, _ := frontMatter(data)
	var h1 string
	h2 := map[string]bool{}
	for _, h := range repo.ParsePage([]byte(body)).Headings {
		switch {
		case h.Level == 1 && h1 == "":
			h1 = h.Text
		case h.Level == 2:
			h2[h.Text] = true
		}
	}
	if p.Zh.Title != "" && h1 != p.Zh.Title {
		out = append(out, Finding{File: page, Msg: fmt.Sprintf("title is %q, want zh.title of %s, %q (the name a reader searches for)", h1, file, p.Zh.Title)})
	}
	for _, s := range SummarySections {
		if !h2[s] {
			out = append(out, Finding{File: page, Msg: "missing summary section: ## " + s})
		}
	}
	return out
}

// Facts is the English text a pattern.yaml's zh: block translates.
func Facts(p *repo.Pattern) []byte {
	return []byte("title: " + p.Title + "\nsummary: " + p.Summary + "\ninvariant: " + p.Invariant + "\n")
}

// checkFacts reports a zh: block whose English fields changed since it was
// translated, as checkPage does for a page.
func checkFacts(r *repo.Repo, file string, p *repo.Pattern) []Finding {
	refresh := "make translations-refresh FILE=" + file
	now := Hash(Facts(p))
	switch {
	case p.Zh.Title == "" && p.Zh.Summary == "" && p.Zh.Invariant == "":
		return nil // reported as missing above
	case p.Zh.SourceHash == "":
		return []Finding{{File: file, Msg: fmt.Sprintf("zh: records no source_hash of the English title, summary and invariant: once it matches them, run `%s`", refresh)}}
	case p.Zh.SourceHash == now:
		return nil
	}
	f := Finding{File: file, Msg: fmt.Sprintf("stale translation in zh: of the English title, summary and invariant (translated at %s, now %s)", p.Zh.SourceHash, now)}
	if old, err := r.Read(snapshot(p.Zh.SourceHash)); err == nil {
		diff, n := Diff(file, old, Facts(p))
		f.Msg += fmt.Sprintf(": %s changed; update zh:, then run `%s`", plural(n, "line"), refresh)
		f.Diff = diff
	} else {
		f.Msg += fmt.Sprintf(": `git log -p %s` shows the change; update zh:, then run `%s`", file, refresh)
	}
	return []Finding{f}
}

func snapshot(hash string) string { return SnapshotDir + "/" + hash + ".txt" }

// Refresh records, for each page, its source's current hash and keeps the
// source's text as the snapshot of that hash; a page without a record gets
// one for its English counterpart. Snapshots no page names any more are
// removed. It returns what it did, one line a page.
func Refresh(r *repo.Repo, pages []string) ([]string, error) {
	var done []string
	for _, p := range pages {
		p = path.Clean(filepath.ToSlash(p))
		if path.Base(p) == "pattern.yaml" {
			line, err := refreshFacts(r, p)
			if err != nil {
				return done, err
			}
			done = append(done, line)
			continue
		}
		if !strings.HasPrefix(p, Dir+"/") || !strings.HasSuffix(p, ".md") {
			return done, fmt.Errorf("%s: not a page of %s/ or a pattern.yaml", p, Dir)
		}
		data, err := r.Read(p)
		if err != nil {
			return done, err
		}
		rec, err := ReadRecord(data)
		if err != nil {
			return done, fmt.Errorf("%s: %w", p, err)
		}
		source := Counterpart(p)
		if rec != nil && rec.Source != "" {
			source = rec.Source
		}
		text, err := r.Read(source)
		if err != nil {
			return done, fmt.Errorf("%s translates %s: %w", p, source, err)
		}
		hash := Hash(text)
		if err := writeSnapshot(r, hash, text); err != nil {
			return done, err
		}
		if err := os.WriteFile(r.Path(p), WithRecord(data, source, hash), 0o644); err != nil {
			return done, err
		}
		was := "no record"
		if rec != nil && rec.Hash != "" {
			was = rec.Hash
		}
		done = append(done, fmt.Sprintf("%s: translates %s at %s (was %s)", p, source, hash, was))
	}
	return done, prune(r)
}

var (
	zhBlock    = regexp.MustCompile(`(?m)^zh:[^\n]*\n`)
	zhHashLine = regexp.MustCompile(`(?m)^  source_hash:[^\n]*$`)
)

// refreshFacts records in a pattern.yaml's zh: block the hash of the
// English fields it translates, keeping the file's formatting.
func refreshFacts(r *repo.Repo, file string) (string, error) {
	dir := path.Dir(file)
	m := repo.Module{Kind: path.Dir(dir), Name: path.Base(dir)}
	p, err := r.ReadPattern(m)
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	data, err := r.Read(file)
	if err != nil {
		return "", err
	}
	loc := zhBlock.FindIndex(data)
	if loc == nil {
		return "", fmt.Errorf("%s: no zh: block to record the translation in", file)
	}
	facts := Facts(p)
	hash := Hash(facts)
	head, block := string(data[:loc[1]]), string(data[loc[1]:])
	end := 0 // the block is the indented (or blank) lines after zh:
	for _, l := range strings.SplitAfter(block, "\n") {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, " ") {
			break
		}
		end += len(l)
	}
	inner, rest := block[:end], block[end:]
	if zhHashLine.MatchString(inner) {
		inner = zhHashLine.ReplaceAllString(inner, "  source_hash: "+hash)
	} else {
		inner = strings.TrimRight(inner, "\n") + "\n  source_hash: " + hash + "\n"
	}
	if err := writeSnapshot(r, hash, facts); err != nil {
		return "", err
	}
	if err := os.WriteFile(r.Path(file), []byte(head+inner+rest), 0o644); err != nil {
		return "", err
	}
	was := p.Zh.SourceHash
	if was == "" {
		was = "no record"
	}
	return fmt.Sprintf("%s: zh: translates the English title, summary and invariant at %s (was %s)", file, hash, was), nil
}

func writeSnapshot(r *repo.Repo, hash string, text []byte) error {
	if err := os.MkdirAll(r.Path(SnapshotDir), 0o755); err != nil {
		return err
	}
	return os.WriteFile(r.Path(snapshot(hash)), text, 0o644)
}

// prune removes the snapshots that no page's record, nor any zh: block,
// names.
func prune(r *repo.Repo) error {
	pages, err := Pages(r)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	if mods, err := r.Modules(); err == nil {
		for _, m := range mods {
			if p, err := r.ReadPattern(m); err == nil && p.Zh.SourceHash != "" {
				keep[path.Base(snapshot(p.Zh.SourceHash))] = true
			}
		}
	}
	for _, p := range pages {
		data, err := r.Read(p)
		if err != nil {
			return err
		}
		if rec, err := ReadRecord(data); err == nil && rec != nil && rec.Hash != "" {
			keep[path.Base(snapshot(rec.Hash))] = true
		}
	}
	entries, err := os.ReadDir(r.Path(SnapshotDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !keep[e.Name()] && strings.HasSuffix(e.Name(), ".txt") {
			if err := os.Remove(r.Path(SnapshotDir + "/" + e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
