//! The Rust side of the wire vectors (tests/vectors, see tests/README.rst):
//!   vector-check DIR
//! checks every DIR/*.json file, prints one line per failure
//! (`<full.Type> <vector>: <check> <detail>`) and exits 1, or prints
//! `rust vectors: N files, M vectors ok`.
//!
//! What prost can do, and so what is checked per vector:
//! * binary: parsed and re-encoded, byte for byte equal (prost encodes in
//!   field-number order; maps are BTreeMaps, so entries come sorted by key);
//! * unknown_binary: prost drops unknown fields (documented), so re-encoding
//!   it must give exactly `binary`;
//! * the type's prost::Name is the vector's full type name;
//! * JSON: not offered by this crate (rust/README.rst says why): not checked;
//! * text format: prost has no text parser: not checked.

use std::process::ExitCode;

use oaktreemodel::prost::{Message, Name};

include!(concat!(env!("OUT_DIR"), "/dispatch.rs"));

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err("odd hex length".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("bad hex: {e}")))
        .collect()
}

fn first_difference(want: &[u8], got: &[u8]) -> String {
    let at = want.iter().zip(got).position(|(a, b)| a != b).unwrap_or(want.len().min(got.len()));
    format!(
        "at byte {at}: expected {} bytes, got {} (expected {:02x?}, got {:02x?})",
        want.len(),
        got.len(),
        want.get(at..(at + 8).min(want.len())).unwrap_or_default(),
        got.get(at..(at + 8).min(got.len())).unwrap_or_default()
    )
}

/// Re-encodes `input` through T; the failure text when it is not `want`.
fn reencode<T: Message + Default>(input: &[u8], want: &[u8]) -> Option<String> {
    match T::decode(input) {
        Err(e) => Some(format!("decode error: {e}")),
        Ok(m) => {
            let got = m.encode_to_vec();
            (got != want).then(|| first_difference(want, &got))
        }
    }
}

fn check<T: Message + Default + Name>(full_name: &str, vectors: &[serde_json::Value]) -> Vec<String> {
    let mut out = Vec::new();
    if T::full_name() != full_name {
        out.push(format!("*: prost::Name says {}", T::full_name()));
    }
    for v in vectors {
        let name = v["name"].as_str().unwrap_or("?");
        let binary = match v["binary"].as_str().map(unhex) {
            Some(Ok(b)) => b,
            other => {
                out.push(format!("{name}: vector has no valid binary ({other:?})"));
                continue;
            }
        };
        if let Some(problem) = reencode::<T>(&binary, &binary) {
            out.push(format!("{name}: binary round trip {problem}"));
        }
        if let Some(hex) = v.get("unknown_binary").and_then(|u| u.as_str()) {
            match unhex(hex) {
                Err(e) => out.push(format!("{name}: unknown_binary {e}")),
                Ok(ub) => {
                    // Documented prost behaviour: unknown fields are dropped.
                    if let Some(problem) = reencode::<T>(&ub, &binary) {
                        out.push(format!("{name}: unknown fields dropped (re-encoding equals binary) {problem}"));
                    }
                }
            }
        }
    }
    out
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: vector-check DIR");
        return ExitCode::from(2);
    };
    let mut paths: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            return ExitCode::from(2);
        }
    };
    paths.sort();
    let (mut failures, mut count) = (Vec::new(), 0usize);
    for path in &paths {
        let doc: serde_json::Value = match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let ty = doc["type"].as_str().unwrap_or("?").to_string();
        let vectors = doc["vectors"].as_array().cloned().unwrap_or_default();
        count += vectors.len();
        match dispatch(&ty, &vectors) {
            None => failures.push(format!("{ty}: type not in the oaktreemodel crate")),
            Some(problems) => failures.extend(problems.into_iter().map(|p| format!("{ty} {p}"))),
        }
    }
    for f in &failures {
        println!("{f}");
    }
    if failures.is_empty() && !paths.is_empty() {
        println!("rust vectors: {} files, {count} vectors ok", paths.len());
        ExitCode::SUCCESS
    } else {
        println!("rust vectors: {} files, {} failures", paths.len(), failures.len());
        ExitCode::FAILURE
    }
}
