# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# Ruby interop test client (test code only; protocol in
# tests/interop/README.rst):
#   interop-client --target 127.0.0.1:N --token T --cases c1,c2,...  (or all)
# Runs the cases in order in this one process and prints one JSON line per
# case; a failure carries the first difference; exit 1 if any failed.

require "json"
require "optparse"
require "grpc"
require_relative "common"

module Interop
  class Failure < StandardError; end

  CASES = %w[unary auth not-found deadline server-stream client-stream upload-corrupt download cancel].freeze

  def self.expect(what, want, got)
    raise Failure, "#{what}: expected #{want.inspect}, got #{got.inspect}" unless want == got
  end

  def self.code_name(code)
    GRPC::Core::StatusCodes.constants.find { |c| GRPC::Core::StatusCodes.const_get(c) == code }.to_s
  end

  # Run the block; it must fail with status `code` (and `message` when given).
  def self.expect_status(what, code, message = nil)
    yield
  rescue GRPC::BadStatus => e
    expect("#{what} status", code_name(code), code_name(e.code))
    expect("#{what} message", message, e.details) unless message.nil?
  else
    raise Failure, "#{what}: expected status #{code_name(code)}, got OK"
  end

  class Cases
    def initialize(target, token)
      @compute = Oaktree::V1::ComputeService::Stub.new(target, :this_channel_is_insecure)
      @image = Oaktree::V1::ImageService::Stub.new(target, :this_channel_is_insecure)
      @md = { "x-auth-token" => token }
    end

    def deadline_in(seconds)
      Time.now + seconds
    end

    def get_server(name, metadata: @md, timeout: 30)
      @compute.get_server(Oaktree::V1::GetServerRequest.new(name_or_id: name),
                          metadata: metadata, deadline: deadline_in(timeout)).server
    end

    def unary
      s = get_server("server-42")
      Interop.expect("server.id", "id-server-42", s.id)
      Interop.expect("server.name", "server-42", s.name)
      Interop.expect("server.status", :SERVER_STATUS_ACTIVE, s.status)
    end

    def auth
      Interop.expect_status("wrong token", GRPC::Core::StatusCodes::UNAUTHENTICATED, AUTH_MESSAGE) do
        get_server("server-42", metadata: { "x-auth-token" => "wrong-token" })
      end
      Interop.expect_status("no token", GRPC::Core::StatusCodes::UNAUTHENTICATED, AUTH_MESSAGE) do
        get_server("server-42", metadata: {})
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
        Interop.expect_status("GetServer(slow) with 300 ms deadline, attempt #{attempt}",
                              GRPC::Core::StatusCodes::DEADLINE_EXCEEDED) do
          get_server("slow", timeout: 0.3)
        end
        return
      rescue Failure => e
        raise if !e.message.include?('got "CANCELLED"') || attempt == DEADLINE_ATTEMPTS
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
      @compute.list_servers(req, metadata: @md, deadline: deadline_in(120)).each do |resp|
        s = resp.server
        Interop.expect("message #{n} name", format("bulk-%05d", n), s.name)
        Interop.expect("message #{n} padding length", PADDING, s.properties.fields["padding"].string_value.bytesize)
        n += 1
        total += Oaktree::V1::ListServersResponse.encode(resp).bytesize
      end
      Interop.expect("messages received", STREAM_COUNT, n)
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
      @image.upload_image(reqs, metadata: @md, deadline: deadline_in(120))
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
      @image.download_image(req, metadata: @md, deadline: deadline_in(120)).each do |resp|
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
                                 deadline: deadline_in(120), return_op: true)
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
  end
end

target = token = nil
cases = "all"
OptionParser.new do |o|
  o.on("--target HOST:PORT") { |t| target = t }
  o.on("--token T") { |t| token = t }
  o.on("--cases LIST", "comma-separated case names, or all") { |c| cases = c }
  o.on("--case NAME", "one case, or all (older drivers)") { |c| cases = c }
end.parse!
abort "usage: interop-client --target HOST:PORT --token T --cases c1,c2,..." unless target && token

names = cases == "all" ? Interop::CASES : cases.split(",")
runner = Interop::Cases.new(target, token)
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
  ok &&= line[:ok]
  puts JSON.generate(line)
  $stdout.flush
end
exit(ok ? 0 : 1)
