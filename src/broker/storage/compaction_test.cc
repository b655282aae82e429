// Log compaction: latest value per key, preserved offsets, tombstones and delete horizons,
// compressed batches, transactions, producer state, bounded memory, restart.
#include "broker/storage/test_util.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

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

std::string one(const std::string& k, std::optional<std::string> v, int64_t ts) {
    record_batch_builder b;
    b.add(k, v ? std::optional<std::string_view>(*v) : std::nullopt, ts);
    return b.build();
}

// Latest value per key among non-control records, as a consumer replaying the topic sees it.
std::map<std::string, std::optional<std::string>> replay(const std::vector<rec>& recs) {
    std::map<std::string, std::optional<std::string>> m;
    for (const auto& r : recs)
        if (!r.control) m[*r.key] = r.value;
    return m;
}

// Every batch the log returns, raw.
std::vector<std::string> batches(const partition_log& log) {
    std::vector<std::string> out;
    log.scan(0, [&](std::string_view b) {
        out.emplace_back(b);
        return true;
    });
    return out;
}

} // namespace

TEST(compaction, hundred_thousand_updates_over_a_thousand_keys) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "65536"}}));
    auto log = m->partition("c", 0);
    std::map<std::string, std::pair<int64_t, std::string>> latest; // key -> (offset, value)
    for (int b = 0; b < 1000; ++b) {
        record_batch_builder bb;
        bb.default_timestamp(clk.get());
        for (int i = 0; i < 100; ++i) {
            int n = b * 100 + i;
            std::string k = "key-" + std::to_string(n % 1000), v = "value-" + std::to_string(n);
            bb.add(k, v);
            latest[k] = {n, v};
        }
        auto r = append(*log, bb.build());
        ASSERT_TRUE(r);
    }
    // One more record in a fresh segment, so that all 100,000 updates sit in closed segments.
    ASSERT_TRUE(append(*log, kv_batch(0, 1, clk.get(), codec::none, 0, std::string(70000, 'z'))));
    ASSERT_EQ(log->log_end_offset(), 100001);
    size_t segs_before = count_logs(d.sub("c-0"));
    int64_t bytes_before = log->size_bytes();
    ASSERT_GT(segs_before, 20u);

    m->run_maintenance_now();

    auto recs = read_all(*log);
    ASSERT_EQ(recs.size(), 1001u); // one per key, plus the active segment's record
    int64_t prev = -1;
    for (size_t i = 0; i + 1 < recs.size(); ++i) {
        const auto& r = recs[i];
        EXPECT_GT(r.offset, prev);
        prev = r.offset;
        auto it = latest.find(*r.key);
        ASSERT_NE(it, latest.end());
        EXPECT_EQ(r.offset, it->second.first) << *r.key; // offsets preserved
        EXPECT_EQ(*r.value, it->second.second);
    }
    EXPECT_EQ(recs.back().offset, 100000);
    EXPECT_EQ(log->log_start_offset(), 0);
    EXPECT_EQ(log->log_end_offset(), 100001);
    EXPECT_LT(log->size_bytes(), bytes_before / 10);
    EXPECT_EQ(count_logs(d.sub("c-0")), segs_before); // groups are formed from pre-cleaning sizes
    // Reading from any old offset lands on the next surviving batch (gaps are skipped).
    auto r = log->read(5, 1 << 20, INT64_MAX, true);
    EXPECT_FALSE(r.out_of_range);
    EXPECT_GE(batch_view{r.data.data()}.last_offset(), 5);
    // A second pass with nothing new is not due and changes nothing.
    m->run_maintenance_now();
    EXPECT_EQ(read_all(*log).size(), 1001u);
    // New dirty data triggers a pass that also merges the now small segments (as Kafka's
    // groupSegmentsBySize does), still one record per key.
    ASSERT_TRUE(append(*log, kv_batch(0, 1, clk.get(), codec::none, 0, std::string(70000, 'y'))));
    m->run_maintenance_now();
    EXPECT_LT(count_logs(d.sub("c-0")), 6u);
    ASSERT_EQ(read_all(*log).size(), 1002u);
    m->close();
    auto m2 = open_manager(quiet_config(d.path, &clk));
    auto again = read_all(*m2->partition("c", 0));
    ASSERT_EQ(again.size(), 1002u);
    EXPECT_EQ(again[500].offset, recs[500].offset);
    EXPECT_EQ(*again[500].value, *recs[500].value);
}

