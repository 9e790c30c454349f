//go:build pins

// Package tools is never built (the build tag is never set); this file keeps
// grpc-go and protobuf-go as direct requirements of the tools module, so that
// `go mod tidy` keeps the newest versions the tests run against (go.mod).
package tools

import (
	_ "google.golang.org/grpc"
	_ "google.golang.org/protobuf/proto"
)
