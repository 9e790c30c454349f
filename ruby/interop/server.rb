# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# Ruby interop test server (test code only; protocol in
# tests/interop/README.rst): `interop-server --token T [--tls-dir DIR]`
# binds 127.0.0.1:0 (and, with --tls-dir, a TLS and a mutual-TLS port),
# prints PORT=<n> [TLS_PORT=<t> MTLS_PORT=<m>] and serves until killed.

require "openssl"
require "optparse"
require "grpc"
require_relative "common"

module Interop
  # A failed call whose google.rpc.Status (code, message and the details,
  # each packed in an Any) goes in the grpc-status-details-bin trailer.
  def self.rich_status(code, message, *details)
    status = Google::Rpc::Status.new(code: code, message: message,
                                     details: details.map { |d| Google::Protobuf::Any.pack(d) })
    GRPC::BadStatus.new_status_exception(code, message,
                                         STATUS_DETAILS_KEY => Google::Rpc::Status.encode(status))
  end

  # Tags of ListServers streams this server saw cancelled.
  class State
    attr_reader :token

    def initialize(token)
      @token = token
      @lock = Mutex.new
      @cancelled = {}
    end

    def authorize(call)
      return if call.metadata["authorization"] == "Bearer #{@token}"

      raise Interop.rich_status(GRPC::Core::StatusCodes::UNAUTHENTICATED, AUTH_MESSAGE,
                                Google::Rpc::ErrorInfo.new(reason: Interop.reason(:ERROR_REASON_CALLER_UNAUTHENTICATED),
                                                           domain: ERROR_DOMAIN))
    end

    def record_cancel(tag)
      @lock.synchronize { @cancelled[tag] = true }
    end

    def cancelled?(tag)
      @lock.synchronize { @cancelled.key?(tag) }
    end
  end

  class Compute < Oaktree::V1::ComputeService::Service
    # transport: "plaintext", "tls" or "mtls", the port this instance serves.
    def initialize(state, transport)
      super()
      @state = state
      @transport = transport
    end

    # The deadline case: answers OK once the call is cancelled or 10 s have
    # passed. gRPC Ruby shows a unary handler no cancellation while it runs
    # (cancelled? reads the final status), but C-core ends the call itself
    # when the server's copy of the deadline expires; one second after that,
    # the call is gone and the OK goes nowhere (answering right at the
    # deadline could race the client's own timer, as it did in Go). A call
    # without a deadline shows Time.at(-1) (gRPC Ruby 1.51's infinite future).
    def slow(call)
      stop = Time.now + 10
      deadline = call.deadline
      stop = [stop, deadline + 1].min if deadline.is_a?(Time) && deadline.to_i.positive?
      sleep 0.01 until call.cancelled? || Time.now >= stop
      Oaktree::V1::GetServerResponse.new(server: Oaktree::V1::Server.new(name: "slow"))
    end

    def whoami(call)
      md = { "server-language" => "ruby", "transport" => @transport }
      if @transport == "mtls"
        pem = call.peer_cert
        raise GRPC::Internal, "mutual-TLS call without a client certificate" if pem.nil? || pem.empty?

        cn = OpenSSL::X509::Certificate.new(pem).subject.to_a.find { |k, _, _| k == "CN" }
        md["client-cn"] = cn ? cn[1] : ""
      end
      Oaktree::V1::GetServerResponse.new(server: Oaktree::V1::Server.new(id: "id-whoami", name: "whoami",
                                                                         metadata: md))
    end

    def get_server(req, call)
      @state.authorize(call)
      name = req.name_or_id
      return slow(call) if name == "slow"
      return whoami(call) if name == "whoami"

      if name.start_with?("cancelled?")
        tag = name.delete_prefix("cancelled?")
        status = @state.cancelled?(tag) ? :SERVER_STATUS_DELETED : :SERVER_STATUS_BUILD
        return Oaktree::V1::GetServerResponse.new(server: Oaktree::V1::Server.new(name: tag, status: status))
      end
      if name.start_with?("server-")
        return Oaktree::V1::GetServerResponse.new(server: Oaktree::V1::Server.new(
          id: "id-#{name}", name: name, status: :SERVER_STATUS_ACTIVE,
          resource_name: "clouds/interop/regions/RegionOne/servers/id-#{name}",
          metadata: { "server-language" => "ruby" }
        ))
      end
      raise GRPC::NotFound, "no server matches #{name}"
    end

    # Only the rich-error case: the boot "went to ERROR".
    def create_server(req, call)
      @state.authorize(call)
      unless req.name == "rich-error" && req.image == "cirros" && req.flavor == "m1.tiny" &&
             req.location == Interop.region("RegionOne") && !req.request_id.empty?
        raise GRPC::InvalidArgument, "not the rich-error request: #{Oaktree::V1::CreateServerRequest.encode_json(req)}"
      end

      info = Google::Rpc::ErrorInfo.new(
        reason: Interop.reason(:ERROR_REASON_RESOURCE_IN_ERROR_STATE), domain: ERROR_DOMAIN,
        metadata: { "cloud" => "interop", "region" => "RegionOne", "resource_type" => "oaktree.v1.Server",
                    "resource_name" => RICH_NAME, "request_id" => req.request_id,
                    "cloud_request_id" => "req-interop-1", "fault" => RICH_FAULT }
      )
      resource = Google::Rpc::ResourceInfo.new(resource_type: "oaktree.v1.Server", resource_name: RICH_NAME,
                                               owner: "project-interop", description: RICH_FAULT)
      server = Oaktree::V1::Server.new(id: "id-rich-error", name: "rich-error", status: :SERVER_STATUS_ERROR,
                                       resource_name: RICH_NAME, location: Interop.region("RegionOne"))
      raise Interop.rich_status(GRPC::Core::StatusCodes::FAILED_PRECONDITION, "server rich-error went to ERROR",
                                info, resource, server)
    end

    def list_servers(req, call)
      @state.authorize(call)
      sel = req.selector
      fields = sel.filters&.fields || {}
      count = fields["count"] ? fields["count"].number_value.to_i : 0
      padding = fields["padding"] ? fields["padding"].number_value.to_i : 0
      if sel.name_or_id.start_with?("cancel-")
        tag = sel.name_or_id
        state = @state
        # gRPC Ruby sees a cancelled server stream as a failing write: the
        # exception leaves this block before the count is reached.
        return Enumerator.new do |out|
          finished = false
          begin
            count.times do |i|
              out << Oaktree::V1::ListServersResponse.new(server: Oaktree::V1::Server.new(name: "#{tag}-#{i}"))
            end
            finished = true
          ensure
            state.record_cancel(tag) unless finished
          end
        end
      end
      raise GRPC::InvalidArgument, "unknown selector #{sel.name_or_id}" unless sel.name_or_id == "bulk-*"

      pad = "x" * padding
      Enumerator.new do |out|
        count.times do |i|
          props = Google::Protobuf::Struct.new(fields: {
            "padding" => Google::Protobuf::Value.new(string_value: pad),
            "index" => Google::Protobuf::Value.new(number_value: i),
          })
          out << Oaktree::V1::ListServersResponse.new(server: Oaktree::V1::Server.new(
            id: format("id-%05d", i), name: format("bulk-%05d", i), status: :SERVER_STATUS_ACTIVE,
            metadata: { "index" => i.to_s }, properties: props
          ))
        end
        Interop.scope_outcomes(count).each { |o| out << Oaktree::V1::ListServersResponse.new(scope_outcome: o) }
      end
    end
  end

  class Image < Oaktree::V1::ImageService::Service
    def initialize(state)
      super()
      @state = state
    end

    def upload_image(call)
      @state.authorize(call)
      meta = nil
      digest = Digest::SHA256.new
      size = 0
      call.each_remote_read do |req|
        if meta.nil?
          raise GRPC::InvalidArgument, "first message must be metadata" unless req.content == :metadata

          meta = req.metadata
        else
          raise GRPC::InvalidArgument, "metadata after the first message" unless req.content == :chunk

          digest << req.chunk
          size += req.chunk.bytesize
        end
      end
      raise GRPC::InvalidArgument, "first message must be metadata" if meta.nil?

      hex = digest.hexdigest
      if size != meta.size || hex != meta.sha256
        raise GRPC::DataLoss, "sha256 or size mismatch: got #{size} bytes sha256 #{hex}"
      end

      Oaktree::V1::UploadImageResponse.new(image: Oaktree::V1::Image.new(
        id: "img-#{meta.sha256[0, 16]}", name: meta.name, size: size
      ))
    end

    def download_image(req, call)
      @state.authorize(call)
      name = req.name_or_id
      raise GRPC::NotFound, "no image matches #{name}" unless name =~ /\Apattern-(\d+)\z/

      size = Regexp.last_match(1).to_i
      Enumerator.new do |out|
        (0...size).step(CHUNK) do |off|
          out << Oaktree::V1::DownloadImageResponse.new(chunk: Interop.pattern(off, [CHUNK, size - off].min))
        end
      end
    end
  end
