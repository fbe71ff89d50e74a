// Package eventhorizon shows looplab/eventhorizon's event store contract:
// events carry their aggregate's version, and Save takes the version the
// writer loaded, so a concurrent writer is refused.
package eventhorizon
