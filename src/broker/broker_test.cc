// Protocol-level tests of the whole broker (in process, on a free port): framing and versions,
// pipelining, acks=0, long polls, validation errors, idempotence, transactions, groups, metrics,
// and state surviving a restart (real storage in a temporary directory).

#include "broker/broker.hpp"
#include "broker/test_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace ferry::broker {
namespace {

using namespace proto;
using testing::test_client;
namespace fs = std::filesystem;

constexpr int16_t k_produce = 0, k_fetch = 1, k_list_offsets = 2, k_metadata = 3, k_offset_commit = 8,
                  k_offset_fetch = 9, k_join = 11, k_heartbeat = 12, k_leave = 13, k_sync = 14, k_describe_groups = 15,
                  k_api_versions = 18, k_create_topics = 19, k_init_pid = 22, k_add_partitions = 24, k_end_txn = 26;

struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/ferry-broker-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~temp_dir() { fs::remove_all(path); }
};

broker_config test_config() {
    broker_config c;
    c.listener = "127.0.0.1:0";
    c.in_memory = true;
    c.group_initial_rebalance_delay_ms = 0;
    return c;
}

std::unique_ptr<broker> start(broker_config c = test_config()) {
    auto b = broker::start(std::move(c));
    if (!b) throw std::runtime_error(b.error().message);
    return std::move(*b);
}

void create_topic(test_client& c, const std::string& name, int32_t partitions,
                  std::map<std::string, std::string> configs = {}) {
    create_topics_request r;
    create_topics_request::topic t;
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = 1;
    for (auto& [k, v] : configs)
        t.configs.push_back({k, v});
    r.topics.push_back(t);
    auto resp = c.call<create_topics_response>(k_create_topics, 4, r);
    ASSERT_EQ(resp.topics.at(0).error_code, ec::none) << resp.topics.at(0).error_message.value_or("");
}

produce_request produce_req(const std::string& topic, int32_t partition, std::string batch, int16_t acks = -1,
                            std::optional<std::string> txn = std::nullopt) {
    produce_request r;
    r.acks = acks;
    r.timeout_ms = 5000;
    r.transactional_id = txn;
    produce_request::partition p;
    p.index = partition;
    p.records.set_owned(std::move(batch));
    r.topics.push_back({topic, {std::move(p)}});
    return r;
}

std::string batch_of(std::vector<std::string> values, batch_options o = {}) {
    std::vector<simple_record> recs;
    for (auto& v : values)
        recs.push_back({std::nullopt, v, {}, 0});
    if (o.base_timestamp == 0) o.base_timestamp = 1700000000000;
    return build_batch(recs, o);
}

fetch_request fetch_req(const std::string& topic, int32_t partition, int64_t offset, int32_t max_wait = 0,
                        int8_t isolation = 0) {
    fetch_request r;
    r.max_wait_ms = max_wait;
    r.min_bytes = 1;
    r.max_bytes = 1 << 20;
    r.isolation_level = isolation;
    fetch_request::partition p;
    p.partition = partition;
    p.fetch_offset = offset;
    p.partition_max_bytes = 1 << 20;
    r.topics.push_back({topic, {p}});
    return r;
}

std::vector<std::string> values_of(const records_field& r) {
    std::vector<std::string> out;
    for (auto b : split_batches(r.view())) {
        auto h = parse_batch_header(b);
        if (!h || h->is_control()) continue;
        auto recs = decode_records(b);
        if (!recs) {
            out.push_back("<compressed>");
            continue;
        }
        for (auto& rec : *recs)
            out.push_back(rec.value.value_or("<null>"));
    }
    return out;
}

TEST(broker_protocol, api_versions_every_version_and_too_new) {
    auto b = start();
    for (int16_t v = 0; v <= 3; ++v) {
        test_client c(b->port());
        auto r = c.call<api_versions_response>(k_api_versions, v, api_versions_request{"ferry-test", "1"});
        EXPECT_EQ(r.error_code, ec::none);
        std::map<int16_t, std::pair<int16_t, int16_t>> ranges;
        for (auto& a : r.api_keys)
            ranges[a.api_key] = {a.min_version, a.max_version};
        EXPECT_EQ(ranges.at(0), std::make_pair(int16_t(3), int16_t(8)));
        EXPECT_EQ(ranges.at(1), std::make_pair(int16_t(4), int16_t(11)));
        EXPECT_EQ(ranges.at(22), std::make_pair(int16_t(0), int16_t(4)));
        EXPECT_EQ(ranges.size(), supported_apis().size());
    }
    // v9: error 35 in the v0 layout with our ApiVersions range only (KIP-511).
    test_client c(b->port());
    api_versions_request req;
    int32_t corr = c.send(k_api_versions, 9, req);
    auto frame = c.read_frame();
    ASSERT_TRUE(frame);
    int32_t got = 0;
    auto r = decode_response<api_versions_response>(k_api_versions, 0, frame->data(), frame->size(), &got);
    ASSERT_TRUE(r);
    EXPECT_EQ(got, corr);
    EXPECT_EQ(r->error_code, ec::unsupported_version);
    ASSERT_EQ(r->api_keys.size(), 1u);
    EXPECT_EQ(r->api_keys[0].api_key, 18);
    EXPECT_EQ(r->api_keys[0].max_version, 3);
}

