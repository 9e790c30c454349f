// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Command client is the Go interop test client (test code only; protocol in
// tests/interop/README.rst). It prints one JSON line per case; a failure
// carries the first difference.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

type result struct {
	Case     string `json:"case"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
	Attempts *int   `json:"attempts,omitempty"` // the deadline case only
}

func main() {
	target := flag.String("target", "", "host:port of the test server's plaintext port")
	token := flag.String("token", "", "bearer token to send (authorization: Bearer <token>)")
	which := flag.String("cases", "", "comma-separated case names of tests/interop/README.rst")
	tlsDir := flag.String("tls-dir", "", "folder of tests/interop/make_test_ca.sh (tls and mtls cases)")
	tlsTarget := flag.String("tls-target", "", "host:port of the server's TLS port")
	mtlsTarget := flag.String("mtls-target", "", "host:port of the server's mutual-TLS port")
	flag.Parse()
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer conn.Close()
	c := &cases{
		compute:    pb.NewComputeServiceClient(conn),
		image:      pb.NewImageServiceClient(conn),
		token:      *token,
		tlsDir:     *tlsDir,
		tlsTarget:  *tlsTarget,
		mtlsTarget: *mtlsTarget,
	}
	run := map[string]func() error{
		"unary": c.unary, "auth": c.auth, "not-found": c.notFound, "deadline": c.deadline,
		"server-stream": c.serverStream, "client-stream": c.clientStream,
		"upload-corrupt": c.uploadCorrupt, "download": c.download, "cancel": c.cancel,
		"rich-error": c.richError, "tls": c.tls, "mtls": c.mtls,
	}
	failed := false
	for _, name := range strings.Split(*which, ",") {
		r := result{Case: name, OK: true}
		if run[name] == nil {
			r = result{Case: name, Error: "unknown case"}
			failed = true
		} else if err := run[name](); err != nil {
			r = result{Case: name, Error: err.Error()}
			failed = true
		}
		if name == "deadline" {
			n := c.attempts
			r.Attempts = &n
		}
		out := json.NewEncoder(os.Stdout) // one line per case, "<" and ">" as they are
		out.SetEscapeHTML(false)
		if err := out.Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	if failed {
		os.Exit(1)
	}
}