TEST(compaction, tombstones_are_removed_only_after_delete_retention_ms) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    // segment.bytes this small gives every batch its own segment: the last one stays active.
    ASSERT_TRUE(m->create_topic(
        "c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "100"}, {"delete.retention.ms", "10000"}}));
    auto log = m->partition("c", 0);
    int64_t t = clk.get();
    ASSERT_TRUE(append(*log, one("k1", "a", t)));          // 0
    ASSERT_TRUE(append(*log, one("k2", "b", t)));          // 1
    ASSERT_TRUE(append(*log, one("k3", "c", t)));          // 2
    ASSERT_TRUE(append(*log, one("k2", std::nullopt, t))); // 3 tombstone
    ASSERT_TRUE(append(*log, one("k1", "a2", t)));         // 4
    ASSERT_TRUE(append(*log, one("f", "filler", t)));      // 5 (active)

    m->run_maintenance_now();
    auto recs = read_all(*log);
    std::vector<int64_t> offs;
    for (auto& r : recs)
        offs.push_back(r.offset);
    EXPECT_EQ(offs, (std::vector<int64_t>{2, 3, 4, 5}));
    auto tomb = std::find_if(recs.begin(), recs.end(), [](const rec& r) { return r.offset == 3; });
    EXPECT_FALSE(tomb->value.has_value());
    // The tombstone's batch now carries its delete horizon (KIP-534), the record keeps its time.
    for (const auto& b : batches(*log)) {
        batch_view v{b.data()};
        if (v.base_offset() == 3) {
            EXPECT_TRUE(v.has_delete_horizon());
            EXPECT_EQ(v.base_timestamp(), clk.get() + 10000);
        }
    }
    EXPECT_EQ(tomb->timestamp, t);

    clk.advance(9000);
    m->run_maintenance_now();
    EXPECT_EQ(read_all(*log).size(), 4u); // horizon not reached: the tombstone stays

    clk.advance(2000);
    m->run_maintenance_now();
    recs = read_all(*log);
    offs.clear();
    for (auto& r : recs)
        offs.push_back(r.offset);
    EXPECT_EQ(offs, (std::vector<int64_t>{2, 4, 5}));
    EXPECT_EQ(replay(recs).count("k2"), 0u);
    EXPECT_EQ(log->log_end_offset(), 6);
}

class compaction_codec : public ::testing::TestWithParam<std::pair<codec, bool>> {};

TEST_P(compaction_codec, compressed_batches_are_filtered_and_recompressed_with_the_same_codec) {
    auto [c, xerial] = GetParam();
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "4000"}}));
    auto log = m->partition("c", 0);
    std::map<std::string, std::pair<int64_t, std::string>> latest;
    int n = 0;
    for (int b = 0; b < 60; ++b) {
        record_batch_builder bb;
        bb.compression(c, xerial).default_timestamp(clk.get() + b);
        for (int i = 0; i < 40; ++i, ++n) {
            std::string k = "k" + std::to_string((n * 7) % 30),
                        v = "payload-" + std::to_string(n) + std::string(20, 'p');
            bb.add(k, v);
            latest[k] = {n, v};
        }
        ASSERT_TRUE(append(*log, bb.build()));
    }
    ASSERT_TRUE(append(*log, kv_batch(0, 1, clk.get(), codec::none, 0, std::string(5000, 'z')))); // roll
    m->run_maintenance_now();
    auto recs = read_all(*log);
    ASSERT_EQ(recs.size(), 31u);
    for (size_t i = 0; i + 1 < recs.size(); ++i) {
        auto& want = latest[*recs[i].key];
        EXPECT_EQ(recs[i].offset, want.first);
        EXPECT_EQ(*recs[i].value, want.second);
    }
    for (const auto& b : batches(*log)) {
        batch_view v{b.data()};
        if (v.base_offset() == 2400) continue; // the uncompressed roll batch
        EXPECT_EQ(v.codec(), c);
        EXPECT_TRUE(check_batch_integrity(b));
        if (c == codec::snappy && v.records_count() > 0) {
            EXPECT_EQ(snappy_is_xerial(std::string_view(b).substr(batch_layout::header_size)), xerial);
        }
        // last_offset_delta is kept, so a batch still spans its original 40 offsets
        if (v.last_offset() < 2400) {
            EXPECT_EQ(v.last_offset_delta(), 39);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(all, compaction_codec,
                         ::testing::Values(std::make_pair(codec::none, false), std::make_pair(codec::gzip, false),
                                           std::make_pair(codec::snappy, true), std::make_pair(codec::snappy, false),
                                           std::make_pair(codec::lz4, false), std::make_pair(codec::zstd, false)),
                         [](const auto& info) {
                             return std::string(codec_name(info.param.first)) +
                                    (info.param.first == codec::snappy ? (info.param.second ? "_xerial" : "_raw") : "");
                         });

TEST(compaction, aborted_data_goes_committed_data_stays_markers_expire) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("c", 1,
                                {{"cleanup.policy", "compact"},
                                 {"segment.bytes", "100"},
                                 {"delete.retention.ms", "1000"},
                                 {"min.cleanable.dirty.ratio", "0.01"}}));
    auto log = m->partition("c", 0);
    int64_t t = clk.get();
    auto txn = [&](int64_t pid, int32_t seq, const std::string& k, const std::string& v) {
        record_batch_builder b;
        b.producer(pid, 0, seq).transactional().add(k, v, t);
        return b.build();
    };
    ASSERT_TRUE(append(*log, one("a", "plain", t)));        // 0
    ASSERT_TRUE(append(*log, txn(7, 0, "a", "aborted")));   // 1 pid 7, aborted below
    ASSERT_TRUE(append(*log, txn(8, 0, "b", "committed"))); // 2 pid 8, committed below
    ASSERT_TRUE(append(*log, txn(7, 1, "c", "aborted")));   // 3 pid 7
    ASSERT_TRUE(log->append_marker(7, 0, false, 0, 1));     // 4 ABORT
    ASSERT_TRUE(log->append_marker(8, 0, true, 0, 2));      // 5 COMMIT
    ASSERT_TRUE(append(*log, one("b", "overwritten", t)));  // 6
    ASSERT_TRUE(append(*log, txn(7, 2, "d", "later")));     // 7 pid 7, next transaction
    ASSERT_TRUE(log->append_marker(7, 0, true, 0, 7));      // 8 COMMIT
    ASSERT_TRUE(append(*log, txn(8, 1, "e", "later")));     // 9 pid 8
    ASSERT_TRUE(log->append_marker(8, 0, true, 0, 9));      // 10 COMMIT
    ASSERT_TRUE(append(*log, one("x", "filler", t)));       // 11 (active)
    ASSERT_EQ(log->aborted_between(0, 20).size(), 1u);
    auto layout = [&] {
        std::map<int64_t, std::pair<int32_t, bool>> out; // base -> (records, has horizon)
        for (const auto& b : batches(*log)) {
            batch_view v{b.data()};
            out[v.base_offset()] = {v.records_count(), v.has_delete_horizon()};
        }
        return out;
    };
    auto more_dirt = [&](int i) {
        ASSERT_TRUE(append(*log, one("z", std::to_string(i), clk.get())));
        ASSERT_TRUE(append(*log, one("x", "filler", clk.get())));
    };

    m->run_maintenance_now();
    auto vals = replay(read_all(*log));
    EXPECT_EQ(*vals["a"], "plain"); // the aborted write to "a" neither survives nor shadows it
    EXPECT_EQ(*vals["b"], "overwritten");
    EXPECT_EQ(vals.count("c"), 0u);
    auto l = layout();
    EXPECT_EQ(l.count(1), 0u); // aborted data gone
    EXPECT_EQ(l.count(2), 0u); // committed but superseded
    EXPECT_EQ(l.count(3), 0u);
    // Markers whose transaction's batches were read in this pass stay as they are.
    EXPECT_EQ(l[4], std::make_pair(1, false));
    EXPECT_EQ(l[5], std::make_pair(1, false));

    more_dirt(1);
    clk.advance(500);
    m->run_maintenance_now(); // no data left before 4 and 5: they get a delete horizon
    l = layout();
    EXPECT_EQ(l[4], std::make_pair(1, true));
    EXPECT_EQ(l[5], std::make_pair(1, true));
    EXPECT_EQ(l[8], std::make_pair(1, false)); // its transaction's data (7) is still there
    EXPECT_EQ(log->aborted_between(0, 20).size(), 1u);

    more_dirt(2);
    clk.advance(2000);
    m->run_maintenance_now(); // past the horizon: gone
    l = layout();
    EXPECT_EQ(l.count(4), 0u);
    EXPECT_EQ(l.count(5), 0u);
    EXPECT_EQ(l.count(8), 1u);
    EXPECT_EQ(l.count(10), 1u);
    EXPECT_TRUE(log->aborted_between(0, 20).empty()); // the index entry went with its marker
    vals = replay(read_all(*log));
    EXPECT_EQ(*vals["a"], "plain");
    EXPECT_EQ(*vals["b"], "overwritten");
    EXPECT_EQ(*vals["d"], "later");
    EXPECT_EQ(*vals["e"], "later");
}

