#pragma once
// Producer ids and the transaction coordinator (spec kafka-protocol.md section 6).
//
// InitProducerId without a transactional id hands out a fresh producer id (never reused: ids are
// allocated in blocks whose end is persisted before use). With a transactional id it creates or
// bumps the id's epoch, which fences every older instance of that producer; an open transaction
// of the old instance is aborted first.
//
// A transaction moves Empty -> Ongoing (AddPartitionsToTxn / AddOffsetsToTxn) -> PrepareCommit or
// PrepareAbort (EndTxn) -> CompleteCommit / CompleteAbort. On a single node EndTxn finishes before
// it replies: it persists Prepare*, writes a COMMIT/ABORT control batch to every enlisted
// partition, applies or drops the staged offsets of every enlisted group, and persists
// Complete*. A crash between the two persisted states is finished at start-up (markers written
// again are harmless: they close nothing). An Ongoing transaction older than its timeout is
// aborted with an epoch bump, so its producer is fenced as Kafka does.
//
// Threading: coordinator thread only (the executor), like the group coordinator it calls.

#include "broker/executor.hpp"
#include "broker/group_coordinator.hpp"
#include "broker/partition_state.hpp"
#include "broker/protocol/messages.hpp"
#include "broker/state_journal.hpp"

#include <map>
#include <set>
#include <string>

namespace ferry::broker {

struct txn_config {
    int32_t max_timeout_ms = 900000;         // transaction.max.timeout.ms
    int64_t abort_check_interval_ms = 10000; // transaction.abort.timed.out.transaction.cleanup.interval.ms
    int64_t id_expiration_ms = 604800000;    // transactional.id.expiration.ms
};

class txn_coordinator {
public:
    txn_coordinator(txn_config cfg, executor& exec, state_journal& journal, partition_registry& partitions,
                    group_coordinator& groups);

    // Loads producer-id counter and transactional ids; finishes interrupted commits/aborts and
    // re-enlists partitions of ongoing transactions (start-up, coordinator thread).
    void load();
    void start_timers();

    proto::init_producer_id_response init_producer_id(int16_t version, const proto::init_producer_id_request& req);
    proto::add_partitions_to_txn_response add_partitions(int16_t version,
                                                         const proto::add_partitions_to_txn_request& req);
    proto::add_offsets_to_txn_response add_offsets(int16_t version, const proto::add_offsets_to_txn_request& req);
    proto::end_txn_response end_txn(int16_t version, const proto::end_txn_request& req);

    size_t transactional_id_count() const { return _txns.size(); }
    size_t ongoing_count() const;

private:
    enum class state : int8_t {
        empty = 0,
        ongoing = 1,
        prepare_commit = 2,
        prepare_abort = 3,
        complete_commit = 4,
        complete_abort = 5
    };
    struct txn {
        std::string id;
        int64_t producer_id = -1;
        int16_t epoch = -1;
        int64_t last_producer_id = -1;
        int16_t last_epoch = -1;
        int32_t timeout_ms = 60000;
        state st = state::empty;
        int64_t started_ms = 0;
        int64_t updated_ms = 0;
        std::set<std::pair<std::string, int32_t>> partitions;
        std::set<std::string> groups;
    };

    int64_t allocate_producer_id();
    void persist(txn& t);
    // Writes the markers and settles offsets; t.st must be Prepare*.
    void complete(txn& t);
    int16_t check_producer(const txn* t, int64_t pid, int16_t epoch, int16_t version) const;
    void abort_timed_out();
    void expire_idle_ids();

    txn_config _cfg;
    executor& _exec;
    state_journal& _journal;
    partition_registry& _partitions;
    group_coordinator& _groups;
    std::map<std::string, txn> _txns;
    int64_t _next_pid = 0;
    int64_t _pid_block_end = 0;
};

} // namespace ferry::broker
