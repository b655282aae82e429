#include "schema_registry/avro/schema.hpp"

#include <gtest/gtest.h>

namespace ferry::avro {
namespace {

// The seed scenario's schema as AvroConverter registers it (spec section 7), 363 bytes.
constexpr std::string_view personal_data =
    R"({"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},{"name":"bank_bic","type":"string"},)"
    R"({"name":"bank_name","type":["null","string"],"default":null},{"name":"last_update","type":{"type":"long",)"
    R"("connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}}],)"
    R"("connect.name":"personal_data"})";

schema_ptr parse(std::string_view s, bool validate = false) {
    auto r = schema::parse(s, {.validate = validate});
    if (!r) ADD_FAILURE() << r.error().message << " for " << s;
    return r ? *r : nullptr;
}

TEST(AvroSchema, CanonicalOfTheSeedSchemaIsItself) {
    EXPECT_EQ(personal_data.size(), 363u);
    auto s = parse(personal_data);
    EXPECT_EQ(s->canonical(), personal_data);
    EXPECT_EQ(s->root().logical, logical::none);
    EXPECT_EQ(s->root().fields[3].schema->logical, logical::timestamp_millis);
}

TEST(AvroSchema, ParsingCanonicalFormAndFingerprints) {
    EXPECT_EQ(parse(R"("null")")->fingerprint64(), 7195948357588979594LL);
    EXPECT_EQ(parse(R"({"type":"int"})")->fingerprint64(), 8247732601305521295LL);
    EXPECT_EQ(parse(R"("long")")->fingerprint64(), -3434872931120570953LL);
    auto s = parse(personal_data);
    EXPECT_EQ(s->parsing_canonical_form(),
              R"({"name":"personal_data","type":"record","fields":[{"name":"id","type":"long"},)"
              R"({"name":"bank_bic","type":"string"},{"name":"bank_name","type":["null","string"]},)"
              R"({"name":"last_update","type":"long"}]})");
    EXPECT_EQ(uint64_t(s->fingerprint64()), 0xccf8ff89dbded301ULL);
}

TEST(AvroSchema, WhitespaceAndKeyOrderAreNormalisedAsJavaAvroDoes) {
    auto s = parse(R"({
        "fields": [ {"type": "int", "name": "a", "doc": "the a", "default": 1, "x-prop": [1, 2.50]} ],
        "name": "R", "namespace": "com.example", "type": "record", "doc": "a record", "custom": {"k": "v"}
    })");
    EXPECT_EQ(s->canonical(),
              R"({"type":"record","name":"R","namespace":"com.example","doc":"a record","fields":[{"name":"a",)"
              R"("type":"int","doc":"the a","default":1,"x-prop":[1,2.5]}],"custom":{"k":"v"}})");
}

TEST(AvroSchema, NamedTypesAreWrittenOnceThenByName) {
    auto s = parse(R"({"type":"record","name":"Envelope","namespace":"srv.public.t","fields":[
        {"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"int"}]}],"default":null},
        {"name":"after","type":["null","Value"],"default":null},
        {"name":"other","type":["null","srv.public.t.Value"],"default":null},
        {"name":"e","type":{"type":"enum","name":"E","namespace":"x.y","symbols":["A","B"],"default":"A"}},
        {"name":"e2","type":"x.y.E"},
        {"name":"f","type":{"type":"fixed","name":"F","size":4,"aliases":["G"]}}]})");
    EXPECT_EQ(s->canonical(),
              R"({"type":"record","name":"Envelope","namespace":"srv.public.t","fields":[{"name":"before","type":)"
              R"(["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"int"}]}],"default":null},)"
              R"({"name":"after","type":["null","Value"],"default":null},{"name":"other","type":["null","Value"],)"
              R"("default":null},{"name":"e","type":{"type":"enum","name":"E","namespace":"x.y","symbols":["A","B"],)"
              R"("default":"A"}},{"name":"e2","type":"x.y.E"},{"name":"f","type":{"type":"fixed","name":"F","size":4,)"
              R"("aliases":["G"]}}]})");
}

