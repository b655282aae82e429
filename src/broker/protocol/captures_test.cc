// Decodes request frames captured from the real clients (kcat/librdkafka 2.0.2,
// python3-confluent-kafka, kafka-python 2.0.2, kafkajs 2.2.4; see tests/broker/captures/README.md)
// and checks that every byte is understood: the body decodes completely and re-encodes to the
// identical bytes.

#include "broker/protocol/api.hpp"
#include "broker/protocol/messages.hpp"
#include "broker/protocol/record_batch.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace ferry::broker::proto {
namespace {

namespace fs = std::filesystem;

struct capture {
    std::string name;
    std::string frame; // without the size prefix
};

std::vector<capture> load_captures() {
    std::vector<capture> out;
    fs::path dir(FERRY_BROKER_CAPTURES_DIR);
    if (!fs::exists(dir)) return out;
    for (auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.path().extension() != ".bin") continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // A capture file holds one or more size-prefixed request frames.
        size_t pos = 0;
        int i = 0;
        while (data.size() - pos >= 4) {
            int32_t n = read_i32_be(data.data() + pos);
            if (n < 0 || data.size() - pos - 4 < static_cast<size_t>(n)) break;
            out.push_back({e.path().filename().string() + "#" + std::to_string(i++), data.substr(pos + 4, static_cast<size_t>(n))});
            pos += 4 + static_cast<size_t>(n);
        }
    }
    return out;
}

template <class M>
void round_trip(const capture& c, const request_header& h, size_t body_off) {
    std::string body = c.frame.substr(body_off);
    std::string copy = body;
    M m;
    bool flex = is_flexible(h.api_key, h.api_version);
    decoder d(copy.data(), copy.size(), h.api_version, flex);
    m.serde(d);
    ASSERT_TRUE(d.ok()) << c.name;
    EXPECT_EQ(d.remaining(), 0u) << c.name << ": trailing bytes";
    out_buffer out;
    encoder e(out, h.api_version, flex);
    m.serde(e);
    EXPECT_TRUE(out.flatten() == body) << c.name << ": re-encoding differs";
}

void check(const capture& c) {
    size_t off = 0;
    std::string frame = c.frame;
    auto h = parse_request_header(frame.data(), frame.size(), off);
    ASSERT_TRUE(h) << c.name;
    auto* api = find_api(h->api_key);
    ASSERT_NE(api, nullptr) << c.name << ": api " << h->api_key;
    switch (static_cast<api_key>(h->api_key)) {
    case api_key::produce: return round_trip<produce_request>(c, *h, off);
    case api_key::fetch: return round_trip<fetch_request>(c, *h, off);
    case api_key::list_offsets: return round_trip<list_offsets_request>(c, *h, off);
    case api_key::metadata: return round_trip<metadata_request>(c, *h, off);
    case api_key::offset_commit: return round_trip<offset_commit_request>(c, *h, off);
    case api_key::offset_fetch: return round_trip<offset_fetch_request>(c, *h, off);
    case api_key::find_coordinator: return round_trip<find_coordinator_request>(c, *h, off);
    case api_key::join_group: return round_trip<join_group_request>(c, *h, off);
    case api_key::heartbeat: return round_trip<heartbeat_request>(c, *h, off);
    case api_key::leave_group: return round_trip<leave_group_request>(c, *h, off);
    case api_key::sync_group: return round_trip<sync_group_request>(c, *h, off);
    case api_key::describe_groups: return round_trip<describe_groups_request>(c, *h, off);
    case api_key::list_groups: return round_trip<list_groups_request>(c, *h, off);
    case api_key::api_versions:
        if (h->api_version <= api->max_version) return round_trip<api_versions_request>(c, *h, off);
        return;
    case api_key::create_topics: return round_trip<create_topics_request>(c, *h, off);
    case api_key::delete_topics: return round_trip<delete_topics_request>(c, *h, off);
    case api_key::delete_records: return round_trip<delete_records_request>(c, *h, off);
    case api_key::init_producer_id: return round_trip<init_producer_id_request>(c, *h, off);
    case api_key::offset_for_leader_epoch: return round_trip<offset_for_leader_epoch_request>(c, *h, off);
    case api_key::add_partitions_to_txn: return round_trip<add_partitions_to_txn_request>(c, *h, off);
    case api_key::add_offsets_to_txn: return round_trip<add_offsets_to_txn_request>(c, *h, off);
    case api_key::end_txn: return round_trip<end_txn_request>(c, *h, off);
    case api_key::txn_offset_commit: return round_trip<txn_offset_commit_request>(c, *h, off);
    case api_key::describe_configs: return round_trip<describe_configs_request>(c, *h, off);
    case api_key::alter_configs: return round_trip<alter_configs_request>(c, *h, off);
    case api_key::create_partitions: return round_trip<create_partitions_request>(c, *h, off);
    case api_key::delete_groups: return round_trip<delete_groups_request>(c, *h, off);
    case api_key::incremental_alter_configs: return round_trip<incremental_alter_configs_request>(c, *h, off);
    case api_key::describe_cluster: return round_trip<describe_cluster_request>(c, *h, off);
    default: FAIL() << c.name << ": no decoder for api " << h->api_key;
    }
}

TEST(captures, every_captured_request_decodes_and_reencodes_exactly) {
    auto caps = load_captures();
    if (caps.empty()) GTEST_SKIP() << "no captures in " << FERRY_BROKER_CAPTURES_DIR;
    for (auto& c : caps) check(c);
}

} // namespace
} // namespace ferry::broker::proto
