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
  v1::ListServersResponse resp;
  int n = 0;
  while (n <= 100 && reader->Read(&resp)) ++n;
  grpc::Status st = reader->Finish();
  if (!st.ok() || n != 100) {
    std::cerr << "cpp consumer: ListServers: " << n << " servers, " << st.error_message() << "\n";
    return 1;
  }
  std::cout << "cpp consumer: ok (GetServer, NOT_FOUND, ListServers of 100)\n";
  return 0;
}
