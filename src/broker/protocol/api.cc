#include "broker/protocol/api.hpp"

#include <algorithm>
#include <array>
#include <climits>

namespace ferry::broker::proto {
namespace {

constexpr int16_t never = INT16_MAX;

// Spec section 0, "Advertise" column; flexible_from from Kafka's message definitions.
constexpr std::array<api_info, 30> apis = {{
    {0, "Produce", 3, 8, 9},
    {1, "Fetch", 4, 11, 12},
    {2, "ListOffsets", 1, 5, 6},
    {3, "Metadata", 0, 8, 9},
    {8, "OffsetCommit", 0, 7, 8},
    {9, "OffsetFetch", 1, 7, 6},
    {10, "FindCoordinator", 0, 2, 3},
    {11, "JoinGroup", 0, 5, 6},
    {12, "Heartbeat", 0, 3, 4},
    {13, "LeaveGroup", 0, 3, 4},
    {14, "SyncGroup", 0, 3, 4},
    {15, "DescribeGroups", 0, 4, 5},
    {16, "ListGroups", 0, 4, 3},
    {18, "ApiVersions", 0, 3, 3},
    {19, "CreateTopics", 0, 4, 5},
    {20, "DeleteTopics", 0, 3, 4},
    {21, "DeleteRecords", 0, 1, 2},
    {22, "InitProducerId", 0, 4, 2},
    {23, "OffsetForLeaderEpoch", 2, 3, 4},
    {24, "AddPartitionsToTxn", 0, 3, 3},
    {25, "AddOffsetsToTxn", 0, 3, 3},
    {26, "EndTxn", 0, 3, 3},
    {28, "TxnOffsetCommit", 0, 3, 3},
    {32, "DescribeConfigs", 0, 2, 4},
    {33, "AlterConfigs", 0, 1, 2},
    {37, "CreatePartitions", 0, 1, 2},
    {42, "DeleteGroups", 0, 1, 2},
    {44, "IncrementalAlterConfigs", 0, 1, 1},
    {60, "DescribeCluster", 0, 0, 0},
    {17, "SaslHandshake", -1, -1, never}, // not served; listed for header parsing only
}};

} // namespace

std::span<const api_info> supported_apis() {
    return std::span<const api_info>(apis.data(), apis.size() - 1);
}

const api_info* find_api(int16_t key) {
    for (auto& a : supported_apis())
        if (a.key == key) return &a;
    return nullptr;
}

bool is_flexible(int16_t key, int16_t version) {
    for (auto& a : apis)
        if (a.key == key) return version >= a.flexible_from;
    return false;
}

std::optional<request_header> parse_request_header(char* frame, size_t size, size_t& body_offset) {
    request_header h;
    decoder d(frame, size, 1, false);
    d.i16(h.api_key);
    d.i16(h.api_version);
    d.i32(h.correlation_id);
    if (!d.ok()) return std::nullopt;
    auto* info = find_api(h.api_key);
    if (!info) {
        body_offset = size;
        return h;
    }
    d.nstr(h.client_id);
    if (is_flexible(h.api_key, h.api_version)) {
        decoder t(d.position(), d.remaining(), h.api_version, true);
        t.tags();
        if (!t.ok()) return std::nullopt;
        body_offset = static_cast<size_t>(t.position() - frame);
        return h;
    }
    if (!d.ok()) return std::nullopt;
    body_offset = static_cast<size_t>(d.position() - frame);
    return h;
}

void begin_response(out_buffer& out, const request_header& h) {
    encoder e(out, 0, false);
    int32_t placeholder = 0;
    e.i32(placeholder);
    e.i32(h.correlation_id);
    if (h.api_key != static_cast<int16_t>(api_key::api_versions) && is_flexible(h.api_key, h.api_version))
        out.push_back(0);
}

void finish_frame(out_buffer& out) {
    out.patch_i32(0, static_cast<int32_t>(out.size() - 4));
}

const char* error_name(int16_t code) {
    switch (code) {
    case ec::unknown_server_error:
        return "UNKNOWN_SERVER_ERROR";
    case ec::none:
        return "NONE";
    case ec::offset_out_of_range:
        return "OFFSET_OUT_OF_RANGE";
    case ec::corrupt_message:
        return "CORRUPT_MESSAGE";
    case ec::unknown_topic_or_partition:
        return "UNKNOWN_TOPIC_OR_PARTITION";
    case ec::leader_not_available:
        return "LEADER_NOT_AVAILABLE";
    case ec::request_timed_out:
        return "REQUEST_TIMED_OUT";
    case ec::message_too_large:
        return "MESSAGE_TOO_LARGE";
    case ec::offset_metadata_too_large:
        return "OFFSET_METADATA_TOO_LARGE";
    case ec::coordinator_not_available:
        return "COORDINATOR_NOT_AVAILABLE";
    case ec::invalid_topic_exception:
        return "INVALID_TOPIC_EXCEPTION";
    case ec::invalid_required_acks:
        return "INVALID_REQUIRED_ACKS";
    case ec::illegal_generation:
        return "ILLEGAL_GENERATION";
    case ec::inconsistent_group_protocol:
        return "INCONSISTENT_GROUP_PROTOCOL";
    case ec::invalid_group_id:
        return "INVALID_GROUP_ID";
    case ec::unknown_member_id:
        return "UNKNOWN_MEMBER_ID";
    case ec::invalid_session_timeout:
        return "INVALID_SESSION_TIMEOUT";
    case ec::rebalance_in_progress:
        return "REBALANCE_IN_PROGRESS";
    case ec::invalid_timestamp:
        return "INVALID_TIMESTAMP";
    case ec::unsupported_version:
        return "UNSUPPORTED_VERSION";
    case ec::topic_already_exists:
        return "TOPIC_ALREADY_EXISTS";
    case ec::invalid_partitions:
        return "INVALID_PARTITIONS";
    case ec::invalid_replication_factor:
        return "INVALID_REPLICATION_FACTOR";
    case ec::invalid_replica_assignment:
        return "INVALID_REPLICA_ASSIGNMENT";
    case ec::invalid_config:
        return "INVALID_CONFIG";
    case ec::invalid_request:
        return "INVALID_REQUEST";
    case ec::out_of_order_sequence_number:
        return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case ec::duplicate_sequence_number:
        return "DUPLICATE_SEQUENCE_NUMBER";
    case ec::invalid_producer_epoch:
        return "INVALID_PRODUCER_EPOCH";
    case ec::invalid_txn_state:
        return "INVALID_TXN_STATE";
    case ec::invalid_producer_id_mapping:
        return "INVALID_PRODUCER_ID_MAPPING";
    case ec::invalid_transaction_timeout:
        return "INVALID_TRANSACTION_TIMEOUT";
    case ec::concurrent_transactions:
        return "CONCURRENT_TRANSACTIONS";
    case ec::operation_not_attempted:
        return "OPERATION_NOT_ATTEMPTED";
    case ec::unknown_producer_id:
        return "UNKNOWN_PRODUCER_ID";
    case ec::non_empty_group:
        return "NON_EMPTY_GROUP";
    case ec::group_id_not_found:
        return "GROUP_ID_NOT_FOUND";
    case ec::fetch_session_id_not_found:
        return "FETCH_SESSION_ID_NOT_FOUND";
    case ec::unknown_leader_epoch:
        return "UNKNOWN_LEADER_EPOCH";
    case ec::unsupported_compression_type:
        return "UNSUPPORTED_COMPRESSION_TYPE";
    case ec::member_id_required:
        return "MEMBER_ID_REQUIRED";
    case ec::fenced_instance_id:
        return "FENCED_INSTANCE_ID";
    case ec::invalid_record:
        return "INVALID_RECORD";
    case ec::unstable_offset_commit:
        return "UNSTABLE_OFFSET_COMMIT";
    case ec::producer_fenced:
        return "PRODUCER_FENCED";
    default:
        return "UNKNOWN";
    }
}

} // namespace ferry::broker::proto
