// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	pb "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

const (
	streamCount      = 10000
	padding          = 1024
	uploadSize       = 16*1024*1024 + 12345
	chunkSize        = 64 * 1024
	downloadSize     = 5*1024*1024 + 7
	deadlineAttempts = 5
	deadlineLimit    = 5 * time.Second  // the deadline case's DEADLINE_EXCEEDED must come sooner
	callTimeout      = 60 * time.Second // every other RPC's deadline
	authMessage      = "missing or wrong authorization"
	errorDomain      = "oaktree.openstack.org"
	richName         = "clouds/interop/regions/RegionOne/servers/id-rich-error"
)

type cases struct {
	compute                       pb.ComputeServiceClient
	image                         pb.ImageServiceClient
	token                         string
	tlsDir, tlsTarget, mtlsTarget string
	attempts                      int // of the last deadline case
}

// ctx carries the authorization metadata and a deadline of callTimeout.
func (c *cases) ctx() (context.Context, context.CancelFunc) {
	return withToken(c.token, callTimeout)
}

// withToken is a context with deadline d and, unless token is "",
// authorization: Bearer <token>.
func withToken(token string, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	return ctx, cancel
}

func expect[T comparable](what string, want, got T) error {
	if want != got {
		return fmt.Errorf("%s: expected %v, got %v", what, want, got)
	}
	return nil
}

// expectMessage compares two messages whole (every field, set or not).
func expectMessage(what string, want, got proto.Message) error {
	if !proto.Equal(want, got) {
		return fmt.Errorf("%s: expected {%v}, got {%v}", what, want, got)
	}
	return nil
}

// expectStatus checks that err is a gRPC status with code (and message, if not "").
func expectStatus(what string, err error, code codes.Code, message string) error {
	if err == nil {
		return fmt.Errorf("%s: expected status %s, got OK", what, codeName(code))
	}
	st := status.Convert(err)
	if e := expect(what+" status", codeName(code), codeName(st.Code())); e != nil {
		return fmt.Errorf("%s (message %q)", e, st.Message())
	}
	if message != "" {
		return expect(what+" message", message, st.Message())
	}
	return nil
}

// codeName spells codes like Python and C++ do (NOT_FOUND, not NotFound).
func codeName(c codes.Code) string {
	names := map[codes.Code]string{codes.OK: "OK", codes.Canceled: "CANCELLED",
		codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.NotFound: "NOT_FOUND",
		codes.Unauthenticated: "UNAUTHENTICATED", codes.DataLoss: "DATA_LOSS",
		codes.InvalidArgument: "INVALID_ARGUMENT", codes.Unavailable: "UNAVAILABLE",
		codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL", codes.Unknown: "UNKNOWN",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.PermissionDenied: "PERMISSION_DENIED"}
	if n, ok := names[c]; ok {
		return n
	}
	return c.String()
}

// reason is the ErrorInfo reason of r: its name without ERROR_REASON_.
func reason(r pb.ErrorReason) string {
	return strings.TrimPrefix(r.String(), "ERROR_REASON_")
}

// details decodes the google.rpc.Status details of err (grpc-status-details-bin).
func details(what string, err error) ([]any, error) {
	var out []any
	for i, d := range status.Convert(err).Details() {
		if e, bad := d.(error); bad {
			return nil, fmt.Errorf("%s: detail %d does not decode: %v", what, i, e)
		}
		out = append(out, d)
	}
	return out, nil
}

// expectErrorInfo checks that err's details hold exactly one ErrorInfo, equal to want.
func expectErrorInfo(what string, err error, want *errdetails.ErrorInfo) error {
	ds, e := details(what, err)
	if e != nil {
		return e
	}
	var got []*errdetails.ErrorInfo
	for _, d := range ds {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			got = append(got, ei)
		}
	}
	if len(got) != 1 {
		return fmt.Errorf("%s: expected one google.rpc.ErrorInfo in the status details, got %d (of %d details)",
			what, len(got), len(ds))
	}
	return expectMessage(what+" ErrorInfo", want, got[0])
}

