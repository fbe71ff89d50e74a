package learn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Edge kinds of the knowledge graph, each from one pattern.yaml field.
const (
	EdgePrerequisite = "prerequisite" // From must be learnt before To
	EdgeRelated      = "related"
	EdgeComposes     = "composes"  // From is built from To
	EdgeContrasts    = "contrasts" // From and To are alternatives
	EdgeIndustry     = "industry"  // From is used in the industry To
)

// Node is a module of the graph (a pattern or an industry case) or an
// industry.
type Node struct {
	ID      string // module name, or "industry:<name>"
	Kind    string // "patterns", "industries" or "industry"
	Title   string
	Level   string
	Chapter string // docs-relative page, "" when there is none
	Meta    *repo.Pattern
}

// Edge is one fact of a pattern.yaml, as a link between two nodes.
type Edge struct {
	From, To string
	Kind     string
}

// Graph is every module of the checkout with its metadata's links. It is
// read from whatever modules exist, so a new module appears with no edit.
type Graph struct {
	Nodes []Node
	Edges []Edge
	// Broken are the links to modules that do not exist: (module dir,
	// message), reported by Check.
	Broken [][2]string
	byID   map[string]int
}

// Industries' display names.
var industryTitles = map[string][2]string{
	"fintech":       {"Fintech", "金融科技"},
	"manufacturing": {"Manufacturing", "制造业"},
	"internet":      {"Internet", "互联网"},
}

// IndustryID is the graph node of an industry.
func IndustryID(name string) string { return "industry:" + name }

// ReadGraph builds the graph from every module's pattern.yaml.
func ReadGraph(r *repo.Repo) (*Graph, error) {
	mods, err := r.Modules()
	if err != nil {
		return nil, err
	}
	g := &Graph{byID: map[string]int{}}
	metas := map[string]*repo.Pattern{}
	for _, m := range mods {
		p, err := r.ReadPattern(m)
		if err != nil {
			continue // the contract check reports an invalid pattern.yaml
		}
		metas[m.Name] = p
		chapter := ""
		if r.Exists(m.Chapter()) {
			chapter = strings.TrimPrefix(m.Chapter(), "docs/")
		}
		g.add(Node{ID: m.Name, Kind: m.Kind, Title: p.Title, Level: p.Level, Chapter: chapter, Meta: p})
	}
	for _, ind := range repo.Industries {
		chapter := ""
		if r.Exists("docs/industries/" + ind + ".md") {
			chapter = "industries/" + ind + ".md"
		}
		g.add(Node{ID: IndustryID(ind), Kind: "industry", Title: industryTitles[ind][0], Chapter: chapter})
	}
	for _, m := range mods {
		p := metas[m.Name]
		if p == nil {
			continue
		}
		// prerequisites and related are checked by the contract; the graph
		// reports the links only it reads.
		link := func(field, kind string, names []string) {
			report := kind == EdgeComposes || kind == EdgeContrasts
			for _, to := range names {
				switch {
				case !report && (to == m.Name || g.Node(to) == nil):
				case to == m.Name:
					g.Broken = append(g.Broken, [2]string{m.Dir(), fmt.Sprintf("%s names the module itself", field)})
				case g.Node(to) == nil || g.Node(to).Kind == "industry":
					g.Broken = append(g.Broken, [2]string{m.Dir(), fmt.Sprintf("%s names %q, which is not a module in patterns/ or industries/", field, to)})
				default:
					g.addEdge(Edge{From: m.Name, To: to, Kind: kind})
				}
			}
		}
		link("prerequisites", EdgePrerequisite, p.Prerequisites)
		link("related", EdgeRelated, p.Related)
		link("composes", EdgeComposes, p.Composes)
		link("contrasts", EdgeContrasts, p.Contrasts)
		for _, ind := range p.Industries {
			if g.Node(IndustryID(ind)) != nil {
				g.addEdge(Edge{From: m.Name, To: IndustryID(ind), Kind: EdgeIndustry})
			}
		}
	}
	return g, nil
}

func (g *Graph) add(n Node) {
	g.byID[n.ID] = len(g.Nodes)
	g.Nodes = append(g.Nodes, n)
}

// addEdge adds an edge once; related and contrasts are symmetric, so A-B
// and B-A are one edge.
func (g *Graph) addEdge(e Edge) {
	for _, x := range g.Edges {
		if x == e || (symmetric(e.Kind) && x.Kind == e.Kind && x.From == e.To && x.To == e.From) {
			return
		}
	}
	g.Edges = append(g.Edges, e)
}

func symmetric(kind string) bool { return kind == EdgeRelated || kind == EdgeContrasts }

// Node returns the node with id, or nil.
func (g *Graph) Node(id string) *Node {
	i, ok := g.byID[id]
	if !ok {
		return nil
	}
	return &g.Nodes[i]
}

// Modules are the pattern and industry nodes, patterns first.
func (g *Graph) Modules() []Node {
	var out []Node
	for _, kind := range repo.ContractDirs {
		for _, n := range g.Nodes {
			if n.Kind == kind {
				out = append(out, n)
			}
		}
	}
	return out
}

// Neighbours lists the nodes linked to id by kind: out are the ones id's
// metadata names, in the ones that name id.
func (g *Graph) Neighbours(id, kind string) (out, in []string) {
	for _, e := range g.Edges {
		if e.Kind != kind {
			continue
		}
		if e.From == id {
			out = append(out, e.To)
		}
		if e.To == id {
			in = append(in, e.From)
		}
	}
	return out, in
}

// mermaidID is a node id Mermaid accepts.
func mermaidID(id string) string {
	return strings.NewReplacer(":", "_", "-", "_").Replace(id)
}

// Mermaid renders the graph as a flowchart; names gives a node's label in
// the build's language.
func (g *Graph) Mermaid(label func(Node) string, legend map[string]string) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, kind := range []string{"patterns", "industries", "industry"} {
		var ids []string
		for _, n := range g.Nodes {
			if n.Kind == kind {
				ids = append(ids, n.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", "group_"+kind, legend["group:"+kind])
		for _, id := range ids {
			n := g.Node(id)
			shape := `["%s"]`
			if kind == "industry" {
				shape = `(["%s"])`
			} else if kind == "industries" {
				shape = `[["%s"]]`
			}
			fmt.Fprintf(&b, "    %s"+shape+"\n", mermaidID(id), mermaidLabel(label(*n)))
		}
		b.WriteString("  end\n")
	}
	arrows := map[string]string{
		EdgePrerequisite: "==>",
		EdgeRelated:      "---",
		EdgeComposes:     "-->",
		EdgeContrasts:    "<-.->",
		EdgeIndustry:     "-.->",
	}
	for _, e := range g.Edges {
		from, to := e.From, e.To
		if e.Kind == EdgePrerequisite { // drawn in reading order: first the prerequisite
			from, to = to, from
		}
		fmt.Fprintf(&b, "  %s %s|%s| %s\n", mermaidID(from), arrows[e.Kind], mermaidLabel(legend[e.Kind]), mermaidID(to))
	}
	return b.String()
}

func mermaidLabel(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "|", "/").Replace(s)
}

// Levels orders the patterns' levels.
func levelRank(level string) int { return slices.Index(repo.Levels, level) }
