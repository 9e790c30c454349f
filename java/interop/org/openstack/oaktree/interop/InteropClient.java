// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
package org.openstack.oaktree.interop;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.File;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.openstack.oaktree.v1.ComputeServiceGrpc;
import org.openstack.oaktree.v1.CreateServerRequest;
import org.openstack.oaktree.v1.DownloadImageRequest;
import org.openstack.oaktree.v1.DownloadImageResponse;
import org.openstack.oaktree.v1.GetServerRequest;
import org.openstack.oaktree.v1.ImageServiceGrpc;
import org.openstack.oaktree.v1.ImageUploadMetadata;
import org.openstack.oaktree.v1.ListServersRequest;
import org.openstack.oaktree.v1.ListServersResponse;
import org.openstack.oaktree.v1.Location;
import org.openstack.oaktree.v1.ScopeOutcome;
import org.openstack.oaktree.v1.Selector;
import org.openstack.oaktree.v1.Server;
import org.openstack.oaktree.v1.ServerStatus;
import org.openstack.oaktree.v1.UploadImageRequest;
import org.openstack.oaktree.v1.UploadImageResponse;

/**
 * The Java interop test client (test code only; protocol in tests/interop/README.rst). Runs the
 * listed cases in order in this one process and prints one JSON line per case; a failure carries
 * the first difference. Exit status 1 when any case failed.
 */
public final class InteropClient {
  static final List<String> CASES =
      Arrays.asList(
          "unary", "auth", "not-found", "deadline", "server-stream", "client-stream",
          "upload-corrupt", "download", "cancel", "rich-error", "tls", "mtls");
  static final int STREAM_COUNT = 10000;
  static final int PADDING = 1024;
  static final int UPLOAD_SIZE = 16 * 1024 * 1024 + 12345;
  static final int CHUNK = 64 * 1024;
  static final int DOWNLOAD_SIZE = 5 * 1024 * 1024 + 7;
  static final int DEADLINE_ATTEMPTS = 5;
  static final long UNARY_TIMEOUT_S = 30;
  static final long DEADLINE_MS = 300;
  static final long DEADLINE_LIMIT_MS = 5000;
  static final long STREAM_TIMEOUT_S = 60; // the protocol: every deadline at most 60 s

  /** A case's first difference. */
  static final class Failure extends Exception {
    Failure(String message) {
      super(message);
    }
  }

  interface Case {
    void run() throws Exception;
  }

  private final ComputeServiceGrpc.ComputeServiceBlockingStub compute;
  private final ComputeServiceGrpc.ComputeServiceBlockingStub computeNoToken;
  private final ImageServiceGrpc.ImageServiceBlockingStub image;
  private final ImageServiceGrpc.ImageServiceStub imageAsync;
  private final String token;
  /** The TLS flags (null without them). */
  String tlsDir;
  String tlsTarget;
  String mtlsTarget;
  /** Attempts of the last deadline case, for its JSON line. */
  int deadlineAttempts;

  InteropClient(ManagedChannel channel, String token) {
    this.token = token;
    computeNoToken = ComputeServiceGrpc.newBlockingStub(channel);
    compute = computeNoToken.withInterceptors(tokenInterceptor(token));
    image = ImageServiceGrpc.newBlockingStub(channel).withInterceptors(tokenInterceptor(token));
    imageAsync = ImageServiceGrpc.newStub(channel).withInterceptors(tokenInterceptor(token));
  }

