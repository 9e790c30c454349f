// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
// Shared by the JS interop server and client (test code only; the protocol
// is tests/interop/README.rst).
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "oaktreemodel/v1/common_pb.js";

export const AUTH_MESSAGE = "missing or wrong authorization";
/** google.rpc.ErrorInfo.domain of every oaktree error. */
export const ERROR_DOMAIN = "oaktree.openstack.org";
export const CHUNK = 64 * 1024;
export const STREAM_COUNT = 10000;
export const PADDING = 1024;
export const UPLOAD_SIZE = 16 * 1024 * 1024 + 12345;
export const DOWNLOAD_SIZE = 5 * 1024 * 1024 + 7;
export const DEADLINE_ATTEMPTS = 5;
/** The deadline case's per-call deadline and the most an attempt may take. */
export const DEADLINE_MS = 300;
export const DEADLINE_LIMIT_MS = 5000;

/** The rich-error case (tests/interop/README.rst). */
export const RICH = {
  name: "rich-error",
  id: "id-rich-error",
  resourceName: "clouds/interop/regions/RegionOne/servers/id-rich-error",
  message: "server rich-error went to ERROR",
  fault: "No valid host was found",
  cloudRequestId: "req-interop-1",
  owner: "project-interop",
  image: "cirros",
  flavor: "m1.tiny",
};

/** The canonical name of server `id` in the interop cloud's RegionOne. */
export function resourceName(id: string): string {
  return `clouds/interop/regions/RegionOne/servers/${id}`;
}

/** ErrorInfo.reason: the ErrorReason value's name without ERROR_REASON_
 * (protobuf-es already drops the prefix from the enum's names). */
export function reasonName(r: ErrorReason): string {
  return ErrorReason[r];
}

// gRPC's status names, indexed by code (Connect's Code enum has the same numbers).
const STATUS_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
  "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
  "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
  "UNAUTHENTICATED",
];

export function statusName(code: Code): string {
  return STATUS_NAMES[code] ?? `CODE_${code}`;
}

/** `size` bytes of the pattern byte i = i % 251 (upload and download data). */
export function patternBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = i % 251;
  return out;
}

/** Command line flags of the form --name value or --name=value. */
export function parseFlags(argv: string[], known: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !known.includes(m[1])) {
      throw new Error(`unknown argument ${arg} (known: ${known.map((k) => "--" + k).join(" ")})`);
    }
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    }
    flags.set(m[1], value);
  }
  return flags;
}
