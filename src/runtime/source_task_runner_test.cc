// The source runner against Ferry's broker (in-process, in memory): every record reaches the
// task's commit_record() intact and in order with its Kafka offset, and the committed source
// offset is the last record's. The runner keeps polled batches alive until their last record is
// acknowledged and destroys them elsewhere; these tests catch a record freed (or an offset taken)
// too early, with and without poll-ahead, across many batches.

#include "broker/broker.hpp"
#include "runtime/offset_codec.hpp"
#include "runtime/source_task_runner.hpp"
#include "storage/offset_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

namespace ferry {
void register_json(plugin_registry& r);
void register_string(plugin_registry& r);
void register_simple_header(plugin_registry& r);
} // namespace ferry

namespace ferry::runtime {
namespace {

struct commit_log {
    std::mutex mu;
    struct entry {
        std::string topic, value;
        int64_t kafka_offset = -1;
    };
    std::vector<entry> entries;
    std::string format_seen; // the task's record_format converters, "" when none was offered
    size_t size() {
        std::lock_guard l(mu);
        return entries.size();
    }
};
commit_log* g_log = nullptr;

std::string value_of(int64_t i) { return "record number " + std::to_string(i) + " with a heap-sized payload"; }
std::string key_of(int64_t i) { return "k" + std::to_string(i); } // short: inside the record itself

// Emits `total` records in batches of `batch` (odd sizes, so batches end anywhere), one shared
// source partition, offset {"i": n} per record; `topics` > 1 alternates topics between batches.
class counting_task : public source_task {
public:
    std::string version() const override { return "test"; }
    bool poll_concurrently() const override { return _concurrent; }
    void start(const config_map& c) override {
        _total = std::stoll(c.at("total"));
        _batch = std::stoll(c.at("batch"));
        _topics = std::stoi(c.at("topics"));
        _concurrent = c.at("concurrent") == "true";
        // "encoded": write the records' bytes directly (record_format), when the runner allows it.
        auto format = context().output_format();
        _encoded = c.count("encoded") && format != nullptr;
        if (format) _format_seen = format->key_converter + " " + format->value_converter;
        value::map_type p;
        p.emplace_back(value("source"), value("counting"));
        _partition = value(std::move(p));
    }
    void poll(std::vector<source_record>& out) override {
        if (_next >= _total) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return;
        }
        std::string topic = "counting-" + std::to_string(_polls++ % _topics);
        for (int64_t k = 0; k < _batch && _next < _total; k++, _next++) {
            auto& r = out.emplace_back();
            r.topic = topic;
            if (_encoded) {
                r.encoded = true;
                r.key = value::bytes(key_of(_next));
                r.val = value::bytes(value_of(_next));
            } else {
                r.value_schema = schemas::string();
                r.val = value(value_of(_next));
            }
            r.source_partition = _partition;
            value::map_type o;
            o.emplace_back(value("i"), value(_next));
            r.source_offset = value(std::move(o));
        }
    }
    void commit_record(const source_record& r, const record_metadata* md) override {
        std::lock_guard l(g_log->mu);
        g_log->entries.push_back({r.topic, r.encoded ? r.val.as_bytes() : r.val.as_string(), md ? md->offset : -1});
        g_log->format_seen = _format_seen;
    }
    void stop() override {}

private:
    int64_t _total = 0, _batch = 0, _next = 0, _polls = 0;
    int _topics = 1;
    bool _concurrent = false, _encoded = false;
    std::string _format_seen;
    shared_value _partition;
};

struct no_status : status_listener {
    std::mutex mu;
    std::string failure;
    void on_connector_state(const std::string&, state, const std::string&) override {}
    void on_task_state(const task_id&, state s, const std::string& trace) override {
        std::lock_guard l(mu);
        if (s == state::failed) failure = trace;
    }
};

class source_runner_test : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        register_json(_plugins);
        register_string(_plugins);
        register_simple_header(_plugins);
        _plugins.add_source_task("test.CountingTask", [] { return std::make_unique<counting_task>(); });
        _dir = std::filesystem::temp_directory_path() / ("ferry-runner-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(_dir);
        broker::broker_config bc;
        bc.listener = "127.0.0.1:0";
        bc.log_dir = _dir.string();
        bc.in_memory = true;
        auto b = broker::broker::start(bc);
        ASSERT_TRUE(b) << b.error().message;
        _broker = std::move(*b);
        g_log = &_log;
    }
    void TearDown() override {
        g_log = nullptr;
        if (_broker) _broker->stop();
        std::filesystem::remove_all(_dir);
    }