end

token = tls_dir = nil
OptionParser.new do |o|
  o.on("--token T") { |t| token = t }
  o.on("--tls-dir DIR", "also serve TLS and mutual TLS with DIR/server.pem, server.key, ca.pem") { |d| tls_dir = d }
end.parse!
abort "usage: interop-server --token T [--tls-dir DIR]" unless token

state = Interop::State.new(token)
# One server per port, so that whoami knows the transport it answers on.
ports = { "plaintext" => :this_port_is_insecure }
if tls_dir
  read = ->(f) { File.read(File.join(tls_dir, f)) }
  pair = [{ private_key: read.call("server.key"), cert_chain: read.call("server.pem") }]
  ports["tls"] = GRPC::Core::ServerCredentials.new(nil, pair, false)
  # force_client_auth: require a client certificate signed by ca.pem.
  ports["mtls"] = GRPC::Core::ServerCredentials.new(read.call("ca.pem"), pair, true)
end
servers = ports.map do |transport, creds|
  server = GRPC::RpcServer.new(pool_size: 16)
  port = server.add_http2_port("127.0.0.1:0", creds)
  server.handle(Interop::Compute.new(state, transport))
  server.handle(Interop::Image.new(state))
  [transport, server, port]
end
servers.drop(1).each do |_, server, _|
  Thread.new { server.run }
  server.wait_till_running
end
names = { "plaintext" => "PORT", "tls" => "TLS_PORT", "mtls" => "MTLS_PORT" }
puts(servers.map { |transport, _, port| "#{names[transport]}=#{port}" }.join(" "))
$stdout.flush
servers.first[1].run_till_terminated_or_interrupted(%w[INT TERM])
servers.drop(1).each { |_, server, _| server.stop }
