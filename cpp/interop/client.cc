// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// C++ interop test client (test code only; protocol in tests/interop/README.rst).
//   interop-client --target 127.0.0.1:N --token T --cases NAME,NAME,...
//       [--tls-dir DIR --tls-target 127.0.0.1:T --mtls-target 127.0.0.1:M]
// Prints one JSON line per case; a failure carries the first difference.
// Every stream is finished exactly once, also when a case fails halfway.

#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

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
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "oaktree/v1/compute.grpc.pb.h"
#include "oaktree/v1/image.grpc.pb.h"

namespace v1 = oaktree::v1;
using grpc::ClientContext;
using grpc::Status;
using grpc::StatusCode;

namespace {

constexpr int kUnaryMs = 30000;
constexpr int kStreamMs = 60000;  // the protocol's ceiling for any RPC

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

// The whole message, every field: the first difference, or "" when equal.
std::string Difference(const google::protobuf::Message& want, const google::protobuf::Message& got) {
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  if (d.Compare(want, got)) return "";
  return report + " (expected " + want.ShortDebugString() + ", got " + got.ShortDebugString() + ")";
}

void ExpectMessage(const std::string& what, const google::protobuf::Message& want,
                   const google::protobuf::Message& got) {
  std::string diff = Difference(want, got);
  if (!diff.empty()) throw Failure(what + ": " + diff);
}

std::string MapValue(const google::protobuf::Map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "<unset>" : it->second;
}

void ExpectStatus(const std::string& what, const Status& st, StatusCode code,
                  const std::string& message = "") {
  if (st.ok()) throw Failure(what + ": expected status " + interop::CodeName(code) + ", got OK");
  Expect(what + " status", interop::CodeName(code), interop::CodeName(st.error_code()));
  if (!message.empty()) Expect(what + " message", message, st.error_message());
}

// The google.rpc.Status of grpc-status-details-bin, which must agree with
// the call's own code and message.
google::rpc::Status RpcStatus(const std::string& what, const Status& st) {
  google::rpc::Status rpc;
  if (st.error_details().empty()) throw Failure(what + ": no grpc-status-details-bin");
  if (!rpc.ParseFromString(st.error_details()))
    throw Failure(what + ": grpc-status-details-bin is not a google.rpc.Status");
  Expect(what + " google.rpc.Status code", static_cast<int>(st.error_code()), rpc.code());
  Expect(what + " google.rpc.Status message", st.error_message(), rpc.message());
  return rpc;
}

// The one ErrorInfo of an error's details.
google::rpc::ErrorInfo OneErrorInfo(const std::string& what, const google::rpc::Status& rpc) {
  std::vector<google::rpc::ErrorInfo> found;
  for (const auto& any : rpc.details()) {
    if (!any.Is<google::rpc::ErrorInfo>()) continue;
    found.emplace_back();
    if (!any.UnpackTo(&found.back())) throw Failure(what + ": an undecodable ErrorInfo");
  }
  Expect(what + " ErrorInfo details", size_t(1), found.size());
  return found[0];
}

void Check(const Status& st) {  // an unexpected error status fails the case
  if (!st.ok())
    throw Failure("unexpected status " + interop::CodeName(st.error_code()) + ": " + st.error_message());
}

struct TlsFiles {
  std::string dir, tls_target, mtls_target;
};

std::string Read(const std::string& path) {
  std::string s;
  if (!interop::ReadFile(path, &s)) throw Failure("cannot read " + path);
  return s;
}

// A TLS channel to 127.0.0.1 that verifies the server as "localhost".
std::shared_ptr<grpc::Channel> TlsChannel(const std::string& target, const std::string& ca,
                                          const std::string& key = "", const std::string& cert = "") {
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = ca;
  opts.pem_private_key = key;
  opts.pem_cert_chain = cert;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // no connection shared between legs
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(opts), args);
}

