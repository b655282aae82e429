// Append/read round trips, index lookups, rolling, reopen, validation errors, markers.
#include "broker/storage/test_util.hpp"

#include <filesystem>
#include <set>

using namespace ferry::broker::storage;
using namespace ferry::broker::storage::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> files_with(const std::string& dir, const std::string& ext) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ext) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST(partition_log, append_assigns_offsets_and_read_returns_the_batches) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("t", 1, {}));
    auto log = m->partition("t", 0);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_end_offset(), 0);
    for (int i = 0; i < 10; ++i) {
        auto r = append(*log, kv_batch(i * 3, 3, clk.get()));
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->base_offset, i * 3);
        EXPECT_EQ(r->log_append_time, -1);
    }
    EXPECT_EQ(log->log_end_offset(), 30);
    auto all = read_all(*log);
    ASSERT_EQ(all.size(), 30u);
    for (int i = 0; i < 30; ++i) {
        EXPECT_EQ(all[size_t(i)].offset, i);
        EXPECT_EQ(*all[size_t(i)].key, "k" + std::to_string(i));
        EXPECT_EQ(*all[size_t(i)].value, "v" + std::to_string(i));
    }
    // A read in the middle of a batch returns that whole batch first.
    auto r = log->read(4, 1 << 20, INT64_MAX, true);
    ASSERT_FALSE(r.out_of_range);
    EXPECT_EQ(batch_view{r.data.data()}.base_offset(), 3);
    EXPECT_EQ(r.high_watermark, 30);
    EXPECT_EQ(r.log_start_offset, 0);
    // At the end: empty, not out of range; beyond: out of range.
    EXPECT_TRUE(log->read(30, 1000, INT64_MAX, true).data.empty());
    EXPECT_FALSE(log->read(30, 1000, INT64_MAX, true).out_of_range);
    EXPECT_TRUE(log->read(31, 1000, INT64_MAX, true).out_of_range);
    EXPECT_TRUE(log->read(-1, 1000, INT64_MAX, true).out_of_range);
    // Stored batches carry leader epoch 0 and a valid CRC.
    batch_view v{r.data.data()};
    EXPECT_EQ(v.partition_leader_epoch(), 0);
}

TEST(partition_log, read_respects_max_bytes_limit_offset_and_min_one_batch) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {}));
    auto log = m->partition("t", 0);
    std::vector<size_t> sizes;
    for (int i = 0; i < 20; ++i) {
        std::string b = kv_batch(i * 5, 5, 1000);
        sizes.push_back(b.size());
        ASSERT_TRUE(append(*log, b));
    }
    size_t bsz = sizes[0];
    size_t three = sizes[0] + sizes[1] + sizes[2];
    auto r = log->read(0, int32_t(three + 10), INT64_MAX, true);
    EXPECT_EQ(r.data.size(), three);
    r = log->read(0, int32_t(three), INT64_MAX, true);
    EXPECT_EQ(r.data.size(), three);
    r = log->read(0, int32_t(three - 1), INT64_MAX, true);
    EXPECT_EQ(r.data.size(), sizes[0] + sizes[1]);
    r = log->read(0, int32_t(bsz / 2), INT64_MAX, true); // KIP-74: the first batch even if too big
    EXPECT_EQ(r.data.size(), bsz);
    r = log->read(0, int32_t(bsz / 2), INT64_MAX, false);
    EXPECT_TRUE(r.data.empty());
    r = log->read(0, 1 << 20, 12, true); // the batch holding offsets 10..14 starts below 12: included
    EXPECT_EQ(decode(r.data).back().offset, 14);
    r = log->read(0, 1 << 20, 10, true);
    EXPECT_EQ(decode(r.data).back().offset, 9);
    r = log->read(10, 1 << 20, 10, true);
    EXPECT_TRUE(r.data.empty());
    EXPECT_FALSE(r.out_of_range);
}

