#include "runtime/topic_creation.hpp"

#include "runtime/connector_config.hpp"

#include <gtest/gtest.h>

using namespace ferry;
using namespace ferry::runtime;

namespace {

config::config_map props(std::initializer_list<std::pair<const std::string, std::string>> extra) {
    config::config_map m{{"name", "c"}, {"connector.class", "X"}};
    m.insert(extra);
    return m;
}

topic_creation parse(const config::config_map& p) {
    auto d = source_connector_def();
    add_topic_creation_keys(d, p);
    return topic_creation::from(d.parse(p), p);
}

} // namespace

TEST(TopicCreation, UsesTopicCreationOnlyWithATopicCreationKey) {
    EXPECT_FALSE(uses_topic_creation(props({{"topic", "t"}, {"topic.creationx", "1"}})));
    EXPECT_TRUE(uses_topic_creation(props({{"topic.creation.groups", ""}})));
}

TEST(TopicCreation, DefaultGroupRequiresReplicationFactorAndPartitions) {
    try {
        parse(props({{"topic.creation.default.partitions", "3"}}));
        FAIL();
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "Missing required configuration \"topic.creation.default.replication.factor\" which "
                               "has no default value.");
    }
    try {
        parse(props({{"topic.creation.default.partitions", "0"}, {"topic.creation.default.replication.factor", "1"}}));
        FAIL();
    } catch (const config_error& e) {
        EXPECT_STREQ(e.what(), "Invalid value 0 for configuration topic.creation.default.partitions: Number of "
                               "partitions must be positive, or -1 to use the broker's default");
    }
    auto tc = parse(props({{"topic.creation.default.partitions", "-1"}, {"topic.creation.default.replication.factor", "-1"}}));
    EXPECT_EQ(tc.default_group().partitions, -1);
    EXPECT_EQ(tc.default_group().replication_factor, -1);
}

TEST(TopicCreation, FirstMatchingGroupWinsExcludeBeatsIncludeDefaultIsTheFallback) {
    auto tc = parse(props({{"topic.creation.groups", "a, b, default"},
                           {"topic.creation.default.partitions", "3"},
                           {"topic.creation.default.replication.factor", "1"},
                           {"topic.creation.default.include", "never"}, // ignored for default
                           {"topic.creation.default.compression.type", "lz4"},
                           {"topic.creation.a.include", "m-.*"},
                           {"topic.creation.a.exclude", "m-raw.*,m-x"},
                           {"topic.creation.a.partitions", "5"},
                           {"topic.creation.a.cleanup.policy", "compact"},
                           {"topic.creation.b.include", "m-.*,w-.*"},
                           {"topic.creation.b.replication.factor", "-1"}}));
    ASSERT_EQ(tc.groups().size(), 2u);
    auto& a = tc.group_for("m-cpu");
    EXPECT_EQ(a.name, "a");
    EXPECT_EQ(a.partitions, 5);
    EXPECT_EQ(a.replication_factor, 1); // inherited
    EXPECT_EQ(a.configs, (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
    EXPECT_EQ(tc.group_for("m-raw").name, "b");
    EXPECT_EQ(tc.group_for("m-x").name, "b");
    EXPECT_EQ(tc.group_for("m-xy").name, "a");
    auto& b = tc.group_for("w-1");
    EXPECT_EQ(b.partitions, 3);
    EXPECT_EQ(b.replication_factor, -1);
    EXPECT_TRUE(b.configs.empty());
    auto& d = tc.group_for("never");
    EXPECT_EQ(d.name, "default");
    EXPECT_EQ(d.configs, (std::map<std::string, std::string>{{"compression.type", "lz4"}}));
    EXPECT_EQ(tc.group_for("xm-cpu").name, "default"); // the whole name must match
}

TEST(TopicCreation, DuplicateGroupsAreAConfigError) {
    auto d = source_connector_def();
    auto results = d.validate(props({{"topic.creation.groups", "a,a"}}));
    for (auto& r : results)
        if (r.name == "topic.creation.groups")
            EXPECT_EQ(r.errors, std::vector<std::string>{
                                    "Invalid value [a, a] for configuration topic.creation.groups: Duplicate alias provided."});
}
