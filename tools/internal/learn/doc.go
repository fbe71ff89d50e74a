// Package learn is the lab's learning layer: the knowledge graph, learning
// paths, glossary, FAQ, troubleshooting and interview bank.
//
// The records live in structured files (learn/*.yaml, interview/bank.yaml),
// each holding its Chinese text beside the English. Check verifies every
// link they make (a Go file and symbol, a chapter section, a demo flag read
// from the demo itself) and the order of every learning path; Render turns
// them, with every pattern.yaml and every user-facing error message in the
// code, into the pages the MkDocs hook (tools/mkdocs/learn.py) fills in at
// build time, in the build's language. Nothing generated is committed, so
// nothing generated can go stale.
package learn
