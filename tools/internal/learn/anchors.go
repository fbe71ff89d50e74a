package learn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Anchors gives the section anchors of docs pages as MkDocs renders them
// (Python-Markdown's toc: a slug of the heading text, made unique with _1,
// _2...; or the id an attr_list `{#id}` sets), parsed on first use.
type Anchors struct {
	r     *repo.Repo
	pages map[string]map[string]string // page -> id -> heading text
	// Generated are the anchors the hook adds to a page (docs-relative
	// path), which no heading in the file shows.
	Generated map[string][]string
}

// NewAnchors returns an empty index over a checkout's docs/.
func NewAnchors(r *repo.Repo) *Anchors {
	return &Anchors{r: r, pages: map[string]map[string]string{}, Generated: map[string][]string{}}
}

// Has reports whether page (relative to docs/) exists and, when anchor is
// not empty, has that anchor; the error says which is missing.
func (a *Anchors) Has(page, anchor string) error {
	ids, ok := a.pages[page]
	if !ok {
		data, err := a.r.Read("docs/" + page)
		if err != nil {
			return fmt.Errorf("page docs/%s does not exist", page)
		}
		ids = map[string]string{}
		for _, h := range Headings(data) {
			ids[h.ID] = h.Text
		}
		for _, id := range a.Generated[page] {
			ids[id] = ""
		}
		a.pages[page] = ids
	}
	if _, ok := ids[anchor]; anchor != "" && !ok {
		return fmt.Errorf("docs/%s has no section #%s (it has %s)", page, anchor, strings.Join(sortedKeys(ids), ", "))
	}
	return nil
}

// attrList is a trailing attr_list block of a heading, `{: #id .class }`.
var (
	attrList = regexp.MustCompile(`\s*\{:?([^}]*)\}\s*$`)
	attrID   = regexp.MustCompile(`(?:^|\s)#([A-Za-z0-9_-]+)`)
)

// Title is the text of the heading with anchor on page ("" if unknown).
func (a *Anchors) Title(page, anchor string) string {
	if a.Has(page, anchor) != nil {
		return ""
	}
	return a.pages[page][anchor]
}

// Section is a heading's id and its text (without an attr_list).
type Section struct {
	ID, Text string
	Level    int
}

// HeadingIDs lists the ids of a markdown page's headings, in order.
func HeadingIDs(md []byte) []string {
	var ids []string
	for _, h := range Headings(md) {
		ids = append(ids, h.ID)
	}
	return ids
}

// Headings lists a markdown page's headings with the ids MkDocs gives them.
func Headings(md []byte) []Section {
	used := map[string]bool{}
	var out []Section
	for _, h := range repo.ParsePage(md).Headings {
		text := strings.TrimRight(strings.TrimSpace(h.Text), "#")
		var id string
		if m := attrList.FindStringSubmatchIndex(text); m != nil {
			if idm := attrID.FindStringSubmatch(text[m[2]:m[3]]); idm != nil {
				id = idm[1]
			}
			text = text[:m[0]]
		}
		if id == "" {
			id = Slug(text)
		}
		id = unique(id, used)
		out = append(out, Section{ID: id, Text: strings.TrimSpace(text), Level: h.Level})
	}
	return out
}

func unique(id string, used map[string]bool) string {
	base := id
	for i := 1; used[id]; i++ {
		id = fmt.Sprintf("%s_%d", base, i)
	}
	used[id] = true
	return id
}

var (
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	htmlTag    = regexp.MustCompile(`<[^>]+>`)
	notWord    = regexp.MustCompile(`[^A-Za-z0-9_\s-]`)
	dashSpaces = regexp.MustCompile(`[-\s]+`)
)

// Slug is Python-Markdown's default toc slugify of a heading's text: the
// rendered text, folded to ASCII, without punctuation, lower case, with
// runs of spaces and dashes as one dash.
func Slug(heading string) string {
	s := mdLink.ReplaceAllString(heading, "$1")
	s = htmlTag.ReplaceAllString(s, "")
	s = strings.NewReplacer("`", "", "**", "", "__", "", "*", "", "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
	s = foldASCII(s)
	s = strings.ToLower(strings.TrimSpace(notWord.ReplaceAllString(s, "")))
	return dashSpaces.ReplaceAllString(s, "-")
}

// foldASCII approximates NFKD followed by dropping what is not ASCII:
// accented Latin letters keep their base letter, everything else outside
// ASCII goes.
func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 128:
			b.WriteRune(r)
		case strings.ContainsRune("àáâãäå", r):
			b.WriteByte('a')
		case strings.ContainsRune("èéêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("ìíîï", r):
			b.WriteByte('i')
		case strings.ContainsRune("òóôõö", r):
			b.WriteByte('o')
		case strings.ContainsRune("ùúûü", r):
			b.WriteByte('u')
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortStrings(s []string) { slices.Sort(s) }
