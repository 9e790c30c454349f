# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# Ruby interop test client (test code only; protocol in
# tests/interop/README.rst):
#   interop-client --target 127.0.0.1:N --token T --cases c1,c2,...  (or all)
#     [--tls-dir DIR --tls-target 127.0.0.1:T --mtls-target 127.0.0.1:M]
# Runs the cases in order in this one process and prints one JSON line per
# case; a failure carries the first difference; exit 1 if any failed.

require "json"
require "optparse"
require "securerandom"
require "grpc"
require_relative "common"

module Interop
  class Failure < StandardError; end

  CASES = %w[unary auth not-found deadline server-stream client-stream upload-corrupt download cancel
             rich-error tls mtls].freeze
  CALL_TIMEOUT = 60 # s, every RPC but the deadline case's
  DEADLINE_LIMIT = 5 # s: the deadline case's DEADLINE_EXCEEDED must come sooner

  def self.expect(what, want, got)
    raise Failure, "#{what}: expected #{want.inspect}, got #{got.inspect}" unless want == got
  end

  def self.code_name(code)
    GRPC::Core::StatusCodes.constants.find { |c| GRPC::Core::StatusCodes.const_get(c) == code }.to_s
  end

  # Run the block; it must fail with status `code` (and `message` when
  # given). Returns the GRPC::BadStatus.
  def self.expect_status(what, code, message = nil)
    yield
  rescue GRPC::BadStatus => e
    expect("#{what} status", code_name(code), code_name(e.code))
    expect("#{what} message", message, e.details) unless message.nil?
    e
  else
    raise Failure, "#{what}: expected status #{code_name(code)}, got OK"
  end

  # Compares two messages whole (every field, set or not).
  def self.expect_message(what, want, got)
    return if want.class == got.class && want == got

    raise Failure, "#{what}: expected #{want.class.name} #{want.class.encode_json(want)}, " \
                   "got #{got.class.name} #{got.class.respond_to?(:encode_json) ? got.class.encode_json(got) : got.inspect}"
  end

  # The details of the google.rpc.Status in the grpc-status-details-bin
  # trailer of a failed call, unpacked (an Any of another type stays an Any).
  def self.details(what, error)
    status = error.to_rpc_status
    raise Failure, "#{what}: no google.rpc.Status in #{STATUS_DETAILS_KEY}" if status.nil?

    status.details.map do |any|
      [Google::Rpc::ErrorInfo, Google::Rpc::ResourceInfo, Oaktree::V1::Server].each do |klass|
        m = any.unpack(klass)
        break m if m
      end.then { |m| m.is_a?(Array) ? any : m }
    end
  end

  # The details of `error` must hold exactly one ErrorInfo, equal to `want`.
  def self.expect_error_info(what, error, want)
    infos = details(what, error).grep(Google::Rpc::ErrorInfo)
    expect("#{what}: number of google.rpc.ErrorInfo details", 1, infos.size)
    expect_message("#{what} ErrorInfo", want, infos.first)
  end

  class Cases
    attr_reader :attempts # of the last deadline case

    def initialize(target, token, tls_dir: nil, tls_target: nil, mtls_target: nil)
      @compute = Oaktree::V1::ComputeService::Stub.new(target, :this_channel_is_insecure)
      @image = Oaktree::V1::ImageService::Stub.new(target, :this_channel_is_insecure)
      @md = { "authorization" => "Bearer #{token}" }
      @tls_dir = tls_dir
      @tls_target = tls_target
      @mtls_target = mtls_target
      @attempts = 0
    end

    def deadline_in(seconds)
      Time.now + seconds
    end

    def get_server(name, metadata: @md, timeout: CALL_TIMEOUT, stub: @compute)
      stub.get_server(Oaktree::V1::GetServerRequest.new(name_or_id: name),
                      metadata: metadata, deadline: deadline_in(timeout)).server
    end

    def unary
      s = get_server("server-42")
      Interop.expect("server.id", "id-server-42", s.id)
      Interop.expect("server.name", "server-42", s.name)
      Interop.expect("server.status", :SERVER_STATUS_ACTIVE, s.status)
      Interop.expect("server.resource_name", "clouds/interop/regions/RegionOne/servers/id-server-42",
                     s.resource_name)
      raise Failure, "server.metadata: no server-language in #{s.metadata.to_h}" if s.metadata["server-language"].to_s.empty?
    end

    def auth
      want = Google::Rpc::ErrorInfo.new(reason: Interop.reason(:ERROR_REASON_CALLER_UNAUTHENTICATED),
                                        domain: ERROR_DOMAIN)
      { "wrong token" => { "authorization" => "Bearer wrong-token" }, "no token" => {} }.each do |what, md|
        e = Interop.expect_status(what, GRPC::Core::StatusCodes::UNAUTHENTICATED, AUTH_MESSAGE) do
          get_server("server-42", metadata: md)
        end
        Interop.expect_error_info(what, e, want)
      end
    end

    def not_found
      Interop.expect_status("GetServer(missing-1)", GRPC::Core::StatusCodes::NOT_FOUND,
                            "no server matches missing-1") { get_server("missing-1") }
    end

    # A CANCELLED attempt is retried (a grpc-go server resets the stream when
    # its copy of the deadline expires, which a C-core client may report as
    # CANCELLED); at most DEADLINE_ATTEMPTS attempts, anything else fails.
    def deadline
      (1..DEADLINE_ATTEMPTS).each do |attempt|
        @attempts = attempt
        what = "GetServer(slow) with a 300 ms deadline, attempt #{attempt}"
        start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        code = begin
          get_server("slow", timeout: 0.3)
          GRPC::Core::StatusCodes::OK
        rescue GRPC::BadStatus => e
          e.code
        end
        elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - start
        if elapsed >= DEADLINE_LIMIT
          raise Failure, format("%s: ended with %s after %.3f s, expected DEADLINE_EXCEEDED in under %d s",
                                what, Interop.code_name(code), elapsed, DEADLINE_LIMIT)
        end
        return if code == GRPC::Core::StatusCodes::DEADLINE_EXCEEDED
        next if code == GRPC::Core::StatusCodes::CANCELLED && attempt < DEADLINE_ATTEMPTS

        Interop.expect("#{what} status", "DEADLINE_EXCEEDED", Interop.code_name(code))
      end
    end

    def list_request(name, fields)
      values = fields.transform_values { |v| Google::Protobuf::Value.new(number_value: v) }
      Oaktree::V1::ListServersRequest.new(selector: Oaktree::V1::Selector.new(
        name_or_id: name, filters: Google::Protobuf::Struct.new(fields: values)
      ))
    end

    def server_stream
      req = list_request("bulk-*", "count" => STREAM_COUNT, "padding" => PADDING)
      n = 0
      total = 0
      outcomes = []
      @compute.list_servers(req, metadata: @md, deadline: deadline_in(CALL_TIMEOUT)).each do |resp|
        total += Oaktree::V1::ListServersResponse.encode(resp).bytesize
        case resp.item
        when :server
          s = resp.server
          raise Failure, "server #{s.name.inspect} after a scope_outcome" unless outcomes.empty?

          Interop.expect("server #{n} name", format("bulk-%05d", n), s.name)
          Interop.expect("server #{n} padding length", PADDING, s.properties.fields["padding"].string_value.bytesize)
          n += 1
        when :scope_outcome
          outcomes << resp.scope_outcome
        else
          raise Failure, "message #{n + outcomes.size}: neither server nor scope_outcome"
        end
      end
      want = Interop.scope_outcomes(STREAM_COUNT)
      Interop.expect("scope_outcome items", want.size, outcomes.size)
      want.zip(outcomes).each_with_index { |(w, g), i| Interop.expect_message("scope_outcome #{i}", w, g) }
      Interop.expect("servers received (the first outcome's count)", outcomes.first.count, n)
      raise Failure, "stream total #{total} bytes, expected far above 4 MiB" if total <= 8 * 1024 * 1024
    end

    def upload_data(size)
      Interop.pattern(0, size)
    end

    def upload(data, sha)
      reqs = Enumerator.new do |y|
        y << Oaktree::V1::UploadImageRequest.new(metadata: Oaktree::V1::ImageUploadMetadata.new(
          name: "interop.img", sha256: sha, size: data.bytesize
        ))
        (0...data.bytesize).step(CHUNK) do |off|
          y << Oaktree::V1::UploadImageRequest.new(chunk: data.byteslice(off, CHUNK))
        end
      end
      @image.upload_image(reqs, metadata: @md, deadline: deadline_in(CALL_TIMEOUT))
    end

    def client_stream
      data = upload_data(UPLOAD_SIZE)
      img = upload(data, Digest::SHA256.hexdigest(data)).image
      Interop.expect("image.name", "interop.img", img.name)
      Interop.expect("image.size", data.bytesize, img.size)
    end

    def upload_corrupt
      data = upload_data(1024 * 1024)
      Interop.expect_status("upload with wrong sha256", GRPC::Core::StatusCodes::DATA_LOSS) do
        upload(data, "0" * 64)
      end
    end

    def download
      digest = Digest::SHA256.new
      got = 0
      req = Oaktree::V1::DownloadImageRequest.new(name_or_id: "pattern-#{DOWNLOAD_SIZE}")
      @image.download_image(req, metadata: @md, deadline: deadline_in(CALL_TIMEOUT)).each do |resp|
        digest << resp.chunk
        got += resp.chunk.bytesize
      end
      Interop.expect("bytes downloaded", DOWNLOAD_SIZE, got)
      Interop.expect("sha256 of the download", Digest::SHA256.hexdigest(upload_data(DOWNLOAD_SIZE)),
                     digest.hexdigest)
    end

    def cancel
      tag = "cancel-rb-#{Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)}"
      op = @compute.list_servers(list_request(tag, "count" => 1_000_000), metadata: @md,
                                 deadline: deadline_in(CALL_TIMEOUT), return_op: true)
      replies = op.execute
      5.times { replies.next }
      op.cancel
      Interop.expect_status("stream after cancel", GRPC::Core::StatusCodes::CANCELLED) do
        loop { replies.next }
      end
      100.times do # bounded: the server records the cancel asynchronously
        return if get_server("cancelled?#{tag}").status == :SERVER_STATUS_DELETED

        sleep 0.05
      end
      raise Failure, "server did not report the cancellation of #{tag}"
    end

    def rich_error
      rid = SecureRandom.uuid
      req = Oaktree::V1::CreateServerRequest.new(location: Interop.region("RegionOne"), name: "rich-error",
                                                 image: "cirros", flavor: "m1.tiny", request_id: rid)
      what = "CreateServer(rich-error)"
      e = Interop.expect_status(what, GRPC::Core::StatusCodes::FAILED_PRECONDITION,
                                "server rich-error went to ERROR") do
        @compute.create_server(req, metadata: @md, deadline: deadline_in(CALL_TIMEOUT))
      end
      details = Interop.details(what, e)
      Interop.expect("number of status details", 3, details.size)
      want = [
        Google::Rpc::ErrorInfo.new(
          reason: Interop.reason(:ERROR_REASON_RESOURCE_IN_ERROR_STATE), domain: ERROR_DOMAIN,
          metadata: { "cloud" => "interop", "region" => "RegionOne", "resource_type" => "oaktree.v1.Server",
                      "resource_name" => RICH_NAME, "request_id" => rid,
                      "cloud_request_id" => "req-interop-1", "fault" => RICH_FAULT }
        ),
        Google::Rpc::ResourceInfo.new(resource_type: "oaktree.v1.Server", resource_name: RICH_NAME,
                                      owner: "project-interop", description: RICH_FAULT),
        Oaktree::V1::Server.new(id: "id-rich-error", name: "rich-error", status: :SERVER_STATUS_ERROR,
                                resource_name: RICH_NAME, location: Interop.region("RegionOne")),
      ]
      want.each do |w|
        got = details.grep(w.class)
        Interop.expect("number of #{w.class.descriptor.name} details", 1, got.size)
        Interop.expect_message("#{w.class.descriptor.name} detail", w, got.first)
      end
    end

    # GetServer("whoami") over TLS to `target`, trusting only `ca_file` of the
    # test CA folder and, with `with_cert`, presenting client.pem; the server
    # is verified as "localhost" (the clients connect to 127.0.0.1).
    def whoami(target, ca_file, with_cert)
      read = ->(f) { File.read(File.join(@tls_dir, f)) }
      creds = if with_cert
                GRPC::Core::ChannelCredentials.new(read.call(ca_file), read.call("client.key"), read.call("client.pem"))
              else
                GRPC::Core::ChannelCredentials.new(read.call(ca_file))
              end
      stub = Oaktree::V1::ComputeService::Stub.new(target, creds,
                                                   channel_args: { GRPC::Core::Channel::SSL_TARGET => "localhost" })
      get_server("whoami", stub: stub)
    ensure
      stub&.instance_variable_get(:@ch)&.close
    end

    def expect_whoami(s, want)
      Interop.expect("whoami id", "id-whoami", s.id)
      md = s.metadata.to_h
      raise Failure, "whoami metadata: no server-language in #{md}" if md["server-language"].to_s.empty?

      want.each { |k, v| Interop.expect("whoami metadata #{k}", v, md[k]) }
      Interop.expect("whoami metadata keys", (want.keys + ["server-language"]).sort, md.keys.sort)
    end

    def need_tls
      raise Failure, "needs --tls-dir, --tls-target and --mtls-target" unless @tls_dir && @tls_target && @mtls_target
    end

    # The call must fail (any status but OK).
    def expect_refused(what)
      yield
    rescue GRPC::BadStatus
      nil
    else
      raise Failure, "#{what}: expected a failure, got OK"
    end

    def tls
      need_tls
      expect_whoami(whoami(@tls_target, "ca.pem", false), "transport" => "tls")
      expect_refused("whoami over TLS trusting only other-ca.pem") { whoami(@tls_target, "other-ca.pem", false) }
    end

    def mtls
      need_tls
      expect_whoami(whoami(@mtls_target, "ca.pem", true),
                    "transport" => "mtls", "client-cn" => "oaktree-interop-client")
      expect_refused("whoami over mutual TLS without a client certificate") { whoami(@mtls_target, "ca.pem", false) }
    end
  end
