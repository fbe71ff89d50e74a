package faultcat

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Languages are the editions the page renders in.
var Languages = []string{"en", "zh"}

// Marker is what the page docs/faults.md (and docs-zh/faults.md) holds where
// the hook puts the generated catalog.
const Marker = "<!-- faults:catalog -->"

// Page renders the catalog in lang: a matrix of modules by kinds, each cell
// linking to the module's scenarios, then every scenario with its test.
// Links are written against docs/ (lab:, labcode:) for the learning layer's
// hook to resolve for the page and the edition.
func Page(r *repo.Repo, lang string) (string, error) {
	scenarios, findings, err := Scan(r)
	if err != nil {
		return "", err
	}
	if len(findings) > 0 {
		return "", fmt.Errorf("%d malformed fault tags, the first: %s (go run ./tools check lists them)", len(findings), findings[0])
	}
	mods, err := r.Modules()
	if err != nil {
		return "", err
	}
	zh := lang == "zh"
	t := func(en, zhText string) string {
		if zh {
			return zhText
		}
		return en
	}
	byModule := map[string][]Scenario{}
	integration := 0
	for _, s := range scenarios {
		byModule[s.Module] = append(byModule[s.Module], s)
		if s.Integration {
			integration++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, t("**%d scenarios** in %d modules; %d of them run in the integration tier (`make test-integration`: real servers in containers or processes), the rest in `make test`.\n\n",
		"共 **%d 个场景**，分布在 %d 个模块中；其中 %d 个属于集成测试层（`make test-integration`：容器或独立进程中的真实服务器），其余在 `make test` 中运行。\n\n"),
		len(scenarios), len(byModule), integration)

	// the matrix
	b.WriteString("| " + t("Module", "模块"))
	for _, k := range Kinds {
		b.WriteString(" | " + t(k.En, k.Zh))
	}
	b.WriteString(" | " + t("all", "合计") + " |\n|---")
	for range Kinds {
		b.WriteString("|:-:")
	}
	b.WriteString("|:-:|\n")
	type section struct {
		mod   repo.Module
		title string
	}
	var sections []section
	for _, m := range mods {
		list := byModule[m.Dir()]
		if len(list) == 0 {
			continue
		}
		title := m.Name
		if p, err := r.ReadPattern(m); err == nil {
			title = cmp.Or(t(p.Title, p.Zh.Title), p.Title, m.Name)
		}
		sections = append(sections, section{m, title})
		fmt.Fprintf(&b, "| [%s](lab:%s)", cell(title), strings.TrimPrefix(m.Chapter(), "docs/"))
		for _, k := range Kinds {
			n := 0
			for _, s := range list {
				if s.Kind == k.ID {
					n++
				}
			}
			if n == 0 {
				b.WriteString(" | ·")
			} else {
				fmt.Fprintf(&b, " | [%d](#%s)", n, anchor(m))
			}
		}
		fmt.Fprintf(&b, " | [%d](#%s) |\n", len(list), anchor(m))
	}

	// what each kind means
	b.WriteString("\n" + t("What each kind of fault means here:", "各类故障在这里的含义：") + "\n\n")
	for _, k := range Kinds {
		id := ""
		if label := t(k.En, k.Zh); label != k.ID {
			id = " (`" + k.ID + "`)"
		}
		fmt.Fprintf(&b, "- **%s**%s: %s\n", t(k.En, k.Zh), id, t(k.Meaning, k.MeanZh))
	}

	// the scenarios, module by module
	for _, sec := range sections {
		list := byModule[sec.mod.Dir()]
		slices.SortStableFunc(list, func(a, b Scenario) int {
			return cmp.Or(cmp.Compare(kindIndex(a.Kind), kindIndex(b.Kind)), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
		})
		fmt.Fprintf(&b, "\n## %s {#%s}\n\n", cell(sec.title), anchor(sec.mod))
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n|---|---|---|---|\n", t("Fault", "故障"), t("Injected into", "注入对象"), t("Invariant checked", "检查的不变量"), t("Test", "测试"))
		for _, s := range list {
			k, _ := kindByID(s.Kind)
			where := fmt.Sprintf("[`%s:%d`](labcode:%s#L%d)", path.Base(s.File), s.Line, s.File, s.Line)
			tier := ""
			if s.Integration {
				tier = t(" (integration)", "（集成）")
			}
			fmt.Fprintf(&b, "| %s | %s | %s | `%s` %s%s |\n", t(k.En, k.Zh), cell(s.Target), cell(s.Invariant), s.Test, where, tier)
		}
	}
	return b.String(), nil
}

// Count is the number of tagged scenarios.
func Count(r *repo.Repo) (int, error) {
	s, _, err := Scan(r)
	return len(s), err
}

func anchor(m repo.Module) string { return "lab-faults-" + m.Name }

func kindIndex(id string) int {
	return slices.IndexFunc(Kinds, func(k Kind) bool { return k.ID == id })
}

// cell is prose for one table cell: one line, pipes and angle brackets
// escaped.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}
