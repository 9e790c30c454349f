// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
package org.openstack.oaktree.interop;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.openstack.oaktree.v1.ComputeServiceGrpc;
import org.openstack.oaktree.v1.CreateServerRequest;
import org.openstack.oaktree.v1.CreateServerResponse;
import org.openstack.oaktree.v1.DownloadImageRequest;
import org.openstack.oaktree.v1.DownloadImageResponse;
import org.openstack.oaktree.v1.GetServerRequest;
import org.openstack.oaktree.v1.GetServerResponse;
import org.openstack.oaktree.v1.Image;
import org.openstack.oaktree.v1.ImageServiceGrpc;
import org.openstack.oaktree.v1.ImageUploadMetadata;
import org.openstack.oaktree.v1.ListServersRequest;
import org.openstack.oaktree.v1.ListServersResponse;
import org.openstack.oaktree.v1.Location;
import org.openstack.oaktree.v1.ErrorReason;
import org.openstack.oaktree.v1.ScopeOutcome;
import org.openstack.oaktree.v1.ServerStatus;
import org.openstack.oaktree.v1.UploadImageRequest;
import org.openstack.oaktree.v1.UploadImageResponse;

/**
 * The Java interop test server (test code only; the protocol is in
 * tests/interop/README.rst): binds 127.0.0.1:0 and prints PORT=n (with --tls-dir also a TLS and
 * a mutual-TLS port: PORT=n TLS_PORT=t MTLS_PORT=m), serves until killed.
 */
public final class InteropServer {
  static final String AUTH_MESSAGE = "missing or wrong authorization";
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final String DOMAIN = "oaktree.openstack.org";
  static final String LANGUAGE = "java";
  static final int CHUNK = 64 * 1024;
  static final String CLOUD = "interop";
  static final String REGION = "RegionOne";
  static final String RICH_NAME = "clouds/interop/regions/RegionOne/servers/id-rich-error";
  static final String RICH_FAULT = "No valid host was found";

  /** The transport of the port a call came in on, and the client certificate's CN (mtls). */
  static final Context.Key<String> TRANSPORT = Context.key("oaktree-transport");
  static final Context.Key<String> CLIENT_CN = Context.key("oaktree-client-cn");

  /** Tags of ListServers streams seen cancelled. */
  private final Set<String> cancelled = Collections.synchronizedSet(new HashSet<>());

