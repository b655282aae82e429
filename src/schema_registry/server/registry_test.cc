#include "schema_registry/server/registry.hpp"

#include <gtest/gtest.h>

namespace ferry::schema_registry {
namespace {

using records = std::vector<std::pair<std::string, std::optional<std::string>>>;

// A registry whose "topic" is a vector: every append is recorded and applied, so a second
// registry can replay the log as a restarted server replays `_schemas`.
struct logged_registry {
    records log;
    registry r;
    logged_registry() {
        r.set_append([this](const records& recs) -> std::optional<std::string> {
            for (auto& rec : recs) {
                log.push_back(rec);
                r.apply(rec.first, rec.second ? std::optional<std::string_view>(*rec.second) : std::nullopt);
            }
            return std::nullopt;
        });
    }
};

const std::string v1 = R"({"type":"record","name":"user","fields":[{"name":"id","type":"long"}]})";
const std::string v2_ok =
    R"({"type":"record","name":"user","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null}]})";
const std::string v2_breaking =
    R"({"type":"record","name":"user","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]})";

TEST(registry, register_is_idempotent_and_ids_are_global) {
    logged_registry lr;
    auto a = lr.r.register_schema("a-value", v1, "AVRO", "", {}, {});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->id, 1);
    EXPECT_EQ(a->version, 1);
    auto again = lr.r.register_schema("a-value", v1, "AVRO", "", {}, {});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id, 1);
    EXPECT_EQ(again->version, 1);
    EXPECT_EQ(lr.log.size(), 1u); // no second record
    // Same schema, other subject: same id, version 1 there.
    auto b = lr.r.register_schema("b-value", v1, "AVRO", "", {}, {});
    ASSERT_TRUE(b);
    EXPECT_EQ(b->id, 1);
    EXPECT_EQ(b->version, 1);
    auto c = lr.r.register_schema("a-value", v2_ok, "AVRO", "", {}, {});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->id, 2);
    EXPECT_EQ(c->version, 2);
    EXPECT_EQ(*lr.r.versions("a-value", false, false), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(*lr.r.subjects("", false, false), (std::vector<std::string>{"a-value", "b-value"}));
    auto ids = lr.r.id_versions(1, false);
    ASSERT_TRUE(ids);
    ASSERT_EQ(ids->size(), 2u);
}

TEST(registry, store_records_have_confluent_bytes) {
    logged_registry lr;
    ASSERT_TRUE(lr.r.register_schema("s", R"("string")", "AVRO", "", {}, {}));
    ASSERT_EQ(lr.log.size(), 1u);
    EXPECT_EQ(lr.log[0].first, R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})");
    EXPECT_EQ(*lr.log[0].second,
              R"({"subject":"s","version":1,"id":1,"schemaType":"AVRO","schema":"\"string\"","deleted":false})");
    ASSERT_TRUE(lr.r.set_config("s", "full"));
    EXPECT_EQ(lr.log[1].first, R"({"keytype":"CONFIG","subject":"s","magic":0})");
    EXPECT_EQ(*lr.log[1].second, R"({"compatibilityLevel":"FULL"})");
    ASSERT_TRUE(lr.r.set_config("", "none"));
    EXPECT_EQ(lr.log[2].first, R"({"keytype":"CONFIG","magic":0})");
}

TEST(registry, errors_use_confluent_codes) {
    logged_registry lr;
    ASSERT_TRUE(lr.r.register_schema("s", v1, "AVRO", "", {}, {}));
    auto bad = lr.r.register_schema("s", R"({"type":"record","name":"x","fields":[{"name":"a","type":"nope"}]})",
                                    "AVRO", "", {}, {});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().error_code, 42201);
    EXPECT_EQ(bad.error().http_status(), 422);
    auto incompatible = lr.r.register_schema("s", v2_breaking, "AVRO", "", {}, {});
    ASSERT_FALSE(incompatible);
    EXPECT_EQ(incompatible.error().error_code, 409);
    EXPECT_EQ(incompatible.error().http_status(), 409);
    EXPECT_NE(incompatible.error().message.find("incompatible with an earlier schema"), std::string::npos);
    EXPECT_EQ(lr.r.get_version("nope", 1, false).error().error_code, 40401);
    EXPECT_EQ(lr.r.get_version("s", 7, false).error().error_code, 40402);
    EXPECT_EQ(lr.r.schema_by_id(99).error().error_code, 40403);
    EXPECT_EQ(lr.r.lookup("s", v2_ok, "AVRO", false).error().error_code, 40403);
    EXPECT_EQ(lr.r.set_config("s", "sideways").error().error_code, 42203);
    EXPECT_EQ(lr.r.get_config("s", false).error().error_code, 40408);
    EXPECT_EQ(*lr.r.get_config("s", true), "BACKWARD");
    EXPECT_EQ(lr.r.set_mode("", "upside", false).error().error_code, 42204);
    // NONE lets the breaking change in.
    ASSERT_TRUE(lr.r.set_config("s", "none"));
    EXPECT_TRUE(lr.r.register_schema("s", v2_breaking, "AVRO", "", {}, {}));
    // READONLY refuses writes.
    ASSERT_TRUE(lr.r.set_mode("s", "READONLY", false));
    EXPECT_EQ(lr.r.register_schema("s", v2_ok, "AVRO", "", {}, {}).error().error_code, 42205);
    // IMPORT takes registrations with an explicit id only (Confluent's checkRegisterMode), and an
    // explicit id needs IMPORT.
    ASSERT_TRUE(lr.r.set_mode("imp", "IMPORT", true));
    auto no_id = lr.r.register_schema("imp", v1, "AVRO", "", {}, {});
    ASSERT_FALSE(no_id);
    EXPECT_EQ(no_id.error().error_code, 42205);
    EXPECT_EQ(no_id.error().message, "Subject imp is not in read-write mode");
    auto with_id = lr.r.register_schema("imp", v1, "AVRO", "", 1000, 1);
    ASSERT_TRUE(with_id);
    EXPECT_EQ(with_id->id, 1000);
    EXPECT_EQ(lr.r.register_schema("rw", v1, "AVRO", "", 1001, 1).error().error_code, 42205);
}

