#include "config/connector_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ferry::config {
namespace {

using ::testing::HasSubstr;

connector_definition ok(std::string_view text, std::string_view source = "conn.json") {
    auto r = parse_connector_definition(text, source);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : connector_definition{};
}

std::string err(std::string_view text, std::string_view source = "conn.json") {
    auto r = parse_connector_definition(text, source);
    if (r) return "<no error>";
    EXPECT_EQ(r.error().kind, errc::invalid_argument);
    return r.error().message;
}

TEST(connector_file, json_flat_map) {
    auto d = ok(R"({"name":"local-file-source","connector.class":"FileStreamSource","tasks.max":"1",
                    "file":"test.txt","topic":"connect-test"})");
    EXPECT_EQ(d.format, connector_file_format::json_map);
    EXPECT_EQ(d.name, "local-file-source");
    EXPECT_EQ(d.config.at("connector.class"), "FileStreamSource");
    EXPECT_EQ(d.config.at("name"), "local-file-source");
    EXPECT_EQ(d.config.size(), 5u);
    EXPECT_FALSE(d.initial);
}

TEST(connector_file, json_scalars_coerced_like_jackson) {
    auto d = ok(R"({"name":"c","tasks.max":4,"ratio":1.50,"big":12345678901234567890,"exp":1e3,"flag":true,"off":false})");
    EXPECT_EQ(d.config.at("tasks.max"), "4");
    EXPECT_EQ(d.config.at("ratio"), "1.50");
    EXPECT_EQ(d.config.at("big"), "12345678901234567890");
    EXPECT_EQ(d.config.at("exp"), "1e3");
    EXPECT_EQ(d.config.at("flag"), "true");
    EXPECT_EQ(d.config.at("off"), "false");
    EXPECT_EQ(ok(R"({"name":42})").name, "42");
}

TEST(connector_file, json_flat_map_requires_name) {
    EXPECT_EQ(err(R"({"connector.class":"FileStreamSource"})"),
              "Connector configuration at 'conn.json' is missing the mandatory 'name' configuration");
}

TEST(connector_file, json_null_values_are_rejected) {
    EXPECT_EQ(err(R"({"name":"c","topic":null})"),
              "Connector configuration at 'conn.json' is invalid for 'topic': Null value can not be supplied as the "
              "configuration value.");
    EXPECT_THAT(err(R"({"name":"c","config":{"k":null}})"), HasSubstr("invalid for 'k'"));
}

TEST(connector_file, json_request) {
    auto d = ok(R"({"name":"sink","config":{"connector.class":"FileStreamSink","topics":"t","tasks.max":2},
                    "initial_state":"paused","unknown":{"ignored":[1,2]}})");
    EXPECT_EQ(d.format, connector_file_format::json_request);
    EXPECT_EQ(d.name, "sink");
    EXPECT_EQ(d.config.at("name"), "sink"); // filled in
    EXPECT_EQ(d.config.at("tasks.max"), "2");
    ASSERT_TRUE(d.initial);
    EXPECT_EQ(*d.initial, initial_state::paused);

    auto same = ok(R"({"name":"sink","config":{"name":"sink","topics":"t"}})");
    EXPECT_EQ(same.config.at("name"), "sink");
    EXPECT_FALSE(same.initial);
    EXPECT_EQ(ok(R"({"name":"s","config":{},"initial_state":null})").initial, std::nullopt);
    EXPECT_EQ(ok(R"({"name":"s","config":{},"initial_state":"STOPPED"})").initial, initial_state::stopped);
}

TEST(connector_file, json_request_name_mismatch) {
    EXPECT_EQ(err(R"({"name":"a","config":{"name":"b"}})", "x.json"),
              "Connector name configuration in 'config' doesn't match the one specified in 'name' at 'x.json'");
}