    // Runs the task until commit_record() saw `stop_after` records (or 60 s), then stops it.
    void run(int64_t total, int64_t batch, int topics, int64_t stop_after = -1, bool encoded = false) {
        if (stop_after < 0) stop_after = total;
        source_task_settings s;
        s.task_class = "test.CountingTask";
        s.task_config = {{"total", std::to_string(total)},
                         {"batch", std::to_string(batch)},
                         {"topics", std::to_string(topics)},
                         {"concurrent", GetParam() ? "true" : "false"}};
        if (encoded) s.task_config["encoded"] = "true";
        s.producer_props = {{"bootstrap.servers", _broker->bootstrap_servers()},
                            {"acks", "all"},
                            {"enable.idempotence", "true"},
                            // Small producer batches: many requests and acknowledgements.
                            {"batch.num.messages", "97"}};
        s.offset_flush_interval_ms = 100;
        task_plugins tp;
        tp.key_converter = _plugins.make_converter("org.apache.kafka.connect.storage.StringConverter");
        tp.key_converter->configure({}, true);
        tp.value_converter = _plugins.make_converter("org.apache.kafka.connect.storage.StringConverter");
        tp.value_converter->configure({}, false);
        tp.key_converter_class = tp.value_converter_class = "org.apache.kafka.connect.storage.StringConverter";
        tp.header_conv = _plugins.make_header_converter("org.apache.kafka.connect.storage.SimpleHeaderConverter");
        tp.header_conv->configure({});
        auto runner = std::make_shared<source_task_runner>(task_id{"counting", 0}, _status, target_state::started, _plugins,
                                                           std::move(s), std::move(tp), _offsets);
        runner->start();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (_log.size() < size_t(stop_after) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            std::lock_guard l(_status.mu);
            ASSERT_TRUE(_status.failure.empty()) << _status.failure;
        }
        runner->stop();
        ASSERT_TRUE(runner->await_stop(std::chrono::steady_clock::now() + std::chrono::seconds(30)));
    }

    int64_t committed_offset() {
        offset_codec codec(_plugins);
        value::map_type p;
        p.emplace_back(value("source"), value("counting"));
        auto stored = _offsets->get(codec.encode_key("counting", value(std::move(p))));
        if (!stored) return -1;
        auto v = codec.decode_value(std::string_view(*stored));
        auto* i = v.map_get("i");
        return i ? i->to_int64() : -1;
    }

    plugin_registry _plugins;
    std::filesystem::path _dir;
    std::unique_ptr<broker::broker> _broker;
    std::shared_ptr<storage::memory_offset_store> _offsets = std::make_shared<storage::memory_offset_store>();
    no_status _status;
    commit_log _log;
};

TEST_P(source_runner_test, every_record_reaches_commit_record_intact_and_in_order) {
    const int64_t total = 20011;
    run(total, 1013, 1);
    std::lock_guard l(_log.mu);
    ASSERT_EQ(_log.entries.size(), size_t(total));
    for (int64_t i = 0; i < total; i++) {
        auto& e = _log.entries[size_t(i)];
        ASSERT_EQ(e.value, value_of(i)) << "record " << i;
        ASSERT_EQ(e.topic, "counting-0");
        ASSERT_EQ(e.kafka_offset, i) << "record " << i; // one partition, sent in order
    }
    EXPECT_EQ(committed_offset(), total - 1);
}

