// Package pqtls shows post-quantum key exchange in Go's own crypto/tls: a
// TLS 1.3 handshake on loopback that negotiates the hybrid X25519MLKEM768
// group, the default since Go 1.24.
package pqtls