TEST(broker_protocol, unknown_api_and_unsupported_version_close_the_connection) {
    auto b = start();
    {
        test_client c(b->port());
        api_versions_request req;
        c.send(int16_t(1234), 0, req);
        EXPECT_TRUE(c.closed_by_peer());
    }
    {
        test_client c(b->port());
        produce_request req;
        c.send(k_produce, 2, req); // below the advertised minimum
        EXPECT_TRUE(c.closed_by_peer());
    }
    {
        // A frame above socket.request.max.bytes.
        auto cfg = test_config();
        cfg.socket_request_max_bytes = 1000;
        auto small = start(cfg);
        test_client c(small->port());
        std::string frame(4, '\0');
        write_i32_be(frame.data(), 5000);
        c.send_raw(frame + std::string(100, 'x'));
        EXPECT_TRUE(c.closed_by_peer());
    }
}

TEST(broker_protocol, metadata_v0_v1_empty_and_null_topic_lists) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "a", 2);
    metadata_request all0;
    all0.topics.emplace();
    auto r0 = c.call<metadata_response>(k_metadata, 0, all0);
    ASSERT_EQ(r0.topics.size(), 1u);
    EXPECT_EQ(r0.topics[0].partitions.size(), 2u);
    metadata_request none1;
    none1.topics.emplace();
    auto r1 = c.call<metadata_response>(k_metadata, 1, none1);
    EXPECT_TRUE(r1.topics.empty());
    EXPECT_EQ(r1.controller_id, 0);
    metadata_request null1;
    null1.topics.reset();
    auto r2 = c.call<metadata_response>(k_metadata, 1, null1);
    ASSERT_EQ(r2.topics.size(), 1u);
    ASSERT_EQ(r2.brokers.size(), 1u);
    EXPECT_EQ(r2.brokers[0].port, b->port());
    // v4+: auto-creation only when allowed; a ready topic comes back at once.
    metadata_request ask;
    ask.topics = std::vector<std::string>{"auto"};
    ask.allow_auto_topic_creation = false;
    auto r3 = c.call<metadata_response>(k_metadata, 8, ask);
    EXPECT_EQ(r3.topics.at(0).error_code, ec::unknown_topic_or_partition);
    ask.allow_auto_topic_creation = true;
    auto r4 = c.call<metadata_response>(k_metadata, 8, ask);
    EXPECT_EQ(r4.topics.at(0).error_code, ec::none);
    EXPECT_EQ(r4.topics.at(0).partitions.size(), 1u);
    EXPECT_EQ(r4.topics.at(0).partitions.at(0).leader_epoch, 0);
    EXPECT_TRUE(r4.cluster_id && r4.cluster_id->size() == 22);
    metadata_request bad;
    bad.topics = std::vector<std::string>{"no spaces"};
    EXPECT_EQ(c.call<metadata_response>(k_metadata, 8, bad).topics.at(0).error_code, ec::invalid_topic_exception);
}

TEST(broker_protocol, pipelined_requests_are_answered_in_order_and_acks_zero_gets_no_reply) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "p", 1);
    metadata_request md;
    int32_t c1 = c.send(k_metadata, 8, md);
    int32_t c2 = c.send(k_produce, 8, produce_req("p", 0, batch_of({"silent"}), 0)); // acks=0
    int32_t c3 = c.send(k_api_versions, 2, api_versions_request{});
    int32_t c4 = c.send(k_produce, 8, produce_req("p", 0, batch_of({"loud"}), 1));
    int32_t got = 0;
    c.receive<metadata_response>(k_metadata, 8, &got);
    EXPECT_EQ(got, c1);
    c.receive<api_versions_response>(k_api_versions, 2, &got);
    EXPECT_EQ(got, c3);
    auto pr = c.receive<produce_response>(k_produce, 8, &got);
    EXPECT_EQ(got, c4);
    EXPECT_EQ(pr.responses.at(0).partitions.at(0).base_offset, 1); // the acks=0 batch took offset 0
    (void)c2;
    auto f = c.call<fetch_response>(k_fetch, 11, fetch_req("p", 0, 0));
    EXPECT_EQ(values_of(f.responses.at(0).partitions.at(0).records), (std::vector<std::string>{"silent", "loud"}));
}

TEST(broker_protocol, fetch_long_poll_waits_and_wakes_on_new_data) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "lp", 1);
    auto t0 = std::chrono::steady_clock::now();
    auto empty = c.call<fetch_response>(k_fetch, 11, fetch_req("lp", 0, 0, 300));
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_GE(waited, 280);
    EXPECT_FALSE(empty.responses.at(0).partitions.at(0).records.is_null);
    EXPECT_EQ(empty.responses.at(0).partitions.at(0).records.size, 0u);

    test_client waiter(b->port());
    int32_t corr = waiter.send(k_fetch, 11, fetch_req("lp", 0, 0, 10000));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    t0 = std::chrono::steady_clock::now();
    // The other connection stays responsive while the fetch is parked.
    c.call<produce_response>(k_produce, 8, produce_req("lp", 0, batch_of({"wake"})));
    int32_t got = 0;
    auto r = waiter.receive<fetch_response>(k_fetch, 11, &got);
    auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(got, corr);
    EXPECT_LT(latency, 2000);
    EXPECT_EQ(values_of(r.responses.at(0).partitions.at(0).records), std::vector<std::string>{"wake"});
    EXPECT_EQ(r.responses.at(0).partitions.at(0).high_watermark, 1);

    // Out of range, unknown partition.
    auto oor = c.call<fetch_response>(k_fetch, 11, fetch_req("lp", 0, 5));
    EXPECT_EQ(oor.responses.at(0).partitions.at(0).error_code, ec::offset_out_of_range);
    auto unk = c.call<fetch_response>(k_fetch, 11, fetch_req("lp", 7, 0));
    EXPECT_EQ(unk.responses.at(0).partitions.at(0).error_code, ec::unknown_topic_or_partition);
}

