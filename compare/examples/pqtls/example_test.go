package pqtls_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// A client and a server with Go's default settings agree on X25519MLKEM768:
// the session key mixes classical X25519 with ML-KEM-768 (FIPS 203), so a
// recorded session stays secret unless both are broken. The certificate is
// still ECDSA: post-quantum signatures are not in crypto/tls yet.
func Example() {
	cert, pool, err := selfSigned("localhost")
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var server sync.WaitGroup
	server.Go(func() { serve(ln) })
	defer server.Wait()
	defer ln.Close() // ends serve

	for _, curves := range [][]tls.CurveID{nil, {tls.X25519}} { // nil: Go's defaults
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost", CurvePreferences: curves})
		if err != nil {
			fmt.Println(err)
			return
		}
		state := conn.ConnectionState()
		fmt.Printf("client prefers %v: %s with %s\n", curves, tls.VersionName(state.Version), state.CurveID)
		_ = conn.Close()
	}
	// Output:
	// client prefers []: TLS 1.3 with X25519MLKEM768
	// client prefers [X25519]: TLS 1.3 with X25519
}

// serve completes the handshake of each connection until ln is closed.
func serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		_ = conn.(*tls.Conn).Handshake()
		_ = conn.Close()
	}
}

// selfSigned makes a throwaway ECDSA certificate for host and a pool that
// trusts it.
func selfSigned(host string) (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
