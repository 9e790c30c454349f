// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
// JS side of the wire vectors (tests/README.rst):  vector-check DIR
// (and  vector-check --roundtrip IN OUT, the differential mode: roundtrip.ts)
// For every DIR/*.json and every vector, through the generated package and
// @bufbuild/protobuf:
//   binary round trip    binary -> fromBinary -> toBinary == binary, byte for byte
//   json                 toJson(fromBinary(binary)) == json, compared as JSON values
//   json->binary         toBinary(fromJson(json)) == binary
//   unknown fields       unknown_binary -> fromBinary -> toBinary == unknown_binary
//                        (protobuf-es keeps unknown fields by default), except
//                        where protobuf-es documentedly represents a message as
//                        plain JSON: a google.protobuf.Struct field is a
//                        JsonObject (and a singular wrapper field its plain
//                        value), so unknown fields inside that subtree are
//                        dropped; the check then asserts exactly that: the
//                        output equals unknown_binary without them, and they
//                        were the only difference.
// Text format is not checked: protobuf-es has no text-format parser (asserted:
// an export of @bufbuild/protobuf named like "text" fails the check).
// Types are found by full name in a registry built from the generated files.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as protobuf from "@bufbuild/protobuf";
import {
  createRegistry, fromBinary, fromJson, toBinary, toJson,
  type DescField, type DescFile, type DescMessage, type JsonValue,
} from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { keepLeadingBom, roundtrip } from "./roundtrip.js";

interface Vector { name: string; text: string; binary: string; json: JsonValue; unknown_binary?: string }
interface VectorFile { type: string; vectors: Vector[] }

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function firstByteDifference(want: Uint8Array, got: Uint8Array): string {
  const n = Math.min(want.length, got.length);
  for (let i = 0; i < n; i++) {
    if (want[i] !== got[i]) {
      return `at byte ${i}: expected ${hex(want.subarray(i, i + 8))}, got ${hex(got.subarray(i, i + 8))}`;
    }
  }
  return `length: expected ${want.length} bytes, got ${got.length} (equal up to byte ${n})`;
}

function sameBytes(want: Uint8Array, got: Uint8Array): string | undefined {
  return Buffer.compare(Buffer.from(want), Buffer.from(got)) === 0 ? undefined : firstByteDifference(want, got);
}

/** Semantic JSON equality: objects by key set (order ignored), arrays in order. */
function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k]!, b[k]!));
}

/** Every generated file of the package, found by listing its v1/ folder. */
async function generatedFiles(): Promise<DescFile[]> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve("oaktreemodel/v1/common_pb.js"));
  const files: DescFile[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith("_pb.js")).sort()) {
    const mod = await import(pathToFileURL(join(dir, name)).href) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "file") {
        files.push(value as DescFile);
      }
    }
  }
  return files;
}

/** Whether protobuf-es holds this field's message as plain JSON/a plain value
 * (reflect.ts: Struct outside Value; wrappers in singular non-oneof fields). */
function heldAsPlainValue(field: DescField, desc: DescMessage): boolean {
  if (desc.typeName === "google.protobuf.Struct") return field.parent.typeName !== "google.protobuf.Value";
  return isWrapperDesc(desc) && field.fieldKind === "message" && field.oneof === undefined;
}

/** `bytes` (a `desc` message) without the unknown fields protobuf-es drops:
 * those anywhere inside a message it holds as a plain value. Known fields are
 * copied byte for byte; only length prefixes above a removal change. */
function withoutDroppedUnknowns(desc: DescMessage, bytes: Uint8Array, dropAll = false): Uint8Array {
  const reader = new BinaryReader(bytes);
  const writer = new BinaryWriter();
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [no, wireType] = reader.tag();
    const field = desc.fields.find((f) => f.number === no);
    let sub: DescMessage | undefined;
    if (field && wireType === WireType.LengthDelimited) {
      if (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")) {
        sub = field.message;
      } else if (field.fieldKind === "map" && field.mapKind === "message") {
        // A map entry: key = 1 (copied), value = 2 (a message).
        const entryBytes = reader.bytes();
        const entry = new BinaryReader(entryBytes);
        const out = new BinaryWriter();
        while (entry.pos < entry.len) {
          const s = entry.pos;
          const [eno, ewt] = entry.tag();
          if (eno === 2 && ewt === WireType.LengthDelimited) {
            const drop = dropAll || heldAsPlainValue(field, field.message);
            out.tag(2, WireType.LengthDelimited).bytes(withoutDroppedUnknowns(field.message, entry.bytes(), drop));
          } else {
            entry.skip(ewt, eno);
            if (eno === 1 || eno === 2 || !dropAll) out.raw(entryBytes.subarray(s, entry.pos));
          }
        }
        writer.tag(no, WireType.LengthDelimited).bytes(out.finish());
        continue;
      }
    }
    if (field && sub) {
      const drop = dropAll || heldAsPlainValue(field, sub);
      writer.tag(no, WireType.LengthDelimited).bytes(withoutDroppedUnknowns(sub, reader.bytes(), drop));
      continue;
    }
    reader.skip(wireType, no);
    if (field || !dropAll) writer.raw(bytes.subarray(start, reader.pos));
  }
  return writer.finish();
}

