// Decodes request frames captured from the real clients (kcat/librdkafka 2.0.2,
// python3-confluent-kafka, kafka-python 2.0.2, kafkajs 2.2.4; see tests/broker/captures/README.md)
// and checks that every byte is understood: the body decodes completely and re-encodes to the
// identical bytes.

#include "broker/protocol/api.hpp"
#include "broker/protocol/messages.hpp"
#include "broker/protocol/record_batch.hpp"
#include "broker/protocol/visit_request.hpp"

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
            out.push_back({e.path().filename().string() + "#" + std::to_string(i++),
                           data.substr(pos + 4, static_cast<size_t>(n))});
            pos += 4 + static_cast<size_t>(n);
        }
    }
    return out;
}

void check(const capture& c) {
    size_t off = 0;
    std::string frame = c.frame;
    auto h = parse_request_header(frame.data(), frame.size(), off);
    ASSERT_TRUE(h) << c.name;
    auto* api = find_api(h->api_key);
    ASSERT_NE(api, nullptr) << c.name << ": api " << h->api_key;
    if (h->api_key == static_cast<int16_t>(api_key::api_versions) && h->api_version > api->max_version) return;
    std::string body = frame.substr(off);
    bool flex = is_flexible(h->api_key, h->api_version);
    bool decoded = visit_request(*h, frame.data() + off, frame.size() - off, [&](auto& msg) {
        // Equal bytes after re-encoding: every byte was understood, none left over.
        out_buffer out;
        encoder e(out, h->api_version, flex);
        msg.serde(e);
        EXPECT_TRUE(out.flatten() == body) << c.name << ": re-encoding differs";
    });
    EXPECT_TRUE(decoded) << c.name << ": does not decode";
}

TEST(captures, every_captured_request_decodes_and_reencodes_exactly) {
    auto caps = load_captures();
    if (caps.empty()) GTEST_SKIP() << "no captures in " << FERRY_BROKER_CAPTURES_DIR;
    for (auto& c : caps)
        check(c);
}

template <class M> std::optional<M> decode_capture(const std::string& rel, request_header* hout = nullptr) {
    std::ifstream in(std::string(FERRY_BROKER_CAPTURES_DIR) + "/" + rel, std::ios::binary);
    if (!in) return std::nullopt;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    static std::vector<std::string> keep; // decoded records point into the frame
    keep.push_back(data.substr(4));
    auto& frame = keep.back();
    size_t off = 0;
    auto h = parse_request_header(frame.data(), frame.size(), off);
    if (!h) return std::nullopt;
    if (hout) *hout = *h;
    return decode_request<M>(*h, frame.data() + off, frame.size() - off);
}

TEST(captures, what_the_clients_actually_send) {
    if (!std::filesystem::exists(FERRY_BROKER_CAPTURES_DIR)) GTEST_SKIP();
    request_header h;
    // librdkafka opens with a flexible ApiVersions v3 naming itself.
    auto av = decode_capture<api_versions_request>("librdkafka-kcat/ApiVersions-v3.bin", &h);
    ASSERT_TRUE(av);
    EXPECT_EQ(av->client_software_name, "librdkafka");
    EXPECT_EQ(h.client_id.value_or(""), "rdkafka");
    // kafka-python probes with ApiVersions v0 and Metadata v0.
    ASSERT_TRUE(decode_capture<api_versions_request>("kafka-python/ApiVersions-v0.bin"));
    ASSERT_TRUE(decode_capture<metadata_request>("kafka-python/Metadata-v0.bin"));
    // kafkajs joins with its RoundRobinAssigner protocol and CreateTopics v3 with -1 defaults allowed.
    auto jg = decode_capture<join_group_request>("kafkajs/JoinGroup-v5.bin");
    ASSERT_TRUE(jg);
    EXPECT_EQ(jg->protocol_type, "consumer");
    ASSERT_FALSE(jg->protocols.empty());
    EXPECT_EQ(jg->protocols[0].name, "RoundRobinAssigner");
    // librdkafka's transactional InitProducerId v4 (flexible) names the transactional id.
    auto ip = decode_capture<init_producer_id_request>("confluent-kafka-python/InitProducerId-v4.bin");
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->transactional_id.value_or(""), "cap-tx");
    EXPECT_EQ(ip->producer_id, -1);
    // Produce carries exactly one magic-2 batch per partition.
    auto pr = decode_capture<produce_request>("librdkafka-kcat/Produce-v7.bin");
    ASSERT_TRUE(pr);
    auto& part = pr->topics.at(0).partitions.at(0);
    auto bh = parse_batch_header(part.records.view());
    ASSERT_TRUE(bh);
    EXPECT_EQ(bh->total_size(), part.records.size);
    EXPECT_EQ(bh->crc, crc32c(0, part.records.data + 21, part.records.size - 21));
    // Consumers ask read_committed (librdkafka, kafkajs) and sessionless fetches.
    auto fr = decode_capture<fetch_request>("librdkafka-kcat/Fetch-v11.bin");
    ASSERT_TRUE(fr);
    EXPECT_EQ(fr->isolation_level, 1);
    EXPECT_EQ(fr->session_id, 0);
    EXPECT_EQ(fr->session_epoch, -1);
    auto cp = decode_capture<create_topics_request>("confluent-kafka-python/CreateTopics-v4.bin");
    ASSERT_TRUE(cp);
    EXPECT_EQ(cp->topics.at(0).configs.at(0).name, "cleanup.policy");
}

} // namespace
} // namespace ferry::broker::proto
