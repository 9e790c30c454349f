# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
#
# Ruby side of the wire vectors (tests/vectors, see tests/README.rst):
#
#   ruby -I gen/ruby/lib ruby/vector_check.rb VECTOR_DIR
#
# One line per failure ("<full.Type> <vector>: <check> <detail>"), exit 1;
# on success "ruby vectors: N files, M vectors ok".
#
#   ruby -I gen/ruby/lib ruby/vector_check.rb --roundtrip IN OUT
#
# answers every JSON Lines record of IN in OUT, one line each, in order
# (tests/README.rst, "Differential and hostile inputs"); exit 0.
#
# What google-protobuf 3.21 (Debian's ruby-google-protobuf) offers, and so
# what is checked (ruby/README.rst says the same):
#   binary round trip   decode(binary) -> encode == binary, byte for byte,
#                       after one documented normalisation: Ruby's encode has
#                       no deterministic mode and writes map entries in its
#                       hash table's order, so the entries of each map field
#                       (recursively, Struct.fields included) are put in key
#                       order before comparing. Nothing else is moved: every
#                       other field, value, length and element order is
#                       compared as Ruby wrote it.
#   json                encode_json(decode(binary)) == json as JSON values
#                       (lowerCamel names, defaults omitted: canonical JSON),
#                       and decode_json(json) -> encode == binary (same
#                       normalisation).
#   unknown fields      3.21 keeps unknown fields through decode/encode:
#                       decode(unknown_binary) -> encode == unknown_binary
#                       byte for byte (same normalisation).
#   text format         absent from the runtime (message classes offer only
#                       encode/decode and encode_json/decode_json; inspect is
#                       a debug form): asserted absent, so that a runtime
#                       gaining it fails here and asks for the text checks.
# Message types are found by full name in the runtime's generated pool after
# loading every generated *_pb.rb found on the load path: no hand list.

require "json"
require "google/protobuf"

