// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
// JS interop test server (test code only; protocol in tests/interop/README.rst):
// plain gRPC over HTTP/2 with @connectrpc/connect-node.
//   interop-server --token T [--tls-dir DIR]
// binds 127.0.0.1:0 and prints PORT=<n>; with --tls-dir also a TLS and a
// mutual-TLS port (DIR/server.pem, DIR/server.key; clients of the mTLS port
// need a certificate signed by DIR/ca.pem): PORT=<n> TLS_PORT=<t> MTLS_PORT=<m>.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  Code, ConnectError, createContextKey, createContextValues, type ConnectRouter, type HandlerContext,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ErrorReason } from "oaktreemodel/v1/common_pb.js";
import {
  ComputeService, ServerSchema, ServerStatus, type ListServersResponseSchema,
} from "oaktreemodel/v1/compute_pb.js";
import { ImageService, type UploadImageRequest } from "oaktreemodel/v1/image_pb.js";
import { ErrorInfoSchema, ResourceInfoSchema } from "./google/rpc/error_details_pb.js";
import {
  AUTH_MESSAGE, CHUNK, ERROR_DOMAIN, RICH, parseFlags, patternBytes, reasonName, resourceName,
} from "./common.js";

const LANGUAGE = "js";
/** What connectNodeAdapter's contextValues gets (connect-node's NodeServerRequest). */
type NodeServerRequest = http.IncomingMessage | http2.Http2ServerRequest;

const flags = parseFlags(process.argv.slice(2), ["token", "tls-dir"]);
const token = flags.get("token");
if (!token) {
  console.error("usage: interop-server --token T [--tls-dir DIR]");
  process.exit(2);
}
const tlsDir = flags.get("tls-dir");

/** Which port a call came in on: "plaintext", "tls" or "mtls". */
const TRANSPORT = createContextKey<string>("plaintext", { description: "interop transport" });
/** The Node request of a call: its HTTP/2 stream (cancellation) and TLS socket (client CN). */
const NODE_REQUEST = createContextKey<NodeServerRequest | undefined>(undefined, { description: "node request" });

/** Tags of ListServers("cancel-...") streams this server saw cancelled. */
const cancelled = new Set<string>();

function authorize(ctx: HandlerContext): void {
  if (ctx.requestHeader.get("authorization") !== `Bearer ${token}`) {
    throw new ConnectError(AUTH_MESSAGE, Code.Unauthenticated, undefined, [{
      desc: ErrorInfoSchema,
      value: { reason: reasonName(ErrorReason.CALLER_UNAUTHENTICATED), domain: ERROR_DOMAIN },
    }]);
  }
}

/** The socket the call's bytes travel on (the TLS socket on the TLS ports). */
function socketOf(req: NodeServerRequest | undefined) {
  if (req === undefined) return undefined;
  return "stream" in req ? req.stream.session?.socket : req.socket;
}

/** Resolves when the client has gone (it reset the stream or closed the
 * connection) or after `ms`. Connect's own ctx.signal also fires when the
 * server's copy of the deadline expires, and the server must not answer
 * then (a reply may beat the client's own timer), so this watches the
 * stream itself. */
function untilClientGone(req: NodeServerRequest | undefined, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const target = req === undefined ? undefined : "stream" in req ? req.stream : req;
    let timer: NodeJS.Timeout | undefined = undefined;
    const done = () => {
      clearTimeout(timer);
      target?.off("close", done);
      resolve();
    };
    timer = setTimeout(done, ms);
    if (target !== undefined) {
      if (target.destroyed) done();
      else target.once("close", done);
    }
  });
}

function whoami(ctx: HandlerContext) {
  const transport = ctx.values.get(TRANSPORT);
  const metadata: Record<string, string> = { "server-language": LANGUAGE, transport };
  if (transport === "mtls") {
    const socket = socketOf(ctx.values.get(NODE_REQUEST)) as TLSSocket | undefined;
    const cn = socket?.getPeerCertificate?.()?.subject?.CN;
    metadata["client-cn"] = Array.isArray(cn) ? cn.join(",") : (cn ?? "");
  }
  return { server: { id: "id-whoami", name: "whoami", status: ServerStatus.ACTIVE, metadata } };
}

