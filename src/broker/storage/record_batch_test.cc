#include "broker/storage/record_batch.hpp"

#include <gtest/gtest.h>

using namespace ferry::broker::storage;

TEST(varint, round_trips_including_extremes) {
    for (int64_t v : {int64_t(0), int64_t(1), int64_t(-1), int64_t(63), int64_t(-64), int64_t(64), int64_t(300),
                      int64_t(INT32_MAX), int64_t(INT32_MIN), INT64_MAX, INT64_MIN}) {
        std::string s;
        write_varlong(s, v);
        EXPECT_EQ(s.size(), varlong_size(v));
        const char* p = s.data();
        int64_t back = 0;
        ASSERT_TRUE(read_varlong(p, s.data() + s.size(), back));
        EXPECT_EQ(back, v);
        EXPECT_EQ(p, s.data() + s.size());
    }
    // zig-zag: -1 -> 1, 1 -> 2 (one byte each), 64 -> 128 (two bytes)
    std::string s;
    write_varint(s, -1);
    EXPECT_EQ(s, std::string("\x01", 1));
    s.clear();
    write_varint(s, 64);
    EXPECT_EQ(s, std::string("\x80\x01", 2));
    const char* p = s.data();
    int32_t v;
    EXPECT_FALSE(read_varint(p, s.data() + 1, v)); // truncated
}

TEST(record_batch_builder, builds_a_valid_batch_that_parses_back) {
    record_batch_builder b;
    b.default_timestamp(1000).producer(42, 3, 17);
    record_header h[] = {{"h1", std::string_view("x")}, {"h2", std::nullopt}};
    b.add("a", "1", 1000, h).add(std::nullopt, "2", 1005).add("c", std::nullopt, 990);
    std::string batch = b.build();
    ASSERT_TRUE(check_batch_integrity(batch));
    batch_view v{batch.data()};
    EXPECT_EQ(v.magic(), 2);
    EXPECT_EQ(v.records_count(), 3);
    EXPECT_EQ(v.last_offset_delta(), 2);
    EXPECT_EQ(v.base_timestamp(), 1000);
    EXPECT_EQ(v.max_timestamp(), 1005);
    EXPECT_EQ(v.producer_id(), 42);
    EXPECT_EQ(v.producer_epoch(), 3);
    EXPECT_EQ(v.base_sequence(), 17);
    EXPECT_EQ(v.last_sequence(), 19);
    EXPECT_EQ(v.size(), int64_t(batch.size()));
    std::vector<record_view> recs;
    std::vector<std::string> keys;
    ASSERT_TRUE(for_each_record(batch, [&](const record_view& r) {
        recs.push_back(r);
        keys.push_back(r.key ? std::string(*r.key) : "<null>");
        return true;
    }));
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "<null>", "c"}));
    EXPECT_EQ(recs[0].header_count, 2);
    EXPECT_EQ(recs[1].timestamp_delta, 5);
    EXPECT_EQ(recs[2].timestamp_delta, -10);
    EXPECT_FALSE(recs[2].value.has_value());
    EXPECT_EQ(recs[2].offset_delta, 2);
}

TEST(record_batch, integrity_check_names_the_kafka_error) {
    record_batch_builder b;
    b.add("k", "v");
    std::string batch = b.build();
    batch[batch.size() - 1] ^= 1;
    auto r = check_batch_integrity(batch);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("CORRUPT_MESSAGE", 0), 0u) << r.error().message;
    batch[batch.size() - 1] ^= 1;
    EXPECT_TRUE(check_batch_integrity(batch));
    // Offsets and leader epoch are outside the CRC.
    store_be64(batch.data(), 12345);
    store_be32(batch.data() + batch_layout::partition_leader_epoch, 9);
    EXPECT_TRUE(check_batch_integrity(batch));
    batch[batch_layout::magic] = 1;
    auto m = check_batch_integrity(batch);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().message.rfind("INVALID_RECORD", 0), 0u);
}

TEST(record_batch, control_batch_layout) {
    std::string b = make_control_batch(7, 2, control_type::abort, 5, 1234);
    ASSERT_TRUE(check_batch_integrity(b));
    batch_view v{b.data()};
    EXPECT_EQ(v.attributes(), 0x30);
    EXPECT_EQ(v.base_sequence(), -1);
    EXPECT_EQ(v.producer_id(), 7);
    EXPECT_EQ(v.producer_epoch(), 2);
    EXPECT_EQ(control_batch_type(b), control_type::abort);
    std::string c = make_control_batch(7, 2, control_type::commit, 5, 1234);
    EXPECT_EQ(control_batch_type(c), control_type::commit);
    int32_t epoch = -1;
    ASSERT_TRUE(for_each_record(b, [&](const record_view& r) {
        EXPECT_EQ(r.key->size(), 4u);
        EXPECT_EQ(r.value->size(), 6u);
        epoch = int32_t(load_be32(r.value->data() + 2));
        return true;
    }));
    EXPECT_EQ(epoch, 5);
}

TEST(record_batch, malformed_records_are_rejected) {
    record_batch_builder b;
    b.add("k", "v").add("k2", "v2");
    std::string batch = b.build();
    std::string_view sec = std::string_view(batch).substr(batch_layout::header_size);
    EXPECT_FALSE(parse_records(sec, 3, [](const record_view&) { return true; })); // count too high
    EXPECT_FALSE(parse_records(sec, 1, [](const record_view&) { return true; })); // trailing bytes
    EXPECT_FALSE(parse_records(sec.substr(0, sec.size() - 1), 2, [](const record_view&) { return true; }));
    EXPECT_TRUE(parse_records(sec, 2, [](const record_view&) { return true; }));
}
