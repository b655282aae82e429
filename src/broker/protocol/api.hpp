#pragma once
// The APIs Ferry's broker serves, the version ranges it advertises (spec kafka-protocol.md section
// 0), where each API's flexible versions begin, the request/response headers and Kafka's error
// codes.
//
// Advertised ranges are deliberately exact: librdkafka enables features only when specific
// versions are inside the advertised range, kafkajs ignores the broker minimum, and kafka-python
// infers a broker release from the maxima (spec section 9). Changing a number here changes which
// client features turn on.

#include "broker/protocol/serde.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ferry::broker::proto {

enum class api_key : int16_t {
    produce = 0,
    fetch = 1,
    list_offsets = 2,
    metadata = 3,
    offset_commit = 8,
    offset_fetch = 9,
    find_coordinator = 10,
    join_group = 11,
    heartbeat = 12,
    leave_group = 13,
    sync_group = 14,
    describe_groups = 15,
    list_groups = 16,
    sasl_handshake = 17,
    api_versions = 18,
    create_topics = 19,
    delete_topics = 20,
    delete_records = 21,
    init_producer_id = 22,
    offset_for_leader_epoch = 23,
    add_partitions_to_txn = 24,
    add_offsets_to_txn = 25,
    end_txn = 26,
    txn_offset_commit = 28,
    describe_configs = 32,
    alter_configs = 33,
    create_partitions = 37,
    delete_groups = 42,
    incremental_alter_configs = 44,
    describe_cluster = 60,
};

struct api_info {
    int16_t key;
    const char* name;    // Kafka's name, e.g. "Produce" (metrics, logs)
    int16_t min_version; // advertised
    int16_t max_version;
    int16_t flexible_from; // first flexible version (may be above max: never flexible here)
};

// Every served API, in key order.
std::span<const api_info> supported_apis();
// nullptr when the key is not served.
const api_info* find_api(int16_t key);
inline const api_info* find_api(api_key k) {
    return find_api(static_cast<int16_t>(k));
}

// Whether `version` of API `key` uses the flexible encoding. Defined for every version of a
// served API, also above the advertised maximum (needed to parse an ApiVersions v4+ header).
bool is_flexible(int16_t key, int16_t version);

// Request header v1 (v2 = v1 + tagged fields, for flexible request versions). client_id keeps
// the classic nullable-string encoding in both.
struct request_header {
    int16_t api_key = 0;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    std::optional<std::string> client_id;
};

// Parses the header at the start of a frame. Returns the header and leaves `d_offset` at the body.
// nullopt on malformed input. For an API we do not serve, only key/version/correlation id are
// filled in (the caller closes the connection).
std::optional<request_header> parse_request_header(char* frame, size_t size, size_t& body_offset);

// Starts a response frame: size placeholder, correlation id, and the v1 header's tagged fields
// when the response is flexible (never for ApiVersions, KIP-511). finish_frame() patches the size.
void begin_response(out_buffer& out, const request_header& h);
void finish_frame(out_buffer& out);

// Encodes `msg` as the complete response frame to request `h`.
template <class M> out_buffer encode_response(const request_header& h, M& msg) {
    out_buffer out;
    begin_response(out, h);
    encoder e(out, h.api_version, is_flexible(h.api_key, h.api_version));
    msg.serde(e);
    finish_frame(out);
    return out;
}

// Decodes a request body; nullopt when malformed.
template <class M> std::optional<M> decode_request(const request_header& h, char* body, size_t size) {
    M msg;
    decoder d(body, size, h.api_version, is_flexible(h.api_key, h.api_version));
    msg.serde(d);
    if (!d.ok()) return std::nullopt;
    return msg;
}

