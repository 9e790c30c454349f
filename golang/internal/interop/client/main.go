// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Command client is the Go interop test client (test code only; protocol in
// tests/interop/README.rst). It prints one JSON line per case; a failure
// carries the first difference.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

type result struct {
	Case  string `json:"case"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func main() {
	target := flag.String("target", "", "host:port of the test server")
	token := flag.String("token", "", "x-auth-token to send")
	which := flag.String("cases", "", "comma-separated case names of tests/interop/README.rst")
	flag.Parse()
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer conn.Close()
	c := &cases{
		compute: pb.NewComputeServiceClient(conn),
		image:   pb.NewImageServiceClient(conn),
		token:   *token,
	}
	run := map[string]func() error{
		"unary": c.unary, "auth": c.auth, "not-found": c.notFound, "deadline": c.deadline,
		"server-stream": c.serverStream, "client-stream": c.clientStream,
		"upload-corrupt": c.uploadCorrupt, "download": c.download, "cancel": c.cancel,
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
		line, _ := json.Marshal(r)
		fmt.Println(string(line))
	}
	if failed {
		os.Exit(1)
	}
}

type cases struct {
	compute pb.ComputeServiceClient
	image   pb.ImageServiceClient
	token   string
}

// ctx carries the auth token header.
func (c *cases) ctx() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "x-auth-token", c.token)
}
