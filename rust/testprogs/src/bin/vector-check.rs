//! The Rust side of the wire vectors (tests/vectors, see tests/README.rst):
//!   vector-check DIR
//! checks every DIR/*.json file, prints one line per failure
//! (`<full.Type> <vector>: <check> <detail>`) and exits 1, or prints
//! `rust vectors: N files, M vectors ok`.
//!
//! What prost can do, and so what is checked per vector:
//! * binary: parsed and re-encoded, byte for byte equal (prost encodes in
//!   field-number order; maps are BTreeMaps, so entries come sorted by key),
//!   with one documented difference: inside a map entry prost omits a key or
//!   value that has its default (an entry `{"": ""}` is `0a 00`, where C++,
//!   Go and Python write `0a 04 0a 00 12 00`). Both parse to the same map.
//!   The check rewrites the expected bytes that way, through the descriptor
//!   set (nested lengths recomputed), and then compares byte for byte; the
//!   summary line counts the vectors where the rewrite changed anything;
//! * unknown_binary: prost drops unknown fields (documented), so re-encoding
//!   it must give exactly `binary` (rewritten as above);
//! * the type's prost::Name is the vector's full type name;
//! * JSON: not offered by this crate (rust/README.rst says why): not checked;
//! * text format: prost has no text parser: not checked.
//!
//!   vector-check --roundtrip IN OUT
//! answers the differential records of IN (JSON Lines, tests/README.rst
//! "Differential and hostile inputs") in OUT, one line per record:
//! `{"binary": "<hex>"}` (parsed and re-encoded by prost) or
//! `{"error": "<prost's message>"}`. No "json", "json_binary" or
//! "json_error": prost has no JSON (rust/README.rst).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

use std::collections::HashMap;
use std::sync::OnceLock;

use oaktreemodel::prost::{Message, Name};
use oaktreemodel::prost_types::{field_descriptor_proto::Type, DescriptorProto, FileDescriptorSet};
use serde_json::value::RawValue;

/// `dispatch(full_name, vectors)`: runs `check` for that message type, None
/// when the crate has no such type; the table is the crate's registry.
macro_rules! dispatch_table {
    ($(($name:literal, $ty:ty)),* $(,)?) => {
        fn dispatch(full_name: &str, vectors: &[serde_json::Value]) -> Option<Vec<String>> {
            match full_name {
                $($name => Some(check::<$ty>(full_name, vectors)),)*
                _ => None,
            }
        }
    };
}
oaktreemodel::for_each_message!(dispatch_table);

/// Decodes bytes as one message type and writes it back (prost's encoding is
/// deterministic: field-number order, BTreeMap maps).
type RoundTrip = fn(&[u8]) -> Result<Vec<u8>, oaktreemodel::prost::DecodeError>;

fn round_trip<T: Message + Default>(input: &[u8]) -> Result<Vec<u8>, oaktreemodel::prost::DecodeError> {
    T::decode(input).map(|m| m.encode_to_vec())
}

/// `round_trips()`: every message of the crate's registry by full name.
macro_rules! round_trip_table {
    ($(($name:literal, $ty:ty)),* $(,)?) => {
        fn round_trips() -> HashMap<&'static str, RoundTrip> {
            HashMap::from([$(($name, round_trip::<$ty> as RoundTrip)),*])
        }
    };
}
oaktreemodel::for_each_message!(round_trip_table);

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    fn nibble(c: u8) -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!("bad hex digit {:?}", char::from(c))),
        }
    }
    if s.len() % 2 != 0 {
        return Err("odd hex length".into());
    }
    // A plain loop: the test programs are a debug build, where iterator
    // adapters per byte cost more than the protobuf decoding itself.
    let mut out = Vec::with_capacity(s.len() / 2);
    for pair in s.as_bytes().chunks_exact(2) {
        out.push(nibble(pair[0])? << 4 | nibble(pair[1])?);
    }
    Ok(out)
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

