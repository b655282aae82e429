// PostgresConnector configuration: Debezium's keys and defaults, the legacy names and the rules
// across keys.

#include "config.hpp"

#include "ferry/connect/errors.hpp"

#include <gtest/gtest.h>

using namespace ferry;
using namespace ferry::plugins::postgres_cdc;

namespace {
config::config_map base() {
    return {{"database.hostname", "localhost"}, {"database.dbname", "postgres"}, {"topic.prefix", "myserver"}};
}
bool has_error(const config::config_map& m, const std::string& key) {
    for (auto& [k, _] : validate_extra(m))
        if (k == key) return true;
    return false;
}
} // namespace

TEST(pg_config, defaults) {
    auto s = parse_settings(base());
    EXPECT_EQ(s.port, 5432);
    EXPECT_EQ(s.slot_name, "debezium");
    EXPECT_EQ(s.publication_name, "dbz_publication");
    EXPECT_EQ(s.publication_autocreate, autocreate_mode::all_tables);
    EXPECT_EQ(s.snapshot, snapshot_mode::initial);
    EXPECT_EQ(s.decimals, decimal_mode::precise);
    EXPECT_EQ(s.temporal, time_precision::adaptive);
    EXPECT_EQ(s.binary, binary_mode::bytes);
    EXPECT_TRUE(s.tombstones_on_delete);
    EXPECT_TRUE(s.skip_truncate);
    EXPECT_EQ(s.max_batch_size, 2048);
    EXPECT_EQ(s.max_queue_size, 8192);
    EXPECT_EQ(s.poll_interval_ms, 500);
    EXPECT_EQ(s.heartbeat_interval_ms, 0);
    EXPECT_EQ(s.heartbeat_topic_prefix, "__debezium-heartbeat");
    EXPECT_EQ(s.status_update_interval_ms, 10000);
    EXPECT_EQ(s.snapshot_fetch_size, 10240);
    EXPECT_EQ(s.unavailable_placeholder, "__debezium_unavailable_value");
    EXPECT_FALSE(s.provide_transaction_metadata);
}

TEST(pg_config, legacy_server_name_and_never) {
    auto m = base();
    m.erase("topic.prefix");
    m["database.server.name"] = "legacy";
    m["snapshot.mode"] = "never";
    auto s = parse_settings(m);
    EXPECT_EQ(s.topic_prefix, "legacy");
    EXPECT_EQ(s.snapshot, snapshot_mode::no_data);
    m.erase("database.server.name");
    EXPECT_TRUE(has_error(m, "topic.prefix"));
    EXPECT_THROW(parse_settings(m), config_error);
}

TEST(pg_config, plugin_name) {
    auto m = base();
    m["plugin.name"] = "pgoutput";
    EXPECT_NO_THROW(parse_settings(m));
    for (const char* p : {"decoderbufs", "wal2json"}) {
        m["plugin.name"] = p;
        try {
            parse_settings(m);
            FAIL() << p;
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find("pgoutput"), std::string::npos);
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
        }
    }
}

TEST(pg_config, cross_key_rules) {
    auto m = base();
    m["table.include.list"] = "public.a";
    m["table.exclude.list"] = "public.b";
    EXPECT_TRUE(has_error(m, "table.exclude.list"));
    m = base();
    m["max.batch.size"] = "100";
    m["max.queue.size"] = "100";
    EXPECT_TRUE(has_error(m, "max.queue.size"));
    m = base();
    m["topic.prefix"] = "bad prefix";
    EXPECT_TRUE(has_error(m, "topic.prefix"));
    m = base();
    m["slot.name"] = "Bad-Slot";
    EXPECT_THROW(parse_settings(m), config_error);
    m = base();
    m["snapshot.mode"] = "exported";
    EXPECT_THROW(parse_settings(m), config_error);
}

TEST(pg_config, dynamic_column_rules_and_lists) {
    auto m = base();
    m["column.mask.with.5.chars"] = "public.t.secret, public.u.pw";
    m["column.mask.hash.SHA-256.with.salt.pepper"] = "public.t.email";
    m["column.truncate.to.3.chars"] = "public.t.name";
    m["table.include.list"] = "public.customers,public.orders";
    m["skipped.operations"] = "none";
    auto s = parse_settings(m);
    ASSERT_EQ(s.column_rules.size(), 3u);
    EXPECT_EQ(s.table_include.size(), 2u);
    EXPECT_FALSE(s.skip_truncate);
    bool mask = false, hash = false, trunc = false;
    for (auto& r : s.column_rules) {
        if (r.k == column_rule::mask) {
            mask = true;
            EXPECT_EQ(r.length, 5);
            EXPECT_EQ(r.patterns.size(), 2u);
        }
        if (r.k == column_rule::hash) {
            hash = true;
            EXPECT_EQ(r.algorithm, "SHA-256");
            EXPECT_EQ(r.salt, "pepper");
        }
        if (r.k == column_rule::truncate) trunc = r.length == 3;
    }
    EXPECT_TRUE(mask && hash && trunc);
}

TEST(pg_config, unsupported_settings_are_named_for_a_warning) {
    auto m = base();
    EXPECT_TRUE(unsupported_settings(m).empty());
    // Their defaults ask for nothing unsupported.
    m["snapshot.max.threads"] = "1";
    m["lsn.flush.mode"] = "connector";
    m["read.only"] = "false";
    m["converters"] = "";
    EXPECT_TRUE(unsupported_settings(m).empty());
    m["signal.data.collection"] = "public.debezium_signal";
    m["converters"] = "boolean";
    m["snapshot.max.threads"] = "4";
    auto w = unsupported_settings(m);
    ASSERT_EQ(w.size(), 3u);
    EXPECT_EQ(w[0], "signal.data.collection=public.debezium_signal is not supported by Ferry and is ignored: signals and "
                    "incremental/blocking snapshots are not implemented");
    EXPECT_NE(w[1].find("converters=boolean"), std::string::npos);
    EXPECT_NE(w[2].find("snapshot.max.threads=4"), std::string::npos);
}
