// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	v1 "opendev.org/openstack/oaktreemodel/golang/oaktree/v1"
)

// testMessage is exp.M, made for the order rule:
//
//	message M {
//	  string a = 1;
//	  oneof late { string l8 = 8; M l9 = 9; }    // declared first, high numbers
//	  oneof early { string e2 = 2; M e3 = 3; }   // declared second, low numbers
//	  optional string o4 = 4;                    // a synthetic oneof
//	  string b = 5;
//	  string c = 10;
//	  M child = 11;
//	  repeated M kids = 12;
//	  map<string, M> byname = 13;
//	}
func testMessage(t testing.TB) protoreflect.MessageDescriptor {
	s, i := proto.String, proto.Int32
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	f := func(num int32, name string, typ *descriptorpb.FieldDescriptorProto_Type, label *descriptorpb.FieldDescriptorProto_Label, oneof *int32) *descriptorpb.FieldDescriptorProto {
		fd := &descriptorpb.FieldDescriptorProto{Name: s(name), JsonName: s(name), Number: i(num), Type: typ, Label: label, OneofIndex: oneof}
		if typ == msg {
			fd.TypeName = s(".exp.M")
		}
		return fd
	}
	o4 := f(4, "o4", str, opt, i(2))
	o4.Proto3Optional = proto.Bool(true)
	byname := f(13, "byname", msg, rep, nil)
	byname.TypeName = s(".exp.M.BynameEntry")
	fdp := &descriptorpb.FileDescriptorProto{
		Name: s("exp/order_test.proto"), Package: s("exp"), Syntax: s("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: s("M"),
			Field: []*descriptorpb.FieldDescriptorProto{
				f(1, "a", str, opt, nil), f(2, "e2", str, opt, i(1)), f(3, "e3", msg, opt, i(1)), o4,
				f(5, "b", str, opt, nil), f(8, "l8", str, opt, i(0)), f(9, "l9", msg, opt, i(0)),
				f(10, "c", str, opt, nil), f(11, "child", msg, opt, nil), f(12, "kids", msg, rep, nil), byname,
			},
			OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: s("late")}, {Name: s("early")}, {Name: s("_o4")}},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name:    s("BynameEntry"),
				Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
				Field:   []*descriptorpb.FieldDescriptorProto{f(1, "key", str, opt, nil), f(2, "value", msg, opt, nil)},
			}},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().Get(0)
}

// shape prints the field numbers of an encoding, descending into known
// message fields: "1 4 11{2 5} 7".
func shape(t testing.TB, b []byte, md protoreflect.MessageDescriptor) string {
	var parts []string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if n < 0 || m < 0 {
			t.Fatalf("bad encoding %x", b)
		}
		part := fmt.Sprint(num)
		if fd := md.Fields().ByNumber(num); fd != nil && fd.Message() != nil && typ == protowire.BytesType {
			inner, _ := protowire.ConsumeBytes(b[n:])
			part += "{" + shape(t, inner, fd.Message()) + "}"
		}
		parts = append(parts, part)
		b = b[n+m:]
	}
	return strings.Join(parts, " ")
}

// unknown is fields 7 then 6, numbers exp.M does not have.
func unknown() []byte {
	var b []byte
	b = protowire.AppendVarint(protowire.AppendTag(b, 7, protowire.VarintType), 1)
	return protowire.AppendVarint(protowire.AppendTag(b, 6, protowire.VarintType), 1)
}

// fill sets every field of exp.M, in a shuffled order, and the unknown fields.
func fill(md protoreflect.MessageDescriptor, depth int) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	set := func(n protoreflect.FieldNumber, v protoreflect.Value) { m.Set(md.Fields().ByNumber(n), v) }
	str := protoreflect.ValueOfString
	for _, n := range []protoreflect.FieldNumber{10, 5, 4, 1} {
		set(n, str("x"))
	}
	if depth == 0 {
		set(8, str("late"))
		set(2, str("early"))
	} else {
		set(9, protoreflect.ValueOfMessage(fill(md, depth-1)))
		set(3, protoreflect.ValueOfMessage(fill(md, depth-1)))
		set(11, protoreflect.ValueOfMessage(fill(md, depth-1)))
		kids := m.Mutable(md.Fields().ByNumber(12)).List()
		kids.Append(protoreflect.ValueOfMessage(fill(md, depth-1)))
		kids.Append(protoreflect.ValueOfMessage(fill(md, depth-1)))
		byname := m.Mutable(md.Fields().ByNumber(13)).Map()
		byname.Set(protoreflect.ValueOfString("k").MapKey(), protoreflect.ValueOfMessage(fill(md, depth-1)))
	}
	m.SetUnknown(unknown())
	return m
}

// TestProtobufGoOrder pins what protobuf-go writes (the rule in order.go): if
// a protobuf-go release changes it, this fails and order.go must follow.
func TestProtobufGoOrder(t *testing.T) {
	md := testMessage(t)
	b, err := deterministic.Marshal(fill(md, 0))
	if err != nil {
		t.Fatal(err)
	}
	// known non-oneof by number (4 is proto3 optional), then oneof "late"
	// (declared first: 8), then "early" (2), then the unknown fields as read
	if got, want := shape(t, b, md), "1 4 5 10 8 2 7 6"; got != want {
		t.Errorf("dynamic exp.M: protobuf-go wrote %q, order.go assumes %q", got, want)
	}
	// the generated (fast) path: oaktree.v1.RoleGrant, role=1, oneof
	// assignee {user=2, group=3}, optional project=4, optional domain=5
	g := &v1.RoleGrant{Role: "r", Assignee: &v1.RoleGrant_Group{Group: "g"}, Project: proto.String(""), Domain: proto.String("d")}
	g.ProtoReflect().SetUnknown(unknown())
	if b, err = deterministic.Marshal(g); err != nil {
		t.Fatal(err)
	}
	if got, want := shape(t, b, g.ProtoReflect().Descriptor()), "1 4 5 3 7 6"; got != want {
		t.Errorf("RoleGrant: protobuf-go wrote %q, order.go assumes %q", got, want)
	}
}

