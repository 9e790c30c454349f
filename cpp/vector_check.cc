// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// C++ side of the wire vectors (tests/vectors/*.json, see tools/maintain/make_vectors.py).
//   vector_check VECTOR_DIR   -> one line per failure, exit 1 on any.
// The vector files are read with google.protobuf.Value as the JSON parser, so
// no JSON library is needed; message types are found by name in the generated
// pool, so new messages are checked without code here.

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "oaktree/v1/common.pb.h"

namespace pb = google::protobuf;

namespace {

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

std::string Hex(const std::string& s, size_t from, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = from; i < s.size() && i < from + n; ++i) {
    if (!out.empty()) out += ' ';
    out += d[(unsigned char)s[i] >> 4];
    out += d[(unsigned char)s[i] & 15];
  }
  return out.empty() ? "<end>" : out;
}

std::string Unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

// "" when equal, else where the first byte differs.
std::string ByteDiff(const std::string& want, const std::string& got) {
  if (want == got) return "";
  size_t n = 0;
  while (n < want.size() && n < got.size() && want[n] == got[n]) ++n;
  std::ostringstream o;
  o << "at byte " << n << " of " << want.size() << "/" << got.size()
    << ": expected " << Hex(want, n, 8) << ", got " << Hex(got, n, 8);
  return o.str();
}

std::string Field(const pb::Value& obj, const std::string& key) {
  auto it = obj.struct_value().fields().find(key);
  return it == obj.struct_value().fields().end() ? "" : it->second.string_value();
}

std::string ToJson(const pb::Message& m) {
  std::string out;
  pb::util::MessageToJsonString(m, &out);
  return out;
}

// Failures of one vector.
std::vector<std::string> CheckVector(const pb::Message& proto, const pb::Value& v) {
  std::vector<std::string> out;
  const std::string binary = Unhex(Field(v, "binary"));
  std::unique_ptr<pb::Message> m(proto.New());
  if (!pb::TextFormat::ParseFromString(Field(v, "text"), m.get()))
    out.push_back("text does not parse");
  else if (auto d = ByteDiff(binary, Deterministic(*m)); !d.empty())
    out.push_back("text->binary " + d);

  m->Clear();
  if (!m->ParseFromString(binary)) {
    out.push_back("binary does not parse");
    return out;
  }
  if (auto d = ByteDiff(binary, Deterministic(*m)); !d.empty())
    out.push_back("binary round trip " + d);

  // JSON compared as JSON values (object key order, number spelling ignored).
  const pb::Value& want_json = v.struct_value().fields().at("json");
  std::string got_text = ToJson(*m);
  pb::Value got_json;
  if (!pb::util::JsonStringToMessage(got_text, &got_json).ok() ||
      !pb::util::MessageDifferencer::Equals(want_json, got_json))
    out.push_back("json: expected " + ToJson(want_json).substr(0, 200) + ", got " +
                  got_text.substr(0, 200));
  m->Clear();
  if (!pb::util::JsonStringToMessage(ToJson(want_json), m.get()).ok())
    out.push_back("expected json does not parse");
  else if (auto d = ByteDiff(binary, Deterministic(*m)); !d.empty())
    out.push_back("json->binary " + d);

  // Fields of a newer schema must survive parse + serialize.
  if (v.struct_value().fields().count("unknown_binary")) {
    const std::string ub = Unhex(Field(v, "unknown_binary"));
    m->Clear();
    if (!m->ParseFromString(ub))
      out.push_back("unknown_binary does not parse");
    else if (auto d = ByteDiff(ub, Deterministic(*m)); !d.empty())
      out.push_back("unknown fields round trip " + d);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: vector_check VECTOR_DIR\n";
    return 2;
  }
  // Keep the library linked even with --as-needed: its types register by name.
  (void)oaktree::v1::Location::descriptor();
  std::vector<std::string> files;
  if (DIR* d = opendir(argv[1])) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0) files.push_back(n);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  int failures = 0;
  for (const auto& name : files) {
    std::ifstream in(std::string(argv[1]) + "/" + name);
    std::stringstream buf;
    buf << in.rdbuf();
    pb::Value doc;
    if (!pb::util::JsonStringToMessage(buf.str(), &doc).ok()) {
      std::cout << "cpp: " << name << ": not valid JSON\n";
      ++failures;
      continue;
    }
    const std::string type = Field(doc, "type");
    const pb::Descriptor* desc = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
    if (desc == nullptr) {
      std::cout << "cpp: " << type << ": type not in liboaktreemodel\n";
      ++failures;
      continue;
    }
    const pb::Message* proto = pb::MessageFactory::generated_factory()->GetPrototype(desc);
    for (const auto& v : doc.struct_value().fields().at("vectors").list_value().values()) {
      for (const auto& f : CheckVector(*proto, v)) {
        std::cout << "cpp: " << type << " " << Field(v, "name") << ": " << f << "\n";
        ++failures;
      }
    }
  }
  std::cout << "cpp: " << files.size() << " files, " << failures << " failures\n";
  return failures || files.empty() ? 1 : 0;
}
