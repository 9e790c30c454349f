// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// C++ interop test server (test code only; protocol in tests/interop/README.rst).
//   interop-server --token T [--tls-dir DIR]
// prints PORT=<n> (with --tls-dir: PORT=<n> TLS_PORT=<t> MTLS_PORT=<m>) and
// serves until killed. Each port is its own grpc::Server, so every call knows
// the transport it came over ("whoami").

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "oaktree/v1/compute.grpc.pb.h"
#include "oaktree/v1/image.grpc.pb.h"

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;
namespace v1 = oaktree::v1;

namespace {

constexpr const char* kLanguage = "cpp";

// A failed status with the error model's details: a google.rpc.Status with
// the same code and message, serialized into grpc-status-details-bin.
Status RichStatus(StatusCode code, const std::string& message,
                  const std::vector<const google::protobuf::Message*>& details) {
  google::rpc::Status st;
  st.set_code(static_cast<int>(code));
  st.set_message(message);
  for (const google::protobuf::Message* d : details) st.add_details()->PackFrom(*d);
  return Status(code, message, st.SerializeAsString());
}

struct State {
  std::string token;
  std::mutex mu;
  std::set<std::string> cancelled;  // tags of ListServers streams seen cancelled

  // Exactly one `authorization: Bearer <token>`.
  Status Authorize(const ServerContext* ctx) const {
    const auto& md = ctx->client_metadata();
    auto range = md.equal_range("authorization");
    const std::string want = "Bearer " + token;
    if (md.count("authorization") == 1 &&
        std::string(range.first->second.data(), range.first->second.size()) == want)
      return Status::OK;
    google::rpc::ErrorInfo info;
    info.set_reason(interop::Reason(v1::ERROR_REASON_CALLER_UNAUTHENTICATED));
    info.set_domain(interop::kDomain);
    return RichStatus(StatusCode::UNAUTHENTICATED, interop::kAuthMessage, {&info});
  }
};

bool StartsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

double Number(const v1::Selector& sel, const std::string& key) {
  auto it = sel.filters().fields().find(key);
  return it == sel.filters().fields().end() ? 0 : it->second.number_value();
}

void SetLocation(v1::Location* loc, const std::string& region) {
  loc->set_cloud("interop");
  loc->set_region_name(region);
}

class Compute final : public v1::ComputeService::Service {
 public:
  Compute(State* s, std::string transport) : s_(s), transport_(std::move(transport)) {}

  Status GetServer(ServerContext* ctx, const v1::GetServerRequest* req,
                   v1::GetServerResponse* resp) override {
    if (Status st = s_->Authorize(ctx); !st.ok()) return st;
    const std::string& name = req->name_or_id();
    if (name == "slow") {  // never DEADLINE_EXCEEDED itself: the client's deadline ends the call
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!ctx->IsCancelled() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      resp->mutable_server()->set_id("id-slow");
      resp->mutable_server()->set_name("slow");
      return Status::OK;
    }
    if (StartsWith(name, "cancelled?")) {
      std::string tag = name.substr(strlen("cancelled?"));
      std::lock_guard<std::mutex> lock(s_->mu);
      resp->mutable_server()->set_name(tag);
      resp->mutable_server()->set_status(s_->cancelled.count(tag) ? v1::SERVER_STATUS_DELETED
                                                                  : v1::SERVER_STATUS_BUILD);
      return Status::OK;
    }
    if (name == "whoami") {
      v1::Server* s = resp->mutable_server();
      s->set_id("id-whoami");
      s->set_name("whoami");
      auto& md = *s->mutable_metadata();
      md["server-language"] = kLanguage;
      md["transport"] = transport_;
      if (transport_ == "mtls") {
        auto cn = ctx->auth_context()->FindPropertyValues("x509_common_name");
        if (cn.size() != 1)
          return Status(StatusCode::INTERNAL, "mutual TLS call without one client certificate CN");
        md["client-cn"] = std::string(cn[0].data(), cn[0].size());
      }
      return Status::OK;
    }
    if (StartsWith(name, "server-")) {
      v1::Server* s = resp->mutable_server();
      s->set_id("id-" + name);
      s->set_name(name);
      s->set_status(v1::SERVER_STATUS_ACTIVE);
      s->set_resource_name("clouds/interop/regions/RegionOne/servers/id-" + name);
      (*s->mutable_metadata())["server-language"] = kLanguage;
      return Status::OK;
    }
    return Status(StatusCode::NOT_FOUND, "no server matches " + name);
  }