TEST(compaction, an_aborted_producers_last_batch_keeps_its_marker) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("c", 1,
                                {{"cleanup.policy", "compact"},
                                 {"segment.bytes", "100"},
                                 {"delete.retention.ms", "0"},
                                 {"min.cleanable.dirty.ratio", "0.01"}}));
    auto log = m->partition("c", 0);
    record_batch_builder b;
    b.producer(7, 0, 0).transactional().add("k", "aborted", clk.get());
    ASSERT_TRUE(append(*log, b.build()));               // 0
    ASSERT_TRUE(log->append_marker(7, 0, false, 0, 0)); // 1 ABORT
    ASSERT_TRUE(append(*log, one("x", "filler", clk.get())));
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(append(*log, one("z", std::to_string(i), clk.get())));
        ASSERT_TRUE(append(*log, one("x", "filler", clk.get())));
        clk.advance(10);
        m->run_maintenance_now();
    }
    // The empty header of producer 7's last batch is transactional: without its ABORT marker a
    // restart would see an open transaction, so both stay (as in Kafka).
    std::map<int64_t, int32_t> counts;
    for (const auto& s : batches(*log))
        counts[batch_view{s.data()}.base_offset()] = batch_view{s.data()}.records_count();
    EXPECT_EQ(counts.at(0), 0);
    EXPECT_EQ(counts.at(1), 1);
    EXPECT_TRUE(replay(read_all(*log)).count("k") == 0);
}

