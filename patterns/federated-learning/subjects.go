package federatedlearning

import "github.com/patternlab/patternlab/kit/natsembed"

// Names are the subjects, streams and bucket of one run. On an embedded
// server they are the defaults; on a shared one (NATS_URL) every name gets
// the run's unique suffix, so nothing of anyone else's is touched.
type Names struct {
	Prefix string // subject prefix: fl
	Stream string // the updates stream: FEDERATED
	Bucket string // the key-value bucket of committed models: FL_MODEL
	DLQ    string // the dead-letter stream: FL_DLQ
}

// Default names, and the subjects the embedded server protects.
const (
	DefaultPrefix = "fl"
	DefaultStream = "FEDERATED"
	DefaultBucket = "FL_MODEL"
	DefaultDLQ    = "FL_DLQ"
	// ModelKey is the key of the last committed global model.
	ModelKey = "global"
	// Durable prefixes the durable consumer each coordinator incarnation
	// creates on the updates stream (coordinator_<name>_<id>).
	Durable = "coordinator"
)

// Protected are the subjects only the module's own user may publish on.
var Protected = []string{DefaultPrefix + ".>"}

// NamesFor names the run's resources on target.
func NamesFor(t *natsembed.Target) Names {
	return Names{Prefix: t.Unique(DefaultPrefix), Stream: t.Unique(DefaultStream),
		Bucket: t.Unique(DefaultBucket), DLQ: t.Unique(DefaultDLQ)}
}

// DefaultNames are the names on an embedded server.
func DefaultNames() Names {
	return Names{Prefix: DefaultPrefix, Stream: DefaultStream, Bucket: DefaultBucket, DLQ: DefaultDLQ}
}

// RoundSubject carries the coordinator's RoundStart broadcasts.
func (n Names) RoundSubject() string { return n.Prefix + ".round" }

// UpdateSubject is where site publishes its updates.
func (n Names) UpdateSubject(site string) string { return n.Prefix + ".update." + site }

// Updates matches every site's update subject.
func (n Names) Updates() string { return n.Prefix + ".update.>" }

// RawSubject is where a site would upload its raw shard: no correct site
// ever publishes there (the -data-local=false switch does).
func (n Names) RawSubject(site string) string { return n.Prefix + ".raw." + site }

// DeadLetters is the dead-letter subject prefix.
func (n Names) DeadLetters() string { return n.Prefix + ".dlq" }

// ModelSubject is the subject the key-value bucket stores the global model on.
func (n Names) ModelSubject() string { return "$KV." + n.Bucket + "." + ModelKey }