TEST(registry, soft_then_permanent_delete_and_replay) {
    logged_registry lr;
    ASSERT_TRUE(lr.r.register_schema("s", v1, "AVRO", "", {}, {}));
    ASSERT_TRUE(lr.r.register_schema("s", v2_ok, "AVRO", "", {}, {}));
    ASSERT_TRUE(lr.r.register_schema("t", v1, "AVRO", "", {}, {}));
    EXPECT_EQ(lr.r.delete_version("s", 2, true).error().error_code, 40407);
    ASSERT_EQ(*lr.r.delete_version("s", 2, false), 2);
    EXPECT_EQ(lr.r.delete_version("s", 2, false).error().error_code, 40406);
    EXPECT_EQ(*lr.r.versions("s", false, false), (std::vector<int32_t>{1}));
    EXPECT_EQ(*lr.r.versions("s", true, false), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(lr.r.delete_subject("t", true).error().error_code, 40405);
    ASSERT_EQ(*lr.r.delete_subject("t", false), (std::vector<int32_t>{1}));
    EXPECT_EQ(lr.r.delete_subject("t", false).error().error_code, 40404);
    EXPECT_EQ(lr.r.versions("t", false, false).error().error_code, 40401);
    EXPECT_EQ(*lr.r.subjects("", false, false), (std::vector<std::string>{"s"}));
    EXPECT_EQ(*lr.r.subjects("", true, false), (std::vector<std::string>{"s", "t"}));
    ASSERT_EQ(*lr.r.delete_subject("t", true), (std::vector<int32_t>{1}));
    EXPECT_EQ(*lr.r.subjects("", true, false), (std::vector<std::string>{"s"}));
    // A new schema still gets a fresh id after deletes; ids are never reused.
    auto n = lr.r.register_schema("u", R"("string")", "AVRO", "", {}, {});
    ASSERT_TRUE(n);
    EXPECT_EQ(n->id, 3);

    // Replaying the log rebuilds the same state (a restart).
    registry replay;
    for (auto& [k, v] : lr.log)
        replay.apply(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
    EXPECT_EQ(*replay.subjects("", true, false), *lr.r.subjects("", true, false));
    EXPECT_EQ(*replay.versions("s", true, false), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(replay.get_version("s", 1, false)->id, 1);
    EXPECT_EQ(replay.get_version("u", -1, false)->id, 3);
    EXPECT_EQ(replay.max_id(), 3);
    EXPECT_TRUE(replay.get_version("s", 2, true)->deleted);
}

TEST(registry, canonical_text_is_stored_and_identifies_schemas) {
    logged_registry lr;
    // Whitespace and key order differ; Java's canonical text is the same, so is the id.
    auto a = lr.r.register_schema(
        "s", R"({ "type" : "record", "name" : "r", "fields" : [ {"type":"int","name":"a"} ] })", "AVRO", "", {}, {});
    auto b = lr.r.register_schema("s", R"({"name":"r","type":"record","fields":[{"name":"a","type":"int"}]})", "AVRO",
                                  "", {}, {});
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(a->id, b->id);
    EXPECT_EQ(a->version, b->version);
    EXPECT_EQ(lr.r.schema_by_id(a->id)->schema, R"({"type":"record","name":"r","fields":[{"name":"a","type":"int"}]})");
    auto compat = lr.r.test_compatibility(
        "s", -1, R"({"type":"record","name":"r","fields":[{"name":"b","type":"int"}]})", "AVRO");
    ASSERT_TRUE(compat);
    EXPECT_FALSE(compat->empty());
}

} // namespace
} // namespace ferry::schema_registry