func (c *cases) unary() error {
	ctx, cancel := c.ctx()
	defer cancel()
	resp, err := c.compute.GetServer(ctx, &pb.GetServerRequest{NameOrId: "server-42"})
	if err != nil {
		return err
	}
	s := resp.GetServer()
	if e := expect("server.id", "id-server-42", s.GetId()); e != nil {
		return e
	}
	if e := expect("server.name", "server-42", s.GetName()); e != nil {
		return e
	}
	if e := expect("server.status", "SERVER_STATUS_ACTIVE", s.GetStatus().String()); e != nil {
		return e
	}
	if e := expect("server.resource_name", "clouds/interop/regions/RegionOne/servers/id-server-42",
		s.GetResourceName()); e != nil {
		return e
	}
	if s.GetMetadata()["server-language"] == "" {
		return fmt.Errorf("server.metadata: no server-language in %v", s.GetMetadata())
	}
	return nil
}

func (c *cases) auth() error {
	want := &errdetails.ErrorInfo{Reason: reason(pb.ErrorReason_ERROR_REASON_CALLER_UNAUTHENTICATED),
		Domain: errorDomain}
	for _, token := range []string{"wrong-token", ""} {
		what := "no token"
		if token != "" {
			what = "wrong token"
		}
		ctx, cancel := withToken(token, callTimeout)
		_, err := c.compute.GetServer(ctx, &pb.GetServerRequest{NameOrId: "server-42"})
		cancel()
		if e := expectStatus(what, err, codes.Unauthenticated, authMessage); e != nil {
			return e
		}
		if e := expectErrorInfo(what, err, want); e != nil {
			return e
		}
	}
	return nil
}

func (c *cases) notFound() error {
	ctx, cancel := c.ctx()
	defer cancel()
	_, err := c.compute.GetServer(ctx, &pb.GetServerRequest{NameOrId: "missing-1"})
	return expectStatus("GetServer(missing-1)", err, codes.NotFound, "no server matches missing-1")
}

// deadline retries an attempt that ends CANCELLED, at most deadlineAttempts
// times, as every client does (why: the deadline case in
// tests/interop/README.rst), and records the attempts it made.
func (c *cases) deadline() error {
	for c.attempts = 1; ; c.attempts++ {
		what := fmt.Sprintf("GetServer(slow) with a 300 ms deadline, attempt %d", c.attempts)
		ctx, cancel := withToken(c.token, 300*time.Millisecond)
		start := time.Now()
		_, err := c.compute.GetServer(ctx, &pb.GetServerRequest{NameOrId: "slow"})
		elapsed := time.Since(start)
		cancel()
		if elapsed >= deadlineLimit {
			return fmt.Errorf("%s: ended with %s after %v, expected DEADLINE_EXCEEDED in under %v",
				what, codeName(status.Code(err)), elapsed.Round(time.Millisecond), deadlineLimit)
		}
		e := expectStatus(what, err, codes.DeadlineExceeded, "")
		if e == nil || status.Code(err) != codes.Canceled || c.attempts == deadlineAttempts {
			return e
		}
	}
}

func listRequest(name string, filters map[string]any) (*pb.ListServersRequest, error) {
	f, err := structpb.NewStruct(filters)
	if err != nil {
		return nil, err
	}
	return &pb.ListServersRequest{Selector: &pb.Selector{NameOrId: name,
		Narrowing: &pb.Selector_Filters{Filters: f}}}, nil
}

// wantOutcomes is what the bulk stream ends with (tests/interop/README.rst).
func wantOutcomes() []*pb.ScopeOutcome {
	return []*pb.ScopeOutcome{
		{Location: &pb.Location{Cloud: "interop", RegionName: proto.String("RegionOne")},
			Code: int32(codes.OK), Count: streamCount},
		{Location: &pb.Location{Cloud: "interop", RegionName: proto.String("RegionTwo")},
			Code: int32(codes.Unavailable), Reason: pb.ErrorReason_ERROR_REASON_CLOUD_UNREACHABLE,
			Message: "RegionTwo is unreachable", Metadata: map[string]string{"cloud_request_id": "req-interop-2"},
			RetryDelay: durationpb.New(2 * time.Second)},
	}
}

