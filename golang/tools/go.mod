// The build's and tests' own Go pins, kept out of the published module
// (golang/go.mod) so that they never enter a user's module graph:
//   - the protoc plugins that `make generate-go` runs (the tool lines);
//   - golang.org/x/mod for tools/modzip (golang/checks/consumer);
//   - the newest grpc-go and protobuf-go the tests run against: golang/go.work
//     joins this module and golang/, so every go command inside golang/ (the
//     test programs, go-build, the interop matrix) uses these versions, while
//     golang/go.mod keeps the floor a user needs (golang/checks/floor).
module opendev.org/openstack/oaktreemodel/golang/tools

go 1.26.0

tool (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc
	google.golang.org/protobuf/cmd/protoc-gen-go
)

require (
	golang.org/x/mod v0.43.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/grpc/cmd/protoc-gen-go-grpc v1.6.2 // indirect
)
