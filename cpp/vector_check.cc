// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
//
// C++ side of the wire vectors (tests/vectors/*.json, see tools/maintain/make_vectors.py).
//   vector_check VECTOR_DIR           -> one line per failure, exit 1 on any.
//   vector_check --roundtrip IN OUT   -> one answer line per record of IN
//                                        (tests/README.rst, "Differential and
//                                        hostile inputs"), exit 0.
// The vector files are read with google.protobuf.Value as the JSON parser, so
// no JSON library is needed; message types are found by name in the generated
// pool, so new messages are checked without code here.

#include <dirent.h>

#include <cstring>
#include <memory>
#include <unordered_map>

#include <algorithm>
#include <cctype>
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
#include <google/protobuf/stubs/logging.h>
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

// --- --roundtrip ---------------------------------------------------------------

// The one line of a record: {"type": "...", "binary": "<hex>", "json": <value>}.
// A small scanner instead of pb::Value: the "json" value must reach the
// message's JSON parser as written (a Value would turn a 64-bit number into a
// double and lose digits).
struct Record {
  std::string type, binary_hex, json;  // json: the raw text of the value
  size_t json_depth = 0;                // deepest bracket nesting in json
  bool has_type = false, has_binary = false, has_json = false;
};

class Scanner {
 public:
  explicit Scanner(const std::string& s) : s_(s) {}

  // Fills r from one JSON object; false (with err_) when the line is not one.
  bool ParseRecord(Record* r) {
    Ws();
    if (!Eat('{')) return Fail("record is not a JSON object");
    Ws();
    if (Eat('}')) return End();
    for (;;) {
      std::string key;
      Ws();
      if (!String(&key)) return false;
      Ws();
      if (!Eat(':')) return Fail("expected ':'");
      Ws();
      size_t start = i_;
      if (key == "type" || key == "binary") {
        std::string* dst = key == "type" ? &r->type : &r->binary_hex;
        if (!String(dst)) return Fail("\"" + key + "\" is not a string");
        (key == "type" ? r->has_type : r->has_binary) = true;
      } else {
        if (!Value()) return false;
        if (key == "json") {
          r->json_depth = depth_;
          r->json.assign(s_, start, i_ - start);
          r->has_json = true;
        }
      }
      Ws();
      if (Eat('}')) return End();
      if (!Eat(',')) return Fail("expected ',' or '}'");
    }
  }
  const std::string& error() const { return err_; }

 private:
  bool End() {
    Ws();
    return i_ == s_.size() || Fail("text after the record");
  }
  bool Fail(const std::string& why) {
    if (err_.empty()) err_ = "bad record at column " + std::to_string(i_ + 1) + ": " + why;
    return false;
  }
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
  }
  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  static void Utf8(unsigned cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xc0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xe0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      *out += static_cast<char>(0xf0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  bool Hex4(unsigned* v) {
    if (i_ + 4 > s_.size()) return Fail("short \\u escape");
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return Fail("bad \\u escape");
      *v = *v * 16 + d;
    }
    return true;
  }
  // A JSON string at i_, unescaped into out (nullptr: skipped).
  bool String(std::string* out) {
    if (!Eat('"')) return Fail("expected a string");
    for (;;) {
      if (i_ >= s_.size()) return Fail("unterminated string");
      char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        if (out) *out += c;
        continue;
      }
      if (i_ >= s_.size()) return Fail("unterminated string");
      char e = s_[i_++];
      unsigned cp = 0;
      switch (e) {
        case '"': case '\\': case '/': cp = e; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
          if (!Hex4(&cp)) return false;
          unsigned lo = 0;
          if (cp >= 0xd800 && cp < 0xdc00 && i_ + 1 < s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            if (!Hex4(&lo)) return false;
            if (lo >= 0xdc00 && lo < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            else i_ -= 6, cp = 0xfffd;
          } else if (cp >= 0xd800 && cp < 0xe000) {
            cp = 0xfffd;
          }
          break;
        }
        default: return Fail("bad escape");
      }
      if (out) Utf8(cp, out);
    }
  }
  // Skips one JSON value. Iterative, with a stack of open brackets: any depth
  // is scanned, and the message's JSON parser applies its own limit.
  bool Value() {
    depth_ = 0;
    std::vector<char> open;  // '}' or ']' per open container
    for (;;) {
      Ws();
      if (i_ >= s_.size()) return Fail("expected a value");
      char c = s_[i_];
      if (c == '{' || c == '[') {
        ++i_;
        Ws();
        char close = c == '{' ? '}' : ']';
        if (Eat(close)) {
          // empty container: a complete value
        } else {
          open.push_back(close);
          depth_ = std::max(depth_, open.size());
          if (close == '}') {
            if (!String(nullptr)) return false;
            Ws();
            if (!Eat(':')) return Fail("expected ':'");
          }
          continue;  // the first member's value
        }
      } else if (c == '"') {
        if (!String(nullptr)) return false;
      } else {
        size_t start = i_;
        while (i_ < s_.size() && (isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                                  s_[i_] == '+' || s_[i_] == '.'))
          ++i_;
        if (i_ == start) return Fail("expected a value");
      }
      // A value is complete: close containers, or go on to the next member.
      for (;;) {
        if (open.empty()) return true;
        Ws();
        if (Eat(open.back())) {
          open.pop_back();
          continue;
        }
        if (!Eat(',')) return Fail("expected ',' or a closing bracket");
        if (open.back() == '}') {
          Ws();
          if (!String(nullptr)) return false;
          Ws();
          if (!Eat(':')) return Fail("expected ':'");
        }
        break;
      }
    }
  }

  const std::string& s_;
  size_t i_ = 0;
  size_t depth_ = 0;
  std::string err_;
};

