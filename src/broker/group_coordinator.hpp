#pragma once
// Kafka's classic group coordinator (spec kafka-protocol.md section 5) for one node.
//
// States per group: Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and back to
// PreparingRebalance whenever membership or metadata changes. Groups of any protocol type are
// served alike (`consumer` from the clients, `connect` from Ferry's distributed workers): member
// metadata and assignments are opaque bytes, the coordinator only picks the protocol every member
// supports and relays the leader's assignment.
//
// Threading and lifecycle. Everything runs on the broker's coordinator thread (executor): the
// network threads post decoded requests there and pass a callback that encodes and sends the
// response. JoinGroup and SyncGroup callbacks are kept ("parked") until the rebalance reaches the
// point where Kafka would answer: the join phase ends when every member rejoined or the rebalance
// timeout expires; followers' SyncGroup waits for the leader's. Session and rebalance timeouts
// are executor timers.
//
// Durability. Committed offsets and each group's generation/protocol are written to the
// coordinator state journal before the commit is acknowledged and reloaded at start-up; members
// are not persisted (after a restart they get UNKNOWN_MEMBER_ID and rejoin, as the spec allows).
// Transactional offset commits (TxnOffsetCommit) are staged per producer id, persisted, hidden
// from OffsetFetch until the transaction commits, and dropped if it aborts.

#include "broker/executor.hpp"
#include "broker/protocol/messages.hpp"
#include "broker/state_journal.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ferry::broker {

struct group_config {
    int32_t min_session_timeout_ms = 6000;
    int32_t max_session_timeout_ms = 1800000;
    int32_t initial_rebalance_delay_ms = 3000;
    int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;
    int32_t max_metadata_bytes = 4096;
    int32_t max_group_size = INT32_MAX;
};

// Who asked: request version and client identity, as the handlers pass them along.
struct group_request_info {
    int16_t version = 0;
    std::string client_id;
    std::string client_host;
};

class group_coordinator {
public:
    // `partition_exists(topic, p)` guards offset commits against unknown partitions.
    group_coordinator(group_config cfg, executor& exec, state_journal& journal,
                      std::function<bool(const std::string&, int32_t)> partition_exists);
    ~group_coordinator();

    // Loads groups and offsets from the journal (start-up, on the coordinator thread).
    void load();

    void join_group(const group_request_info& info, proto::join_group_request req,
                    std::function<void(proto::join_group_response)> cb);
    void sync_group(const group_request_info& info, proto::sync_group_request req,
                    std::function<void(proto::sync_group_response)> cb);
    proto::heartbeat_response heartbeat(const group_request_info& info, const proto::heartbeat_request& req);
    proto::leave_group_response leave_group(const group_request_info& info, const proto::leave_group_request& req);
    proto::offset_commit_response commit_offsets(const group_request_info& info,
                                                 const proto::offset_commit_request& req);
    proto::offset_fetch_response fetch_offsets(const group_request_info& info, const proto::offset_fetch_request& req);
    proto::describe_groups_response describe_groups(const group_request_info& info,
                                                    const proto::describe_groups_request& req);
    proto::list_groups_response list_groups(const group_request_info& info, const proto::list_groups_request& req);
    proto::delete_groups_response delete_groups(const group_request_info& info,
                                                const proto::delete_groups_request& req);

    // Transactions (called by the transaction coordinator / TxnOffsetCommit handler).
    proto::txn_offset_commit_response txn_commit_offsets(const group_request_info& info,
                                                         const proto::txn_offset_commit_request& req);
    void complete_txn_offsets(const std::string& group, int64_t producer_id, bool commit);

    // Drops committed offsets of a deleted topic.
    void forget_topic(const std::string& topic);
    // Offsets retention for empty groups (called periodically).
    void expire_offsets(int64_t now_ms);

    // For metrics: state name -> number of groups.
    std::map<std::string, int64_t> state_counts() const;
    size_t group_count() const { return _groups.size(); }

private:
    enum class state { empty, preparing_rebalance, completing_rebalance, stable, dead };
    struct member;
    struct group;
    struct offset_entry {
        int64_t offset = -1;
        int32_t leader_epoch = -1;
        std::string metadata;
        int64_t commit_ms = 0;
    };

    static const char* state_name(state s);
    group* find(const std::string& id);
    group& get_or_create(const std::string& id);
    void add_member_and_rebalance(group& g, std::unique_ptr<member> m,
                                  std::function<void(proto::join_group_response)> cb);
    void update_member_and_rebalance(group& g, member& m, const proto::join_group_request& req,
                                     std::function<void(proto::join_group_response)> cb);
    void maybe_prepare_rebalance(group& g, const std::string& reason);
    void prepare_rebalance(group& g, const std::string& reason);
    void try_complete_join(group& g);
    void complete_join(group& g);
    void on_initial_delay(const std::string& gid, uint64_t timer, int32_t remaining);
    void on_rebalance_timeout(const std::string& gid, uint64_t timer);
    void on_sync_timeout(const std::string& gid, int32_t generation);
    void schedule_session(group& g, member& m);
    void on_session_expired(const std::string& gid, const std::string& mid, uint64_t timer);
    void on_pending_expired(const std::string& gid, const std::string& mid);
    void remove_member(group& g, const std::string& mid, const std::string& reason);
    std::string select_protocol(const group& g) const;
    bool all_support(const group& g, const proto::join_group_request& req) const;
    proto::join_group_response join_response(const group& g, const member& m, int16_t error) const;
    void persist_group(const group& g);
    void persist_offset(const std::string& gid, const std::string& topic, int32_t p, const offset_entry* e);

    group_config _cfg;
    executor& _exec;
    state_journal& _journal;
    std::function<bool(const std::string&, int32_t)> _partition_exists;
    std::map<std::string, std::unique_ptr<group>> _groups;
};

} // namespace ferry::broker
