// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target over every oaktree.v1 message type (cpp/checks/fuzz).
// Input: two bytes (little-endian) choose the type, index modulo the number of
// types, in the name order of OAKTREE_FUZZ_LIST_TYPES=1; the rest is parsed as
// that type. When it parses: the deterministic bytes must parse again and give
// the same bytes, and the message's proto3 JSON, when the printer accepts it,
// must parse back. Any difference aborts, which libFuzzer reports as a crash.
//
// Environment:
//   OAKTREE_FUZZ_LIST_TYPES=1   print "index type" per line and exit
//   OAKTREE_FUZZ_ALL_TYPES=1    run the payload of each input through every
//                               type (the regression replay: a saved input
//                               keeps its meaning when types are added)
//
// Types are found by reflection over the generated files of oaktree/v1,
// never from a hand list.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>

namespace pb = google::protobuf;

namespace {

struct Type {
  std::string name;
  const pb::Message* prototype;
};

void Collect(const pb::Descriptor* d, std::vector<Type>* out) {
  // A map's entry type is how the wire spells a map, not a message of ours.
  if (d->options().map_entry()) return;
  out->push_back({d->full_name(), pb::MessageFactory::generated_factory()->GetPrototype(d)});
  for (int i = 0; i < d->nested_type_count(); ++i) Collect(d->nested_type(i), out);
}

// Every message type of the linked oaktree/v1 files, sorted by full name.
std::vector<Type> FindTypes() {
  std::vector<std::string> files;
  // The generated files register in this database; it lists them by name.
  pb::DescriptorPool::internal_generated_database()->FindAllFileNames(&files);
  std::vector<Type> types;
  for (const auto& f : files) {
    if (f.compare(0, 11, "oaktree/v1/") != 0) continue;
    const pb::FileDescriptor* fd = pb::DescriptorPool::generated_pool()->FindFileByName(f);
    if (fd == nullptr) continue;
    for (int i = 0; i < fd->message_type_count(); ++i) Collect(fd->message_type(i), &types);
  }
  std::sort(types.begin(), types.end(),
            [](const Type& a, const Type& b) { return a.name < b.name; });
  return types;
}

std::vector<Type>* types;
bool all_types = false;

std::string Deterministic(const pb::Message& m) {
  std::string out;
  {
    pb::io::StringOutputStream zs(&out);
    pb::io::CodedOutputStream cs(&zs);
    cs.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&cs);
  }
  return out;
}

[[noreturn]] void Fail(const Type& t, const char* what, const std::string& detail) {
  fprintf(stderr, "oaktree fuzz: %s: %s%s%s\n", t.name.c_str(), what, detail.empty() ? "" : ": ",
          detail.c_str());
  abort();
}

void Check(const Type& t, const std::string& in) {
  std::unique_ptr<pb::Message> m(t.prototype->New());
  if (!m->ParseFromString(in)) return;  // a clean refusal is a good answer
  const std::string once = Deterministic(*m);
  std::unique_ptr<pb::Message> again(t.prototype->New());
  if (!again->ParseFromString(once)) Fail(t, "its own deterministic bytes do not parse", "");
  if (Deterministic(*again) != once) Fail(t, "serialize, parse, serialize changed the bytes", "");

  std::string json;
  // The printer may refuse a value proto3 JSON cannot spell (a Timestamp
  // outside years 1-9999, ...): that is its documented answer, not a bug.
  if (!pb::util::MessageToJsonString(*m, &json).ok()) return;
  std::unique_ptr<pb::Message> back(t.prototype->New());
  auto st = pb::util::JsonStringToMessage(json, back.get());
  // protobuf 3.21's FieldMask reader takes '(' ')' as map-key syntax, so a
  // path holding a lone parenthesis ("locat)on") prints but does not read
  // back (cpp/README.rst; regression crash-413fedef...). Field names never
  // hold one: a documented runtime limit, not a bug of ours.
  if (!st.ok() && st.ToString().find("Invalid FieldMask") != std::string::npos) return;
  if (!st.ok()) Fail(t, "its own JSON does not parse", json.substr(0, 500) + " -> " + st.ToString());
}

void Discard(pb::LogLevel, const char*, int, const std::string&) {}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  types = new std::vector<Type>(FindTypes());
  if (types->empty()) {
    fprintf(stderr, "oaktree fuzz: no oaktree/v1 message types linked\n");
    exit(1);
  }
  if (const char* e = getenv("OAKTREE_FUZZ_LIST_TYPES"); e && *e == '1') {
    for (size_t i = 0; i < types->size(); ++i) printf("%zu %s\n", i, (*types)[i].name.c_str());
    exit(0);
  }
  if (const char* e = getenv("OAKTREE_FUZZ_ALL_TYPES"); e && *e == '1') all_types = true;
  // The parser logs each invalid UTF-8 string: noise at a million inputs.
  pb::SetLogHandler(Discard);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string payload(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (all_types) {
    for (const auto& t : *types) Check(t, payload);
  } else {
    Check((*types)[(data[0] | (data[1] << 8)) % types->size()], payload);
  }
  return 0;
}
