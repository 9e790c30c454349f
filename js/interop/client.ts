// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
// JS interop test client (test code only; protocol in tests/interop/README.rst).
//   interop-client --target 127.0.0.1:N --token T --cases c1,c2,...   (or all)
//     [--tls-dir DIR --tls-target 127.0.0.1:T --mtls-target 127.0.0.1:M]
// Prints one JSON line per case; a failure carries the first difference.
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { performance } from "node:perf_hooks";
import {
  toBinary, toJson, type DescMessage, type JsonValue, type MessageInitShape, type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ErrorReason, ScopeOutcomeSchema } from "oaktreemodel/v1/common_pb.js";
import {
  ComputeService, ListServersResponseSchema, ServerSchema, ServerStatus,
} from "oaktreemodel/v1/compute_pb.js";
import { ImageService, type UploadImageRequestSchema } from "oaktreemodel/v1/image_pb.js";
import { ErrorInfoSchema, ResourceInfoSchema } from "./google/rpc/error_details_pb.js";
import {
  AUTH_MESSAGE, CHUNK, DEADLINE_ATTEMPTS, DEADLINE_LIMIT_MS, DEADLINE_MS, DOWNLOAD_SIZE,
  ERROR_DOMAIN, PADDING, RICH, STREAM_COUNT, UPLOAD_SIZE,
  parseFlags, patternBytes, reasonName, resourceName, statusName,
} from "./common.js";

class Failure extends Error {}

function expect(what: string, want: unknown, got: unknown): void {
  if (want !== got) {
    throw new Failure(`${what}: expected ${JSON.stringify(String(want))}, got ${JSON.stringify(String(got))}`);
  }
}

