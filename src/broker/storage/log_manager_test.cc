// Topic lifecycle and configuration through log_manager.
#include "broker/storage/test_util.hpp"

#include <filesystem>
#include <fstream>

using namespace ferry::broker::storage;
using namespace ferry::broker::storage::test;
namespace fs = std::filesystem;

namespace {
std::map<std::string, std::string> described(const topic_config& c) {
    std::map<std::string, std::string> m;
    for (auto& [k, v] : c.describe())
        m[k] = v;
    return m;
}
} // namespace

TEST(topic_config, defaults_match_kafka) {
    topic_config c;
    auto d = described(c);
    EXPECT_EQ(d.at("cleanup.policy"), "delete");
    EXPECT_EQ(d.at("compression.type"), "producer");
    EXPECT_EQ(d.at("delete.retention.ms"), "86400000");
    EXPECT_EQ(d.at("file.delete.delay.ms"), "60000");
    EXPECT_EQ(d.at("flush.messages"), "9223372036854775807");
    EXPECT_EQ(d.at("flush.ms"), "9223372036854775807");
    EXPECT_EQ(d.at("index.interval.bytes"), "4096");
    EXPECT_EQ(d.at("max.compaction.lag.ms"), "9223372036854775807");
    EXPECT_EQ(d.at("max.message.bytes"), "1048588");
    EXPECT_EQ(d.at("message.timestamp.type"), "CreateTime");
    EXPECT_EQ(d.at("message.timestamp.before.max.ms"), "9223372036854775807");
    EXPECT_EQ(d.at("message.timestamp.after.max.ms"), "9223372036854775807");
    EXPECT_EQ(d.at("min.cleanable.dirty.ratio"), "0.5");
    EXPECT_EQ(d.at("min.compaction.lag.ms"), "0");
    EXPECT_EQ(d.at("min.insync.replicas"), "1");
    EXPECT_EQ(d.at("preallocate"), "false");
    EXPECT_EQ(d.at("retention.bytes"), "-1");
    EXPECT_EQ(d.at("retention.ms"), "604800000");
    EXPECT_EQ(d.at("segment.bytes"), "1073741824");
    EXPECT_EQ(d.at("segment.index.bytes"), "10485760");
    EXPECT_EQ(d.at("segment.jitter.ms"), "0");
    EXPECT_EQ(d.at("segment.ms"), "604800000");
    EXPECT_EQ(d.at("unclean.leader.election.enable"), "false");
    EXPECT_EQ(d.size(), topic_config::known_keys().size());
    EXPECT_TRUE(c.overrides.empty());
}

TEST(topic_config, set_validates_and_records_overrides) {
    topic_config c;
    ASSERT_TRUE(c.set("cleanup.policy", "compact, delete"));
    EXPECT_TRUE(c.cleanup_compact);
    EXPECT_TRUE(c.cleanup_delete);
    EXPECT_EQ(described(c).at("cleanup.policy"), "compact,delete");
    ASSERT_TRUE(c.set("retention.ms", "-1"));
    ASSERT_TRUE(c.set("min.cleanable.dirty.ratio", "0.01"));
    ASSERT_TRUE(c.set("message.timestamp.type", "LogAppendTime"));
    ASSERT_TRUE(c.set("preallocate", "true")); // accepted, described, not acted upon
    EXPECT_EQ(described(c).at("preallocate"), "true");
    EXPECT_EQ(described(c).at("min.cleanable.dirty.ratio"), "0.01");
    EXPECT_TRUE(c.log_append_time);
    EXPECT_EQ(c.overrides.size(), 5u);
    for (auto [k, v] : std::vector<std::pair<const char*, const char*>>{{"retention.ms", "-2"},
                                                                        {"retention.ms", "soon"},
                                                                        {"segment.bytes", "10"},
                                                                        {"cleanup.policy", "compact,shred"},
                                                                        {"min.cleanable.dirty.ratio", "1.5"},
                                                                        {"compression.type", "brotli"},
                                                                        {"message.timestamp.type", "Now"},
                                                                        {"max.message.bytes", "99999999999"},
                                                                        {"no.such.key", "1"}}) {
        auto r = c.set(k, v);
        ASSERT_FALSE(r) << k << "=" << v;
        EXPECT_EQ(kafka_error_of(r.error()), kafka_error::invalid_config) << r.error().message;
        EXPECT_NE(r.error().message.find(k), std::string::npos) << r.error().message;
    }
    EXPECT_EQ(c.retention_ms, -1); // failed sets change nothing
}