bool UnhexStrict(const std::string& h, std::string* out) {
  if (h.size() % 2) return false;
  out->clear();
  out->reserve(h.size() / 2);
  for (size_t i = 0; i < h.size(); i += 2) {
    int v = 0;
    for (size_t k = i; k < i + 2; ++k) {
      char c = h[k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    *out += static_cast<char>(v);
  }
  return true;
}

void AppendHex(const std::string& s, std::string* out) {
  static const char* d = "0123456789abcdef";
  size_t at = out->size();
  out->resize(at + 2 * s.size());
  for (unsigned char c : s) {
    (*out)[at++] = d[c >> 4];
    (*out)[at++] = d[c & 15];
  }
}

// A JSON string literal of s; bytes that are not UTF-8 become U+FFFD, so the
// answer line stays valid JSON whatever a message quotes.
void AppendJsonString(const std::string& s, std::string* out) {
  *out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        *out += '\\';
        *out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        snprintf(buf, sizeof buf, "\\u%04x", c);
        *out += buf;
      } else {
        *out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (c >= 0xf5) n = 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && n == 3) {  // no overlong forms, no surrogates
      unsigned char c1 = s[i + 1];
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && n == 4) {
      unsigned char c1 = s[i + 1];
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (ok) {
      out->append(s, i, n);
      i += n;
    } else {
      *out += "\\ufffd";
      ++i;
    }
  }
  *out += '"';
}

// What the runtime logged during the last parse: the C++ parser returns only
// false, but logs why for some failures (invalid UTF-8 in a string field).
std::string last_log;
void KeepLog(pb::LogLevel, const char*, int, const std::string& message) {
  if (!last_log.empty()) last_log += "; ";
  last_log += message;
}

std::string StatusText(const pb::util::Status& st) {
  return std::string(st.message().data(), st.message().size());
}

// 100 message levels (the runtime's recursion limit) of two JSON levels each.
constexpr size_t kMaxJsonDepth = 202;

class Answerer {
 public:
  // One answer line (without its newline) for one line of IN.
  void Answer(const std::string& line, std::string* out) {
    Record r;
    Scanner sc(line);
    if (!sc.ParseRecord(&r)) return Error(sc.error(), out);
    if (!r.has_type || !r.has_binary) return Error("record lacks \"type\" or \"binary\"", out);
    pb::Message* m = Instance(r.type);
    if (m == nullptr) return Error("unknown type " + r.type, out);

    *out += '{';
    std::string bytes;
    if (!UnhexStrict(r.binary_hex, &bytes)) {
      Key("error", out);
      AppendJsonString("\"binary\" is not hex", out);
    } else {
      last_log.clear();
      if (!m->ParseFromString(bytes)) {
        Key("error", out);
        AppendJsonString("cannot parse " + r.type + (last_log.empty() ? "" : ": " + last_log), out);
      } else {
        json_.clear();
        Key("binary", out);
        *out += '"';
        AppendHex(Deterministic(*m), out);
        *out += "\",";
        pb::util::Status st = pb::util::MessageToJsonString(*m, &json_, print_);
        if (!st.ok()) {
          // Parsed, but the JSON printer refuses it (e.g. a Timestamp out
          // of range): the bytes stand, the refusal is its own key.
          Key("json_write_error", out);
          AppendJsonString("JSON of " + r.type + ": " + StatusText(st), out);
        } else {
          Key("json", out);
          *out += json_;
        }
      }
    }
    if (r.has_json) {
      *out += ',';
      m->Clear();
      last_log.clear();
      // protobuf 3.21's JSON parser takes quadratic time in the nesting
      // depth (100,000 nested lists in a Struct: no answer after 12 min).
      // Its binary stage refuses more than 100 message levels, and every
      // message level is at most two JSON levels, so deeper JSON cannot
      // parse: refuse it before the runtime spends the time.
      if (r.json_depth > kMaxJsonDepth) {
        Key("json_error", out);
        AppendJsonString("JSON nested " + std::to_string(r.json_depth) + " levels deep: more than the " +
                             "runtime's 100 message levels allow (refused before parsing)", out);
        *out += '}';
        return;
      }
      pb::util::Status st = pb::util::JsonStringToMessage(r.json, m, parse_);
      if (!st.ok()) {
        Key("json_error", out);
        AppendJsonString(StatusText(st), out);
      } else {
        Key("json_binary", out);
        *out += '"';
        AppendHex(Deterministic(*m), out);
        *out += '"';
      }
    }
    *out += '}';
  }

 private:
  static void Key(const char* k, std::string* out) {
    *out += '"';
    *out += k;
    *out += "\":";
  }
  static void Error(const std::string& msg, std::string* out) {
    *out += "{\"error\":";
    AppendJsonString(msg, out);
    *out += '}';
  }
  // One reusable message per type, found by name in the generated pool.
  pb::Message* Instance(const std::string& name) {
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second.get();
    const pb::Descriptor* d = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
    std::unique_ptr<pb::Message> m;
    if (d != nullptr) m.reset(pb::MessageFactory::generated_factory()->GetPrototype(d)->New());
    return (cache_[name] = std::move(m)).get();
  }

  std::unordered_map<std::string, std::unique_ptr<pb::Message>> cache_;
  pb::util::JsonPrintOptions print_;  // the defaults: compact, json_name keys
  pb::util::JsonParseOptions parse_;
  std::string json_;
};

int Roundtrip(const char* in_path, const char* out_path) {
  std::ifstream in(in_path, std::ios::binary);
  if (!in) {
    std::cerr << "vector_check: cannot read " << in_path << "\n";
    return 2;
  }
  FILE* out = fopen(out_path, "wb");
  if (out == nullptr) {
    std::cerr << "vector_check: cannot write " << out_path << "\n";
    return 2;
  }
  pb::SetLogHandler(KeepLog);
  Answerer a;
  std::string line, answer;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    answer.clear();
    a.Answer(line, &answer);
    answer += '\n';
    fwrite(answer.data(), 1, answer.size(), out);
  }
  if (fclose(out) != 0) {
    std::cerr << "vector_check: error writing " << out_path << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Keep the library linked even with --as-needed: its types register by name.
  (void)oaktree::v1::Location::descriptor();
  if (argc == 4 && std::strcmp(argv[1], "--roundtrip") == 0) return Roundtrip(argv[2], argv[3]);
  if (argc != 2) {
    std::cerr << "usage: vector_check VECTOR_DIR | vector_check --roundtrip IN OUT\n";
    return 2;
  }
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