TEST(compaction, an_open_transaction_bounds_the_cleanable_range) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "100"}}));
    auto log = m->partition("c", 0);
    int64_t t = clk.get();
    ASSERT_TRUE(append(*log, one("k", "old", t))); // 0
    ASSERT_TRUE(append(*log, one("j", "j1", t)));  // 1
    ASSERT_TRUE(append(*log, one("j", "j2", t)));  // 2
    record_batch_builder open_txn;
    open_txn.producer(9, 0, 0).transactional().add("k", "uncommitted", t);
    ASSERT_TRUE(append(*log, open_txn.build()));      // 3: no marker yet (LSO = 3)
    ASSERT_TRUE(append(*log, one("j", "j3", t)));     // 4
    ASSERT_TRUE(append(*log, one("x", "filler", t))); // 5 (active)
    m->run_maintenance_now();
    auto recs = read_all(*log);
    std::vector<int64_t> offs;
    for (auto& r : recs)
        offs.push_back(r.offset);
    // Below the LSO, j1 is superseded by j2; "old" must stay: the open write to k could abort.
    // Nothing at or after offset 3 is cleaned, so j2 stays too although j3 exists.
    EXPECT_EQ(offs, (std::vector<int64_t>{0, 2, 3, 4, 5}));
    ASSERT_TRUE(log->append_marker(9, 0, false, 0, 3)); // abort it
    ASSERT_TRUE(append(*log, one("y", "filler2", t)));
    m->run_maintenance_now();
    auto vals = replay(read_all(*log));
    EXPECT_EQ(*vals["k"], "old");
    EXPECT_EQ(*vals["j"], "j3");
}