TEST(broker_protocol, produce_validation_errors) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "v", 1);
    auto bad_crc = batch_of({"x"});
    bad_crc.back() ^= 0x55;
    auto r = c.call<produce_response>(k_produce, 8, produce_req("v", 0, bad_crc));
    EXPECT_EQ(r.responses.at(0).partitions.at(0).error_code, ec::corrupt_message);
    auto two = batch_of({"a"}) + batch_of({"b"});
    r = c.call<produce_response>(k_produce, 8, produce_req("v", 0, two));
    EXPECT_EQ(r.responses.at(0).partitions.at(0).error_code, ec::invalid_record);
    r = c.call<produce_response>(k_produce, 8, produce_req("nope", 0, batch_of({"x"})));
    EXPECT_EQ(r.responses.at(0).partitions.at(0).error_code, ec::unknown_topic_or_partition);
    r = c.call<produce_response>(k_produce, 8, produce_req("v", 0, batch_of({"x"}), 2));
    EXPECT_EQ(r.responses.at(0).partitions.at(0).error_code, ec::invalid_required_acks);
    // acks=0 and an error: no response, the connection is closed.
    test_client quiet(b->port());
    quiet.send(k_produce, 8, produce_req("nope", 0, batch_of({"x"}), 0));
    EXPECT_TRUE(quiet.closed_by_peer());
}

TEST(broker_protocol, idempotent_sequences_duplicates_and_epochs) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "i", 1);
    auto pid = c.call<init_producer_id_response>(k_init_pid, 4, init_producer_id_request{std::nullopt, 60000, -1, -1});
    ASSERT_EQ(pid.error_code, ec::none);
    auto pid2 = c.call<init_producer_id_response>(k_init_pid, 4, init_producer_id_request{std::nullopt, 60000, -1, -1});
    EXPECT_NE(pid.producer_id, pid2.producer_id);
    auto batch = [&](int32_t seq, int16_t epoch, std::vector<std::string> v) {
        batch_options o;
        o.producer_id = pid.producer_id;
        o.producer_epoch = epoch;
        o.base_sequence = seq;
        return batch_of(std::move(v), o);
    };
    auto send = [&](std::string bt) {
        return c.call<produce_response>(k_produce, 8, produce_req("i", 0, std::move(bt)))
            .responses.at(0)
            .partitions.at(0);
    };
    auto p1 = send(batch(0, 0, {"a", "b"}));
    EXPECT_EQ(p1.error_code, ec::none);
    auto p2 = send(batch(2, 0, {"c"}));
    EXPECT_EQ(p2.base_offset, 2);
    auto dup = send(batch(0, 0, {"a", "b"}));
    EXPECT_EQ(dup.error_code, ec::none);
    EXPECT_EQ(dup.base_offset, 0); // the original offset; nothing appended
    EXPECT_EQ(send(batch(5, 0, {"gap"})).error_code, ec::out_of_order_sequence_number);
    EXPECT_EQ(send(batch(0, 1, {"new epoch"})).error_code, ec::none);
    EXPECT_EQ(send(batch(3, 0, {"old epoch"})).error_code, ec::invalid_producer_epoch);
    auto f = c.call<fetch_response>(k_fetch, 11, fetch_req("i", 0, 0));
    EXPECT_EQ(values_of(f.responses.at(0).partitions.at(0).records),
              (std::vector<std::string>{"a", "b", "c", "new epoch"}));
}

