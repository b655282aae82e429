#include "rest/ui/avro.hpp"
#include "rest/ui/decode.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

using namespace ferry;
using namespace ferry::rest::ui;

namespace {

std::string payload(std::optional<std::string_view> bytes, payload_format f, const schema_lookup& lookup = {}) {
    json_writer w;
    write_payload(w, bytes, f, lookup);
    return w.take();
}

// Avro's zigzag varint.
std::string varint(int64_t v) {
    uint64_t z = (uint64_t(v) << 1) ^ uint64_t(v >> 63);
    std::string out;
    while (z >= 0x80) {
        out += char((z & 0x7f) | 0x80);
        z >>= 7;
    }
    out += char(z);
    return out;
}
std::string avro_string(std::string_view s) { return varint(int64_t(s.size())) + std::string(s); }

const char* user_schema = R"({"type":"record","name":"user","namespace":"ferry.test","fields":[
  {"name":"id","type":"long"},
  {"name":"name","type":["null","string"],"default":null},
  {"name":"tags","type":{"type":"array","items":"string"}},
  {"name":"attrs","type":{"type":"map","values":"int"}},
  {"name":"kind","type":{"type":"enum","name":"kind","symbols":["A","B","C"]}},
  {"name":"ok","type":"boolean"},
  {"name":"score","type":"double"},
  {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
  {"name":"friend","type":["null","user"]}]})";

std::string encoded_user() {
    std::string b;
    b += varint(42);                                                  // id
    b += varint(1) + avro_string("Ada");                              // name: union branch 1
    b += varint(2) + avro_string("x") + avro_string("y") + varint(0); // tags
    b += varint(1) + avro_string("k") + varint(-3) + varint(0);       // attrs
    b += varint(2);                                                   // kind = C
    b += char(1);                                                     // ok
    double d = 1.5;
    b.append(reinterpret_cast<const char*>(&d), 8); // score
    b += varint(2) + std::string("\x30\x39", 2);    // price 12345 -> "123.45"
    b += varint(0);                                 // friend = null
    return b;
}

} // namespace

TEST(ui_avro, decodes_records_unions_collections_enums_and_decimals) {
    auto j = avro_to_json(user_schema, encoded_user());
    ASSERT_TRUE(j) << j.error().message;
    EXPECT_EQ(*j, R"({"id":42,"name":"Ada","tags":["x","y"],"attrs":{"k":-3},"kind":"C","ok":true,"score":1.5,)"
                  R"("price":"123.45","friend":null})");
}

TEST(ui_avro, resolves_named_type_references_recursively) {
    std::string b = varint(1) + varint(1) + avro_string("a") + varint(0) + varint(0) + varint(2) + char(0);
    double d = 0;
    b.append(reinterpret_cast<const char*>(&d), 8);
    b += varint(2) + std::string("\xff\x9c", 2); // -100 -> "-1.00"
    b += varint(1) + encoded_user();             // friend
    auto j = avro_to_json(user_schema, b);
    ASSERT_TRUE(j) << j.error().message;
    rapidjson::Document doc;
    doc.Parse(j->c_str());
    ASSERT_FALSE(doc.HasParseError());
    EXPECT_EQ(doc["price"].GetString(), std::string("-1.00"));
    EXPECT_EQ(doc["friend"]["name"].GetString(), std::string("Ada"));
}

TEST(ui_avro, truncated_or_trailing_bytes_and_bad_indexes_are_errors) {
    auto full = encoded_user();
    for (size_t n = 0; n < full.size(); n++) EXPECT_FALSE(avro_to_json(user_schema, full.substr(0, n))) << n;
    EXPECT_FALSE(avro_to_json(user_schema, full + "x"));
    EXPECT_FALSE(avro_to_json(R"(["null","string"])", varint(5)));
    EXPECT_FALSE(avro_to_json(R"({"type":"enum","name":"e","symbols":["A"]})", varint(1)));
    EXPECT_FALSE(avro_to_json("not json", ""));
    EXPECT_FALSE(avro_to_json(R"("nosuchtype")", ""));
    // A huge array count with no bytes behind it fails fast.
    EXPECT_FALSE(avro_to_json(R"({"type":"array","items":"null"})", varint(int64_t(1) << 40)));
}

