// Package jetstream shows NATS JetStream: a stream that stores what is
// published, deduplicates by message ID, and a pull consumer that takes only
// what it asks for and acknowledges it.
package jetstream
