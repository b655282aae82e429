#include "ferry/config/config_def.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using strings = std::vector<std::string>;

std::string parse_error(const config_def& def, const config_map& props) {
    try {
        def.parse(props);
    } catch (const config_error& e) {
        return e.what();
    }
    return "<no error>";
}

std::string value_error(const std::string& raw, config_type t) {
    try {
        config_def::parse_value("k", raw, t);
    } catch (const config_error& e) {
        return e.what();
    }
    return "<no error>";
}

const config_validation& find(const std::vector<config_validation>& v, const std::string& name) {
    for (const auto& c : v)
        if (c.name == name) return c;
    throw std::runtime_error("no validation entry for " + name);
}

// ---- parse_value: each type ------------------------------------------------------------------

TEST(config_parse_value, boolean_any_case_trimmed) {
    EXPECT_EQ(config_def::parse_value("k", "true", config_type::boolean), config_value(true));
    EXPECT_EQ(config_def::parse_value("k", " TRUE ", config_type::boolean), config_value(true));
    EXPECT_EQ(config_def::parse_value("k", "False", config_type::boolean), config_value(false));
    EXPECT_EQ(value_error("yes", config_type::boolean),
              "Invalid value yes for configuration k: Expected value to be either true or false");
    EXPECT_EQ(value_error("", config_type::boolean),
              "Invalid value  for configuration k: Expected value to be either true or false");
}

TEST(config_parse_value, int_short_long) {
    EXPECT_EQ(config_def::parse_value("k", " 42 ", config_type::int_), config_value(int32_t{42}));
    EXPECT_EQ(config_def::parse_value("k", "-7", config_type::short_), config_value(int32_t{-7}));
    EXPECT_EQ(config_def::parse_value("k", "9223372036854775807", config_type::long_),
              config_value(int64_t{9223372036854775807}));
    EXPECT_EQ(value_error("abc", config_type::int_), "Invalid value abc for configuration k: Not a number of type INT");
    EXPECT_EQ(value_error("2147483648", config_type::int_),
              "Invalid value 2147483648 for configuration k: Not a number of type INT");
    EXPECT_EQ(value_error("32768", config_type::short_),
              "Invalid value 32768 for configuration k: Not a number of type SHORT");
    EXPECT_EQ(value_error("1.5", config_type::long_),
              "Invalid value 1.5 for configuration k: Not a number of type LONG");
    // The message shows the value as given, untrimmed, as Java's does.
    EXPECT_EQ(value_error(" x ", config_type::int_), "Invalid value  x  for configuration k: Not a number of type INT");
    EXPECT_EQ(value_error("", config_type::int_), "Invalid value  for configuration k: Not a number of type INT");
}

TEST(config_parse_value, double_) {
    EXPECT_EQ(config_def::parse_value("k", "0.5", config_type::double_), config_value(0.5));
    EXPECT_EQ(config_def::parse_value("k", "3", config_type::double_), config_value(3.0));
    EXPECT_EQ(value_error("x1", config_type::double_),
              "Invalid value x1 for configuration k: Not a number of type DOUBLE");
}

TEST(config_parse_value, string_class_password) {
    EXPECT_EQ(config_def::parse_value("k", "  hello world \n", config_type::string), config_value(std::string("hello world")));
    EXPECT_EQ(config_def::parse_value("k", " org.Foo ", config_type::class_), config_value(std::string("org.Foo")));
    // Java trims passwords too: new Password(trimmed).
    EXPECT_EQ(config_def::parse_value("k", " s3cret ", config_type::password), config_value(password{"s3cret"}));
}