TEST(partition_log, index_lookups_mid_segment_and_rolling) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    // Small segments and a dense index: many segments, many index entries each.
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "5000"}, {"index.interval.bytes", "200"}}));
    auto log = m->partition("t", 0);
    int64_t off = 0;
    for (int i = 0; i < 400; ++i) {
        int n = 1 + i % 7;
        auto r = append(*log, kv_batch(int(off), n, 1000 + i));
        ASSERT_TRUE(r);
        ASSERT_EQ(r->base_offset, off);
        off += n;
    }
    auto logs = files_with(d.sub("t-0"), ".log");
    EXPECT_GT(logs.size(), 3u);
    EXPECT_EQ(logs.front(), "00000000000000000000.log");
    EXPECT_EQ(files_with(d.sub("t-0"), ".index").size(), logs.size());
    EXPECT_EQ(files_with(d.sub("t-0"), ".timeindex").size(), logs.size());
    // Segment names are their base offsets, and every segment stays within segment.bytes.
    for (const auto& f : logs) {
        EXPECT_LE(fs::file_size(d.sub("t-0/" + f)), 5000u);
        EXPECT_EQ(f.size(), 24u);
    }
    // Every offset reads back as the batch containing it, wherever it falls.
    for (int64_t o = 0; o < off; o += 13) {
        auto r = log->read(o, 1, INT64_MAX, true);
        ASSERT_FALSE(r.data.empty()) << o;
        batch_view v{r.data.data()};
        EXPECT_LE(v.base_offset(), o);
        EXPECT_GE(v.last_offset(), o);
        auto recs = decode(r.data);
        EXPECT_EQ(*std::find_if(recs.begin(), recs.end(), [&](const rec& x) { return x.offset == o; })->key,
                  "k" + std::to_string(o));
    }
    EXPECT_EQ(read_all(*log).size(), size_t(off));
}

TEST(partition_log, reopen_after_close_keeps_everything) {
    temp_dir d;
    fake_clock clk;
    int64_t end;
    {
        auto m = open_manager(quiet_config(d.path, &clk));
        ASSERT_TRUE(m->create_topic("t", 2, {{"segment.bytes", "5000"}}));
        for (int p = 0; p < 2; ++p) {
            auto log = m->partition("t", p);
            for (int i = 0; i < 100; ++i)
                ASSERT_TRUE(append(*log, kv_batch(i * 2, 2, clk.get() + i)));
        }
        end = m->partition("t", 1)->log_end_offset();
        EXPECT_TRUE(fs::exists(d.sub("t-1")));
        m->close();
        EXPECT_TRUE(fs::exists(d.sub(".ferry_cleanshutdown")));
    }
    auto m = open_manager(quiet_config(d.path, &clk));
    EXPECT_FALSE(fs::exists(d.sub(".ferry_cleanshutdown")));
    ASSERT_TRUE(m->topic_exists("t"));
    EXPECT_EQ(m->partition_count("t"), 2);
    EXPECT_EQ(m->config_of("t")->segment_bytes, 5000);
    for (int p = 0; p < 2; ++p) {
        auto log = m->partition("t", p);
        EXPECT_EQ(log->log_end_offset(), end);
        EXPECT_EQ(log->recovery_point(), end);
        auto all = read_all(*log);
        ASSERT_EQ(all.size(), 200u);
        EXPECT_EQ(*all[199].value, "v199");
        // Appends continue at the right offset, into the reopened active segment.
        auto r = append(*log, kv_batch(200, 1, clk.get()));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->base_offset, 200);
    }
    // Lookups after reopen use the on-disk indexes of sealed segments.
    auto r = m->partition("t", 0)->read(77, 1, INT64_MAX, true);
    EXPECT_EQ(batch_view{r.data.data()}.base_offset(), 76);
}

