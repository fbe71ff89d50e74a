// Package goroutines shows the smallest workflow engine there is: goroutines
// under an errgroup, in memory, with nothing durable.
package goroutines