TEST(broker_protocol, transactions_lso_markers_and_aborted_ranges) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "t", 1);
    auto init =
        c.call<init_producer_id_response>(k_init_pid, 4, init_producer_id_request{std::string("txn"), 60000, -1, -1});
    ASSERT_EQ(init.error_code, ec::none);
    batch_options o;
    o.producer_id = init.producer_id;
    o.producer_epoch = init.producer_epoch;
    o.base_sequence = 0;
    o.transactional = true;
    // Not yet added to the transaction.
    auto early = c.call<produce_response>(k_produce, 8, produce_req("t", 0, batch_of({"early"}, o), -1, "txn"));
    EXPECT_EQ(early.responses.at(0).partitions.at(0).error_code, ec::invalid_txn_state);
    add_partitions_to_txn_request add{"txn", init.producer_id, init.producer_epoch, {{"t", {0}}}};
    auto ar = c.call<add_partitions_to_txn_response>(k_add_partitions, 3, add);
    EXPECT_EQ(ar.results.at(0).partitions.at(0).error_code, ec::none);
    auto pr = c.call<produce_response>(k_produce, 8, produce_req("t", 0, batch_of({"t1", "t2"}, o), -1, "txn"));
    ASSERT_EQ(pr.responses.at(0).partitions.at(0).error_code, ec::none);
    c.call<produce_response>(k_produce, 8, produce_req("t", 0, batch_of({"plain"})));

    auto rc = c.call<fetch_response>(k_fetch, 11, fetch_req("t", 0, 0, 0, 1));
    auto& p = rc.responses.at(0).partitions.at(0);
    EXPECT_EQ(p.high_watermark, 3);
    EXPECT_EQ(p.last_stable_offset, 0);
    EXPECT_EQ(p.records.size, 0u);
    list_offsets_request lo;
    lo.isolation_level = 1;
    lo.topics.push_back({"t", {{0, -1, -1, 1}}});
    EXPECT_EQ(c.call<list_offsets_response>(k_list_offsets, 5, lo).topics.at(0).partitions.at(0).offset, 0);

    auto end =
        c.call<end_txn_response>(k_end_txn, 3, end_txn_request{"txn", init.producer_id, init.producer_epoch, false});
    EXPECT_EQ(end.error_code, ec::none);
    // Again with the same outcome: fine; the other outcome: INVALID_TXN_STATE.
    EXPECT_EQ(
        c.call<end_txn_response>(k_end_txn, 3, end_txn_request{"txn", init.producer_id, init.producer_epoch, false})
            .error_code,
        ec::none);
    EXPECT_EQ(
        c.call<end_txn_response>(k_end_txn, 3, end_txn_request{"txn", init.producer_id, init.producer_epoch, true})
            .error_code,
        ec::invalid_txn_state);
    rc = c.call<fetch_response>(k_fetch, 11, fetch_req("t", 0, 0, 0, 1));
    auto& q = rc.responses.at(0).partitions.at(0);
    EXPECT_EQ(q.last_stable_offset, 4); // t1 t2 plain ABORT
    ASSERT_TRUE(q.aborted_transactions);
    ASSERT_EQ(q.aborted_transactions->size(), 1u);
    EXPECT_EQ(q.aborted_transactions->at(0).producer_id, init.producer_id);
    EXPECT_EQ(q.aborted_transactions->at(0).first_offset, 0);
    auto batches = split_batches(q.records.view());
    ASSERT_EQ(batches.size(), 3u);
    EXPECT_EQ(control_type(batches[2]), 0); // ABORT marker
    auto ru = c.call<fetch_response>(k_fetch, 11, fetch_req("t", 0, 0, 0, 0));
    EXPECT_FALSE(ru.responses.at(0).partitions.at(0).aborted_transactions.has_value());

    // A second InitProducerId fences the first epoch.
    auto again =
        c.call<init_producer_id_response>(k_init_pid, 4, init_producer_id_request{std::string("txn"), 60000, -1, -1});
    EXPECT_EQ(again.producer_epoch, init.producer_epoch + 1);
    add.producer_epoch = init.producer_epoch;
    EXPECT_EQ(
        c.call<add_partitions_to_txn_response>(k_add_partitions, 3, add).results.at(0).partitions.at(0).error_code,
        ec::producer_fenced);
    EXPECT_EQ(
        c.call<add_partitions_to_txn_response>(k_add_partitions, 1, add).results.at(0).partitions.at(0).error_code,
        ec::invalid_producer_epoch);
}

TEST(broker_protocol, group_join_sync_heartbeat_commit_leave) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "g", 2);
    join_group_request j;
    j.group_id = "grp";
    j.session_timeout_ms = 10000;
    j.rebalance_timeout_ms = 10000;
    j.protocol_type = "consumer";
    j.protocols.push_back({"range", "meta"});
    auto first = c.call<join_group_response>(k_join, 5, j);
    EXPECT_EQ(first.error_code, ec::member_id_required);
    ASSERT_FALSE(first.member_id.empty());
    j.member_id = first.member_id;
    auto joined = c.call<join_group_response>(k_join, 5, j);
    ASSERT_EQ(joined.error_code, ec::none);
    EXPECT_EQ(joined.generation_id, 1);
    EXPECT_EQ(joined.leader, joined.member_id);
    EXPECT_EQ(joined.protocol_name, "range");
    ASSERT_EQ(joined.members.size(), 1u);
    sync_group_request s;
    s.group_id = "grp";
    s.generation_id = 1;
    s.member_id = j.member_id;
    s.assignments.push_back({j.member_id, "assignment-bytes"});
    auto synced = c.call<sync_group_response>(k_sync, 3, s);
    EXPECT_EQ(synced.error_code, ec::none);
    EXPECT_EQ(synced.assignment, "assignment-bytes");
    EXPECT_EQ(
        c.call<heartbeat_response>(k_heartbeat, 3, heartbeat_request{"grp", 1, j.member_id, std::nullopt}).error_code,
        ec::none);
    EXPECT_EQ(
        c.call<heartbeat_response>(k_heartbeat, 3, heartbeat_request{"grp", 7, j.member_id, std::nullopt}).error_code,
        ec::illegal_generation);
    EXPECT_EQ(
        c.call<heartbeat_response>(k_heartbeat, 3, heartbeat_request{"grp", 1, "stranger", std::nullopt}).error_code,
        ec::unknown_member_id);

    offset_commit_request oc;
    oc.group_id = "grp";
    oc.generation_id = 1;
    oc.member_id = j.member_id;
    oc.topics.push_back({"g", {{0, 42, -1, -1, std::string("m")}, {5, 1, -1, -1, std::nullopt}}});
    auto ocr = c.call<offset_commit_response>(k_offset_commit, 7, oc);
    EXPECT_EQ(ocr.topics.at(0).partitions.at(0).error_code, ec::none);
    EXPECT_EQ(ocr.topics.at(0).partitions.at(1).error_code, ec::unknown_topic_or_partition);
    oc.generation_id = -1;
    oc.member_id = "";
    EXPECT_EQ(c.call<offset_commit_response>(k_offset_commit, 7, oc).topics.at(0).partitions.at(0).error_code,
              ec::unknown_member_id);

    describe_groups_request dg;
    dg.groups = {"grp", "missing"};
    auto d = c.call<describe_groups_response>(k_describe_groups, 4, dg);
    EXPECT_EQ(d.groups.at(0).group_state, "Stable");
    EXPECT_EQ(d.groups.at(0).protocol_data, "range");
    EXPECT_EQ(d.groups.at(0).members.at(0).member_assignment, "assignment-bytes");
    EXPECT_EQ(d.groups.at(0).members.at(0).client_host, "/127.0.0.1");
    EXPECT_EQ(d.groups.at(1).group_state, "Dead");

    leave_group_request lv;
    lv.group_id = "grp";
    lv.members.push_back({j.member_id, std::nullopt});
    auto l = c.call<leave_group_response>(k_leave, 3, lv);
    EXPECT_EQ(l.error_code, ec::none);
    EXPECT_EQ(l.members.at(0).error_code, ec::none);
    offset_fetch_request of;
    of.group_id = "grp";
    of.topics = std::vector<offset_fetch_request::topic>{{"g", {0, 1}}};
    auto ofr = c.call<offset_fetch_response>(k_offset_fetch, 7, of);
    EXPECT_EQ(ofr.topics.at(0).partitions.at(0).committed_offset, 42);
    EXPECT_EQ(ofr.topics.at(0).partitions.at(0).metadata.value_or("?"), "m");
    EXPECT_EQ(ofr.topics.at(0).partitions.at(1).committed_offset, -1);
    // An Empty group accepts admin commits (generation -1, no member).
    EXPECT_EQ(c.call<offset_commit_response>(k_offset_commit, 7, oc).topics.at(0).partitions.at(0).error_code,
              ec::none);
}

