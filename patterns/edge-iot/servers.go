package edgeiot

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nuid"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// Default JetStream domains. Each server keeps its own JetStream, named by its
// domain, so the edge's streams stay usable while the hub is unreachable and a
// client picks which side it talks to with the domain.
const (
	DefaultEdgeDomain = "edge"
	DefaultHubDomain  = "hub"
)

// leafReconnect is how often the edge redials the hub after a cut. The
// server's default (1 s) is fine in production; the demo wants brisk acts.
const leafReconnect = 100 * time.Millisecond

// HubConfig describes the hub server.
type HubConfig struct {
	Name     string // server name; "hub" when empty
	Domain   string // JetStream domain; DefaultHubDomain when empty
	StoreDir string // empty: a temporary directory
	LeafPort int    // leafnode listener; 0 picks a free port, kept across restarts
	// Protect gives the server an owner and a guest user: only the owner
	// (ClientURL, and the edges' leafnode links) may publish on
	// HubProtected.
	Protect bool
	// RestrictEdges (with Protect) gives the edges' leafnode links a user
	// of their own, EdgeLinkUser, who may publish into the hub anything but
	// the hub's JetStream, KV and object store APIs (EdgeLinkPermissions):
	// an edge forwards its uplinks and answers commands, and cannot write
	// a KV bucket of the hub (a registry of sites), nor purge or delete a
	// hub stream, whatever its clients, or its devices over MQTT, publish.
	// Without it the links log in as the hub's owner.
	RestrictEdges bool
}

// EdgeLinkUser is the user the edges' leafnode links log in as on a hub
// with RestrictEdges.
const EdgeLinkUser = "edge-link"

// EdgeLinkDenied is what an edge's link may not carry into a hub with
// RestrictEdges: the JetStream API, by its own name and domain-prefixed
// ($JS.<domain>.API.>, how an edge reaches the hub's JetStream), and the
// KV and object store subjects. The hub holds the link's user to it (it
// advertises no interest in them to the edge), and the edge's remote
// denies exporting them as well: nats-server lets a domain-prefixed API
// request through a hub's leafnode permissions (measured: a purge of a hub
// KV bucket's stream from the edge succeeded with the user's deny alone).
var EdgeLinkDenied = []string{"$JS.API.>", "$JS.*.API.>", "$KV.>", "$O.>"}

// EdgeLinkPermissions is what an edge's link may do on a hub with
// RestrictEdges: publish anything but EdgeLinkDenied; subscribe to
// anything.
func EdgeLinkPermissions() *server.Permissions {
	return &server.Permissions{Publish: &server.SubjectPermission{Deny: EdgeLinkDenied}}
}

// Subjects only the module's own clients may publish on. At the edge: the
// buffer and the other uplink streams, what the hub receives, and the
// commands machines obey. At the hub: what it receives from the edges and
// the commands. Devices publish their telemetry and command acks as guests.
var (
	EdgeProtected = []string{"telemetry.>", "events.>", "dlq.>", "uplink.>", "commands.>"}
	HubProtected  = []string{"uplink.>", "commands.>"}
)

// EdgeLocal are the subjects that never cross an edge's leafnode link:
// its streams' subjects, nats-server's MQTT internals and JetStream's
// acknowledgements. An ack subject ($JS.ACK.<stream>.<consumer>.…) names
// no domain: every edge has a TELEMETRY stream with a HUB consumer, so
// without this one plant's forwarder acknowledging its sequence n also
// acknowledged, through the hub, the other plant's sequence n, and the
// work-queue stream deleted a reading the hub never had. What does cross
// is uplink.> (the forwarder's, to the hub), commands.> (from the hub) and
// devices.*.acks (to the hub).
var EdgeLocal = []string{"telemetry.>", "events.>", "dlq.>", "$MQTT.>", "devices.*.telemetry", "$JS.ACK.>"}

// Hub is the central nats-server: JetStream in its own domain and a leafnode
// listener edges connect to.
type Hub struct {
	*natsembed.Server
	Domain   string
	leafPort int
	leafUser *url.Userinfo // RestrictEdges: the links' own user
}

// StartHub starts the hub server.
func StartHub(cfg HubConfig) (*Hub, error) {
	if cfg.Name == "" {
		cfg.Name = "hub"
	}
	if cfg.Domain == "" {
		cfg.Domain = DefaultHubDomain
	}
	if cfg.LeafPort == 0 {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		cfg.LeafPort = p
	}
	var leafUser *url.Userinfo
	if cfg.Protect && cfg.RestrictEdges {
		leafUser = url.UserPassword(EdgeLinkUser, nuid.Next())
	}
	opts := natsembed.Options{
		Name:     cfg.Name,
		StoreDir: cfg.StoreDir,
		Domain:   cfg.Domain,
		Configure: func(o *server.Options) {
			o.LeafNode.Host = "127.0.0.1"
			o.LeafNode.Port = cfg.LeafPort
			// Without this the hub tells the edge its own leafnode address,
			// and the edge redials it directly, around a Link in between.
			o.LeafNode.NoAdvertise = true
			if leafUser != nil {
				pass, _ := leafUser.Password()
				o.LeafNode.Users = []*server.User{{Username: EdgeLinkUser, Password: pass, Permissions: EdgeLinkPermissions()}}
			}
		},
	}
	if cfg.Protect {
		opts.Protect = HubProtected
	}
	s, err := natsembed.Start(opts)
	if err != nil {
		return nil, fmt.Errorf("start hub: %w", err)
	}
	return &Hub{Server: s, Domain: cfg.Domain, leafPort: cfg.LeafPort, leafUser: leafUser}, nil
}

