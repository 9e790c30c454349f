// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// C++ interop test client (test code only; protocol in tests/interop/README.rst).
//   interop-client --target 127.0.0.1:N --token T --cases NAME,NAME,...
// Prints one JSON line per case; a failure carries the first difference.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "oaktree/v1/compute.grpc.pb.h"
#include "oaktree/v1/image.grpc.pb.h"

namespace v1 = oaktree::v1;
using grpc::ClientContext;
using grpc::Status;
using grpc::StatusCode;

namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
std::string Str(const T& v) {
  if constexpr (std::is_convertible_v<T, std::string>) return std::string(v);
  else return std::to_string(v);
}

template <typename A, typename B>
void Expect(const std::string& what, const A& want, const B& got) {
  if (!(want == got)) throw Failure(what + ": expected " + Str(want) + ", got " + Str(got));
}

void ExpectStatus(const std::string& what, const Status& st, StatusCode code,
                  const std::string& message = "") {
  if (st.ok()) throw Failure(what + ": expected status " + interop::CodeName(code) + ", got OK");
  Expect(what + " status", interop::CodeName(code), interop::CodeName(st.error_code()));
  if (!message.empty()) Expect(what + " message", message, st.error_message());
}

void Check(const Status& st) {  // an unexpected error status fails the case
  if (!st.ok())
    throw Failure("unexpected status " + interop::CodeName(st.error_code()) + ": " + st.error_message());
}

class Cases {
 public:
  Cases(std::shared_ptr<grpc::Channel> ch, std::string token)
      : compute_(v1::ComputeService::NewStub(ch)), image_(v1::ImageService::NewStub(ch)),
        token_(std::move(token)) {}

  void Unary() {
    ClientContext ctx;
    Auth(&ctx, 30000);
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("server-42");
    Check(compute_->GetServer(&ctx, req, &resp));
    Expect("server.id", "id-server-42", resp.server().id());
    Expect("server.name", "server-42", resp.server().name());
    Expect("server.status", "SERVER_STATUS_ACTIVE", v1::ServerStatus_Name(resp.server().status()));
  }

  void AuthCase() {
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("server-42");
    {
      ClientContext ctx;
      ctx.AddMetadata("x-auth-token", "wrong-token");
      ExpectStatus("wrong token", compute_->GetServer(&ctx, req, &resp), StatusCode::UNAUTHENTICATED,
                   interop::kAuthMessage);
    }
    ClientContext ctx;
    ExpectStatus("no token", compute_->GetServer(&ctx, req, &resp), StatusCode::UNAUTHENTICATED,
                 interop::kAuthMessage);
  }

  void NotFound() {
    ClientContext ctx;
    Auth(&ctx, 30000);
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("missing-1");
    ExpectStatus("GetServer(missing-1)", compute_->GetServer(&ctx, req, &resp),
                 StatusCode::NOT_FOUND, "no server matches missing-1");
  }

  // A CANCELLED attempt is retried, at most 5 times (why: the deadline case
  // in tests/interop/README.rst).
  void Deadline() {
    for (int attempt = 1;; ++attempt) {
      ClientContext ctx;
      Auth(&ctx, 300);
      v1::GetServerRequest req;
      v1::GetServerResponse resp;
      req.set_name_or_id("slow");
      Status st = compute_->GetServer(&ctx, req, &resp);
      if (st.error_code() == StatusCode::CANCELLED && attempt < 5) continue;
      ExpectStatus("GetServer(slow) with 300 ms deadline, attempt " + std::to_string(attempt), st,
                   StatusCode::DEADLINE_EXCEEDED);
      return;
    }
  }

  void ServerStream() {
    ClientContext ctx;
    Auth(&ctx, 120000);
    v1::ListServersRequest req;
    req.mutable_selector()->set_name_or_id("bulk-*");
    auto& f = *req.mutable_selector()->mutable_filters()->mutable_fields();
    f["count"].set_number_value(interop::kStreamCount);
    f["padding"].set_number_value(interop::kPadding);
    auto reader = compute_->ListServers(&ctx, req);
    v1::ListServersResponse resp;
    int n = 0;
    size_t total = 0;
    while (reader->Read(&resp)) {
      char want[32];
      snprintf(want, sizeof want, "bulk-%05d", n);
      if (resp.server().name() != want) ctx.TryCancel();
      Expect("message " + std::to_string(n) + " name", std::string(want), resp.server().name());
      auto it = resp.server().properties().fields().find("padding");
      size_t pad = it == resp.server().properties().fields().end() ? 0 : it->second.string_value().size();
      Expect("message " + std::to_string(n) + " padding length", size_t(interop::kPadding), pad);
      ++n;
      total += resp.ByteSizeLong();
    }
    Check(reader->Finish());
    Expect("messages received", interop::kStreamCount, n);
    if (total <= 8u * 1024 * 1024)
      throw Failure("stream total " + std::to_string(total) + " bytes, expected far above 4 MiB");
  }

  void ClientStream() {
    const std::string data = interop::UploadData(interop::kUploadSize);
    interop::Sha256 sha;
    sha.Update(data);
    v1::UploadImageResponse resp;
    Check(Upload(data, sha.HexDigest(), &resp));
    Expect("image.name", "interop.img", resp.image().name());
    Expect("image.size", int64_t(data.size()), resp.image().size());
  }

