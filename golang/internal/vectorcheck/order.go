// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// byNumber rewrites an encoded message with its fields in field-number order
// at every nesting level (a stable sort, so repeated fields and map entries
// keep their order). protobuf-go marshals the members of a real oneof after
// all other fields ("historic wire output", internal/impl/codec_message.go),
// while C++ and Python write field-number order; deterministic encoding is
// not canonical across languages. Comparing after byNumber still catches
// every difference in values, encodings and element order. It returns nil
// when b does not parse as md.
func byNumber(b []byte, md protoreflect.MessageDescriptor) []byte {
	type field struct {
		num protowire.Number
		raw []byte
	}
	var fields []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil
		}
		raw := b[:n+m]
		if fd := md.Fields().ByNumber(num); fd != nil && typ == protowire.BytesType && fd.Message() != nil {
			inner, _ := protowire.ConsumeBytes(b[n:])
			sorted := byNumber(inner, fd.Message())
			if sorted == nil {
				return nil
			}
			raw = protowire.AppendBytes(protowire.AppendTag(nil, num, typ), sorted)
		}
		fields = append(fields, field{num, raw})
		b = b[n+m:]
	}
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].num < fields[j].num })
	out := []byte{}
	for _, f := range fields {
		out = append(out, f.raw...)
	}
	return out
}