// (b) the oneof members move into number order, at every level: nested,
// oneof-member, repeated and map-value messages; unknown fields stay last.
func TestOneofOrderMovesMembers(t *testing.T) {
	md := testMessage(t)
	msg := fill(md, 1)
	b, err := deterministic.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	leaf := "1 2 4 5 8 10 7 6"
	want := fmt.Sprintf("1 3{%s} 4 5 9{%s} 10 11{%s} 12{%s} 12{%s} 13{1 2{%s}} 7 6", leaf, leaf, leaf, leaf, leaf, leaf)
	got, err := oneofOrder(b, md)
	if err != nil {
		t.Fatal(err)
	}
	if s := shape(t, got, md); s != want {
		t.Errorf("after oneofOrder:\n got %s\nwant %s\n(protobuf-go wrote %s)", s, want, shape(t, b, md))
	}
	back := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(got, back); err != nil || !proto.Equal(back, msg) {
		t.Errorf("the reordered bytes are not the same message (%v)", err)
	}
	if len(got) != len(b) {
		t.Errorf("length changed: %d -> %d", len(b), len(got))
	}

	// The generated type: RoleGrant inside GrantRoleRequest.
	req := &v1.GrantRoleRequest{Grant: &v1.RoleGrant{Role: "r", Assignee: &v1.RoleGrant_User{User: "u"}, Domain: proto.String("d")}}
	b, _ = deterministic.Marshal(req)
	if got, err = oneofOrder(b, req.ProtoReflect().Descriptor()); err != nil {
		t.Fatal(err)
	}
	if s := shape(t, got, req.ProtoReflect().Descriptor()); s != "2{1 2 5}" {
		t.Errorf("GrantRoleRequest: got %s, want 2{1 2 5}", s)
	}
}

// enc writes fields given as number/string pairs, in the order given.
func enc(pairs ...any) []byte {
	var b []byte
	for i := 0; i < len(pairs); i += 2 {
		n := protowire.Number(pairs[i].(int))
		switch v := pairs[i+1].(type) {
		case string:
			b = protowire.AppendString(protowire.AppendTag(b, n, protowire.BytesType), v)
		case []byte: // a nested message
			b = protowire.AppendBytes(protowire.AppendTag(b, n, protowire.BytesType), v)
		case uint64:
			b = protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
		}
	}
	return b
}

// (a) nothing but a oneof member moves: a wrong order of any other field
// survives the reorder, so the exact comparison reports it.
func TestOneofOrderMovesNothingElse(t *testing.T) {
	grant := (&v1.RoleGrant{}).ProtoReflect().Descriptor()
	request := (&v1.GrantRoleRequest{}).ProtoReflect().Descriptor()
	cases := []struct {
		name string
		md   protoreflect.MessageDescriptor
		want []byte // number order
		bad  []byte // a non-oneof field out of order
	}{
		{"plain field after proto3 optional", grant, enc(1, "r", 4, "p"), enc(4, "p", 1, "r")},
		{"two proto3 optional fields swapped", grant, enc(4, "p", 5, "d"), enc(5, "d", 4, "p")},
		{"nested", request, enc(2, enc(1, "r", 4, "p")), enc(2, enc(4, "p", 1, "r"))},
		{"oneof member in place, others swapped", grant, enc(1, "r", 2, "u", 4, "p", 5, "d"), enc(1, "r", 2, "u", 5, "d", 4, "p")},
		// field 2 (user, a string) as a varint is an unknown field to
		// protobuf-go, written after everything: it must not move
		{"oneof number with a wrong wire type", grant, enc(2, uint64(1), 1, "r"), enc(1, "r", 2, uint64(1))},
		{"unknown field before a known one", grant, enc(1, "r", 7, uint64(1)), enc(7, uint64(1), 1, "r")},
	}
	for _, c := range cases {
		got, err := oneofOrder(c.bad, c.md)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(got, c.bad) {
			t.Errorf("%s: oneofOrder changed %x to %x", c.name, c.bad, got)
		}
		if d := sameBytes(c.md, c.want, c.bad); d == "" {
			t.Errorf("%s: the comparison passed %x against %x", c.name, c.bad, c.want)
		}
		if d := sameBytes(c.md, c.want, c.want); d != "" {
			t.Errorf("%s: the comparison failed on equal bytes: %s", c.name, d)
		}
	}
	// Unknown fields stay after the moved member, in their order.
	got, _ := oneofOrder(enc(1, "r", 4, "p", 3, "g", 7, uint64(1), 6, uint64(1)), grant)
	if want := enc(1, "r", 3, "g", 4, "p", 7, uint64(1), 6, uint64(1)); !bytes.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}
	// A member with no larger known field goes right after the last known
	// field, before the unknown ones.
	got, _ = oneofOrder(enc(1, "r", 3, "g", 7, uint64(1)), grant)
	if want := enc(1, "r", 3, "g", 7, uint64(1)); !bytes.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}
	// Bytes that are not a message are an error, not a silent pass.
	if _, err := oneofOrder([]byte{0x0a, 0x05, 'a'}, grant); err == nil {
		t.Error("a truncated field was accepted")
	}
}