function routes(router: ConnectRouter): void {
  router.service(ComputeService, {
    async getServer(req, ctx) {
      authorize(ctx);
      const name = req.nameOrId;
      if (name === "slow") {
        // Never DEADLINE_EXCEEDED from here: wait for the client to cancel
        // (its deadline), at most 10 s, then answer OK.
        await untilClientGone(ctx.values.get(NODE_REQUEST), 10_000);
        return { server: { id: "id-slow", name: "slow", status: ServerStatus.ACTIVE } };
      }
      if (name === "whoami") return whoami(ctx);
      if (name.startsWith("cancelled?")) {
        const tag = name.slice("cancelled?".length);
        const status = cancelled.has(tag) ? ServerStatus.DELETED : ServerStatus.BUILD;
        return { server: { name: tag, status } };
      }
      if (name.startsWith("server-")) {
        const id = "id-" + name;
        return {
          server: {
            id, name, status: ServerStatus.ACTIVE, resourceName: resourceName(id),
            metadata: { "server-language": LANGUAGE },
          },
        };
      }
      throw new ConnectError("no server matches " + name, Code.NotFound);
    },

    async createServer(req, ctx) {
      authorize(ctx);
      if (req.name !== RICH.name) {
        throw new ConnectError("unknown server " + req.name, Code.InvalidArgument);
      }
      const location = { cloud: "interop", regionName: "RegionOne" };
      throw new ConnectError(RICH.message, Code.FailedPrecondition, undefined, [
        {
          desc: ErrorInfoSchema,
          value: {
            reason: reasonName(ErrorReason.RESOURCE_IN_ERROR_STATE),
            domain: ERROR_DOMAIN,
            metadata: {
              cloud: "interop", region: "RegionOne", resource_type: ServerSchema.typeName,
              resource_name: RICH.resourceName, request_id: req.requestId,
              cloud_request_id: RICH.cloudRequestId, fault: RICH.fault,
            },
          },
        },
        {
          desc: ResourceInfoSchema,
          value: {
            resourceType: ServerSchema.typeName, resourceName: RICH.resourceName,
            owner: RICH.owner, description: RICH.fault,
          },
        },
        // Connect packs every detail in a google.protobuf.Any of the
        // google.rpc.Status (grpc-status-details-bin).
        {
          desc: ServerSchema,
          value: {
            id: RICH.id, name: RICH.name, status: ServerStatus.ERROR,
            resourceName: RICH.resourceName, location,
          },
        },
      ]);
    },

    async *listServers(req, ctx): AsyncGenerator<MessageInitShape<typeof ListServersResponseSchema>> {
      authorize(ctx);
      const sel = req.selector;
      const filters = sel?.narrowing.case === "filters" ? sel.narrowing.value : {};
      const count = typeof filters.count === "number" ? filters.count : 0;
      const padding = typeof filters.padding === "number" ? filters.padding : 0;
      const nameOrId = sel?.nameOrId ?? "";
      if (nameOrId.startsWith("cancel-")) {
        // The handler context's signal aborts when the client cancels the call.
        let finished = false;
        const onAbort = () => {
          if (!finished) cancelled.add(nameOrId);
        };
        ctx.signal.addEventListener("abort", onAbort, { once: true });
        try {
          for (let i = 0; i < count && !ctx.signal.aborted; i++) {
            yield { item: { case: "server", value: { name: `${nameOrId}-${i}` } } };
            // While writes complete at once, this loop runs on microtasks only and
            // starves the event loop: every other call of the server waited (a
            // new stream's first message took 14 s beside a few endless ones,
            // tests/interop/abuse.py). Give the event loop a turn now and then.
            if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
          }
          finished = !ctx.signal.aborted;
        } finally {
          if (finished) ctx.signal.removeEventListener("abort", onAbort);
        }
        return;
      }
      if (nameOrId !== "bulk-*") {
        throw new ConnectError("unknown selector " + nameOrId, Code.InvalidArgument);
      }
      const pad = "x".repeat(padding);
      for (let i = 0; i < count; i++) {
        const n = String(i).padStart(5, "0");
        yield {
          item: {
            case: "server",
            value: {
              id: "id-" + n, name: "bulk-" + n, status: ServerStatus.ACTIVE,
              metadata: { index: String(i) },
              properties: { padding: pad, index: i },
            },
          },
        };
      }
      yield {
        item: {
          case: "scopeOutcome",
          value: { location: { cloud: "interop", regionName: "RegionOne" }, code: 0, count: BigInt(count) },
        },
      };
      yield {
        item: {
          case: "scopeOutcome",
          value: {
            location: { cloud: "interop", regionName: "RegionTwo" },
            code: Code.Unavailable,
            reason: ErrorReason.CLOUD_UNREACHABLE,
            message: "RegionTwo is unreachable",
            metadata: { cloud_request_id: "req-interop-2" },
            count: 0n,
            retryDelay: { seconds: 2n },
          },
        },
      };
    },
  });

  router.service(ImageService, {
    async uploadImage(reqs: AsyncIterable<UploadImageRequest>, ctx) {
      authorize(ctx);
      const it = reqs[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done || first.value.content.case !== "metadata") {
        throw new ConnectError("first message must be metadata", Code.InvalidArgument);
      }
      const meta = first.value.content.value;
      const digest = createHash("sha256");
      let size = 0n;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (r.value.content.case !== "chunk") {
          throw new ConnectError("metadata after the first message", Code.InvalidArgument);
        }
        digest.update(r.value.content.value);
        size += BigInt(r.value.content.value.length);
      }
      const hex = digest.digest("hex");
      if (size !== meta.size || hex !== meta.sha256) {
        throw new ConnectError(`sha256 or size mismatch: got ${size} bytes sha256 ${hex}`, Code.DataLoss);
      }
      return { image: { id: "img-" + meta.sha256.slice(0, 16), name: meta.name, size } };
    },

    async *downloadImage(req, ctx) {
      authorize(ctx);
      const m = /^pattern-(\d+)$/.exec(req.nameOrId);
      if (!m) throw new ConnectError("no image matches " + req.nameOrId, Code.NotFound);
      const size = Number(m[1]);
      // The chunk at offset off starts with byte off % 251.
      const block = patternBytes(CHUNK + 251);
      for (let off = 0; off < size; off += CHUNK) {
        const n = Math.min(CHUNK, size - off);
        yield { chunk: block.slice(off % 251, (off % 251) + n) };
      }
    },
  });
}

/** One handler per port: the same routes (and state), the port's transport name. */
function handler(transport: string) {
  return connectNodeAdapter({
    routes, grpc: true, grpcWeb: false, connect: false,
    contextValues: (req) => createContextValues().set(TRANSPORT, transport).set(NODE_REQUEST, req),
  });
}

function listen(server: http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

const ports = [`PORT=${await listen(http2.createServer(handler("plaintext")))}`];
if (tlsDir !== undefined) {
  const cert = readFileSync(join(tlsDir, "server.pem"));
  const key = readFileSync(join(tlsDir, "server.key"));
  const ca = readFileSync(join(tlsDir, "ca.pem"));
  const tls = http2.createSecureServer({ cert, key }, handler("tls"));
  const mtls = http2.createSecureServer(
    { cert, key, ca, requestCert: true, rejectUnauthorized: true }, handler("mtls"));
  ports.push(`TLS_PORT=${await listen(tls)}`, `MTLS_PORT=${await listen(mtls)}`);
}
process.stdout.write(ports.join(" ") + "\n");
// Until the driver kills us; SIGTERM ends the process cleanly.
process.on("SIGTERM", () => process.exit(0));
