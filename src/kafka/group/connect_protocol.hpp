#pragma once
// Kafka Connect's group protocol (spec kafka-connect.md section 10): the member metadata and the
// assignments exchanged through JoinGroup/SyncGroup under protocol type "connect".
//
//   metadata V0       int16 version, string url, int64 config_offset
//   metadata V1/V2    ... + nullable_bytes allocation (the member's current assignment, encoded below)
//   assignment V0     int16 version, int16 error, string leader, string leader_url, int64 config_offset,
//                     array[{string connector, array<int32> tasks}]          (task -1 = the connector)
//   assignment V1/V2  ... + nullable array revoked[{connector, tasks}], int32 delay
// Sub-protocol names: "default" (V0, eager), "compatible" (V1), "sessioned" (V2).

#include "base/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::kafka::group {

struct connect_task {
    std::string connector;
    int32_t task = 0;
    friend auto operator<=>(const connect_task&, const connect_task&) = default;
};

// What a member runs (or is told to start or stop).
struct work_set {
    std::set<std::string> connectors;
    std::set<connect_task> tasks;
    bool empty() const { return connectors.empty() && tasks.empty(); }
    size_t size() const { return connectors.size() + tasks.size(); }
    friend bool operator==(const work_set&, const work_set&) = default;
};

inline constexpr int16_t assignment_no_error = 0;
inline constexpr int16_t assignment_config_mismatch = 1;

struct connect_metadata {
    int16_t version = 0;
    std::string url;
    int64_t config_offset = -1;
    std::optional<work_set> allocation; // V1+: what the member currently runs
};

struct connect_assignment {
    int16_t version = 0;
    int16_t error = assignment_no_error;
    std::string leader;     // member id
    std::string leader_url;
    int64_t config_offset = -1;
    work_set assigned;
    work_set revoked;       // V1+
    int32_t delay = 0;      // V1+, ms
};

std::string encode_metadata(const connect_metadata& m);
result<connect_metadata> decode_metadata(std::string_view bytes);
std::string encode_assignment(const connect_assignment& a);
result<connect_assignment> decode_assignment(std::string_view bytes);

// "default" -> 0, "compatible" -> 1, "sessioned" -> 2.
std::optional<int16_t> protocol_version(std::string_view name);
const char* protocol_name(int16_t version);

} // namespace ferry::kafka::group
