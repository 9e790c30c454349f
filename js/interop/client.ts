// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
// JS interop test client (test code only; protocol in tests/interop/README.rst).
//   interop-client --target 127.0.0.1:N --token T --cases c1,c2,...   (or all)
// Prints one JSON line per case; a failure carries the first difference.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type CallOptions } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ComputeService, ListServersResponseSchema, ServerStatus,
} from "oaktreemodel/v1/compute_pb.js";
import { ImageService, type UploadImageRequestSchema } from "oaktreemodel/v1/image_pb.js";
import {
  AUTH_MESSAGE, CHUNK, DEADLINE_ATTEMPTS, DOWNLOAD_SIZE, PADDING, STREAM_COUNT, UPLOAD_SIZE,
  parseFlags, patternBytes, statusName,
} from "./common.js";

class Failure extends Error {}

function expect(what: string, want: unknown, got: unknown): void {
  if (want !== got) {
    throw new Failure(`${what}: expected ${JSON.stringify(String(want))}, got ${JSON.stringify(String(got))}`);
  }
}

/** Runs call(); it must fail with `code` (and `message` when given). */
async function expectStatus(what: string, call: () => Promise<unknown>, code: Code, message?: string) {
  try {
    await call();
  } catch (e) {
    const err = ConnectError.from(e);
    expect(what + " status", statusName(code), statusName(err.code));
    if (message !== undefined) expect(what + " message", message, err.rawMessage);
    return;
  }
  throw new Failure(`${what}: expected status ${statusName(code)}, got OK`);
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const flags = parseFlags(process.argv.slice(2), ["target", "token", "cases", "case"]);
const target = flags.get("target");
const token = flags.get("token");
if (!target || !token) {
  console.error("usage: interop-client --target HOST:PORT --token T --cases c1,c2,... (or all)");
  process.exit(2);
}
const transport = createGrpcTransport({ baseUrl: `http://${target}` });
const compute = createClient(ComputeService, transport);
const image = createClient(ImageService, transport);
const auth = { "x-auth-token": token };
/** Every RPC has a deadline. */
const opts = (timeoutMs: number, extra: CallOptions = {}): CallOptions =>
  ({ headers: auth, timeoutMs, ...extra });

async function upload(data: Uint8Array, sha: string) {
  async function* requests(): AsyncGenerator<MessageInitShape<typeof UploadImageRequestSchema>> {
    yield { content: { case: "metadata", value: { name: "interop.img", sha256: sha, size: BigInt(data.length) } } };
    for (let off = 0; off < data.length; off += CHUNK) {
      yield { content: { case: "chunk", value: data.subarray(off, off + CHUNK) } };
    }
  }
  return image.uploadImage(requests(), opts(120_000));
}

const CASES: Record<string, () => Promise<void>> = {
  async unary() {
    const { server: s } = await compute.getServer({ nameOrId: "server-42" }, opts(30_000));
    expect("server.id", "id-server-42", s?.id);
    expect("server.name", "server-42", s?.name);
    expect("server.status", "ACTIVE", ServerStatus[s?.status ?? 0]);
  },

  async auth() {
    const req = { nameOrId: "server-42" };
    await expectStatus("wrong token",
      () => compute.getServer(req, { headers: { "x-auth-token": "wrong-token" }, timeoutMs: 30_000 }),
      Code.Unauthenticated, AUTH_MESSAGE);
    await expectStatus("no token", () => compute.getServer(req, { timeoutMs: 30_000 }),
      Code.Unauthenticated, AUTH_MESSAGE);
  },

  async "not-found"() {
    await expectStatus("GetServer(missing-1)",
      () => compute.getServer({ nameOrId: "missing-1" }, opts(30_000)),
      Code.NotFound, "no server matches missing-1");
  },

  async deadline() {
    // A CANCELLED attempt is retried (README: a grpc-go server's reset can
    // beat a client's timer); any other outcome fails.
    for (let attempt = 1; ; attempt++) {
      try {
        await expectStatus(`GetServer(slow) with 300 ms deadline, attempt ${attempt}`,
          () => compute.getServer({ nameOrId: "slow" }, opts(300)), Code.DeadlineExceeded);
        return;
      } catch (e) {
        if (!(e instanceof Failure) || !e.message.includes('got "CANCELLED"') || attempt >= DEADLINE_ATTEMPTS) {
          throw e;
        }
      }
    }
  },

  async "server-stream"() {
    let n = 0;
    let total = 0;
    const req = {
      selector: { nameOrId: "bulk-*", narrowing: { case: "filters" as const, value: { count: STREAM_COUNT, padding: PADDING } } },
    };
    for await (const resp of compute.listServers(req, opts(120_000))) {
      const s = resp.server;
      expect(`message ${n} name`, "bulk-" + String(n).padStart(5, "0"), s?.name);
      const pad = s?.properties?.padding;
      expect(`message ${n} padding length`, PADDING, typeof pad === "string" ? pad.length : -1);
      n++;
      total += toBinary(ListServersResponseSchema, resp).length;
    }
    expect("messages received", STREAM_COUNT, n);
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
    for await (const resp of image.downloadImage({ nameOrId: `pattern-${DOWNLOAD_SIZE}` }, opts(120_000))) {
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
    // Messages already received may still be delivered after abort(); the
    // stream must then end with CANCELLED, not run to its end.
    await expectStatus("stream after cancel", async () => {
      for await (const _ of compute.listServers(req, opts(120_000, { signal: abort.signal }))) {
        if (++n === 5) abort.abort();
      }
    }, Code.Canceled);
    for (let i = 0; i < 100; i++) { // bounded: the server records the cancel asynchronously
      const { server: s } = await compute.getServer({ nameOrId: "cancelled?" + tag }, opts(30_000));
      if (s?.status === ServerStatus.DELETED) return;
      await sleep(50);
    }
    throw new Failure(`server did not report the cancellation of ${tag}`);
  },
};

const ALL = ["unary", "auth", "not-found", "deadline", "server-stream", "client-stream",
  "upload-corrupt", "download", "cancel"];
const spec = flags.get("cases") ?? flags.get("case") ?? "all";
const names = spec === "all" ? ALL : spec.split(",").filter((c) => c !== "");
let ok = true;
for (const name of names) {
  const run = Object.hasOwn(CASES, name) ? CASES[name] : undefined;
  let line: { case: string; ok: boolean; error?: string };
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
  ok &&= line.ok;
  process.stdout.write(JSON.stringify(line) + "\n");
}
process.exit(ok ? 0 : 1);
