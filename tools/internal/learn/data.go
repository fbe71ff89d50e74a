package learn

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// The files that hold the learning layer's records, root-relative.
const (
	GlossaryFile        = "learn/glossary.yaml"
	PathsFile           = "learn/paths.yaml"
	FAQFile             = "learn/faq.yaml"
	TroubleshootingFile = "learn/troubleshooting.yaml"
	BankFile            = "interview/bank.yaml"
)

// Term is one glossary entry.
type Term struct {
	ID    string `yaml:"id"`
	En    string `yaml:"en"`
	Zh    string `yaml:"zh"`
	Def   string `yaml:"def"`    // one line, plain text (it is also the hover title)
	DefZh string `yaml:"def_zh"` // the same, for Chinese readers
	// Code is where the lab shows the term: "path/file.go#Symbol"
	// (Symbol, Type.Method or Type.Field), checked to exist.
	Code string `yaml:"code"`
	// Patterns are the chapters the term belongs to (pattern or industry
	// module names); the first is its home.
	Patterns []string `yaml:"patterns"`
	// Names is the module this term is the name of, so its Chinese name
	// labels the module in the graph and finds its chapter in search.
	Names string `yaml:"names,omitempty"`
	// Aliases are other spellings matched in the text for the hover.
	Aliases   []string `yaml:"aliases,omitempty"`
	AliasesZh []string `yaml:"aliases_zh,omitempty"`
}

// Glossary is learn/glossary.yaml.
type Glossary struct {
	Terms []Term `yaml:"terms"`
}

// Step is one step of a learning path: a chapter section to read, a demo
// run with flags to try, and an exercise.
type Step struct {
	Pattern    string `yaml:"pattern"`
	Section    string `yaml:"section"` // an anchor of the chapter, e.g. "run-it"
	Read       string `yaml:"read"`    // what to read the section for
	ReadZh     string `yaml:"read_zh"`
	Try        string `yaml:"try"` // demo flags, e.g. "-overload 2 -buffer 64"
	Exercise   string `yaml:"exercise"`
	ExerciseZh string `yaml:"exercise_zh"`
}

// Path is one learning path.
type Path struct {
	ID       string   `yaml:"id"`
	Title    string   `yaml:"title"`
	TitleZh  string   `yaml:"title_zh"`
	Level    string   `yaml:"level,omitempty"`    // beginner | intermediate | advanced
	Industry string   `yaml:"industry,omitempty"` // fintech | manufacturing | internet
	Requires []string `yaml:"requires,omitempty"` // paths assumed done first
	Intro    string   `yaml:"intro"`
	IntroZh  string   `yaml:"intro_zh"`
	Steps    []Step   `yaml:"steps"`
}

// Paths is learn/paths.yaml.
type Paths struct {
	Paths []Path `yaml:"paths"`
}

// Links are the places a record points to, each checked to exist.
type Links struct {
	Code []string `yaml:"code,omitempty"` // "path/file.go#Symbol"
	Demo string   `yaml:"demo,omitempty"` // "saga -idempotency=false"
	See  []string `yaml:"see,omitempty"`  // "patterns/saga.md#run-it"
}

// Entry is one FAQ entry.
type Entry struct {
	ID       string   `yaml:"id"`
	Patterns []string `yaml:"patterns"`
	Q        string   `yaml:"q"`
	QZh      string   `yaml:"q_zh"`
	A        string   `yaml:"a"` // markdown
	AZh      string   `yaml:"a_zh"`
	Links    `yaml:",inline"`
}

// FAQ is learn/faq.yaml.
type FAQ struct {
	Entries []Entry `yaml:"entries"`
}

// Question is one question of the interview bank.
type Question struct {
	ID          string   `yaml:"id"`
	Patterns    []string `yaml:"patterns"` // the first is the one it is filed under
	Level       string   `yaml:"level"`
	Kind        string   `yaml:"kind,omitempty"` // concept (default) | design | code
	Seed        bool     `yaml:"seed,omitempty"` // asked by the seed (§3.2.17)
	Q           string   `yaml:"q"`
	QZh         string   `yaml:"q_zh"`
	Answer      string   `yaml:"answer"`
	AnswerZh    string   `yaml:"answer_zh"`
	Followups   []string `yaml:"followups"`
	FollowupsZh []string `yaml:"followups_zh"`
	Links       `yaml:",inline"`
}

// Bank is interview/bank.yaml.
type Bank struct {
	Questions []Question `yaml:"questions"`
}

// Topic is one section of the troubleshooting page.
type Topic struct {
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	TitleZh string `yaml:"title_zh"`
	Body    string `yaml:"body"` // markdown
	BodyZh  string `yaml:"body_zh"`
	Links   `yaml:",inline"`
}

// Explanation says what an error message of the code means and what to do.
type Explanation struct {
	// Match is a substring of the message as written in the code (its
	// format string); Module, when set, restricts it to one module dir.
	Match   string `yaml:"match"`
	Module  string `yaml:"module,omitempty"`
	Means   string `yaml:"means"`
	MeansZh string `yaml:"means_zh"`
}

// Troubleshooting is learn/troubleshooting.yaml.
type Troubleshooting struct {
	Topics []Topic       `yaml:"topics"`
	Errors []Explanation `yaml:"errors"`
}

// Data is every record of the learning layer.
type Data struct {
	Glossary        Glossary
	Paths           Paths
	FAQ             FAQ
	Bank            Bank
	Troubleshooting Troubleshooting
}

// Load reads every data file strictly: an unknown field is an error, so a
// typo cannot silently drop a link from the checks.
func Load(r *repo.Repo) (*Data, error) {
	d := &Data{}
	for _, f := range []struct {
		path string
		into any
	}{
		{GlossaryFile, &d.Glossary},
		{PathsFile, &d.Paths},
		{FAQFile, &d.FAQ},
		{BankFile, &d.Bank},
		{TroubleshootingFile, &d.Troubleshooting},
	} {
		if err := decodeStrict(r, f.path, f.into); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func decodeStrict(r *repo.Repo, path string, into any) error {
	data, err := r.Read(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // an absent file has no records; Check says so where it matters
	}
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// recordKeys are the top-level keys holding each file's records.
var recordKeys = map[string]string{
	GlossaryFile:        "terms",
	PathsFile:           "paths",
	FAQFile:             "entries",
	BankFile:            "questions",
	TroubleshootingFile: "topics",
}

// recordLines gives the line of each record of each file, for findings.
func recordLines(r *repo.Repo) map[string][]int {
	out := map[string][]int{}
	for file, key := range recordKeys {
		out[file] = itemLines(r, file, key)
	}
	out[TroubleshootingFile+"#errors"] = itemLines(r, TroubleshootingFile, "errors")
	return out
}

func itemLines(r *repo.Repo, file, key string) []int {
	data, err := r.Read(file)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != key {
			continue
		}
		var lines []int
		for _, item := range root.Content[i+1].Content {
			lines = append(lines, item.Line)
		}
		return lines
	}
	return nil
}