  void UploadCorrupt() {
    v1::UploadImageResponse resp;
    ExpectStatus("upload with wrong sha256",
                 Upload(interop::UploadData(1024 * 1024), std::string(64, '0'), &resp),
                 StatusCode::DATA_LOSS);
  }

  void Download() {
    ClientContext ctx;
    Auth(&ctx, 120000);
    v1::DownloadImageRequest req;
    req.set_name_or_id("pattern-" + std::to_string(interop::kDownloadSize));
    auto reader = image_->DownloadImage(&ctx, req);
    v1::DownloadImageResponse resp;
    interop::Sha256 got;
    size_t n = 0;
    while (reader->Read(&resp)) {
      got.Update(resp.chunk());
      n += resp.chunk().size();
    }
    Check(reader->Finish());
    Expect("bytes downloaded", interop::kDownloadSize, n);
    interop::Sha256 want;
    want.Update(interop::UploadData(interop::kDownloadSize));
    Expect("sha256 of the download", want.HexDigest(), got.HexDigest());
  }

  void Cancel() {
    const std::string tag = "cancel-cpp-" + std::to_string(
        std::chrono::steady_clock::now().time_since_epoch().count());
    ClientContext ctx;
    Auth(&ctx, 120000);
    v1::ListServersRequest req;
    req.mutable_selector()->set_name_or_id(tag);
    (*req.mutable_selector()->mutable_filters()->mutable_fields())["count"].set_number_value(1000000);
    auto reader = compute_->ListServers(&ctx, req);
    v1::ListServersResponse resp;
    for (int i = 0; i < 5; ++i) {
      if (!reader->Read(&resp)) {  // the stream ended before the client cancelled it
        Status st = reader->Finish();
        throw Failure("stream ended after " + std::to_string(i) + " of 1000000 messages, before the cancel (status " +
                      interop::CodeName(st.error_code()) + ": " + st.error_message() + ")");
      }
    }
    ctx.TryCancel();
    for (int i = 0; i < 1000000 && reader->Read(&resp); ++i) {
    }  // drain what was buffered
    ExpectStatus("stream after cancel", reader->Finish(), StatusCode::CANCELLED);
    for (int i = 0; i < 100; ++i) {  // bounded: the server records the cancel asynchronously
      ClientContext c;
      Auth(&c, 30000);
      v1::GetServerRequest q;
      v1::GetServerResponse r;
      q.set_name_or_id("cancelled?" + tag);
      Check(compute_->GetServer(&c, q, &r));
      if (r.server().status() == v1::SERVER_STATUS_DELETED) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw Failure("server did not report the cancellation of " + tag);
  }

 private:
  void Auth(ClientContext* ctx, int timeout_ms) {
    ctx->AddMetadata("x-auth-token", token_);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  }

  Status Upload(const std::string& data, const std::string& sha, v1::UploadImageResponse* resp) {
    ClientContext ctx;
    Auth(&ctx, 120000);
    auto writer = image_->UploadImage(&ctx, resp);
    v1::UploadImageRequest req;
    req.mutable_metadata()->set_name("interop.img");
    req.mutable_metadata()->set_sha256(sha);
    req.mutable_metadata()->set_size(static_cast<int64_t>(data.size()));
    bool ok = writer->Write(req);
    for (size_t off = 0; ok && off < data.size(); off += interop::kChunk) {
      req.set_chunk(data.substr(off, interop::kChunk));
      ok = writer->Write(req);
    }
    writer->WritesDone();
    return writer->Finish();  // when a write failed, the server's status says why
  }

  std::unique_ptr<v1::ComputeService::Stub> compute_;
  std::unique_ptr<v1::ImageService::Stub> image_;
  std::string token_;
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (args["--target"].empty() || args["--token"].empty() || args["--cases"].empty()) {
    std::cerr << "usage: interop-client --target HOST:PORT --token T --cases NAME,NAME,...\n";
    return 2;
  }
  Cases c(grpc::CreateChannel(args["--target"], grpc::InsecureChannelCredentials()), args["--token"]);
  const std::map<std::string, std::function<void()>> cases = {
      {"unary", [&] { c.Unary(); }},
      {"auth", [&] { c.AuthCase(); }},
      {"not-found", [&] { c.NotFound(); }},
      {"deadline", [&] { c.Deadline(); }},
      {"server-stream", [&] { c.ServerStream(); }},
      {"client-stream", [&] { c.ClientStream(); }},
      {"upload-corrupt", [&] { c.UploadCorrupt(); }},
      {"download", [&] { c.Download(); }},
      {"cancel", [&] { c.Cancel(); }},
  };
  bool failed = false;
  std::stringstream names(args["--cases"]);
  for (std::string name; std::getline(names, name, ',');) {
    std::string line = "{\"case\": " + interop::JsonString(name) + ", \"ok\": true}";
    try {
      auto run = cases.find(name);
      if (run == cases.end()) throw Failure("unknown case");
      run->second();
    } catch (const Failure& e) {
      failed = true;
      line = "{\"case\": " + interop::JsonString(name) + ", \"ok\": false, \"error\": " +
             interop::JsonString(e.what()) + "}";
    }
    std::cout << line << std::endl;
  }
  return failed ? 1 : 0;
}
