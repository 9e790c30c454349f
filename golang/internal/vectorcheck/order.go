// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// What protobuf-go's deterministic Marshal writes, per message (measured on
// protobuf-go 1.33.0 and 1.36.12, generated and dynamicpb messages alike, and
// pinned by TestProtobufGoOrder; the source is order.LegacyFieldOrder, used by
// internal/impl/codec_message.go "to preserve compatibility with historic wire
// output"):
//
//  1. every known field that is not in a real oneof, by field number: proto3
//     `optional` fields (synthetic oneofs) are among them;
//  2. then the set member of each real oneof, oneofs in declaration order
//     (not by number: a oneof declared first with numbers 8-9 comes before one
//     declared second with 2-3);
//  3. then the unknown fields, byte for byte in the order they were read.
//
// Repeated elements keep their order and map entries are sorted by key
// (deterministic mode). C++ and Python (upb) write 1 and 2 merged by number,
// then 3. oneofOrder turns the first into the second and nothing else: the
// members of real oneofs move to their field-number place among the known
// non-oneof fields; every other byte stays where protobuf-go wrote it, so a
// wrong order of any other field still shows in a byte comparison.
//
// A field counts as known only when its number is in the descriptor and its
// wire type is one protobuf-go decodes for it (packed or not for a repeated
// scalar); any other field is an unknown field to protobuf-go, written in
// group 3, and stays there.

// wireTypeFits reports whether protobuf-go decodes wire type t as field fd
// (else it keeps the field as unknown).
func wireTypeFits(fd protoreflect.FieldDescriptor, t protowire.Type) bool {
	var want protowire.Type
	switch fd.Kind() {
	case protoreflect.BoolKind, protoreflect.EnumKind, protoreflect.Int32Kind, protoreflect.Sint32Kind,
		protoreflect.Uint32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Uint64Kind:
		want = protowire.VarintType
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		want = protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		want = protowire.Fixed64Type
	case protoreflect.GroupKind:
		want = protowire.StartGroupType
	default: // string, bytes, message
		want = protowire.BytesType
	}
	if t == want {
		return true
	}
	// a repeated scalar is accepted packed and unpacked
	return fd.IsList() && t == protowire.BytesType && want != protowire.StartGroupType
}

// oneofOrder returns b, a message of type md as protobuf-go writes it, with
// the members of real oneofs moved into field-number order at every nesting
// level (nested, repeated and map-value messages). It returns b itself when
// nothing moves, and an error naming the field when b does not parse.
func oneofOrder(b []byte, md protoreflect.MessageDescriptor) ([]byte, error) {
	out, _, err := reorder(b, md, 0)
	return out, err
}

// maxDepth bounds the walk; protobuf-go's own decoder stops at 10000 levels
// (protowire.DefaultRecursionLimit), so anything it wrote is shallower.
const maxDepth = 10001

type entry struct {
	num   protowire.Number
	oneof bool // member of a real oneof: the only kind that moves
	known bool // a field protobuf-go decoded (not an unknown field)
	raw   []byte
}

// reorder is oneofOrder; moved tells whether anything moved.
func reorder(b []byte, md protoreflect.MessageDescriptor, depth int) (out []byte, moved bool, err error) {
	if depth > maxDepth {
		return nil, false, fmt.Errorf("%s: nested deeper than %d", md.FullName(), maxDepth)
	}
	var entries []entry
	changed, oneofs := false, 0
	for rest := b; len(rest) > 0; {
		num, typ, n := protowire.ConsumeTag(rest)
		if n < 0 {
			return nil, false, fmt.Errorf("%s: bad tag: %v", md.FullName(), protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, rest[n:])
		if m < 0 {
			return nil, false, fmt.Errorf("%s field %d: %v", md.FullName(), num, protowire.ParseError(m))
		}
		e := entry{num: num, raw: rest[:n+m]}
		if fd := md.Fields().ByNumber(num); fd != nil && wireTypeFits(fd, typ) {
			e.known = true
			od := fd.ContainingOneof()
			if e.oneof = od != nil && !od.IsSynthetic(); e.oneof {
				oneofs++
			}
			if fd.Message() != nil && typ == protowire.BytesType {
				inner, _ := protowire.ConsumeBytes(rest[n:]) // cannot fail: ConsumeFieldValue passed
				got, innerMoved, err := reorder(inner, fd.Message(), depth+1)
				if err != nil {
					return nil, false, fmt.Errorf("%s.%s: %w", md.FullName(), fd.Name(), err)
				}
				if innerMoved {
					e.raw = protowire.AppendBytes(protowire.AppendTag(nil, num, typ), got)
					changed = true
				}
			}
		}
		entries = append(entries, e)
		rest = rest[n+m:]
	}
	if !changed && oneofs == 0 {
		return b, false, nil
	}
	// The oneof members, by number, each go right before the first known
	// non-oneof field (in the order written) with a larger number; those
	// with none go right after the last known non-oneof field.
	var members, others []int
	lastKnown := -1
	for i, e := range entries {
		if e.oneof {
			members = append(members, i)
			continue
		}
		if e.known {
			lastKnown = len(others)
		}
		others = append(others, i)
	}
	sort.SliceStable(members, func(i, j int) bool { return entries[members[i]].num < entries[members[j]].num })
	order := make([]int, 0, len(entries))
	flush := func(below protowire.Number, all bool) {
		for len(members) > 0 && (all || entries[members[0]].num < below) {
			order = append(order, members[0])
			members = members[1:]
		}
	}
	if lastKnown < 0 {
		flush(0, true)
	}
	for i, k := range others {
		if entries[k].known {
			flush(entries[k].num, false)
		}
		order = append(order, k)
		if i == lastKnown {
			flush(0, true)
		}
	}
	if !changed {
		same := true
		for i, k := range order {
			same = same && i == k
		}
		if same { // nothing moved here or below: b is the answer, uncopied
			return b, false, nil
		}
	}
	out = make([]byte, 0, len(b))
	for _, k := range order {
		out = append(out, entries[k].raw...)
	}
	return out, true, nil
}
