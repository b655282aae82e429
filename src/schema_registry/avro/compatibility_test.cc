#include "schema_registry/avro/compatibility.hpp"

#include <gtest/gtest.h>

namespace ferry::avro {
namespace {

schema_ptr parse(std::string_view s) {
    auto r = schema::parse(s);
    if (!r) ADD_FAILURE() << r.error().message;
    return *r;
}

bool compatible(std::string_view reader, std::string_view writer) {
    auto r = parse(reader);
    auto w = parse(writer);
    return check_reader_writer(r->root(), w->root()).empty();
}

constexpr std::string_view v1 = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})";
constexpr std::string_view v2_with_default =
    R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]})";
constexpr std::string_view v2_no_default =
    R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]})";

TEST(AvroCompatibility, AddingAFieldNeedsADefaultToReadOldData) {
    EXPECT_TRUE(compatible(v2_with_default, v1));
    EXPECT_FALSE(compatible(v2_no_default, v1));
    auto problems = check_reader_writer(parse(v2_no_default)->root(), parse(v1)->root());
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].type, "READER_FIELD_MISSING_DEFAULT_VALUE");
    EXPECT_EQ(problems[0].location, "/fields/1");
    // Old readers ignore the new field.
    EXPECT_TRUE(compatible(v1, v2_no_default));
}

TEST(AvroCompatibility, Promotions) {
    EXPECT_TRUE(compatible(R"("long")", R"("int")"));
    EXPECT_TRUE(compatible(R"("double")", R"("float")"));
    EXPECT_TRUE(compatible(R"("float")", R"("long")"));
    EXPECT_TRUE(compatible(R"("string")", R"("bytes")"));
    EXPECT_TRUE(compatible(R"("bytes")", R"("string")"));
    EXPECT_FALSE(compatible(R"("int")", R"("long")"));
    EXPECT_FALSE(compatible(R"("boolean")", R"("int")"));
}

TEST(AvroCompatibility, Unions) {
    EXPECT_TRUE(compatible(R"(["null","string"])", R"("string")"));
    EXPECT_TRUE(compatible(R"(["null","long"])", R"("int")"));
    EXPECT_FALSE(compatible(R"("string")", R"(["null","string"])"));
    EXPECT_TRUE(compatible(R"(["null","string","int"])", R"(["null","string"])"));
    EXPECT_FALSE(compatible(R"(["null","string"])", R"(["null","string","int"])"));
}

TEST(AvroCompatibility, EnumsAndNames) {
    EXPECT_TRUE(compatible(R"({"type":"enum","name":"E","symbols":["A","B","C"]})",
                           R"({"type":"enum","name":"E","symbols":["A","B"]})"));
    EXPECT_FALSE(compatible(R"({"type":"enum","name":"E","symbols":["A"]})",
                            R"({"type":"enum","name":"E","symbols":["A","B"]})"));
    EXPECT_TRUE(compatible(R"({"type":"enum","name":"E","symbols":["A"],"default":"A"})",
                           R"({"type":"enum","name":"E","symbols":["A","B"]})"));
    EXPECT_FALSE(compatible(R"({"type":"record","name":"S","fields":[]})", R"({"type":"record","name":"R","fields":[]})"));
    EXPECT_TRUE(compatible(R"({"type":"record","name":"S","aliases":["R"],"fields":[]})",
                           R"({"type":"record","name":"R","fields":[]})"));
    EXPECT_FALSE(compatible(R"({"type":"fixed","name":"F","size":4})", R"({"type":"fixed","name":"F","size":8})"));
    // Names compare unqualified (Avro 1.9.1+): another namespace is still the same type...
    EXPECT_TRUE(compatible(R"({"type":"record","name":"R","namespace":"c.d","fields":[{"name":"x","type":"int"}]})",
                           R"({"type":"record","name":"R","namespace":"a.b","fields":[{"name":"x","type":"int"}]})"));
    EXPECT_TRUE(compatible(R"({"type":"enum","name":"c.d.E","symbols":["A"]})", R"({"type":"enum","name":"E","symbols":["A"]})"));
    EXPECT_TRUE(compatible(R"({"type":"fixed","name":"F","namespace":"x","size":4})", R"({"type":"fixed","name":"y.F","size":4})"));
    // ...while another simple name is not, and an alias must name the writer's full name.
    auto problems = check_reader_writer(parse(R"({"type":"record","name":"c.d.S","fields":[]})")->root(),
                                        parse(R"({"type":"record","name":"a.b.R","fields":[]})")->root());
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].type, "NAME_MISMATCH");
    EXPECT_EQ(problems[0].message, "expected: a.b.R");
    EXPECT_TRUE(compatible(R"({"type":"record","name":"S","aliases":["a.b.R"],"fields":[]})",
                           R"({"type":"record","name":"a.b.R","fields":[]})"));
    EXPECT_FALSE(compatible(R"({"type":"record","name":"S","namespace":"c.d","aliases":["R"],"fields":[]})",
                            R"({"type":"record","name":"a.b.R","fields":[]})"));
}

TEST(AvroCompatibility, Levels) {
    auto a = parse(v1);
    auto b = parse(v2_no_default);
    auto c = parse(v2_with_default);
    std::vector<previous_version> prev{{1, &a->root()}};
    EXPECT_FALSE(check_compatibility(compatibility_level::backward, b->root(), prev).empty());
    EXPECT_TRUE(check_compatibility(compatibility_level::forward, b->root(), prev).empty());
    EXPECT_TRUE(check_compatibility(compatibility_level::full, c->root(), prev).empty());
    EXPECT_TRUE(check_compatibility(compatibility_level::none, b->root(), prev).empty());
    // Transitive levels look at every version, the plain ones only at the latest.
    std::vector<previous_version> two{{1, &a->root()}, {2, &b->root()}};
    auto d = parse(R"({"type":"record","name":"R","fields":[{"name":"b","type":"string"}]})");
    EXPECT_TRUE(check_compatibility(compatibility_level::backward, d->root(), two).empty());
    auto msgs = check_compatibility(compatibility_level::backward_transitive, d->root(), two);
    ASSERT_FALSE(msgs.empty());
    EXPECT_NE(msgs[0].find("READER_FIELD_MISSING_DEFAULT_VALUE"), std::string::npos);
    EXPECT_EQ(msgs.back(), "{validateFields: 'false', compatibility: 'BACKWARD_TRANSITIVE'}");
    EXPECT_EQ(parse_level("full_transitive"), compatibility_level::full_transitive);
    EXPECT_FALSE(parse_level("SIDEWAYS"));
}

TEST(AvroCompatibility, RecursiveSchemasTerminate) {
    constexpr std::string_view list = R"({"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]})";
    EXPECT_TRUE(compatible(list, list));
}

} // namespace
} // namespace ferry::avro
