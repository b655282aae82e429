#include "broker/protocol/api.hpp"
#include "broker/protocol/messages.hpp"
#include "broker/protocol/record_batch.hpp"

#include <gtest/gtest.h>

namespace ferry::broker::proto {
namespace {

std::string hex(std::string_view s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

template <class M> std::string encode_body(M& m, int16_t v, bool flex) {
    out_buffer out;
    encoder e(out, v, flex);
    m.serde(e);
    return out.flatten();
}

template <class M> std::optional<M> decode_body(std::string bytes, int16_t v, bool flex) {
    M m;
    decoder d(bytes.data(), bytes.size(), v, flex);
    m.serde(d);
    if (!d.ok() || d.remaining() != 0) return std::nullopt;
    return m;
}

TEST(serde, classic_strings_and_arrays) {
    metadata_request m;
    m.topics = std::vector<std::string>{"ab"};
    EXPECT_EQ(hex(encode_body(m, 1, false)), "00000001"
                                             "0002"
                                             "6162");
    metadata_request null_topics;
    null_topics.topics.reset();
    EXPECT_EQ(hex(encode_body(null_topics, 1, false)), "ffffffff");
    auto back = decode_body<metadata_request>(encode_body(null_topics, 1, false), 1, false);
    ASSERT_TRUE(back);
    EXPECT_FALSE(back->topics.has_value());
    // v0: an empty list means "all topics" and there is no null.
    metadata_request v0;
    v0.topics.emplace();
    EXPECT_EQ(hex(encode_body(v0, 0, false)), "00000000");
}

TEST(serde, compact_encoding_and_tags) {
    offset_fetch_request r;
    r.group_id = "g";
    r.topics.reset(); // null = all
    r.require_stable = true;
    // v7 is flexible: compact string (len+1), compact null array (0), bool, empty tag section.
    EXPECT_EQ(hex(encode_body(r, 7, true)), "0267"
                                            "00"
                                            "01"
                                            "00");
    auto back = decode_body<offset_fetch_request>(encode_body(r, 7, true), 7, true);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->group_id, "g");
    EXPECT_FALSE(back->topics.has_value());
    EXPECT_TRUE(back->require_stable);
}

TEST(serde, unknown_tagged_fields_are_skipped) {
    // InitProducerId v2 (flexible): txn id null, timeout, then a tag section with one unknown
    // tag (7) of 3 bytes.
    std::string bytes = std::string("\x00", 1) + std::string("\x00\x00\x03\xe8", 4) + std::string("\x01\x07\x03xyz", 6);
    auto r = decode_body<init_producer_id_request>(bytes, 2, true);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->transactional_id);
    EXPECT_EQ(r->transaction_timeout_ms, 1000);
}

TEST(serde, truncated_input_fails_cleanly) {
    join_group_request j;
    j.group_id = "group";
    j.session_timeout_ms = 10000;
    j.rebalance_timeout_ms = 30000;
    j.protocol_type = "consumer";
    j.protocols.push_back({"range", std::string(50, 'x')});
    auto full = encode_body(j, 5, false);
    for (size_t n = 0; n < full.size(); ++n) {
        auto part = full.substr(0, n);
        EXPECT_FALSE((decode_body<join_group_request>(part, 5, false))) << "prefix " << n;
    }
    auto back = decode_body<join_group_request>(full, 5, false);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->protocols.at(0).metadata, std::string(50, 'x'));
}

TEST(serde, hostile_array_count_is_rejected) {
    std::string bytes = "\x00\x01g" + std::string("\x7f\xff\xff\xff", 4);
    EXPECT_FALSE((decode_body<describe_groups_request>(std::string("\x7f\xff\xff\xff", 4), 0, false)));
    EXPECT_FALSE((decode_body<offset_fetch_request>(bytes, 1, false)));
}

TEST(serde, request_header_and_response_header) {
    api_versions_request req;
    req.client_software_name = "librdkafka";
    req.client_software_version = "2.0.2";
    auto frame = encode_request(18, 3, 7, std::string("rdkafka"), req).flatten();
    ASSERT_GE(frame.size(), 4u);
    EXPECT_EQ(read_i32_be(frame.data()), static_cast<int32_t>(frame.size() - 4));
    size_t body = 0;
    auto h = parse_request_header(frame.data() + 4, frame.size() - 4, body);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->api_key, 18);
    EXPECT_EQ(h->api_version, 3);
    EXPECT_EQ(h->correlation_id, 7);
    EXPECT_EQ(h->client_id.value_or(""), "rdkafka");
    auto decoded = decode_request<api_versions_request>(*h, frame.data() + 4 + body, frame.size() - 4 - body);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->client_software_name, "librdkafka");

    // ApiVersions v3 responses use header v0 (no tag byte); OffsetFetch v6 uses v1.
    api_versions_response resp;
    auto out = encode_response(*h, resp).flatten();
    EXPECT_EQ(hex(out.substr(4, 4)), "00000007");
    EXPECT_EQ(static_cast<unsigned char>(out[8]), 0u); // error_code high byte, not a tag section
    request_header oh{9, 6, 5, std::nullopt};
    offset_fetch_response ofr;
    auto o2 = encode_response(oh, ofr).flatten();
    EXPECT_EQ(hex(o2.substr(4, 5)), "0000000500");
}