TEST(config_parse_value, list_split_on_commas_with_whitespace) {
    auto list = [](const std::string& raw) {
        return std::get<strings>(config_def::parse_value("k", raw, config_type::list));
    };
    EXPECT_THAT(list(""), IsEmpty());
    EXPECT_THAT(list("   "), IsEmpty());
    EXPECT_THAT(list("a"), ElementsAre("a"));
    EXPECT_THAT(list(" a , b,c "), ElementsAre("a", "b", "c"));
    EXPECT_THAT(list("a,,b"), ElementsAre("a", "", "b"));
    EXPECT_THAT(list("a,"), ElementsAre("a", ""));
    EXPECT_THAT(list(",a"), ElementsAre("", "a"));
    EXPECT_THAT(list("a b, c\td"), ElementsAre("a b", "c\td"));
}

TEST(config_to_raw, forms) {
    EXPECT_EQ(config_def::to_raw(std::monostate{}, config_type::string), std::nullopt);
    EXPECT_EQ(config_def::to_raw(true, config_type::boolean), "true");
    EXPECT_EQ(config_def::to_raw(int32_t{5}, config_type::int_), "5");
    EXPECT_EQ(config_def::to_raw(int64_t{-5}, config_type::long_), "-5");
    EXPECT_EQ(config_def::to_raw(1.0, config_type::double_), "1.0");
    EXPECT_EQ(config_def::to_raw(strings{"a", "b"}, config_type::list), "a,b");
    EXPECT_EQ(config_def::to_raw(strings{}, config_type::list), "");
    EXPECT_EQ(config_def::to_raw(password{"pw"}, config_type::password), "[hidden]");
    EXPECT_EQ(config_def::to_raw(password{"pw"}, config_type::password, true), "pw");
    EXPECT_EQ(config_def::to_raw(std::string("pw"), config_type::password), "[hidden]");
}

TEST(config_display, java_to_string) {
    EXPECT_EQ(display(std::monostate{}), "null");
    EXPECT_EQ(display(strings{"a", "b"}), "[a, b]");
    EXPECT_EQ(display(password{"x"}), "[hidden]");
    EXPECT_EQ(display(2.0), "2.0");
    EXPECT_EQ(invalid_value("k", int32_t{3}, "bad"), "Invalid value 3 for configuration k: bad");
}

TEST(config_names, java_enum_names) {
    EXPECT_EQ(type_name(config_type::int_), "INT");
    EXPECT_EQ(type_name(config_type::class_), "CLASS");
    EXPECT_EQ(type_name(config_type::password), "PASSWORD");
    EXPECT_EQ(importance_name(importance::high), "HIGH");
    EXPECT_EQ(width_name(width::long_), "LONG");
    EXPECT_EQ(width_name(width::short_), "SHORT");
}

// ---- parse: required, defaults, null defaults ------------------------------------------------

config_def file_def() {
    return config_def()
        .define({.name = "topic", .type = config_type::string, .def = no_default, .imp = importance::high})
        .define({.name = "file", .type = config_type::string, .def = null_default, .imp = importance::high})
        .define({.name = "batch.size",
                 .type = config_type::int_,
                 .def = "2000",
                 .valid = validators::at_least(1),
                 .imp = importance::low});
}

TEST(config_parse, required_default_and_null_default) {
    auto def = file_def();
    auto v = def.parse({{"topic", " orders "}});
    EXPECT_EQ(v.get_string("topic"), "orders");
    EXPECT_TRUE(v.is_null("file"));
    EXPECT_EQ(v.get_string("file"), "");
    EXPECT_EQ(v.get_string_opt("file"), std::nullopt);
    EXPECT_EQ(v.get_int("batch.size"), 2000);
    EXPECT_EQ(parse_error(def, {}), "Missing required configuration \"topic\" which has no default value.");
    EXPECT_EQ(parse_error(def, {{"topic", "t"}, {"batch.size", "abc"}}),
              "Invalid value abc for configuration batch.size: Not a number of type INT");
    EXPECT_EQ(parse_error(def, {{"topic", "t"}, {"batch.size", "0"}}),
              "Invalid value 0 for configuration batch.size: Value must be at least 1");
}

