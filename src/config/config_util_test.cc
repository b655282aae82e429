#include "config/config_util.hpp"

#include <gtest/gtest.h>

#include <array>

namespace ferry::config {
namespace {

TEST(config_util, originals_with_prefix) {
    config_map m{{"producer.acks", "all"}, {"producer.", "x"}, {"producerx", "y"}, {"consumer.a", "1"}};
    EXPECT_EQ(originals_with_prefix(m, "producer."), (config_map{{"acks", "all"}}));
    EXPECT_EQ(originals_with_prefix(m, "producer.", false), (config_map{{"producer.acks", "all"}}));
    EXPECT_EQ(originals_with_prefix(m, "nothing."), config_map{});
}

TEST(config_util, split_by_longest_prefix) {
    config_map m{{"producer.acks", "all"},
                 {"producer.override.linger.ms", "5"},
                 {"consumer.override.auto.offset.reset", "latest"},
                 {"consumer.max.poll.records", "10"},
                 {"admin.override.", "ignored-as-bare-prefix"},
                 {"topics", "t"}};
    constexpr std::array<std::string_view, 6> prefixes{producer_prefix,          consumer_prefix,
                                                       admin_prefix,             producer_override_prefix,
                                                       consumer_override_prefix, admin_override_prefix};
    auto s = split_by_prefix(m, prefixes);
    EXPECT_EQ(s[producer_prefix], (config_map{{"acks", "all"}}));
    EXPECT_EQ(s[producer_override_prefix], (config_map{{"linger.ms", "5"}}));
    EXPECT_EQ(s[consumer_override_prefix], (config_map{{"auto.offset.reset", "latest"}}));
    EXPECT_EQ(s[consumer_prefix], (config_map{{"max.poll.records", "10"}}));
    // "admin.override." itself is not under "admin.override." but it is a key under "admin.".
    EXPECT_EQ(s[admin_prefix], (config_map{{"override.", "ignored-as-bare-prefix"}}));
    EXPECT_TRUE(s[admin_override_prefix].empty());
    EXPECT_EQ(s.rest, (config_map{{"topics", "t"}}));
    EXPECT_TRUE(s["unknown."].empty());
}

TEST(config_util, mask_passwords_for_logging) {
    auto def = config_def()
                   .define({.name = "connection.password", .type = config_type::password, .def = null_default})
                   .define({.name = "connection.user", .type = config_type::string, .def = null_default})
                   .define({.name = "ssl.key.password", .type = config_type::password, .def = null_default});
    config_map m{{"connection.password", "hunter2"},
                 {"connection.user", "app"},
                 {"producer.ssl.key.password", "k3y"},
                 {"producer.connection.user", "u"},
                 {"undefined", "v"}};
    constexpr std::array<std::string_view, 1> prefixes{producer_prefix};
    auto masked = mask_passwords(m, def, prefixes);
    EXPECT_EQ(masked.at("connection.password"), "[hidden]");
    EXPECT_EQ(masked.at("connection.user"), "app");
    EXPECT_EQ(masked.at("producer.ssl.key.password"), "[hidden]");
    EXPECT_EQ(masked.at("producer.connection.user"), "u");
    EXPECT_EQ(masked.at("undefined"), "v");
    EXPECT_EQ(mask_passwords(m, def).at("producer.ssl.key.password"), "k3y");
}

} // namespace
} // namespace ferry::config