module VectorCheck
  SIGNED = %i[int32 int64 sint32 sint64 sfixed32 sfixed64].freeze

  # Load every generated file of oaktree/v1 found under the load path.
  def self.load_generated
    dirs = $LOAD_PATH.map { |d| File.join(d, "oaktree", "v1") }.select { |d| File.directory?(d) }
    raise "no oaktree/v1 folder on the load path (ruby -I gen/ruby/lib)" if dirs.empty?
    files = Dir.glob(File.join(dirs.first, "*_pb.rb")).sort
    raise "no generated *_pb.rb in #{dirs.first}" if files.empty?
    files.each { |f| require "oaktree/v1/#{File.basename(f, ".rb")}" }
    files.size
  end

  # --- Minimal wire-format reader, enough to reorder map entries. ---------
  def self.varint(buf, pos)
    b = buf.getbyte(pos)
    return [b, pos + 1] if b && b < 0x80

    v = 0
    shift = 0
    loop do
      raise "truncated varint at byte #{pos}" if pos >= buf.bytesize
      b = buf.getbyte(pos)
      pos += 1
      v |= (b & 0x7f) << shift
      return [v, pos] if b < 0x80
      shift += 7
    end
  end

  # Records of one message: [number, wire_type, start, payload_start, end].
  def self.records(buf)
    out = []
    pos = 0
    while pos < buf.bytesize
      start = pos
      tag, pos = varint(buf, pos)
      num = tag >> 3
      wt = tag & 7
      body = pos
      case wt
      when 0 then _, pos = varint(buf, pos)
      when 1 then pos += 8
      when 5 then pos += 4
      when 2
        len, body = varint(buf, pos)
        pos = body + len
      when 3 # group: skip to its matching end tag
        depth = 1
        while depth.positive?
          t, pos = varint(buf, pos)
          case t & 7
          when 0 then _, pos = varint(buf, pos)
          when 1 then pos += 8
          when 5 then pos += 4
          when 2
            l, pos = varint(buf, pos)
            pos += l
          when 3 then depth += 1
          when 4 then depth -= 1
          end
        end
      else raise "bad wire type #{wt} at byte #{start}"
      end
      raise "record at byte #{start} runs past the end" if pos > buf.bytesize
      out << [num, wt, start, body, pos]
    end
    out
  end

  def self.encode_varint(v)
    s = +"".b
    loop do
      if v < 0x80
        s << v
        return s
      end
      s << ((v & 0x7f) | 0x80)
      v >>= 7
    end
  end

  @is_map = {}

  def self.map_field?(desc, f)
    key = [desc.name, f.number]
    return @is_map[key] if @is_map.key?(key)

    @is_map[key] = f.label == :repeated && f.type == :message &&
                   f.get(desc.msgclass.new).is_a?(Google::Protobuf::Map)
  end

  # Sort key of a map entry (key field number 1; absent = default).
  def self.entry_key(entry, key_field)
    rec = records(entry).reverse.find { |r| r[0] == 1 }
    case key_field.type
    when :string, :bytes
      rec ? entry.byteslice(rec[3], rec[4] - rec[3]).b : "".b
    when :bool, :int32, :int64, :uint32, :uint64, :sint32, :sint64, :fixed32, :fixed64, :sfixed32, :sfixed64
      return 0 unless rec

      v = case rec[1]
          when 0 then varint(entry, rec[3])[0]
          when 5 then entry.byteslice(rec[3], 4).unpack1("L<")
          when 1 then entry.byteslice(rec[3], 8).unpack1("Q<")
          end
      bits = %i[int32 sint32 fixed32 sfixed32 uint32].include?(key_field.type) && rec[1] == 5 ? 32 : 64
      if %i[sint32 sint64].include?(key_field.type)
        (v >> 1) ^ -(v & 1)
      elsif SIGNED.include?(key_field.type)
        v >= (1 << (bits - 1)) ? v - (1 << bits) : v
      else
        v
      end
    else
      raise "unexpected map key type #{key_field.type}"
    end
  end

  # Whether a message of this type can hold a map field at some depth.
  @reaches_map = {}

  def self.reaches_map?(desc)
    @reaches_map.fetch(desc.name) do
      seen = {}
      todo = [desc]
      found = false
      until found || todo.empty?
        d = todo.pop
        next if seen[d.name]

        seen[d.name] = true
        d.each do |f|
          next unless f.type == :message

          found ||= map_field?(d, f)
          todo << f.subtype
        end
      end
      @reaches_map[desc.name] = found
    end
  end

  # Per type, the fields normalize looks into: map fields ([:map, entry
  # type, key field]) and message fields whose type can hold a map ([:msg,
  # type]); all other fields are copied without being parsed.
  @plans = {}

  def self.plan(desc)
    @plans.fetch(desc.name) do
      h = {}
      desc.each do |f|
        next unless f.type == :message

        if map_field?(desc, f)
          h[f.number] = [:map, f.subtype, f.subtype.lookup("key")]
        elsif reaches_map?(f.subtype)
          h[f.number] = [:msg, f.subtype]
        end
      end
      @plans[desc.name] = h
    end
  end

  # `buf` with the entries of every map field (at every depth) in key order,
  # placed where the field's first entry was; all other bytes untouched.
  # Only length-delimited records of known map/message fields are looked
  # into: a record with such a number but another wire type is an unknown
  # field to the runtime and is copied as it is.
  def self.normalize(buf, desc)
    plan = plan(desc)
    return buf if plan.empty?

    buf = buf.b
    recs = records(buf)
    maps = {}
    recs.each do |num, wt, _s, body, fin|
      pl = plan[num]
      next unless wt == 2 && pl && pl[0] == :map

      (maps[num] ||= []) << normalize(buf.byteslice(body, fin - body), pl[1])
    end
    out = +"".b
    recs.each do |num, wt, start, body, fin|
      pl = wt == 2 ? plan[num] : nil
      if pl.nil?
        out << buf.byteslice(start, fin - start)
      elsif pl[0] == :map
        entries = maps.delete(num)
        next unless entries # written at the first entry's place

        tag = encode_varint((num << 3) | 2)
        entries = entries.sort_by { |e| entry_key(e, pl[2]) } if entries.size > 1
        entries.each { |e| out << tag << encode_varint(e.bytesize) << e }
      else
        inner = normalize(buf.byteslice(body, fin - body), pl[1])
        out << encode_varint((num << 3) | 2) << encode_varint(inner.bytesize) << inner
      end
    end
    out
  end

  def self.hex(s)
    s.unpack1("H*").scan(/../).join(" ")
  end

  def self.first_byte_difference(want, got)
    n = (0...[want.bytesize, got.bytesize].min).find { |i| want.getbyte(i) != got.getbyte(i) } ||
        [want.bytesize, got.bytesize].min
    w = hex(want.byteslice(n, 8) || "")
    g = hex(got.byteslice(n, 8) || "")
    "at byte #{n} of #{want.bytesize}/#{got.bytesize}: expected #{w.empty? ? "<end>" : w}, " \
      "got #{g.empty? ? "<end>" : g}"
  end

  # "at a.b[2]: expected X, got Y" for the first difference of two JSON values.
  def self.json_difference(want, got, path = "")
    if want.is_a?(Hash) && got.is_a?(Hash)
      (want.keys | got.keys).sort.each do |k|
        sub = "#{path}.#{k}"
        return "at #{sub}: missing (expected #{JSON.generate(want[k])[0, 80]})" unless got.key?(k)
        return "at #{sub}: unexpected #{JSON.generate(got[k])[0, 80]}" unless want.key?(k)
        d = json_difference(want[k], got[k], sub)
        return d if d
      end
      nil
    elsif want.is_a?(Array) && got.is_a?(Array)
      want.zip(got).each_with_index do |(w, g), i|
        d = json_difference(w, g, "#{path}[#{i}]")
        return d if d
      end
      want.size == got.size ? nil : "at #{path}: expected #{want.size} elements, got #{got.size}"
    elsif want == got
      nil
    else
      "at #{path.empty? ? "." : path}: expected #{JSON.generate(want)[0, 80]}, got #{JSON.generate(got)[0, 80]}"
    end
  end

  def self.compare_bytes(want, got, desc)
    got = normalize(got, desc)
    got == want.b ? nil : first_byte_difference(want.b, got)
  end

  def self.check_vector(cls, desc, v)
    binary = [v["binary"]].pack("H*")
    checks = {
      "binary round trip" => -> { compare_bytes(binary, cls.encode(cls.decode(binary)), desc) },
      "json" => lambda {
        got = JSON.parse(cls.encode_json(cls.decode(binary)))
        got == v["json"] ? nil : json_difference(v["json"], got)
      },
      "json->binary" => -> { compare_bytes(binary, cls.encode(cls.decode_json(JSON.generate(v["json"]))), desc) },
    }
    if v.key?("unknown_binary")
      unknown = [v["unknown_binary"]].pack("H*")
      checks["unknown fields round trip"] = -> { compare_bytes(unknown, cls.encode(cls.decode(unknown)), desc) }
    end
    checks.filter_map do |label, fn|
      problem = begin
        fn.call
      rescue StandardError => e
        "#{e.class}: #{e.message.lines.first&.strip}"
      end
      "#{label} #{problem}" if problem
    end
  end

  # The README states the runtime has no text format; assert exactly that, so
  # a runtime that gains one makes this check ask for the text comparison.
  def self.text_format_absent(pool, files)
    desc = files.lazy.map { |p| pool.lookup(JSON.parse(File.read(p))["type"]) }.find { |d| d.is_a?(Google::Protobuf::Descriptor) }
    found = []
    found << "Google::Protobuf::TextFormat" if defined?(Google::Protobuf::TextFormat)
    found += %i[decode_text encode_text parse_text to_text].select { |m| desc&.msgclass&.respond_to?(m) }
    return [] if found.empty?

    ["ruby runtime: text format present (#{found.join(", ")}), documented as absent: " \
     "add the text checks to ruby/vector_check.rb and ruby/README.rst"]
  end

  # --- --roundtrip IN OUT (tests/README.rst, "Differential and hostile
  # inputs"): one answer line per record, in order. -----------------------

  # What a bad record may raise. SystemStackError (Ruby's JSON parser on a
  # very deep record) and NoMemoryError are not StandardErrors but must
  # become answers too; signals and exit still end the program.
  ANSWERABLE = [StandardError, SystemStackError, NoMemoryError].freeze

  def self.error_text(e)
    "#{e.class}: #{e.message}".scrub
  end

  # pack("H*") takes any text (odd length, non-hex digits) without a word.
  def self.unhex(text)
    raise ArgumentError, "binary is not hex: #{text.to_s[0, 40].inspect}" unless text.is_a?(String) && text.match?(/\A(?:\h\h)*\z/)

    [text].pack("H*")
  end

  # Deterministic bytes: 3.21's encode has no deterministic option, so map
  # entries are put in key order (normalize), the order of the other
  # runtimes' deterministic encoders. Only types that can hold a map at some
  # depth pay for that pass.
  def self.deterministic_hex(cls, desc, msg)
    bytes = cls.encode(msg)
    bytes = normalize(bytes, desc) if reaches_map?(desc)
    bytes.unpack1("H*")
  end

  # One answer line (without the newline) for one input line. A parsed
  # binary whose encode_json fails (a Timestamp out of range, a Value with
  # no kind) is answered with its bytes and "json_write_error".
  def self.answer(pool, types, line)
    record = JSON.parse(line, max_nesting: false)
    name = record["type"]
    desc = types.fetch(name) do
      d = name.is_a?(String) ? pool.lookup(name) : nil
      types[name] = d.is_a?(Google::Protobuf::Descriptor) ? d : nil
    end
    return JSON.generate({ "error" => "unknown type #{name}".scrub }) unless desc

    cls = desc.msgclass
    parts = []
    begin
      msg = cls.decode(unhex(record["binary"]))
      parts << "\"binary\":\"#{deterministic_hex(cls, desc, msg)}\""
      begin
        json = cls.encode_json(msg)
        # encode_json is compact JSON already: embedded as it is, unless it
        # is not valid UTF-8 (then the line itself would be invalid).
        raise Google::Protobuf::Error, "encode_json gave invalid UTF-8" unless json.valid_encoding?

        parts << "\"json\":#{json}"
      rescue *ANSWERABLE => e # parsed, but the printer refuses it
        parts << "\"json_write_error\":#{JSON.generate(error_text(e))}"
      end
    rescue *ANSWERABLE => e
      parts = ["\"error\":#{JSON.generate(error_text(e))}"]
    end
    if record.key?("json")
      parts << begin
        text = JSON.generate(record["json"], max_nesting: false)
        "\"json_binary\":\"#{deterministic_hex(cls, desc, cls.decode_json(text))}\""
      rescue *ANSWERABLE => e
        "\"json_error\":#{JSON.generate(error_text(e))}"
      end
    end
    "{#{parts.join(",")}}"
  rescue *ANSWERABLE => e # the record itself is not readable
    JSON.generate({ "error" => "bad record: #{error_text(e)}" })
  end

  def self.roundtrip(in_path, out_path)
    load_generated
    pool = Google::Protobuf::DescriptorPool.generated_pool
    types = {}
    File.open(out_path, "w") do |out|
      File.foreach(in_path, encoding: "UTF-8") do |line|
        next if line.strip.empty?

        out.write(answer(pool, types, line), "\n")
      end
    end
    0
  end

  def self.run(dir)
    load_generated
    pool = Google::Protobuf::DescriptorPool.generated_pool
    files = Dir.glob(File.join(dir, "*.json")).sort
    failures = []
    count = 0
    files.each do |path|
      doc = JSON.parse(File.read(path, encoding: "UTF-8"))
      desc = pool.lookup(doc["type"])
      unless desc.is_a?(Google::Protobuf::Descriptor)
        failures << "#{doc["type"]}: type not in the generated Ruby code"
        next
      end
      doc["vectors"].each do |v|
        count += 1
        check_vector(desc.msgclass, desc, v).each { |p| failures << "#{doc["type"]} #{v["name"]}: #{p}" }
      end
    end
    failures.concat(text_format_absent(pool, files))
    failures.each { |f| puts f }
    if failures.empty? && !files.empty?
      puts "ruby vectors: #{files.size} files, #{count} vectors ok"
      0
    else
      puts "ruby vectors: #{files.size} files, #{count} vectors, #{failures.size} failures"
      1
    end
  end
end

if $PROGRAM_NAME == __FILE__
  if ARGV.size == 3 && ARGV[0] == "--roundtrip"
    exit VectorCheck.roundtrip(ARGV[1], ARGV[2])
  end
  abort "usage: vector-check VECTOR_DIR | vector-check --roundtrip IN OUT" unless ARGV.size == 1
  exit VectorCheck.run(ARGV[0])
end
