//! Generates the oaktree.v1 code from the descriptor set shipped in this crate
//! (`oaktree-v1.binpb`, written by the oaktreemodel build from the .proto
//! files). No protoc is needed: prost reads the descriptors directly.
//!
//! * `oaktree.v1.rs`: prost messages and enums, and, with the `grpc` feature,
//!   tonic clients and servers.
//!
//! Well-known types are prost_types'; maps are BTreeMaps, so encoding is
//! deterministic (map entries sorted by key), as for prost_types::Struct.

use std::{env, fs, path::PathBuf};

use prost::Message;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let descriptor_path = manifest_dir.join("oaktree-v1.binpb");
    println!("cargo:rerun-if-changed={}", descriptor_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    let bytes = fs::read(&descriptor_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", descriptor_path.display()));
    let fds = prost_types::FileDescriptorSet::decode(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{} is not a FileDescriptorSet: {e}", descriptor_path.display()));

    let grpc = env::var_os("CARGO_FEATURE_GRPC").is_some();

    let mut config = prost_build::Config::new();
    // `prost::Name` for every message: full name and type URL.
    config.enable_type_names();
    tonic_prost_build::configure()
        .build_client(grpc)
        .build_server(grpc)
        .build_transport(grpc)
        // Every server method has a default body answering UNIMPLEMENTED, so
        // an RPC added in a later version does not break a user's server.
        .generate_default_stubs(true)
        .btree_map(".")
        .compile_fds_with_config(fds, config)
        .expect("generating the oaktree.v1 messages and services");
}
