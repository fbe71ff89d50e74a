// Package controllerruntime shows a controller-runtime reconciler: it gets a
// key, reads the current state and makes the children match, so running it
// twice changes nothing the second time.
package controllerruntime