TEST_P(source_runner_test, topics_changing_between_batches_keep_their_records_and_offsets) {
    const int64_t total = 6007, batch = 331;
    run(total, batch, 3);
    std::lock_guard l(_log.mu);
    ASSERT_EQ(_log.entries.size(), size_t(total));
    // Acknowledgements of different topics may interleave; within a topic they come in order.
    std::vector<int> seen(size_t(total), 0);
    int64_t next_offset[3] = {0, 0, 0};
    for (auto& e : _log.entries) {
        int64_t i = std::stoll(e.value.substr(std::string("record number ").size()));
        ASSERT_TRUE(i >= 0 && i < total) << e.value;
        ASSERT_EQ(e.value, value_of(i));
        seen[size_t(i)]++;
        int t = int((i / batch) % 3);
        ASSERT_EQ(e.topic, "counting-" + std::to_string(t)) << "record " << i;
        ASSERT_EQ(e.kafka_offset, next_offset[t]++) << "record " << i;
    }
    for (int64_t i = 0; i < total; i++) ASSERT_EQ(seen[size_t(i)], 1) << "record " << i;
    EXPECT_EQ(committed_offset(), total - 1);
}

// Stopped mid-stream (with batches polled ahead and one partly sent): the final commit waits for
// what was sent, so the committed offset is exactly the last record commit_record() saw, and those
// records are a gap-free prefix.
TEST_P(source_runner_test, a_stop_mid_stream_commits_exactly_what_was_acknowledged) {
    run(5000000, 1013, 1, 30000);
    std::lock_guard l(_log.mu);
    ASSERT_GE(_log.entries.size(), 30000u);
    ASSERT_LT(_log.entries.size(), 5000000u);
    for (size_t i = 0; i < _log.entries.size(); i++) {
        ASSERT_EQ(_log.entries[i].value, value_of(int64_t(i))) << "record " << i;
        ASSERT_EQ(_log.entries[i].kafka_offset, int64_t(i)) << "record " << i;
    }
    EXPECT_EQ(committed_offset(), int64_t(_log.entries.size()) - 1);
}

// Records the task wrote in bytes (source_record::encoded) reach Kafka exactly as written, keys
// and values, although librdkafka reads them in place (no copy): every record is read back from
// the broker and compared, over many small producer batches.
TEST_P(source_runner_test, encoded_records_reach_kafka_as_written) {
    const int64_t total = 20011;
    run(total, 1013, 1, -1, true);
    {
        std::lock_guard l(_log.mu);
        ASSERT_EQ(_log.format_seen,
                  "org.apache.kafka.connect.storage.StringConverter org.apache.kafka.connect.storage.StringConverter");
        ASSERT_EQ(_log.entries.size(), size_t(total));
        for (int64_t i = 0; i < total; i++) ASSERT_EQ(_log.entries[size_t(i)].value, value_of(i)) << "record " << i;
    }
    auto c = kafka::consumer::create({{"bootstrap.servers", _broker->bootstrap_servers()}, {"group.id", "reader"}},
                                     nullptr, "test-reader");
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_TRUE((*c)->assign({{kafka::tp{"counting-0", 0}, 0}}));
    std::vector<kafka::message_ptr> got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (got.size() < size_t(total) && std::chrono::steady_clock::now() < deadline)
        ASSERT_TRUE((*c)->poll_batch(200, 10000, got));
    ASSERT_EQ(got.size(), size_t(total));
    for (int64_t i = 0; i < total; i++) {
        auto& m = *got[size_t(i)];
        ASSERT_EQ(std::string_view(static_cast<const char*>(m.key), m.key_len), key_of(i)) << "record " << i;
        ASSERT_EQ(std::string_view(static_cast<const char*>(m.payload), m.len), value_of(i)) << "record " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(poll_ahead, source_runner_test, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "poll_ahead" : "task_thread_poll"; });

} // namespace
} // namespace ferry::runtime
