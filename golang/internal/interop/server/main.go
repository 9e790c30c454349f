// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Command server is the Go interop test server (test code only; the protocol
// is described in tests/interop/README.rst).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

const authMessage = "missing or wrong x-auth-token"

type state struct {
	token     string
	mu        sync.Mutex
	cancelled map[string]bool // tags of ListServers streams seen cancelled
}

func (s *state) authorize(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("x-auth-token"); len(v) != 1 || v[0] != s.token {
		return status.Error(codes.Unauthenticated, authMessage)
	}
	return nil
}

type compute struct {
	pb.UnimplementedComputeServiceServer
	*state
}

func (c *compute) GetServer(ctx context.Context, req *pb.GetServerRequest) (*pb.GetServerResponse, error) {
	if err := c.authorize(ctx); err != nil {
		return nil, err
	}
	name := req.GetNameOrId()
	switch {
	case name == "slow": // far past the client's deadline, unless cancelled
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
		return nil, status.Error(codes.DeadlineExceeded, "slow server")
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
			Metadata: map[string]string{"server-language": "golang"},
		}}, nil
	}
	return nil, status.Error(codes.NotFound, "no server matches "+name)
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
			err := stream.Send(&pb.ListServersResponse{Server: &pb.Server{Name: fmt.Sprintf("%s-%d", name, i)}})
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
		if err := stream.Send(&pb.ListServersResponse{Server: s}); err != nil {
			return err
		}
	}
	return nil
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

func main() {
	token := flag.String("token", "", "the x-auth-token clients must send")
	flag.Parse()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	st := &state{token: *token, cancelled: map[string]bool{}}
	srv := grpc.NewServer()
	pb.RegisterComputeServiceServer(srv, &compute{state: st})
	pb.RegisterImageServiceServer(srv, &image{state: st})
	fmt.Printf("PORT=%d\n", lis.Addr().(*net.TCPAddr).Port)
	log.Fatal(srv.Serve(lis)) // until the driver kills us
}
