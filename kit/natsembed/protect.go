package natsembed

import (
	"net/url"

	"github.com/nats-io/nats-server/v2/server"
)

// Users of a server that protects subjects (Options.Protect).
const (
	OwnerUser = "owner"
	GuestUser = "guest"
)

// Permissions are what the guest of a protecting server may do: publish on
// anything but the protected subjects and the JetStream, KV and object store
// APIs; subscribe to anything. On a real server, give the module's own user
// the protected subjects and every other user this deny list (nats-server
// config: authorization { users = [ {user: ..., permissions: {publish:
// {deny: [...]}}} ] }, or the same in an operator-mode account's JWT).
func Permissions(protect []string) *server.Permissions {
	deny := append([]string{"$JS.API.>", "$KV.>", "$O.>"}, protect...)
	return &server.Permissions{Publish: &server.SubjectPermission{Deny: deny}}
}

func (s *Server) users() []*server.User {
	ownerPass, _ := s.owner.Password()
	guestPass, _ := s.guest.Password()
	return []*server.User{
		{Username: OwnerUser, Password: ownerPass},
		{Username: GuestUser, Password: guestPass, Permissions: Permissions(s.opts.Protect)},
	}
}

func withUser(raw string, u *url.Userinfo) string {
	if u == nil {
		return raw
	}
	p, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	p.User = u
	return p.String()
}

// Redact hides the password of a nats:// URL, for narration.
func Redact(raw string) string {
	p, err := url.Parse(raw)
	if err != nil || p.User == nil {
		return raw
	}
	return p.Redacted()
}
