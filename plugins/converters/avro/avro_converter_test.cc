// The AvroConverter against Ferry's registry server (state in memory, real HTTP): wire format,
// registration, subject naming, caching, fail-over, basic auth, errors.

#include "plugins/converters/avro/avro_converter.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "schema_registry/client/client.hpp"
#include "schema_registry/server/server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::avro_converter {
namespace {

using ::testing::HasSubstr;
namespace sr = ferry::schema_registry;

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

std::unique_ptr<sr::server> start_registry(std::vector<std::string> users = {}) {
    sr::server_config c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.in_memory = true;
    c.basic_auth_users = std::move(users);
    auto s = sr::server::start(std::move(c));
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
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

value personal_row(const schema_ptr& s) {
    auto row = make_struct(s);
    row->put("id", value(int64_t(1)));
    row->put("bank_bic", value("DEUTDEFF"));
    row->put("bank_name", value("Deutsche Bank"));
    row->put("last_update", value(int64_t(1705314600000)));
    return value(row);
}

TEST(avro_converter, seed_scenario_wire_bytes_and_registration) {
    auto reg = start_registry();
    avro_converter c;
    c.configure({{"schema.registry.url", reg->url()}}, false);
    auto s = personal_data_schema();
    headers h;
    std::string out;
    ASSERT_TRUE(c.from_connect("kafka-connect-personal_data", h, s, personal_row(s), out));
    // The 36 bytes of the reference (magic 0, id 1, datum).
    EXPECT_EQ(hex(out),
              "00 00 00 00 01 02 10 44 45 55 54 44 45 46 46 02 1a 44 65 75 74 73 63 68 65 20 42 61 6e 6b 80 91 de "
              "ca a1 63");
    EXPECT_EQ(*reg->state().subjects("", false, false),
              (std::vector<std::string>{"kafka-connect-personal_data-value"}));
    auto v1 = reg->state().get_version("kafka-connect-personal_data-value", 1, false);
    ASSERT_TRUE(v1);
    EXPECT_EQ(v1->id, 1);
    EXPECT_THAT(v1->schema, HasSubstr(R"("connect.name":"personal_data")"));

    // Reading back through a second converter instance (a sink task).
    avro_converter sink;
    sink.configure({{"schema.registry.url", reg->url()}}, false);
    auto sv = sink.to_connect("kafka-connect-personal_data", h, out);
    ASSERT_TRUE(sv.schema);
    EXPECT_EQ(sv.schema->name(), std::optional<std::string>("personal_data"));
    EXPECT_EQ(sv.schema->version(), std::optional<int32_t>(1)); // the registry version, as Java sets it
    EXPECT_EQ(sv.val.as_struct()->get("bank_bic").as_string(), "DEUTDEFF");
    EXPECT_EQ(sv.val.as_struct()->get("last_update").as_int64(), 1705314600000);

    // Null stays a tombstone both ways.
    EXPECT_FALSE(c.from_connect("t", h, nullptr, value(), out));
    EXPECT_TRUE(sink.to_connect("t", h, std::nullopt).val.is_null());
}

TEST(avro_converter, subject_strategies_and_keys) {
    auto reg = start_registry();
    auto s = personal_data_schema();
    headers h;
    std::string out;
    avro_converter rn;
    rn.configure({{"schema.registry.url", reg->url()},
                  {"value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy"}},
                 false);
    rn.from_connect("topic1", h, s, personal_row(s), out);
    avro_converter trn;
    trn.configure({{"schema.registry.url", reg->url()},
                   {"value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"}},
                  false);
    trn.from_connect("topic1", h, s, personal_row(s), out);
    avro_converter key;
    key.configure({{"schema.registry.url", reg->url()}}, true);
    key.from_connect("topic1", h, schemas::int64(), value(int64_t(5)), out);
    EXPECT_EQ(hex(out), "00 00 00 00 02 0a");
    EXPECT_EQ(*reg->state().subjects("", false, false),
              (std::vector<std::string>{"personal_data", "topic1-key", "topic1-personal_data"}));
    // The same schema under three subjects has one id.
    EXPECT_EQ(reg->state().get_version("topic1-personal_data", 1, false)->id, 1);
}

TEST(avro_converter, auto_register_off_looks_up_and_unknown_subject_is_a_data_error) {
    auto reg = start_registry();
    avro_converter c;
    c.configure({{"schema.registry.url", reg->url()}, {"auto.register.schemas", "false"}}, false);
    auto s = personal_data_schema();
    headers h;
    std::string out;
    EXPECT_THROW(c.from_connect("t", h, s, personal_row(s), out), data_error);
    avro_converter reg_on;
    reg_on.configure({{"schema.registry.url", reg->url()}}, false);
    reg_on.from_connect("t", h, s, personal_row(s), out);
    avro_converter c2;
    c2.configure({{"schema.registry.url", reg->url()}, {"auto.register.schemas", "false"}}, false);
    std::string out2;
    ASSERT_TRUE(c2.from_connect("t", h, s, personal_row(s), out2));
    EXPECT_EQ(out, out2);
}

TEST(avro_converter, bad_bytes_and_unknown_ids_are_data_errors_naming_the_topic) {
    auto reg = start_registry();
    avro_converter c;
    c.configure({{"schema.registry.url", reg->url()}}, false);
    headers h;
    try {
        c.to_connect("orders", h, std::string_view("\x01\x00\x00\x00\x01\x02", 6));
        FAIL();
    } catch (const data_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("orders"));
        EXPECT_THAT(e.what(), HasSubstr("Unknown magic byte"));
    }
    EXPECT_THROW(c.to_connect("orders", h, std::string_view("\x00\x00", 2)), data_error);
    try {
        c.to_connect("orders", h, std::string_view("\x00\x00\x00\x00\x63\x02", 6));
        FAIL();
    } catch (const data_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("orders"));
        EXPECT_THAT(e.what(), HasSubstr("99"));
    }
}

