package workflows

import "github.com/patternlab/patternlab/patterns/workflow/pipeline"

// The activities' inputs and outputs, as the workflow code sees them. The
// activities are registered under the stage names (pipeline.Collect, ...);
// package durable implements them.

// CollectInput names a slice of the export.
type CollectInput struct {
	Source string `json:"source"`
	From   int    `json:"from"`
	To     int    `json:"to"`
}

// CleanOutput splits a slice into readings and rejections.
type CleanOutput struct {
	Readings []pipeline.Cleaned   `json:"readings"`
	Rejects  []pipeline.Rejection `json:"rejects"`
}

// AnalyzeOutput is the analyzed slice, and where this attempt started.
type AnalyzeOutput struct {
	Results   []pipeline.Result    `json:"results"`
	Rejects   []pipeline.Rejection `json:"rejects"`
	Attempt   int32                `json:"attempt"`
	ResumedAt int                  `json:"resumed_at"`
}

// StoreInput is what a partition writes to the sink.
type StoreInput struct {
	Results []pipeline.Result    `json:"results"`
	Rejects []pipeline.Rejection `json:"rejects"`
}