TEST(broker_protocol, two_members_rebalance_and_leader_assigns) {
    auto b = start();
    test_client c1(b->port()), c2(b->port());
    join_group_request j;
    j.group_id = "two";
    j.session_timeout_ms = 10000;
    j.rebalance_timeout_ms = 5000;
    j.protocol_type = "connect";
    j.protocols.push_back({"sessioned", "m1"});
    j.protocols.push_back({"default", "m1d"});
    // v3: members are added at once (no MEMBER_ID_REQUIRED).
    auto a = c1.call<join_group_response>(k_join, 3, j);
    ASSERT_EQ(a.error_code, ec::none);
    sync_group_request s;
    s.group_id = "two";
    s.generation_id = a.generation_id;
    s.member_id = a.member_id;
    s.assignments.push_back({a.member_id, "all"});
    ASSERT_EQ(c1.call<sync_group_response>(k_sync, 3, s).assignment, "all");
    // The second member's join parks until the first rejoins (learned from its heartbeat).
    join_group_request j2 = j;
    j2.protocols = {{"default", "m2d"}, {"sessioned", "m2"}};
    int32_t corr2 = c2.send(k_join, 3, j2);
    EXPECT_FALSE(c2.read_frame(200));
    EXPECT_EQ(c1.call<heartbeat_response>(k_heartbeat, 3,
                                          heartbeat_request{"two", a.generation_id, a.member_id, std::nullopt})
                  .error_code,
              ec::rebalance_in_progress);
    join_group_request rejoin = j;
    rejoin.member_id = a.member_id;
    auto a2 = c1.call<join_group_response>(k_join, 3, rejoin);
    int32_t got = 0;
    auto b2 = c2.receive<join_group_response>(k_join, 3, &got);
    EXPECT_EQ(got, corr2);
    EXPECT_EQ(a2.generation_id, a.generation_id + 1);
    EXPECT_EQ(b2.generation_id, a2.generation_id);
    EXPECT_EQ(a2.leader, a.member_id); // the previous leader stays leader
    EXPECT_EQ(a2.members.size(), 2u);
    EXPECT_TRUE(b2.members.empty());
    // One vote each: the tie goes to the leader's preference.
    EXPECT_EQ(a2.protocol_name, "sessioned");
    // The follower's SyncGroup waits for the leader's.
    sync_group_request fs;
    fs.group_id = "two";
    fs.generation_id = b2.generation_id;
    fs.member_id = b2.member_id;
    int32_t fcorr = c2.send(k_sync, 3, fs);
    EXPECT_FALSE(c2.read_frame(200));
    sync_group_request ls = fs;
    ls.member_id = a2.member_id;
    ls.assignments = {{a2.member_id, "half-a"}, {b2.member_id, "half-b"}};
    EXPECT_EQ(c1.call<sync_group_response>(k_sync, 3, ls).assignment, "half-a");
    auto fr = c2.receive<sync_group_response>(k_sync, 3, &got);
    EXPECT_EQ(got, fcorr);
    EXPECT_EQ(fr.assignment, "half-b");
}

join_group_request join_req(const std::string& group, int32_t session_ms, int32_t rebalance_ms, std::string member = "",
                            std::optional<std::string> instance = std::nullopt) {
    join_group_request j;
    j.group_id = group;
    j.session_timeout_ms = session_ms;
    j.rebalance_timeout_ms = rebalance_ms;
    j.member_id = std::move(member);
    j.group_instance_id = std::move(instance);
    j.protocol_type = "consumer";
    j.protocols.push_back({"range", "m"});
    return j;
}

broker_config fast_groups_config() {
    auto cfg = test_config();
    cfg.group_min_session_timeout_ms = 100;
    return cfg;
}

