// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Command vectorcheck checks the Go library against the cross-language wire
// vectors (tests/vectors, written by tools/maintain/make_vectors.py): `vectorcheck DIR`
// prints one line per failure and exits 1, per tests/README.rst;
// `vectorcheck --roundtrip IN OUT` answers the differential and hostile
// records of IN (roundtrip.go). Types are looked up by name in the registry,
// so new messages need no code here.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "opendev.org/openstack/oaktreemodel/golang/oaktree/v1" // registers the types
)

type vector struct {
	Name          string          `json:"name"`
	Text          string          `json:"text"`
	Binary        string          `json:"binary"`
	JSON          json.RawMessage `json:"json"`
	UnknownBinary *string         `json:"unknown_binary"`
}

type vectorFile struct {
	Type    string   `json:"type"`
	Vectors []vector `json:"vectors"`
}

// byteDiff is "" when equal, else where the first byte differs.
func byteDiff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	n := 0
	for n < len(want) && n < len(got) && want[n] == got[n] {
		n++
	}
	show := func(b []byte) string {
		if n >= len(b) {
			return "<end>"
		}
		end := n + 8 // no min(): the module's go line (1.20) predates it
		if end > len(b) {
			end = len(b)
		}
		return fmt.Sprintf("% x", b[n:end])
	}
	return fmt.Sprintf("at byte %d of %d/%d: expected %s, got %s", n, len(want), len(got), show(want), show(got))
}

// sameJSON compares two JSON texts as values (key order, number spelling ignored).
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

func marshal(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return []byte("marshal error: " + err.Error())
	}
	return b
}

// sameBytes compares the expected bytes (C++/Python order) with what Go
// wrote, exactly, after moving only the oneof members Go writes last into
// field-number order (oneofOrder).
func sameBytes(md protoreflect.MessageDescriptor, want, got []byte) string {
	ordered, err := oneofOrder(got, md)
	if err != nil {
		return "Go's output does not parse for the oneof reorder: " + err.Error()
	}
	return byteDiff(want, ordered)
}

func checkVector(mt protoreflect.MessageType, v vector) []string {
	var out []string
	md := mt.Descriptor()
	binary, err := hex.DecodeString(v.Binary)
	if err != nil {
		return []string{"binary is not hex: " + err.Error()}
	}
	m := mt.New().Interface()
	if err := prototext.Unmarshal([]byte(v.Text), m); err != nil {
		out = append(out, "text does not parse: "+err.Error())
	} else if d := sameBytes(md, binary, marshal(m)); d != "" {
		out = append(out, "text->binary "+d)
	}
	m = mt.New().Interface()
	if err := proto.Unmarshal(binary, m); err != nil {
		return append(out, "binary does not parse: "+err.Error())
	}
	if d := sameBytes(md, binary, marshal(m)); d != "" {
		out = append(out, "binary round trip "+d)
	}
	got, err := protojson.Marshal(m)
	if err != nil || !sameJSON(v.JSON, got) {
		out = append(out, fmt.Sprintf("json: expected %.200s, got %.200s (%v)", v.JSON, got, err))
	}
	m = mt.New().Interface()
	if err := protojson.Unmarshal(v.JSON, m); err != nil {
		out = append(out, "expected json does not parse: "+err.Error())
	} else if d := sameBytes(md, binary, marshal(m)); d != "" {
		out = append(out, "json->binary "+d)
	}
	if v.UnknownBinary != nil { // fields of a newer schema must survive
		ub, err := hex.DecodeString(*v.UnknownBinary)
		m = mt.New().Interface()
		if err != nil {
			out = append(out, "unknown_binary is not hex: "+err.Error())
		} else if err := proto.Unmarshal(ub, m); err != nil {
			out = append(out, "unknown_binary does not parse: "+err.Error())
		} else if d := sameBytes(md, ub, marshal(m)); d != "" {
			out = append(out, "unknown fields round trip "+d)
		}
	}
	return out
}

// checkDir checks every vector file of dir, writing one line per failure to
// w; it returns the number of failures, files and vectors.
func checkDir(dir string, w io.Writer) (failed, files, count int) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(paths)
	fail := func(format string, a ...any) {
		failed++
		fmt.Fprintf(w, format+"\n", a...)
	}
	if len(paths) == 0 {
		fail("no vector files in %s", dir)
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		var f vectorFile
		if err == nil {
			err = json.Unmarshal(raw, &f)
		}
		if err != nil {
			fail("%s: %v", path, err)
			continue
		}
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(f.Type))
		if err != nil {
			fail("%s: type not in the Go package: %v", f.Type, err)
			continue
		}
		for _, v := range f.Vectors {
			count++
			for _, p := range checkVector(mt, v) {
				fail("%s %s: %s", f.Type, v.Name, p)
			}
		}
	}
	return failed, len(paths), count
}

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "--roundtrip":
		if err := roundtripFiles(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "vectorcheck --roundtrip:", err)
			os.Exit(1)
		}
	case len(os.Args) == 2:
		failed, files, count := checkDir(os.Args[1], os.Stdout)
		if failed > 0 {
			os.Exit(1)
		}
		fmt.Printf("golang vectors: %d files, %d vectors ok\n", files, count)
	default:
		fmt.Fprintln(os.Stderr, "usage: vectorcheck DIR | vectorcheck --roundtrip IN OUT")
		os.Exit(2)
	}
}
