package federatedlearning_test

import (
	"context"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

func Example() {
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := federatedlearning.Demo(context.Background(), n, federatedlearning.DefaultConfig()); err != nil {
		n.Step("demo", "error: %v", err)
	}
	// Output:
	// == federated learning: 8 plants train one fault classifier; their data stays home ==
	// [lab] updates stream FEDERATED on fl.update.>; committed models in bucket FL_MODEL; dead letters in FL_DLQ
	// [tap] connects as a guest and subscribes to ">": it records every message on every subject
	// [guest] publishes a forged update on fl.update.site-1: refused (nats: permissions violation: Permissions Violation for Publish to "fl.update.site-1")
	// [check] protected subjects: only the module's own user may publish on fl.>: ok
	// [data] 8 plants, 241 to 593 readings each (3116 in all), 7 features from vibration and temperature sensors
	// [data] non-IID: site-5 runs at 5 °C with 18% faulty machines, site-1 at 38 °C with 44%
	// [reference] a model trained centrally on the pooled readings (only the lab can pool them: it plays every plant) scores 0.876 on 2000 held-out readings
	// [sites] 8 gateways joined: each trains on its own shard and publishes only its model (8 weights)
	// == training: 30 rounds, trimmed-mean aggregation, 2s deadline ==
	// [site-8] FAULT: compromised: sends its round-1 update sign-flipped and scaled ×10, and every round after
	// [coordinator-1] round 1: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 1
	// [lab] FAULT: publishes 4 bad updates: truncated JSON, one from site-99 (not enrolled), one signed site-1 on site-2's subject, one with 3 weights
	// [coordinator-1] dead-letters a message on fl.update.site-1: malformed: unexpected end of JSON input
	// [coordinator-1] dead-letters a message on fl.update.site-99: foreign: "site-99" is not an enrolled site
	// [coordinator-1] dead-letters a message on fl.update.site-2: foreign: update signed "site-1" on site-2's subject
	// [coordinator-1] dead-letters a message on fl.update.site-1: shape: 3 weights, want 8
	// [coordinator-1] round 2: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 2
	// [site-1] FAULT: trained round 3 but its uplink is slow: the update leaves late
	// [coordinator-1] round 3: 7 of 8 updates, closed at the 2s deadline without site-1; trimmed-mean committed as revision 3
	// [network] FAULT: replays site-2's round-3 update, byte for byte (a retry after a lost acknowledgement)
	// [coordinator-1] ignores site-1's round-3 update: late: round 3 closed without it
	// [coordinator-1] ignores site-2's round-3 update: replay: already counted in round 3
	// [coordinator-1] round 4: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 4
	// [coordinator-1] round 5: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 5
	// [coordinator-1] round 6: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 6
	// [coordinator-1] round 7: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 7
	// [coordinator-1] round 8: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 8
	// [coordinator-1] round 9: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 9
	// [coordinator-1] round 10: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 10
	// [coordinator-1] round 11: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 11
	// [coordinator-1] round 12: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 12
	// [coordinator-1] round 13: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 13
	// [coordinator-1] round 14: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 14
	// [coordinator-1] round 15: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 15
	// [coordinator-1] FAULT: crashes right after committing round 15: no cleanup, its connection just drops
	// [coordinator-2] starts: resumes from round 15's model, committed by coordinator-1 (bucket FL_MODEL, revision 15)
	// [coordinator-2] round 16: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 16
	// [site-2] FAULT: received the round-17 model, drops off the network before answering
	// [coordinator-2] round 17: 7 of 8 updates, closed at the 2s deadline without site-2; trimmed-mean committed as revision 17
	// [site-2] rejoins: reconnects and waits for the next round
	// [coordinator-2] round 18: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 18
	// [coordinator-2] round 19: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 19
	// [coordinator-2] round 20: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 20
	// [coordinator-2] round 21: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 21
	// [coordinator-2] round 22: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 22
	// [coordinator-2] round 23: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 23
	// [coordinator-2] round 24: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 24
	// [coordinator-2] round 25: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 25
	// [coordinator-2] round 26: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 26
	// [coordinator-2] round 27: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 27
	// [coordinator-2] round 28: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 28
	// [coordinator-2] round 29: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 29
	// [coordinator-2] round 30: 8 of 8 updates, every selected site answered; trimmed-mean committed as revision 30
	// == audit: from the wire tap and the servers, not from the coordinator ==
	// [check] tap: the tap dropped 0 messages: ok
	// [auditor] every message on a site's subjects was model-sized: the largest 214 B, within the 266 B of the largest possible update; the smallest shard is 39603 B
	// [auditor] 30 commits on the wire; each recomputed from the updates it lists, as the tap saw them: 0 problems
	// [auditor] after the crash: coordinator-2 opened round 16 with round 15's committed model
	// [auditor] dead-letter stream FL_DLQ holds 4 letters: foreign: "site-99" is not an enrolled site (1); foreign: update signed "site-1" on site-2's subject (1); malformed: unexpected end of JSON input (1); shape: 3 weights, want 8 (1)
	// [check] dead letters: the 4 bad updates are in FL_DLQ with their reason, subject and headers: ok
	// [auditor] round 30's global model scores 0.857 on the held-out readings; the central model 0.876
	// [invariant] HELD: raw data never left a site, no update was counted twice, every round closed by its deadline, the restarted coordinator resumed from the committed model, and the global model's accuracy is within ε of a centrally trained model despite a poisoned site
}
