# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# The gem oaktreemodel. Not built from this folder: make copies this file,
# the generated lib/ and the .proto files into gen/ruby/stage and runs
# `gem build` there (ruby/build_gem.sh), with the version from configure.ac
# in OAKTREE_VERSION. Why these dependency ranges: ruby/README.rst.
Gem::Specification.new do |s|
  s.name = "oaktreemodel"
  s.version = ENV.fetch("OAKTREE_VERSION")
  s.summary = "oaktree's gRPC API (oaktree.v1): generated Ruby messages and service stubs"
  s.description = "Protocol buffer messages and gRPC stubs of oaktree, the multi-cloud " \
                  "OpenStack API server built on shade. require \"oaktree/v1/compute_services_pb\" " \
                  "and use Oaktree::V1::ComputeService::Stub. The .proto files are included under proto/."
  s.authors = ["The oaktreemodel Authors"]
  s.license = "Apache-2.0"
  s.homepage = "https://opendev.org/openstack/oaktreemodel"
  s.files = Dir.glob(["README.rst", "lib/**/*.rb", "proto/**/*.proto"]).sort
  s.require_paths = ["lib"]
  s.required_ruby_version = ">= 3.1"
  # The google-protobuf range follows the style of the generated files:
  # protoc 3.21 (Debian 12, the default) writes the DescriptorPool#build DSL,
  # which google-protobuf 4.26 removed; protoc 23 and newer embed the
  # serialized descriptor (add_serialized_file), which 3.21.12 loads too and
  # newer runtimes keep, up to the next major. 3.21.12 is what is tested.
  dsl = Dir.glob("lib/**/*_pb.rb").any? { |f| File.read(f).include?("generated_pool.build do") }
  s.add_runtime_dependency "google-protobuf", ">= 3.21.12", dsl ? "< 4.26" : "< 5"
  # grpc_ruby_plugin 1.51 output uses GRPC::GenericService, unchanged in 1.x.
  s.add_runtime_dependency "grpc", ">= 1.51.1", "< 2"
end
