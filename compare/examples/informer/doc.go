// Package informer shows the client-go machinery under controller-runtime:
// a shared informer keeps a cache from list and watch, its event handler
// puts keys on a rate-limited work queue, and a worker reads the cache.
package informer
