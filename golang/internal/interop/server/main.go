// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Command server is the Go interop test server (test code only; the protocol
// is described in tests/interop/README.rst).
package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

const (
	authMessage  = "missing or wrong authorization"
	errorDomain  = "oaktree.openstack.org"
	language     = "golang" // the folder name, in metadata "server-language"
	richName     = "clouds/interop/regions/RegionOne/servers/id-rich-error"
	resourceType = "oaktree.v1.Server"
)

// reason is the ErrorInfo reason of r: its name without ERROR_REASON_.
func reason(r pb.ErrorReason) string {
	return strings.TrimPrefix(r.String(), "ERROR_REASON_")
}

// statusError is a status whose details (each packed in an Any) grpc-go
// sends as the google.rpc.Status of grpc-status-details-bin.
func statusError(code codes.Code, msg string, details ...proto.Message) error {
	st := &spb.Status{Code: int32(code), Message: msg}
	for _, d := range details {
		a, err := anypb.New(d)
		if err != nil {
			return status.Errorf(codes.Internal, "packing the details of %q: %v", msg, err)
		}
		st.Details = append(st.Details, a)
	}
	return status.FromProto(st).Err()
}

type state struct {
	token     string
	mu        sync.Mutex
	cancelled map[string]bool // tags of ListServers streams seen cancelled
}

func (s *state) authorize(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) != 1 || v[0] != "Bearer "+s.token {
		return statusError(codes.Unauthenticated, authMessage, &errdetails.ErrorInfo{
			Reason: reason(pb.ErrorReason_ERROR_REASON_CALLER_UNAUTHENTICATED), Domain: errorDomain})
	}
	return nil
}

func regionOne() *pb.Location {
	return &pb.Location{Cloud: "interop", RegionName: proto.String("RegionOne")}
}

type compute struct {
	pb.UnimplementedComputeServiceServer
	*state
	transport string // "plaintext", "tls" or "mtls": the port this service answers on
}

// whoami says which port answered and, on the mutual-TLS one, the client
// certificate's common name.
func (c *compute) whoami(ctx context.Context) (*pb.GetServerResponse, error) {
	md := map[string]string{"server-language": language, "transport": c.transport}
	if c.transport == "mtls" {
		p, ok := peer.FromContext(ctx)
		info, isTLS := credentials.TLSInfo{}, false
		if ok {
			info, isTLS = p.AuthInfo.(credentials.TLSInfo)
		}
		if !isTLS || len(info.State.PeerCertificates) == 0 {
			return nil, status.Error(codes.Internal, "mutual-TLS call without a client certificate")
		}
		md["client-cn"] = info.State.PeerCertificates[0].Subject.CommonName
	}
	return &pb.GetServerResponse{Server: &pb.Server{Id: "id-whoami", Name: "whoami", Metadata: md}}, nil
}

// slow is the deadline case: it returns when the client cancels the call or
// 10 s after it began, and then the call answers OK (the server never sends
// DEADLINE_EXCEEDED itself). The end of the server's own copy of the
// client's deadline is not a cancellation: grpc-go resets the stream then
// (RST_STREAM CANCEL) by itself, and returning at that moment raced that
// reset, so that about 1 call in 12 answered OK before the client's timer
// fired (measured: 5 of 60 with the Go client). After it, slow waits out
// the 10 s; whatever it answers then goes nowhere.
func slow(ctx context.Context) {
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			<-timer.C
		}
	case <-timer.C:
	}
}

func (c *compute) GetServer(ctx context.Context, req *pb.GetServerRequest) (*pb.GetServerResponse, error) {
	if err := c.authorize(ctx); err != nil {
		return nil, err
	}
	name := req.GetNameOrId()
	switch {
	case name == "slow":
		slow(ctx)
		return &pb.GetServerResponse{Server: &pb.Server{Name: "slow"}}, nil
	case name == "whoami":
		return c.whoami(ctx)
	case strings.HasPrefix(name, "cancelled?"):
		tag := strings.TrimPrefix(name, "cancelled?")
		c.mu.Lock()
		seen := c.cancelled[tag]
		c.mu.Unlock()
		st := pb.ServerStatus_SERVER_STATUS_BUILD
		if seen {
			st = pb.ServerStatus_SERVER_STATUS_DELETED
		}
		return &pb.GetServerResponse{Server: &pb.Server{Name: tag, Status: st}}, nil
	case strings.HasPrefix(name, "server-"):
		return &pb.GetServerResponse{Server: &pb.Server{
			Id: "id-" + name, Name: name, Status: pb.ServerStatus_SERVER_STATUS_ACTIVE,
			ResourceName: "clouds/interop/regions/RegionOne/servers/id-" + name,
			Metadata:     map[string]string{"server-language": language},
		}}, nil
	}
	return nil, status.Error(codes.NotFound, "no server matches "+name)
}

