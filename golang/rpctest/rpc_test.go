// Package rpctest proves the checked-in Go package works end to end: a real
// gRPC server on a 127.0.0.1 listener (OS-chosen port) and the generated
// client stub, for a unary call, a server stream, a client stream and errors.
package rpctest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	oaktreev1 "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

const listed = 5000

type compute struct {
	oaktreev1.UnimplementedComputeServiceServer
}

func (compute) GetServer(_ context.Context, req *oaktreev1.GetServerRequest) (*oaktreev1.GetServerResponse, error) {
	if req.GetNameOrId() != "web-1" {
		return nil, status.Errorf(codes.NotFound, "no server %s", req.GetNameOrId())
	}
	props, err := structpb.NewStruct(map[string]any{"locked": true, "tags": []any{"a", "b"}})
	if err != nil {
		return nil, err
	}
	region := "RegionOne"
	return &oaktreev1.GetServerResponse{Server: &oaktreev1.Server{
		Id: "0001", Name: "web-1", Status: oaktreev1.ServerStatus_SERVER_STATUS_ACTIVE,
		Location:   &oaktreev1.Location{Cloud: req.GetLocation().GetCloud(), RegionName: &region},
		Properties: props,
	}}, nil
}

func (compute) ListServers(req *oaktreev1.ListServersRequest, stream grpc.ServerStreamingServer[oaktreev1.ListServersResponse]) error {
	for i := 0; i < listed; i++ {
		s := &oaktreev1.Server{Name: fmt.Sprintf("server-%d", i), Location: req.GetLocation()}
		if err := stream.Send(&oaktreev1.ListServersResponse{Server: s}); err != nil {
			return err
		}
	}
	return nil
}

type images struct {
	oaktreev1.UnimplementedImageServiceServer
}

func (images) UploadImage(stream grpc.ClientStreamingServer[oaktreev1.UploadImageRequest, oaktreev1.UploadImageResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	meta := first.GetMetadata()
	if meta == nil {
		return status.Error(codes.InvalidArgument, "first message must carry metadata")
	}
	h := sha256.New()
	var size int64
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		h.Write(msg.GetChunk())
		size += int64(len(msg.GetChunk()))
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != meta.GetSha256() {
		return status.Errorf(codes.DataLoss, "sha256 %s, expected %s", got, meta.GetSha256())
	}
	return stream.SendAndClose(&oaktreev1.UploadImageResponse{Image: &oaktreev1.Image{Name: meta.GetName(), Size: size}})
}

func dial(t *testing.T) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	oaktreev1.RegisterComputeServiceServer(srv, compute{})
	oaktreev1.RegisterImageServiceServer(srv, images{})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestGetServer(t *testing.T) {
	c := oaktreev1.NewComputeServiceClient(dial(t))
	resp, err := c.GetServer(context.Background(), &oaktreev1.GetServerRequest{
		NameOrId: "web-1", Location: &oaktreev1.Location{Cloud: "mycloud"}})
	if err != nil {
		t.Fatalf("GetServer: %v", err)
	}
	s := resp.GetServer()
	if s.GetName() != "web-1" || s.GetStatus() != oaktreev1.ServerStatus_SERVER_STATUS_ACTIVE ||
		s.GetLocation().GetCloud() != "mycloud" || s.GetLocation().GetRegionName() != "RegionOne" {
		t.Errorf("unexpected server %v", s)
	}
	if got := s.GetProperties().AsMap()["tags"]; fmt.Sprint(got) != "[a b]" {
		t.Errorf("properties lost JSON types: tags = %v", got)
	}
}

func TestGetServerNotFound(t *testing.T) {
	c := oaktreev1.NewComputeServiceClient(dial(t))
	_, err := c.GetServer(context.Background(), &oaktreev1.GetServerRequest{NameOrId: "nope"})
	if st := status.Convert(err); st.Code() != codes.NotFound || st.Message() != "no server nope" {
		t.Errorf("want NotFound 'no server nope', got %v", err)
	}
}

func TestListServersStream(t *testing.T) {
	c := oaktreev1.NewComputeServiceClient(dial(t))
	stream, err := c.ListServers(context.Background(), &oaktreev1.ListServersRequest{})
	if err != nil {
		t.Fatalf("ListServers: %v", err)
	}
	n := 0
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d messages: %v", n, err)
		}
		if want := fmt.Sprintf("server-%d", n); msg.GetServer().GetName() != want {
			t.Fatalf("message %d is %q, want %q", n, msg.GetServer().GetName(), want)
		}
		n++
	}
	if n != listed {
		t.Errorf("got %d servers, want %d", n, listed)
	}
}

func TestUploadImageClientStream(t *testing.T) {
	c := oaktreev1.NewImageServiceClient(dial(t))
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	sum := sha256.Sum256(data)
	for _, tc := range []struct {
		name, sha string
		want      codes.Code
	}{
		{"right checksum", hex.EncodeToString(sum[:]), codes.OK},
		{"wrong checksum", "00", codes.DataLoss},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream, err := c.UploadImage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			meta := &oaktreev1.ImageUploadMetadata{Name: "img", Sha256: tc.sha, Size: int64(len(data))}
			if err := stream.Send(&oaktreev1.UploadImageRequest{Content: &oaktreev1.UploadImageRequest_Metadata{Metadata: meta}}); err != nil {
				t.Fatal(err)
			}
			for off := 0; off < len(data); off += 64 << 10 {
				chunk := data[off:min(off+64<<10, len(data))]
				if err := stream.Send(&oaktreev1.UploadImageRequest{Content: &oaktreev1.UploadImageRequest_Chunk{Chunk: chunk}}); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := stream.CloseAndRecv()
			if status.Code(err) != tc.want {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
			if tc.want == codes.OK && resp.GetImage().GetSize() != int64(len(data)) {
				t.Errorf("server counted %d bytes, sent %d", resp.GetImage().GetSize(), len(data))
			}
		})
	}
}

func TestUnimplemented(t *testing.T) {
	c := oaktreev1.NewImageServiceClient(dial(t))
	stream, err := c.DownloadImage(context.Background(), &oaktreev1.DownloadImageRequest{NameOrId: "x"})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("want Unimplemented, got %v", err)
	}
}