  static io.grpc.ClientInterceptor tokenInterceptor(String token) {
    Metadata md = new Metadata();
    md.put(InteropServer.AUTHORIZATION, "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(md);
  }

  public static void main(String[] args) throws Exception {
    String target = null;
    String token = "";
    String cases = "all";
    String tlsDir = null;
    String tlsTarget = null;
    String mtlsTarget = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (a.equals("--target") && v != null) {
        target = v;
        i++;
      } else if (a.equals("--token") && v != null) {
        token = v;
        i++;
      } else if ((a.equals("--cases") || a.equals("--case")) && v != null) {
        cases = v;
        i++;
      } else if (a.equals("--tls-dir") && v != null) {
        tlsDir = v;
        i++;
      } else if (a.equals("--tls-target") && v != null) {
        tlsTarget = v;
        i++;
      } else if (a.equals("--mtls-target") && v != null) {
        mtlsTarget = v;
        i++;
      } else {
        System.err.println(
            "usage: interop-client --target HOST:PORT --token T --cases c1,c2,...|all"
                + " [--tls-dir DIR --tls-target HOST:PORT --mtls-target HOST:PORT]");
        System.exit(2);
      }
    }
    if (target == null) {
      System.err.println("interop-client: --target is required");
      System.exit(2);
    }
    List<String> names = cases.equals("all") ? CASES : Arrays.asList(cases.split(","));
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    InteropClient c = new InteropClient(channel, token);
    c.tlsDir = tlsDir;
    c.tlsTarget = tlsTarget;
    c.mtlsTarget = mtlsTarget;
    Map<String, Case> run = new LinkedHashMap<>();
    run.put("unary", c::unary);
    run.put("auth", c::auth);
    run.put("not-found", c::notFound);
    run.put("deadline", c::deadline);
    run.put("server-stream", c::serverStream);
    run.put("client-stream", c::clientStream);
    run.put("upload-corrupt", c::uploadCorrupt);
    run.put("download", c::download);
    run.put("cancel", c::cancel);
    run.put("rich-error", c::richError);
    run.put("tls", c::tls);
    run.put("mtls", c::mtls);
    boolean failed = false;
    for (String name : names) {
      String error = null;
      c.deadlineAttempts = 0;
      Case k = run.get(name);
      if (k == null) {
        error = "unknown case";
      } else {
        try {
          k.run();
        } catch (Failure f) {
          error = f.getMessage();
        } catch (StatusRuntimeException e) {
          error = "unexpected status " + describe(e.getStatus());
        } catch (Exception e) {
          error = e.toString();
        }
      }
      StringBuilder line = new StringBuilder("{\"case\": " + quote(name));
      if (error == null) {
        line.append(", \"ok\": true");
      } else {
        failed = true;
        line.append(", \"ok\": false, \"error\": ").append(quote(error));
      }
      if (name.equals("deadline")) {
        line.append(", \"attempts\": ").append(c.deadlineAttempts);
      }
      System.out.println(line.append('}'));
      System.out.flush();
    }
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    System.exit(failed ? 1 : 0);
  }