// CreateServer answers only the rich-error case: the boot "went to ERROR".
func (c *compute) CreateServer(ctx context.Context, req *pb.CreateServerRequest) (*pb.CreateServerResponse, error) {
	if err := c.authorize(ctx); err != nil {
		return nil, err
	}
	if req.GetName() != "rich-error" || req.GetImage() != "cirros" || req.GetFlavor() != "m1.tiny" ||
		!proto.Equal(req.GetLocation(), regionOne()) || req.GetRequestId() == "" {
		return nil, status.Errorf(codes.InvalidArgument, "not the rich-error request: %v", req)
	}
	const fault = "No valid host was found"
	return nil, statusError(codes.FailedPrecondition, "server rich-error went to ERROR",
		&errdetails.ErrorInfo{
			Reason: reason(pb.ErrorReason_ERROR_REASON_RESOURCE_IN_ERROR_STATE), Domain: errorDomain,
			Metadata: map[string]string{"cloud": "interop", "region": "RegionOne",
				"resource_type": resourceType, "resource_name": richName,
				"request_id": req.GetRequestId(), "cloud_request_id": "req-interop-1", "fault": fault}},
		&errdetails.ResourceInfo{ResourceType: resourceType, ResourceName: richName,
			Owner: "project-interop", Description: fault},
		&pb.Server{Id: "id-rich-error", Name: "rich-error", Status: pb.ServerStatus_SERVER_STATUS_ERROR,
			ResourceName: richName, Location: regionOne()})
}

func (c *compute) ListServers(req *pb.ListServersRequest, stream grpc.ServerStreamingServer[pb.ListServersResponse]) error {
	if err := c.authorize(stream.Context()); err != nil {
		return err
	}
	sel := req.GetSelector()
	f := sel.GetFilters().GetFields()
	count := int(f["count"].GetNumberValue())
	padding := strings.Repeat("x", int(f["padding"].GetNumberValue()))
	name := sel.GetNameOrId()
	if strings.HasPrefix(name, "cancel-") {
		for i := 0; i < count; i++ {
			err := stream.Send(&pb.ListServersResponse{Item: &pb.ListServersResponse_Server{
				Server: &pb.Server{Name: fmt.Sprintf("%s-%d", name, i)}}})
			if err != nil || stream.Context().Err() != nil {
				c.mu.Lock()
				c.cancelled[name] = true
				c.mu.Unlock()
				return status.Error(codes.Canceled, "client cancelled")
			}
		}
		return nil
	}
	if name != "bulk-*" {
		return status.Error(codes.InvalidArgument, "unknown selector "+name)
	}
	for i := 0; i < count; i++ {
		props, err := structOf(padding, i)
		if err != nil {
			return err
		}
		s := &pb.Server{Id: fmt.Sprintf("id-%05d", i), Name: fmt.Sprintf("bulk-%05d", i),
			Status:   pb.ServerStatus_SERVER_STATUS_ACTIVE,
			Metadata: map[string]string{"index": fmt.Sprint(i)}, Properties: props}
		if err := stream.Send(&pb.ListServersResponse{Item: &pb.ListServersResponse_Server{Server: s}}); err != nil {
			return err
		}
	}
	for _, o := range scopeOutcomes(count) {
		if err := stream.Send(&pb.ListServersResponse{Item: &pb.ListServersResponse_ScopeOutcome{ScopeOutcome: o}}); err != nil {
			return err
		}
	}
	return nil
}

// scopeOutcomes closes the bulk stream: RegionOne sent every server,
// RegionTwo was unreachable.
func scopeOutcomes(count int) []*pb.ScopeOutcome {
	return []*pb.ScopeOutcome{
		{Location: regionOne(), Code: int32(codes.OK), Count: int64(count)},
		{Location: &pb.Location{Cloud: "interop", RegionName: proto.String("RegionTwo")},
			Code: int32(codes.Unavailable), Reason: pb.ErrorReason_ERROR_REASON_CLOUD_UNREACHABLE,
			Message: "RegionTwo is unreachable", Metadata: map[string]string{"cloud_request_id": "req-interop-2"},
			RetryDelay: durationpb.New(2 * time.Second)},
	}
}