// Test-client side: a request frame, and decoding a response body (after the header).
template <class M>
out_buffer encode_request(int16_t key, int16_t version, int32_t correlation_id,
                          const std::optional<std::string>& client_id, M& msg) {
    out_buffer out;
    encoder hdr(out, 0, false);
    int32_t placeholder = 0;
    hdr.i32(placeholder);
    hdr.i16(key);
    hdr.i16(version);
    hdr.i32(correlation_id);
    hdr.nstr(client_id);
    bool flex = is_flexible(key, version);
    if (flex) out.push_back(0);
    encoder e(out, version, flex);
    msg.serde(e);
    finish_frame(out);
    return out;
}
// `frame` excludes the size prefix. Skips the response header (v0 or v1) and decodes the body.
template <class M>
std::optional<M> decode_response(int16_t key, int16_t version, char* frame, size_t size,
                                 int32_t* correlation_id = nullptr) {
    bool flex = is_flexible(key, version);
    bool header_flex = flex && key != static_cast<int16_t>(api_key::api_versions);
    decoder hd(frame, size, 0, header_flex);
    int32_t corr = 0;
    hd.i32(corr);
    hd.tags();
    if (!hd.ok()) return std::nullopt;
    if (correlation_id) *correlation_id = corr;
    size_t used = static_cast<size_t>(hd.position() - frame);
    M msg;
    decoder d(frame + used, size - used, version, flex);
    msg.serde(d);
    if (!d.ok()) return std::nullopt;
    return msg;
}

// Kafka's error codes (spec section 7).
namespace ec {
inline constexpr int16_t unknown_server_error = -1;
inline constexpr int16_t none = 0;
inline constexpr int16_t offset_out_of_range = 1;
inline constexpr int16_t corrupt_message = 2;
inline constexpr int16_t unknown_topic_or_partition = 3;
inline constexpr int16_t leader_not_available = 5;
inline constexpr int16_t not_leader_or_follower = 6;
inline constexpr int16_t request_timed_out = 7;
inline constexpr int16_t message_too_large = 10;
inline constexpr int16_t offset_metadata_too_large = 12;
inline constexpr int16_t coordinator_load_in_progress = 14;
inline constexpr int16_t coordinator_not_available = 15;
inline constexpr int16_t not_coordinator = 16;
inline constexpr int16_t invalid_topic_exception = 17;
inline constexpr int16_t record_list_too_large = 18;
inline constexpr int16_t invalid_required_acks = 21;
inline constexpr int16_t illegal_generation = 22;
inline constexpr int16_t inconsistent_group_protocol = 23;
inline constexpr int16_t invalid_group_id = 24;
inline constexpr int16_t unknown_member_id = 25;
inline constexpr int16_t invalid_session_timeout = 26;
inline constexpr int16_t rebalance_in_progress = 27;
inline constexpr int16_t invalid_commit_offset_size = 28;
inline constexpr int16_t invalid_timestamp = 32;
inline constexpr int16_t unsupported_sasl_mechanism = 33;
inline constexpr int16_t unsupported_version = 35;
inline constexpr int16_t topic_already_exists = 36;
inline constexpr int16_t invalid_partitions = 37;
inline constexpr int16_t invalid_replication_factor = 38;
inline constexpr int16_t invalid_replica_assignment = 39;
inline constexpr int16_t invalid_config = 40;
inline constexpr int16_t not_controller = 41;
inline constexpr int16_t invalid_request = 42;
inline constexpr int16_t policy_violation = 44;
inline constexpr int16_t out_of_order_sequence_number = 45;
inline constexpr int16_t duplicate_sequence_number = 46;
inline constexpr int16_t invalid_producer_epoch = 47;
inline constexpr int16_t invalid_txn_state = 48;
inline constexpr int16_t invalid_producer_id_mapping = 49;
inline constexpr int16_t invalid_transaction_timeout = 50;
inline constexpr int16_t concurrent_transactions = 51;
inline constexpr int16_t operation_not_attempted = 55;
inline constexpr int16_t unknown_producer_id = 59;
inline constexpr int16_t non_empty_group = 68;
inline constexpr int16_t group_id_not_found = 69;
inline constexpr int16_t fetch_session_id_not_found = 70;
inline constexpr int16_t invalid_fetch_session_epoch = 71;
inline constexpr int16_t fenced_leader_epoch = 74;
inline constexpr int16_t unknown_leader_epoch = 75;
inline constexpr int16_t unsupported_compression_type = 76;
inline constexpr int16_t member_id_required = 79;
inline constexpr int16_t group_max_size_reached = 81;
inline constexpr int16_t fenced_instance_id = 82;
inline constexpr int16_t group_subscribed_to_topic = 86;
inline constexpr int16_t invalid_record = 87;
inline constexpr int16_t unstable_offset_commit = 88;
inline constexpr int16_t producer_fenced = 90;
} // namespace ec

const char* error_name(int16_t code);

} // namespace ferry::broker::proto
