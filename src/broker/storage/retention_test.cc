// Retention for cleanup.policy=delete, and DeleteRecords.
#include "broker/storage/test_util.hpp"

#include <filesystem>

using namespace ferry::broker::storage;
using namespace ferry::broker::storage::test;
namespace fs = std::filesystem;

namespace {
size_t count_logs(const std::string& dir) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".log") ++n;
    return n;
}
} // namespace

TEST(retention, by_time_deletes_expired_segments_only) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "2000"}, {"retention.ms", "60000"}}));
    auto log = m->partition("t", 0);
    int64_t now = clk.get();
    // 100 old batches (two hours ago), then 20 recent ones.
    for (int i = 0; i < 100; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i, 1, now - 7'200'000)));
    for (int i = 100; i < 120; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i, 1, now)));
    size_t before = count_logs(d.sub("t-0"));
    int64_t size_before = log->size_bytes();
    m->run_maintenance_now();
    EXPECT_LT(count_logs(d.sub("t-0")), before);
    EXPECT_LT(log->size_bytes(), size_before);
    int64_t start = log->log_start_offset();
    EXPECT_GT(start, 0);
    EXPECT_LE(start, 100);
    EXPECT_TRUE(log->read(0, 1000, INT64_MAX, true).out_of_range);
    auto all = read_all(*log);
    EXPECT_EQ(all.back().offset, 119);
    // Every recent record survived.
    EXPECT_GE(all.size(), 20u);
    EXPECT_EQ(log->log_end_offset(), 120);
}

TEST(retention, rolls_the_active_segment_when_everything_expired) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("t", 1, {{"retention.ms", "1000"}}));
    auto log = m->partition("t", 0);
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i, 1, clk.get())));
    m->run_maintenance_now();
    EXPECT_EQ(log->log_start_offset(), 0);
    clk.advance(5000);
    m->run_maintenance_now();
    EXPECT_EQ(log->log_start_offset(), 10);
    EXPECT_EQ(log->log_end_offset(), 10);
    EXPECT_EQ(log->size_bytes(), 0);
    EXPECT_EQ(count_logs(d.sub("t-0")), 1u); // the fresh, empty active segment
    EXPECT_TRUE(fs::exists(d.sub("t-0/00000000000000000010.log")));
    EXPECT_TRUE(log->read(5, 1000, INT64_MAX, true).out_of_range);
    auto r = append(*log, kv_batch(10, 1, clk.get()));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->base_offset, 10);
    // Nothing more to delete: the empty active segment is never removed.
    m->run_maintenance_now();
    EXPECT_EQ(log->log_end_offset(), 11);
    m->close();
    auto m2 = open_manager(quiet_config(d.path, &clk));
    EXPECT_EQ(m2->partition("t", 0)->log_start_offset(), 10);
    EXPECT_EQ(m2->partition("t", 0)->log_end_offset(), 11);
}

TEST(retention, by_bytes_keeps_the_newest_segments_within_the_limit) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "1000"}, {"retention.bytes", "3000"}}));
    auto log = m->partition("t", 0);
    for (int i = 0; i < 200; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i, 1, clk.get())));
    ASSERT_GT(log->size_bytes(), 10000);
    m->run_maintenance_now();
    // Whole segments go while the log exceeds retention.bytes by at least the oldest one's size.
    EXPECT_GE(log->size_bytes(), 3000);
    EXPECT_LT(log->size_bytes(), 3000 + 1000);
    auto all = read_all(*log);
    EXPECT_EQ(all.back().offset, 199);
    EXPECT_EQ(all.front().offset, log->log_start_offset());
}

TEST(retention, minus_one_keeps_everything_and_compact_only_topics_ignore_time) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("keep", 1, {{"segment.bytes", "1000"}, {"retention.ms", "-1"}}));
    ASSERT_TRUE(
        m->create_topic("c", 1, {{"segment.bytes", "1000"}, {"retention.ms", "1"}, {"cleanup.policy", "compact"}}));
    for (const char* t : {"keep", "c"})
        for (int i = 0; i < 50; ++i)
            ASSERT_TRUE(append(*m->partition(t, 0), kv_batch(i, 1, 1)));
    clk.advance(1'000'000'000);
    m->run_maintenance_now();
    EXPECT_EQ(m->partition("keep", 0)->log_start_offset(), 0);
    EXPECT_EQ(m->partition("c", 0)->log_start_offset(), 0);
    EXPECT_EQ(read_all(*m->partition("keep", 0)).size(), 50u);
}

TEST(retention, delete_records_before_raises_and_persists_the_log_start) {
    temp_dir d;
    fake_clock clk;
    {
        auto m = open_manager(quiet_config(d.path, &clk));
        ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "1000"}}));
        auto log = m->partition("t", 0);
        for (int i = 0; i < 100; ++i)
            ASSERT_TRUE(append(*log, kv_batch(i, 1, clk.get())));
        auto r = log->delete_records_before(42);
        ASSERT_TRUE(r);
        EXPECT_EQ(*r, 42);
        EXPECT_EQ(log->log_start_offset(), 42);
        EXPECT_EQ(*log->delete_records_before(10), 42); // never moves backwards
        auto bad = log->delete_records_before(101);
        ASSERT_FALSE(bad);
        EXPECT_EQ(kafka_error_of(bad.error()), kafka_error::offset_out_of_range);
        EXPECT_TRUE(log->read(41, 1000, INT64_MAX, true).out_of_range);
        auto rd = log->read(42, 1000, INT64_MAX, true);
        EXPECT_EQ(decode(rd.data).front().offset, 42);
        size_t before = count_logs(d.sub("t-0"));
        m->run_maintenance_now(); // segments wholly below 42 go
        EXPECT_LT(count_logs(d.sub("t-0")), before);
        EXPECT_EQ(log->log_start_offset(), 42);
        // The log start survives a crash too (it was checkpointed when raised).
        ASSERT_TRUE(log->delete_records_before(50));
    }
    fs::remove(d.sub(".ferry_cleanshutdown"));
    auto m = open_manager(quiet_config(d.path, &clk));
    auto log = m->partition("t", 0);
    EXPECT_EQ(log->log_start_offset(), 50);
    EXPECT_EQ(read_all(*log).front().offset, 50);
}

TEST(retention, background_thread_applies_retention_on_its_own) {
    temp_dir d;
    fake_clock clk;
    auto c = quiet_config(d.path, &clk);
    c.retention_check_interval_ms = 20;
    auto m = open_manager(c);
    ASSERT_TRUE(m->create_topic("t", 1, {{"retention.ms", "1000"}}));
    auto log = m->partition("t", 0);
    ASSERT_TRUE(append(*log, kv_batch(0, 5, clk.get())));
    clk.advance(10'000);
    for (int i = 0; i < 200 && log->log_start_offset() != 5; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(log->log_start_offset(), 5);
}
