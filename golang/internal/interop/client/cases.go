// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
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
	authMessage      = "missing or wrong x-auth-token"
)

func expect[T comparable](what string, want, got T) error {
	if want != got {
		return fmt.Errorf("%s: expected %v, got %v", what, want, got)
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
		return e
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
		codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL", codes.Unknown: "UNKNOWN"}
	if n, ok := names[c]; ok {
		return n
	}
	return c.String()
}

func (c *cases) unary() error {
	resp, err := c.compute.GetServer(c.ctx(), &pb.GetServerRequest{NameOrId: "server-42"})
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
	return expect("server.status", "SERVER_STATUS_ACTIVE", s.GetStatus().String())
}

func (c *cases) auth() error {
	req := &pb.GetServerRequest{NameOrId: "server-42"}
	wrong := metadata.AppendToOutgoingContext(context.Background(), "x-auth-token", "wrong-token")
	_, err := c.compute.GetServer(wrong, req)
	if e := expectStatus("wrong token", err, codes.Unauthenticated, authMessage); e != nil {
		return e
	}
	_, err = c.compute.GetServer(context.Background(), req)
	return expectStatus("no token", err, codes.Unauthenticated, authMessage)
}

func (c *cases) notFound() error {
	_, err := c.compute.GetServer(c.ctx(), &pb.GetServerRequest{NameOrId: "missing-1"})
	return expectStatus("GetServer(missing-1)", err, codes.NotFound, "no server matches missing-1")
}

// deadline retries an attempt that ends CANCELLED, at most deadlineAttempts
// times, as every client does (why: the deadline case in
// tests/interop/README.rst).
func (c *cases) deadline() error {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(c.ctx(), 300*time.Millisecond)
		_, err := c.compute.GetServer(ctx, &pb.GetServerRequest{NameOrId: "slow"})
		cancel()
		e := expectStatus(fmt.Sprintf("GetServer(slow) with 300 ms deadline, attempt %d", attempt),
			err, codes.DeadlineExceeded, "")
		if e == nil || status.Code(err) != codes.Canceled || attempt == deadlineAttempts {
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

func (c *cases) serverStream() error {
	req, err := listRequest("bulk-*", map[string]any{"count": streamCount, "padding": padding})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx(), 120*time.Second)
	defer cancel()
	stream, err := c.compute.ListServers(ctx, req)
	if err != nil {
		return err
	}
	n, total := 0, 0
	for {
		resp, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("after %d messages: %w", n, err)
		}
		s := resp.GetServer()
		if e := expect(fmt.Sprintf("message %d name", n), fmt.Sprintf("bulk-%05d", n), s.GetName()); e != nil {
			return e
		}
		pad := s.GetProperties().GetFields()["padding"].GetStringValue()
		if e := expect(fmt.Sprintf("message %d padding length", n), padding, len(pad)); e != nil {
			return e
		}
		n++
		total += proto.Size(resp)
	}
	if e := expect("messages received", streamCount, n); e != nil {
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
	ctx, cancel := context.WithTimeout(c.ctx(), 120*time.Second)
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
	ctx, cancel := context.WithTimeout(c.ctx(), 120*time.Second)
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
	ctx, cancel := context.WithCancel(c.ctx())
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
		resp, err := c.compute.GetServer(c.ctx(), &pb.GetServerRequest{NameOrId: "cancelled?" + tag})
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