function checkVector(schema: DescMessage, v: Vector): string[] {
  const binary = Buffer.from(v.binary, "hex");
  const checks: [string, () => string | undefined][] = [
    ["binary round trip", () => sameBytes(binary, toBinary(schema, fromBinary(schema, binary)))],
    ["json", () => {
      const got = toJson(schema, fromBinary(schema, binary));
      return jsonEqual(v.json, got) ? undefined
        : `expected ${JSON.stringify(v.json).slice(0, 200)}, got ${JSON.stringify(got).slice(0, 200)}`;
    }],
    ["json->binary", () => sameBytes(binary, toBinary(schema, fromJson(schema, v.json)))],
  ];
  if (v.unknown_binary !== undefined) {
    const ub = Buffer.from(v.unknown_binary, "hex");
    checks.push(["unknown fields round trip", () => {
      const got = toBinary(schema, fromBinary(schema, ub));
      const want = withoutDroppedUnknowns(schema, ub);
      if (Buffer.compare(Buffer.from(want), Buffer.from(got)) !== 0) return firstByteDifference(want, got);
      if (want.length !== ub.length) droppedInJson.add(`${schema.typeName} ${v.name}`);
      return undefined;
    }]);
  }
  const problems: string[] = [];
  for (const [label, run] of checks) {
    let problem: string | undefined;
    try {
      problem = run();
    } catch (e) { // a parse error is a failure of this check
      problem = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    if (problem) problems.push(`${label} ${problem}`);
  }
  return problems;
}

const failures: string[] = [];
/** Vectors whose unknown fields were partly dropped, as documented. */
const droppedInJson = new Set<string>();

// Before anything decodes: keep a leading U+FEFF in strings (roundtrip.ts).
const runtimeDropsBom = keepLeadingBom();
if (process.argv[2] === "--roundtrip") {
  if (process.argv.length !== 5) {
    console.error("usage: vector-check --roundtrip IN OUT");
    process.exit(2);
  }
  await roundtrip(createRegistry(...await generatedFiles()), process.argv[3]!, process.argv[4]!);
  process.exit(0);
}
const dir = process.argv[2];
if (!dir || process.argv.length !== 3) {
  console.error("usage: vector-check DIR | vector-check --roundtrip IN OUT");
  process.exit(2);
}
// Text format is skipped because the runtime has none: assert that, so a
// runtime that gains one makes this check ask for the text vectors.
const textApi = Object.keys(protobuf).filter((k) => /Text|^text/.test(k));
if (textApi.length) {
  failures.push(`@bufbuild/protobuf: text format: the runtime now exports ${textApi.join(", ")}; ` +
    "check the vectors' text too and update js/README.rst");
}
if (!runtimeDropsBom) {
  failures.push("@bufbuild/protobuf: a leading U+FEFF of a string now survives fromBinary; " +
    "drop keepLeadingBom (js/interop/roundtrip.ts) and its note in js/README.rst");
}
const registry = createRegistry(...await generatedFiles());
let files = 0, vectors = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
  const doc = JSON.parse(readFileSync(join(dir, name), "utf8")) as VectorFile;
  files++;
  const schema = registry.getMessage(doc.type);
  if (!schema) {
    failures.push(`${doc.type}: type not in the generated JS package`);
    continue;
  }
  for (const v of doc.vectors) {
    vectors++;
    for (const p of checkVector(schema, v)) failures.push(`${doc.type} ${v.name}: ${p}`);
  }
}
for (const f of failures) console.log(f);
if (failures.length || files === 0) {
  console.log(`js vectors: ${files} files, ${vectors} vectors, ${failures.length} failures`);
  process.exit(1);
}
console.log(`js vectors: ${files} files, ${vectors} vectors ok (binary, JSON, unknown fields; ` +
  `${droppedInJson.size} of them drop unknown fields inside Struct/wrapper values as documented; ` +
  `no text format in protobuf-es)`);
