// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
// vector-check --roundtrip IN OUT (tests/README.rst, "Differential and hostile
// inputs"): one answer line per JSON Lines record of IN, in order, streamed.
//
// protobuf-es has no deterministic mode; its toBinary writes known fields by
// field number (oneof members included), then unknown fields in wire order,
// and map entries in the iteration order of the plain object that holds the
// map: integer-like keys ("0".."4294967294") first in numeric order, then the
// others in insertion (= first wire) order. Protobuf's deterministic
// serialization (C++, Go, Python) sorts map entries by key, so
// deterministicBinary moves whole map entries into key order after toBinary
// (like Go's program moves oneof members); nothing else is touched.
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import {
  fromBinary, fromJson, toBinary, toJson, ScalarType,
  type DescField, type DescMessage, type JsonValue, type Registry,
} from "@bufbuild/protobuf";
import { BinaryReader, WireType, configureTextEncoding, getTextEncoding } from "@bufbuild/protobuf/wire";

/**
 * protobuf-es decodes strings with the WHATWG TextDecoder at its default
 * ignoreBOM: false, which drops a leading U+FEFF: the string field "\uFEFFx"
 * (bytes ef bb bf 78) comes back as "x", and a message that holds it is not
 * written back as it came. The runtime's own hook, configureTextEncoding,
 * swaps in decoders with ignoreBOM: true (js/README.rst says so to users).
 * Returns whether the runtime's default still drops the character, so the
 * vector check notices when a new protobuf-es makes this unnecessary.
 */
export function keepLeadingBom(): boolean {
  const runtime = getTextEncoding();
  const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
  const drops = runtime.decodeUtf8(bom, false) === "" && runtime.decodeUtf8(bom, true) === "";
  const lax = new TextDecoder("utf-8", { ignoreBOM: true });
  const strict = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });
  configureTextEncoding({
    encodeUtf8: runtime.encodeUtf8,
    checkUtf8: runtime.checkUtf8,
    decodeUtf8: (bytes, validate) => (validate ? strict : lax).decode(bytes),
  });
  return drops;
}

type MapField = DescField & { fieldKind: "map" };

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Whether a message of `desc` can hold a map anywhere inside (memoized). */
const holdsMaps = new Map<DescMessage, boolean>();
function canHoldMaps(desc: DescMessage): boolean {
  let known = holdsMaps.get(desc);
  if (known !== undefined) return known;
  const seen = new Set<DescMessage>();
  const walk = (d: DescMessage): boolean => {
    if (seen.has(d)) return false;
    seen.add(d);
    return d.fields.some((f) => f.fieldKind === "map" || (f.message !== undefined && walk(f.message)));
  };
  known = walk(desc);
  holdsMaps.set(desc, known);
  return known;
}

/** A map key read from an entry, as something totally ordered like protobuf's
 * deterministic order: string keys by their UTF-8 bytes, integers by value. */
function entryKey(field: MapField, entry: Uint8Array): Uint8Array | bigint {
  const r = new BinaryReader(entry);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no !== 1) { r.skip(wt, no); continue; }
    switch (field.mapKey) {
      case ScalarType.STRING: return r.bytes();
      case ScalarType.BOOL: return r.bool() ? 1n : 0n;
      case ScalarType.INT32: return BigInt(r.int32());
      case ScalarType.UINT32: return BigInt(r.uint32());
      case ScalarType.SINT32: return BigInt(r.sint32());
      case ScalarType.FIXED32: return BigInt(r.fixed32());
      case ScalarType.SFIXED32: return BigInt(r.sfixed32());
      case ScalarType.INT64: return BigInt(r.int64());
      case ScalarType.UINT64: return BigInt(r.uint64());
      case ScalarType.SINT64: return BigInt(r.sint64());
      case ScalarType.FIXED64: return BigInt(r.fixed64());
      case ScalarType.SFIXED64: return BigInt(r.sfixed64());
    }
  }
  // toBinary always writes the key; keep a missing one first like a zero key.
  return field.mapKey === ScalarType.STRING ? new Uint8Array(0) : 0n;
}

function compareKeys(a: Uint8Array | bigint, b: Uint8Array | bigint): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(a as Uint8Array, b as Uint8Array);
}

/** Sort, in place, the map entries of every map inside buf[start, end), a
 * `desc` message as written by toBinary (so each map's entries are adjacent
 * and lengths do not change: only whole entries move). */