TEST(AvroSchema, RecursiveRecord) {
    auto s = parse(R"({"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]})");
    const node& n = s->root();
    EXPECT_EQ(n.fields[0].schema->branches[1], &n);
}

TEST(AvroSchema, LogicalTypes) {
    auto s = parse(R"({"type":"bytes","scale":2,"precision":10,"logicalType":"decimal"})");
    EXPECT_EQ(s->root().logical, logical::decimal);
    EXPECT_EQ(s->root().precision, 10);
    EXPECT_EQ(s->root().scale, 2);
    // Invalid logical types are ignored but their property is kept, as Java does.
    auto bad = parse(R"({"type":"bytes","scale":20,"precision":10,"logicalType":"decimal"})");
    EXPECT_EQ(bad->root().logical, logical::none);
    EXPECT_EQ(bad->canonical(), R"({"type":"bytes","scale":20,"precision":10,"logicalType":"decimal"})");
    EXPECT_EQ(parse(R"({"type":"int","logicalType":"date"})")->root().logical, logical::date);
    EXPECT_EQ(parse(R"({"type":"long","logicalType":"date"})")->root().logical, logical::none);
    EXPECT_EQ(parse(R"({"type":"string","logicalType":"uuid"})")->root().logical, logical::uuid);
}

TEST(AvroSchema, ErrorsAreReported) {
    for (auto text : {R"({"type":"record","name":"R"})", R"({"type":"recrod","name":"R","fields":[]})",
                      R"({"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]})", R"(["int","int"])",
                      R"({"type":"enum","name":"E","symbols":["A","A"]})", R"({"type":"array"})", R"({)", R"(12)",
                      R"({"type":"fixed","name":"F"})"}) {
        EXPECT_FALSE(schema::parse(text)) << text;
    }
}

TEST(AvroSchema, ValidationOfNewSchemas) {
    // Accepted without validation (what is already stored), refused for new registrations.
    for (auto text : {R"({"type":"record","name":"a-b","fields":[]})",
                      R"({"type":"record","name":"R","fields":[{"name":"x","type":"string","default":null}]})",
                      R"({"type":"record","name":"R","fields":[{"name":"x","type":"int","default":"1"}]})",
                      R"({"type":"record","name":"R","fields":[{"name":"1x","type":"int"}]})"}) {
        EXPECT_TRUE(schema::parse(text)) << text;
        EXPECT_FALSE(schema::parse(text, {.validate = true})) << text;
    }
    EXPECT_TRUE(schema::parse(R"({"type":"record","name":"R","fields":[{"name":"x","type":["null","int"],"default":null},)"
                              R"({"name":"y","type":{"type":"array","items":"int"},"default":[1,2]}]})",
                              {.validate = true}));
    // A union's default may match any branch (Avro 1.12, Confluent 8.x), not only the first...
    EXPECT_TRUE(schema::parse(R"({"type":"record","name":"R","fields":[{"name":"x","type":["null","string"],"default":"a"},)"
                              R"({"name":"y","type":["int","null"],"default":null}]})",
                              {.validate = true}));
    // ...but must match one.
    EXPECT_FALSE(schema::parse(R"({"type":"record","name":"R","fields":[{"name":"x","type":["null","string"],"default":1}]})",
                               {.validate = true}));
}

TEST(AvroSchema, JsonEscapingAsJackson) {
    auto s = parse(R"({"type":"record","name":"R","doc":"line\nbreak \"q\" \u00e9 \u0001 \/","fields":[]})");
    EXPECT_EQ(s->canonical(), "{\"type\":\"record\",\"name\":\"R\",\"doc\":\"line\\nbreak \\\"q\\\" \xc3\xa9 \\u0001 /\","
                              "\"fields\":[]}");
}

TEST(AvroSchema, DoublesPrintAsJava) {
    auto s = parse(R"({"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1e10}]})");
    EXPECT_EQ(s->canonical(), R"({"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1.0E10}]})");
}

} // namespace
} // namespace ferry::avro