TEST(log_manager, create_describe_alter_and_persist_topics) {
    temp_dir d;
    auto cfg = quiet_config(d.path);
    cfg.defaults.retention_ms = 3600000; // a broker-level default (log.retention.ms)
    {
        auto m = open_manager(cfg);
        ASSERT_TRUE(m->create_topic("plain", 3, {}));
        ASSERT_TRUE(m->create_topic("compacted", 1, {{"cleanup.policy", "compact"}, {"segment.ms", "100000"}}));
        auto dup = m->create_topic("plain", 1, {});
        ASSERT_FALSE(dup);
        EXPECT_EQ(dup.error().kind, ferry::errc::already_exists);
        EXPECT_EQ(kafka_error_of(dup.error()), kafka_error::topic_already_exists);
        auto badcfg = m->create_topic("x", 1, {{"retention.ms", "abc"}});
        ASSERT_FALSE(badcfg);
        EXPECT_EQ(kafka_error_of(badcfg.error()), kafka_error::invalid_config);
        EXPECT_FALSE(m->topic_exists("x"));
        EXPECT_FALSE(fs::exists(d.sub("x-0")));
        EXPECT_EQ(kafka_error_of(m->create_topic("bad/name", 1, {}).error()), kafka_error::invalid_topic_exception);
        EXPECT_EQ(kafka_error_of(m->create_topic("", 1, {}).error()), kafka_error::invalid_topic_exception);
        EXPECT_EQ(kafka_error_of(m->create_topic("zero", 0, {}).error()), kafka_error::invalid_partitions);
        ASSERT_TRUE(m->create_topic("dflt", -1, {}));
        EXPECT_EQ(m->partition_count("dflt"), 1);

        EXPECT_EQ(m->topics(), (std::vector<std::string>{"compacted", "dflt", "plain"}));
        EXPECT_EQ(m->partition_count("plain"), 3);
        EXPECT_FALSE(m->partition_count("nope"));
        EXPECT_EQ(m->partition("plain", 3), nullptr);
        EXPECT_EQ(m->partition("nope", 0), nullptr);
        for (int p = 0; p < 3; ++p)
            EXPECT_TRUE(fs::is_directory(d.sub("plain-" + std::to_string(p))));

        auto c = m->config_of("compacted");
        ASSERT_TRUE(c);
        EXPECT_TRUE(c->cleanup_compact);
        EXPECT_FALSE(c->cleanup_delete);
        EXPECT_EQ(c->retention_ms, 3600000); // broker default applies where the topic is silent
        EXPECT_EQ(c->overrides.size(), 2u);
        EXPECT_EQ(described(*c).at("retention.ms"), "3600000");

        // Incremental: set one, delete another (back to the broker default).
        ASSERT_TRUE(m->alter_topic_config("compacted",
                                          {{"min.compaction.lag.ms", "5000"}, {"segment.ms", std::nullopt}}, true));
        c = m->config_of("compacted");
        EXPECT_TRUE(c->cleanup_compact);
        EXPECT_EQ(c->min_compaction_lag_ms, 5000);
        EXPECT_EQ(c->segment_ms, 604800000);
        EXPECT_EQ(c->overrides.count("segment.ms"), 0u);
        // The live partition sees the new config.
        EXPECT_EQ(kafka_error_of(append(*m->partition("compacted", 0),
                                        [] {
                                            record_batch_builder b;
                                            b.add(std::nullopt, "keyless");
                                            return b.build();
                                        }())
                                     .error()),
                  kafka_error::invalid_record);
        // Full (AlterConfigs): replaces every override.
        ASSERT_TRUE(m->alter_topic_config("plain", {{"retention.bytes", "1000000"}}, false));
        ASSERT_TRUE(m->alter_topic_config("plain", {{"segment.bytes", "500000"}}, false));
        EXPECT_EQ(m->config_of("plain")->retention_bytes, -1);
        EXPECT_EQ(m->config_of("plain")->segment_bytes, 500000);
        EXPECT_EQ(kafka_error_of(m->alter_topic_config("plain", {{"segment.bytes", "1"}}, true).error()),
                  kafka_error::invalid_config);
        EXPECT_EQ(m->config_of("plain")->segment_bytes, 500000);
        EXPECT_EQ(m->alter_topic_config("nope", {}, true).error().kind, ferry::errc::not_found);

        ASSERT_TRUE(m->add_partitions("plain", 5));
        EXPECT_EQ(m->partition_count("plain"), 5);
        EXPECT_TRUE(m->partition("plain", 4));
        EXPECT_EQ(kafka_error_of(m->add_partitions("plain", 5).error()), kafka_error::invalid_partitions);
        ASSERT_TRUE(append(*m->partition("plain", 4), kv_batch(0, 3, 1000)));
    }
    auto m = open_manager(cfg);
    EXPECT_EQ(m->topics(), (std::vector<std::string>{"compacted", "dflt", "plain"}));
    EXPECT_EQ(m->partition_count("plain"), 5);
    EXPECT_EQ(m->partition("plain", 4)->log_end_offset(), 3);
    auto c = m->config_of("compacted");
    EXPECT_TRUE(c->cleanup_compact);
    EXPECT_EQ(c->min_compaction_lag_ms, 5000);
    EXPECT_EQ(m->config_of("plain")->segment_bytes, 500000);
    // A changed broker default reaches topics that do not override it.
    m->close();
    cfg.defaults.retention_ms = 7200000;
    auto m2 = open_manager(cfg);
    EXPECT_EQ(m2->config_of("plain")->retention_ms, 7200000);
}

