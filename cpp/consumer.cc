// A small C++ user of liboaktreemodel: serves ComputeService on 127.0.0.1
// (OS-chosen port) and calls it through the generated stub over a real
// socket. Built twice: as `make check`'s cpp/rpc_test against the build tree,
// and by installcheck against the installed tree with pkg-config alone.
// Exits non-zero, saying what differed, when anything is off.

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "oaktree/v1/compute.grpc.pb.h"
#include "oaktree/v1/image.grpc.pb.h"

namespace v1 = oaktree::v1;

namespace {

constexpr int kServers = 1000;

class Compute final : public v1::ComputeService::Service {
  grpc::Status GetServer(grpc::ServerContext*, const v1::GetServerRequest* req,
                         v1::GetServerResponse* resp) override {
    if (req->name_or_id() != "web-1") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no server " + req->name_or_id());
    }
    v1::Server* s = resp->mutable_server();
    s->set_id("0001");
    s->set_name("web-1");
    s->set_status(v1::SERVER_STATUS_ACTIVE);
    s->mutable_location()->set_cloud(req->location().cloud());
    s->mutable_location()->set_region_name("RegionOne");
    (*s->mutable_metadata())["group"] = "web";
    return grpc::Status::OK;
  }

  grpc::Status ListServers(grpc::ServerContext*, const v1::ListServersRequest* req,
                           grpc::ServerWriter<v1::ListServersResponse>* writer) override {
    for (int i = 0; i < kServers; ++i) {
      v1::ListServersResponse resp;
      resp.mutable_server()->set_name("server-" + std::to_string(i));
      resp.mutable_server()->mutable_location()->set_cloud(req->location().cloud());
      if (!writer->Write(resp)) break;
    }
    return grpc::Status::OK;
  }
};

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
  if (!ok) ++failures;
}

}  // namespace

int main() {
  Compute service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "could not start a server on 127.0.0.1" << std::endl;
    return 1;
  }
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  auto compute = v1::ComputeService::NewStub(channel);

  {
    grpc::ClientContext ctx;
    v1::GetServerRequest req;
    req.set_name_or_id("web-1");
    req.mutable_location()->set_cloud("mycloud");
    v1::GetServerResponse resp;
    grpc::Status st = compute->GetServer(&ctx, req, &resp);
    expect(st.ok(), "GetServer succeeds: " + st.error_message());
    expect(resp.server().name() == "web-1" && resp.server().status() == v1::SERVER_STATUS_ACTIVE,
           "GetServer returns web-1 ACTIVE, got " + resp.server().ShortDebugString());
    expect(resp.server().location().cloud() == "mycloud" &&
               resp.server().location().region_name() == "RegionOne",
           "GetServer carries the location");
    expect(resp.server().metadata().at("group") == "web", "GetServer carries metadata");
  }
  {
    grpc::ClientContext ctx;
    v1::GetServerRequest req;
    req.set_name_or_id("nope");
    v1::GetServerResponse resp;
    grpc::Status st = compute->GetServer(&ctx, req, &resp);
    expect(st.error_code() == grpc::StatusCode::NOT_FOUND && st.error_message() == "no server nope",
           "GetServer of a missing server is NOT_FOUND, got " + std::to_string(st.error_code()) +
               " " + st.error_message());
  }
  {
    grpc::ClientContext ctx;
    v1::ListServersRequest req;
    req.mutable_location()->set_cloud("mycloud");
    auto reader = compute->ListServers(&ctx, req);
    v1::ListServersResponse resp;
    int n = 0;
    bool in_order = true;
    while (reader->Read(&resp)) {
      in_order = in_order && resp.server().name() == "server-" + std::to_string(n);
      ++n;
    }
    grpc::Status st = reader->Finish();
    expect(st.ok() && n == kServers && in_order,
           "ListServers streams " + std::to_string(kServers) + " servers in order, got " +
               std::to_string(n));
  }
  {
    // ImageService is not registered on this server: the stub must say so.
    auto images = v1::ImageService::NewStub(channel);
    grpc::ClientContext ctx;
    v1::DownloadImageRequest req;
    auto reader = images->DownloadImage(&ctx, req);
    v1::DownloadImageResponse resp;
    while (reader->Read(&resp)) {
    }
    grpc::Status st = reader->Finish();
    expect(st.error_code() == grpc::StatusCode::UNIMPLEMENTED,
           "an unregistered service is UNIMPLEMENTED");
  }

  server->Shutdown();
  std::cout << "port " << port << ": " << (failures ? "FAILED" : "passed")
            << std::endl;
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
