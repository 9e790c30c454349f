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
  # Code from protoc 3.21's Ruby generator uses the descriptor DSL, which
  # google-protobuf 4.26 removed; 3.21.12 is what this tree tests.
  s.add_runtime_dependency "google-protobuf", ">= 3.21.12", "< 4.26"
  # grpc_ruby_plugin 1.51 output uses GRPC::GenericService, unchanged in 1.x.
  s.add_runtime_dependency "grpc", ">= 1.51.1", "< 2"
end