/// Every message of the crate's descriptor set by full name (".a.b.C").
fn descriptors() -> &'static HashMap<String, DescriptorProto> {
    static TABLE: OnceLock<HashMap<String, DescriptorProto>> = OnceLock::new();
    TABLE.get_or_init(|| {
        fn add(prefix: &str, msg: &DescriptorProto, table: &mut HashMap<String, DescriptorProto>) {
            let full = format!("{prefix}.{}", msg.name());
            for nested in &msg.nested_type {
                add(&full, nested, table);
            }
            table.insert(full, msg.clone());
        }
        let fds = FileDescriptorSet::decode(oaktreemodel::FILE_DESCRIPTOR_SET).expect("descriptor set");
        let mut table = HashMap::new();
        for file in &fds.file {
            for msg in &file.message_type {
                add(&format!(".{}", file.package()), msg, &mut table);
            }
        }
        table
    })
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint too long".into())
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One field of the wire format: number, wire type, the raw bytes of the
/// whole field (tag included) and, for wire type 2, the payload.
struct WireField<'a> {
    number: u64,
    raw: &'a [u8],
    payload: Option<&'a [u8]>,
    zero: bool,
}

fn fields(buf: &[u8]) -> Result<Vec<WireField<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let key = varint(buf, &mut pos)?;
        let (number, wire) = (key >> 3, key & 7);
        let (payload, zero) = match wire {
            0 => (None, varint(buf, &mut pos)? == 0),
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                let bytes = buf.get(pos..pos + n).ok_or("truncated fixed field")?;
                pos += n;
                (None, bytes.iter().all(|b| *b == 0))
            }
            2 => {
                let n = varint(buf, &mut pos)? as usize;
                let bytes = buf.get(pos..pos + n).ok_or("truncated length-delimited field")?;
                pos += n;
                (Some(bytes), n == 0)
            }
            _ => return Err(format!("wire type {wire} (groups) not expected")),
        };
        out.push(WireField { number, raw: &buf[start..pos], payload, zero });
    }
    Ok(out)
}

/// `buf`, a message of type `type_name`, as prost writes it: map entries
/// without their default key or value, lengths of enclosing messages
/// recomputed. Everything else is copied unchanged.
fn prost_form(buf: &[u8], type_name: &str) -> Result<Vec<u8>, String> {
    let Some(desc) = descriptors().get(type_name) else {
        return Ok(buf.to_vec()); // not ours (e.g. well-known types): unchanged
    };
    let is_map_entry = desc.options.as_ref().is_some_and(|o| o.map_entry());
    let mut out = Vec::with_capacity(buf.len());
    for f in fields(buf)? {
        let field = desc.field.iter().find(|d| d.number() as u64 == f.number);
        let sub = field.filter(|d| d.r#type() == Type::Message).map(|d| d.type_name());
        match (sub, f.payload) {
            (Some(sub), Some(payload)) => {
                let inner = prost_form(payload, sub)?;
                if is_map_entry && inner.is_empty() {
                    continue; // a default (empty) message value
                }
                put_varint(&mut out, (f.number << 3) | 2);
                put_varint(&mut out, inner.len() as u64);
                out.extend_from_slice(&inner);
            }
            _ if is_map_entry && field.is_some() && f.zero => {} // default key or value
            _ => out.extend_from_slice(f.raw),
        }
    }
    Ok(out)
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

/// Vectors whose expected bytes the map-entry rewrite changed.
static REWRITTEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

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
        let want = match prost_form(&binary, &format!(".{full_name}")) {
            Ok(w) => w,
            Err(e) => {
                out.push(format!("{name}: binary is not valid wire format: {e}"));
                continue;
            }
        };
        if want != binary {
            REWRITTEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(problem) = reencode::<T>(&binary, &want) {
            out.push(format!("{name}: binary round trip {problem}"));
        }
        if let Some(hex) = v.get("unknown_binary").and_then(|u| u.as_str()) {
            match unhex(hex) {
                Err(e) => out.push(format!("{name}: unknown_binary {e}")),
                Ok(ub) => {
                    // Documented prost behaviour: unknown fields are dropped.
                    if let Some(problem) = reencode::<T>(&ub, &want) {
                        out.push(format!("{name}: unknown fields dropped (re-encoding equals binary) {problem}"));
                    }
                }
            }
        }
    }
    out
}

fn hex(bytes: &[u8], out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.extend_from_slice(&[DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]);
    }
}