TEST(avro_converter, fails_over_to_the_next_url_and_uses_basic_auth) {
    auto reg = start_registry({"alice:s3cret"});
    auto s = personal_data_schema();
    headers h;
    std::string out;
    // First URL: nothing listens there.
    std::string urls = "http://127.0.0.1:1," + reg->url();
    avro_converter no_auth;
    no_auth.configure({{"schema.registry.url", urls}}, false);
    try {
        no_auth.from_connect("t", h, s, personal_row(s), out);
        FAIL();
    } catch (const data_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("Unauthorized"));
        EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("s3cret")));
    }
    avro_converter c;
    c.configure({{"schema.registry.url", urls},
                 {"basic.auth.credentials.source", "USER_INFO"},
                 {"basic.auth.user.info", "alice:s3cret"}},
                false);
    ASSERT_TRUE(c.from_connect("t", h, s, personal_row(s), out));
    EXPECT_EQ(out.substr(0, 5), std::string("\x00\x00\x00\x00\x01", 5));
}

TEST(avro_converter, unreachable_registry_is_retriable) {
    avro_converter c;
    c.configure({{"schema.registry.url", "http://127.0.0.1:1"}}, false);
    auto s = personal_data_schema();
    headers h;
    std::string out;
    EXPECT_THROW(c.from_connect("t", h, s, personal_row(s), out), retriable_error);
}

TEST(avro_converter, use_latest_version_reads_with_the_latest_schema) {
    auto reg = start_registry();
    headers h;
    std::string out;
    auto s = personal_data_schema();
    avro_converter w;
    w.configure({{"schema.registry.url", reg->url()}}, false);
    w.from_connect("t", h, s, personal_row(s), out);
    // A newer version adds a field with a default.
    sr::client cl({.urls = {reg->url()}});
    auto v2 =
        R"({"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},{"name":"bank_bic","type":"string"},)"
        R"({"name":"bank_name","type":["null","string"],"default":null},{"name":"last_update","type":"long"},)"
        R"({"name":"country","type":"string","default":"DE"}]})";
    ASSERT_TRUE(cl.register_schema("t-value", v2));
    avro_converter r;
    r.configure({{"schema.registry.url", reg->url()}, {"use.latest.version", "true"}}, false);
    auto sv = r.to_connect("t", h, out);
    EXPECT_EQ(sv.val.as_struct()->get("country").as_string(), "DE");
    EXPECT_EQ(sv.val.as_struct()->get("id").as_int64(), 1);
}

TEST(avro_converter, auto_registration_wins_over_use_latest_version) {
    // As Confluent's serializer: with auto.register.schemas (the default) the record's own schema is
    // registered even when use.latest.version is set; the latest version is written with only when
    // auto-registration is off.
    auto reg = start_registry();
    sr::client cl({.urls = {reg->url()}});
    auto v1 = R"({"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},)"
              R"({"name":"bank_bic","type":"string"},{"name":"last_update","type":"long"}]})"; // no bank_name
    auto v1_id = cl.register_schema("t-value", v1);
    ASSERT_TRUE(v1_id);
    headers h;
    auto s = personal_data_schema();
    avro_converter both;
    both.configure({{"schema.registry.url", reg->url()}, {"use.latest.version", "true"}}, false);
    std::string out;
    ASSERT_TRUE(both.from_connect("t", h, s, personal_row(s), out));
    auto latest = cl.latest("t-value");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->version, 2); // the record's schema, with every field
    EXPECT_NE(latest->id, *v1_id);
    EXPECT_EQ(out.substr(1, 4), std::string("\x00\x00\x00", 3) + char(latest->id));
    avro_converter reader;
    reader.configure({{"schema.registry.url", reg->url()}}, false);
    auto back = reader.to_connect("t", h, out);
    EXPECT_EQ(back.val.as_struct()->get("bank_name").as_string(), "Deutsche Bank");

    // Auto-registration off: written with the latest version (v3 adds an optional field).
    auto v3 =
        R"({"type":"record","name":"personal_data","fields":[{"name":"id","type":"long"},{"name":"bank_bic","type":"string"},)"
        R"({"name":"bank_name","type":["null","string"],"default":null},{"name":"last_update","type":"long"},)"
        R"({"name":"country","type":["null","string"],"default":null}]})";
    auto v3_id = cl.register_schema("t-value", v3);
    ASSERT_TRUE(v3_id);
    avro_converter latest_only;
    latest_only.configure(
        {{"schema.registry.url", reg->url()}, {"use.latest.version", "true"}, {"auto.register.schemas", "false"}}, false);
    out.clear();
    ASSERT_TRUE(latest_only.from_connect("t", h, s, personal_row(s), out));
    EXPECT_EQ(out.substr(1, 4), std::string("\x00\x00\x00", 3) + char(*v3_id));
    EXPECT_TRUE(reg->state().get_version("t-value", 3, false));
    EXPECT_FALSE(reg->state().get_version("t-value", 4, false)); // nothing registered
}

} // namespace
} // namespace ferry::avro_converter