TEST(compaction, idempotent_producers_keep_their_last_batch_header) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "100"}}));
    auto log = m->partition("c", 0);
    int64_t t = clk.get();
    auto idem = [&](int32_t seq, const std::string& k) {
        record_batch_builder b;
        b.producer(5, 2, seq).add(k, "from-5", t).add(k + "'", "from-5", t);
        return b.build();
    };
    ASSERT_TRUE(append(*log, idem(0, "a")));          // 0-1
    ASSERT_TRUE(append(*log, idem(2, "b")));          // 2-3
    ASSERT_TRUE(append(*log, kv_batch(0, 1, t)));     // 4  (k0)
    ASSERT_TRUE(append(*log, one("a", "x", t)));      // 5
    ASSERT_TRUE(append(*log, one("a'", "x", t)));     // 6
    ASSERT_TRUE(append(*log, one("b", "y", t)));      // 7
    ASSERT_TRUE(append(*log, one("b'", "y", t)));     // 8
    ASSERT_TRUE(append(*log, one("f", "filler", t))); // 9 (active)
    m->run_maintenance_now();
    bool found_header = false;
    for (const auto& b : batches(*log)) {
        batch_view v{b.data()};
        EXPECT_NE(v.base_offset(), 0); // not producer 5's last batch: removed
        if (v.base_offset() == 2) {
            found_header = true;
            EXPECT_EQ(v.records_count(), 0);
            EXPECT_EQ(v.last_offset_delta(), 1);
            EXPECT_EQ(v.producer_id(), 5);
            EXPECT_EQ(v.producer_epoch(), 2);
            EXPECT_EQ(v.base_sequence(), 2);
            EXPECT_TRUE(check_batch_integrity(b));
        }
    }
    EXPECT_TRUE(found_header);
    // Readers step over the empty batch.
    auto vals = replay(read_all(*log));
    EXPECT_EQ(*vals["a"], "x");
    EXPECT_EQ(*vals["b'"], "y");
}

TEST(compaction, dirty_ratio_and_min_compaction_lag_gate_cleaning) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic(
        "lag", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "100"}, {"min.compaction.lag.ms", "60000"}}));
    auto log = m->partition("lag", 0);
    int64_t t = clk.get();
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(append(*log, one("k", "v" + std::to_string(i), t)));
    ASSERT_TRUE(append(*log, one("f", "filler", t)));
    m->run_maintenance_now();
    EXPECT_EQ(read_all(*log).size(), 6u); // too young
    clk.advance(61000);
    m->run_maintenance_now();
    EXPECT_EQ(read_all(*log).size(), 2u);

    // With ratio 0.9, a mostly clean log waits; max.compaction.lag.ms forces it.
    ASSERT_TRUE(m->create_topic(
        "ratio", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "100"}, {"min.cleanable.dirty.ratio", "0.9"}}));
    auto r = m->partition("ratio", 0);
    t = clk.get();
    for (int i = 0; i < 20; ++i)
        ASSERT_TRUE(append(*r, one("u" + std::to_string(i), "v", t)));
    ASSERT_TRUE(append(*r, one("f", "filler", t)));
    m->run_maintenance_now(); // all dirty (ratio 1.0): cleaned, nothing to drop
    ASSERT_TRUE(append(*r, one("u0", "new", t)));
    ASSERT_TRUE(append(*r, one("g", "filler", t)));
    m->run_maintenance_now();
    EXPECT_EQ(read_all(*r).size(), 23u); // dirty share ~2/22 < 0.9
    ASSERT_TRUE(m->alter_topic_config("ratio", {{"max.compaction.lag.ms", "1000"}}, true));
    clk.advance(5000);
    m->run_maintenance_now();
    EXPECT_EQ(read_all(*r).size(), 22u); // u0's first value is gone
}

