// Package translation keeps the Chinese edition (docs-zh/) from silently
// falling behind the English one. Each translated page records in its front
// matter the English file it translates and that file's content hash at
// translation time:
//
//	---
//	translation:
//	  source: docs/patterns/saga.md
//	  source_hash: 3f1c9a0d5b7e2c44
//	---
//
// and the text it was translated from is kept, by hash, in
// docs-zh/.snapshots/ (MkDocs skips dot directories). Check reports every
// page whose source changed since, with the lines that changed; Refresh
// records the new hash once a translator has brought the page up to date.
package translation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Dir is the Chinese edition's docs directory; its pages mirror docs/.
const Dir = "docs-zh"

// SnapshotDir keeps the source text each recorded hash stands for.
const SnapshotDir = Dir + "/.snapshots"

// Record is a page's translation front matter.
type Record struct {
	Source string `yaml:"source"`      // root-relative English file
	Hash   string `yaml:"source_hash"` // Hash of the source when translated
}

// Hash is the content hash a record keeps: the first 16 hex digits of the
// SHA-256 of the text, with CRLF line ends read as LF.
func Hash(text []byte) string {
	sum := sha256.Sum256(bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n")))
	return hex.EncodeToString(sum[:])[:16]
}

// frontMatter splits a page into its YAML front matter (without the ---
// lines) and the rest; ok is false when the page has none.
func frontMatter(page []byte) (fm, body string, ok bool) {
	s := strings.ReplaceAll(string(page), "\r\n", "\n")
	if !strings.HasPrefix(s, "---\n") {
		return "", s, false
	}
	end := strings.Index(s[4:], "\n---\n")
	if end < 0 {
		if strings.HasSuffix(s, "\n---") {
			return s[4 : len(s)-4], "", true
		}
		return "", s, false
	}
	return s[4 : 4+end+1], s[4+end+5:], true
}

// ReadRecord returns the translation record of a page, or nil without one.
func ReadRecord(page []byte) (*Record, error) {
	fm, _, ok := frontMatter(page)
	if !ok {
		return nil, nil
	}
	var meta struct {
		Translation *Record `yaml:"translation"`
	}
	if err := yaml.Unmarshal([]byte(fm), &meta); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	return meta.Translation, nil
}

var (
	hashLine   = regexp.MustCompile(`(?m)^(\s+source_hash:)[^\n]*$`)
	sourceLine = regexp.MustCompile(`(?m)^(\s+)source:[^\n]*$`)
	recordLine = regexp.MustCompile(`(?m)^translation:[^\n]*$`)
)

// WithRecord returns the page with its record set to source and hash,
// keeping the rest of the front matter and the page as they are.
func WithRecord(page []byte, source, hash string) []byte {
	fm, body, ok := frontMatter(page)
	block := "translation:\n  source: " + source + "\n  source_hash: " + hash + "\n"
	switch {
	case !ok:
		return []byte("---\n" + block + "---\n" + body)
	case recordLine.MatchString(fm) && hashLine.MatchString(fm):
		fm = hashLine.ReplaceAllString(fm, "${1} "+hash)
		fm = sourceLine.ReplaceAllString(fm, "${1}source: "+source)
	case recordLine.MatchString(fm) && sourceLine.MatchString(fm):
		fm = sourceLine.ReplaceAllString(fm, "${1}source: "+source+"\n${1}source_hash: "+hash)
	default:
		fm = recordLine.ReplaceAllString(fm, "")
		fm = block + fm
	}
	return []byte("---\n" + fm + "---\n" + body)
}