TEST(config_parse, originals_keep_undefined_keys) {
    auto v = file_def().parse({{"topic", "t"}, {"producer.acks", "all"}, {"producer.", "x"}, {"other", "1"}});
    EXPECT_EQ(v.originals().size(), 4u);
    EXPECT_EQ(v.originals_with_prefix("producer."), (config_map{{"acks", "all"}}));
    EXPECT_EQ(v.originals_with_prefix("producer.", false), (config_map{{"producer.acks", "all"}}));
    EXPECT_EQ(with_prefix_stripped(v.originals(), "oth"), (config_map{{"er", "1"}}));
}

TEST(config_parse, getters_check_types) {
    auto def = config_def()
                   .define({.name = "b", .type = config_type::boolean, .def = "TRUE"})
                   .define({.name = "s", .type = config_type::short_, .def = "3"})
                   .define({.name = "l", .type = config_type::long_, .def = "-1"})
                   .define({.name = "d", .type = config_type::double_, .def = "0.25"})
                   .define({.name = "ls", .type = config_type::list, .def = "x, y"})
                   .define({.name = "nl", .type = config_type::list, .def = null_default})
                   .define({.name = "p", .type = config_type::password, .def = null_default})
                   .define({.name = "c", .type = config_type::class_, .def = "org.Foo"});
    auto v = def.parse({{"p", "pw"}});
    EXPECT_TRUE(v.get_bool("b"));
    EXPECT_EQ(v.get_int("s"), 3);
    EXPECT_EQ(v.get_long("l"), -1);
    EXPECT_EQ(v.get_long("s"), 3); // INT widens
    EXPECT_EQ(v.get_double("d"), 0.25);
    EXPECT_THAT(v.get_list("ls"), ElementsAre("x", "y"));
    EXPECT_THAT(v.get_list("nl"), IsEmpty());
    EXPECT_EQ(v.get_password("p")->secret, "pw");
    EXPECT_EQ(v.get_string("c"), "org.Foo");
    EXPECT_THROW(v.get_int("b"), config_error);
    EXPECT_THROW(v.get_string("l"), config_error);
    EXPECT_THROW(v.get_bool("nope"), config_error);
    EXPECT_THROW(v.get_int("nl"), config_error);
    EXPECT_EQ(v.get_long_opt("nl"), std::nullopt);
    try {
        v.get_bool("nope");
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "Unknown configuration 'nope'");
    }
}

TEST(config_define, bad_tables_throw_as_java) {
    config_def def;
    def.define({.name = "a", .type = config_type::int_, .def = "1"});
    EXPECT_THROW(def.define({.name = "a", .type = config_type::int_, .def = "1"}), config_error);
    try {
        config_def().define({.name = "x", .type = config_type::int_, .def = "zero"});
        FAIL();
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "Invalid value zero for configuration x: Not a number of type INT");
    }
    try {
        config_def().define({.name = "x", .type = config_type::int_, .def = "0", .valid = validators::at_least(1)});
        FAIL();
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "Invalid value 0 for configuration x: Value must be at least 1");
    }
    // A null default meets a built-in range as in Java's ConfigKey constructor.
    EXPECT_THROW(
        config_def().define({.name = "x", .type = config_type::int_, .def = null_default, .valid = validators::at_least(1)}),
        config_error);
}

TEST(config_define, display_name_merge_with_default) {
    auto def = file_def();
    EXPECT_EQ(def.find("topic")->display_name, "topic");
    EXPECT_EQ(def.find("missing"), nullptr);
    auto other = config_def().define({.name = "extra", .type = config_type::boolean, .def = "false"});
    def.merge(other);
    ASSERT_EQ(def.keys().size(), 4u);
    EXPECT_EQ(def.keys().back().name, "extra");
    EXPECT_THROW(def.merge(other), config_error);

    auto changed = def.with_default("batch.size", "10");
    EXPECT_EQ(changed.parse({{"topic", "t"}}).get_int("batch.size"), 10);
    EXPECT_EQ(def.parse({{"topic", "t"}}).get_int("batch.size"), 2000);
    auto required = def.with_default("file", no_default);
    EXPECT_TRUE(required.find("file")->required());
    EXPECT_EQ(*def.default_value("batch.size"), config_value(int32_t{2000}));
    EXPECT_EQ(def.default_value("topic"), nullptr);
    EXPECT_THROW(def.with_default("batch.size", "-1"), config_error);
}

