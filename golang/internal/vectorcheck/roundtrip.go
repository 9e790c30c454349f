// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The --roundtrip mode (tests/README.rst, "Differential and hostile
// inputs"): one answer line per JSON Lines record, in order, streaming.
//
// Parsing uses the runtime's defaults: proto.Unmarshal (unknown fields kept,
// nesting limited to protowire.DefaultRecursionLimit, 10000 levels; proto3
// strings must be valid UTF-8) and protojson.Unmarshal (the same limit;
// unknown JSON keys are an error). Writing: proto.MarshalOptions{
// Deterministic: true}, then oneofOrder (order.go), and protojson.Marshal,
// whose whitespace protobuf-go randomizes on purpose: it is compacted here.

type record struct {
	Type   string          `json:"type"`
	Binary string          `json:"binary"`
	JSON   json.RawMessage `json:"json"` // nil when the record has none
}

var deterministic = proto.MarshalOptions{Deterministic: true}

// quote is a JSON string; invalid UTF-8 in a runtime message becomes U+FFFD.
func quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// writeBinary writes a message as the contract's hex: deterministic, oneof
// members in field-number order.
func writeBinary(m proto.Message) (string, error) {
	b, err := deterministic.Marshal(m)
	if err != nil {
		return "", err
	}
	if b, err = oneofOrder(b, m.ProtoReflect().Descriptor()); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// answer appends the answer line (without newline) to one record line.
func answer(out []byte, line []byte) (res []byte) {
	start := len(out)
	defer func() {
		// Last resort only: no input is known to make protobuf-go panic, but
		// the contract is that the program never dies on a record. A panic
		// is reported on stderr and answered as an error that says so.
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "vectorcheck --roundtrip: panic on a record: %v\n", p)
			res = append(append(out[:start], `{"error":`...), quote(fmt.Sprintf("panic: %v", p))...)
			res = append(res, '}')
		}
	}()
	var rec record
	if err := json.Unmarshal(line, &rec); err != nil {
		out = append(out, `{"error":`...)
		return append(append(out, quote("the record is not a JSON object of the contract: "+err.Error())...), '}')
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(rec.Type))
	if err != nil {
		msg := quote("unknown type " + rec.Type + ": " + err.Error())
		out = append(append(append(out, `{"error":`...), msg...), '}')
		if rec.JSON != nil {
			out = append(append(append(out[:len(out)-1], `,"json_error":`...), msg...), '}')
		}
		return out
	}
	out = append(out, '{')
	m := mt.New().Interface()
	if err := binaryAnswer(&out, m, rec.Binary); err != nil {
		out = append(append(out, `"error":`...), quote(err.Error())...)
	}
	if rec.JSON != nil {
		if len(out) > start+1 {
			out = append(out, ',')
		}
		m = mt.New().Interface()
		err := protojson.Unmarshal(rec.JSON, m)
		var h string
		if err == nil {
			h, err = writeBinary(m)
		}
		if err != nil {
			out = append(append(out, `"json_error":`...), quote(err.Error())...)
		} else {
			out = append(append(append(out, `"json_binary":"`...), h...), '"')
		}
	}
	return append(out, '}')
}

// binaryAnswer appends `"binary":"<hex>","json":<value>` for the record's
// hex (or "json_write_error" in place of "json"), or returns why the binary
// does not parse (then nothing was appended).
func binaryAnswer(out *[]byte, m proto.Message, hexBinary string) error {
	b, err := hex.DecodeString(hexBinary)
	if err != nil {
		return fmt.Errorf("the record's binary is not hex: %v", err)
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return err
	}
	h, err := writeBinary(m)
	if err != nil {
		return err
	}
	*out = append(append(append(*out, `"binary":"`...), h...), '"')
	j, err := protojson.Marshal(m)
	if err != nil {
		// The message parsed, so its bytes are answered, but it has no
		// proto3 JSON (a Timestamp out of range, a Value with no kind, NaN
		// in a Value): the contract has no key for this, so it gets its own.
		*out = append(append(*out, `,"json_write_error":`...), quote(err.Error())...)
		return nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, j); err != nil { // cannot happen: protojson writes JSON
		*out = append(append(*out, `,"json_write_error":`...), quote("protojson wrote invalid JSON: "+err.Error())...)
		return nil
	}
	*out = append(append(*out, `,"json":`...), compact.Bytes()...)
	return nil
}

// roundtrip answers every record of r on w, one line each.
func roundtrip(r io.Reader, w io.Writer) error {
	in := bufio.NewReaderSize(r, 1<<20)
	out := bufio.NewWriterSize(w, 1<<20)
	var buf []byte
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			buf = append(answer(buf[:0], line), '\n')
			if _, werr := out.Write(buf); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return out.Flush()
}

func roundtripFiles(inPath, outPath string) error {
	in, err := os.Open(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(outPath)
	if err != nil {
		return err
	}
	if err := roundtrip(in, out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
