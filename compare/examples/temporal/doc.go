// Package temporal shows a Temporal workflow and its activity, run by the
// SDK's test environment (no server): the smallest complete use of the SDK.
package temporal