// ---- validators ------------------------------------------------------------------------------

std::optional<std::string> check(const validator& v, const config_value& value) { return v("k", value); }

TEST(config_validators, ranges) {
    EXPECT_EQ(check(validators::at_least(1), int32_t{1}), std::nullopt);
    EXPECT_EQ(check(validators::at_least(1), int32_t{0}), "Invalid value 0 for configuration k: Value must be at least 1");
    EXPECT_EQ(check(validators::at_least(-1), int64_t{-2}),
              "Invalid value -2 for configuration k: Value must be at least -1");
    EXPECT_EQ(check(validators::between(1, 10), int32_t{11}),
              "Invalid value 11 for configuration k: Value must be no more than 10");
    EXPECT_EQ(check(validators::between(1, 10), int32_t{10}), std::nullopt);
    EXPECT_EQ(check(validators::at_least_double(0.0), -0.5),
              "Invalid value -0.5 for configuration k: Value must be at least 0.0");
    EXPECT_EQ(check(validators::between_double(0, 1), 1.5),
              "Invalid value 1.5 for configuration k: Value must be no more than 1.0");
    EXPECT_EQ(check(validators::at_least(1), std::monostate{}),
              "Invalid value null for configuration k: Value must be non-null");
    EXPECT_EQ(check(validators::between(0, INT64_MAX), int64_t{INT64_MAX}), std::nullopt);
}

TEST(config_validators, strings) {
    auto in = validators::one_of({"none", "all"});
    EXPECT_EQ(check(in, std::string("all")), std::nullopt);
    EXPECT_EQ(check(in, std::string("ALL")), "Invalid value ALL for configuration k: String must be one of: none, all");
    EXPECT_EQ(check(in, std::monostate{}), "Invalid value null for configuration k: String must be one of: none, all");
    auto ci = validators::one_of({"none", "all"}, false);
    EXPECT_EQ(check(ci, std::string("ALL")), std::nullopt);
    EXPECT_EQ(check(ci, std::string("x")),
              "Invalid value x for configuration k: String must be one of (case insensitive): NONE, ALL");
    EXPECT_EQ(check(validators::non_empty_string(), std::string("")),
              "Invalid value  for configuration k: String must be non-empty");
    EXPECT_EQ(check(validators::non_empty_string(), std::monostate{}), std::nullopt);
    auto name = validators::non_empty_string_without_control_chars();
    EXPECT_EQ(check(name, std::string("ok name")), std::nullopt);
    EXPECT_EQ(check(name, std::string("")), "Invalid value  for configuration k: String may not be empty");
    EXPECT_EQ(check(name, std::string("a\tb\x7f")),
              "Invalid value a\tb\x7f for configuration k: String may not contain control sequences but had the "
              "following ASCII chars: 9, 127");
    EXPECT_EQ(check(name, std::string("x\xc2\x85")), // U+0085 is an ISO control char
              "Invalid value x\xc2\x85 for configuration k: String may not contain control sequences but had the "
              "following ASCII chars: 133");
    EXPECT_EQ(check(name, std::string("caf\xc3\xa9")), std::nullopt);
    EXPECT_EQ(check(validators::non_null(), std::monostate{}),
              "Invalid value null for configuration k: entry must be non null");
    EXPECT_EQ(check(validators::non_null(), std::string("")), std::nullopt);
}

