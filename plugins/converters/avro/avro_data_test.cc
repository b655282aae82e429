// AvroData: Connect <-> Avro schemas and Avro binary. Expected schema texts and bytes are the
// ones in the compatibility reference (shared/spec/schema-registry-avro.md, sections 5-8), which
// were taken from Confluent's converter and the Avro specification - not from Ferry's output.

#include "plugins/converters/avro/avro_data.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::avro_converter {
namespace {

using ::testing::HasSubstr;

std::string hex(std::string_view b) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) {
        if (!out.empty()) out.push_back(' ');
        out.push_back(d[c >> 4]);
        out.push_back(d[c & 15]);
    }
    return out;
}

schema_ptr personal_data_schema() {
    return schema_builder::struct_()
        .name("personal_data")
        .field("id", schemas::int64())
        .field("bank_bic", schemas::string())
        .field("bank_name", schemas::optional_string())
        .field("last_update", logical::timestamp_schema())
        .build();
}

TEST(avro_data, zigzag_varints_match_the_avro_spec) {
    std::vector<std::pair<int64_t, std::string>> cases{{0, "00"},  {-1, "01"},  {1, "02"},     {-2, "03"},
                                                       {63, "7e"}, {-64, "7f"}, {64, "80 01"}, {300, "d8 04"}};
    for (auto& [n, want] : cases) {
        std::string out;
        write_long(n, out);
        EXPECT_EQ(hex(out), want) << n;
        const char* p = out.data();
        EXPECT_EQ(read_long(p, out.data() + out.size()), n);
    }
}

TEST(avro_data, personal_data_schema_is_confluents_text) {
    avro_data d;
    auto a = d.from_connect(personal_data_schema());
    EXPECT_EQ(
        a->canonical(),
        R"({"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},{"name":"bank_bic","type":"string"},)"
        R"({"name":"bank_name","type":["null","string"],"default":null},{"name":"last_update","type":{"type":"long",)"
        R"("connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}}],)"
        R"("connect.name":"personal_data"})");
    EXPECT_EQ(a->canonical().size(), 363u);
    // PCF fingerprint from the reference.
    EXPECT_EQ(uint64_t(a->fingerprint64()), 0xccf8ff89dbded301ull);
}

TEST(avro_data, personal_data_row_encodes_to_the_reference_bytes) {
    avro_data d;
    auto s = personal_data_schema();
    auto a = d.from_connect(s);
    auto row = make_struct(s);
    row->put("id", value(int64_t(1)));
    row->put("bank_bic", value("DEUTDEFF"));
    row->put("bank_name", value("Deutsche Bank"));
    row->put("last_update", value(int64_t(1705314600000)));
    std::string out;
    d.encode(a->root(), s, value(row), out);
    EXPECT_EQ(hex(out), "02 10 44 45 55 54 44 45 46 46 02 1a 44 65 75 74 73 63 68 65 20 42 61 6e 6b 80 91 de ca a1 63");

    auto nulls = make_struct(s);
    nulls->put("id", value(int64_t(1)));
    nulls->put("bank_bic", value("DEUTDEFF"));
    nulls->put("last_update", value(int64_t(1705314600000)));
    std::string out2;
    d.encode(a->root(), s, value(nulls), out2);
    EXPECT_EQ(hex(out2), "02 10 44 45 55 54 44 45 46 46 00 80 91 de ca a1 63");

    // And back: the Connect schema restored from the Avro schema reads the same row.
    auto back = d.to_connect(a);
    EXPECT_EQ(back->name(), std::optional<std::string>("personal_data"));
    ASSERT_EQ(back->fields().size(), 4u);
    EXPECT_TRUE(back->fields()[2].schema->optional());
    EXPECT_TRUE(back->fields()[3].schema->has_name(logical::timestamp_name));
    const char* p = out.data();
    value v = d.decode(a->root(), a->root(), back, p, out.data() + out.size());
    EXPECT_EQ(p, out.data() + out.size());
    auto& sv = *v.as_struct();
    EXPECT_EQ(sv.get("id").as_int64(), 1);
    EXPECT_EQ(sv.get("bank_name").as_string(), "Deutsche Bank");
    EXPECT_EQ(sv.get("last_update").as_int64(), 1705314600000);
    EXPECT_EQ(*back, *s);
}

TEST(avro_data, decimal_int8_and_debezium_enum_follow_the_reference) {
    avro_data d;
    // Decimal 12.34 at scale 2: unscaled 1234 -> 04 d2, as bytes 04 04 d2.
    auto dec = logical::decimal_schema(2);
    auto a = d.from_connect(dec);
    EXPECT_EQ(a->canonical(),
              R"({"type":"bytes","scale":2,"precision":64,"connect.version":1,"connect.parameters":{"scale":"2"},)"
              R"("connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"})");
    std::string out;
    d.encode(a->root(), dec, value::bytes(logical::decimal_from_int64(1234)), out);
    EXPECT_EQ(hex(out), "04 04 d2");

    EXPECT_EQ(d.from_connect(schemas::int8())->canonical(), R"({"type":"int","connect.type":"int8"})");
    EXPECT_EQ(d.from_connect(schemas::optional_int16())->canonical(),
              R"(["null",{"type":"int","connect.type":"int16"}])");

    // Debezium's source.snapshot: optional string with default "false" -> [T, "null"], default "false".
    auto snapshot =
        schema_builder::string()
            .optional()
            .name("io.debezium.data.Enum")
            .version(1)
            .parameter("allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental")
            .default_value(value("false"))
            .build();
    auto src =
        schema_builder::struct_().name("io.debezium.connector.postgresql.Source").field("snapshot", snapshot).build();
    EXPECT_EQ(
        d.from_connect(src)->canonical(),
        R"({"type":"record","name":"Source","namespace":"io.debezium.connector.postgresql","fields":[{"name":"snapshot",)"
        R"("type":[{"type":"string","connect.version":1,"connect.parameters":{"allowed":"true,first,first_in_data_collection,)"
        R"(last_in_data_collection,last,false,incremental"},"connect.default":"false","connect.name":"io.debezium.data.Enum"},)"
        R"("null"],"default":"false"}],"connect.name":"io.debezium.connector.postgresql.Source"})");
}