TEST(partition_log, rolls_by_segment_ms_in_data_time) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.ms", "1000"}}));
    auto log = m->partition("t", 0);
    ASSERT_TRUE(append(*log, kv_batch(0, 1, 10'000)));
    ASSERT_TRUE(append(*log, kv_batch(1, 1, 10'900)));
    EXPECT_EQ(files_with(d.sub("t-0"), ".log").size(), 1u);
    ASSERT_TRUE(append(*log, kv_batch(2, 1, 11'001))); // > 1000 ms after the segment's first batch
    EXPECT_EQ(files_with(d.sub("t-0"), ".log"),
              (std::vector<std::string>{"00000000000000000000.log", "00000000000000000002.log"}));
}

TEST(partition_log, validation_rejects_bad_batches_with_kafka_errors) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"max.message.bytes", "2000"}}));
    auto log = m->partition("t", 0);
    auto expect_error = [&](std::string batch, kafka_error want, const char* what) {
        auto r = append(*log, std::move(batch));
        ASSERT_FALSE(r) << what;
        EXPECT_EQ(r.error().kind, ferry::errc::invalid_argument) << what;
        EXPECT_EQ(kafka_error_of(r.error()), want) << what << ": " << r.error().message;
        EXPECT_NE(r.error().message.find("t-0"), std::string::npos) << r.error().message;
    };
    std::string good = kv_batch(0, 3, 1000);

    std::string bad_crc = good;
    bad_crc[bad_crc.size() - 2] ^= 0x40;
    expect_error(bad_crc, kafka_error::corrupt_message, "crc");

    std::string truncated = good.substr(0, good.size() - 5);
    expect_error(truncated, kafka_error::corrupt_message, "truncated");
    expect_error(good.substr(0, 30), kafka_error::corrupt_message, "shorter than a header");
    expect_error(good + good, kafka_error::invalid_record, "two batches");

    std::string big = kv_batch(0, 1, 1000, codec::none, 0, std::string(3000, 'x'));
    expect_error(big, kafka_error::message_too_large, "too large");

    std::string bad_count = good;
    store_be32(bad_count.data() + batch_layout::records_count, 5);
    update_batch_crc(std::span<char>(bad_count.data(), bad_count.size()));
    expect_error(bad_count, kafka_error::invalid_record, "records_count");

    std::string magic1 = good;
    magic1[batch_layout::magic] = 1;
    expect_error(magic1, kafka_error::invalid_record, "magic");

    expect_error(make_control_batch(1, 0, control_type::commit, 0, 1000), kafka_error::invalid_record, "control");

    record_batch_builder lat;
    lat.log_append_time().add("k", "v");
    expect_error(lat.build(), kafka_error::invalid_timestamp, "client LogAppendTime");

    record_batch_builder seq;
    seq.producer(5, 0, -1).add("k", "v");
    expect_error(seq.build(), kafka_error::invalid_record, "producer id without sequence");

    record_batch_builder txn;
    txn.transactional().add("k", "v");
    expect_error(txn.build(), kafka_error::invalid_record, "transactional without producer id");

    // Nothing was appended by the failures.
    EXPECT_EQ(log->log_end_offset(), 0);
    ASSERT_TRUE(append(*log, good));
    EXPECT_EQ(log->log_end_offset(), 3);
}

TEST(partition_log, compacted_topics_require_keys_even_inside_compressed_batches) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("c", 1, {{"cleanup.policy", "compact"}}));
    auto log = m->partition("c", 0);
    for (codec c : {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd}) {
        record_batch_builder b;
        b.compression(c).add("k1", "v").add(std::nullopt, "keyless").add("k3", "v");
        auto r = append(*log, b.build());
        ASSERT_FALSE(r) << codec_name(c);
        EXPECT_EQ(kafka_error_of(r.error()), kafka_error::invalid_record) << r.error().message;
        ASSERT_TRUE(append(*log, kv_batch(0, 3, 1000, c))) << codec_name(c);
    }
    EXPECT_EQ(log->log_end_offset(), 15);
    // A tombstone has a key and is fine.
    record_batch_builder t;
    t.add("k1", std::nullopt);
    EXPECT_TRUE(append(*log, t.build()));
}

TEST(partition_log, log_append_time_rewrites_the_header_and_crc) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic("t", 1, {{"message.timestamp.type", "LogAppendTime"}}));
    auto log = m->partition("t", 0);
    auto r = append(*log, kv_batch(0, 4, 5, codec::lz4));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->log_append_time, clk.get());
    auto rd = log->read(0, 1 << 20, INT64_MAX, true);
    batch_view v{rd.data.data()};
    EXPECT_TRUE(v.is_log_append_time());
    EXPECT_EQ(v.max_timestamp(), clk.get());
    EXPECT_TRUE(check_batch_integrity(rd.data));
    for (const auto& x : decode(rd.data))
        EXPECT_EQ(x.timestamp, clk.get());
}

