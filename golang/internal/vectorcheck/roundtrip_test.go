// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

type answerLine struct {
	Binary         *string         `json:"binary"`
	JSON           json.RawMessage `json:"json"`
	Error          *string         `json:"error"`
	JSONBinary     *string         `json:"json_binary"`
	JSONError      *string         `json:"json_error"`
	JSONWriteError *string         `json:"json_write_error"`
}

// run answers records (JSON Lines) and parses the answers.
func run(t *testing.T, records ...string) []answerLine {
	t.Helper()
	var out bytes.Buffer
	if err := roundtrip(strings.NewReader(strings.Join(records, "\n")+"\n"), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(records) {
		t.Fatalf("%d records, %d answers:\n%s", len(records), len(lines), out.String())
	}
	answers := make([]answerLine, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &answers[i]); err != nil {
			t.Fatalf("answer %d is not JSON: %v: %.300s", i+1, err, l)
		}
		if a := answers[i]; a.Error != nil && strings.HasPrefix(*a.Error, "panic") {
			t.Errorf("record %d made the runtime panic: %s", i+1, *a.Error)
		}
	}
	return answers
}

func rec(typ string, b []byte) string {
	return fmt.Sprintf(`{"type": %q, "binary": %q}`, typ, hex.EncodeToString(b))
}

func varints(tag []byte, vs ...uint64) []byte {
	for _, v := range vs {
		tag = protowire.AppendVarint(tag, v)
	}
	return tag
}

// nestedStruct is a google.protobuf.Struct nested depth levels through
// Value.struct_value ({"k": {"k": ...}}), 3 message levels each, as
// tests/differential/hostile.py makes it.
func nestedStruct(depth int) []byte {
	// Inside out, lengths only (copying the whole inner message at every
	// level would be quadratic), then the headers outside in.
	type lens struct{ value, entry, data int }
	ls := make([]lens, depth)
	data := 0
	for i := 0; i < depth; i++ {
		value := 1 + protowire.SizeVarint(uint64(data)) + data       // Value.struct_value
		entry := 3 + 1 + protowire.SizeVarint(uint64(value)) + value // key "k", value
		ls[i] = lens{value, entry, data}
		data = 1 + protowire.SizeVarint(uint64(entry)) + entry // Struct.fields
	}
	out := make([]byte, 0, data)
	for i := depth - 1; i >= 0; i-- {
		out = protowire.AppendVarint(protowire.AppendTag(out, 1, protowire.BytesType), uint64(ls[i].entry))
		out = protowire.AppendString(protowire.AppendTag(out, 1, protowire.BytesType), "k")
		out = protowire.AppendVarint(protowire.AppendTag(out, 2, protowire.BytesType), uint64(ls[i].value))
		out = protowire.AppendVarint(protowire.AppendTag(out, 5, protowire.BytesType), uint64(ls[i].data))
	}
	return out
}

func TestRoundtripAnswers(t *testing.T) {
	ok := enc(1, "r", 4, "p", 3, "g")
	a := run(t,
		rec("oaktree.v1.RoleGrant", ok),
		`{"type": "oaktree.v1.RoleGrant", "binary": "", "json": {"role": "r", "group": "g", "project": "p"}}`,
		`{"type": "oaktree.v1.NoSuchType", "binary": "", "json": {}}`,
		`{"type": "oaktree.v1.RoleGrant", "binary": "0g"}`,
		`not a record`,
		`{"type": "oaktree.v1.RoleGrant", "binary": "", "json": {"nosuchfield": 1}}`,
	)
	want := enc(1, "r", 3, "g", 4, "p") // the oneof member in number order
	if a[0].Binary == nil || *a[0].Binary != hex.EncodeToString(want) || !sameJSON(a[0].JSON, []byte(`{"role":"r","group":"g","project":"p"}`)) {
		t.Errorf("valid record: %+v", a[0])
	}
	if a[1].JSONBinary == nil || *a[1].JSONBinary != hex.EncodeToString(want) || a[1].Binary == nil || *a[1].Binary != "" {
		t.Errorf("record with json: %+v", a[1])
	}
	if a[2].Error == nil || a[2].JSONError == nil || !strings.Contains(*a[2].Error, "oaktree.v1.NoSuchType") {
		t.Errorf("unknown type: %+v", a[2])
	}
	if a[3].Error == nil || !strings.Contains(*a[3].Error, "not hex") {
		t.Errorf("bad hex: %+v", a[3])
	}
	if a[4].Error == nil {
		t.Errorf("a line that is not a record: %+v", a[4])
	}
	if a[5].JSONError == nil || a[5].Binary == nil {
		t.Errorf("unknown JSON key: %+v", a[5])
	}
}

