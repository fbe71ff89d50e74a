// Package natsembed runs a real nats-server with JetStream inside the current
// process, so demos and tests need nothing but Go. It listens on loopback only,
// on a free port, keeps its JetStream store in a temporary directory unless told
// otherwise, and shuts down cleanly.
//
// When NATS_URL is set, Target uses that server instead and starts nothing: the
// same demo code then runs against a real deployment.
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nuid"
)

// ReadyTimeout bounds how long Start waits for the server to accept clients.
const ReadyTimeout = 10 * time.Second

// Options says what kind of server to start. The zero value is a JetStream
// server on a random loopback port with a temporary store.
type Options struct {
	// Name identifies the server in logs and in cluster/leafnode links.
	Name string
	// NoJetStream turns JetStream off (it is on by default).
	NoJetStream bool
	// StoreDir keeps the JetStream store there; empty means a temporary
	// directory that Shutdown removes.
	StoreDir string
	// Port to listen on; 0 picks a free one.
	Port int
	// Domain is the JetStream domain (edge servers use their own).
	Domain string
	// Configure, when set, edits the server options last (leafnodes, MQTT,
	// clustering): the lab's defaults are applied first.
	Configure func(*server.Options)
	// Log sends the server's own log to stderr (off by default: demos narrate).
	Log bool
	// Protect lists subjects only the module's own user may publish on. When
	// set, the server has two users: the owner (ClientURL carries its
	// credentials) may do anything; a guest (GuestURL) may not publish on
	// these subjects nor call the JetStream API, so a foreign client cannot
	// write into, purge or delete the module's streams. See Permissions.
	Protect []string
}

// Server is a running in-process nats-server.
type Server struct {
	opts    Options
	port    int
	store   string
	tempDir bool
	ns      *server.Server
	owner   *url.Userinfo // nil unless Protect is set
	guest   *url.Userinfo
}

// ErrNotReady is returned when the server did not accept clients in time.
var ErrNotReady = errors.New("nats-server not ready for connections")

// Start starts a server and waits until it accepts client connections.
func Start(o Options) (*Server, error) {
	s := &Server{opts: o, port: o.Port, store: o.StoreDir}
	if len(o.Protect) > 0 {
		s.owner = url.UserPassword(OwnerUser, nuid.Next())
		s.guest = url.UserPassword(GuestUser, nuid.Next())
	}
	if !o.NoJetStream && s.store == "" {
		dir, err := os.MkdirTemp("", "patternlab-nats-*")
		if err != nil {
			return nil, fmt.Errorf("jetstream store dir: %w", err)
		}
		s.store, s.tempDir = dir, true
	}
	if err := s.start(); err != nil {
		s.removeTemp()
		return nil, err
	}
	return s, nil
}

func (s *Server) start() error {
	port := s.port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	so := &server.Options{
		ServerName:      s.opts.Name,
		Host:            "127.0.0.1",
		Port:            port,
		NoSigs:          true,
		NoLog:           !s.opts.Log,
		JetStream:       !s.opts.NoJetStream,
		StoreDir:        s.store,
		JetStreamDomain: s.opts.Domain,
		MaxPayload:      server.MAX_PAYLOAD_SIZE,
	}
	if s.owner != nil {
		so.Users = s.users()
	}
	if s.opts.Configure != nil {
		s.opts.Configure(so)
	}
	ns, err := server.NewServer(so)
	if err != nil {
		return fmt.Errorf("new nats-server %q: %w", s.opts.Name, err)
	}
	if s.opts.Log {
		ns.ConfigureLogger()
	}
	ns.Start()
	if !ns.ReadyForConnections(ReadyTimeout) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return fmt.Errorf("start %q: %w after %s", s.opts.Name, ErrNotReady, ReadyTimeout)
	}
	s.ns = ns
	if addr, ok := ns.Addr().(*net.TCPAddr); ok {
		s.port = addr.Port // keep it: Restart comes back on the same port
	}
	return nil
}

// ClientURL is the nats:// URL clients connect to (with the owner's
// credentials when the server protects subjects).
func (s *Server) ClientURL() string { return withUser(s.ns.ClientURL(), s.owner) }

// GuestURL is the URL of a client that is not the module: it may publish
// anywhere but on the protected subjects. It is ClientURL when nothing is
// protected.
func (s *Server) GuestURL() string {
	if s.guest == nil {
		return s.ClientURL()
	}
	return withUser(s.ns.ClientURL(), s.guest)
}

// Port is the client port the server listens on.
func (s *Server) Port() int { return s.port }

// StoreDir is where JetStream keeps its files.
func (s *Server) StoreDir() string { return s.store }

// NATS gives access to the underlying server (for leafnode or cluster checks).
func (s *Server) NATS() *server.Server { return s.ns }

// Stop shuts the server down and waits for it, keeping the store: a later
// Restart finds every acknowledged message there. Stop models a crash as far
// as clients can tell: their connections drop.
func (s *Server) Stop() {
	if s.ns == nil {
		return
	}
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.ns = nil
}

// Restart stops the server if it runs and starts it again on the same port
// with the same store.
func (s *Server) Restart() error {
	s.Stop()
	return s.start()
}

// Running reports whether the server is up.
func (s *Server) Running() bool { return s.ns != nil && s.ns.Running() }

// Shutdown stops the server and removes a temporary store. It is safe to call
// more than once.
func (s *Server) Shutdown() {
	s.Stop()
	s.removeTemp()
}

func (s *Server) removeTemp() {
	if s.tempDir {
		_ = os.RemoveAll(s.store)
		s.tempDir = false
	}
}
