#include "config/properties.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace ferry::config {
namespace {

using kv = std::vector<std::pair<std::string, std::string>>;

kv parse(std::string_view text) {
    auto r = parse_properties(text, "test.properties");
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    kv out;
    if (r)
        for (const auto& e : r->entries()) out.emplace_back(e.key, e.value);
    return out;
}

std::string parse_error(std::string_view text, std::string_view source = "worker.properties") {
    auto r = parse_properties(text, source);
    if (r) return "<no error>";
    EXPECT_EQ(r.error().kind, errc::invalid_argument);
    return r.error().message;
}

TEST(properties, separators) {
    EXPECT_EQ(parse("a=1\nb:2\nc 3\nd\t4\ne\f5\n"),
              (kv{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}));
    // Blanks around the separator go; one '=' or ':' after blanks is the separator too.
    EXPECT_EQ(parse("a = 1\nb  :  2\nc   =\n"), (kv{{"a", "1"}, {"b", "2"}, {"c", ""}}));
    // Only the first separator counts; later ones belong to the value.
    EXPECT_EQ(parse("url=http://h:8083/x=y\n"), (kv{{"url", "http://h:8083/x=y"}}));
    EXPECT_EQ(parse("a = = b\n"), (kv{{"a", "= b"}}));
    EXPECT_EQ(parse("a :=b\n"), (kv{{"a", "=b"}}));
    EXPECT_EQ(parse("a b c\n"), (kv{{"a", "b c"}}));
    // Trailing blanks of a value are kept.
    EXPECT_EQ(parse("a=1  \n"), (kv{{"a", "1  "}}));
}

TEST(properties, empty_values_and_keys) {
    EXPECT_EQ(parse("a\nb=\nc:\n=v\n:w\n"), (kv{{"a", ""}, {"b", ""}, {"c", ""}, {"", "w"}}));
}

TEST(properties, comments_and_blank_lines) {
    EXPECT_EQ(parse("# comment\n! also\n   # indented\n\n   \n\t\na=1 # not a comment\n"),
              (kv{{"a", "1 # not a comment"}}));
    // A comment ending in a backslash does not continue.
    EXPECT_EQ(parse("# comment \\\na=1\n"), (kv{{"a", "1"}}));
    EXPECT_EQ(parse("#only"), kv{});
    EXPECT_EQ(parse(""), kv{});
}

TEST(properties, continuations) {
    EXPECT_EQ(parse("list=a,\\\n     b,\\\n\t c\n"), (kv{{"list", "a,b,c"}}));
    // Leading blanks of the continuation go, inner blanks stay.
    EXPECT_EQ(parse("a=x \\\n  y\n"), (kv{{"a", "x y"}}));
    // An escaped backslash at the end does not continue the line.
    EXPECT_EQ(parse("path=C:\\\\dir\\\\\nnext=1\n"), (kv{{"path", "C:\\dir\\"}, {"next", "1"}}));
    // Three backslashes: one literal, then a continuation.
    EXPECT_EQ(parse("a=x\\\\\\\ny\n"), (kv{{"a", "x\\y"}}));
    // A continuation line starting with '#' is not a comment.
    EXPECT_EQ(parse("a=1\\\n#2\n"), (kv{{"a", "1#2"}}));
    // An empty continuation line ends the logical line.
    EXPECT_EQ(parse("a=1\\\n\nb=2\n"), (kv{{"a", "1"}, {"b", "2"}}));
    // Continuation in the key.
    EXPECT_EQ(parse("ke\\\n  y=v\n"), (kv{{"key", "v"}}));
    // Backslash at end of file is dropped.
    EXPECT_EQ(parse("a=1\\"), (kv{{"a", "1"}}));
    EXPECT_EQ(parse("a=1\\\n"), (kv{{"a", "1"}}));
    // A line that is only a continuation backslash: what follows starts a new logical line,
    // which may even be a comment (Java checks for comments while the line is still empty).
    EXPECT_EQ(parse("\\\n#x\na=1\n"), (kv{{"a", "1"}}));
}

TEST(properties, crlf_and_cr_line_ends) {
    EXPECT_EQ(parse("a=1\r\nb=2\r\n# c\r\nd=x\\\r\n  y\r\n"), (kv{{"a", "1"}, {"b", "2"}, {"d", "xy"}}));
    EXPECT_EQ(parse("a=1\rb=2\r"), (kv{{"a", "1"}, {"b", "2"}}));
}

TEST(properties, escapes) {
    EXPECT_EQ(parse("a=tab\\there\\nnew\\rcr\\fff\n"), (kv{{"a", "tab\there\nnew\rcr\fff"}}));
    EXPECT_EQ(parse("a=\\q\\\\\\=\\:\\#\\!\\ \n"), (kv{{"a", "q\\=:#! "}}));
    EXPECT_EQ(parse("key\\ with\\ spaces = value\n"), (kv{{"key with spaces", "value"}}));
    EXPECT_EQ(parse("k\\=ey\\:x=v\n"), (kv{{"k=ey:x", "v"}}));
    EXPECT_EQ(parse("\\#notcomment=1\n"), (kv{{"#notcomment", "1"}}));
    // A leading escaped blank in the value is kept.
    EXPECT_EQ(parse("a=\\  x\n"), (kv{{"a", "  x"}}));
}

TEST(properties, unicode_escapes) {
    EXPECT_EQ(parse("a=\\u0041\\u00e9\\u20AC\n"), (kv{{"a", "A\xc3\xa9\xe2\x82\xac"}}));
    // A surrogate pair becomes one 4-byte UTF-8 sequence.
    EXPECT_EQ(parse("a=\\uD83D\\uDE00\n"), (kv{{"a", "\xf0\x9f\x98\x80"}}));
    // Lone surrogates come out as '?', as Java's UTF-8 encoder writes them.
    EXPECT_EQ(parse("a=\\uD83Dx\\uDE00\n"), (kv{{"a", "?x?"}}));
    EXPECT_EQ(parse("\\u006b=v\n"), (kv{{"k", "v"}}));
    // Raw UTF-8 passes through.
    EXPECT_EQ(parse("name=caf\xc3\xa9\n"), (kv{{"name", "caf\xc3\xa9"}}));
}

TEST(properties, malformed_unicode_names_file_and_line) {
    EXPECT_EQ(parse_error("a=1\n\n# c\nb=\\u12G4\n"), "worker.properties:4: malformed \\uxxxx encoding");
    EXPECT_EQ(parse_error("a=\\u12"), "worker.properties:1: malformed \\uxxxx encoding");
    // The line of the escape itself, inside a continued logical line.
    EXPECT_EQ(parse_error("a=x,\\\n  y,\\\n  \\uzzzz\n", "c.properties"), "c.properties:3: malformed \\uxxxx encoding");
    EXPECT_EQ(parse_error("a=1\r\nb=2\r\n\\uXYZW=3\r\n"), "worker.properties:3: malformed \\uxxxx encoding");
}

TEST(properties, duplicates_last_wins_and_order_kept) {
    auto r = parse_properties("b=1\na=2\nb=3\n", "x");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ(r->entries()[0].key, "b");
    EXPECT_EQ(r->entries()[0].value, "3");
    EXPECT_EQ(r->entries()[0].line, 3);
    EXPECT_EQ(r->entries()[1].key, "a");
    EXPECT_EQ(*r->get("b"), "3");
    EXPECT_EQ(r->get("zz"), nullptr);
    EXPECT_EQ(r->to_map(), (config_map{{"a", "2"}, {"b", "3"}}));
    properties p = *r;
    EXPECT_TRUE(p.erase("b"));
    EXPECT_FALSE(p.erase("b"));
    EXPECT_EQ(p.entries().size(), 1u);
    EXPECT_EQ(*p.get("a"), "2");
}

TEST(properties, line_numbers_of_entries) {
    auto r = parse_properties("\n# x\na=1\nb=2\\\n 3\nc=4\n", "x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->find("a")->line, 3);
    EXPECT_EQ(r->find("b")->line, 4);
    EXPECT_EQ(r->find("c")->line, 6);
}

TEST(properties, load_file_and_missing_file) {
    auto dir = std::filesystem::temp_directory_path() / ("ferry-props-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "worker.properties").string();
    std::ofstream(path) << "bootstrap.servers=localhost:9092\nkey.converter=org.apache.kafka.connect.json.JsonConverter\n";
    auto r = load_properties(path);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r->get("bootstrap.servers"), "localhost:9092");

    std::ofstream(path) << "ok=1\nbad=\\u00\n";
    auto bad = load_properties(path);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, path + ":2: malformed \\uxxxx encoding");

    auto missing = load_properties((dir / "nope.properties").string());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, errc::io);
    EXPECT_THAT(missing.error().message, ::testing::HasSubstr("nope.properties"));
    std::filesystem::remove_all(dir);
}