TEST(config_validators, lists_and_regex) {
    auto in = validators::list_of({"a", "b"});
    EXPECT_EQ(check(in, strings{"a", "b", "a"}), std::nullopt);
    EXPECT_EQ(check(in, strings{}), std::nullopt);
    EXPECT_EQ(check(in, strings{"a", "c"}), "Invalid value c for configuration k: String must be one of: a, b");
    EXPECT_EQ(check(validators::list_of({"a"}, false), strings{}), "Invalid value [] for configuration k: Empty list");
    EXPECT_EQ(check(validators::non_empty_list(), strings{}), "Invalid value [] for configuration k: Empty list");
    EXPECT_EQ(check(validators::non_empty_list(), strings{"x"}), std::nullopt);
    EXPECT_EQ(check(validators::list_max_size(1), strings{"x", "y"}),
              "Invalid value [x, y] for configuration k: exceeds maximum list size of [1].");
    EXPECT_EQ(check(validators::valid_regex(), std::string("topic-.*")), std::nullopt);
    auto bad = check(validators::valid_regex(), std::string("(ab"));
    ASSERT_TRUE(bad);
    EXPECT_THAT(*bad, HasSubstr("Invalid value (ab for configuration k: Invalid regex: "));
}

TEST(config_validators, composite_first_error_wins_and_custom_messages_are_wrapped) {
    auto v = validators::all({validators::non_empty_string(), validators::one_of({"x"})});
    EXPECT_EQ(check(v, std::string("")), "Invalid value  for configuration k: String must be non-empty");
    EXPECT_EQ(check(v, std::string("y")), "Invalid value y for configuration k: String must be one of: x");
    EXPECT_EQ(check(v, std::string("x")), std::nullopt);

    // Hand-written validators: never given null; a bare reason gets Java's frame.
    int calls = 0;
    validator even = [&](const std::string&, const config_value& val) -> std::optional<std::string> {
        ++calls;
        if (std::get<int32_t>(val) % 2) return "must be even";
        return std::nullopt;
    };
    auto def = config_def()
                   .define({.name = "n", .type = config_type::int_, .def = null_default, .valid = even})
                   .define({.name = "m", .type = config_type::int_, .def = "2", .valid = validators::all({even})});
    EXPECT_EQ(parse_error(def, {{"n", "3"}}), "Invalid value 3 for configuration n: must be even");
    EXPECT_TRUE(def.parse({}).is_null("n"));
    EXPECT_EQ(parse_error(def, {{"m", "5"}}), "Invalid value 5 for configuration m: must be even");
}

// ---- validate(): the REST shape ---------------------------------------------------------------

config_def rich_def() {
    return config_def()
        .define({.name = "name",
                 .type = config_type::string,
                 .def = no_default,
                 .valid = validators::non_empty_string_without_control_chars(),
                 .imp = importance::high,
                 .group = "Common"})
        .define({.name = "tasks.max",
                 .type = config_type::int_,
                 .def = "1",
                 .valid = validators::at_least(1),
                 .group = "Common"})
        .define({.name = "secret", .type = config_type::password, .def = null_default, .group = "Security"})
        .define({.name = "errors.tolerance",
                 .type = config_type::string,
                 .def = "none",
                 .valid = validators::one_of({"none", "all"}),
                 .group = "Error Handling",
                 .recommender = [](const std::map<std::string, config_value>&) { return strings{"none", "all"}; }})
        .define({.name = "topics", .type = config_type::list, .def = "", .group = "Common"})
        .define({.name = "ratio", .type = config_type::double_, .def = "1"})
        .define({.name = "hidden.internal", .type = config_type::int_, .def = "1", .internal = true})
        .define({.name = "dlq.topic",
                 .type = config_type::string,
                 .def = "",
                 .group = "Error Handling",
                 .visible = [](const std::map<std::string, config_value>& parsed) {
                     auto it = parsed.find("errors.tolerance");
                     return it != parsed.end() && it->second == config_value(std::string("all"));
                 }});
}

