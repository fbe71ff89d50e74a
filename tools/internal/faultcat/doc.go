// Package faultcat is the lab's fault catalog: every fault-injection test
// says, in its doc comment, which fault it injects into what and which
// invariant it checks, one line per scenario:
//
//	// TestConsumerKilledMidStage ...
//	//
//	// Fault: kill-9 | target: a stage consumer process | invariant: nothing lost, nothing stored twice
//	func TestConsumerKilledMidStage(t *testing.T) {
//
// Scan reads those tags with go/parser from every module under patterns/
// and industries/; Check holds them to the rules (a known kind, a target
// and an invariant, on a Test function) and each module's pattern.yaml
// `faults:` list to them (every kind it claims has a tagged scenario, every
// kind its tests inject is claimed); Page renders the "Faults tested" page,
// which the MkDocs hook tools/mkdocs/faults.py fills in at build time, so
// nothing generated is committed and nothing can go stale.
package faultcat