TEST(partition_log, topic_compression_type_recompresses) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"compression.type", "zstd"}}));
    auto log = m->partition("t", 0);
    ASSERT_TRUE(append(*log, kv_batch(0, 50, 1000, codec::gzip)));
    ASSERT_TRUE(append(*log, kv_batch(50, 50, 1000, codec::none)));
    auto rd = log->read(0, 1 << 20, INT64_MAX, true);
    size_t p = 0;
    int batches = 0;
    while (p < rd.data.size()) {
        batch_view v{rd.data.data() + p};
        EXPECT_EQ(v.codec(), codec::zstd);
        p += size_t(v.size());
        ++batches;
    }
    EXPECT_EQ(batches, 2);
    auto all = read_all(*log);
    ASSERT_EQ(all.size(), 100u);
    EXPECT_EQ(*all[99].value, "v99");
}

TEST(partition_log, timestamp_bounds_reject_with_invalid_timestamp) {
    temp_dir d;
    fake_clock clk;
    auto m = open_manager(quiet_config(d.path, &clk));
    ASSERT_TRUE(m->create_topic(
        "t", 1, {{"message.timestamp.before.max.ms", "60000"}, {"message.timestamp.after.max.ms", "1000"}}));
    auto log = m->partition("t", 0);
    EXPECT_TRUE(append(*log, kv_batch(0, 1, clk.get() - 59'000)));
    auto old = append(*log, kv_batch(0, 1, clk.get() - 61'000));
    ASSERT_FALSE(old);
    EXPECT_EQ(kafka_error_of(old.error()), kafka_error::invalid_timestamp);
    auto future = append(*log, kv_batch(0, 1, clk.get() + 5'000));
    ASSERT_FALSE(future);
    EXPECT_EQ(kafka_error_of(future.error()), kafka_error::invalid_timestamp);
}

TEST(partition_log, offset_for_timestamp_uses_the_time_index) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "3000"}, {"index.interval.bytes", "100"}}));
    auto log = m->partition("t", 0);
    // Batch i holds offsets 2i, 2i+1 with timestamps 1000 + 10i and 1000 + 10i + 5.
    for (int i = 0; i < 300; ++i) {
        record_batch_builder b;
        b.add("a", "x", 1000 + 10 * i).add("b", "y", 1000 + 10 * i + 5);
        ASSERT_TRUE(append(*log, b.build()));
    }
    for (int i : {0, 1, 17, 150, 299}) {
        auto hit = log->offset_for_timestamp(1000 + 10 * i);
        ASSERT_TRUE(hit) << i;
        EXPECT_EQ(hit->first, 2 * i);
        EXPECT_EQ(hit->second, 1000 + 10 * i);
        hit = log->offset_for_timestamp(1000 + 10 * i + 3); // between the two records of batch i
        ASSERT_TRUE(hit);
        EXPECT_EQ(hit->first, 2 * i + 1);
        EXPECT_EQ(hit->second, 1000 + 10 * i + 5);
    }
    EXPECT_FALSE(log->offset_for_timestamp(1000 + 10 * 299 + 6));
    EXPECT_EQ(log->offset_for_timestamp(0)->first, 0);
}

TEST(partition_log, transaction_markers_and_aborted_ranges) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "2000"}}));
    auto log = m->partition("t", 0);
    auto txn_batch = [](int64_t pid, int32_t seq, int first) {
        record_batch_builder b;
        b.producer(pid, 0, seq).transactional();
        for (int i = 0; i < 3; ++i)
            b.add("k" + std::to_string(first + i), "v");
        return b.build();
    };
    ASSERT_TRUE(append(*log, kv_batch(0, 2, 1000))); // 0-1 plain
    ASSERT_TRUE(append(*log, txn_batch(7, 0, 0)));   // 2-4 pid 7
    ASSERT_TRUE(append(*log, txn_batch(8, 0, 0)));   // 5-7 pid 8
    auto c = log->append_marker(8, 0, true, 3, 5);   // 8 COMMIT pid 8
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, 8);
    ASSERT_TRUE(append(*log, txn_batch(7, 3, 3)));  // 9-11 pid 7
    auto a = log->append_marker(7, 0, false, 3, 2); // 12 ABORT pid 7
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, 12);
    for (int i = 0; i < 30; ++i)
        ASSERT_TRUE(append(*log, kv_batch(0, 5, 1000))); // more segments after
    auto ab = log->aborted_between(0, 100);
    ASSERT_EQ(ab.size(), 1u);
    EXPECT_EQ(ab[0].producer_id, 7);
    EXPECT_EQ(ab[0].first_offset, 2);
    EXPECT_EQ(ab[0].last_offset, 12);
    EXPECT_EQ(log->aborted_between(12, 13).size(), 1u);
    EXPECT_TRUE(log->aborted_between(13, 100).empty());
    EXPECT_TRUE(log->aborted_between(0, 2).empty());
    EXPECT_EQ(log->aborted_between(5, 6).size(), 1u); // overlaps [2, 12]
    // Markers are stored as control batches with the coordinator epoch.
    auto rd = log->read(12, 1 << 20, INT64_MAX, true);
    batch_view v{rd.data.data()};
    EXPECT_EQ(v.base_offset(), 12);
    EXPECT_TRUE(v.is_control());
    EXPECT_EQ(control_batch_type(std::string_view(rd.data.data(), size_t(v.size()))), control_type::abort);
    m->close();
    // The aborted-transaction index survives a restart.
    auto m2 = open_manager(quiet_config(d.path));
    auto ab2 = m2->partition("t", 0)->aborted_between(0, 100);
    ASSERT_EQ(ab2.size(), 1u);
    EXPECT_EQ(ab2[0].last_offset, 12);
}

