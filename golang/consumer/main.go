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
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)

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
	// The stream holds servers, then one ScopeOutcome per cloud-region; the
	// result is complete only if every outcome has code 0.
	servers, failed := 0, 0
	var outcomes []*oaktreev1.ScopeOutcome
	for servers+len(outcomes) <= 102 {
		item, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("ListServers after %d servers: %v", servers, err)
		}
		switch {
		case item.GetServer() != nil:
			servers++
		case item.GetScopeOutcome() != nil:
			outcomes = append(outcomes, item.GetScopeOutcome())
			if codes.Code(item.GetScopeOutcome().GetCode()) != codes.OK {
				failed++
			}
		}
	}
	if servers != 100 || len(outcomes) != 2 || failed != 1 ||
		outcomes[1].GetReason() != oaktreev1.ErrorReason_ERROR_REASON_CLOUD_UNREACHABLE {
		return fmt.Errorf("ListServers: %d servers, outcomes %v", servers, outcomes)
	}
	fmt.Printf("go consumer: ok (GetServer, NOT_FOUND, ListServers of 100 with %d scope outcomes, "+
		"%s of %s unreachable)\n", len(outcomes), outcomes[1].GetLocation().GetRegionName(),
		outcomes[1].GetLocation().GetCloud())
	return nil
}

func main() {
	target := flag.String("target", "", "host:port of an interop test server")
	token := flag.String("token", "", "bearer token (authorization: Bearer <token>)")
	flag.Parse()
	if err := run(*target, *token); err != nil {
		fmt.Fprintln(os.Stderr, "go consumer:", err)
		os.Exit(1)
	}
}
