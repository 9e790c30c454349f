// A user's first oaktreemodel program (js/README.rst, "Using it"): ask an
// oaktree server for one server over gRPC.
//   node out/consumer.js 127.0.0.1:PORT TOKEN
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ComputeService, GetServerRequestSchema, ServerStatus } from "oaktreemodel/v1/compute_pb.js";

const [target = "127.0.0.1:50051", token = ""] = process.argv.slice(2);
const transport = createGrpcTransport({ baseUrl: `http://${target}` });
const compute = createClient(ComputeService, transport);

const request = create(GetServerRequestSchema, { nameOrId: "server-42" });
const { server } = await compute.getServer(request, {
  headers: { authorization: `Bearer ${token}` },
  timeoutMs: 10_000,
});
if (server === undefined) throw new Error("GetServer returned no server");
console.log(`${server.name} ${server.id} ${ServerStatus[server.status]} ` +
  `server-language=${server.metadata["server-language"] ?? "?"}`);