/// Appends the answer to one record (a JSON object and a newline) to `out`.
fn answer(line: &str, table: &HashMap<&'static str, RoundTrip>, out: &mut Vec<u8>) {
    let mut error = |msg: String| {
        out.extend_from_slice(format!("{{\"error\":{}}}\n", serde_json::Value::String(msg)).as_bytes());
    };
    // Raw values: the record's "json" is not needed (no JSON here), so it is
    // only scanned, never built into a tree.
    let record: HashMap<String, &RawValue> = match serde_json::from_str(line) {
        Ok(r) => r,
        Err(e) => return error(format!("record is not a JSON object: {e}")),
    };
    let field = |name: &str| record.get(name).and_then(|raw| serde_json::from_str::<String>(raw.get()).ok());
    let Some(type_name) = field("type") else {
        return error("record has no \"type\" string".into());
    };
    let binary = match field("binary").map(|b| unhex(&b)) {
        Some(Ok(b)) => b,
        Some(Err(e)) => return error(format!("record's binary: {e}")),
        None => return error("record has no \"binary\" string".into()),
    };
    let Some(f) = table.get(type_name.as_str()) else {
        return error(format!("unknown type {type_name}: not a message of the oaktreemodel crate"));
    };
    // prost's decoder reports malformed input (recursion limit 100, lengths
    // past the end, invalid UTF-8, wrong wire types) as DecodeError and is
    // not meant to panic; catch_unwind is only the last resort that keeps a
    // panic to one record's answer (none seen; the panic hook still prints it).
    match std::panic::catch_unwind(|| f(&binary)) {
        Ok(Ok(bytes)) => {
            out.extend_from_slice(b"{\"binary\":\"");
            hex(&bytes, out);
            out.extend_from_slice(b"\"}\n");
        }
        Ok(Err(e)) => error(e.to_string()),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            error(format!("panic in prost: {msg}"))
        }
    }
}

/// `--roundtrip IN OUT`: one answer line per record, streaming.
fn roundtrip(input: &str, output: &str) -> Result<usize, String> {
    let table = round_trips();
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(input).map_err(|e| format!("{input}: {e}"))?);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(output).map_err(|e| format!("{output}: {e}"))?);
    let (mut count, mut buf) = (0, Vec::new());
    for line in reader.split(b'\n') {
        let line = line.map_err(|e| format!("{input}: {e}"))?;
        let line = String::from_utf8_lossy(&line);
        if line.trim().is_empty() {
            continue; // not a record
        }
        buf.clear();
        answer(&line, &table, &mut buf);
        out.write_all(&buf).map_err(|e| format!("{output}: {e}"))?;
        count += 1;
    }
    out.flush().map_err(|e| format!("{output}: {e}"))?;
    Ok(count)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--roundtrip") {
        let [_, _, input, output] = &args[..] else {
            eprintln!("usage: vector-check --roundtrip IN OUT");
            return ExitCode::from(2);
        };
        let (input, output) = (input.clone(), output.clone());
        // A thread with a large stack: the test programs are a debug build,
        // whose frames are big, and a record may nest 100 messages deep
        // (prost's recursion limit) in a message with many fields.
        let worker = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || roundtrip(&input, &output))
            .expect("starting the worker thread");
        return match worker.join() {
            Ok(Ok(_)) => ExitCode::SUCCESS,
            Ok(Err(e)) => {
                eprintln!("vector-check --roundtrip: {e}");
                ExitCode::FAILURE
            }
            Err(_) => ExitCode::FAILURE,
        };
    }
    let Some(dir) = args.get(1).cloned() else {
        eprintln!("usage: vector-check DIR | vector-check --roundtrip IN OUT");
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
        let rewritten = REWRITTEN.load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "rust vectors: {} files, {count} vectors ok \
             ({rewritten} compared with default map-entry keys/values omitted, as prost writes them)",
            paths.len()
        );
        ExitCode::SUCCESS
    } else {
        println!("rust vectors: {} files, {} failures", paths.len(), failures.len());
        ExitCode::FAILURE
    }
}
