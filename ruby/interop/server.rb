# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# Ruby interop test server (test code only; protocol in
# tests/interop/README.rst): `interop-server --token T` binds 127.0.0.1:0,
# prints PORT=<n> and serves until killed.

require "optparse"
require "grpc"
require_relative "common"

module Interop
  # Tags of ListServers streams this server saw cancelled.
  class State
    attr_reader :token

    def initialize(token)
      @token = token
      @lock = Mutex.new
      @cancelled = {}
    end

    def authorize(call)
      return if call.metadata["x-auth-token"] == @token

      raise GRPC::Unauthenticated, AUTH_MESSAGE
    end

    def record_cancel(tag)
      @lock.synchronize { @cancelled[tag] = true }
    end

    def cancelled?(tag)
      @lock.synchronize { @cancelled.key?(tag) }
    end
  end

  class Compute < Oaktree::V1::ComputeService::Service
    def initialize(state)
      super()
      @state = state
    end

    def get_server(req, call)
      @state.authorize(call)
      name = req.name_or_id
      if name == "slow"
        # Sleep up to 10 s, stopping once the call's deadline has passed (the
        # client's 300 ms deadline cancels the call on both sides).
        1000.times do
          break if call.deadline.is_a?(Time) && Time.now >= call.deadline

          sleep 0.01
        end
        raise GRPC::DeadlineExceeded, "slow server"
      end
      if name.start_with?("cancelled?")
        tag = name.delete_prefix("cancelled?")
        status = @state.cancelled?(tag) ? :SERVER_STATUS_DELETED : :SERVER_STATUS_BUILD
        return Oaktree::V1::GetServerResponse.new(server: Oaktree::V1::Server.new(name: tag, status: status))
      end
      if name.start_with?("server-")
        return Oaktree::V1::GetServerResponse.new(server: Oaktree::V1::Server.new(
          id: "id-#{name}", name: name, status: :SERVER_STATUS_ACTIVE,
          metadata: { "server-language" => "ruby" }
        ))
      end
      raise GRPC::NotFound, "no server matches #{name}"
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

token = nil
OptionParser.new do |o|
  o.on("--token T") { |t| token = t }
end.parse!
abort "usage: interop-server --token T" unless token

state = Interop::State.new(token)
server = GRPC::RpcServer.new(pool_size: 16)
port = server.add_http2_port("127.0.0.1:0", :this_port_is_insecure)
server.handle(Interop::Compute.new(state))
server.handle(Interop::Image.new(state))
puts "PORT=#{port}"
$stdout.flush
server.run_till_terminated_or_interrupted(%w[INT TERM])
