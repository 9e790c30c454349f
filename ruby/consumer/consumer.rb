# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# A user's program: the "Using it" example of ruby/README.rst with checks.
# ruby/checks/consumer runs it from a folder outside the tree, with the gem
# installed in GEM_HOME and no -I, against ruby/interop-server.
#   ruby consumer.rb TARGET TOKEN EXPECTED_VERSION

require "grpc"
require "oaktree/v1/compute_services_pb"

target, token, version = ARGV
abort "usage: consumer.rb TARGET TOKEN EXPECTED_VERSION" unless version

spec = Gem.loaded_specs["oaktreemodel"]
abort "oaktreemodel was not loaded as a gem" unless spec
abort "oaktreemodel #{spec.version} loaded, expected #{version}" unless spec.version.to_s == version
home = ENV.fetch("GEM_HOME")
unless spec.full_gem_path.start_with?(File.join(home, ""))
  abort "oaktreemodel loaded from #{spec.full_gem_path}, not from GEM_HOME #{home}"
end

stub = Oaktree::V1::ComputeService::Stub.new(target, :this_channel_is_insecure)
reply = stub.get_server(Oaktree::V1::GetServerRequest.new(name_or_id: "server-42"),
                        metadata: { "authorization" => "Bearer #{token}" },
                        deadline: Time.now + 10)
s = reply.server
unless s.id == "id-server-42" && s.name == "server-42" && s.status == :SERVER_STATUS_ACTIVE &&
       s.metadata["server-language"] == "ruby"
  abort "unexpected reply: #{Oaktree::V1::Server.encode_json(s)}"
end
puts "consumer: oaktreemodel #{spec.version} from #{spec.full_gem_path}: " \
     "GetServer -> #{s.id} #{s.status}"
