module github.com/patternlab/patternlab/industries/fintech

go 1.26.8

require (
	github.com/patternlab/patternlab/kit v0.0.0
	github.com/patternlab/patternlab/patterns/cqrs v0.0.0
	github.com/patternlab/patternlab/patterns/saga v0.0.0
)

replace (
	github.com/patternlab/patternlab/kit => ../../kit
	github.com/patternlab/patternlab/patterns/cqrs => ../../patterns/cqrs
	github.com/patternlab/patternlab/patterns/saga => ../../patterns/saga
)