type image struct {
	pb.UnimplementedImageServiceServer
	*state
}

func (im *image) UploadImage(stream grpc.ClientStreamingServer[pb.UploadImageRequest, pb.UploadImageResponse]) error {
	if err := im.authorize(stream.Context()); err != nil {
		return err
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	meta := first.GetMetadata()
	if meta == nil {
		return status.Error(codes.InvalidArgument, "first message must be metadata")
	}
	h, size := sha256.New(), int64(0)
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if req.GetMetadata() != nil {
			return status.Error(codes.InvalidArgument, "metadata after the first message")
		}
		h.Write(req.GetChunk())
		size += int64(len(req.GetChunk()))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if size != meta.GetSize() || sum != meta.GetSha256() {
		return status.Errorf(codes.DataLoss, "sha256 or size mismatch: got %d bytes sha256 %s", size, sum)
	}
	return stream.SendAndClose(&pb.UploadImageResponse{Image: &pb.Image{
		Id: "img-" + sum[:16], Name: meta.GetName(), Size: size}})
}

func (im *image) DownloadImage(req *pb.DownloadImageRequest, stream grpc.ServerStreamingServer[pb.DownloadImageResponse]) error {
	if err := im.authorize(stream.Context()); err != nil {
		return err
	}
	size, err := strconv.Atoi(strings.TrimPrefix(req.GetNameOrId(), "pattern-"))
	if !strings.HasPrefix(req.GetNameOrId(), "pattern-") || err != nil || size < 0 {
		return status.Error(codes.NotFound, "no image matches "+req.GetNameOrId())
	}
	const chunk = 64 * 1024
	for off := 0; off < size; off += chunk {
		n := chunk // no min(): the module's go line (1.20) predates it
		if size-off < n {
			n = size - off
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte((off + i) % 251)
		}
		if err := stream.Send(&pb.DownloadImageResponse{Chunk: b}); err != nil {
			return err
		}
	}
	return nil
}

// listen binds 127.0.0.1:0 and serves the test services on it, with creds
// (nil: plaintext); transport is what whoami reports.
func listen(st *state, transport string, creds credentials.TransportCredentials) (int, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	var opts []grpc.ServerOption
	if creds != nil {
		opts = append(opts, grpc.Creds(creds))
	}
	srv := grpc.NewServer(opts...)
	pb.RegisterComputeServiceServer(srv, &compute{state: st, transport: transport})
	pb.RegisterImageServiceServer(srv, &image{state: st})
	go func() { log.Fatal(srv.Serve(lis)) }() // until the driver kills us
	return lis.Addr().(*net.TCPAddr).Port, nil
}

// tlsCreds is the server side of the TLS port (DIR/server.pem and
// server.key) and, with mutual set, of the mutual-TLS port, which requires a
// client certificate signed by DIR/ca.pem.
func tlsCreds(dir string, mutual bool) (credentials.TransportCredentials, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"))
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if mutual {
		ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("no certificate in %s", filepath.Join(dir, "ca.pem"))
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return credentials.NewTLS(cfg), nil
}

func main() {
	token := flag.String("token", "", "the bearer token clients must send (authorization: Bearer <token>)")
	tlsDir := flag.String("tls-dir", "", "folder of tests/interop/make_test_ca.sh: also serve TLS and mutual TLS")
	flag.Parse()
	st := &state{token: *token, cancelled: map[string]bool{}}
	port, err := listen(st, "plaintext", nil)
	if err != nil {
		log.Fatal(err)
	}
	line := fmt.Sprintf("PORT=%d", port)
	if *tlsDir != "" {
		for _, mutual := range []bool{false, true} {
			creds, err := tlsCreds(*tlsDir, mutual)
			if err != nil {
				log.Fatal(err)
			}
			name, key := "tls", "TLS_PORT"
			if mutual {
				name, key = "mtls", "MTLS_PORT"
			}
			p, err := listen(st, name, creds)
			if err != nil {
				log.Fatal(err)
			}
			line += fmt.Sprintf(" %s=%d", key, p)
		}
	}
	fmt.Println(line)
	select {} // serve until the driver kills us
}
