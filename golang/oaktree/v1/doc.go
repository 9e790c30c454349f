// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Package oaktreev1 is the Go client and server code of the oaktree v1 API: a
// gRPC service that exposes the OpenStack operations of the Python shade
// library, with shade's normalized data, across many clouds.
//
// The API has one service per area: CloudService (clouds, regions,
// capabilities, limits, quotas), ComputeService, ImageService,
// BlockStorageService, NetworkService, IdentityService, ObjectStoreService,
// DnsService and OrchestrationService. Every RPC takes its own XRequest and
// returns its own XResponse; Lists and Watch calls are server streams, uploads
// are client streams (metadata first, then chunks). Every resource carries a
// Location (cloud, region, zone, project): in a request it says where to act,
// and in a List a partial Location is a scope over every cloud the server
// knows. The comments on each message and field are the reference.
//
// A client:
//
//	conn, err := grpc.NewClient("oaktree.example.com:50051",
//		grpc.WithTransportCredentials(insecure.NewCredentials()))
//	if err != nil {
//		return err
//	}
//	defer conn.Close()
//	compute := oaktreev1.NewComputeServiceClient(conn)
//	reply, err := compute.GetServer(ctx, &oaktreev1.GetServerRequest{NameOrId: "web-1"})
//
// A server embeds UnimplementedComputeServiceServer (and the others) and
// registers itself with RegisterComputeServiceServer.
//
// The files *.pb.go are generated from oaktree/v1/*.proto by protoc-gen-go and
// protoc-gen-go-grpc (`make generate-go`, with the versions pinned in
// golang/tools/go.mod); this file is written by hand and is not touched by
// generation. The module requires only the oldest grpc-go and protobuf-go the
// generated code works with (see go.mod); your own module may use any newer.
package oaktreev1
