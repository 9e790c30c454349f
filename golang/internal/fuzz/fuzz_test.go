// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

// Package fuzz feeds hostile bytes to the parsers of every oaktree.v1
// message (issue: hostile bytes give a clean error, never a crash or a
// hang). An input's first byte picks the message type, by index into the
// sorted full names of every oaktree.v1 message (nested ones too, map
// entries excluded); python/checks/fuzz-corpus applies the same rule to the
// corpus this fuzzer leaves. Seeds: every vector of tests/vectors.
//
// Properties, for whatever the parser accepts:
//   - binary: the deterministic encoding parses back to the same encoding;
//   - JSON: when protojson can write the message (it refuses NaN in a
//     Struct value, which JSON cannot hold), the JSON parses back and writes
//     the same JSON again.
package fuzz

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "opendev.org/openstack/oaktreemodel/golang/oaktree/v1" // registers the types
)

// messageTypes lists every oaktree.v1 message type by sorted full name.
func messageTypes(t testing.TB) []protoreflect.MessageType {
	var names []string
	var walk func(protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			names = append(names, string(m.FullName()))
			walk(m.Messages())
		}
	}
	protoregistry.GlobalFiles.RangeFilesByPackage("oaktree.v1", func(f protoreflect.FileDescriptor) bool {
		walk(f.Messages())
		return true
	})
	sort.Strings(names)
	types := make([]protoreflect.MessageType, len(names))
	for i, n := range names {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(n))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		types[i] = mt
	}
	if len(types) == 0 || len(types) > 65536 {
		t.Fatalf("%d oaktree.v1 message types", len(types))
	}
	return types
}

// pick maps an input to (type, payload): two bytes of index, big-endian,
// then the payload (two, because there are more than 256 types).
func pick(types []protoreflect.MessageType, data []byte) (protoreflect.MessageType, []byte, bool) {
	if len(data) < 2 {
		return nil, nil, false
	}
	return types[(int(data[0])<<8|int(data[1]))%len(types)], data[2:], true
}

var deterministic = proto.MarshalOptions{Deterministic: true}

func check(t *testing.T, mt protoreflect.MessageType, payload []byte) {
	name := mt.Descriptor().FullName()
	m := mt.New().Interface()
	if err := proto.Unmarshal(payload, m); err != nil {
		return // a clean error is the expected answer to most hostile bytes
	}
	first, err := deterministic.Marshal(m)
	if err != nil {
		t.Fatalf("%s: parsed, but does not marshal: %v", name, err)
	}
	again := mt.New().Interface()
	if err := proto.Unmarshal(first, again); err != nil {
		t.Fatalf("%s: its own encoding does not parse: %v", name, err)
	}
	second, err := deterministic.Marshal(again)
	if err != nil || !bytes.Equal(first, second) {
		t.Fatalf("%s: binary round trip differs (%v)\n%x\n%x", name, err, first, second)
	}
	js, err := protojson.Marshal(m)
	if err != nil {
		return // e.g. NaN in a Struct value: JSON cannot hold it (documented)
	}
	back := mt.New().Interface()
	if err := protojson.Unmarshal(js, back); err != nil {
		t.Fatalf("%s: its own JSON does not parse: %v\n%s", name, err, js)
	}
	js2, err := protojson.Marshal(back)
	if err != nil || !jsonEqual(js, js2) {
		t.Fatalf("%s: JSON round trip differs (%v)\n%s\n%s", name, err, js, js2)
	}
}

// jsonEqual compares two JSON documents as values (protojson's spacing is
// deliberately unstable).
func jsonEqual(a, b []byte) bool {
	var va, vb interface{}
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// seeds adds every vector's binary and unknown-field binary, under its type.
func seeds(f *testing.F, types []protoreflect.MessageType) int {
	index := map[protoreflect.FullName]int{}
	for i, mt := range types {
		index[mt.Descriptor().FullName()] = i
	}
	dir := filepath.Join("..", "..", "..", "tests", "vectors")
	if d := os.Getenv("OAKTREE_VECTORS"); d != "" {
		dir = d
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no vectors in %s (set OAKTREE_VECTORS): %v", dir, err)
	}
	n := 0
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		var doc struct {
			Type    string `json:"type"`
			Vectors []struct {
				Binary        string  `json:"binary"`
				UnknownBinary *string `json:"unknown_binary"`
			} `json:"vectors"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			f.Fatalf("%s: %v", path, err)
		}
		i, ok := index[protoreflect.FullName(doc.Type)]
		if !ok {
			f.Fatalf("%s: unknown type %s", path, doc.Type)
		}
		for _, v := range doc.Vectors {
			for _, h := range []*string{&v.Binary, v.UnknownBinary} {
				if h == nil {
					continue
				}
				b, err := hex.DecodeString(*h)
				if err != nil {
					f.Fatalf("%s: %v", path, err)
				}
				f.Add(append([]byte{byte(i >> 8), byte(i)}, b...))
				n++
			}
		}
	}
	return n
}

func FuzzUnmarshal(f *testing.F) {
	types := messageTypes(f)
	seeds(f, types)
	f.Fuzz(func(t *testing.T, data []byte) {
		if mt, payload, ok := pick(types, data); ok {
			check(t, mt, payload)
		}
	})
}

// deepStruct is a google.protobuf.Struct nested `depth` times through
// {"a": {struct_value: ...}}, with exact lengths, inside oaktree.v1.Selector's
// `filters` (field 2): deeper than any parser's recursion limit.
func deepStruct(depth int) []byte {
	s := []byte{}
	for i := 0; i < depth; i++ {
		value := protowire.AppendBytes(protowire.AppendTag(nil, 5, protowire.BytesType), s)
		entry := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "a")
		entry = protowire.AppendBytes(protowire.AppendTag(entry, 2, protowire.BytesType), value)
		s = protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), entry)
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), s)
}

// TestHostileInputs are the adversarial inputs of the issue, run on every
// type: each must give an error or a round-trippable message, never a
// crash or a hang.
func TestHostileInputs(t *testing.T) {
	inputs := map[string][]byte{
		"huge length prefix": {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01},
		"truncated varint":   {0x08, 0xff, 0xff},
		"invalid UTF-8":      {0x12, 0x02, 0xc3, 0x28},
		"group end alone":    {0x0c},
		"field number zero":  {0x00, 0x01},
		"oneof member twice": {0x0a, 0x00, 0x12, 0x00, 0x0a, 0x00},
		"wrong wire type":    {0x0d, 0x01, 0x02, 0x03, 0x04},
		"max field number":   {0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01},
		"64-bit length":      {0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	}
	for _, mt := range messageTypes(t) {
		for name, in := range inputs {
			in := in
			t.Run(string(mt.Descriptor().FullName())+"/"+name, func(t *testing.T) {
				check(t, mt, in)
			})
		}
	}
	selector, err := protoregistry.GlobalTypes.FindMessageByName("oaktree.v1.Selector")
	if err != nil {
		t.Fatal(err)
	}
	for _, depth := range []int{100, 20000} {
		m := selector.New().Interface()
		err := proto.Unmarshal(deepStruct(depth), m)
		if depth == 100 && err != nil {
			t.Fatalf("a Struct nested 100 deep must parse: %v", err)
		}
		if depth == 20000 && err == nil {
			t.Fatalf("a Struct nested 20,000 deep parsed: no recursion limit")
		}
	}
}
