# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# Shared by the Ruby interop server and client (test code only; the protocol
# is tests/interop/README.rst).

require "digest"
require "google/protobuf/struct_pb"
require "google/protobuf/duration_pb"
require "google/protobuf/well_known_types" # Any#pack / #unpack
require "google/rpc/error_details_pb" # Debian ruby-googleapis-common-protos-types
require "google/rpc/status_pb"
require "oaktree/v1/compute_services_pb"
require "oaktree/v1/image_services_pb"
require "grpc"

module Interop
  AUTH_MESSAGE = "missing or wrong authorization"
  ERROR_DOMAIN = "oaktree.openstack.org"
  STATUS_DETAILS_KEY = "grpc-status-details-bin"
  RICH_NAME = "clouds/interop/regions/RegionOne/servers/id-rich-error"
  RICH_FAULT = "No valid host was found"
  CHUNK = 64 * 1024
  STREAM_COUNT = 10_000
  PADDING = 1024
  UPLOAD_SIZE = 16 * 1024 * 1024 + 12_345
  DOWNLOAD_SIZE = 5 * 1024 * 1024 + 7
  DEADLINE_ATTEMPTS = 5

  # 251 bytes 0..250 repeated: byte i of every payload is i % 251.
  PATTERN = (0...251).to_a.pack("C*").freeze

  # The ErrorInfo reason of an oaktree.v1.ErrorReason value: its name without
  # ERROR_REASON_ (raises for a name the enum does not have).
  def self.reason(name)
    Oaktree::V1::ErrorReason.resolve(name) or raise ArgumentError, "no ErrorReason #{name}"
    name.to_s.delete_prefix("ERROR_REASON_")
  end

  def self.region(name)
    Oaktree::V1::Location.new(cloud: "interop", region_name: name)
  end

  # The two scope_outcome items that end the bulk ListServers stream.
  def self.scope_outcomes(count)
    [
      Oaktree::V1::ScopeOutcome.new(location: region("RegionOne"), code: GRPC::Core::StatusCodes::OK,
                                    count: count),
      Oaktree::V1::ScopeOutcome.new(
        location: region("RegionTwo"), code: GRPC::Core::StatusCodes::UNAVAILABLE,
        reason: :ERROR_REASON_CLOUD_UNREACHABLE, message: "RegionTwo is unreachable",
        metadata: { "cloud_request_id" => "req-interop-2" }, count: 0,
        retry_delay: Google::Protobuf::Duration.new(seconds: 2)
      ),
    ]
  end

  # `size` bytes of the pattern starting at offset `off`.
  def self.pattern(off, size)
    reps = (size + 2 * 251) / 251 + 1
    (PATTERN * reps).byteslice(off % 251, size)
  end
end