  static String describe(Status s) {
    return s.getCode()
        + (s.getDescription() != null ? " (" + s.getDescription() + ")" : "")
        + (s.getCause() != null ? " caused by " + s.getCause() : "");
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (ch < 0x20) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
      }
    }
    return b.append('"').toString();
  }

  static void expect(String what, Object want, Object got) throws Failure {
    if (!Objects.equals(want, got)) {
      throw new Failure(what + ": expected " + want + ", got " + got);
    }
  }

  interface Call {
    void run() throws Exception;
  }

  /** call must fail with code (and message, when not null). */
  static Status expectStatus(String what, Call call, Status.Code code, String message)
      throws Exception {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      expect(what + " status", code, s.getCode());
      if (message != null) {
        expect(what + " message", message, s.getDescription());
      }
      return s;
    }
    throw new Failure(what + ": expected status " + code + ", got OK");
  }

  static GetServerRequest get(String name) {
    return GetServerRequest.newBuilder().setNameOrId(name).build();
  }

  void unary() throws Exception {
    Server s =
        compute.withDeadlineAfter(UNARY_TIMEOUT_S, TimeUnit.SECONDS).getServer(get("server-42"))
            .getServer();
    expect("server.id", "id-server-42", s.getId());
    expect("server.name", "server-42", s.getName());
    expect("server.status", "SERVER_STATUS_ACTIVE", s.getStatus().name());
    expect(
        "server.resource_name",
        "clouds/interop/regions/RegionOne/servers/id-server-42",
        s.getResourceName());
    expectLanguage("server.metadata", s);
    expect("server.metadata keys", Collections.singleton("server-language"),
        s.getMetadataMap().keySet());
  }

  /**
   * metadata["server-language"] names the server's folder (any of them: the client does not know
   * which server it talks to).
   */
  static void expectLanguage(String what, Server s) throws Failure {
    String lang = s.getMetadataOrDefault("server-language", "");
    if (!lang.matches("[a-z]+")) {
      throw new Failure(what + "[server-language]: expected a folder name, got " + s.getMetadataMap());
    }
  }

  /** Every detail of type T in the status's google.rpc.Status (none without one). */
  static <T extends com.google.protobuf.Message> List<T> details(
      StatusRuntimeException e, Class<T> type) throws Failure {
    com.google.rpc.Status st = StatusProto.fromThrowable(e);
    List<T> found = new ArrayList<>();
    if (st == null) {
      return found;
    }
    for (Any a : st.getDetailsList()) {
      if (a.is(type)) {
        try {
          found.add(a.unpack(type));
        } catch (InvalidProtocolBufferException x) {
          throw new Failure("undecodable " + type.getSimpleName() + " detail: " + x.getMessage());
        }
      }
    }
    return found;
  }

  /** The status carries google.rpc.Status details with exactly one ErrorInfo of oaktree's domain. */
  static ErrorInfo errorInfo(String what, StatusRuntimeException e, String reason) throws Failure {
    if (StatusProto.fromThrowable(e) == null) {
      throw new Failure(what + ": no google.rpc.Status in grpc-status-details-bin");
    }
    List<ErrorInfo> infos = details(e, ErrorInfo.class);
    expect(what + " ErrorInfo details", 1, infos.size());
    ErrorInfo info = infos.get(0);
    expect(what + " ErrorInfo.domain", InteropServer.DOMAIN, info.getDomain());
    expect(what + " ErrorInfo.reason", reason, info.getReason());
    return info;
  }

  /** call must fail with code, message and an ErrorInfo with reason; returns the exception. */
  static StatusRuntimeException expectRich(
      String what, Call call, Status.Code code, String message, String reason) throws Exception {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      expect(what + " status", code, s.getCode());
      expect(what + " message", message, s.getDescription());
      errorInfo(what, e, reason);
      return e;
    }
    throw new Failure(what + ": expected status " + code + ", got OK");
  }

  void auth() throws Exception {
    expectRich(
        "wrong token",
        () ->
            computeNoToken
                .withInterceptors(tokenInterceptor("wrong-token"))
                .withDeadlineAfter(UNARY_TIMEOUT_S, TimeUnit.SECONDS)
                .getServer(get("server-42")),
        Status.Code.UNAUTHENTICATED,
        InteropServer.AUTH_MESSAGE,
        "CALLER_UNAUTHENTICATED");
    expectRich(
        "no token",
        () ->
            computeNoToken
                .withDeadlineAfter(UNARY_TIMEOUT_S, TimeUnit.SECONDS)
                .getServer(get("server-42")),
        Status.Code.UNAUTHENTICATED,
        InteropServer.AUTH_MESSAGE,
        "CALLER_UNAUTHENTICATED");
  }

  void notFound() throws Exception {
    expectStatus(
        "GetServer(missing-1)",
        () -> compute.withDeadlineAfter(UNARY_TIMEOUT_S, TimeUnit.SECONDS).getServer(get("missing-1")),
        Status.Code.NOT_FOUND,
        "no server matches missing-1");
  }

  /**
   * A CANCELLED attempt is retried (at most 5 attempts): a grpc-go server resets the stream when
   * its copy of the deadline expires, which a client may see before its own timer fires.
   */
  void deadline() throws Exception {
    for (int attempt = 1; ; attempt++) {
      deadlineAttempts = attempt;
      long start = System.nanoTime();
      try {
        compute.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).getServer(get("slow"));
        throw new Failure(
            "GetServer(slow) with 300 ms deadline: expected status DEADLINE_EXCEEDED, got OK after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                + " ms");
      } catch (StatusRuntimeException e) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        Status.Code code = e.getStatus().getCode();
        if (ms >= DEADLINE_LIMIT_MS) {
          throw new Failure(
              "GetServer(slow) with 300 ms deadline, attempt " + attempt + ": ended "
                  + code + " after " + ms + " ms, expected under " + DEADLINE_LIMIT_MS + " ms");
        }
        if (code == Status.Code.DEADLINE_EXCEEDED) {
          return;
        }
        if (code != Status.Code.CANCELLED || attempt == DEADLINE_ATTEMPTS) {
          expect(
              "GetServer(slow) with 300 ms deadline, attempt " + attempt + " status",
              Status.Code.DEADLINE_EXCEEDED,
              code);
        }
      }
    }
  }

  static ListServersRequest listRequest(String name, Map<String, Double> filters) {
    Struct.Builder f = Struct.newBuilder();
    for (Map.Entry<String, Double> e : filters.entrySet()) {
      f.putFields(e.getKey(), Value.newBuilder().setNumberValue(e.getValue()).build());
    }
    return ListServersRequest.newBuilder()
        .setSelector(Selector.newBuilder().setNameOrId(name).setFilters(f))
        .build();
  }

  void serverStream() throws Exception {
    Map<String, Double> filters = new LinkedHashMap<>();
    filters.put("count", (double) STREAM_COUNT);
    filters.put("padding", (double) PADDING);
    Iterator<ListServersResponse> it =
        compute
            .withDeadlineAfter(STREAM_TIMEOUT_S, TimeUnit.SECONDS)
            .listServers(listRequest("bulk-*", filters));
    int n = 0;
    long total = 0;
    List<ScopeOutcome> outcomes = new ArrayList<>();
    try {
      while (it.hasNext()) {
        ListServersResponse resp = it.next();
        total += resp.getSerializedSize();
        if (resp.getItemCase() == ListServersResponse.ItemCase.SCOPE_OUTCOME) {
          outcomes.add(resp.getScopeOutcome());
          continue;
        }
        expect("message " + (n + outcomes.size()) + " item", ListServersResponse.ItemCase.SERVER,
            resp.getItemCase());
        if (!outcomes.isEmpty()) {
          throw new Failure("server item " + n + " after a scope_outcome");
        }
        Server s = resp.getServer();
        expect("message " + n + " name", String.format("bulk-%05d", n), s.getName());
        Value pad = s.getProperties().getFieldsOrDefault("padding", Value.getDefaultInstance());
        expect("message " + n + " padding length", PADDING, pad.getStringValue().length());
        n++;
      }
    } catch (StatusRuntimeException e) {
      throw new Failure("after " + n + " messages: " + describe(e.getStatus()));
    }
    expect("servers received", STREAM_COUNT, n);
    expect("scope_outcome items", 2, outcomes.size());
    ScopeOutcome one = outcomes.get(0);
    ScopeOutcome two = outcomes.get(1);
    ScopeOutcome wantOne =
        ScopeOutcome.newBuilder()
            .setLocation(Location.newBuilder().setCloud("interop").setRegionName("RegionOne"))
            .setCode(0)
            .setCount(STREAM_COUNT)
            .build();
    ScopeOutcome wantTwo =
        ScopeOutcome.newBuilder()
            .setLocation(Location.newBuilder().setCloud("interop").setRegionName("RegionTwo"))
            .setCode(14)
            .setReason(org.openstack.oaktree.v1.ErrorReason.ERROR_REASON_CLOUD_UNREACHABLE)
            .setMessage("RegionTwo is unreachable")
            .putMetadata("cloud_request_id", "req-interop-2")
            .setCount(0)
            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(2))
            .build();
    // Every field, with presence (region_name is optional): message equality.
    expect("scope_outcome[0]", shortText(wantOne), shortText(one));
    expect("scope_outcome[1]", shortText(wantTwo), shortText(two));
    expect("servers received vs scope_outcome[0].count", one.getCount(), (long) n);
    if (total <= 8L * 1024 * 1024) {
      throw new Failure("stream total " + total + " bytes, expected far above 4 MiB");
    }
  }

  static String shortText(com.google.protobuf.MessageOrBuilder m) {
    return com.google.protobuf.TextFormat.printer().emittingSingleLine(true).printToString(m).trim();
  }

  /** byte i = i % 251, the same in every language. */
  static byte[] uploadData(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i % 251);
    }
    return b;
  }

  /** Streams metadata then the data in 64 KiB chunks, as fast as flow control allows. */
  UploadImageResponse upload(byte[] data, String sha) throws Exception {
    CompletableFuture<UploadImageResponse> result = new CompletableFuture<>();
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<UploadImageRequest>[] requests = new ClientCallStreamObserver[1];
    ClientResponseObserver<UploadImageRequest, UploadImageResponse> responses =
        new ClientResponseObserver<UploadImageRequest, UploadImageResponse>() {
          UploadImageResponse last;

          @Override
          public void beforeStart(ClientCallStreamObserver<UploadImageRequest> r) {
            requests[0] = r;
          }

          @Override
          public void onNext(UploadImageResponse v) {
            last = v;
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.complete(last);
          }
        };
    imageAsync.withDeadlineAfter(STREAM_TIMEOUT_S, TimeUnit.SECONDS).uploadImage(responses);
    ClientCallStreamObserver<UploadImageRequest> out = requests[0];
    out.onNext(
        UploadImageRequest.newBuilder()
            .setMetadata(
                ImageUploadMetadata.newBuilder()
                    .setName("interop.img")
                    .setSha256(sha)
                    .setSize(data.length))
            .build());
    for (int off = 0; off < data.length && !result.isDone(); off += CHUNK) {
      while (!out.isReady() && !result.isDone()) {
        Thread.sleep(1);
      }
      if (result.isDone()) {
        break; // the server answered early; its status says why
      }
      int n = Math.min(CHUNK, data.length - off);
      out.onNext(UploadImageRequest.newBuilder().setChunk(ByteString.copyFrom(data, off, n)).build());
    }
    if (!result.isDone()) {
      out.onCompleted();
    }
    try {
      return result.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException) {
        throw (StatusRuntimeException) e.getCause();
      }
      throw e;
    }
  }

  void clientStream() throws Exception {
    byte[] data = uploadData(UPLOAD_SIZE);
    UploadImageResponse resp = upload(data, InteropServer.hex(InteropServer.sha256().digest(data)));
    expect("image.name", "interop.img", resp.getImage().getName());
    expect("image.size", (long) data.length, resp.getImage().getSize());
  }

  void uploadCorrupt() throws Exception {
    char[] zeros = new char[64];
    Arrays.fill(zeros, '0');
    expectStatus(
        "upload with wrong sha256",
        () -> upload(uploadData(1024 * 1024), new String(zeros)),
        Status.Code.DATA_LOSS,
        null);
  }

  void download() throws Exception {
    Iterator<DownloadImageResponse> it =
        image
            .withDeadlineAfter(STREAM_TIMEOUT_S, TimeUnit.SECONDS)
            .downloadImage(
                DownloadImageRequest.newBuilder().setNameOrId("pattern-" + DOWNLOAD_SIZE).build());
    MessageDigest h = InteropServer.sha256();
    long got = 0;
    try {
      while (it.hasNext()) {
        ByteString chunk = it.next().getChunk();
        h.update(chunk.toByteArray());
        got += chunk.size();
      }
    } catch (StatusRuntimeException e) {
      throw new Failure("after " + got + " bytes: " + describe(e.getStatus()));
    }
    expect("bytes downloaded", (long) DOWNLOAD_SIZE, got);
    expect(
        "sha256 of the download",
        InteropServer.hex(InteropServer.sha256().digest(uploadData(DOWNLOAD_SIZE))),
        InteropServer.hex(h.digest()));
  }

  void cancel() throws Exception {
    String tag = "cancel-java-" + System.nanoTime();
    Map<String, Double> filters = new LinkedHashMap<>();
    filters.put("count", 1000000.0);
    Context.CancellableContext ctx = Context.current().withCancellation();
    List<Iterator<ListServersResponse>> holder = new ArrayList<>();
    ctx.run(
        () ->
            holder.add(
                compute
                    .withDeadlineAfter(STREAM_TIMEOUT_S, TimeUnit.SECONDS)
                    .listServers(listRequest(tag, filters))));
    Iterator<ListServersResponse> it = holder.get(0);
    try {
      for (int i = 0; i < 5; i++) {
        try {
          if (!it.hasNext()) {
            throw new Failure("message " + i + ": stream ended");
          }
          it.next();
        } catch (StatusRuntimeException e) {
          throw new Failure("message " + i + ": " + describe(e.getStatus()));
        }
      }
    } finally {
      ctx.cancel(null);
    }
    Status end = null;
    try {
      for (int i = 0; i <= 1000000 && it.hasNext(); i++) { // drain what was buffered
        it.next();
      }
    } catch (StatusRuntimeException e) {
      end = e.getStatus();
    }
    expect("stream after cancel status", Status.Code.CANCELLED, end == null ? Status.Code.OK : end.getCode());
    for (int i = 0; i < 100; i++) { // bounded: the server records the cancel asynchronously
      Server s =
          compute
              .withDeadlineAfter(UNARY_TIMEOUT_S, TimeUnit.SECONDS)
              .getServer(get("cancelled?" + tag))
              .getServer();
      if (s.getStatus() == ServerStatus.SERVER_STATUS_DELETED) {
        return;
      }
      Thread.sleep(50);
    }
    throw new Failure("server did not report the cancellation of " + tag);
  }

  void richError() throws Exception {
    String requestId = UUID.randomUUID().toString();
    String name = "clouds/interop/regions/RegionOne/servers/id-rich-error";
    Location loc = Location.newBuilder().setCloud("interop").setRegionName("RegionOne").build();
    CreateServerRequest req =
        CreateServerRequest.newBuilder()
            .setLocation(loc)
            .setName("rich-error")
            .setImage("cirros")
            .setFlavor("m1.tiny")
            .setRequestId(requestId)
            .build();
    StatusRuntimeException e =
        expectRich(
            "CreateServer(rich-error)",
            () ->
                compute.withDeadlineAfter(UNARY_TIMEOUT_S, TimeUnit.SECONDS).createServer(req),
            Status.Code.FAILED_PRECONDITION,
            "server rich-error went to ERROR",
            "RESOURCE_IN_ERROR_STATE");
    com.google.rpc.Status st = StatusProto.fromThrowable(e);
    expect("google.rpc.Status.code", Status.Code.FAILED_PRECONDITION.value(), st.getCode());
    expect("google.rpc.Status.message", "server rich-error went to ERROR", st.getMessage());
    ErrorInfo info = details(e, ErrorInfo.class).get(0);
    Map<String, String> md = new java.util.TreeMap<>();
    md.put("cloud", "interop");
    md.put("region", "RegionOne");
    md.put("resource_type", "oaktree.v1.Server");
    md.put("resource_name", name);
    md.put("request_id", requestId);
    md.put("cloud_request_id", "req-interop-1");
    md.put("fault", "No valid host was found");
    expect("ErrorInfo.metadata", md, new java.util.TreeMap<>(info.getMetadataMap()));
    List<ResourceInfo> res = details(e, ResourceInfo.class);
    expect("ResourceInfo details", 1, res.size());
    expect(
        "ResourceInfo",
        shortText(
            ResourceInfo.newBuilder()
                .setResourceType("oaktree.v1.Server")
                .setResourceName(name)
                .setOwner("project-interop")
                .setDescription("No valid host was found")),
        shortText(res.get(0)));
    List<Server> servers = details(e, Server.class);
    expect("oaktree.v1.Server details", 1, servers.size());
    expect(
        "Server detail",
        shortText(
            Server.newBuilder()
                .setId("id-rich-error")
                .setName("rich-error")
                .setStatus(ServerStatus.SERVER_STATUS_ERROR)
                .setResourceName(name)
                .setLocation(loc)),
        shortText(servers.get(0)));
    expect("details", 3, st.getDetailsCount());
  }

  /** A TLS channel trusting only DIR/caFile, with DIR/client.pem when withCert; as "localhost". */
  ManagedChannel tlsChannel(String target, String caFile, boolean withCert) throws Exception {
    if (tlsDir == null || target == null) {
      throw new Failure("needs --tls-dir, --tls-target and --mtls-target");
    }
    TlsChannelCredentials.Builder b =
        TlsChannelCredentials.newBuilder().trustManager(new File(tlsDir, caFile));
    if (withCert) {
      b.keyManager(new File(tlsDir, "client.pem"), new File(tlsDir, "client.key"));
    }
    ChannelCredentials creds = b.build();
    return NettyChannelBuilder.forTarget(target, creds).overrideAuthority("localhost").build();
  }

  /** GetServer("whoami") over a fresh channel; the channel is closed afterwards. */
  Server whoami(String target, String caFile, boolean withCert) throws Exception {
    ManagedChannel ch = tlsChannel(target, caFile, withCert);
    try {
      return ComputeServiceGrpc.newBlockingStub(ch)
          .withInterceptors(tokenInterceptor(token))
          .withDeadlineAfter(UNARY_TIMEOUT_S, TimeUnit.SECONDS)
          .getServer(get("whoami"))
          .getServer();
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** call must fail with any status but OK. */
  static void expectFailure(String what, Call call) throws Exception {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return;
    }
    throw new Failure(what + ": expected a failure, got OK");
  }

  void tls() throws Exception {
    Server s = whoami(tlsTarget, "ca.pem", false);
    expect("whoami id", "id-whoami", s.getId());
    expectLanguage("whoami metadata", s);
    Map<String, String> want = new java.util.TreeMap<>();
    want.put("server-language", s.getMetadataOrDefault("server-language", ""));
    want.put("transport", "tls");
    expect("whoami metadata", want, new java.util.TreeMap<>(s.getMetadataMap()));
    expectFailure("GetServer(whoami) trusting only other-ca.pem",
        () -> whoami(tlsTarget, "other-ca.pem", false));
  }

  void mtls() throws Exception {
    Server s = whoami(mtlsTarget, "ca.pem", true);
    expect("whoami id", "id-whoami", s.getId());
    expectLanguage("whoami metadata", s);
    Map<String, String> want = new java.util.TreeMap<>();
    want.put("server-language", s.getMetadataOrDefault("server-language", ""));
    want.put("transport", "mtls");
    want.put("client-cn", "oaktree-interop-client");
    expect("whoami metadata", want, new java.util.TreeMap<>(s.getMetadataMap()));
    expectFailure("GetServer(whoami) without a client certificate",
        () -> whoami(mtlsTarget, "ca.pem", false));
  }
}
