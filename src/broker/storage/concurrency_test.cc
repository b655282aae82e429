// One appender, several readers: readers only ever see whole, valid batches with contiguous
// offsets, while segments roll, the background thread flushes and retention deletes.
#include "broker/storage/test_util.hpp"

#include <mutex>
#include <thread>

using namespace ferry::broker::storage;
using namespace ferry::broker::storage::test;

TEST(concurrency, readers_never_see_partial_batches) {
    temp_dir d;
    auto c = quiet_config(d.path);
    c.flush_scheduler_interval_ms = 5;
    c.periodic_flush_ms = 5;
    c.retention_check_interval_ms = 5;
    auto m = open_manager(c);
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "65536"}, {"retention.bytes", "1000000"}}));
    auto log = m->partition("t", 0);
    constexpr int64_t total_batches = 20000;
    std::atomic<bool> done{false};
    std::atomic<int64_t> failures{0}, batches_seen{0}, reads{0};
    std::mutex why_mu;
    std::string why; // the first failure, for the report
    auto failed = [&](std::string what) {
        ++failures;
        std::lock_guard lk(why_mu);
        if (why.empty()) why = std::move(what);
    };

    auto reader = [&](int id) {
        int64_t next = 0;
        while (true) {
            bool finished = done.load();
            auto r = log->read(next, 1 << 16, INT64_MAX, true);
            ++reads;
            if (r.out_of_range) {
                // Retention moved the start past us: continue from the start, as a client would.
                next = r.log_start_offset;
                continue;
            }
            size_t p = 0;
            while (p < r.data.size()) {
                if (r.data.size() - p < batch_layout::header_size) {
                    failed("partial header at byte " + std::to_string(p));
                    break;
                }
                batch_view v{r.data.data() + p};
                if (p + size_t(v.size()) > r.data.size() ||
                    !check_batch_integrity(std::string_view(r.data.data() + p, size_t(v.size())))) {
                    failed("partial or corrupt batch at offset " + std::to_string(v.base_offset()));
                    break;
                }
                if (v.last_offset() < next || (v.base_offset() > next && next != 0)) {
                    failed("asked " + std::to_string(next) + ", got batch " + std::to_string(v.base_offset()) + ".." +
                           std::to_string(v.last_offset()));
                    break;
                }
                next = v.next_offset();
                p += size_t(v.size());
                ++batches_seen;
            }
            if (r.high_watermark < next) failed("read past the high watermark"); // never beyond the published end
            if (finished && next >= log->log_end_offset()) break;
        }
        (void)id;
    };
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i)
        readers.emplace_back(reader, i);

    for (int64_t i = 0; i < total_batches; ++i) {
        int n = 1 + int(i % 13);
        auto r = append(*log, kv_batch(int(i), n, 1000 + i, i % 5 == 0 ? codec::lz4 : codec::none));
        ASSERT_TRUE(r) << r.error().message;
    }
    done = true;
    for (auto& t : readers)
        t.join();
    EXPECT_EQ(failures.load(), 0) << why;
    // Readers may lag behind retention on a loaded machine (they then jump to the log start, as a
    // client does), so how many batches they saw is not fixed; that they saw some and reached the
    // end (the loop's exit condition) is.
    EXPECT_GT(batches_seen.load(), 0);
    m->run_maintenance_now();
    EXPECT_GT(log->log_start_offset(), 0);
    EXPECT_LE(log->size_bytes(), 1000000 + 65536);
}

TEST(concurrency, parallel_appends_to_one_partition_are_serialised) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "30000"}}));
    auto log = m->partition("t", 0);
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([&, w] {
            for (int i = 0; i < 500; ++i) {
                auto r = append(*log, kv_batch(w * 1000 + i, 3, 1000));
                EXPECT_TRUE(r);
            }
        });
    for (auto& t : writers)
        t.join();
    EXPECT_EQ(log->log_end_offset(), 4 * 500 * 3);
    auto all = read_all(*log);
    ASSERT_EQ(all.size(), size_t(6000));
    for (size_t i = 0; i < all.size(); ++i)
        ASSERT_EQ(all[i].offset, int64_t(i));
}

TEST(concurrency, compaction_runs_while_appending_and_reading) {
    temp_dir d;
    auto c = quiet_config(d.path);
    c.cleaner_backoff_ms = 5;
    auto m = open_manager(c);
    ASSERT_TRUE(m->create_topic(
        "c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "8192"}, {"min.cleanable.dirty.ratio", "0.1"}}));
    auto log = m->partition("c", 0);
    std::atomic<bool> done{false};
    std::atomic<int64_t> failures{0};
    std::thread reader([&] {
        while (!done.load()) {
            // Replay from the start like a Connect worker reading its config topic.
            int64_t next = log->log_start_offset();
            while (next < log->log_end_offset()) {
                auto r = log->read(next, 1 << 16, INT64_MAX, true);
                if (r.out_of_range || r.data.empty()) break;
                size_t p = 0;
                while (p < r.data.size()) {
                    batch_view v{r.data.data() + p};
                    if (!check_batch_integrity(std::string_view(r.data.data() + p, size_t(v.size()))) ||
                        v.last_offset() < next)
                        ++failures;
                    next = v.next_offset();
                    p += size_t(v.size());
                }
            }
        }
    });
    for (int i = 0; i < 3000; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i, 10, 1000, codec::none, 50)));
    done = true;
    reader.join();
    m->run_maintenance_now();
    EXPECT_EQ(failures.load(), 0);
    auto all = read_all(*log);
    std::map<std::string, std::string> vals;
    for (auto& r : all)
        vals[*r.key] = *r.value;
    EXPECT_EQ(vals.size(), 50u);
    EXPECT_EQ(vals["k9"], "v2959"); // batch i writes k((i+j)%50)=v(i+j), j<10: k9 last got 2959
    EXPECT_LT(all.size(), 5000u);
}