TEST(partition_log, scan_visits_every_batch_and_listener_fires) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "1000"}}));
    auto log = m->partition("t", 0);
    std::atomic<int> notified{0};
    log->set_append_listener([&] { ++notified; });
    for (int i = 0; i < 50; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i, 1, 1000)));
    ASSERT_TRUE(log->append_marker(3, 0, true, 0, 0));
    EXPECT_EQ(notified.load(), 51);
    std::vector<int64_t> bases;
    log->scan(10, [&](std::string_view b) {
        EXPECT_TRUE(check_batch_integrity(b));
        bases.push_back(batch_view{b.data()}.base_offset());
        return true;
    });
    ASSERT_EQ(bases.size(), 41u);
    EXPECT_EQ(bases.front(), 10);
    EXPECT_EQ(bases.back(), 50);
    int seen = 0;
    log->scan(0, [&](std::string_view) { return ++seen < 5; });
    EXPECT_EQ(seen, 5);
}

TEST(partition_log, flush_messages_one_fsyncs_before_acknowledging) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"flush.messages", "1"}}));
    ASSERT_TRUE(m->create_topic("u", 1, {}));
    auto t = m->partition("t", 0);
    auto u = m->partition("u", 0);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(append(*t, kv_batch(i, 1, 1000)));
        ASSERT_TRUE(append(*u, kv_batch(i, 1, 1000)));
        EXPECT_EQ(t->recovery_point(), i + 1);
    }
    EXPECT_EQ(u->recovery_point(), 0); // default policy: page cache only until a flush
    ASSERT_TRUE(u->flush());
    EXPECT_EQ(u->recovery_point(), 5);
}

