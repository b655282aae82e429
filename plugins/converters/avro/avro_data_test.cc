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

// A Debezium envelope: `before` and `after` share the row's Value schema. The record is spelled
// out once, in `before`, and `after` refers to it by name (spec section 8), as Confluent's
// converter does (its cycle references by name, then Avro's schema writer).
TEST(avro_data, debezium_envelope_defines_the_value_record_once) {
    auto row = schema_builder::struct_()
                   .name("srv.public.t.Value")
                   .optional()
                   .field("id", schemas::int32())
                   .field("name", schemas::optional_string())
                   .build();
    auto source = schema_builder::struct_()
                      .name("io.debezium.connector.postgresql.Source")
                      .field("version", schemas::string())
                      .build();
    auto envelope_of = [&](schema_ptr before, schema_ptr after) {
        return schema_builder::struct_()
            .name("srv.public.t.Envelope")
            .version(2)
            .field("before", std::move(before))
            .field("after", std::move(after))
            .field("source", source)
            .field("op", schemas::string())
            .field("ts_ms", schemas::optional_int64())
            .build();
    };
    const std::string want =
        R"({"type":"record","name":"Envelope","namespace":"srv.public.t","fields":[{"name":"before","type":["null",)"
        R"({"type":"record","name":"Value","fields":[{"name":"id","type":"int"},{"name":"name","type":["null","string"],)"
        R"("default":null}],"connect.name":"srv.public.t.Value"}],"default":null},{"name":"after","type":["null","Value"],)"
        R"("default":null},{"name":"source","type":{"type":"record","name":"Source","namespace":)"
        R"("io.debezium.connector.postgresql","fields":[{"name":"version","type":"string"}],"connect.name":)"
        R"("io.debezium.connector.postgresql.Source"}},{"name":"op","type":"string"},{"name":"ts_ms","type":["null",)"
        R"("long"],"default":null}],"connect.version":2,"connect.name":"srv.public.t.Envelope"})";
    avro_data d;
    auto env = envelope_of(row, row);
    auto a = d.from_connect(env);
    EXPECT_EQ(a->canonical(), want);
    // The same when `after` is an equal schema built separately (Debezium builds one per table,
    // a transform may rebuild it).
    auto row_again = schema_builder::struct_()
                         .name("srv.public.t.Value")
                         .optional()
                         .field("id", schemas::int32())
                         .field("name", schemas::optional_string())
                         .build();
    EXPECT_EQ(avro_data().from_connect(envelope_of(row, row_again))->canonical(), want);

    // An update: both rows set; encoded, then read back through the Connect schema restored from Avro.
    auto before = make_struct(row), after = make_struct(row), src = make_struct(source), e = make_struct(env);
    before->put("id", value(int32_t(4)));
    after->put("id", value(int32_t(4)));
    after->put("name", value("josip"));
    src->put("version", value("2.7"));
    e->put("before", value(before));
    e->put("after", value(after));
    e->put("source", value(src));
    e->put("op", value("u"));
    e->put("ts_ms", value(int64_t(1)));
    std::string out;
    d.encode(a->root(), env, value(e), out);
    // before: branch 1, id 4, name null; after: branch 1, id 4, name "josip"; "2.7"; "u"; ts_ms 1
    EXPECT_EQ(hex(out), "02 08 00 02 08 02 0a 6a 6f 73 69 70 06 32 2e 37 02 75 02 02");
    auto back = d.to_connect(a);
    const char* p = out.data();
    value v = d.decode(a->root(), a->root(), back, p, out.data() + out.size());
    EXPECT_EQ(p, out.data() + out.size());
    const auto& ev = *v.as_struct();
    EXPECT_EQ(ev.get("after").as_struct()->get("name").as_string(), "josip");
    EXPECT_TRUE(ev.get("before").as_struct()->get("name").is_null());
    EXPECT_EQ(*back->find_field("after")->schema, *back->find_field("before")->schema);
    EXPECT_EQ(back->find_field("after")->schema->name(), std::optional<std::string>("srv.public.t.Value"));

    // A required field whose struct equals the optional one converted before refers to it too
    // (Java's schemaMap holds the required copy it converted).
    auto required_row = schema_builder::struct_()
                            .name("srv.public.t.Value")
                            .field("id", schemas::int32())
                            .field("name", schemas::optional_string())
                            .build();
    auto both = schema_builder::struct_()
                    .name("both")
                    .field("opt", row)
                    .field("req", required_row)
                    .build();
    EXPECT_THAT(avro_data().from_connect(both)->canonical(),
                HasSubstr(R"({"name":"req","type":"srv.public.t.Value"})"));

    // Two different records under one name cannot both be spelled out: a data error, not a schema
    // that readers would reject.
    auto other = schema_builder::struct_().name("srv.public.t.Value").field("x", schemas::string()).build();
    auto clash = schema_builder::struct_().name("clash").field("a", required_row).field("b", other).build();
    try {
        avro_data().from_connect(clash);
        FAIL() << "expected a data error";
    } catch (const data_error& err) {
        EXPECT_THAT(err.what(), HasSubstr("srv.public.t.Value is used twice"));
    }
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

TEST(avro_data, scrub_invalid_names_as_confluents_avro_data) {
    // doScrubName: URL-encode, 'x' before a leading digit, then anything but [A-Za-z0-9_] -> '_';
    // a full name is scrubbed part by part; valid names are left alone.
    avro_data d({.scrub_invalid_names = true});
    auto s = schema_builder::struct_()
                 .name("my-db.my table")
                 .field("a.b", schemas::int32())
                 .field("prix\u20ac", schemas::int32())
                 .field("1abc", schemas::int32())
                 .field("my col", schemas::int32())
                 .field("_ok_9", schemas::int32())
                 .build();
    EXPECT_EQ(d.from_connect(s)->canonical(),
              R"({"type":"record","name":"my_table","namespace":"my_db","fields":[{"name":"a_b","type":"int"},)"
              R"({"name":"prix_E2_82_AC","type":"int"},{"name":"x1abc","type":"int"},{"name":"my_col","type":"int"},)"
              R"({"name":"_ok_9","type":"int"}],"connect.name":"my-db.my table"})");
    // Without the option the names are kept (and invalid ones fail where Avro refuses them).
    avro_data plain;
    auto ok = schema_builder::struct_().name("a.b.R").field("x_1", schemas::int32()).build();
    EXPECT_EQ(plain.from_connect(ok)->canonical(),
              R"({"type":"record","name":"R","namespace":"a.b","fields":[{"name":"x_1","type":"int"}],"connect.name":"a.b.R"})");
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