func (c *cases) serverStream() error {
	req, err := listRequest("bulk-*", map[string]any{"count": streamCount, "padding": padding})
	if err != nil {
		return err
	}
	ctx, cancel := c.ctx()
	defer cancel()
	stream, err := c.compute.ListServers(ctx, req)
	if err != nil {
		return err
	}
	n, total := 0, 0
	var outcomes []*pb.ScopeOutcome
	for {
		resp, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("after %d servers and %d outcomes: %w", n, len(outcomes), err)
		}
		total += proto.Size(resp)
		switch item := resp.GetItem().(type) {
		case *pb.ListServersResponse_Server:
			if len(outcomes) > 0 {
				return fmt.Errorf("server %q after a scope_outcome", item.Server.GetName())
			}
			s := item.Server
			if e := expect(fmt.Sprintf("server %d name", n), fmt.Sprintf("bulk-%05d", n), s.GetName()); e != nil {
				return e
			}
			pad := s.GetProperties().GetFields()["padding"].GetStringValue()
			if e := expect(fmt.Sprintf("server %d padding length", n), padding, len(pad)); e != nil {
				return e
			}
			n++
		case *pb.ListServersResponse_ScopeOutcome:
			outcomes = append(outcomes, item.ScopeOutcome)
		default:
			return fmt.Errorf("message %d: neither server nor scope_outcome", n+len(outcomes))
		}
	}
	want := wantOutcomes()
	if e := expect("scope_outcome items", len(want), len(outcomes)); e != nil {
		return e
	}
	for i := range want {
		if e := expectMessage(fmt.Sprintf("scope_outcome %d", i), want[i], outcomes[i]); e != nil {
			return e
		}
	}
	if e := expect("servers received (the first outcome's count)", outcomes[0].GetCount(), int64(n)); e != nil {
		return e
	}
	if total <= 8*1024*1024 {
		return fmt.Errorf("stream total %d bytes, expected far above 4 MiB", total)
	}
	return nil
}

// uploadData is byte i = i % 251, the same in every language.
func uploadData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func (c *cases) upload(data []byte, sha string) (*pb.UploadImageResponse, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	stream, err := c.image.UploadImage(ctx)
	if err != nil {
		return nil, err
	}
	meta := &pb.ImageUploadMetadata{Name: "interop.img", Sha256: sha, Size: int64(len(data))}
	if err := stream.Send(&pb.UploadImageRequest{Content: &pb.UploadImageRequest_Metadata{Metadata: meta}}); err != nil {
		return stream.CloseAndRecv() // the server's status says why
	}
	for off := 0; off < len(data); off += chunkSize {
		end := off + chunkSize // no min(): the module's go line (1.20) predates it
		if end > len(data) {
			end = len(data)
		}
		chunk := data[off:end]
		if err := stream.Send(&pb.UploadImageRequest{Content: &pb.UploadImageRequest_Chunk{Chunk: chunk}}); err != nil {
			return stream.CloseAndRecv()
		}
	}
	return stream.CloseAndRecv()
}

func (c *cases) clientStream() error {
	data := uploadData(uploadSize)
	sum := sha256.Sum256(data)
	resp, err := c.upload(data, hex.EncodeToString(sum[:]))
	if err != nil {
		return err
	}
	if e := expect("image.name", "interop.img", resp.GetImage().GetName()); e != nil {
		return e
	}
	return expect("image.size", int64(len(data)), resp.GetImage().GetSize())
}

func (c *cases) uploadCorrupt() error {
	_, err := c.upload(uploadData(1024*1024), strings.Repeat("0", 64))
	return expectStatus("upload with wrong sha256", err, codes.DataLoss, "")
}

