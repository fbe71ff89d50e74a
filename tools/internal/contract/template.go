// Package contract checks every pattern and industry module against the lab's
// contract (CONTRIBUTING.md): required files, pattern.yaml, the chapter
// template, diagrams, go.work and the docs nav. Each finding names the file
// to fix.
package contract

// Sections are the `##` headings every chapter has, in this order.
var Sections = []string{
	"Problem and context",
	"Definition and formal model",
	"When to use and when not",
	"Diagrams",
	"Implementation walkthrough",
	"Run it",
	"Tests and fault injection",
	"Benchmarks",
	"Industry cases",
	"How open-source systems do it",
	"Best practices, anti-patterns and pitfalls",
	"Other languages",
	"FAQ and interview questions",
	"References",
}

// CaseSections are the `##` headings of an industry case chapter
// (docs/industries/<name>.md), in this order.
var CaseSections = []string{
	"Business background",
	"Architecture",
	"Technology choices and alternatives",
	"Implementation walkthrough",
	"Run it",
	"Problems met and how they were solved",
	"Tests and fault injection",
	"Results",
	"Lessons and anti-patterns",
	"How real systems do it",
	"References",
}

// sectionsOf is the template of a module's chapter, with the sections that
// must include its diagrams and its benchmark table.
func sectionsOf(kind string) (sections []string, diagrams, bench string) {
	if kind == "industries" {
		return CaseSections, "Architecture", "Results"
	}
	return Sections, "Diagrams", "Benchmarks"
}

// EngineeringReading is the `###` subsection required under the formal model.
const EngineeringReading = "Engineering reading"

// RequiredFile is a file every module has, and what it must contain.
type RequiredFile struct {
	Path     string // relative to the module
	Contains string // a marker the file must hold, or ""
	Why      string
}

// RequiredFiles of every module.
var RequiredFiles = []RequiredFile{
	{"go.mod", "", "the module"},
	{"pattern.yaml", "", "the pattern's metadata"},
	{"README.md", "", "how to run it and a map of the files"},
	{"doc.go", "", "the package documentation"},
	{"demo.go", "func Demo(", "the demo as a library function tests can run"},
	{"cmd/demo/main.go", "narrate.Main(", "the thin demo entry point: os.Exit(narrate.Main(<pkg>.Command))"},
	{"example_test.go", "// Output:", "an Example verifying the narration"},
	{"fault_test.go", "func Test", "a fault-injection test asserting the invariant"},
	{"bench_test.go", "func Benchmark", "the benchmarks make bench collects"},
}
