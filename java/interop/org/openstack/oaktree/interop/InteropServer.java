// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
package org.openstack.oaktree.interop;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openstack.oaktree.v1.ComputeServiceGrpc;
import org.openstack.oaktree.v1.DownloadImageRequest;
import org.openstack.oaktree.v1.DownloadImageResponse;
import org.openstack.oaktree.v1.GetServerRequest;
import org.openstack.oaktree.v1.GetServerResponse;
import org.openstack.oaktree.v1.Image;
import org.openstack.oaktree.v1.ImageServiceGrpc;
import org.openstack.oaktree.v1.ImageUploadMetadata;
import org.openstack.oaktree.v1.ListServersRequest;
import org.openstack.oaktree.v1.ListServersResponse;
import org.openstack.oaktree.v1.ServerStatus;
import org.openstack.oaktree.v1.UploadImageRequest;
import org.openstack.oaktree.v1.UploadImageResponse;

/**
 * The Java interop test server (test code only; the protocol is in
 * tests/interop/README.rst): binds 127.0.0.1:0, prints PORT=n, serves until killed.
 */
public final class InteropServer {
  static final String AUTH_MESSAGE = "missing or wrong x-auth-token";
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("x-auth-token", Metadata.ASCII_STRING_MARSHALLER);
  static final int CHUNK = 64 * 1024;

  /** Tags of ListServers streams seen cancelled. */
  private final Set<String> cancelled = Collections.synchronizedSet(new HashSet<>());

  public static void main(String[] args) throws Exception {
    String token = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--token") && i + 1 < args.length) {
        token = args[++i];
      } else if (args[i].startsWith("--token=")) {
        token = args[i].substring("--token=".length());
      } else {
        System.err.println("usage: interop-server --token T");
        System.exit(2);
      }
    }
    if (token == null) {
      System.err.println("usage: interop-server --token T");
      System.exit(2);
    }
    InteropServer impl = new InteropServer();
    ServerInterceptor auth = new Auth(token);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(impl.new Compute(), auth))
            .addService(ServerInterceptors.intercept(impl.new Images(), auth))
            .build()
            .start();
    System.out.println("PORT=" + server.getPort());
    System.out.flush();
    server.awaitTermination(); // until the driver kills us
  }

  /** Every RPC needs exactly one x-auth-token header with the server's token. */
  static final class Auth implements ServerInterceptor {
    private final String token;

    Auth(String token) {
      this.token = token;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Iterable<String> got = headers.getAll(TOKEN);
      int n = 0;
      boolean match = false;
      if (got != null) {
        for (String v : got) {
          n++;
          match = v.equals(token);
        }
      }
      if (n != 1 || !match) {
        call.close(Status.UNAUTHENTICATED.withDescription(AUTH_MESSAGE), new Metadata());
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
      if (name.equals("slow")) { // far past the client's deadline, unless cancelled
        Context ctx = Context.current();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ctx.isCancelled() && System.nanoTime() < end) {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            break;
          }
        }
        fail(out, Status.DEADLINE_EXCEEDED.withDescription("slow server"));
        return;
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
            .putMetadata("server-language", "java");
      } else {
        fail(out, Status.NOT_FOUND.withDescription("no server matches " + name));
        return;
      }
      out.onNext(GetServerResponse.newBuilder().setServer(s).build());
      out.onCompleted();
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
          if (!awaitReady(out)) {
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
