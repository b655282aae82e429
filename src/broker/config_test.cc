#include "broker/broker.hpp"
#include "broker/properties.hpp"

#include <gtest/gtest.h>

namespace ferry::broker {
namespace {

TEST(properties, java_syntax) {
    auto p = parse_properties("# comment\n! also\n  a = 1\nb:2\nc 3\nd=line\\\n   continued\ne=tab\\there\\u0041\nf=\n"
                              "key\\=with\\:seps = v\nempty\n\r\ng=crlf\r\n");
    EXPECT_EQ(p.at("a"), "1");
    EXPECT_EQ(p.at("b"), "2");
    EXPECT_EQ(p.at("c"), "3");
    EXPECT_EQ(p.at("d"), "linecontinued");
    EXPECT_EQ(p.at("e"), "tab\thereA");
    EXPECT_EQ(p.at("f"), "");
    EXPECT_EQ(p.at("key=with:seps"), "v");
    EXPECT_EQ(p.at("empty"), "");
    EXPECT_EQ(p.at("g"), "crlf");
    EXPECT_EQ(p.count("# comment"), 0u);
}

TEST(broker_config, server_properties_keys) {
    auto c = broker_config_from_properties({
        {"listeners", "CONTROLLER://:9093,PLAINTEXT://0.0.0.0:19092"},
        {"advertised.listeners", "PLAINTEXT://kafka.example:19092"},
        {"log.dirs", "/data/a,/data/b"},
        {"node.id", "3"},
        {"num.partitions", "6"},
        {"log.retention.hours", "24"},
        {"log.retention.bytes", "1000000"},
        {"log.segment.bytes", "1048576"},
        {"auto.create.topics.enable", "false"},
        {"log.flush.interval.messages", "1"},
        {"log.flush.interval.ms", "500"},
        {"group.initial.rebalance.delay.ms", "0"},
        {"ferry.replication.factor.clamp", "false"},
        {"zookeeper.connect", "ignored:2181"},
    });
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->listener, "PLAINTEXT://0.0.0.0:19092");
    EXPECT_EQ(c->advertised, "PLAINTEXT://kafka.example:19092");
    EXPECT_EQ(c->log_dir, "/data/a");
    EXPECT_EQ(c->node_id, 3);
    EXPECT_EQ(c->num_partitions, 6);
    EXPECT_EQ(c->storage.default_partitions, 6);
    EXPECT_EQ(c->storage.defaults.retention_ms, 24LL * 3600000);
    EXPECT_EQ(c->storage.defaults.retention_bytes, 1000000);
    EXPECT_EQ(c->storage.defaults.segment_bytes, 1048576);
    EXPECT_EQ(c->storage.defaults.flush_messages, 1);
    EXPECT_EQ(c->storage.defaults.flush_ms, 500);
    EXPECT_FALSE(c->auto_create_topics);
    EXPECT_FALSE(c->clamp_replication_factor);
    EXPECT_EQ(c->group_initial_rebalance_delay_ms, 0);
    // ms wins over minutes wins over hours; broker.id works too.
    auto d =
        broker_config_from_properties({{"log.retention.hours", "1"}, {"log.retention.ms", "1234"}, {"broker.id", "9"}});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->storage.defaults.retention_ms, 1234);
    EXPECT_EQ(d->node_id, 9);
    EXPECT_FALSE(broker_config_from_properties({{"num.partitions", "many"}}));
    EXPECT_FALSE(broker_config_from_properties({{"auto.create.topics.enable", "yes"}}));
}

TEST(broker_config, start_rejects_bad_listeners_and_missing_log_dir) {
    broker_config c;
    c.listener = "no-port";
    c.in_memory = true;
    EXPECT_FALSE(broker::start(c));
    broker_config d;
    d.listener = "127.0.0.1:0";
    EXPECT_FALSE(broker::start(d)); // no log dir
}

} // namespace
} // namespace ferry::broker
