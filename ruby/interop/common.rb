# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# Shared by the Ruby interop server and client (test code only; the protocol
# is tests/interop/README.rst).

require "digest"
require "google/protobuf/struct_pb"
require "oaktree/v1/compute_services_pb"
require "oaktree/v1/image_services_pb"

module Interop
  AUTH_MESSAGE = "missing or wrong x-auth-token"
  CHUNK = 64 * 1024
  STREAM_COUNT = 10_000
  PADDING = 1024
  UPLOAD_SIZE = 16 * 1024 * 1024 + 12_345
  DOWNLOAD_SIZE = 5 * 1024 * 1024 + 7
  DEADLINE_ATTEMPTS = 5

  # 251 bytes 0..250 repeated: byte i of every payload is i % 251.
  PATTERN = (0...251).to_a.pack("C*").freeze

  # `size` bytes of the pattern starting at offset `off`.
  def self.pattern(off, size)
    reps = (size + 2 * 251) / 251 + 1
    (PATTERN * reps).byteslice(off % 251, size)
  end
end