TEST(ui_avro, primitives) {
    EXPECT_EQ(*avro_to_json(R"("string")", avro_string("h\xc3\xa9")), "\"h\xc3\xa9\"");
    EXPECT_EQ(*avro_to_json(R"("long")", varint(-1234567890123)), "-1234567890123");
    EXPECT_EQ(*avro_to_json(R"({"type":"int","logicalType":"date"})", varint(19000)), "19000");
    EXPECT_EQ(*avro_to_json(R"("bytes")", avro_string("\x01\xff")), "\"\\u0001\xc3\xbf\"");
    EXPECT_EQ(*avro_to_json(R"({"type":"fixed","name":"f","size":2})", "ab"), "\"ab\"");
    float f = 2.5f;
    EXPECT_EQ(*avro_to_json(R"("float")", std::string(reinterpret_cast<const char*>(&f), 4)), "2.5");
    EXPECT_EQ(*avro_to_json(R"("null")", ""), "null");
}

TEST(ui_payload, auto_detects_json_string_and_hex) {
    EXPECT_EQ(payload(std::nullopt, payload_format::auto_detect), R"({"format":"null"})");
    EXPECT_EQ(payload(R"({"a":1})", payload_format::auto_detect), R"({"format":"json","size":7,"json":{"a":1}})");
    EXPECT_EQ(payload("hello world", payload_format::auto_detect),
              R"({"format":"string","size":11,"text":"hello world"})");
    EXPECT_EQ(payload(std::string_view("\x00\x01\xfe", 3), payload_format::auto_detect),
              R"({"format":"hex","size":3,"hex":"0001fe"})");
    // Invalid UTF-8 is not a string, and never JSON.
    EXPECT_EQ(payload("\"\xc3\x28\"", payload_format::auto_detect), R"({"format":"hex","size":4,"hex":"22c32822"})");
}

TEST(ui_payload, forced_formats) {
    EXPECT_EQ(payload(R"({"a":1})", payload_format::string), R"({"format":"string","size":7,"text":"{\"a\":1}"})");
    EXPECT_EQ(payload("ab", payload_format::hex), R"({"format":"hex","size":2,"hex":"6162"})");
    EXPECT_EQ(payload("ab", payload_format::json), R"({"error":"Not valid JSON","format":"string","size":2,"text":"ab"})");
    EXPECT_EQ(payload("a\xff", payload_format::string), "{\"format\":\"string\",\"size\":2,\"text\":\"a\xef\xbf\xbd\"}");
    auto avro_without_registry = payload("ab", payload_format::avro);
    EXPECT_NE(avro_without_registry.find("No schema registry is configured"), std::string::npos);
    EXPECT_NE(avro_without_registry.find(R"("hex":"6162")"), std::string::npos);
}

TEST(ui_payload, registry_wire_format) {
    int lookups = 0;
    schema_lookup lookup = [&](int32_t id) -> result<registered_schema> {
        lookups++;
        if (id == 7) return registered_schema{"AVRO", user_schema};
        if (id == 8) return registered_schema{"JSON", R"({"type":"object"})"};
        return fail(errc::not_found, "schema id {} is not in the registry", id);
    };
    auto wire = [](int32_t id, const std::string& body) {
        std::string b(1, '\0');
        for (int s = 24; s >= 0; s -= 8) b += char((uint32_t(id) >> s) & 0xff);
        return b + body;
    };
    auto v = payload(wire(7, encoded_user()), payload_format::auto_detect, lookup);
    EXPECT_EQ(v.rfind(R"({"format":"avro","size":)", 0), 0u) << v;
    EXPECT_NE(v.find(R"("schema_id":7,"json":{"id":42,"name":"Ada")"), std::string::npos) << v;
    EXPECT_EQ(payload(wire(8, R"([1,2])"), payload_format::avro, lookup),
              R"({"format":"avro","size":10,"schema_id":8,"json":[1,2]})");
    // Unknown id in auto mode: shown as hex with the reason.
    auto unknown = payload(wire(9, "zz"), payload_format::auto_detect, lookup);
    EXPECT_NE(unknown.find(R"("format":"hex")"), std::string::npos) << unknown;
    EXPECT_NE(unknown.find("schema id 9 is not in the registry"), std::string::npos) << unknown;
    // Bad Avro bytes with a known id: an error, not a crash.
    auto bad = payload(wire(7, "\x01"), payload_format::avro, lookup);
    EXPECT_NE(bad.find("Not decodable with schema id 7"), std::string::npos) << bad;
    EXPECT_GE(lookups, 4);
}

TEST(ui_payload, large_payloads_are_cut) {
    std::string big(max_payload_shown + 10, 'a');
    auto s = payload(big, payload_format::auto_detect);
    EXPECT_NE(s.find(R"("truncated":true)"), std::string::npos);
    EXPECT_LT(s.size(), max_payload_shown + 200);
}

TEST(ui_payload, utf8_validation) {
    EXPECT_TRUE(valid_utf8("plain \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(valid_utf8("\xc0\xaf"));         // overlong
    EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
    EXPECT_FALSE(valid_utf8("\xe2\x82"));         // cut
}