function sortMapsIn(desc: DescMessage, buf: Uint8Array, start: number, end: number): void {
  const r = new BinaryReader(buf.subarray(start, end));
  let run: { field: MapField; spans: [number, number, Uint8Array | bigint][] } | undefined;
  const flush = () => {
    if (!run || run.spans.length < 2) { run = undefined; return; }
    const from = run.spans[0]![0], to = run.spans[run.spans.length - 1]![1];
    const sorted = [...run.spans].sort((x, y) => compareKeys(x[2], y[2]));
    const copy = buf.slice(start + from, start + to);
    let at = start + from;
    for (const [s, e] of sorted) {
      buf.set(copy.subarray(s - from, e - from), at);
      at += e - s;
    }
    run = undefined;
  };
  while (r.pos < r.len) {
    const tagStart = r.pos;
    const [no, wt] = r.tag();
    const field = desc.fields.find((f) => f.number === no);
    if (field === undefined || wt !== WireType.LengthDelimited) {
      flush();
      r.skip(wt, no);
      continue;
    }
    if (field.fieldKind === "map") {
      const len = r.uint32();
      const body = r.pos;
      r.pos += len;
      if (field.mapKind === "message" && canHoldMaps(field.message)) {
        // Value = field 2 of the entry: sort inside it first.
        const er = new BinaryReader(buf.subarray(start + body, start + body + len));
        while (er.pos < er.len) {
          const [eno, ewt] = er.tag();
          if (eno === 2 && ewt === WireType.LengthDelimited) {
            const vlen = er.uint32();
            sortMapsIn(field.message, buf, start + body + er.pos, start + body + er.pos + vlen);
            er.pos += vlen;
          } else {
            er.skip(ewt, eno);
          }
        }
      }
      if (run && run.field !== field) flush();
      run ??= { field, spans: [] };
      run.spans.push([tagStart, r.pos, entryKey(field, buf.subarray(start + body, start + body + len))]);
      continue;
    }
    flush();
    const sub = field.message;
    if (sub !== undefined && canHoldMaps(sub)) {
      const len = r.uint32();
      sortMapsIn(sub, buf, start + r.pos, start + r.pos + len);
      r.pos += len;
    } else {
      r.skip(wt, no);
    }
  }
  flush();
}

/** toBinary with map entries in key order: protobuf's deterministic bytes. */
export function deterministicBinary(schema: DescMessage, msg: Parameters<typeof toBinary>[1]): Uint8Array {
  const bytes = toBinary(schema, msg);
  if (canHoldMaps(schema)) sortMapsIn(schema, bytes, 0, bytes.length);
  return bytes;
}

interface Answer {
  binary?: string; json?: JsonValue; error?: string;
  json_binary?: string; json_error?: string; json_write_error?: string;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** The answer to one record. Every exception of the runtime (a RangeError
 * from a too deep stack included) is an answer, never the end of the run. */
export function answer(registry: Registry, line: string): Answer {
  let record: { type?: unknown; binary?: unknown; json?: JsonValue };
  try {
    record = JSON.parse(line) as typeof record;
  } catch (e) {
    return { error: `record is not JSON: ${errorText(e)}` };
  }
  if (typeof record !== "object" || record === null || typeof record.type !== "string" ||
      typeof record.binary !== "string" || !HEX.test(record.binary)) {
    return { error: "record needs a string \"type\" and an even-length hex \"binary\"" };
  }
  const schema = registry.getMessage(record.type);
  if (schema === undefined) return { error: `unknown type ${record.type}` };
  let out: Answer;
  try {
    const msg = fromBinary(schema, Buffer.from(record.binary, "hex"));
    out = { binary: Buffer.from(deterministicBinary(schema, msg)).toString("hex") };
    try {
      out.json = toJson(schema, msg);
    } catch (e) {
      // Parsed, but toJson refuses it (a Timestamp out of range): the bytes stand.
      out.json_write_error = errorText(e);
    }
  } catch (e) {
    out = { error: errorText(e) };
  }
  if (Object.hasOwn(record, "json")) {
    try {
      const msg = fromJson(schema, record.json as JsonValue);
      out.json_binary = Buffer.from(deterministicBinary(schema, msg)).toString("hex");
    } catch (e) {
      out.json_error = errorText(e);
    }
  }
  return out;
}

/** One pass over IN, answers to OUT through a buffered stream; resolves with
 * the number of records once OUT is flushed and closed. */
export async function roundtrip(registry: Registry, inPath: string, outPath: string): Promise<number> {
  const out = createWriteStream(outPath, { highWaterMark: 1 << 20 });
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => undefined); // raced below; keeps a late error from being unhandled
  const lines = createInterface({ input: createReadStream(inPath), crlfDelay: Infinity });
  let pending: string[] = [], size = 0, records = 0;
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await Promise.race([once(out, "drain"), failed]);
  };
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let text: string;
    try {
      text = JSON.stringify(answer(registry, line));
    } catch (e) { // only a bug of this program gets here: still an answer
      text = JSON.stringify({ error: `vector-check: ${errorText(e)}` });
    }
    pending.push(text);
    size += text.length + 1;
    records++;
    if (size >= 1 << 16) {
      await write(pending.join("\n") + "\n");
      pending = [];
      size = 0;
    }
  }
  if (pending.length) await write(pending.join("\n") + "\n");
  out.end();
  await Promise.race([once(out, "finish"), failed]);
  return records;
}