  public static void main(String[] args) throws Exception {
    String token = null;
    String tlsDir = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--token") && i + 1 < args.length) {
        token = args[++i];
      } else if (args[i].startsWith("--token=")) {
        token = args[i].substring("--token=".length());
      } else if (args[i].equals("--tls-dir") && i + 1 < args.length) {
        tlsDir = args[++i];
      } else if (args[i].startsWith("--tls-dir=")) {
        tlsDir = args[i].substring("--tls-dir=".length());
      } else {
        System.err.println("usage: interop-server --token T [--tls-dir DIR]");
        System.exit(2);
      }
    }
    if (token == null) {
      System.err.println("usage: interop-server --token T [--tls-dir DIR]");
      System.exit(2);
    }
    InteropServer impl = new InteropServer();
    Server plain = impl.serve(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
        token, "plaintext");
    String ports = "PORT=" + plain.getPort();
    Server[] servers = {plain};
    if (tlsDir != null) {
      File cert = new File(tlsDir, "server.pem");
      File key = new File(tlsDir, "server.key");
      Server tls =
          impl.serve(
              NettyServerBuilder.forAddress(
                  new InetSocketAddress("127.0.0.1", 0),
                  TlsServerCredentials.newBuilder().keyManager(cert, key).build()),
              token,
              "tls");
      Server mtls =
          impl.serve(
              NettyServerBuilder.forAddress(
                  new InetSocketAddress("127.0.0.1", 0),
                  TlsServerCredentials.newBuilder()
                      .keyManager(cert, key)
                      .trustManager(new File(tlsDir, "ca.pem"))
                      .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                      .build()),
              token,
              "mtls");
      ports += " TLS_PORT=" + tls.getPort() + " MTLS_PORT=" + mtls.getPort();
      servers = new Server[] {plain, tls, mtls};
    }
    System.out.println(ports);
    System.out.flush();
    for (Server s : servers) {
      s.awaitTermination(); // until the driver kills us
    }
  }

  /** One listening port: the services behind the auth check, tagged with the port's transport. */
  Server serve(NettyServerBuilder builder, String token, String transport) throws Exception {
    ServerInterceptor auth = new Auth(token);
    ServerInterceptor tag = new Transport(transport);
    return builder
        .addService(ServerInterceptors.intercept(new Compute(), auth, tag))
        .addService(ServerInterceptors.intercept(new Images(), auth, tag))
        .build()
        .start();
  }

  /** Puts the port's transport and, over TLS, the client certificate's CN into the context. */
  static final class Transport implements ServerInterceptor {
    private final String transport;

    Transport(String transport) {
      this.transport = transport;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Context ctx = Context.current().withValue(TRANSPORT, transport);
      SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      String cn = ssl == null ? null : clientCn(ssl);
      if (cn != null) {
        ctx = ctx.withValue(CLIENT_CN, cn);
      }
      return Contexts.interceptCall(ctx, call, headers, next);
    }
  }

  /** The CN of the peer's (client's) certificate, or null without one. */
  static String clientCn(SSLSession ssl) {
    try {
      Certificate[] chain = ssl.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
        return null;
      }
      String dn = ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
      for (Rdn rdn : new LdapName(dn).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
      return null;
    } catch (SSLPeerUnverifiedException e) {
      return null; // no client certificate (the TLS port)
    } catch (javax.naming.InvalidNameException e) {
      return null;
    }
  }

  /** A google.rpc.ErrorInfo of the oaktree domain; reason is the ErrorReason. */
  static ErrorInfo errorInfo(ErrorReason reason, java.util.Map<String, String> metadata) {
    return ErrorInfo.newBuilder()
        .setDomain(DOMAIN)
        .setReason(reason.name().substring("ERROR_REASON_".length()))
        .putAllMetadata(metadata)
        .build();
  }

  /**
   * Every RPC needs exactly one authorization header, "Bearer " and the server's token;
   * otherwise UNAUTHENTICATED with an ErrorInfo CALLER_UNAUTHENTICATED in the status details.
   */
  static final class Auth implements ServerInterceptor {
    private final String token;

    Auth(String token) {
      this.token = token;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Iterable<String> got = headers.getAll(AUTHORIZATION);
      int n = 0;
      boolean match = false;
      if (got != null) {
        for (String v : got) {
          n++;
          match = v.equals("Bearer " + token);
        }
      }
      if (n != 1 || !match) {
        StatusRuntimeException e =
            StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                    .setCode(Code.UNAUTHENTICATED_VALUE)
                    .setMessage(AUTH_MESSAGE)
                    .addDetails(
                        Any.pack(
                            errorInfo(
                                ErrorReason.ERROR_REASON_CALLER_UNAUTHENTICATED,
                                Collections.<String, String>emptyMap())))
                    .build());
        call.close(e.getStatus(), e.getTrailers());
        return new ServerCall.Listener<Q>() {};
      }
      return next.startCall(call, headers);
    }
  }

  /** Waits until the peer can take another message; false once the call is cancelled. */
  static boolean awaitReady(ServerCallStreamObserver<?> out) {
    Context ctx = Context.current();
    while (!out.isReady()) {
      if (ctx.isCancelled()) {
        return false;
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return !ctx.isCancelled();
  }

  final class Compute extends ComputeServiceGrpc.ComputeServiceImplBase {
    @Override
    public void getServer(GetServerRequest req, StreamObserver<GetServerResponse> out) {
      String name = req.getNameOrId();
      org.openstack.oaktree.v1.Server.Builder s = org.openstack.oaktree.v1.Server.newBuilder();
      if (name.equals("slow")) {
        // Far past the client's deadline: wait until the call is cancelled (the client's
        // deadline, or our copy of it) or 10 s pass, then answer OK; never DEADLINE_EXCEEDED.
        Context ctx = Context.current();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ctx.isCancelled() && System.nanoTime() < end) {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            break;
          }
        }
        s.setId("id-slow").setName("slow").setStatus(ServerStatus.SERVER_STATUS_ACTIVE);
        try {
          out.onNext(GetServerResponse.newBuilder().setServer(s).build());
          out.onCompleted();
        } catch (RuntimeException alreadyClosed) {
          // cancelled: nobody is listening
        }
        return;
      } else if (name.equals("whoami")) {
        s.setId("id-whoami")
            .setName("whoami")
            .setStatus(ServerStatus.SERVER_STATUS_ACTIVE)
            .putMetadata("server-language", LANGUAGE)
            .putMetadata("transport", TRANSPORT.get());
        String cn = CLIENT_CN.get();
        if (cn != null) {
          s.putMetadata("client-cn", cn);
        }
      } else if (name.startsWith("cancelled?")) {
        String tag = name.substring("cancelled?".length());
        s.setName(tag)
            .setStatus(
                cancelled.contains(tag)
                    ? ServerStatus.SERVER_STATUS_DELETED
                    : ServerStatus.SERVER_STATUS_BUILD);
      } else if (name.startsWith("server-")) {
        s.setId("id-" + name)
            .setName(name)
            .setStatus(ServerStatus.SERVER_STATUS_ACTIVE)
            .setResourceName("clouds/" + CLOUD + "/regions/" + REGION + "/servers/id-" + name)
            .putMetadata("server-language", LANGUAGE);
      } else {
        fail(out, Status.NOT_FOUND.withDescription("no server matches " + name));
        return;
      }
      out.onNext(GetServerResponse.newBuilder().setServer(s).build());
      out.onCompleted();
    }

    /** Only the rich-error case: the server went to ERROR, with every detail. */
    @Override
    public void createServer(CreateServerRequest req, StreamObserver<CreateServerResponse> out) {
      if (!req.getName().equals("rich-error")) {
        fail(out, Status.INVALID_ARGUMENT.withDescription("unknown server name " + req.getName()));
        return;
      }
      Location loc = Location.newBuilder().setCloud(CLOUD).setRegionName(REGION).build();
      java.util.Map<String, String> md = new java.util.LinkedHashMap<>();
      md.put("cloud", CLOUD);
      md.put("region", REGION);
      md.put("resource_type", "oaktree.v1.Server");
      md.put("resource_name", RICH_NAME);
      md.put("request_id", req.getRequestId());
      md.put("cloud_request_id", "req-interop-1");
      md.put("fault", RICH_FAULT);
      com.google.rpc.Status st =
          com.google.rpc.Status.newBuilder()
              .setCode(Code.FAILED_PRECONDITION_VALUE)
              .setMessage("server rich-error went to ERROR")
              .addDetails(Any.pack(errorInfo(ErrorReason.ERROR_REASON_RESOURCE_IN_ERROR_STATE, md)))
              .addDetails(
                  Any.pack(
                      ResourceInfo.newBuilder()
                          .setResourceType("oaktree.v1.Server")
                          .setResourceName(RICH_NAME)
                          .setOwner("project-interop")
                          .setDescription(RICH_FAULT)
                          .build()))
              .addDetails(
                  Any.pack(
                      org.openstack.oaktree.v1.Server.newBuilder()
                          .setId("id-rich-error")
                          .setName("rich-error")
                          .setStatus(ServerStatus.SERVER_STATUS_ERROR)
                          .setResourceName(RICH_NAME)
                          .setLocation(loc)
                          .build()))
              .build();
      try {
        out.onError(StatusProto.toStatusRuntimeException(st));
      } catch (RuntimeException alreadyClosed) {
        // the client went away first
      }
    }

    @Override
    public void listServers(ListServersRequest req, StreamObserver<ListServersResponse> plain) {
      ServerCallStreamObserver<ListServersResponse> out =
          (ServerCallStreamObserver<ListServersResponse>) plain;
      out.setOnCancelHandler(() -> {}); // we poll the context instead of throwing on cancel
      java.util.Map<String, Value> f = req.getSelector().getFilters().getFieldsMap();
      int count = f.containsKey("count") ? (int) f.get("count").getNumberValue() : 0;
      int padding = f.containsKey("padding") ? (int) f.get("padding").getNumberValue() : 0;
      String name = req.getSelector().getNameOrId();
      if (name.startsWith("cancel-")) {
        for (int i = 0; i < count; i++) {
          // isCancelled first: with an onCancelHandler set, onNext after a cancel
          // is silently dropped, so a loop that asked only awaitReady spun on
          // through all `count` messages of a cancelled stream (1,000 cancelled
          // streams of tests/interop/abuse.py slowed the server to a crawl).
          if (out.isCancelled() || !awaitReady(out)) {
            cancelled.add(name);
            return;
          }
          try {
            out.onNext(
                ListServersResponse.newBuilder()
                    .setServer(org.openstack.oaktree.v1.Server.newBuilder().setName(name + "-" + i))
                    .build());
          } catch (StatusRuntimeException e) {
            cancelled.add(name);
            return;
          }
        }
        out.onCompleted();
        return;
      }
      if (!name.equals("bulk-*")) {
        fail(out, Status.INVALID_ARGUMENT.withDescription("unknown selector " + name));
        return;
      }
      StringBuilder pad = new StringBuilder(padding);
      for (int i = 0; i < padding; i++) {
        pad.append('x');
      }
      Value padValue = Value.newBuilder().setStringValue(pad.toString()).build();
      for (int i = 0; i < count; i++) {
        org.openstack.oaktree.v1.Server s =
            org.openstack.oaktree.v1.Server.newBuilder()
                .setId(String.format("id-%05d", i))
                .setName(String.format("bulk-%05d", i))
                .setStatus(ServerStatus.SERVER_STATUS_ACTIVE)
                .putMetadata("index", Integer.toString(i))
                .setProperties(
                    Struct.newBuilder()
                        .putFields("padding", padValue)
                        .putFields("index", Value.newBuilder().setNumberValue(i).build()))
                .build();
        if (!awaitReady(out)) {
          return;
        }
        out.onNext(ListServersResponse.newBuilder().setServer(s).build());
      }
      // The scope's outcomes: RegionOne sent them all, RegionTwo was unreachable.
      ScopeOutcome one =
          ScopeOutcome.newBuilder()
              .setLocation(Location.newBuilder().setCloud(CLOUD).setRegionName(REGION))
              .setCode(0)
              .setCount(count)
              .build();
      ScopeOutcome two =
          ScopeOutcome.newBuilder()
              .setLocation(Location.newBuilder().setCloud(CLOUD).setRegionName("RegionTwo"))
              .setCode(Code.UNAVAILABLE_VALUE)
              .setReason(ErrorReason.ERROR_REASON_CLOUD_UNREACHABLE)
              .setMessage("RegionTwo is unreachable")
              .putMetadata("cloud_request_id", "req-interop-2")
              .setCount(0)
              .setRetryDelay(Duration.newBuilder().setSeconds(2))
              .build();
      for (ScopeOutcome o : new ScopeOutcome[] {one, two}) {
        if (!awaitReady(out)) {
          return;
        }
        out.onNext(ListServersResponse.newBuilder().setScopeOutcome(o).build());
      }
      out.onCompleted();
    }
  }

  final class Images extends ImageServiceGrpc.ImageServiceImplBase {
    @Override
    public StreamObserver<UploadImageRequest> uploadImage(StreamObserver<UploadImageResponse> out) {
      return new StreamObserver<UploadImageRequest>() {
        ImageUploadMetadata meta;
        final MessageDigest digest = sha256();
        long size;
        boolean failed;

        @Override
        public void onNext(UploadImageRequest req) {
          if (failed) {
            return;
          }
          if (meta == null) {
            if (req.getContentCase() != UploadImageRequest.ContentCase.METADATA) {
              failed = true;
              fail(out, Status.INVALID_ARGUMENT.withDescription("first message must be metadata"));
              return;
            }
            meta = req.getMetadata();
            return;
          }
          if (req.getContentCase() != UploadImageRequest.ContentCase.CHUNK) {
            failed = true;
            fail(out, Status.INVALID_ARGUMENT.withDescription("metadata after the first message"));
            return;
          }
          ByteString chunk = req.getChunk();
          for (java.nio.ByteBuffer b : chunk.asReadOnlyByteBufferList()) {
            digest.update(b);
          }
          size += chunk.size();
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          if (failed) {
            return;
          }
          if (meta == null) {
            fail(out, Status.INVALID_ARGUMENT.withDescription("first message must be metadata"));
            return;
          }
          String sum = hex(digest.digest());
          if (size != meta.getSize() || !sum.equals(meta.getSha256())) {
            fail(
                out,
                Status.DATA_LOSS.withDescription(
                    "sha256 or size mismatch: got " + size + " bytes sha256 " + sum));
            return;
          }
          out.onNext(
              UploadImageResponse.newBuilder()
                  .setImage(
                      Image.newBuilder()
                          .setId("img-" + sum.substring(0, 16))
                          .setName(meta.getName())
                          .setSize(size))
                  .build());
          out.onCompleted();
        }
      };
    }

    @Override
    public void downloadImage(DownloadImageRequest req, StreamObserver<DownloadImageResponse> plain) {
      ServerCallStreamObserver<DownloadImageResponse> out =
          (ServerCallStreamObserver<DownloadImageResponse>) plain;
      out.setOnCancelHandler(() -> {});
      String name = req.getNameOrId();
      long size = -1;
      if (name.startsWith("pattern-")) {
        try {
          size = Long.parseLong(name.substring("pattern-".length()));
        } catch (NumberFormatException e) {
          size = -1;
        }
      }
      if (size < 0) {
        fail(out, Status.NOT_FOUND.withDescription("no image matches " + name));
        return;
      }
      for (long off = 0; off < size; off += CHUNK) {
        byte[] b = new byte[(int) Math.min(CHUNK, size - off)];
        for (int i = 0; i < b.length; i++) {
          b[i] = (byte) ((off + i) % 251);
        }
        if (!awaitReady(out)) {
          return;
        }
        out.onNext(DownloadImageResponse.newBuilder().setChunk(ByteString.copyFrom(b)).build());
      }
      out.onCompleted();
    }
  }

  /** Ends a call with an error status, unless it is already gone (cancelled). */
  static void fail(StreamObserver<?> out, Status status) {
    try {
      out.onError(status.asRuntimeException());
    } catch (RuntimeException alreadyClosed) {
      // the client cancelled or its deadline expired first
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder(b.length * 2);
    for (byte x : b) {
      s.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
    }
    return s.toString();
  }
}
