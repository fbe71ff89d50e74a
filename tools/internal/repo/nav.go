package repo

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// NavPages lists the docs-relative pages of an MkDocs config's nav
// ("patterns/saga.md"), at any depth, in nav order. Entries that are not
// pages (external links) are left out. A config without a nav has none.
func (r *Repo) NavPages(config string) ([]string, error) {
	data, err := r.Read(config)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	var pages []string
	if len(doc.Content) == 0 {
		return pages, nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "nav" {
			collectPages(root.Content[i+1], &pages)
		}
	}
	return pages, nil
}

func collectPages(n *yaml.Node, pages *[]string) {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.HasSuffix(n.Value, ".md") && !strings.Contains(n.Value, "://") {
			*pages = append(*pages, n.Value)
		}
	case yaml.SequenceNode, yaml.MappingNode:
		for _, c := range n.Content {
			collectPages(c, pages)
		}
	}
}

// PageURL is the site-relative URL MkDocs gives a docs page with
// use_directory_urls: "index.md" is "", "patterns/index.md" is "patterns/",
// "patterns/saga.md" is "patterns/saga/".
func PageURL(page string) string {
	stem := strings.TrimSuffix(page, ".md")
	switch {
	case stem == "index":
		return ""
	case strings.HasSuffix(stem, "/index"):
		return strings.TrimSuffix(stem, "index")
	}
	return stem + "/"
}
