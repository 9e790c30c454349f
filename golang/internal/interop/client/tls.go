// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	pb "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

// whoami calls GetServer("whoami") on target over TLS, trusting only the CA
// file caFile of the test CA folder and, if withCert, presenting client.pem.
// The server is verified as "localhost" (the clients connect to 127.0.0.1).
func (c *cases) whoami(target, caFile string, withCert bool) (*pb.Server, error) {
	ca, err := os.ReadFile(filepath.Join(c.tlsDir, caFile))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if withCert {
		cert, err := tls.LoadX509KeyPair(filepath.Join(c.tlsDir, "client.pem"), filepath.Join(c.tlsDir, "client.key"))
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := c.ctx()
	defer cancel()
	resp, err := pb.NewComputeServiceClient(conn).GetServer(ctx, &pb.GetServerRequest{NameOrId: "whoami"})
	return resp.GetServer(), err
}

// expectWhoami checks the whoami server: its id and exactly the metadata
// want plus a non-empty server-language.
func expectWhoami(s *pb.Server, want map[string]string) error {
	if e := expect("whoami id", "id-whoami", s.GetId()); e != nil {
		return e
	}
	md := s.GetMetadata()
	if md["server-language"] == "" {
		return fmt.Errorf("whoami metadata: no server-language in %v", md)
	}
	for k, v := range want {
		if e := expect("whoami metadata "+k, v, md[k]); e != nil {
			return e
		}
	}
	if e := expect("whoami metadata keys", len(want)+1, len(md)); e != nil {
		return fmt.Errorf("%v (%v)", e, md)
	}
	return nil
}

func (c *cases) needTLS() error {
	if c.tlsDir == "" || c.tlsTarget == "" || c.mtlsTarget == "" {
		return fmt.Errorf("needs --tls-dir, --tls-target and --mtls-target")
	}
	return nil
}

func (c *cases) tls() error {
	if err := c.needTLS(); err != nil {
		return err
	}
	s, err := c.whoami(c.tlsTarget, "ca.pem", false)
	if err != nil {
		return fmt.Errorf("whoami over TLS trusting ca.pem: %w", err)
	}
	if e := expectWhoami(s, map[string]string{"transport": "tls"}); e != nil {
		return e
	}
	if _, err := c.whoami(c.tlsTarget, "other-ca.pem", false); err == nil {
		return fmt.Errorf("whoami over TLS trusting only other-ca.pem: expected a failure, got OK")
	}
	return nil
}

func (c *cases) mtls() error {
	if err := c.needTLS(); err != nil {
		return err
	}
	s, err := c.whoami(c.mtlsTarget, "ca.pem", true)
	if err != nil {
		return fmt.Errorf("whoami over mutual TLS with client.pem: %w", err)
	}
	if e := expectWhoami(s, map[string]string{"transport": "mtls", "client-cn": "oaktree-interop-client"}); e != nil {
		return e
	}
	if _, err := c.whoami(c.mtlsTarget, "ca.pem", false); err == nil {
		return fmt.Errorf("whoami over mutual TLS without a client certificate: expected a failure, got OK")
	}
	return nil
}