  Status ListServers(ServerContext* ctx, const v1::ListServersRequest* req,
                     grpc::ServerWriter<v1::ListServersResponse>* writer) override {
    if (Status st = s_->Authorize(ctx); !st.ok()) return st;
    const v1::Selector& sel = req->selector();
    const int count = static_cast<int>(Number(sel, "count"));
    if (StartsWith(sel.name_or_id(), "cancel-")) {
      // Every client so far asks "cancelled?" + the whole name_or_id; the
      // table's wording also reads as the name without "cancel-": both count.
      const std::string& name = sel.name_or_id();
      v1::ListServersResponse resp;
      for (int i = 0; i < count; ++i) {
        resp.mutable_server()->set_name(name + "-" + std::to_string(i));
        if (!writer->Write(resp) || ctx->IsCancelled()) {
          std::lock_guard<std::mutex> lock(s_->mu);
          s_->cancelled.insert(name);
          s_->cancelled.insert(name.substr(strlen("cancel-")));
          return Status(StatusCode::CANCELLED, "client cancelled");
        }
      }
      return Status::OK;
    }
    if (sel.name_or_id() != "bulk-*")
      return Status(StatusCode::INVALID_ARGUMENT, "unknown selector " + sel.name_or_id());
    const std::string padding(static_cast<size_t>(Number(sel, "padding")), 'x');
    for (int i = 0; i < count; ++i) {
      char id[32];
      v1::ListServersResponse resp;
      v1::Server* s = resp.mutable_server();
      snprintf(id, sizeof id, "%05d", i);
      s->set_id(std::string("id-") + id);
      s->set_name(std::string("bulk-") + id);
      s->set_status(v1::SERVER_STATUS_ACTIVE);
      (*s->mutable_metadata())["index"] = std::to_string(i);
      auto& props = *s->mutable_properties()->mutable_fields();
      props["padding"].set_string_value(padding);
      props["index"].set_number_value(i);
      if (!writer->Write(resp)) return Status(StatusCode::CANCELLED, "client went away");
    }
    v1::ListServersResponse one;  // RegionOne sent every server
    v1::ScopeOutcome* ok = one.mutable_scope_outcome();
    SetLocation(ok->mutable_location(), "RegionOne");
    ok->set_code(0);
    ok->set_count(count);
    v1::ListServersResponse two;  // RegionTwo could not be reached
    v1::ScopeOutcome* down = two.mutable_scope_outcome();
    SetLocation(down->mutable_location(), "RegionTwo");
    down->set_code(static_cast<int>(StatusCode::UNAVAILABLE));
    down->set_reason(v1::ERROR_REASON_CLOUD_UNREACHABLE);
    down->set_message("RegionTwo is unreachable");
    (*down->mutable_metadata())["cloud_request_id"] = "req-interop-2";
    down->set_count(0);
    down->mutable_retry_delay()->set_seconds(2);
    if (!writer->Write(one) || !writer->Write(two))
      return Status(StatusCode::CANCELLED, "client went away");
    return Status::OK;
  }

  // Only the rich-error case: a create that fails with every detail of the
  // error model.
  Status CreateServer(ServerContext* ctx, const v1::CreateServerRequest* req,
                      v1::CreateServerResponse*) override {
    if (Status st = s_->Authorize(ctx); !st.ok()) return st;
    if (req->name() != "rich-error" || req->image() != "cirros" || req->flavor() != "m1.tiny" ||
        req->location().cloud() != "interop" || req->location().region_name() != "RegionOne" ||
        req->request_id().empty())
      return Status(StatusCode::INVALID_ARGUMENT,
                    "the interop server creates only rich-error (location interop/RegionOne, "
                    "image cirros, flavor m1.tiny, a request_id): got " + req->ShortDebugString());
    const std::string fault = "No valid host was found";
    google::rpc::ErrorInfo info;
    info.set_reason(interop::Reason(v1::ERROR_REASON_RESOURCE_IN_ERROR_STATE));
    info.set_domain(interop::kDomain);
    auto& md = *info.mutable_metadata();
    md["cloud"] = "interop";
    md["region"] = "RegionOne";
    md["resource_type"] = "oaktree.v1.Server";
    md["resource_name"] = interop::kRichErrorName;
    md["request_id"] = req->request_id();
    md["cloud_request_id"] = "req-interop-1";
    md["fault"] = fault;
    google::rpc::ResourceInfo resource;
    resource.set_resource_type("oaktree.v1.Server");
    resource.set_resource_name(interop::kRichErrorName);
    resource.set_owner("project-interop");
    resource.set_description(fault);
    v1::Server server;  // the last one observed
    server.set_id("id-rich-error");
    server.set_name("rich-error");
    server.set_status(v1::SERVER_STATUS_ERROR);
    server.set_resource_name(interop::kRichErrorName);
    SetLocation(server.mutable_location(), "RegionOne");
    return RichStatus(StatusCode::FAILED_PRECONDITION, "server rich-error went to ERROR",
                      {&info, &resource, &server});
  }

