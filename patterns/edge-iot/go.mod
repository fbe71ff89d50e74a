module github.com/patternlab/patternlab/patterns/edge-iot

go 1.26.8

require github.com/patternlab/patternlab/kit v0.0.0

replace github.com/patternlab/patternlab/kit => ../../kit
