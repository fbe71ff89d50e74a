package manufacturing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// serversMarker is the environment variable that makes this test binary a
// nats-server process of its own (kit/childproc): the hub, or one plant's
// edge, for the integration test with separate server processes.
const serversMarker = "MANUFACTURING_SERVER"

// serverSpec is what a server process runs.
type serverSpec struct {
	Role     string // "hub" or "edge"
	Plant    string // edge: its name and JetStream domain
	HubAddr  string // edge: where its leafnode connects (a Link to the hub)
	HubUser  string // edge: who it logs in as
	HubPass  string
	StoreDir string // edge: its file store, kept across restarts
	Out      string // the file the process writes its serverInfo to
}

// serverInfo is what the parent needs to reach a server process.
type serverInfo struct {
	ClientURL, MQTTURL, LeafAddr, LeafUser, LeafPass string
}

// serveServer runs one nats-server (edge-iot's StartHub or StartEdge, as
// the case configures them) until the parent stops the process.
func serveServer(ctx context.Context, spec serverSpec, ready func()) error {
	var info serverInfo
	var stop func()
	switch spec.Role {
	case "hub":
		h, err := edgeiot.StartHub(edgeiot.HubConfig{Protect: true, RestrictEdges: true})
		if err != nil {
			return err
		}
		stop = h.Shutdown
		info.ClientURL, info.LeafAddr = h.ClientURL(), h.LeafAddr()
		info.LeafUser = h.LeafUser().Username()
		info.LeafPass, _ = h.LeafUser().Password()
	case "edge":
		e, err := edgeiot.StartEdge(edgeiot.EdgeConfig{Name: spec.Plant, Domain: spec.Plant, StoreDir: spec.StoreDir,
			HubAddr: spec.HubAddr, HubUser: url.UserPassword(spec.HubUser, spec.HubPass), Protect: true, DenyHub: edgeiot.EdgeLinkDenied})
		if err != nil {
			return err
		}
		stop = e.Shutdown
		info.ClientURL, info.MQTTURL = e.ClientURL(), e.MQTTURL()
	default:
		return fmt.Errorf("role %q", spec.Role)
	}
	defer stop()
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if err := os.WriteFile(spec.Out, data, 0o600); err != nil {
		return err
	}
	ready()
	<-ctx.Done()
	return nil
}