// LeafUser is the user an edge's leafnode link logs in as: EdgeLinkUser
// with RestrictEdges, else the owner when the hub protects subjects (a
// leafnode listener without users of its own checks the client users),
// nil otherwise.
func (h *Hub) LeafUser() *url.Userinfo {
	if h.leafUser != nil {
		return h.leafUser
	}
	u, err := url.Parse(h.ClientURL())
	if err != nil {
		return nil
	}
	return u.User
}

// RestrictsEdges reports whether the hub holds the edges' links to
// EdgeLinkPermissions.
func (h *Hub) RestrictsEdges() bool { return h.leafUser != nil }

// LeafAddr is the host:port of the hub's leafnode listener.
func (h *Hub) LeafAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(h.leafPort)) }

// EdgeConfig describes the edge server.
type EdgeConfig struct {
	Name     string        // server name (MQTT needs one); "edge" when empty
	Domain   string        // JetStream domain; DefaultEdgeDomain when empty
	StoreDir string        // file store; empty: a temporary directory
	HubAddr  string        // host:port of the hub's leafnode listener (or of a Link to it)
	HubUser  *url.Userinfo // who the leafnode link logs in as; nil: nobody
	// Protect gives the server an owner and a guest user: only the owner
	// (ClientURL) may publish on EdgeProtected; devices log in over MQTT
	// as the guest without credentials.
	Protect  bool
	MQTTPort int // MQTT listener; 0 picks a free port, kept across restarts
	// DenyHub lists subjects, beyond EdgeLocal, the edge's link may not
	// send to the hub (StartSite: EdgeLinkDenied for a hub that restricts
	// edges).
	DenyHub []string
	// MaxStore bounds the edge's JetStream file storage, all streams
	// together (DefaultEdgeMaxStore when 0). It is what finally bounds
	// readings waiting for the gateway.
	MaxStore int64
}

// DefaultEdgeMaxStore is the edge's storage budget unless told otherwise.
const DefaultEdgeMaxStore = 1 << 30

// Edge is the gateway's nats-server: JetStream in its own domain with file
// storage, an MQTT listener for the devices, and a leafnode connection to
// the hub.
type Edge struct {
	*natsembed.Server
	Domain   string
	mqttPort int
}

// StartEdge starts the edge server. It does not wait for the leafnode link:
// the edge works without the hub, which is the point.
func StartEdge(cfg EdgeConfig) (*Edge, error) {
	if cfg.Name == "" {
		cfg.Name = "edge"
	}
	if cfg.Domain == "" {
		cfg.Domain = DefaultEdgeDomain
	}
	if cfg.MQTTPort == 0 {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		cfg.MQTTPort = p
	}
	if cfg.MaxStore == 0 {
		cfg.MaxStore = DefaultEdgeMaxStore
	}
	hub, err := url.Parse("nats-leaf://" + cfg.HubAddr)
	if err != nil {
		return nil, fmt.Errorf("hub leafnode address %q: %w", cfg.HubAddr, err)
	}
	hub.User = cfg.HubUser
	opts := natsembed.Options{
		Name:     cfg.Name,
		StoreDir: cfg.StoreDir,
		Domain:   cfg.Domain,
		Configure: func(o *server.Options) {
			o.JetStreamMaxStore = cfg.MaxStore
			o.MQTT.Host = "127.0.0.1"
			o.MQTT.Port = cfg.MQTTPort
			o.MQTT.JsDomain = cfg.Domain // MQTT sessions live in the edge's JetStream
			o.LeafNode.ReconnectInterval = leafReconnect
			o.LeafNode.Remotes = []*server.RemoteLeafOpts{{URLs: []*url.URL{hub},
				// An edge's own subjects stay at the edge. Without this, one
				// edge's streams capture what another edge publishes, through
				// the hub they both link to: two sites' readings end up in
				// both sites' buffers (and the MQTT landing streams).
				DenyImports: EdgeLocal, DenyExports: append(slices.Clip(EdgeLocal), cfg.DenyHub...)}}
			if cfg.Protect {
				o.MQTT.NoAuthUser = natsembed.GuestUser
			}
		},
	}
	if cfg.Protect {
		opts.Protect = EdgeProtected
	}
	s, err := natsembed.Start(opts)
	if err != nil {
		return nil, fmt.Errorf("start edge: %w", err)
	}
	return &Edge{Server: s, Domain: cfg.Domain, mqttPort: cfg.MQTTPort}, nil
}

// MQTTURL is the broker URL devices connect to.
func (e *Edge) MQTTURL() string { return "tcp://127.0.0.1:" + strconv.Itoa(e.mqttPort) }

// LinkedToHub reports whether the leafnode connection to the hub is up.
func (e *Edge) LinkedToHub() bool { return e.Running() && e.NATS().NumLeafNodes() > 0 }

// freePort asks the kernel for a free loopback port. Another process could
// take it before the server binds it; on a test machine that is rare enough.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