TEST(serde, every_served_api_round_trips_its_empty_message) {
    // Decoding what we encode must consume everything, for every served version.
    auto check = [](auto msg, int16_t key) {
        auto* a = find_api(key);
        ASSERT_NE(a, nullptr);
        for (int16_t v = a->min_version; v <= a->max_version; ++v) {
            bool flex = is_flexible(key, v);
            auto bytes = encode_body(msg, v, flex);
            auto back = decode_body<decltype(msg)>(bytes, v, flex);
            EXPECT_TRUE(back.has_value()) << "api " << key << " v" << v;
            if (back) {
                EXPECT_EQ(hex(encode_body(*back, v, flex)), hex(bytes)) << "api " << key << " v" << v;
            }
        }
    };
    check(produce_request{}, 0);
    check(produce_response{}, 0);
    check(fetch_request{}, 1);
    check(fetch_response{}, 1);
    check(list_offsets_request{}, 2);
    check(list_offsets_response{}, 2);
    check(metadata_request{}, 3);
    check(metadata_response{}, 3);
    check(offset_commit_request{}, 8);
    check(offset_commit_response{}, 8);
    check(offset_fetch_request{}, 9);
    check(offset_fetch_response{}, 9);
    check(find_coordinator_request{}, 10);
    check(find_coordinator_response{}, 10);
    check(join_group_request{}, 11);
    check(join_group_response{}, 11);
    check(heartbeat_request{}, 12);
    check(heartbeat_response{}, 12);
    check(leave_group_request{}, 13);
    check(leave_group_response{}, 13);
    check(sync_group_request{}, 14);
    check(sync_group_response{}, 14);
    check(describe_groups_request{}, 15);
    check(describe_groups_response{}, 15);
    check(list_groups_request{}, 16);
    check(list_groups_response{}, 16);
    check(api_versions_request{}, 18);
    check(api_versions_response{}, 18);
    check(create_topics_request{}, 19);
    check(create_topics_response{}, 19);
    check(delete_topics_request{}, 20);
    check(delete_topics_response{}, 20);
    check(delete_records_request{}, 21);
    check(delete_records_response{}, 21);
    check(init_producer_id_request{}, 22);
    check(init_producer_id_response{}, 22);
    check(offset_for_leader_epoch_request{}, 23);
    check(offset_for_leader_epoch_response{}, 23);
    check(add_partitions_to_txn_request{}, 24);
    check(add_partitions_to_txn_response{}, 24);
    check(add_offsets_to_txn_request{}, 25);
    check(add_offsets_to_txn_response{}, 25);
    check(end_txn_request{}, 26);
    check(end_txn_response{}, 26);
    check(txn_offset_commit_request{}, 28);
    check(txn_offset_commit_response{}, 28);
    check(describe_configs_request{}, 32);
    check(describe_configs_response{}, 32);
    check(alter_configs_request{}, 33);
    check(alter_configs_response{}, 33);
    check(create_partitions_request{}, 37);
    check(create_partitions_response{}, 37);
    check(delete_groups_request{}, 42);
    check(delete_groups_response{}, 42);
    check(incremental_alter_configs_request{}, 44);
    check(alter_configs_response{}, 44);
    check(describe_cluster_request{}, 60);
    check(describe_cluster_response{}, 60);
}

TEST(serde, fetch_response_with_records_and_aborted_list) {
    fetch_response r;
    fetch_response::topic t;
    t.topic = "t";
    fetch_response::partition p;
    p.partition_index = 3;
    p.high_watermark = 10;
    p.last_stable_offset = 8;
    p.log_start_offset = 0;
    p.aborted_transactions = std::vector<fetch_response::aborted>{{42, 5}};
    p.records.set_owned(std::string(100000, 'r')); // large: spliced, not copied
    t.partitions.push_back(std::move(p));
    r.responses.push_back(std::move(t));
    out_buffer out;
    encoder e(out, 11, false);
    r.serde(e);
    EXPECT_GE(out.chunks().size(), 2u);
    auto bytes = out.flatten();
    auto back = decode_body<fetch_response>(bytes, 11, false);
    ASSERT_TRUE(back);
    auto& bp = back->responses.at(0).partitions.at(0);
    EXPECT_EQ(bp.partition_index, 3);
    EXPECT_EQ(bp.last_stable_offset, 8);
    ASSERT_TRUE(bp.aborted_transactions);
    EXPECT_EQ(bp.aborted_transactions->at(0).producer_id, 42);
    EXPECT_EQ(bp.records.size, 100000u);
    EXPECT_EQ(bp.preferred_read_replica, -1);
}

TEST(record_batch, build_parse_and_crc) {
    batch_options o;
    o.base_timestamp = 1700000000000;
    o.producer_id = 7;
    o.producer_epoch = 1;
    o.base_sequence = 10;
    auto b = build_batch({{std::string("k1"), std::string("v1"), {{"h", std::string("x")}}, 0},
                          {std::nullopt, std::string("v2"), {}, 5}},
                         o);
    auto h = parse_batch_header(b);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->total_size(), b.size());
    EXPECT_EQ(h->records_count, 2);
    EXPECT_EQ(h->last_offset_delta, 1);
    EXPECT_EQ(h->last_sequence(), 11);
    EXPECT_EQ(h->max_timestamp, 1700000000005);
    EXPECT_EQ(h->crc, crc32c(0, b.data() + 21, b.size() - 21));
    auto recs = decode_records(b);
    ASSERT_TRUE(recs);
    ASSERT_EQ(recs->size(), 2u);
    EXPECT_EQ(recs->at(0).key.value_or(""), "k1");
    EXPECT_EQ(recs->at(0).headers.at(0).first, "h");
    EXPECT_FALSE(recs->at(1).key);
    EXPECT_EQ(recs->at(1).timestamp, 1700000000005);
    // CRC-32C check value of "123456789".
    EXPECT_EQ(crc32c(std::string_view("123456789")), 0xE3069283u);
}

TEST(record_batch, sequence_wraps) {
    batch_header h;
    h.base_sequence = INT32_MAX - 1;
    h.last_offset_delta = 3;
    EXPECT_EQ(h.last_sequence(), 1);
}

} // namespace
} // namespace ferry::broker::proto
