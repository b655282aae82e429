#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/converters/string/string_converter.hpp"

#include <gtest/gtest.h>

namespace ferry::converters {
namespace {

std::string write(string_converter& c, const schema_ptr& s, const value& v) {
    ferry::headers h;
    std::string out = "stale";
    EXPECT_TRUE(c.from_connect("t", h, s, v, out));
    return out;
}

TEST(string_converter, writes_java_to_string) {
    string_converter c;
    c.configure({}, false);
    EXPECT_EQ(write(c, schemas::string(), value("héllo")), "héllo");
    EXPECT_EQ(write(c, nullptr, value(int32_t(42))), "42");
    EXPECT_EQ(write(c, nullptr, value(1.0e10)), "1.0E10");
    EXPECT_EQ(write(c, nullptr, value(value::map_type{{value("k"), value(true)}})), "{k=true}");
    EXPECT_EQ(write(c, logical::decimal_schema(2), value::bytes(logical::decimal_from_int64(-1250))), "-12.50");
    auto s = schema_builder::struct_().field("a", schemas::int32()).field("b", schemas::optional_string()).build();
    auto st = make_struct(s);
    st->put("a", value(int32_t(1)));
    EXPECT_EQ(write(c, s, value(st)), "Struct{a=1}");
    ferry::headers h;
    std::string out = "stale";
    EXPECT_FALSE(c.from_connect("t", h, schemas::optional_string(), value(), out));
    EXPECT_TRUE(out.empty());
}

TEST(string_converter, reads_optional_strings) {
    string_converter c;
    c.configure({}, true);
    ferry::headers h;
    auto r = c.to_connect("t", h, std::string_view("héllo"));
    EXPECT_EQ(r.schema, schemas::optional_string());
    EXPECT_EQ(r.val, value("héllo"));
    r = c.to_connect("t", h, std::nullopt);
    EXPECT_EQ(r.schema, schemas::optional_string());
    EXPECT_TRUE(r.val.is_null());
    // Malformed UTF-8 becomes U+FFFD, as new String(bytes, UTF_8) does.
    r = c.to_connect("t", h, std::string_view("a\xff" "b\xe2\x82"));
    EXPECT_EQ(r.val, value("a\xef\xbf\xbd" "b\xef\xbf\xbd"));
}

TEST(string_converter, encodings) {
    string_converter latin;
    latin.configure({{"converter.encoding", "iso-8859-1"}}, false);
    EXPECT_EQ(write(latin, schemas::string(), value("é☃")), "\xe9?");
    ferry::headers h;
    EXPECT_EQ(latin.to_connect("t", h, std::string_view("\xe9")).val, value("é"));
    string_converter ascii;
    ascii.configure({{"converter.encoding", "US-ASCII"}}, false);
    EXPECT_EQ(write(ascii, schemas::string(), value("aé")), "a?");
    EXPECT_EQ(ascii.to_connect("t", h, std::string_view("a\xe9")).val, value("a\xef\xbf\xbd"));
    string_converter utf8;
    EXPECT_NO_THROW(utf8.configure({{"converter.encoding", "utf8"}}, false));
    string_converter other;
    EXPECT_THROW(other.configure({{"converter.encoding", "UTF-16"}}, false), config_error);
}

TEST(string_converter, header_and_config) {
    string_converter c;
    c.configure({});
    std::string out;
    EXPECT_TRUE(c.from_connect_header("t", "k", nullptr, value(int64_t(7)), out));
    EXPECT_EQ(out, "7");
    EXPECT_EQ(c.to_connect_header("t", "k", std::string_view("7")).val, value("7"));
    const auto& def = c.config();
    ASSERT_NE(def.find("converter.encoding"), nullptr);
    EXPECT_EQ(def.find("converter.encoding")->def.raw, "UTF-8");
    ASSERT_NE(def.find("converter.type"), nullptr);
}

} // namespace
} // namespace ferry::converters