func (c *cases) download() error {
	ctx, cancel := c.ctx()
	defer cancel()
	stream, err := c.image.DownloadImage(ctx, &pb.DownloadImageRequest{NameOrId: fmt.Sprintf("pattern-%d", downloadSize)})
	if err != nil {
		return err
	}
	h, got := sha256.New(), 0
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("after %d bytes: %w", got, err)
		}
		h.Write(resp.GetChunk())
		got += len(resp.GetChunk())
	}
	if e := expect("bytes downloaded", downloadSize, got); e != nil {
		return e
	}
	want := sha256.Sum256(uploadData(downloadSize))
	return expect("sha256 of the download", hex.EncodeToString(want[:]), hex.EncodeToString(h.Sum(nil)))
}

func (c *cases) cancel() error {
	tag := fmt.Sprintf("cancel-go-%d", time.Now().UnixNano())
	req, err := listRequest(tag, map[string]any{"count": 1000000})
	if err != nil {
		return err
	}
	ctx, cancel := c.ctx()
	defer cancel()
	stream, err := c.compute.ListServers(ctx, req)
	if err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		if _, err := stream.Recv(); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	cancel()
	for i := 0; ; i++ { // drain what was buffered; bounded by the 1e6 the server sends at most
		if _, err = stream.Recv(); err != nil || i > 1000000 {
			break
		}
	}
	if e := expectStatus("stream after cancel", err, codes.Canceled, ""); e != nil {
		return e
	}
	for i := 0; i < 100; i++ { // bounded: the server records the cancel asynchronously
		ctx, cancel := c.ctx()
		resp, err := c.compute.GetServer(ctx, &pb.GetServerRequest{NameOrId: "cancelled?" + tag})
		cancel()
		if err != nil {
			return err
		}
		if resp.GetServer().GetStatus() == pb.ServerStatus_SERVER_STATUS_DELETED {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("server did not report the cancellation of %s", tag)
}

// requestID is a random UUID (version 4), made once per server the client wants.
func requestID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func (c *cases) richError() error {
	rid, err := requestID()
	if err != nil {
		return err
	}
	region := &pb.Location{Cloud: "interop", RegionName: proto.String("RegionOne")}
	ctx, cancel := c.ctx()
	defer cancel()
	_, err = c.compute.CreateServer(ctx, &pb.CreateServerRequest{Location: region, Name: "rich-error",
		Image: "cirros", Flavor: "m1.tiny", RequestId: rid})
	if e := expectStatus("CreateServer(rich-error)", err, codes.FailedPrecondition,
		"server rich-error went to ERROR"); e != nil {
		return e
	}
	ds, e := details("CreateServer(rich-error)", err)
	if e != nil {
		return e
	}
	if e := expect("number of status details", 3, len(ds)); e != nil {
		return e
	}
	const fault = "No valid host was found"
	var infos, resources, servers int
	for i, d := range ds {
		what := fmt.Sprintf("detail %d", i)
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			infos++
			e = expectMessage(what+" (ErrorInfo)", &errdetails.ErrorInfo{
				Reason: reason(pb.ErrorReason_ERROR_REASON_RESOURCE_IN_ERROR_STATE), Domain: errorDomain,
				Metadata: map[string]string{"cloud": "interop", "region": "RegionOne",
					"resource_type": "oaktree.v1.Server", "resource_name": richName, "request_id": rid,
					"cloud_request_id": "req-interop-1", "fault": fault}}, d)
		case *errdetails.ResourceInfo:
			resources++
			e = expectMessage(what+" (ResourceInfo)", &errdetails.ResourceInfo{
				ResourceType: "oaktree.v1.Server", ResourceName: richName,
				Owner: "project-interop", Description: fault}, d)
		case *pb.Server:
			servers++
			e = expectMessage(what+" (oaktree.v1.Server)", &pb.Server{Id: "id-rich-error", Name: "rich-error",
				Status: pb.ServerStatus_SERVER_STATUS_ERROR, ResourceName: richName, Location: region}, d)
		default:
			e = fmt.Errorf("%s: unexpected %T", what, d)
		}
		if e != nil {
			return e
		}
	}
	if infos != 1 || resources != 1 || servers != 1 {
		return fmt.Errorf("details: expected one each of ErrorInfo, ResourceInfo and oaktree.v1.Server, "+
			"got %d, %d and %d", infos, resources, servers)
	}
	return nil
}
