// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// C++ interop test server (test code only; protocol in tests/interop/README.rst).
//   interop_server --token T   -> prints PORT=<n>, serves until killed.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common.h"
#include "oaktree/v1/compute.grpc.pb.h"
#include "oaktree/v1/image.grpc.pb.h"

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;
namespace v1 = oaktree::v1;

namespace {

struct State {
  std::string token;
  std::mutex mu;
  std::set<std::string> cancelled;  // tags of ListServers streams seen cancelled

  Status Authorize(const ServerContext* ctx) const {
    auto it = ctx->client_metadata().find("x-auth-token");
    if (it == ctx->client_metadata().end() ||
        std::string(it->second.data(), it->second.size()) != token)
      return Status(StatusCode::UNAUTHENTICATED, interop::kAuthMessage);
    return Status::OK;
  }
};

bool StartsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

double Number(const v1::Selector& sel, const std::string& key) {
  auto it = sel.filters().fields().find(key);
  return it == sel.filters().fields().end() ? 0 : it->second.number_value();
}

class Compute final : public v1::ComputeService::Service {
 public:
  explicit Compute(State* s) : s_(s) {}

  Status GetServer(ServerContext* ctx, const v1::GetServerRequest* req,
                   v1::GetServerResponse* resp) override {
    if (Status st = s_->Authorize(ctx); !st.ok()) return st;
    const std::string& name = req->name_or_id();
    if (name == "slow") {  // far past the client's deadline, unless cancelled
      for (int i = 0; i < 1000 && !ctx->IsCancelled(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return Status(StatusCode::DEADLINE_EXCEEDED, "slow server");
    }
    if (StartsWith(name, "cancelled?")) {
      std::string tag = name.substr(strlen("cancelled?"));
      std::lock_guard<std::mutex> lock(s_->mu);
      resp->mutable_server()->set_name(tag);
      resp->mutable_server()->set_status(s_->cancelled.count(tag) ? v1::SERVER_STATUS_DELETED
                                                                  : v1::SERVER_STATUS_BUILD);
      return Status::OK;
    }
    if (StartsWith(name, "server-")) {
      v1::Server* s = resp->mutable_server();
      s->set_id("id-" + name);
      s->set_name(name);
      s->set_status(v1::SERVER_STATUS_ACTIVE);
      (*s->mutable_metadata())["server-language"] = "cpp";
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
      v1::ListServersResponse resp;
      for (int i = 0; i < count; ++i) {
        resp.mutable_server()->set_name(sel.name_or_id() + "-" + std::to_string(i));
        if (!writer->Write(resp) || ctx->IsCancelled()) {
          std::lock_guard<std::mutex> lock(s_->mu);
          s_->cancelled.insert(sel.name_or_id());
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
    return Status::OK;
  }

 private:
  State* s_;
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

}  // namespace

int main(int argc, char** argv) {
  State state;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--token") state.token = argv[i + 1];
  if (state.token.empty()) {
    std::cerr << "usage: interop_server --token T\n";
    return 2;
  }
  Compute compute(&state);
  Image image(&state);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&compute);
  builder.RegisterService(&image);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "interop_server: cannot listen on 127.0.0.1\n";
    return 1;
  }
  std::cout << "PORT=" << port << std::endl;
  server->Wait();  // until the driver kills us
  return 0;
}