TEST(broker_groups, session_expiry_removes_a_silent_member) {
    auto b = start(fast_groups_config());
    test_client c(b->port());
    auto j = c.call<join_group_response>(k_join, 3, join_req("exp", 400, 400));
    ASSERT_EQ(j.error_code, ec::none);
    sync_group_request s{"exp", j.generation_id, j.member_id, std::nullopt, {{j.member_id, "x"}}};
    ASSERT_EQ(c.call<sync_group_response>(k_sync, 3, s).error_code, ec::none);
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    describe_groups_request dg;
    dg.groups = {"exp"};
    auto d = c.call<describe_groups_response>(k_describe_groups, 4, dg);
    EXPECT_EQ(d.groups.at(0).group_state, "Empty");
    EXPECT_TRUE(d.groups.at(0).members.empty());
    EXPECT_EQ(
        c.call<heartbeat_response>(k_heartbeat, 3, heartbeat_request{"exp", j.generation_id, j.member_id, std::nullopt})
            .error_code,
        ec::unknown_member_id);
}

TEST(broker_groups, members_missing_the_rebalance_timeout_are_dropped) {
    auto b = start(fast_groups_config());
    test_client c1(b->port()), c2(b->port());
    auto a = c1.call<join_group_response>(k_join, 3, join_req("rt", 10000, 500));
    int32_t corr = c2.send(k_join, 3, join_req("rt", 10000, 500));
    // c1 is not rejoining: after the rebalance timeout the join completes without it.
    auto t0 = std::chrono::steady_clock::now();
    int32_t got = 0;
    auto bj = c2.receive<join_group_response>(k_join, 3, &got, 5000);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(got, corr);
    EXPECT_EQ(bj.error_code, ec::none);
    EXPECT_GE(ms, 300);
    EXPECT_EQ(bj.generation_id, a.generation_id + 1);
    EXPECT_EQ(bj.leader, bj.member_id);
    EXPECT_EQ(bj.members.size(), 1u);
    EXPECT_EQ(
        c1.call<heartbeat_response>(k_heartbeat, 3, heartbeat_request{"rt", a.generation_id, a.member_id, std::nullopt})
            .error_code,
        ec::unknown_member_id);
}

TEST(broker_groups, initial_rebalance_delay_holds_the_first_join) {
    auto cfg = fast_groups_config();
    cfg.group_initial_rebalance_delay_ms = 300;
    auto b = start(cfg);
    test_client c(b->port());
    auto t0 = std::chrono::steady_clock::now();
    auto j = c.call<join_group_response>(k_join, 3, join_req("delay", 10000, 10000));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(j.error_code, ec::none);
    EXPECT_GE(ms, 280);
}

TEST(broker_groups, static_member_restart_fences_the_old_id_without_rebalance) {
    auto b = start(fast_groups_config());
    test_client c(b->port());
    auto j = c.call<join_group_response>(k_join, 5, join_req("st", 10000, 10000, "", std::string("inst")));
    ASSERT_EQ(j.error_code, ec::none); // static members need no MEMBER_ID_REQUIRED round
    sync_group_request s{"st", j.generation_id, j.member_id, std::string("inst"), {{j.member_id, "assigned"}}};
    ASSERT_EQ(c.call<sync_group_response>(k_sync, 3, s).assignment, "assigned");
    auto again = c.call<join_group_response>(k_join, 5, join_req("st", 10000, 10000, "", std::string("inst")));
    EXPECT_EQ(again.error_code, ec::none);
    EXPECT_NE(again.member_id, j.member_id);
    EXPECT_EQ(again.generation_id, j.generation_id); // no rebalance
    EXPECT_EQ(again.leader, again.member_id);
    EXPECT_EQ(c.call<heartbeat_response>(k_heartbeat, 3,
                                         heartbeat_request{"st", j.generation_id, j.member_id, std::string("inst")})
                  .error_code,
              ec::fenced_instance_id);
    sync_group_request s2{"st", again.generation_id, again.member_id, std::string("inst"), {}};
    EXPECT_EQ(c.call<sync_group_response>(k_sync, 3, s2).assignment, "assigned");
}

TEST(broker_groups, inconsistent_protocols_and_bad_session_timeouts) {
    auto b = start();
    test_client c(b->port());
    auto bad = c.call<join_group_response>(k_join, 3, join_req("inc", 10, 10));
    EXPECT_EQ(bad.error_code, ec::invalid_session_timeout);
    auto a = c.call<join_group_response>(k_join, 3, join_req("inc", 10000, 10000));
    ASSERT_EQ(a.error_code, ec::none);
    auto other = join_req("inc", 10000, 10000);
    other.protocols = {{"roundrobin", "m"}};
    EXPECT_EQ(c.call<join_group_response>(k_join, 3, other).error_code, ec::inconsistent_group_protocol);
    other = join_req("inc", 10000, 10000);
    other.protocol_type = "connect";
    EXPECT_EQ(c.call<join_group_response>(k_join, 3, other).error_code, ec::inconsistent_group_protocol);
}