TEST(partition_log, kafka_error_mapping) {
    EXPECT_EQ(kafka_error_of(ferry::error(ferry::errc::invalid_argument, "CORRUPT_MESSAGE: x")),
              kafka_error::corrupt_message);
    EXPECT_EQ(kafka_error_of(ferry::error(ferry::errc::invalid_argument, "INVALID_RECORD: x")),
              kafka_error::invalid_record);
    EXPECT_EQ(kafka_error_of(ferry::error(ferry::errc::invalid_argument, "MESSAGE_TOO_LARGE: x")),
              kafka_error::message_too_large);
    EXPECT_EQ(kafka_error_of(ferry::error(ferry::errc::io, "disk on fire")), kafka_error::unknown_server_error);
    EXPECT_EQ(int(kafka_error::invalid_record), 87);
    EXPECT_STREQ(kafka_error_name(kafka_error::corrupt_message), "CORRUPT_MESSAGE");
}

TEST(partition_log, reads_find_offsets_even_without_index_entries) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    // No index entries at all: every lookup scans from the segment start.
    ASSERT_TRUE(m->create_topic("t", 1, {{"index.interval.bytes", "2147483647"}}));
    auto log = m->partition("t", 0);
    for (int i = 0; i < 3000; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i * 10, 10, 1000, codec::none, 0, std::string(100, 'x'))));
    ASSERT_GT(log->size_bytes(), 3 * 1024 * 1024);
    for (int64_t o : {0, 5, 15000, 29995}) {
        auto r = log->read(o, 2000, INT64_MAX, true);
        ASSERT_FALSE(r.data.empty()) << o;
        batch_view v{r.data.data()};
        EXPECT_LE(v.base_offset(), o);
        EXPECT_GE(v.last_offset(), o);
        EXPECT_LT(r.data.capacity(), size_t(1) << 20) << "the skipped prefix was kept in memory";
    }
}

TEST(partition_log, a_full_index_rolls_the_segment) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    // Room for 4 offset-index entries; an entry every batch after the first.
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.index.bytes", "32"}, {"index.interval.bytes", "0"}}));
    auto log = m->partition("t", 0);
    for (int i = 0; i < 20; ++i)
        ASSERT_TRUE(append(*log, kv_batch(i, 1, 1000)));
    EXPECT_GE(files_with(d.sub("t-0"), ".log").size(), 4u);
    for (const auto& f : files_with(d.sub("t-0"), ".index"))
        EXPECT_LE(fs::file_size(d.sub("t-0/" + f)), 32u);
    EXPECT_EQ(read_all(*log).size(), 20u);
}

TEST(partition_log, scan_headers_sees_every_batch_header) {
    temp_dir d;
    auto m = open_manager(quiet_config(d.path));
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", "300000"}}));
    auto log = m->partition("t", 0);
    // Mixed sizes: tiny batches, and batches far larger than the read window.
    int64_t off = 0;
    std::vector<int64_t> want;
    for (int i = 0; i < 300; ++i) {
        std::string v = i % 10 == 0 ? std::string(100000, 'x') : "v";
        record_batch_builder b;
        b.producer(i % 3, 0, i).add("k", v).add("k2", "w");
        ASSERT_TRUE(append(*log, b.build()));
        want.push_back(off);
        off += 2;
    }
    std::vector<int64_t> got;
    log->scan_headers(0, [&](std::string_view h) {
        EXPECT_EQ(h.size(), batch_layout::header_size);
        batch_view v{h.data()};
        EXPECT_EQ(v.records_count(), 2);
        EXPECT_EQ(v.producer_id(), int64_t(got.size() % 3));
        EXPECT_EQ(v.base_sequence(), int32_t(got.size()));
        got.push_back(v.base_offset());
        return true;
    });
    EXPECT_EQ(got, want);
    got.clear();
    log->scan_headers(301, [&](std::string_view h) {
        got.push_back(batch_view{h.data()}.base_offset());
        return got.size() < 3;
    });
    EXPECT_EQ(got, (std::vector<int64_t>{300, 302, 304}));
}