TEST(config_validate, collects_every_error_in_definition_order) {
    auto out = rich_def().validate({{"tasks.max", "abc"}, {"errors.tolerance", "some"}, {"secret", " hunter2 "}});
    std::vector<std::string> names;
    for (auto& c : out) names.push_back(c.name);
    EXPECT_THAT(names, ElementsAre("name", "tasks.max", "secret", "errors.tolerance", "topics", "ratio", "dlq.topic"));

    const auto& name = find(out, "name");
    EXPECT_THAT(name.errors, ElementsAre("Missing required configuration \"name\" which has no default value."));
    EXPECT_EQ(name.value, std::nullopt);

    // Java reports the parse error and then the range check of the resulting null.
    const auto& tasks = find(out, "tasks.max");
    EXPECT_THAT(tasks.errors, ElementsAre("Invalid value abc for configuration tasks.max: Not a number of type INT",
                                          "Invalid value null for configuration tasks.max: Value must be non-null"));
    EXPECT_EQ(tasks.value, std::nullopt);

    const auto& tol = find(out, "errors.tolerance");
    EXPECT_THAT(tol.errors,
                ElementsAre("Invalid value some for configuration errors.tolerance: String must be one of: none, all"));
    EXPECT_EQ(tol.value, "some");
    EXPECT_THAT(tol.recommended_values, ElementsAre("none", "all"));

    const auto& secret = find(out, "secret");
    EXPECT_EQ(secret.value, "[hidden]");
    EXPECT_THAT(secret.errors, IsEmpty());

    EXPECT_EQ(find(out, "topics").value, "");
    EXPECT_EQ(find(out, "ratio").value, "1.0");
    EXPECT_FALSE(find(out, "dlq.topic").visible);
    EXPECT_TRUE(find(out, "topics").visible);
}

TEST(config_validate, values_are_normalised_and_valid_config_has_no_errors) {
    auto out = rich_def().validate(
        {{"name", " c1 "}, {"tasks.max", " 4 "}, {"topics", "a , b"}, {"errors.tolerance", "all"}});
    for (const auto& c : out) EXPECT_THAT(c.errors, IsEmpty()) << c.name;
    EXPECT_EQ(find(out, "name").value, "c1");
    EXPECT_EQ(find(out, "tasks.max").value, "4");
    EXPECT_EQ(find(out, "topics").value, "a,b");
    EXPECT_EQ(find(out, "secret").value, std::nullopt);
    EXPECT_TRUE(find(out, "dlq.topic").visible);
}

TEST(config_validate, password_never_in_messages) {
    auto def = config_def().define({.name = "pw",
                                    .type = config_type::password,
                                    .def = no_default,
                                    .valid = [](const std::string& n, const config_value& v) -> std::optional<std::string> {
                                        if (std::get<password>(v).secret.size() < 8)
                                            return invalid_value(n, v, "too short");
                                        return std::nullopt;
                                    }});
    auto out = def.validate({{"pw", "hunter2"}});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_THAT(out[0].errors, ElementsAre("Invalid value [hidden] for configuration pw: too short"));
    EXPECT_EQ(out[0].value, "[hidden]");
    EXPECT_THAT(parse_error(def, {{"pw", "hunter2"}}), Not(HasSubstr("hunter2")));
}

TEST(config_validate, recommender_errors_and_undefined_dependents) {
    auto def = config_def()
                   .define({.name = "a",
                            .type = config_type::string,
                            .def = "",
                            .dependents = {"b", "ghost"},
                            .recommender = [](const std::map<std::string, config_value>&) -> strings {
                                throw config_error("cannot list values");
                            }})
                   .define({.name = "b", .type = config_type::string, .def = ""});
    auto out = def.validate({});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_THAT(out[0].errors, ElementsAre("cannot list values"));
    EXPECT_EQ(out[2].name, "ghost");
    EXPECT_THAT(out[2].errors, ElementsAre("ghost is referred in the dependents, but not defined."));
    EXPECT_FALSE(out[2].visible);
    EXPECT_EQ(parse_error(def, {}), "Some configurations in are referred in the dependents, but not defined: ghost");
}

TEST(config_def_groups, order_of_first_appearance) {
    EXPECT_THAT(rich_def().groups(), ElementsAre("Common", "Security", "Error Handling"));
    EXPECT_THAT(config_def().groups(), IsEmpty());
}

} // namespace
} // namespace ferry::config