TEST(broker_admin, configs_incremental_alter_synonyms_and_broker_resource) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "cf", 1, {{"retention.ms", "5000"}});
    incremental_alter_configs_request inc;
    inc.resources.push_back({resource_topic,
                             "cf",
                             {{"cleanup.policy", config_op_append, std::string("compact")},
                              {"retention.ms", config_op_delete, std::nullopt},
                              {"segment.bytes", config_op_set, std::string("1048576")}}});
    auto ir = c.call<alter_configs_response>(44, 1, inc);
    ASSERT_EQ(ir.responses.at(0).error_code, ec::none) << ir.responses.at(0).error_message.value_or("");
    describe_configs_request dc;
    dc.include_synonyms = true;
    dc.resources.push_back(
        {resource_topic, "cf", std::vector<std::string>{"cleanup.policy", "retention.ms", "segment.bytes"}});
    dc.resources.push_back({resource_broker, "0", std::nullopt});
    dc.resources.push_back({resource_broker, "7", std::nullopt});
    auto dr = c.call<describe_configs_response>(32, 2, dc);
    std::map<std::string, describe_configs_response::config> got;
    for (auto& cfg : dr.results.at(0).configs)
        got[cfg.name] = cfg;
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got["cleanup.policy"].value.value_or(""), "delete,compact");
    EXPECT_EQ(got["cleanup.policy"].config_source, 1);
    EXPECT_EQ(got["retention.ms"].value.value_or(""), "604800000");
    EXPECT_EQ(got["retention.ms"].config_source, 5);
    ASSERT_FALSE(got["retention.ms"].synonyms.empty());
    EXPECT_EQ(got["retention.ms"].synonyms.back().name, "log.retention.ms");
    EXPECT_EQ(got["segment.bytes"].value.value_or(""), "1048576");
    bool has_partitions = false;
    for (auto& cfg : dr.results.at(1).configs)
        has_partitions |= cfg.name == "num.partitions" && cfg.read_only;
    EXPECT_TRUE(has_partitions);
    EXPECT_EQ(dr.results.at(2).error_code, ec::invalid_request);
    // Bad value, unknown key, unknown topic.
    inc.resources = {{resource_topic, "cf", {{"retention.ms", config_op_set, std::string("soon")}}}};
    EXPECT_EQ(c.call<alter_configs_response>(44, 1, inc).responses.at(0).error_code, ec::invalid_config);
    alter_configs_request ac;
    ac.resources.push_back({resource_topic, "cf", {{"no.such.key", 0, std::string("1")}}});
    EXPECT_EQ(c.call<alter_configs_response>(33, 1, ac).responses.at(0).error_code, ec::invalid_config);
    ac.resources = {{resource_topic, "missing", {}}};
    EXPECT_EQ(c.call<alter_configs_response>(33, 1, ac).responses.at(0).error_code, ec::unknown_topic_or_partition);
}

TEST(broker_admin, partitions_records_cluster_and_epochs) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "pr", 1);
    create_partitions_request cp;
    cp.topics.push_back({"pr", 3, std::nullopt});
    cp.validate_only = true;
    EXPECT_EQ(c.call<create_partitions_response>(37, 1, cp).results.at(0).error_code, ec::none);
    metadata_request md;
    md.topics = std::vector<std::string>{"pr"};
    EXPECT_EQ(c.call<metadata_response>(k_metadata, 8, md).topics.at(0).partitions.size(), 1u);
    cp.validate_only = false;
    EXPECT_EQ(c.call<create_partitions_response>(37, 1, cp).results.at(0).error_code, ec::none);
    EXPECT_EQ(c.call<metadata_response>(k_metadata, 8, md).topics.at(0).partitions.size(), 3u);
    EXPECT_EQ(c.call<create_partitions_response>(37, 1, cp).results.at(0).error_code, ec::invalid_partitions);

    c.call<produce_response>(k_produce, 8, produce_req("pr", 0, batch_of({"a", "b", "c", "d"})));
    delete_records_request dr;
    dr.topics.push_back({"pr", {{0, 2}, {1, 5}}});
    auto drr = c.call<delete_records_response>(21, 1, dr);
    EXPECT_EQ(drr.topics.at(0).partitions.at(0).low_watermark, 2);
    EXPECT_EQ(drr.topics.at(0).partitions.at(1).error_code, ec::offset_out_of_range);
    list_offsets_request lo;
    lo.topics.push_back({"pr", {{0, -1, -2, 1}}});
    EXPECT_EQ(c.call<list_offsets_response>(k_list_offsets, 5, lo).topics.at(0).partitions.at(0).offset, 2);
    auto below = c.call<fetch_response>(k_fetch, 11, fetch_req("pr", 0, 0));
    EXPECT_EQ(below.responses.at(0).partitions.at(0).error_code, ec::offset_out_of_range);

    auto cluster = c.call<describe_cluster_response>(60, 0, describe_cluster_request{});
    EXPECT_EQ(cluster.controller_id, 0);
    ASSERT_EQ(cluster.brokers.size(), 1u);
    EXPECT_EQ(cluster.brokers[0].port, b->port());

    offset_for_leader_epoch_request oe;
    oe.topics.push_back({"pr", {{0, 0, 0}, {1, 0, 3}}});
    auto oer = c.call<offset_for_leader_epoch_response>(23, 3, oe);
    EXPECT_EQ(oer.topics.at(0).partitions.at(0).end_offset, 4);
    EXPECT_EQ(oer.topics.at(0).partitions.at(0).leader_epoch, 0);
    EXPECT_EQ(oer.topics.at(0).partitions.at(1).end_offset, -1);
}