end

target = token = tls_dir = tls_target = mtls_target = nil
cases = "all"
OptionParser.new do |o|
  o.on("--target HOST:PORT") { |t| target = t }
  o.on("--token T") { |t| token = t }
  o.on("--tls-dir DIR", "test CA folder (tests/interop/make_test_ca.sh)") { |d| tls_dir = d }
  o.on("--tls-target HOST:PORT", "the server's TLS port") { |t| tls_target = t }
  o.on("--mtls-target HOST:PORT", "the server's mutual-TLS port") { |t| mtls_target = t }
  o.on("--cases LIST", "comma-separated case names, or all") { |c| cases = c }
  o.on("--case NAME", "one case, or all (older drivers)") { |c| cases = c }
end.parse!
abort "usage: interop-client --target HOST:PORT --token T --cases c1,c2,..." unless target && token

names = cases == "all" ? Interop::CASES : cases.split(",")
runner = Interop::Cases.new(target, token, tls_dir: tls_dir, tls_target: tls_target, mtls_target: mtls_target)
ok = true
names.each do |name|
  line = if Interop::CASES.include?(name)
           begin
             runner.public_send(name.tr("-", "_"))
             { case: name, ok: true }
           rescue Interop::Failure => e
             { case: name, ok: false, error: e.message }
           rescue GRPC::BadStatus => e
             { case: name, ok: false, error: "unexpected status #{Interop.code_name(e.code)}: #{e.details}" }
           rescue StandardError => e
             { case: name, ok: false, error: "#{e.class}: #{e.message}" }
           end
         else
           { case: name, ok: false, error: "unknown case" }
         end
  line[:attempts] = runner.attempts if name == "deadline"
  ok &&= line[:ok]
  puts JSON.generate(line)
  $stdout.flush
end
exit(ok ? 0 : 1)