/** The first difference between two JSON values, or undefined when equal. */
function jsonDiff(path: string, want: JsonValue | undefined, got: JsonValue | undefined): string | undefined {
  const isObj = (v: unknown): v is Record<string, JsonValue> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(want) && isObj(got)) {
    for (const k of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) {
      const d = jsonDiff(`${path}.${k}`, want[k], got[k]);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      const d = jsonDiff(`${path}[${i}]`, want[i], got[i]);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (JSON.stringify(want) === JSON.stringify(got)) return undefined;
  return `${path}: expected ${JSON.stringify(want) ?? "unset"}, got ${JSON.stringify(got) ?? "unset"}`;
}

/** A message must equal `want` in every field: compared as proto JSON, in
 * which fields at their default are absent, so a field set that `want`
 * leaves unset is a difference too. */
function expectMessage<D extends DescMessage>(what: string, desc: D, want: JsonValue, got: MessageShape<D> | undefined) {
  if (got === undefined) throw new Failure(`${what}: missing`);
  const d = jsonDiff(what, want, toJson(desc, got));
  if (d !== undefined) throw new Failure(d);
}

/** The one detail of type `desc` in a status's details. */
function oneDetail<D extends DescMessage>(what: string, err: ConnectError, desc: D): MessageShape<D> {
  const found = err.findDetails(desc);
  if (found.length !== 1) {
    throw new Failure(`${what}: expected one ${desc.typeName} in the status details, got ${found.length}`);
  }
  return found[0];
}

/** Runs call(); it must fail with `code` (and `message` when given); returns the error. */
async function expectStatus(what: string, call: () => Promise<unknown>, code: Code, message?: string) {
  try {
    await call();
  } catch (e) {
    const err = ConnectError.from(e);
    expect(what + " status", statusName(code), statusName(err.code));
    if (message !== undefined) expect(what + " message", message, err.rawMessage);
    return err;
  }
  throw new Failure(`${what}: expected status ${statusName(code)}, got OK`);
}

/** Runs call(); it must fail, with any status. */
async function expectFailure(what: string, call: () => Promise<unknown>) {
  try {
    await call();
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Failure(`${what}: expected a failure, got OK`);
}

/** The UNAUTHENTICATED of a call without the right token: message and ErrorInfo. */
async function expectUnauthenticated(what: string, call: () => Promise<unknown>) {
  const err = await expectStatus(what, call, Code.Unauthenticated, AUTH_MESSAGE);
  expectMessage(what + " ErrorInfo", ErrorInfoSchema,
    { reason: reasonName(ErrorReason.CALLER_UNAUTHENTICATED), domain: ERROR_DOMAIN },
    oneDetail(what, err, ErrorInfoSchema));
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const flags = parseFlags(process.argv.slice(2),
  ["target", "token", "cases", "case", "tls-dir", "tls-target", "mtls-target"]);
const target = flags.get("target");
const token = flags.get("token");
if (!target || !token) {
  console.error("usage: interop-client --target HOST:PORT --token T --cases c1,c2,... (or all)" +
    " [--tls-dir DIR --tls-target HOST:PORT --mtls-target HOST:PORT]");
  process.exit(2);
}
const transport = createGrpcTransport({ baseUrl: `http://${target}` });
const compute = createClient(ComputeService, transport);
const image = createClient(ImageService, transport);
const auth = { authorization: `Bearer ${token}` };
/** Every RPC has a deadline: 300 ms in the deadline case, else at most 60 s. */
const opts = (timeoutMs: number, extra: CallOptions = {}): CallOptions =>
  ({ headers: auth, timeoutMs, ...extra });

/** A ComputeService client over TLS to --tls-target or --mtls-target, trusting
 * only DIR/<ca>, verifying the server as "localhost", with DIR/client.pem
 * when `clientCert`. */
function tlsCompute(targetFlag: string, ca: string, clientCert: boolean): Client<typeof ComputeService> {
  const dir = flags.get("tls-dir");
  const hostPort = flags.get(targetFlag);
  if (!dir || !hostPort) throw new Failure(`needs --tls-dir and --${targetFlag}`);
  const file = (name: string) => readFileSync(join(dir, name));
  const nodeOptions = {
    ca: file(ca), servername: "localhost",
    ...(clientCert ? { cert: file("client.pem"), key: file("client.key") } : {}),
  };
  return createClient(ComputeService,
    createGrpcTransport({ baseUrl: `https://${hostPort}`, nodeOptions }));
}

/** GetServer("whoami") must answer id-whoami with exactly `want` as metadata
 * (server-language: any non-empty name). */
async function expectWhoami(what: string, client: Client<typeof ComputeService>, want: Record<string, string>) {
  const { server: s } = await client.getServer({ nameOrId: "whoami" }, opts(30_000));
  expect(what + " server.id", "id-whoami", s?.id);
  const md = { ...(s?.metadata ?? {}) };
  if (!md["server-language"]) throw new Failure(`${what}: no server-language in metadata`);
  const d = jsonDiff(what + " metadata", { ...want, "server-language": md["server-language"] }, md);
  if (d !== undefined) throw new Failure(d);
}

/** Attempts the deadline case made (printed in its JSON line). */
let deadlineAttempts = 0;

async function upload(data: Uint8Array, sha: string) {
  async function* requests(): AsyncGenerator<MessageInitShape<typeof UploadImageRequestSchema>> {
    yield { content: { case: "metadata", value: { name: "interop.img", sha256: sha, size: BigInt(data.length) } } };
    for (let off = 0; off < data.length; off += CHUNK) {
      yield { content: { case: "chunk", value: data.subarray(off, off + CHUNK) } };
    }
  }
  return image.uploadImage(requests(), opts(60_000));
}

const CASES: Record<string, () => Promise<void>> = {
  async unary() {
    const { server: s } = await compute.getServer({ nameOrId: "server-42" }, opts(30_000));
    expect("server.id", "id-server-42", s?.id);
    expect("server.name", "server-42", s?.name);
    expect("server.status", "ACTIVE", ServerStatus[s?.status ?? 0]);
    expect("server.resource_name", resourceName("id-server-42"), s?.resourceName);
    if (!s?.metadata["server-language"]) throw new Failure("server.metadata lacks server-language");
  },

  async auth() {
    const req = { nameOrId: "server-42" };
    await expectUnauthenticated("wrong token",
      () => compute.getServer(req, { headers: { authorization: "Bearer wrong-token" }, timeoutMs: 30_000 }));
    await expectUnauthenticated("no token", () => compute.getServer(req, { timeoutMs: 30_000 }));
  },

  async "not-found"() {
    await expectStatus("GetServer(missing-1)",
      () => compute.getServer({ nameOrId: "missing-1" }, opts(30_000)),
      Code.NotFound, "no server matches missing-1");
  },

  async deadline() {
    // The server never answers before the client gives up: the client's own
    // 300 ms deadline must end the call, in well under 5 s. A CANCELLED
    // attempt is retried (README: a grpc-go server's reset can beat a
    // client's timer); any other outcome fails.
    for (deadlineAttempts = 1; ; deadlineAttempts++) {
      const what = `GetServer(slow) with ${DEADLINE_MS} ms deadline, attempt ${deadlineAttempts}`;
      const start = performance.now();
      try {
        await expectStatus(what, () => compute.getServer({ nameOrId: "slow" }, opts(DEADLINE_MS)),
          Code.DeadlineExceeded);
      } catch (e) {
        if (!(e instanceof Failure) || !e.message.includes('got "CANCELLED"') || deadlineAttempts >= DEADLINE_ATTEMPTS) {
          throw e;
        }
        continue;
      }
      const elapsed = performance.now() - start;
      if (elapsed >= DEADLINE_LIMIT_MS) {
        throw new Failure(`${what}: DEADLINE_EXCEEDED after ${Math.round(elapsed)} ms, expected under ${DEADLINE_LIMIT_MS} ms`);
      }
      return;
    }
  },

  async "server-stream"() {
    let n = 0;
    let total = 0;
    const outcomes: MessageShape<typeof ScopeOutcomeSchema>[] = [];
    const req = {
      selector: { nameOrId: "bulk-*", narrowing: { case: "filters" as const, value: { count: STREAM_COUNT, padding: PADDING } } },
    };
    for await (const resp of compute.listServers(req, opts(60_000))) {
      total += toBinary(ListServersResponseSchema, resp).length;
      if (resp.item.case === "scopeOutcome") {
        outcomes.push(resp.item.value);
        continue;
      }
      if (resp.item.case !== "server") throw new Failure(`message ${n + outcomes.length}: no item`);
      if (outcomes.length > 0) throw new Failure(`message ${n + outcomes.length}: a server after a scope_outcome`);
      const s = resp.item.value;
      expect(`message ${n} name`, "bulk-" + String(n).padStart(5, "0"), s.name);
      const pad = s.properties?.padding;
      expect(`message ${n} padding length`, PADDING, typeof pad === "string" ? pad.length : -1);
      n++;
    }
    expect("servers received", STREAM_COUNT, n);
    expect("scope_outcome items", 2, outcomes.length);
    // Every field, as proto JSON (fields at their default are absent).
    expectMessage("scope_outcome[0]", ScopeOutcomeSchema,
      { location: { cloud: "interop", regionName: "RegionOne" }, count: String(STREAM_COUNT) }, outcomes[0]);
    expectMessage("scope_outcome[1]", ScopeOutcomeSchema, {
      location: { cloud: "interop", regionName: "RegionTwo" },
      code: Code.Unavailable,
      message: "RegionTwo is unreachable",
      reason: "ERROR_REASON_CLOUD_UNREACHABLE",
      metadata: { cloud_request_id: "req-interop-2" },
      retryDelay: "2s",
    }, outcomes[1]);
    expect("servers received vs scope_outcome[0].count", outcomes[0].count, BigInt(n));
    if (total <= 8 * 1024 * 1024) throw new Failure(`stream total ${total} bytes, expected far above 4 MiB`);
  },

  async "client-stream"() {
    const data = patternBytes(UPLOAD_SIZE);
    const { image: img } = await upload(data, sha256(data));
    expect("image.name", "interop.img", img?.name);
    expect("image.size", BigInt(data.length), img?.size);
  },

  async "upload-corrupt"() {
    const data = patternBytes(1024 * 1024);
    await expectStatus("upload with wrong sha256", () => upload(data, "0".repeat(64)), Code.DataLoss);
  },

  async download() {
    const digest = createHash("sha256");
    let got = 0;
    for await (const resp of image.downloadImage({ nameOrId: `pattern-${DOWNLOAD_SIZE}` }, opts(60_000))) {
      digest.update(resp.chunk);
      got += resp.chunk.length;
    }
    expect("bytes downloaded", DOWNLOAD_SIZE, got);
    expect("sha256 of the download", sha256(patternBytes(DOWNLOAD_SIZE)), digest.digest("hex"));
  },

  async cancel() {
    const tag = `cancel-js-${process.hrtime.bigint()}`;
    const abort = new AbortController();
    const req = { selector: { nameOrId: tag, narrowing: { case: "filters" as const, value: { count: 1000000 } } } };
    let n = 0;
    let notServer = "";
    // Messages already received may still be delivered after abort(); the
    // stream must then end with CANCELLED, not run to its end.
    await expectStatus("stream after cancel", async () => {
      for await (const resp of compute.listServers(req, opts(60_000, { signal: abort.signal }))) {
        if (resp.item.case !== "server") notServer ||= `message ${n}: item ${resp.item.case ?? "unset"}, expected server`;
        if (++n === 5) abort.abort();
      }
    }, Code.Canceled);
    if (notServer) throw new Failure(notServer);
    for (let i = 0; i < 100; i++) { // bounded: the server records the cancel asynchronously
      const { server: s } = await compute.getServer({ nameOrId: "cancelled?" + tag }, opts(30_000));
      if (s?.status === ServerStatus.DELETED) return;
      await sleep(50);
    }
    throw new Failure(`server did not report the cancellation of ${tag}`);
  },

  async "rich-error"() {
    const requestId = randomUUID();
    const location = { cloud: "interop", regionName: "RegionOne" };
    const err = await expectStatus("CreateServer(rich-error)", () => compute.createServer({
      location, name: RICH.name, image: RICH.image, flavor: RICH.flavor, requestId,
    }, opts(30_000)), Code.FailedPrecondition, RICH.message);
    // Three details, in any order: each type exactly once, nothing else.
    expectMessage("ErrorInfo", ErrorInfoSchema, {
      reason: reasonName(ErrorReason.RESOURCE_IN_ERROR_STATE),
      domain: ERROR_DOMAIN,
      metadata: {
        cloud: "interop", region: "RegionOne", resource_type: ServerSchema.typeName,
        resource_name: RICH.resourceName, request_id: requestId,
        cloud_request_id: RICH.cloudRequestId, fault: RICH.fault,
      },
    }, oneDetail("rich-error", err, ErrorInfoSchema));
    expectMessage("ResourceInfo", ResourceInfoSchema, {
      resourceType: ServerSchema.typeName, resourceName: RICH.resourceName,
      owner: RICH.owner, description: RICH.fault,
    }, oneDetail("rich-error", err, ResourceInfoSchema));
    // The Any of type.googleapis.com/oaktree.v1.Server, decoded with its schema.
    expectMessage("Server detail", ServerSchema, {
      id: RICH.id, name: RICH.name, status: "SERVER_STATUS_ERROR",
      resourceName: RICH.resourceName, location,
    }, oneDetail("rich-error", err, ServerSchema));
    expect("number of status details", 3, err.details.length);
  },

  async tls() {
    await expectWhoami("tls", tlsCompute("tls-target", "ca.pem", false), { transport: "tls" });
    // Trusting only a CA that signed nothing, the handshake must fail.
    const other = tlsCompute("tls-target", "other-ca.pem", false);
    await expectFailure("tls trusting other-ca.pem", () => other.getServer({ nameOrId: "whoami" }, opts(30_000)));
  },

  async mtls() {
    await expectWhoami("mtls", tlsCompute("mtls-target", "ca.pem", true),
      { transport: "mtls", "client-cn": "oaktree-interop-client" });
    const anonymous = tlsCompute("mtls-target", "ca.pem", false);
    await expectFailure("mtls without a client certificate",
      () => anonymous.getServer({ nameOrId: "whoami" }, opts(30_000)));
  },
};

const ALL = ["unary", "auth", "not-found", "deadline", "server-stream", "client-stream",
  "upload-corrupt", "download", "cancel", "rich-error", "tls", "mtls"];
const spec = flags.get("cases") ?? flags.get("case") ?? "all";
const names = spec === "all" ? ALL : spec.split(",").filter((c) => c !== "");
let ok = true;
for (const name of names) {
  const run = Object.hasOwn(CASES, name) ? CASES[name] : undefined;
  let line: { case: string; ok: boolean; error?: string; attempts?: number };
  if (!run) {
    line = { case: name, ok: false, error: "unknown case" };
  } else {
    try {
      await run();
      line = { case: name, ok: true };
    } catch (e) {
      const error = e instanceof Failure ? e.message
        : e instanceof ConnectError ? `unexpected status ${statusName(e.code)}: ${e.rawMessage}`
        : `unexpected error: ${String(e)}`;
      line = { case: name, ok: false, error };
    }
  }
  if (name === "deadline") line.attempts = deadlineAttempts;
  ok &&= line.ok;
  process.stdout.write(JSON.stringify(line) + "\n");
}
process.exit(ok ? 0 : 1);
