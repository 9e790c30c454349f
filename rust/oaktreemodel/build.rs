//! Generates the oaktree.v1 code from the descriptor set shipped in this crate
//! (`oaktree-v1.binpb`, written by the oaktreemodel build from the .proto
//! files). No protoc is needed: prost reads the descriptors directly.
//!
//! * `oaktree.v1.rs`: prost messages and enums, and, with the `grpc` feature,
//!   tonic clients and servers;
//! * `oaktree.v1.registry.rs`: the `for_each_message!` macro, every message
//!   by full protobuf name with its Rust type (prost has no runtime registry).
//!
//! Well-known types are prost_types'; maps are BTreeMaps, so encoding is
//! deterministic (map entries sorted by key), as for prost_types::Struct.

use std::{env, fmt::Write, fs, path::PathBuf};

use heck::{ToSnakeCase, ToUpperCamelCase};
use prost::Message;
use prost_types::DescriptorProto;

/// prost-build's identifier rules (keywords become raw or suffixed names).
fn sanitize(ident: String) -> String {
    match ident.as_str() {
        "as" | "break" | "const" | "continue" | "else" | "enum" | "false" | "fn" | "for" | "if"
        | "impl" | "in" | "let" | "loop" | "match" | "mod" | "move" | "mut" | "pub" | "ref"
        | "return" | "static" | "struct" | "trait" | "true" | "type" | "unsafe" | "use"
        | "where" | "while" | "dyn" | "abstract" | "become" | "box" | "do" | "final" | "macro"
        | "override" | "priv" | "typeof" | "unsized" | "virtual" | "yield" | "async"
        | "await" | "try" | "gen" => format!("r#{ident}"),
        "_" | "super" | "self" | "Self" | "extern" | "crate" => format!("{ident}_"),
        _ => ident,
    }
}

/// Appends `("full.Name", $crate::v1::path::Type),` for msg and its nested messages.
fn registry(msg: &DescriptorProto, full: &str, rust: &str, out: &mut String) {
    if msg.options.as_ref().is_some_and(|o| o.map_entry()) {
        return; // map entries are not types of their own in prost
    }
    let full = format!("{full}.{}", msg.name());
    let ty = format!("{rust}::{}", sanitize(msg.name().to_upper_camel_case()));
    writeln!(out, "            ({full:?}, {ty}),").unwrap();
    let module = format!("{rust}::{}", sanitize(msg.name().to_snake_case()));
    for nested in &msg.nested_type {
        registry(nested, &full, &module, out);
    }
}

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

    let mut entries = String::new();
    for file in fds.file.iter().filter(|f| f.package() == "oaktree.v1") {
        for msg in &file.message_type {
            registry(msg, "oaktree.v1", "$crate::v1", &mut entries);
        }
    }
    let macro_code = format!(
        "/// Calls `callback! {{ (\"oaktree.v1.Name\", Type), ... }}` with every message of\n\
         /// oaktree.v1 (nested ones included): its full protobuf name and its Rust type.\n\
         /// prost has no runtime registry; this is one, e.g. to decode by type name.\n\
         #[macro_export]\nmacro_rules! for_each_message {{\n    ($callback:ident) => {{\n        \
         $callback! {{\n{entries}        }}\n    }};\n}}\n"
    );
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out_dir.join("oaktree.v1.registry.rs"), macro_code).expect("writing the registry");

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
