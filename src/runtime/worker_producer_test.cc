// The producer a source task gets: Java's worker defaults (spec kafka-connect.md 3.1), translated
// for librdkafka, and what a worker's producer.* and a connector's producer.override.* change.
#include "runtime/worker.hpp"

#include "kafka/client_config.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace ferry;
using namespace ferry::runtime;

namespace {

std::unique_ptr<worker> make_worker(config::config_map raw, const plugin_registry& plugins) {
    raw.emplace("bootstrap.servers", "127.0.0.1:9092");
    raw.emplace("offset.storage.file.filename", "/nonexistent/offsets");
    raw.emplace("key.converter", "org.apache.kafka.connect.json.JsonConverter");
    raw.emplace("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    auto cfg = parse_worker_config(raw, worker_mode::standalone);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    worker_settings s;
    s.plugins = &plugins;
    s.config = std::move(*cfg);
    s.bootstrap_servers = "127.0.0.1:9092";
    return std::make_unique<worker>(std::move(s));
}

std::string get(const kafka::properties& p, const std::string& k) {
    auto it = p.find(k);
    return it == p.end() ? "<unset>" : it->second;
}

} // namespace

// acks=all, no idempotent producer, one request in flight, no delivery time limit: Java's worker
// producer. (The idempotent producer with five in flight, Ferry's earlier default, halved a large
// CDC snapshot's rate with librdkafka 2.0.2: bench/RESULTS.md, 2026-11-24 eighth session.)
TEST(WorkerProducer, DefaultsAreJavasWorkerProducer) {
    plugin_registry plugins;
    auto w = make_worker({}, plugins);
    auto p = w->producer_props("orders", 2, {});
    EXPECT_EQ(get(p, "acks"), "all");
    EXPECT_EQ(get(p, "enable.idempotence"), "false");
    EXPECT_EQ(get(p, "max.in.flight.requests.per.connection"), "1");
    EXPECT_EQ(get(p, "delivery.timeout.ms"), "2147483647");
    EXPECT_EQ(get(p, "client.id"), "connector-producer-orders-2");
    EXPECT_EQ(get(p, "bootstrap.servers"), "127.0.0.1:9092");
    // And librdkafka gets them under its own names.
    auto t = kafka::translate(p, kafka::client_kind::producer);
    EXPECT_EQ(t.settings.at("max.in.flight"), "1");
    EXPECT_EQ(t.settings.at("enable.idempotence"), "false");
    EXPECT_EQ(t.settings.at("message.timeout.ms"), "0"); // no time limit
}

TEST(WorkerProducer, WorkerAndConnectorOverridesWin) {
    plugin_registry plugins;
    auto w = make_worker({{"producer.max.in.flight.requests.per.connection", "3"}}, plugins);
    EXPECT_EQ(get(w->producer_props("c", 0, {}), "max.in.flight.requests.per.connection"), "3");
    auto p = w->producer_props("c", 0, {{"producer.override.enable.idempotence", "true"},
                                        {"producer.override.max.in.flight.requests.per.connection", "5"}});
    EXPECT_EQ(get(p, "enable.idempotence"), "true");
    EXPECT_EQ(get(p, "max.in.flight.requests.per.connection"), "5");
}