TEST(properties_store, escapes_as_java) {
    properties p;
    p.set("key with spaces", " leading space");
    p.set("a=b:c", "x#y!z");
    p.set("ctl", "t\tn\nr\rf\f");
    p.set("path", "C:\\dir");
    p.set("uni", "caf\xc3\xa9 \xf0\x9f\x98\x80");
    EXPECT_EQ(store_properties(p),
              "key\\ with\\ spaces=\\ leading space\n"
              "a\\=b\\:c=x\\#y\\!z\n"
              "ctl=t\\tn\\nr\\rf\\f\n"
              "path=C\\:\\\\dir\n"
              "uni=caf\\u00E9 \\uD83D\\uDE00\n");
    EXPECT_EQ(store_properties(config_map{{"u", "\xc3\xa9"}}, {.escape_unicode = false}), "u=\xc3\xa9\n");
    EXPECT_EQ(store_properties(config_map{{"a", "1"}}, {.comments = "line one\nline two\n#three"}),
              "#line one\n#line two\n#three\na=1\n");
}

TEST(properties_store, invalid_utf8_survives_store_writer) {
    // Overlong "\f" (C0 8C), a lone continuation byte and a UTF-8 surrogate: kept as raw bytes.
    const std::string odd = "a\xc0\x8c\x9a\xed\xa0\x80z";
    properties p;
    p.set(odd, odd);
    auto back = parse_properties(store_properties(p, {.escape_unicode = false}), "rt");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->to_map(), p.to_map());
    // With \uXXXX escapes each such byte is written as its Latin-1 character.
    EXPECT_EQ(store_properties(config_map{{"k", "\x9a"}}), "k=\\u009A\n");
}

TEST(properties_store, round_trips) {
    std::mt19937 rng(7);
    const std::string alphabet("ab =:#!\\\t\n\r\f\x01~\0", 15);
    for (int i = 0; i < 300; ++i) {
        properties p;
        int n = static_cast<int>(rng() % 5);
        for (int j = 0; j < n; ++j) {
            std::string k, v;
            for (int len = static_cast<int>(rng() % 8); len > 0; --len) k += alphabet[rng() % alphabet.size()];
            for (int len = static_cast<int>(rng() % 8); len > 0; --len) v += alphabet[rng() % alphabet.size()];
            if (rng() % 3 == 0) v += "\xc3\xa9\xe2\x82\xac";
            p.set(k, v);
        }
        for (bool esc : {true, false}) {
            std::string text = store_properties(p, {.escape_unicode = esc});
            auto back = parse_properties(text, "rt");
            ASSERT_TRUE(back) << back.error().message;
            ASSERT_EQ(back->to_map(), p.to_map()) << text;
        }
    }
}

} // namespace
} // namespace ferry::config