TEST(avro_data, maps_with_non_string_keys_and_unnamed_structs) {
    avro_data d;
    auto inner = schema_builder::struct_().field("x", schemas::int32()).build();
    auto s = schema_builder::struct_()
                 .field("m", schema_builder::map(schemas::int32(), schemas::string()).build())
                 .field("inner", inner)
                 .build();
    auto a = d.from_connect(s);
    EXPECT_EQ(
        a->canonical(),
        R"({"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"m","type":)"
        R"({"type":"array","items":{"type":"record","name":"MapEntry","fields":[{"name":"key","type":"int"},)"
        R"({"name":"value","type":"string"}]}}},{"name":"inner","type":{"type":"record","name":"ConnectDefault2",)"
        R"("fields":[{"name":"x","type":"int"}]}}]})");
    auto sv = make_struct(s);
    sv->put("m", value(value::map_type{{value(int32_t(1)), value("a")}, {value(int32_t(-1)), value("b")}}));
    auto iv = make_struct(inner);
    iv->put("x", value(int32_t(7)));
    sv->put("inner", value(iv));
    std::string out;
    d.encode(a->root(), s, value(sv), out);
    // block of 2: (key 1 -> 02, "a"), (key -1 -> 01, "b"), end; then x = 7 -> 0e
    EXPECT_EQ(hex(out), "04 02 02 61 01 02 62 00 0e");
    auto back = d.to_connect(a);
    EXPECT_EQ(back->fields()[0].schema->type(), schema_type::map);
    EXPECT_FALSE(back->name()); // ConnectDefault names are not restored
    const char* p = out.data();
    value v = d.decode(a->root(), a->root(), back, p, out.data() + out.size());
    EXPECT_EQ(v.as_struct()->get("m").as_map().size(), 2u);
    EXPECT_EQ(v.as_struct()->get("m").as_map()[1].first.as_int32(), -1);
}

TEST(avro_data, reading_resolves_writer_to_reader) {
    avro_data d;
    auto writer = *avro::schema::parse(
        R"({"type":"record","name":"r","fields":[{"name":"a","type":"int"},{"name":"gone","type":"string"},{"name":"f","type":"float"}]})");
    auto reader = *avro::schema::parse(
        R"({"type":"record","name":"r","fields":[{"name":"f","type":"double"},{"name":"a","type":"long"},)"
        R"({"name":"added","type":["null","string"],"default":null},{"name":"n","type":"int","default":42}]})");
    // a = 5 (0a), gone = "xy", f = 1.5f
    std::string data = "\x0a\x04xy";
    float f = 1.5f;
    data.append(reinterpret_cast<const char*>(&f), 4);
    auto target = d.to_connect(reader);
    const char* p = data.data();
    value v = d.decode(writer->root(), reader->root(), target, p, data.data() + data.size());
    EXPECT_EQ(p, data.data() + data.size());
    auto& sv = *v.as_struct();
    EXPECT_EQ(sv.get("a").as_int64(), 5);
    EXPECT_EQ(sv.get("f").as_float64(), 1.5);
    EXPECT_TRUE(sv.get("added").is_null());
    EXPECT_EQ(sv.get("n").as_int32(), 42);
}

TEST(avro_data, malformed_bytes_are_data_errors) {
    avro_data d;
    auto s = personal_data_schema();
    auto a = d.from_connect(s);
    auto back = d.to_connect(a);
    std::vector<std::string> bad{"",
                                 std::string("\x02", 1),
                                 std::string("\x02\x7f", 2),
                                 std::string("\x02\x10"
                                             "DEU",
                                             5),
                                 std::string("\x02\x02\x41\x04", 4),
                                 std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11)};
    for (auto& b : bad) {
        const char* p = b.data();
        EXPECT_THROW(d.decode(a->root(), a->root(), back, p, b.data() + b.size()), data_error) << hex(b);
    }
    // Encoding a value that does not fit names the field.
    auto row = make_struct(s);
    row->put("id", value(int64_t(1)));
    try {
        std::string out;
        d.encode(a->root(), s, value(row), out);
        FAIL() << "expected a data_error";
    } catch (const data_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("bank_bic"));
    }
}

TEST(avro_data, fuzzer_findings_repeated_map_keys_and_huge_block_counts) {
    avro_data d;
    auto a = *avro::schema::parse(R"({"type":"map","values":"int"})");
    auto cs = d.to_connect(a);
    // Two entries with key "k": Java's HashMap keeps the last value.
    std::string dup("\x04\x02k\x02\x02k\x04\x00", 9);
    const char* p = dup.data();
    value v = d.decode(a->root(), a->root(), cs, p, dup.data() + dup.size());
    ASSERT_EQ(v.as_map().size(), 1u);
    EXPECT_EQ(v.as_map()[0].second.as_int32(), 2);
    // A block count of INT64_MIN (zig-zag ff..ff 01) is malformed, not undefined behaviour.
    std::string huge("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00", 11);
    p = huge.data();
    EXPECT_THROW(d.decode(a->root(), a->root(), cs, p, huge.data() + huge.size()), data_error);
}

} // namespace
} // namespace ferry::avro_converter