TEST(log_manager, delete_topic_removes_its_directories_and_the_name_is_reusable) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 2, {}));
    auto held = m->partition("t", 0); // a request still holding the partition
    ASSERT_TRUE(append(*held, kv_batch(0, 5, 1000)));
    ASSERT_TRUE(m->delete_topic("t"));
    EXPECT_FALSE(m->topic_exists("t"));
    EXPECT_EQ(m->partition("t", 0), nullptr);
    for (const auto& e : fs::directory_iterator(d.path))
        EXPECT_EQ(e.path().filename().string().rfind("t-", 0), std::string::npos) << e.path();
    auto late = append(*held, kv_batch(0, 1, 1000));
    ASSERT_FALSE(late);
    EXPECT_EQ(kafka_error_of(late.error()), kafka_error::unknown_topic_or_partition);
    EXPECT_EQ(m->delete_topic("t").error().kind, ferry::errc::not_found);
    ASSERT_TRUE(m->create_topic("t", 1, {}));
    EXPECT_EQ(m->partition("t", 0)->log_end_offset(), 0);
    m->close();
    auto m2 = open_manager(quiet_config(d.path));
    EXPECT_EQ(m2->partition_count("t"), 1);
    EXPECT_EQ(m2->partition("t", 0)->log_end_offset(), 0);
}

TEST(log_manager, orphan_directories_are_removed_at_open) {
    temp_dir d;
    {
        auto m = open_manager(quiet_config(d.path));
        ASSERT_TRUE(m->create_topic("t", 1, {}));
    }
    // Leftovers of crashes: a deleted topic's renamed dir, a partition beyond the count, a
    // partition of an unknown topic.
    fs::create_directories(d.sub("t-0.0123456789abcdef-delete"));
    fs::create_directories(d.sub("t-3"));
    fs::create_directories(d.sub("ghost-0"));
    std::ofstream(d.sub("ghost-0/00000000000000000000.log")) << "x";
    auto m = open_manager(quiet_config(d.path));
    EXPECT_TRUE(fs::exists(d.sub("t-0")));
    EXPECT_FALSE(fs::exists(d.sub("t-0.0123456789abcdef-delete")));
    EXPECT_FALSE(fs::exists(d.sub("t-3")));
    EXPECT_FALSE(fs::exists(d.sub("ghost-0")));
    EXPECT_EQ(m->topics(), std::vector<std::string>{"t"});
}

TEST(log_manager, checkpoint_files_use_kafkas_format) {
    temp_dir d;
    {
        auto m = open_manager(quiet_config(d.path));
        ASSERT_TRUE(m->create_topic("a", 2, {}));
        ASSERT_TRUE(append(*m->partition("a", 1), kv_batch(0, 7, 1000)));
    }
    std::ifstream in(d.sub("recovery-point-offset-checkpoint"));
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(all, "0\n2\na 0 0\na 1 7\n");
    EXPECT_TRUE(fs::exists(d.sub("log-start-offset-checkpoint")));
}

TEST(log_manager, periodic_flush_advances_the_recovery_point_in_the_background) {
    temp_dir d;
    auto c = quiet_config(d.path);
    c.flush_scheduler_interval_ms = 20;
    c.periodic_flush_ms = 50;
    auto m = open_manager(c);
    ASSERT_TRUE(m->create_topic("t", 1, {}));
    auto log = m->partition("t", 0);
    ASSERT_TRUE(append(*log, kv_batch(0, 10, 1000)));
    EXPECT_EQ(log->recovery_point(), 0);
    for (int i = 0; i < 300 && log->recovery_point() < 10; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(log->recovery_point(), 10);
}

TEST(log_manager, flush_ms_is_honoured) {
    temp_dir d;
    auto c = quiet_config(d.path);
    c.flush_scheduler_interval_ms = 20;
    auto m = open_manager(c); // periodic floor off in quiet_config: only flush.ms acts
    ASSERT_TRUE(m->create_topic("t", 1, {{"flush.ms", "30"}}));
    ASSERT_TRUE(m->create_topic("u", 1, {}));
    ASSERT_TRUE(append(*m->partition("t", 0), kv_batch(0, 10, 1000)));
    ASSERT_TRUE(append(*m->partition("u", 0), kv_batch(0, 10, 1000)));
    for (int i = 0; i < 300 && m->partition("t", 0)->recovery_point() < 10; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(m->partition("t", 0)->recovery_point(), 10);
    EXPECT_EQ(m->partition("u", 0)->recovery_point(), 0);
}

TEST(log_manager, a_log_dir_is_opened_by_one_manager_at_a_time) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    auto second = log_manager::open(quiet_config(d.path));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, ferry::errc::conflict);
    m->close();
    auto third = log_manager::open(quiet_config(d.path));
    EXPECT_TRUE(third);
}