TEST(connector_file, json_request_problems) {
    EXPECT_THAT(err(R"({"name":"a","config":{},"initial_state":"RUN"})"), HasSubstr("invalid initial_state 'RUN'"));
    // All scalars: read as a flat map (form 1) whose "config" value is null, as Java reads it.
    EXPECT_THAT(err(R"({"name":"a","config":null})"), HasSubstr("invalid for 'config': Null value"));
    EXPECT_EQ(err(R"({"config":{"topics":"t"}})"),
              "Connector configuration at 'conn.json' is missing the mandatory 'name' configuration");
    EXPECT_THAT(err(R"({"name":"a","settings":{"x":"y"}})"), HasSubstr("has no 'config' object"));
    // Neither form fits.
    EXPECT_THAT(err(R"({"name":{"x":"y"}})"), HasSubstr("is not a valid connector definition: neither a flat map"));
    EXPECT_THAT(err(R"(["name","a"])"), HasSubstr("expected a JSON object"));
}

TEST(connector_file, precedence_flat_map_before_request) {
    // All values are strings, so this is a flat map whose "config" key is just a string.
    auto d = ok(R"({"name":"a","config":"x"})");
    EXPECT_EQ(d.format, connector_file_format::json_map);
    EXPECT_EQ(d.config.at("config"), "x");
    // A flat map with initial_state keeps it as a plain config key (Java does the same).
    auto s = ok(R"({"name":"a","initial_state":"PAUSED"})");
    EXPECT_EQ(s.format, connector_file_format::json_map);
    EXPECT_FALSE(s.initial);
    EXPECT_EQ(s.config.at("initial_state"), "PAUSED");
}

TEST(connector_file, properties_form) {
    auto d = ok("# FileStream source\nname=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\n"
                "file=test.txt\ntopic=connect-test\n",
                "connect-file-source.properties");
    EXPECT_EQ(d.format, connector_file_format::properties);
    EXPECT_EQ(d.name, "local-file-source");
    EXPECT_EQ(d.config.size(), 5u);
    EXPECT_EQ(err("connector.class=X\n", "c.properties"),
              "Connector configuration at 'c.properties' is missing the mandatory 'name' configuration");
    EXPECT_EQ(err("name=a\nbad=\\u12\n", "c.properties"), "c.properties:2: malformed \\uxxxx encoding");
    // An empty file is an empty properties file.
    EXPECT_EQ(err("", "e.properties"),
              "Connector configuration at 'e.properties' is missing the mandatory 'name' configuration");
}

TEST(connector_file, malformed_json_names_file_and_position) {
    EXPECT_EQ(err("{\n  \"name\": \"a\",\n  \"topic\" \"t\"\n}\n", "bad.json"),
              "Connector configuration at 'bad.json' is not a valid connector definition: Missing a colon after a name "
              "of object member. (line 3, column 11)");
    EXPECT_THAT(err("{\"name\":\"a\",}", "trailing.json"), HasSubstr("at 'trailing.json' is not a valid connector"));
    // Text after the JSON value is ignored, as Jackson ignores it.
    EXPECT_EQ(ok("{\"name\":\"a\"} trailing words").name, "a");
    // A UTF-8 BOM is skipped.
    EXPECT_EQ(ok("\xEF\xBB\xBF{\"name\":\"bom\"}").name, "bom");
}

TEST(connector_file, initial_state_names) {
    EXPECT_EQ(parse_initial_state("running"), initial_state::running);
    EXPECT_EQ(parse_initial_state("Paused"), initial_state::paused);
    EXPECT_EQ(parse_initial_state("STARTED"), std::nullopt);
    EXPECT_EQ(initial_state_name(initial_state::stopped), "STOPPED");
}

TEST(connector_file, load_from_disk) {
    auto dir = std::filesystem::temp_directory_path() / ("ferry-connfile-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto json = (dir / "c.json").string();
    std::ofstream(json) << R"({"name":"c","config":{"topics":"t"},"initial_state":"STOPPED"})";
    auto r = load_connector_file(json);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->initial, initial_state::stopped);
    auto missing = load_connector_file((dir / "none.json").string());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, errc::io);
    EXPECT_THAT(missing.error().message, HasSubstr("none.json"));
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace ferry::config
