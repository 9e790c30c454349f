// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// A C++ client built only from the installed tree, the way a user builds one:
//   g++ -std=c++17 main.cc $(pkg-config --cflags --libs oaktreemodel)
// It calls an interop test server (protocol in tests/interop/README.rst).
//   consumer HOST:PORT TOKEN   -> exit 0 when every call behaved.

#include <grpcpp/grpcpp.h>
#include <oaktree/v1/compute.grpc.pb.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

namespace v1 = oaktree::v1;

namespace {

void Prepare(grpc::ClientContext* ctx, const std::string& token) {
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: interop_consumer HOST:PORT TOKEN\n";
    return 2;
  }
  auto stub = v1::ComputeService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext ctx;
    Prepare(&ctx, argv[2]);
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("server-42");
    grpc::Status st = stub->GetServer(&ctx, req, &resp);
    if (!st.ok() || resp.server().name() != "server-42") {
      std::cerr << "cpp consumer: GetServer(server-42): " << st.error_message() << "\n";
      return 1;
    }
  }
  {
    grpc::ClientContext ctx;
    Prepare(&ctx, argv[2]);
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("missing-1");
    if (stub->GetServer(&ctx, req, &resp).error_code() != grpc::StatusCode::NOT_FOUND) {
      std::cerr << "cpp consumer: GetServer(missing-1): expected NOT_FOUND\n";
      return 1;
    }
  }
  grpc::ClientContext ctx;
  Prepare(&ctx, argv[2]);
  v1::ListServersRequest req;
  req.mutable_selector()->set_name_or_id("bulk-*");
  auto& filters = *req.mutable_selector()->mutable_filters()->mutable_fields();
  filters["count"].set_number_value(100);
  filters["padding"].set_number_value(10);
  auto reader = stub->ListServers(&ctx, req);
  // The stream: servers, then one ScopeOutcome per cloud-region (the test
  // server's RegionTwo is unreachable on purpose, code 14).
  v1::ListServersResponse resp;
  int n = 0, items = 0;
  std::vector<v1::ScopeOutcome> outcomes;
  while (reader->Read(&resp)) {
    if (++items > 1000) {  // far more than asked for: stop the stream
      ctx.TryCancel();
      while (reader->Read(&resp)) {
      }
      break;
    }
    if (resp.has_server()) ++n;
    else if (resp.has_scope_outcome()) outcomes.push_back(resp.scope_outcome());
  }
  grpc::Status st = reader->Finish();
  if (!st.ok() || n != 100 || outcomes.size() != 2 || outcomes[0].code() != 0 ||
      outcomes[0].count() != 100 || outcomes[1].code() != grpc::StatusCode::UNAVAILABLE) {
    std::cerr << "cpp consumer: ListServers: " << n << " servers, " << outcomes.size()
              << " scope outcomes, " << st.error_message() << "\n";
    return 1;
  }
  std::cout << "cpp consumer: ok (GetServer, NOT_FOUND, ListServers of 100 with 2 scope outcomes)\n";
  return 0;
}
