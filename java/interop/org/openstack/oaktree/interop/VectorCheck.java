// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0
package org.openstack.oaktree.interop;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.openstack.oaktree.v1.CommonProto;

/**
 * The Java side of the wire vectors (tests/vectors/*.json), all in one JVM.
 *
 * <p>Message types are found by full name in the generated file descriptors: every
 * {@code *Proto} class of the jar's org.openstack.oaktree.v1 package is a generated file; each
 * message's class is named from its descriptor by protobuf-java's rules (java_package,
 * java_multiple_files, nesting), loaded, and checked to describe that very type.
 *
 * <p>Per vector: text format parsed by TextFormat, serialized deterministically == binary; text
 * printed by TextFormat parses back to binary; binary parsed and re-serialized == binary;
 * JsonFormat output == json (as JSON values); json parsed by JsonFormat == binary; unknown_binary
 * parsed and re-serialized keeps every unknown field byte for byte, in protobuf-java's documented
 * order (see {@link #javaUnknownOrder}).
 */
public final class VectorCheck {
  private final Map<String, Message> types = new TreeMap<>();
  private JsonFormat.Printer printer;
  private JsonFormat.Parser parser;
  private JsonFormat.Printer compactPrinter;
  /** --roundtrip: records answered with a caught Error (stack overflow, out of memory). */
  private int caughtErrors;

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("--roundtrip")) {
      VectorCheck vc = new VectorCheck();
      vc.loadTypes();
      vc.roundtrip(args[1], args[2]);
      return;
    }
    if (args.length != 1) {
      System.err.println("usage: vector-check DIR | vector-check --roundtrip IN OUT");
      System.exit(2);
    }
    VectorCheck vc = new VectorCheck();
    vc.loadTypes();
    File[] files = new File(args[0]).listFiles((d, n) -> n.endsWith(".json"));
    if (files == null || files.length == 0) {
      System.out.println("java: no vector files in " + args[0]);
      System.exit(1);
    }
    Arrays.sort(files);
    List<String> failures = new ArrayList<>();
    int vectors = 0;
    for (File f : files) {
      vectors += vc.checkFile(f, failures);
    }
    for (String s : failures) {
      System.out.println(s);
    }
    if (!failures.isEmpty()) {
      System.out.println("java vectors: " + failures.size() + " failure(s)");
      System.exit(1);
    }
    System.out.println("java vectors: " + files.length + " files, " + vectors + " vectors ok");
  }

  /** Every generated file descriptor, found as the *Proto classes beside CommonProto. */
  static List<FileDescriptor> generatedFiles() throws Exception {
    String pkg = CommonProto.class.getPackage().getName();
    String dir = pkg.replace('.', '/') + "/";
    URL where = CommonProto.class.getProtectionDomain().getCodeSource().getLocation();
    List<String> classes = new ArrayList<>();
    File loc = new File(where.toURI());
    if (loc.isDirectory()) {
      String[] names = new File(loc, dir).list();
      for (String n : names == null ? new String[0] : names) {
        classes.add(n);
      }
    } else {
      try (JarFile jar = new JarFile(loc)) {
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
          String n = e.nextElement().getName();
          if (n.startsWith(dir) && n.indexOf('/', dir.length()) < 0) {
            classes.add(n.substring(dir.length()));
          }
        }
      }
    }
    List<FileDescriptor> files = new ArrayList<>();
    for (String n : classes) {
      if (!n.endsWith("Proto.class") || n.contains("$")) {
        continue;
      }
      Class<?> c = Class.forName(pkg + "." + n.substring(0, n.length() - ".class".length()));
      try {
        files.add((FileDescriptor) c.getMethod("getDescriptor").invoke(null));
      } catch (NoSuchMethodException notAFile) {
        // a message whose name ends in "Proto"
      }
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("no generated *Proto classes found at " + where);
    }
    return files;
  }

  /** The generated class of a message, by protobuf-java's naming rules. */
  static String className(Descriptor d) {
    FileDescriptor file = d.getFile();
    FileOptions o = file.getOptions();
    StringBuilder nested = new StringBuilder(d.getName());
    for (Descriptor p = d.getContainingType(); p != null; p = p.getContainingType()) {
      nested.insert(0, p.getName() + "$");
    }
    String pkg = o.hasJavaPackage() ? o.getJavaPackage() : file.getPackage();
    if (!o.getJavaMultipleFiles()) {
      nested.insert(0, o.getJavaOuterClassname() + "$");
    }
    return pkg + "." + nested;
  }

  void addType(Descriptor d) throws Exception {
    Class<?> c = Class.forName(className(d));
    Message m = (Message) c.getMethod("getDefaultInstance").invoke(null);
    if (m.getDescriptorForType() != d) {
      throw new IllegalStateException(c.getName() + " does not describe " + d.getFullName());
    }
    types.put(d.getFullName(), m);
    for (Descriptor n : d.getNestedTypes()) {
      if (!n.getOptions().getMapEntry()) {
        addType(n);
      }
    }
  }

  /**
   * Every message type of the generated files and of the files they import (the well-known types
   * such as google.protobuf.Struct): the same scope as the other languages' registries, whose
   * pools hold every imported file too.
   */
  void loadTypes() throws Exception {
    com.google.protobuf.TypeRegistry.Builder registry = com.google.protobuf.TypeRegistry.newBuilder();
    java.util.Set<String> seen = new java.util.HashSet<>();
    java.util.ArrayDeque<FileDescriptor> todo = new java.util.ArrayDeque<>(generatedFiles());
    while (!todo.isEmpty()) {
      FileDescriptor f = todo.pop();
      if (!seen.add(f.getName())) {
        continue;
      }
      todo.addAll(f.getDependencies());
      for (Descriptor d : f.getMessageTypes()) {
        addType(d);
        registry.add(d);
      }
    }
    com.google.protobuf.TypeRegistry reg = registry.build();
    printer = JsonFormat.printer().usingTypeRegistry(reg);
    parser = JsonFormat.parser().usingTypeRegistry(reg);
    // --roundtrip: the default printer, compact (the registry only resolves Any).
    compactPrinter = printer.omittingInsignificantWhitespace();
  }

  static byte[] deterministic(Message m) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(b);
    out.useDeterministicSerialization();
    m.writeTo(out);
    out.flush();
    return b.toByteArray();
  }

  /** Deterministic bytes without the stream-to-array copy (the --roundtrip hot path). */
  static byte[] deterministicArray(Message m) throws IOException {
    byte[] b = new byte[m.getSerializedSize()];
    CodedOutputStream out = CodedOutputStream.newInstance(b);
    out.useDeterministicSerialization();
    m.writeTo(out);
    out.checkNoSpaceLeft();
    return b;
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  static void appendHex(StringBuilder s, byte[] b) {
    s.ensureCapacity(s.length() + 2 * b.length);
    for (byte x : b) {
      s.append(HEX[(x >> 4) & 15]).append(HEX[x & 15]);
    }
  }

  /** Strict hex (lower or upper case, even length), else IllegalArgumentException. */
  static byte[] parseHex(String s) {
    if (s.length() % 2 != 0) {
      throw new IllegalArgumentException("odd-length hex");
    }
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      int hi = Character.digit(s.charAt(2 * i), 16);
      int lo = Character.digit(s.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("not hex at character " + (2 * i));
      }
      b[i] = (byte) (hi << 4 | lo);
    }
    return b;
  }

  static String describe(Throwable t) {
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  /** A JSON string literal (Gson's escaping). */
  static void appendJsonString(StringBuilder s, String v) {
    s.append(new JsonPrimitive(v).toString());
  }

  /**
   * --roundtrip IN OUT (tests/README.rst, "Differential and hostile inputs"): one answer line per
   * record, streaming, in this one JVM. Output is buffered and flushed at the end.
   */
  void roundtrip(String in, String out) throws IOException {
    long start = System.nanoTime();
    int records = 0;
    try (java.io.BufferedReader r =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(
                    new java.io.FileInputStream(in), StandardCharsets.UTF_8),
                1 << 16);
        java.io.Writer w =
            new java.io.BufferedWriter(
                new java.io.OutputStreamWriter(
                    new java.io.FileOutputStream(out), StandardCharsets.UTF_8),
                1 << 16)) {
      StringBuilder line = new StringBuilder();
      for (String l = r.readLine(); l != null; l = r.readLine()) {
        if (l.isEmpty()) {
          continue;
        }
        records++;
        line.setLength(0);
        answer(l, line);
        line.append('\n');
        w.append(line);
      }
    }
    if (caughtErrors > 0) {
      System.err.println(
          "java roundtrip: " + caughtErrors + " record(s) answered from a caught Error");
    }
    if (System.getenv("OAKTREE_ROUNDTRIP_TIMING") != null) {
      double s = (System.nanoTime() - start) / 1e9;
      System.err.printf("java roundtrip: %d records in %.2f s (%.0f records/s)%n", records, s, records / s);
    }
  }

  /** The answer to one record, appended to {@code out} as one JSON object. */
  void answer(String line, StringBuilder out) {
    JsonObject record;
    String type;
    String hex;
    try {
      record = JsonParser.parseString(line).getAsJsonObject();
      type = record.get("type").getAsString();
      hex = record.get("binary").getAsString();
    } catch (RuntimeException bad) {
      out.append("{\"error\":");
      appendJsonString(out, "bad record: " + describe(bad));
      out.append('}');
      return;
    }
    Message proto = types.get(type);
    if (proto == null) {
      out.append("{\"error\":");
      appendJsonString(out, "unknown type " + type);
      out.append('}');
      return;
    }
    out.append('{');
    int mark = out.length();
    try {
      Message m = proto.getParserForType().parseFrom(parseHex(hex));
      out.append("\"binary\":\"");
      appendHex(out, deterministicArray(m));
      out.append("\",");
      int jsonMark = out.length();
      try {
        out.append("\"json\":");
        compactPrinter.appendTo(m, out);
      } catch (Exception e) {
        // Parsed, but the printer refuses it (a Timestamp out of range): the bytes stand.
        out.setLength(jsonMark);
        out.append("\"json_write_error\":");
        appendJsonString(out, describe(e));
      }
    } catch (Exception e) {
      // InvalidProtocolBufferException (truncated, bad tag, nesting over the recursion
      // limit, invalid UTF-8 in a proto3 string, ...) or a bad hex string.
      out.setLength(mark);
      out.append("\"error\":");
      appendJsonString(out, describe(e));
    } catch (StackOverflowError | OutOfMemoryError e) {
      // Last resort: protobuf-java's own limits (recursion limit 100, lengths checked against
      // the input) are meant to make these impossible; count them so that a run shows it.
      caughtErrors++;
      out.setLength(mark);
      out.append("\"error\":");
      appendJsonString(out, describe(e));
    }
    JsonElement json = record.get("json");
    if (json != null) {
      int mark2 = out.length();
      try {
        Message.Builder b = proto.newBuilderForType();
        parser.merge(json.toString(), b);
        out.append(",\"json_binary\":\"");
        appendHex(out, deterministicArray(b.build()));
        out.append('"');
      } catch (Exception e) {
        out.setLength(mark2);
        out.append(",\"json_error\":");
        appendJsonString(out, describe(e));
      } catch (StackOverflowError | OutOfMemoryError e) {
        caughtErrors++;
        out.setLength(mark2);
        out.append(",\"json_error\":");
        appendJsonString(out, describe(e));
      }
    }
    out.append('}');
  }

  static byte[] unhex(String s) {
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }

  static String hexAt(byte[] b, int n) {
    if (n >= b.length) {
      return "<end>";
    }
    StringBuilder s = new StringBuilder();
    for (int i = n; i < Math.min(b.length, n + 8); i++) {
      if (i > n) {
        s.append(' ');
      }
      s.append(String.format("%02x", b[i] & 255));
    }
    return s.toString();
  }

  /** null when equal, else "at byte N of E/G: expected .., got ..". */
  static String byteDifference(byte[] want, byte[] got) {
    if (Arrays.equals(want, got)) {
      return null;
    }
    int n = 0;
    while (n < want.length && n < got.length && want[n] == got[n]) {
      n++;
    }
    return "at byte " + n + " of " + want.length + "/" + got.length + ": expected "
        + hexAt(want, n) + ", got " + hexAt(got, n);
  }

  /** null when equal as JSON values, else the path of the first difference. */
  static String jsonDifference(String path, JsonElement want, JsonElement got) {
    if (want.isJsonObject() && got.isJsonObject()) {
      JsonObject w = want.getAsJsonObject();
      JsonObject g = got.getAsJsonObject();
      TreeMap<String, Boolean> keys = new TreeMap<>();
      w.keySet().forEach(k -> keys.put(k, true));
      g.keySet().forEach(k -> keys.put(k, true));
      for (String k : keys.keySet()) {
        String p = path + "." + k;
        if (!w.has(k)) {
          return p + ": unexpected, got " + shorten(g.get(k));
        }
        if (!g.has(k)) {
          return p + ": missing, expected " + shorten(w.get(k));
        }
        String d = jsonDifference(p, w.get(k), g.get(k));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (want.isJsonArray() && got.isJsonArray()) {
      JsonArray w = want.getAsJsonArray();
      JsonArray g = got.getAsJsonArray();
      for (int i = 0; i < Math.min(w.size(), g.size()); i++) {
        String d = jsonDifference(path + "[" + i + "]", w.get(i), g.get(i));
        if (d != null) {
          return d;
        }
      }
      return w.size() == g.size()
          ? null
          : path + ": expected " + w.size() + " elements, got " + g.size();
    }
    if (want.isJsonPrimitive() && got.isJsonPrimitive()) {
      JsonPrimitive w = want.getAsJsonPrimitive();
      JsonPrimitive g = got.getAsJsonPrimitive();
      boolean same =
          w.isNumber() && g.isNumber()
              ? new java.math.BigDecimal(w.getAsString()).compareTo(new java.math.BigDecimal(g.getAsString())) == 0
              : w.equals(g);
      return same ? null : path + ": expected " + shorten(w) + ", got " + shorten(g);
    }
    if (want.equals(got)) {
      return null;
    }
    return path + ": expected " + shorten(want) + ", got " + shorten(got);
  }

  static String shorten(JsonElement e) {
    String s = e.toString();
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  interface Check {
    String run() throws Exception;
  }

  int checkFile(File f, List<String> failures) throws IOException {
    JsonObject doc =
        JsonParser.parseString(new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8))
            .getAsJsonObject();
    String type = doc.get("type").getAsString();
    Message proto = types.get(type);
    if (proto == null) {
      failures.add(type + ": type not in the generated Java package (" + f.getName() + ")");
      return 0;
    }
    int n = 0;
    for (JsonElement e : doc.getAsJsonArray("vectors")) {
      JsonObject v = e.getAsJsonObject();
      n++;
      String name = v.get("name").getAsString();
      String text = v.get("text").getAsString();
      byte[] binary = unhex(v.get("binary").getAsString());
      JsonElement json = v.get("json");
      List<String> labels = new ArrayList<>();
      List<Check> checks = new ArrayList<>();
      labels.add("text->binary");
      checks.add(() -> byteDifference(binary, deterministic(fromText(proto, text))));
      labels.add("text round trip");
      checks.add(
          () ->
              byteDifference(
                  binary,
                  deterministic(
                      fromText(proto, TextFormat.printer().printToString(fromText(proto, text))))));
      labels.add("binary round trip");
      checks.add(
          () -> byteDifference(binary, deterministic(proto.getParserForType().parseFrom(binary))));
      labels.add("json");
      checks.add(
          () ->
              jsonDifference(
                  "$", json, JsonParser.parseString(printer.print(fromText(proto, text)))));
      labels.add("json->binary");
      checks.add(
          () -> {
            Message.Builder b = proto.newBuilderForType();
            parser.merge(json.toString(), b);
            return byteDifference(binary, deterministic(b.build()));
          });
      if (v.has("unknown_binary")) {
        byte[] unknown = unhex(v.get("unknown_binary").getAsString());
        labels.add("unknown fields round trip");
        checks.add(
            () ->
                byteDifference(
                    javaUnknownOrder(unknown, proto.getDescriptorForType()),
                    deterministic(proto.getParserForType().parseFrom(unknown))));
      }
      for (int i = 0; i < checks.size(); i++) {
        String problem;
        try {
          problem = checks.get(i).run();
        } catch (Exception ex) {
          problem = ex.getClass().getSimpleName() + ": " + ex.getMessage();
        }
        if (problem != null) {
          failures.add(type + " " + name + ": " + labels.get(i) + " " + problem);
        }
      }
    }
    return n;
  }

  /**
   * What protobuf-java writes back for a message with unknown fields: every byte kept, but the
   * unknown fields of each message (top level and nested) come after its known fields sorted by
   * field number, and for one number by wire type (varint, fixed32, fixed64, length-delimited,
   * group), since {@code UnknownFieldSet} keeps them in a sorted map of {@code Field}s whose
   * writeTo emits them in that order. Other runtimes (C++, Go, Python upb) keep the order they
   * were read in; the vectors append them in an order Java does not keep.
   */
  static byte[] javaUnknownOrder(byte[] data, Descriptor d) throws IOException {
    com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(data);
    ByteArrayOutputStream known = new ByteArrayOutputStream();
    List<long[]> order = new ArrayList<>(); // {number, wire type rank, index}
    List<byte[]> unknown = new ArrayList<>();
    int[] rank = {0, 2, 3, 4, 4, 1}; // by wire type: varint 0, fixed64 1, len 2, group 3/4, fixed32 5
    while (!in.isAtEnd()) {
      int start = in.getTotalBytesRead();
      int tag = in.readTag();
      int number = tag >>> 3;
      int wire = tag & 7;
      com.google.protobuf.Descriptors.FieldDescriptor f = d.findFieldByNumber(number);
      if (f != null
          && wire == 2
          && f.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE) {
        byte[] payload = in.readByteArray();
        byte[] inner = javaUnknownOrder(payload, f.getMessageType()); // same length
        int headerLen = (in.getTotalBytesRead() - start) - payload.length;
        known.write(data, start, headerLen);
        known.write(inner);
        continue;
      }
      in.skipField(tag);
      int end = in.getTotalBytesRead();
      if (f != null) {
        known.write(data, start, end - start);
      } else {
        order.add(new long[] {number, rank[wire], unknown.size()});
        unknown.add(Arrays.copyOfRange(data, start, end));
      }
    }
    order.sort(
        (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
    for (long[] o : order) {
      known.write(unknown.get((int) o[2]));
    }
    return known.toByteArray();
  }

  static Message fromText(Message proto, String text) throws TextFormat.ParseException {
    Message.Builder b = proto.newBuilderForType();
    TextFormat.getParser().merge(text, b);
    return b.build();
  }
}
