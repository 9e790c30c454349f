// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Command consumer is a Go program outside the oaktreemodel module that uses
// it the way a client author does (golang/checks/consumer builds it in a
// scratch module). It calls a test server
// (protocol in tests/interop/README.rst) and exits non-zero on any surprise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	oaktreev1 "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

func run(target, token string) error {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	compute := oaktreev1.NewComputeServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "x-auth-token", token)

	got, err := compute.GetServer(ctx, &oaktreev1.GetServerRequest{NameOrId: "server-42"})
	if err != nil || got.GetServer().GetName() != "server-42" {
		return fmt.Errorf("GetServer(server-42): %v %v", got, err)
	}
	_, err = compute.GetServer(ctx, &oaktreev1.GetServerRequest{NameOrId: "missing-1"})
	if status.Code(err) != codes.NotFound {
		return fmt.Errorf("GetServer(missing-1): expected NotFound, got %v", err)
	}
	filters, _ := structpb.NewStruct(map[string]any{"count": 100, "padding": 10})
	stream, err := compute.ListServers(ctx, &oaktreev1.ListServersRequest{
		Selector: &oaktreev1.Selector{NameOrId: "bulk-*", Narrowing: &oaktreev1.Selector_Filters{Filters: filters}}})
	if err != nil {
		return err
	}
	n := 0
	for ; n <= 100; n++ {
		if _, err = stream.Recv(); err != nil {
			break
		}
	}
	if !errors.Is(err, io.EOF) || n != 100 {
		return fmt.Errorf("ListServers: %d servers, end %v", n, err)
	}
	fmt.Println("go consumer: ok (GetServer, NOT_FOUND, ListServers of 100)")
	return nil
}

func main() {
	target := flag.String("target", "", "host:port of an interop test server")
	token := flag.String("token", "", "x-auth-token")
	flag.Parse()
	if err := run(*target, *token); err != nil {
		fmt.Fprintln(os.Stderr, "go consumer:", err)
		os.Exit(1)
	}
}