// Hostile bytes: each is answered (never a crash), accepted or refused as
// golang/README.md says.
func TestRoundtripHostile(t *testing.T) {
	const grant, strct = "oaktree.v1.RoleGrant", "google.protobuf.Struct"
	tag := func(n protowire.Number, w protowire.Type) []byte { return protowire.AppendTag(nil, n, w) }
	cases := []struct {
		name   string
		record string
		accept bool
		binary string // the answer's binary when accepted ("" = not checked)
	}{
		{"huge length 2^31-1", rec(grant, append(varints(tag(1, protowire.BytesType), 1<<31-1), "abc"...)), false, ""},
		{"huge length 2^32", rec(grant, append(varints(tag(1, protowire.BytesType), 1<<32), "abc"...)), false, ""},
		{"huge length 2^63", rec(grant, append(varints(tag(1, protowire.BytesType), 1<<63), "abc"...)), false, ""},
		{"huge length 2^64-1", rec(grant, append(varints(tag(1, protowire.BytesType), 1<<64-1), "abc"...)), false, ""},
		{"huge length of a message", rec("oaktree.v1.GrantRoleRequest", append(varints(tag(2, protowire.BytesType), 1<<62), 0x0a, 0x00)), false, ""},
		{"overlong varint", rec(grant, append(tag(1, protowire.VarintType), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"...)), false, ""},
		{"field zero", rec(grant, []byte("\x02\x01a")), false, ""},
		{"truncated", rec(grant, enc(1, "role")[:4]), false, ""},
		{"invalid UTF-8 in a string", rec(grant, enc(1, "\xc3\x28")), false, ""},
		{"surrogate in a string", rec(grant, enc(1, "\xed\xa0\x80")), false, ""},
		{"invalid UTF-8 in a Struct key", rec(strct, enc(1, enc(1, "\xff", 2, enc(4, "x")))), false, ""},
		{"invalid UTF-8 in an unknown field", rec(grant, enc(9, "\xff")), true, hex.EncodeToString(enc(9, "\xff"))},
		{"Struct nested 150 levels", rec(strct, nestedStruct(150)), true, hex.EncodeToString(nestedStruct(150))},
		{"Struct nested 3333 levels (10000 message levels)", rec(strct, nestedStruct(3333)), true, ""},
		{"Struct nested 3334 levels", rec(strct, nestedStruct(3334)), false, ""},
		{"Struct nested 100000 levels", rec(strct, nestedStruct(100000)), false, ""},
		{"duplicate oneof members: the last wins", rec(grant, enc(2, "u", 3, "g")), true, hex.EncodeToString(enc(3, "g"))},
		{"wrong wire type: kept as unknown, last", rec(grant, enc(2, uint64(7), 1, "r")), true, hex.EncodeToString(enc(1, "r", 2, uint64(7)))},
		{"unknown group", rec(grant, []byte{0x4b, 0x08, 0x05, 0x4c}), true, "4b08054c"},
	}
	records := make([]string, len(cases))
	for i, c := range cases {
		records[i] = c.record
	}
	for i, a := range run(t, records...) {
		c := cases[i]
		if accepted := a.Error == nil; accepted != c.accept {
			t.Errorf("%s: accepted=%v, want %v (%+v)", c.name, accepted, c.accept, a)
		} else if c.accept && c.binary != "" && (a.Binary == nil || *a.Binary != c.binary) {
			t.Errorf("%s: binary %v, want %s", c.name, a.Binary, c.binary)
		}
	}
	if deep := run(t, rec(strct, nestedStruct(100000)))[0]; !strings.Contains(*deep.Error, "recursion depth") {
		t.Errorf("100000 levels: %s", *deep.Error)
	}
}

// Messages that parse but have no proto3 JSON keep their binary answer.
func TestRoundtripNoJSON(t *testing.T) {
	emptyValue := enc(1, enc(1, "k", 2, []byte{})) // Struct {"k": Value with no kind}
	farTimestamp := varints(tag8(), 1<<40)         // Timestamp.seconds far past year 9999
	a := run(t, rec("google.protobuf.Struct", emptyValue), rec("google.protobuf.Timestamp", farTimestamp))
	for i, want := range [][]byte{emptyValue, farTimestamp} {
		if a[i].Binary == nil || *a[i].Binary != hex.EncodeToString(want) || a[i].JSONWriteError == nil || a[i].JSON != nil {
			t.Errorf("record %d: %+v", i+1, a[i])
		}
	}
}

func tag8() []byte { return protowire.AppendTag(nil, 1, protowire.VarintType) }

// protojson reads "NaN" as math.NaN(), 0x7ff8000000000001; C++ and Python
// write 0x7ff8000000000000 (golang/README.md). Pinned, not hidden.
func TestRoundtripNaNBits(t *testing.T) {
	a := run(t, `{"type": "oaktree.v1.ComputeUsage", "binary": "", "json": {"totalVcpusUsage": "NaN"}}`)
	if a[0].JSONBinary == nil || *a[0].JSONBinary != "a901010000000000f87f" {
		t.Errorf("NaN: %+v", a[0])
	}
}
