#pragma once
// Calls `fn(M&)` with the request body decoded as the message type of `h.api_key` (tests, fuzzing,
// tools). Returns false when the API is not served or the body does not decode.

#include "broker/protocol/api.hpp"
#include "broker/protocol/messages.hpp"

namespace ferry::broker::proto {

template <class F> bool visit_request(const request_header& h, char* body, size_t size, F&& fn) {
    auto go = [&](auto tag) {
        using M = decltype(tag);
        auto m = decode_request<M>(h, body, size);
        if (!m) return false;
        fn(*m);
        return true;
    };
    switch (static_cast<api_key>(h.api_key)) {
    case api_key::produce:
        return go(produce_request{});
    case api_key::fetch:
        return go(fetch_request{});
    case api_key::list_offsets:
        return go(list_offsets_request{});
    case api_key::metadata:
        return go(metadata_request{});
    case api_key::offset_commit:
        return go(offset_commit_request{});
    case api_key::offset_fetch:
        return go(offset_fetch_request{});
    case api_key::find_coordinator:
        return go(find_coordinator_request{});
    case api_key::join_group:
        return go(join_group_request{});
    case api_key::heartbeat:
        return go(heartbeat_request{});
    case api_key::leave_group:
        return go(leave_group_request{});
    case api_key::sync_group:
        return go(sync_group_request{});
    case api_key::describe_groups:
        return go(describe_groups_request{});
    case api_key::list_groups:
        return go(list_groups_request{});
    case api_key::api_versions:
        return go(api_versions_request{});
    case api_key::create_topics:
        return go(create_topics_request{});
    case api_key::delete_topics:
        return go(delete_topics_request{});
    case api_key::delete_records:
        return go(delete_records_request{});
    case api_key::init_producer_id:
        return go(init_producer_id_request{});
    case api_key::offset_for_leader_epoch:
        return go(offset_for_leader_epoch_request{});
    case api_key::add_partitions_to_txn:
        return go(add_partitions_to_txn_request{});
    case api_key::add_offsets_to_txn:
        return go(add_offsets_to_txn_request{});
    case api_key::end_txn:
        return go(end_txn_request{});
    case api_key::txn_offset_commit:
        return go(txn_offset_commit_request{});
    case api_key::describe_configs:
        return go(describe_configs_request{});
    case api_key::alter_configs:
        return go(alter_configs_request{});
    case api_key::create_partitions:
        return go(create_partitions_request{});
    case api_key::delete_groups:
        return go(delete_groups_request{});
    case api_key::incremental_alter_configs:
        return go(incremental_alter_configs_request{});
    case api_key::describe_cluster:
        return go(describe_cluster_request{});
    default:
        return false;
    }
}

} // namespace ferry::broker::proto
