// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
// JS interop test server (test code only; protocol in tests/interop/README.rst):
// plain gRPC over cleartext HTTP/2 with @connectrpc/connect-node.
//   interop-server --token T   binds 127.0.0.1:0, prints PORT=<n>, serves
import { createHash } from "node:crypto";
import * as http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ComputeService, ServerStatus } from "oaktreemodel/v1/compute_pb.js";
import { ImageService, type UploadImageRequest } from "oaktreemodel/v1/image_pb.js";
import { AUTH_MESSAGE, CHUNK, parseFlags, patternBytes } from "./common.js";

const flags = parseFlags(process.argv.slice(2), ["token"]);
const token = flags.get("token");
if (!token) {
  console.error("usage: interop-server --token T");
  process.exit(2);
}

/** Tags of ListServers("cancel-...") streams this server saw cancelled. */
const cancelled = new Set<string>();

function authorize(ctx: HandlerContext): void {
  if (ctx.requestHeader.get("x-auth-token") !== token) {
    throw new ConnectError(AUTH_MESSAGE, Code.Unauthenticated);
  }
}

function routes(router: ConnectRouter): void {
  router.service(ComputeService, {
    async getServer(req, ctx) {
      authorize(ctx);
      const name = req.nameOrId;
      if (name === "slow") {
        // Sleep up to 10 s, until the call is cancelled (its deadline expired).
        for (let i = 0; i < 1000 && !ctx.signal.aborted; i++) {
          await sleep(10);
        }
        throw new ConnectError("slow server", Code.DeadlineExceeded);
      }
      if (name.startsWith("cancelled?")) {
        const tag = name.slice("cancelled?".length);
        const status = cancelled.has(tag) ? ServerStatus.DELETED : ServerStatus.BUILD;
        return { server: { name: tag, status } };
      }
      if (name.startsWith("server-")) {
        return {
          server: {
            id: "id-" + name, name, status: ServerStatus.ACTIVE,
            metadata: { "server-language": "js" },
          },
        };
      }
      throw new ConnectError("no server matches " + name, Code.NotFound);
    },

    async *listServers(req, ctx) {
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
            yield { server: { name: `${nameOrId}-${i}` } };
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
          server: {
            id: "id-" + n, name: "bulk-" + n, status: ServerStatus.ACTIVE,
            metadata: { index: String(i) },
            properties: { padding: pad, index: i },
          },
        };
      }
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

const handler = connectNodeAdapter({ routes, grpc: true, grpcWeb: false, connect: false });
const server = http2.createServer(handler);
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no TCP address");
  process.stdout.write(`PORT=${addr.port}\n`);
});
// Until the driver kills us; SIGTERM ends the process cleanly.
process.on("SIGTERM", () => process.exit(0));
