//! Writes the vector checker's dispatch table: one match arm per message of
//! the descriptor set's oaktree.* files, from the full protobuf name to the
//! crate's Rust type (prost has no runtime registry). A message added to the
//! .proto files is covered without touching the checker.

use std::{env, fmt::Write, fs, path::PathBuf};

use heck::{ToSnakeCase, ToUpperCamelCase};
use prost::Message;
use prost_types::{DescriptorProto, FileDescriptorSet};

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

fn walk(msg: &DescriptorProto, full: &str, rust: &str, arms: &mut String, n: &mut usize) {
    if msg.options.as_ref().is_some_and(|o| o.map_entry()) {
        return; // map entries are not types of their own in prost
    }
    let full = format!("{full}.{}", msg.name());
    let ty = format!("{rust}::{}", sanitize(msg.name().to_upper_camel_case()));
    writeln!(arms, "        {full:?} => Some(check::<{ty}>(full_name, vectors)),").unwrap();
    *n += 1;
    let module = format!("{rust}::{}", sanitize(msg.name().to_snake_case()));
    for nested in &msg.nested_type {
        walk(nested, &full, &module, arms, n);
    }
}

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let path = dir.join("../oaktreemodel/oaktree-v1.binpb");
    println!("cargo:rerun-if-changed={}", path.display());
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fds = FileDescriptorSet::decode(bytes.as_slice()).expect("a FileDescriptorSet");
    let (mut arms, mut n) = (String::new(), 0);
    for file in fds.file.iter().filter(|f| f.package() == "oaktree.v1") {
        for msg in &file.message_type {
            walk(msg, "oaktree.v1", "oaktreemodel::v1", &mut arms, &mut n);
        }
    }
    let code = format!(
        "/// Messages of the descriptor set: {n}.\npub const MESSAGE_COUNT: usize = {n};\n\n\
         /// Runs `check` for the message type named `full_name`; None when unknown.\n\
         pub fn dispatch(full_name: &str, vectors: &[serde_json::Value]) -> Option<Vec<String>> {{\n    \
         match full_name {{\n{arms}        _ => None,\n    }}\n}}\n"
    );
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("dispatch.rs");
    fs::write(out, code).unwrap();
}
