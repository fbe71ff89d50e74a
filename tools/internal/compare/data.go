// Package compare checks the data behind the site's Compare section: the
// tool comparison tables (compare/tools/*.yaml), the open-source systems
// read from their source (compare/systems/*.yaml) and the frontier topics
// (compare/frontier/*.yaml). The MkDocs hook tools/mkdocs/compare.py renders
// each file where a page under docs/compare/ holds its marker,
// <!-- compare: tools/messaging -->. A row is one place to edit; the checks
// make sure every example it names is a file in the lab that the page shows
// whole, and every measurement a benchmark line that a committed run holds.
package compare

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// DataDir holds the data files, one directory per kind.
const DataDir = "compare"

// PagesDir holds the pages that render them.
const PagesDir = "docs/compare"

// Kinds of data file, by directory under DataDir.
var Kinds = []string{"tools", "systems", "frontier"}

// ToolTable is one comparison page's tools, side by side.
type ToolTable struct {
	Title string `yaml:"title"`
	Tools []Tool `yaml:"tools"`
}

// Tool is one row of a comparison.
type Tool struct {
	Name          string        `yaml:"name"`
	Project       string        `yaml:"project"`
	Model         string        `yaml:"model"`
	Guarantees    string        `yaml:"guarantees"`
	Ordering      string        `yaml:"ordering"`
	Scaling       string        `yaml:"scaling"`
	Operations    string        `yaml:"operations"`
	GoClient      string        `yaml:"go_client"`
	Licence       string        `yaml:"licence"`
	LicenceSource string        `yaml:"licence_source"`
	Pick          string        `yaml:"pick"`
	Avoid         string        `yaml:"avoid"`
	Lab           []string      `yaml:"lab"`     // module directories that run it, e.g. patterns/workflow
	Example       []string      `yaml:"example"` // files the page includes whole
	Measured      []Measurement `yaml:"measured"`
}

// Measurement names one value of one benchmark line of a committed run:
// benchmarks/results/<Module>.txt, the line Benchmark<Benchmark>-N, the
// value whose unit is Unit. The hook prints the number from that file.
type Measurement struct {
	Module    string `yaml:"module"`
	Benchmark string `yaml:"benchmark"`
	Unit      string `yaml:"unit"`
	Note      string `yaml:"note"`
}

// System is an open-source system read from its source.
type System struct {
	Name       string      `yaml:"name"`
	Summary    string      `yaml:"summary"`
	Mechanisms []Mechanism `yaml:"mechanisms"`
}

// Mechanism is one thing a system does that a pattern of the lab does too.
type Mechanism struct {
	Name       string    `yaml:"name"`
	Patterns   []string  `yaml:"patterns"` // names of modules in patterns/
	Where      []Pointer `yaml:"where"`
	How        string    `yaml:"how"`
	LabDiffers string    `yaml:"lab_differs"`
}

// Pointer is a place in a public repository: a symbol in a file at a
// release, with the commit that release names and how it was read.
type Pointer struct {
	Repository string `yaml:"repository"`
	Release    string `yaml:"release"`
	Commit     string `yaml:"commit"`
	Path       string `yaml:"path"`
	Symbol     string `yaml:"symbol"`
	ReadIn     string `yaml:"read_in"`
}

// Frontier is a frontier topic's feasibility in the Go ecosystem.
type Frontier struct {
	Topic    string       `yaml:"topic"`
	Projects []Project    `yaml:"projects"`
	Attach   []Attachment `yaml:"attach"`
	SeeAlso  []SeeAlso    `yaml:"see_also"`
	Example  []string     `yaml:"example"`
}

// Project is a library or project that exists today for a topic.
type Project struct {
	Name        string `yaml:"name"`
	Where       string `yaml:"where"` // repository or module path
	Language    string `yaml:"language"`
	State       string `yaml:"state"`
	LastRelease string `yaml:"last_release"`
	Source      string `yaml:"source"` // where the release was looked up, or why it could not be
}

// Attachment says how a topic would attach to a pattern of the lab.
type Attachment struct {
	Pattern string `yaml:"pattern"`
	How     string `yaml:"how"`
}

// SeeAlso points at a chapter of the site. A planned chapter may not exist
// yet: the hook links it once docs/<Chapter>.md exists.
type SeeAlso struct {
	Chapter string `yaml:"chapter"` // e.g. patterns/federated-learning
	Planned bool   `yaml:"planned"`
}

// File is a data file and the root-relative path it was read from.
type File struct {
	Path string // compare/tools/messaging.yaml
	Kind string // tools, systems, frontier
	Name string // messaging
	Data any    // *ToolTable, *System or *Frontier
}

// Key is how a page's marker names the file: "tools/messaging".
func (f File) Key() string { return f.Kind + "/" + f.Name }

// Examples lists the example files the data names.
func (f File) Examples() []string {
	switch d := f.Data.(type) {
	case *ToolTable:
		var out []string
		for _, t := range d.Tools {
			out = append(out, t.Example...)
		}
		return out
	case *Frontier:
		return d.Example
	}
	return nil
}

// decode reads YAML strictly: an unknown field is an error, so a typo
// cannot drop a fact.
func decode(data []byte, into any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(into)
}

// Load reads every data file; a file that does not decode is a finding.
func Load(r *repo.Repo) ([]File, []Problem, error) {
	var files []File
	var problems []Problem
	for _, kind := range Kinds {
		paths, err := r.Files(DataDir+"/"+kind, ".yaml")
		if err != nil {
			return nil, nil, err
		}
		for _, p := range paths {
			data, err := r.Read(p)
			if err != nil {
				return nil, nil, err
			}
			f := File{Path: p, Kind: kind, Name: strings.TrimSuffix(path.Base(p), ".yaml")}
			switch kind {
			case "tools":
				f.Data = &ToolTable{}
			case "systems":
				f.Data = &System{}
			case "frontier":
				f.Data = &Frontier{}
			}
			if err := decode(data, f.Data); err != nil {
				problems = append(problems, Problem{File: p, Msg: fmt.Sprintf("does not decode: %v", err)})
				continue
			}
			files = append(files, f)
		}
	}
	return files, problems, nil
}

// marker is how a page asks the hook to render a data file.
var marker = regexp.MustCompile(`<!--\s*compare:\s*([a-z]+/[a-z0-9-]+)\s*-->`)

// Markers returns the data keys a page's markdown names, with their lines.
func Markers(page []byte) map[string]int {
	out := map[string]int{}
	for i, line := range strings.Split(string(page), "\n") {
		for _, m := range marker.FindAllStringSubmatch(line, -1) {
			if _, seen := out[m[1]]; !seen {
				out[m[1]] = i + 1
			}
		}
	}
	return out
}