class Cases {
 public:
  Cases(std::shared_ptr<grpc::Channel> ch, std::string token, TlsFiles tls)
      : compute_(v1::ComputeService::NewStub(ch)), image_(v1::ImageService::NewStub(ch)),
        token_(std::move(token)), tls_(std::move(tls)) {}

  // Extra JSON fields of the last case's line (the deadline's attempts).
  std::string extra;

  void Unary() {
    ClientContext ctx;
    Auth(&ctx, kUnaryMs);
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("server-42");
    Check(compute_->GetServer(&ctx, req, &resp));
    const v1::Server& s = resp.server();
    Expect("server.id", "id-server-42", s.id());
    Expect("server.name", "server-42", s.name());
    Expect("server.status", "SERVER_STATUS_ACTIVE", v1::ServerStatus_Name(s.status()));
    Expect("server.resource_name", "clouds/interop/regions/RegionOne/servers/id-server-42",
           s.resource_name());
    ExpectLanguage(s);
  }

  void AuthCase() {
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("server-42");
    for (const char* token : {"wrong-token", ""}) {
      const std::string what = *token ? "wrong token" : "no token";
      ClientContext ctx;
      if (*token) ctx.AddMetadata("authorization", std::string("Bearer ") + token);
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(kUnaryMs));
      Status st = compute_->GetServer(&ctx, req, &resp);
      ExpectStatus(what, st, StatusCode::UNAUTHENTICATED, interop::kAuthMessage);
      google::rpc::ErrorInfo info = OneErrorInfo(what, RpcStatus(what, st));
      Expect(what + " ErrorInfo.reason", interop::Reason(v1::ERROR_REASON_CALLER_UNAUTHENTICATED),
             info.reason());
      Expect(what + " ErrorInfo.domain", interop::kDomain, info.domain());
    }
  }

  void NotFound() {
    ClientContext ctx;
    Auth(&ctx, kUnaryMs);
    v1::GetServerRequest req;
    v1::GetServerResponse resp;
    req.set_name_or_id("missing-1");
    ExpectStatus("GetServer(missing-1)", compute_->GetServer(&ctx, req, &resp),
                 StatusCode::NOT_FOUND, "no server matches missing-1");
  }

  // A CANCELLED attempt is retried, at most 5 attempts (why: the deadline
  // case in tests/interop/README.rst); the line reports the attempts made.
  void Deadline() {
    for (int attempt = 1;; ++attempt) {
      extra = ", \"attempts\": " + std::to_string(attempt);
      ClientContext ctx;
      Auth(&ctx, 300);
      v1::GetServerRequest req;
      v1::GetServerResponse resp;
      req.set_name_or_id("slow");
      const auto start = std::chrono::steady_clock::now();
      Status st = compute_->GetServer(&ctx, req, &resp);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start).count();
      const std::string what = "GetServer(slow) with a 300 ms deadline, attempt " +
                               std::to_string(attempt) + ", after " + std::to_string(ms) + " ms";
      if (st.error_code() == StatusCode::CANCELLED && attempt < 5) continue;
      ExpectStatus(what, st, StatusCode::DEADLINE_EXCEEDED);
      if (ms >= 5000) throw Failure(what + ": DEADLINE_EXCEEDED came 5 s or more after the call");
      return;
    }
  }

  void ServerStream() {
    ClientContext ctx;
    Auth(&ctx, kStreamMs);
    v1::ListServersRequest req;
    req.mutable_selector()->set_name_or_id("bulk-*");
    auto& f = *req.mutable_selector()->mutable_filters()->mutable_fields();
    f["count"].set_number_value(interop::kStreamCount);
    f["padding"].set_number_value(interop::kPadding);
    auto reader = compute_->ListServers(&ctx, req);
    v1::ListServersResponse resp;
    int n = 0;
    size_t total = 0;
    std::vector<v1::ScopeOutcome> outcomes;
    std::string diff;  // the first difference; the stream is cancelled there
    while (reader->Read(&resp)) {
      const std::string at = "item " + std::to_string(n + outcomes.size());
      total += resp.ByteSizeLong();
      if (resp.item_case() == v1::ListServersResponse::kScopeOutcome) {
        outcomes.push_back(resp.scope_outcome());
        if (outcomes.size() > 2) diff = at + ": a third scope_outcome";
      } else if (resp.item_case() != v1::ListServersResponse::kServer) {
        diff = at + ": neither server nor scope_outcome";
      } else if (!outcomes.empty()) {
        diff = at + ": a server after a scope_outcome";
      } else {
        char want[32];
        snprintf(want, sizeof want, "bulk-%05d", n);
        auto it = resp.server().properties().fields().find("padding");
        size_t pad = it == resp.server().properties().fields().end() ? 0 : it->second.string_value().size();
        if (resp.server().name() != want)
          diff = at + " server.name: expected " + want + ", got " + resp.server().name();
        else if (pad != size_t(interop::kPadding))
          diff = at + " padding length: expected " + std::to_string(interop::kPadding) + ", got " +
                 std::to_string(pad);
        ++n;
      }
      if (!diff.empty()) {
        ctx.TryCancel();
        break;
      }
    }
    Status st = reader->Finish();
    if (!diff.empty()) throw Failure(diff);
    Check(st);
    Expect("server items received", interop::kStreamCount, n);
    if (total <= 8u * 1024 * 1024)
      throw Failure("stream total " + std::to_string(total) + " bytes, expected far above 4 MiB");
    Expect("scope_outcome items", size_t(2), outcomes.size());
    v1::ScopeOutcome one;
    one.mutable_location()->set_cloud("interop");
    one.mutable_location()->set_region_name("RegionOne");
    one.set_code(0);
    one.set_count(interop::kStreamCount);
    ExpectMessage("first scope_outcome", one, outcomes[0]);
    Expect("first scope_outcome count against the servers received", int64_t(n), outcomes[0].count());
    v1::ScopeOutcome two;
    two.mutable_location()->set_cloud("interop");
    two.mutable_location()->set_region_name("RegionTwo");
    two.set_code(14);
    two.set_reason(v1::ERROR_REASON_CLOUD_UNREACHABLE);
    two.set_message("RegionTwo is unreachable");
    (*two.mutable_metadata())["cloud_request_id"] = "req-interop-2";
    two.set_count(0);
    two.mutable_retry_delay()->set_seconds(2);
    ExpectMessage("second scope_outcome", two, outcomes[1]);
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
    Auth(&ctx, kStreamMs);
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

  // The stream must still be running when the client cancels it: one that
  // ends before 5 messages fails the case whatever its status. Finish() is
  // called once, on every path.
  void Cancel() {
    const std::string tag = "cancel-cpp-" + std::to_string(
        std::chrono::steady_clock::now().time_since_epoch().count());
    ClientContext ctx;
    Auth(&ctx, kStreamMs);
    v1::ListServersRequest req;
    req.mutable_selector()->set_name_or_id(tag);
    (*req.mutable_selector()->mutable_filters()->mutable_fields())["count"].set_number_value(1000000);
    auto reader = compute_->ListServers(&ctx, req);
    v1::ListServersResponse resp;
    int got = 0;
    bool ended = false;
    std::string diff;
    while (got < 5 && diff.empty()) {
      if (!reader->Read(&resp)) {
        ended = true;
        break;
      }
      if (resp.item_case() != v1::ListServersResponse::kServer)
        diff = "item " + std::to_string(got) + " is not a server item";
      ++got;
    }
    if (!ended) {  // a cancel after the end would hide the server's status
      ctx.TryCancel();
      while (reader->Read(&resp)) {
      }  // drain what was buffered before the cancel took effect
    }
    const Status st = reader->Finish();
    if (ended)
      throw Failure("the stream ended after " + std::to_string(got) +
                    " of 1000000 messages, before the client cancelled it (status " +
                    interop::CodeName(st.error_code()) + ": " + st.error_message() + ")");
    if (!diff.empty()) throw Failure(diff);
    ExpectStatus("stream after cancel", st, StatusCode::CANCELLED);
    for (int i = 0; i < 100; ++i) {  // bounded: the server records the cancel asynchronously
      ClientContext c;
      Auth(&c, kUnaryMs);
      v1::GetServerRequest q;
      v1::GetServerResponse r;
      q.set_name_or_id("cancelled?" + tag);
      Check(compute_->GetServer(&c, q, &r));
      if (r.server().status() == v1::SERVER_STATUS_DELETED) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw Failure("server did not report the cancellation of " + tag);
  }

  void RichError() {
    const std::string request_id = "req-cpp-" + std::to_string(
        std::chrono::system_clock::now().time_since_epoch().count());
    ClientContext ctx;
    Auth(&ctx, kUnaryMs);
    v1::CreateServerRequest req;
    req.mutable_location()->set_cloud("interop");
    req.mutable_location()->set_region_name("RegionOne");
    req.set_name("rich-error");
    req.set_image("cirros");
    req.set_flavor("m1.tiny");
    req.set_request_id(request_id);
    v1::CreateServerResponse resp;
    const Status st = compute_->CreateServer(&ctx, req, &resp);
    ExpectStatus("CreateServer(rich-error)", st, StatusCode::FAILED_PRECONDITION,
                 "server rich-error went to ERROR");
    const google::rpc::Status rpc = RpcStatus("CreateServer(rich-error)", st);
    Expect("details", 3, rpc.details_size());

    google::rpc::ErrorInfo info;
    info.set_reason(interop::Reason(v1::ERROR_REASON_RESOURCE_IN_ERROR_STATE));
    info.set_domain(interop::kDomain);
    auto& md = *info.mutable_metadata();
    md["cloud"] = "interop";
    md["region"] = "RegionOne";
    md["resource_type"] = "oaktree.v1.Server";
    md["resource_name"] = interop::kRichErrorName;
    md["request_id"] = request_id;
    md["cloud_request_id"] = "req-interop-1";
    md["fault"] = "No valid host was found";
    google::rpc::ResourceInfo resource;
    resource.set_resource_type("oaktree.v1.Server");
    resource.set_resource_name(interop::kRichErrorName);
    resource.set_owner("project-interop");
    resource.set_description("No valid host was found");
    v1::Server server;
    server.set_id("id-rich-error");
    server.set_name("rich-error");
    server.set_status(v1::SERVER_STATUS_ERROR);
    server.set_resource_name(interop::kRichErrorName);
    server.mutable_location()->set_cloud("interop");
    server.mutable_location()->set_region_name("RegionOne");

    // In any order: each expected detail exactly once.
    std::vector<const google::protobuf::Message*> want = {&info, &resource, &server};
    std::vector<bool> seen(want.size());
    for (const auto& any : rpc.details()) {
      size_t k = 0;
      const std::string type = any.type_url().substr(any.type_url().rfind('/') + 1);
      while (k < want.size() && type != want[k]->GetDescriptor()->full_name()) ++k;
      if (k == want.size()) throw Failure("an unexpected detail " + any.type_url());
      if (seen[k]) throw Failure("a second " + any.type_url());
      seen[k] = true;
      std::unique_ptr<google::protobuf::Message> got(want[k]->New());
      if (!any.UnpackTo(got.get())) throw Failure("an undecodable " + any.type_url());
      ExpectMessage("detail " + want[k]->GetDescriptor()->full_name(), *want[k], *got);
    }
  }

  void Tls() {
    RequireTls();
    const std::string ca = Read(tls_.dir + "/ca.pem");
    v1::Server s = WhoAmI(TlsChannel(tls_.tls_target, ca), "TLS, trusting ca.pem");
    Expect("whoami server.id", "id-whoami", s.id());
    ExpectLanguage(s);
    Expect("whoami metadata transport", "tls", MapValue(s.metadata(), "transport"));
    ExpectRefused(TlsChannel(tls_.tls_target, Read(tls_.dir + "/other-ca.pem")),
                  "TLS trusting only other-ca.pem");
  }

  void Mtls() {
    RequireTls();
    const std::string ca = Read(tls_.dir + "/ca.pem");
    v1::Server s = WhoAmI(TlsChannel(tls_.mtls_target, ca, Read(tls_.dir + "/client.key"),
                                     Read(tls_.dir + "/client.pem")),
                          "mutual TLS with client.pem");
    Expect("whoami server.id", "id-whoami", s.id());
    ExpectLanguage(s);
    Expect("whoami metadata transport", "mtls", MapValue(s.metadata(), "transport"));
    Expect("whoami metadata client-cn", "oaktree-interop-client", MapValue(s.metadata(), "client-cn"));
    ExpectRefused(TlsChannel(tls_.mtls_target, ca), "mutual TLS without a client certificate");
  }

 private:
  void Auth(ClientContext* ctx, int timeout_ms) {
    ctx->AddMetadata("authorization", "Bearer " + token_);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  }

  void RequireTls() {
    if (tls_.dir.empty() || tls_.tls_target.empty() || tls_.mtls_target.empty())
      throw Failure("needs --tls-dir, --tls-target and --mtls-target");
  }

  // Any language may answer: the value is checked by the driver's probe.
  static void ExpectLanguage(const v1::Server& s) {
    auto it = s.metadata().find("server-language");
    if (it == s.metadata().end() || it->second.empty())
      throw Failure("server " + s.name() + ": no metadata server-language");
  }

  Status CallWhoAmI(std::shared_ptr<grpc::Channel> ch, v1::GetServerResponse* resp) {
    auto stub = v1::ComputeService::NewStub(ch);
    ClientContext ctx;
    Auth(&ctx, kUnaryMs);
    v1::GetServerRequest req;
    req.set_name_or_id("whoami");
    return stub->GetServer(&ctx, req, resp);
  }

  v1::Server WhoAmI(std::shared_ptr<grpc::Channel> ch, const std::string& what) {
    v1::GetServerResponse resp;
    Status st = CallWhoAmI(ch, &resp);
    if (!st.ok())
      throw Failure(what + ": GetServer(whoami) " + interop::CodeName(st.error_code()) + ": " +
                    st.error_message());
    return resp.server();
  }

  void ExpectRefused(std::shared_ptr<grpc::Channel> ch, const std::string& what) {
    v1::GetServerResponse resp;
    if (CallWhoAmI(ch, &resp).ok()) throw Failure(what + ": GetServer(whoami) succeeded");
  }

  Status Upload(const std::string& data, const std::string& sha, v1::UploadImageResponse* resp) {
    ClientContext ctx;
    Auth(&ctx, kStreamMs);
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
  TlsFiles tls_;
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (args["--target"].empty() || args["--token"].empty() || args["--cases"].empty()) {
    std::cerr << "usage: interop-client --target HOST:PORT --token T --cases NAME,NAME,...\n"
                 "       [--tls-dir DIR --tls-target HOST:PORT --mtls-target HOST:PORT]\n";
    return 2;
  }
  Cases c(grpc::CreateChannel(args["--target"], grpc::InsecureChannelCredentials()), args["--token"],
          TlsFiles{args["--tls-dir"], args["--tls-target"], args["--mtls-target"]});
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
      {"rich-error", [&] { c.RichError(); }},
      {"tls", [&] { c.Tls(); }},
      {"mtls", [&] { c.Mtls(); }},
  };
  bool failed = false;
  std::stringstream names(args["--cases"]);
  for (std::string name; std::getline(names, name, ',');) {
    c.extra.clear();
    std::string result = "\"ok\": true";
    try {
      auto run = cases.find(name);
      if (run == cases.end()) throw Failure("unknown case");
      run->second();
    } catch (const Failure& e) {
      failed = true;
      result = "\"ok\": false, \"error\": " + interop::JsonString(e.what());
    }
    std::cout << "{\"case\": " << interop::JsonString(name) << ", " << result << c.extra << "}"
              << std::endl;
  }
  return failed ? 1 : 0;
}
