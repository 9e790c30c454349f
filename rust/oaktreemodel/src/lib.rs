//! The oaktree API (protobuf package `oaktree.v1`) for Rust: prost messages,
//! and with the default `grpc` feature the tonic clients and servers.
//!
//! ```no_run
//! use oaktreemodel::v1::{compute_service_client::ComputeServiceClient, GetServerRequest};
//! ```
//!
//! Feature `grpc` (default): tonic clients `v1::<area>_service_client` and
//! servers `v1::<area>_service_server`; without it, messages only (no HTTP/2
//! stack). `prost`, `prost_types` and, with `grpc`, `tonic` are re-exported,
//! so a user names the same versions as this crate.

pub use prost;
pub use prost_types;
#[cfg(feature = "grpc")]
pub use tonic;

/// Everything of the protobuf package `oaktree.v1`.
#[allow(clippy::all, missing_docs, rustdoc::all)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/oaktree.v1.rs"));
}

include!(concat!(env!("OUT_DIR"), "/oaktree.v1.registry.rs"));

/// The descriptor set the code was generated from (all oaktree/v1 files and
/// their imports, with source info), e.g. for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/oaktree-v1.binpb"));