 private:
  State* s_;
  const std::string transport_;
};

class Image final : public v1::ImageService::Service {
 public:
  explicit Image(State* s) : s_(s) {}

  Status UploadImage(ServerContext* ctx, grpc::ServerReader<v1::UploadImageRequest>* reader,
                     v1::UploadImageResponse* resp) override {
    if (Status st = s_->Authorize(ctx); !st.ok()) return st;
    v1::UploadImageRequest req;
    if (!reader->Read(&req) || !req.has_metadata())
      return Status(StatusCode::INVALID_ARGUMENT, "first message must be metadata");
    const v1::ImageUploadMetadata meta = req.metadata();
    interop::Sha256 sha;
    int64_t size = 0;
    while (reader->Read(&req)) {
      if (req.has_metadata())
        return Status(StatusCode::INVALID_ARGUMENT, "metadata after the first message");
      sha.Update(req.chunk());
      size += static_cast<int64_t>(req.chunk().size());
    }
    const std::string sum = sha.HexDigest();
    if (size != meta.size() || sum != meta.sha256())
      return Status(StatusCode::DATA_LOSS, "sha256 or size mismatch: got " +
                                               std::to_string(size) + " bytes sha256 " + sum);
    resp->mutable_image()->set_id("img-" + sum.substr(0, 16));
    resp->mutable_image()->set_name(meta.name());
    resp->mutable_image()->set_size(size);
    return Status::OK;
  }

  Status DownloadImage(ServerContext* ctx, const v1::DownloadImageRequest* req,
                       grpc::ServerWriter<v1::DownloadImageResponse>* writer) override {
    if (Status st = s_->Authorize(ctx); !st.ok()) return st;
    const std::string& name = req->name_or_id();
    const std::string digits = StartsWith(name, "pattern-") ? name.substr(8) : "";
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
      return Status(StatusCode::NOT_FOUND, "no image matches " + name);
    const size_t size = std::stoul(digits);
    const std::string data = interop::UploadData(size);
    v1::DownloadImageResponse resp;
    for (size_t off = 0; off < size; off += interop::kChunk) {
      resp.set_chunk(data.substr(off, interop::kChunk));
      if (!writer->Write(resp)) return Status(StatusCode::CANCELLED, "client went away");
    }
    return Status::OK;
  }

 private:
  State* s_;
};

// One listening port with its own services, labelled by transport.
struct Endpoint {
  std::unique_ptr<Compute> compute;
  std::unique_ptr<Image> image;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  bool Start(State* state, const std::string& transport,
             std::shared_ptr<grpc::ServerCredentials> creds) {
    compute = std::make_unique<Compute>(state, transport);
    image = std::make_unique<Image>(state);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", creds, &port);
    builder.RegisterService(compute.get());
    builder.RegisterService(image.get());
    server = builder.BuildAndStart();
    return server && port != 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  State state;
  std::string tls_dir;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--token") state.token = argv[i + 1];
    if (std::string(argv[i]) == "--tls-dir") tls_dir = argv[i + 1];
  }
  if (state.token.empty()) {
    std::cerr << "usage: interop-server --token T [--tls-dir DIR]\n";
    return 2;
  }
  Endpoint plain, tls, mtls;
  if (!plain.Start(&state, "plaintext", grpc::InsecureServerCredentials())) {
    std::cerr << "interop-server: cannot listen on 127.0.0.1\n";
    return 1;
  }
  if (tls_dir.empty()) {
    std::cout << "PORT=" << plain.port << std::endl;
    plain.server->Wait();  // until the driver kills us
    return 0;
  }
  std::string ca, cert, key;
  for (auto [name, out] : {std::pair{"ca.pem", &ca}, {"server.pem", &cert}, {"server.key", &key}})
    if (!interop::ReadFile(tls_dir + "/" + name, out)) {
      std::cerr << "interop-server: cannot read " << tls_dir << "/" << name << "\n";
      return 1;
    }
  grpc::SslServerCredentialsOptions tls_opts(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  tls_opts.pem_key_cert_pairs.push_back({key, cert});
  grpc::SslServerCredentialsOptions mtls_opts(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  mtls_opts.pem_root_certs = ca;
  mtls_opts.pem_key_cert_pairs.push_back({key, cert});
  if (!tls.Start(&state, "tls", grpc::SslServerCredentials(tls_opts)) ||
      !mtls.Start(&state, "mtls", grpc::SslServerCredentials(mtls_opts))) {
    std::cerr << "interop-server: cannot listen with TLS on 127.0.0.1 (certificates in "
              << tls_dir << ")\n";
    return 1;
  }
  std::cout << "PORT=" << plain.port << " TLS_PORT=" << tls.port << " MTLS_PORT=" << mtls.port
            << std::endl;
  plain.server->Wait();  // until the driver kills us
  return 0;
}