TEST(compaction, a_small_dedupe_buffer_cleans_over_several_passes) {
    temp_dir d;
    fake_clock clk;
    auto c = quiet_config(d.path, &clk);
    c.cleaner_dedupe_buffer_bytes = 1; // the minimum map: 1024 slots, 768 keys per pass
    auto m = open_manager(c);
    ASSERT_TRUE(m->create_topic(
        "c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "20000"}, {"min.cleanable.dirty.ratio", "0.01"}}));
    auto log = m->partition("c", 0);
    for (int round = 0; round < 2; ++round)
        for (int b = 0; b < 30; ++b)
            ASSERT_TRUE(
                append(*log, kv_batch(b * 100, 100, clk.get(), codec::none, 0, "r" + std::to_string(round) + "-")));
    ASSERT_TRUE(append(*log, kv_batch(0, 1, clk.get(), codec::none, 0, std::string(25000, 'z'))));
    for (int pass = 0; pass < 12; ++pass)
        m->run_maintenance_now();
    auto recs = read_all(*log);
    auto vals = replay(recs);
    EXPECT_EQ(recs.size(), 3001u);
    for (int k = 1; k < 3000; k += 97)
        EXPECT_EQ(*vals["k" + std::to_string(k)], "r1-" + std::to_string(k));
}

TEST(compaction, compact_delete_applies_both_policies) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic(
        "c", 1, {{"cleanup.policy", "compact,delete"}, {"segment.bytes", "100"}, {"retention.ms", "100000"}}));
    auto log = m->partition("c", 0);
    int64_t t = clk.get();
    ASSERT_TRUE(append(*log, one("a", "1", t - 200000))); // expired by time
    ASSERT_TRUE(append(*log, one("b", "1", t)));
    ASSERT_TRUE(append(*log, one("b", "2", t)));
    ASSERT_TRUE(append(*log, one("f", "filler", t)));
    m->run_maintenance_now();
    auto recs = read_all(*log);
    std::vector<int64_t> offs;
    for (auto& r : recs)
        offs.push_back(r.offset);
    EXPECT_EQ(offs, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(log->log_start_offset(), 1);
}

// kill -9 at different moments of a compaction pass; every reopen must find a consistent log:
// each key's latest value, original offsets (values encode them), nothing torn.
TEST(compaction, a_crash_at_any_moment_of_cleaning_loses_nothing) {
    constexpr int keys = 400, updates = 16000;
    for (int delay_us : {0, 300, 1000, 3000, 8000, 20000, 60000, 150000, 1500000}) {
        temp_dir d;
        int pipefd[2];
        ASSERT_EQ(::pipe(pipefd), 0);
        pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(pipefd[0]);
            auto m = log_manager::open(quiet_config(d.path));
            if (!m || !(*m)->create_topic("c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "8192"}}))
                ::_exit(2);
            auto log = (*m)->partition("c", 0);
            for (int b = 0; b < updates / 100; ++b) {
                record_batch_builder bb;
                for (int i = 0; i < 100; ++i) {
                    int n = b * 100 + i;
                    bb.add("k" + std::to_string(n % keys), "v" + std::to_string(n));
                }
                std::string s = bb.build();
                if (!log->append(std::span<char>(s.data(), s.size()))) ::_exit(3);
            }
            std::string filler = kv_batch(0, 1, wall_clock_ms(), codec::none, 0, std::string(9000, 'f'));
            if (!log->append(std::span<char>(filler.data(), filler.size()))) ::_exit(4);
            char c = 'r';
            if (::write(pipefd[1], &c, 1) != 1) ::_exit(5);
            (*m)->run_maintenance_now();
            ::pause(); // wait for the kill
            ::_exit(0);
        }
        ::close(pipefd[1]);
        char c;
        ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
        ::close(pipefd[0]);
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status)) << "delay " << delay_us;

        auto m = open_manager(quiet_config(d.path));
        ASSERT_TRUE(m) << "delay " << delay_us;
        auto log = m->partition("c", 0);
        ASSERT_EQ(log->log_end_offset(), updates + 1) << "delay " << delay_us;
        auto recs = read_all(*log);
        std::map<std::string, int64_t> last;
        int64_t prev = -1;
        for (const auto& r : recs) {
            ASSERT_GT(r.offset, prev);
            prev = r.offset;
            if (r.offset == updates) continue; // the filler
            ASSERT_EQ(*r.value, "v" + std::to_string(r.offset)) << "delay " << delay_us;
            last[*r.key] = r.offset;
        }
        ASSERT_EQ(last.size(), size_t(keys)) << "delay " << delay_us;
        for (const auto& [k, off] : last)
            EXPECT_GE(off, updates - keys) << k << " delay " << delay_us;
        // And the log still compacts and appends after the crash.
        m->run_maintenance_now();
        EXPECT_LE(read_all(*log).size(), size_t(keys + 1));
        EXPECT_TRUE(append(*log, kv_batch(1, 1, 1000)));
    }
}