TEST(broker_protocol, several_network_threads) {
    auto cfg = test_config();
    cfg.network_threads = 3;
    auto b = start(cfg);
    std::vector<std::unique_ptr<test_client>> clients;
    for (int i = 0; i < 6; ++i)
        clients.push_back(std::make_unique<test_client>(b->port()));
    create_topic(*clients[0], "mt", 1);
    // Fetches parked on different loops are all woken by one append on yet another loop.
    std::vector<int32_t> corrs;
    for (int i = 1; i < 5; ++i)
        corrs.push_back(clients[i]->send(k_fetch, 11, fetch_req("mt", 0, 0, 10000)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    clients[5]->call<produce_response>(k_produce, 8, produce_req("mt", 0, batch_of({"all"})));
    for (int i = 1; i < 5; ++i) {
        int32_t got = 0;
        auto r = clients[i]->receive<fetch_response>(k_fetch, 11, &got, 3000);
        EXPECT_EQ(got, corrs[i - 1]);
        EXPECT_EQ(values_of(r.responses.at(0).partitions.at(0).records), std::vector<std::string>{"all"});
    }
    // Group answers travel back to the right loop.
    auto j = clients[2]->call<join_group_response>(k_join, 3, join_req("mtg", 10000, 10000));
    EXPECT_EQ(j.error_code, ec::none);
}

TEST(broker_protocol, metrics_text) {
    auto b = start();
    test_client c(b->port());
    create_topic(c, "m", 1);
    c.call<produce_response>(k_produce, 8, produce_req("m", 0, batch_of({"1", "2", "3"})));
    auto text = b->metrics_text();
    EXPECT_NE(text.find("# TYPE kafka_network_requestmetrics_requests_total counter"), std::string::npos);
    EXPECT_NE(text.find("kafka_network_requestmetrics_requests_total{request=\"Produce\"} 1"), std::string::npos);
    EXPECT_NE(text.find("ferry_broker_produced_records_total 3"), std::string::npos);
    EXPECT_NE(text.find("kafka_log_log_logendoffset{topic=\"m\",partition=\"0\"} 3"), std::string::npos);
    EXPECT_NE(text.find("kafka_coordinator_group_groups{state=\"Stable\"} 0"), std::string::npos);
    EXPECT_NE(text.find("kafka_server_brokertopicmetrics_bytesin_total"), std::string::npos);
}

TEST(broker_durable, offsets_groups_producers_and_transactions_survive_restart) {
    temp_dir d;
    auto cfg = test_config();
    cfg.in_memory = false;
    cfg.log_dir = (d.path / "data").string();
    int64_t pid = -1;
    int16_t epoch = -1;
    std::string cluster;
    {
        auto b = start(cfg);
        test_client c(b->port());
        create_topic(c, "d", 1);
        offset_commit_request oc;
        oc.group_id = "dg";
        oc.topics.push_back({"d", {{0, 17, -1, -1, std::string("meta")}}});
        ASSERT_EQ(c.call<offset_commit_response>(k_offset_commit, 7, oc).topics.at(0).partitions.at(0).error_code,
                  ec::none);
        auto init = c.call<init_producer_id_response>(k_init_pid, 4,
                                                      init_producer_id_request{std::string("dtx"), 60000, -1, -1});
        pid = init.producer_id;
        epoch = init.producer_epoch;
        add_partitions_to_txn_request add{"dtx", pid, epoch, {{"d", {0}}}};
        ASSERT_EQ(
            c.call<add_partitions_to_txn_response>(k_add_partitions, 3, add).results.at(0).partitions.at(0).error_code,
            ec::none);
        batch_options o;
        o.producer_id = pid;
        o.producer_epoch = epoch;
        o.base_sequence = 0;
        o.transactional = true;
        ASSERT_EQ(c.call<produce_response>(k_produce, 8, produce_req("d", 0, batch_of({"open"}, o), -1, "dtx"))
                      .responses.at(0)
                      .partitions.at(0)
                      .error_code,
                  ec::none);
        cluster = c.call<metadata_response>(k_metadata, 8, metadata_request{}).cluster_id.value_or("");
    }
    auto b = start(cfg);
    test_client c(b->port());
    EXPECT_EQ(c.call<metadata_response>(k_metadata, 8, metadata_request{}).cluster_id.value_or(""), cluster);
    offset_fetch_request of;
    of.group_id = "dg";
    of.topics = std::vector<offset_fetch_request::topic>{{"d", {0}}};
    auto ofr = c.call<offset_fetch_response>(k_offset_fetch, 7, of);
    EXPECT_EQ(ofr.topics.at(0).partitions.at(0).committed_offset, 17);
    EXPECT_EQ(ofr.topics.at(0).partitions.at(0).metadata.value_or(""), "meta");
    // The open transaction still holds the LSO, and the retried batch is recognised as a duplicate.
    auto rc = c.call<fetch_response>(k_fetch, 11, fetch_req("d", 0, 0, 0, 1));
    EXPECT_EQ(rc.responses.at(0).partitions.at(0).last_stable_offset, 0);
    batch_options o;
    o.producer_id = pid;
    o.producer_epoch = epoch;
    o.base_sequence = 0;
    o.transactional = true;
    auto dup = c.call<produce_response>(k_produce, 8, produce_req("d", 0, batch_of({"open"}, o), -1, "dtx"));
    EXPECT_EQ(dup.responses.at(0).partitions.at(0).error_code, ec::none);
    EXPECT_EQ(dup.responses.at(0).partitions.at(0).base_offset, 0);
    EXPECT_EQ(c.call<end_txn_response>(k_end_txn, 3, end_txn_request{"dtx", pid, epoch, true}).error_code, ec::none);
    rc = c.call<fetch_response>(k_fetch, 11, fetch_req("d", 0, 0, 0, 1));
    EXPECT_EQ(values_of(rc.responses.at(0).partitions.at(0).records), std::vector<std::string>{"open"});
    // Producer ids are never reused.
    auto fresh =
        c.call<init_producer_id_response>(k_init_pid, 4, init_producer_id_request{std::nullopt, 60000, -1, -1});
    EXPECT_GT(fresh.producer_id, pid);
}

} // namespace
} // namespace ferry::broker
