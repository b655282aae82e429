#include "broker/txn_coordinator.hpp"

#include "base/log.hpp"
#include "broker/bytes_codec.hpp"
#include "broker/protocol/api.hpp"

#include <chrono>

namespace ferry::broker {

namespace ec = proto::ec;

namespace {

auto logger() {
    static auto l = ferry::log::get("broker");
    return l;
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr int64_t pid_block = 1000;
const std::string pid_key = "p";
std::string txn_key(const std::string& id) {
    return std::string("t") + '\0' + id;
}
constexpr int16_t epoch_exhausted = INT16_MAX - 1;

} // namespace

txn_coordinator::txn_coordinator(txn_config cfg, executor& exec, state_journal& journal, partition_registry& partitions,
                                 group_coordinator& groups)
    : _cfg(cfg), _exec(exec), _journal(journal), _partitions(partitions), _groups(groups) {}

int64_t txn_coordinator::allocate_producer_id() {
    if (_next_pid >= _pid_block_end) {
        _pid_block_end = _next_pid + pid_block;
        bytes_writer w;
        w.i64(_pid_block_end);
        // Persisted before any id of the block is handed out, so ids are never reused.
        if (auto r = _journal.put(pid_key, w.take()); !r)
            logger()->error("persisting the producer id block failed: {}", r.error().message);
        (void)_journal.sync();
    }
    return _next_pid++;
}

void txn_coordinator::persist(txn& t) {
    t.updated_ms = wall_ms();
    bytes_writer w;
    w.i64(t.producer_id).i16(t.epoch).i64(t.last_producer_id).i16(t.last_epoch).i32(t.timeout_ms);
    w.i8(static_cast<int8_t>(t.st)).i64(t.started_ms);
    w.i32(static_cast<int32_t>(t.partitions.size()));
    for (auto& [topic, p] : t.partitions)
        w.str(topic).i32(p);
    w.i32(static_cast<int32_t>(t.groups.size()));
    for (auto& g : t.groups)
        w.str(g);
    w.i64(t.updated_ms);
    if (auto r = _journal.put(txn_key(t.id), w.take()); !r)
        logger()->error("persisting transactional id {} failed: {}", t.id, r.error().message);
}

void txn_coordinator::load() {
    for (auto& [k, v] : _journal.entries()) {
        if (k == pid_key) {
            bytes_reader r(v);
            _pid_block_end = r.i64();
            _next_pid = _pid_block_end; // the rest of the last block may have been handed out
        } else if (k.size() > 2 && k[0] == 't' && k[1] == '\0') {
            bytes_reader r(v);
            txn t;
            t.id = k.substr(2);
            t.producer_id = r.i64();
            t.epoch = r.i16();
            t.last_producer_id = r.i64();
            t.last_epoch = r.i16();
            t.timeout_ms = r.i32();
            t.st = static_cast<state>(r.i8());
            t.started_ms = r.i64();
            int32_t np = r.i32();
            for (int32_t i = 0; i < np && r.ok(); ++i) {
                auto topic = r.str();
                t.partitions.emplace(topic, r.i32());
            }
            int32_t ng = r.i32();
            for (int32_t i = 0; i < ng && r.ok(); ++i)
                t.groups.insert(r.str());
            t.updated_ms = r.at_end() ? wall_ms() : r.i64();
            if (!r.ok()) {
                logger()->error("transactional id {}: unreadable persisted state, ignored", t.id);
                continue;
            }
            _txns[t.id] = std::move(t);
        }
    }
    for (auto& [id, t] : _txns) {
        if (t.st == state::prepare_commit || t.st == state::prepare_abort) {
            logger()->info("transactional id {}: finishing an interrupted {}", id,
                           t.st == state::prepare_commit ? "commit" : "abort");
            complete(t);
        } else if (t.st == state::ongoing) {
            for (auto& [topic, p] : t.partitions)
                if (auto ps = _partitions.get(topic, p)) ps->enroll(t.producer_id, t.epoch);
        }
    }
    if (!_txns.empty()) logger()->info("loaded {} transactional ids", _txns.size());
}

void txn_coordinator::start_timers() {
    _exec.schedule_after(_cfg.abort_check_interval_ms, [this] {
        abort_timed_out();
        expire_idle_ids();
        start_timers();
    });
}

size_t txn_coordinator::ongoing_count() const {
    size_t n = 0;
    for (auto& [_, t] : _txns)
        if (t.st == state::ongoing) ++n;
    return n;
}

void txn_coordinator::complete(txn& t) {
    bool commit = t.st == state::prepare_commit;
    for (auto& [topic, p] : t.partitions) {
        auto ps = _partitions.get(topic, p);
        if (!ps) continue; // deleted meanwhile
        if (auto r = ps->write_marker(t.producer_id, t.epoch, commit); !r)
            logger()->error("transactional id {}: writing the {} marker to {}-{} failed: {}", t.id,
                            commit ? "COMMIT" : "ABORT", topic, p, r.error().message);
    }
    for (auto& g : t.groups)
        _groups.complete_txn_offsets(g, t.producer_id, commit);
    t.st = commit ? state::complete_commit : state::complete_abort;
    t.partitions.clear();
    t.groups.clear();
    persist(t);
}

int16_t txn_coordinator::check_producer(const txn* t, int64_t pid, int16_t epoch, int16_t version) const {
    if (!t || t->producer_id != pid) return ec::invalid_producer_id_mapping;
    if (t->epoch != epoch) return version >= 2 ? ec::producer_fenced : ec::invalid_producer_epoch;
    if (t->st == state::prepare_commit || t->st == state::prepare_abort) return ec::concurrent_transactions;
    return ec::none;
}

proto::init_producer_id_response txn_coordinator::init_producer_id(int16_t version,
                                                                   const proto::init_producer_id_request& req) {
    proto::init_producer_id_response r;
    if (!req.transactional_id) {
        // Idempotent producer: a fresh id every time (KIP-360 bumps are for transactional ids).
        r.producer_id = allocate_producer_id();
        r.producer_epoch = 0;
        return r;
    }
    const std::string& id = *req.transactional_id;
    int16_t fenced = version >= 4 ? ec::producer_fenced : ec::invalid_producer_epoch;
    if (id.empty()) {
        r.error_code = ec::invalid_request;
        return r;
    }
    if (req.transaction_timeout_ms <= 0 || req.transaction_timeout_ms > _cfg.max_timeout_ms) {
        r.error_code = ec::invalid_transaction_timeout;
        return r;
    }
    auto it = _txns.find(id);
    if (it == _txns.end()) {
        txn t;
        t.id = id;
        t.producer_id = allocate_producer_id();
        t.epoch = 0;
        t.timeout_ms = req.transaction_timeout_ms;
        persist(t);
        r.producer_id = t.producer_id;
        r.producer_epoch = t.epoch;
        _txns[id] = std::move(t);
        logger()->info("transactional id {}: producer id {} epoch 0", id, r.producer_id);
        return r;
    }
    txn& t = it->second;
    bool expected_given = version >= 3 && req.producer_id >= 0;
    if (expected_given) {
        bool valid = t.epoch < 0 || req.producer_id == t.producer_id ||
                     (req.producer_id == t.last_producer_id && req.producer_epoch >= epoch_exhausted);
        if (!valid) {
            r.error_code = fenced;
            return r;
        }
    }
    auto bump = [&] {
        if (t.epoch >= epoch_exhausted) {
            t.last_producer_id = t.producer_id;
            t.last_epoch = t.epoch;
            t.producer_id = allocate_producer_id();
            t.epoch = 0;
        } else {
            t.last_producer_id = t.producer_id;
            t.last_epoch = t.epoch;
            t.epoch++;
        }
    };
    switch (t.st) {
    case state::prepare_commit:
    case state::prepare_abort:
        r.error_code = ec::concurrent_transactions;
        return r;
    case state::ongoing:
        // Another instance (or this one, recovering) starts while a transaction is open: fence
        // the old epoch and abort it; the client retries and gets the next epoch.
        logger()->info("transactional id {}: aborting the open transaction of epoch {} (fenced by InitProducerId)", id,
                       t.epoch);
        bump();
        t.st = state::prepare_abort;
        persist(t);
        complete(t);
        r.error_code = ec::concurrent_transactions;
        return r;
    default:
        break;
    }
    if (expected_given && req.producer_id == t.producer_id && req.producer_epoch != t.epoch &&
        req.producer_epoch >= 0) {
        if (req.producer_epoch == t.last_epoch) {
            // A retry of a bump whose answer was lost.
            r.producer_id = t.producer_id;
            r.producer_epoch = t.epoch;
            return r;
        }
        r.error_code = fenced;
        return r;
    }
    bump();
    t.timeout_ms = req.transaction_timeout_ms;
    t.st = state::empty;
    t.partitions.clear();
    t.groups.clear();
    persist(t);
    r.producer_id = t.producer_id;
    r.producer_epoch = t.epoch;
    logger()->info("transactional id {}: producer id {} epoch {}", id, r.producer_id, r.producer_epoch);
    return r;
}

proto::add_partitions_to_txn_response txn_coordinator::add_partitions(int16_t version,
                                                                      const proto::add_partitions_to_txn_request& req) {
    proto::add_partitions_to_txn_response r;
    auto it = _txns.find(req.transactional_id);
    txn* t = it == _txns.end() ? nullptr : &it->second;
    int16_t err = check_producer(t, req.producer_id, req.producer_epoch, version);
    std::vector<std::shared_ptr<partition_state>> states;
    bool unknown = false;
    if (err == ec::none) {
        for (auto& tp : req.topics)
            for (auto p : tp.partitions) {
                auto ps = _partitions.get(tp.name, p);
                if (!ps) unknown = true;
                states.push_back(std::move(ps));
            }
    }
    size_t i = 0;
    for (auto& tp : req.topics) {
        proto::add_partitions_to_txn_response::topic rt;
        rt.name = tp.name;
        for (auto p : tp.partitions) {
            int16_t e = err;
            if (e == ec::none && unknown) e = states[i] ? ec::operation_not_attempted : ec::unknown_topic_or_partition;
            ++i;
            rt.partitions.push_back({p, e});
        }
        r.results.push_back(std::move(rt));
    }
    if (err != ec::none || unknown) return r;
    if (t->st != state::ongoing) {
        t->st = state::ongoing;
        t->started_ms = wall_ms();
        t->partitions.clear();
        t->groups.clear();
    }
    for (auto& ps : states) {
        t->partitions.emplace(ps->topic(), ps->partition());
        ps->enroll(t->producer_id, t->epoch);
    }
    persist(*t);
    return r;
}

proto::add_offsets_to_txn_response txn_coordinator::add_offsets(int16_t version,
                                                                const proto::add_offsets_to_txn_request& req) {
    proto::add_offsets_to_txn_response r;
    auto it = _txns.find(req.transactional_id);
    txn* t = it == _txns.end() ? nullptr : &it->second;
    r.error_code = check_producer(t, req.producer_id, req.producer_epoch, version);
    if (r.error_code != ec::none) return r;
    if (req.group_id.empty()) {
        r.error_code = ec::invalid_group_id;
        return r;
    }
    if (t->st != state::ongoing) {
        t->st = state::ongoing;
        t->started_ms = wall_ms();
        t->partitions.clear();
        t->groups.clear();
    }
    t->groups.insert(req.group_id);
    persist(*t);
    return r;
}

proto::end_txn_response txn_coordinator::end_txn(int16_t version, const proto::end_txn_request& req) {
    proto::end_txn_response r;
    auto it = _txns.find(req.transactional_id);
    txn* t = it == _txns.end() ? nullptr : &it->second;
    if (!t || t->producer_id != req.producer_id) {
        r.error_code = ec::invalid_producer_id_mapping;
        return r;
    }
    if (t->epoch != req.producer_epoch) {
        r.error_code = version >= 2 ? ec::producer_fenced : ec::invalid_producer_epoch;
        return r;
    }
    switch (t->st) {
    case state::ongoing:
        t->st = req.committed ? state::prepare_commit : state::prepare_abort;
        persist(*t);
        complete(*t);
        return r;
    case state::complete_commit:
        if (!req.committed) r.error_code = ec::invalid_txn_state;
        return r;
    case state::complete_abort:
        if (req.committed) r.error_code = ec::invalid_txn_state;
        return r;
    case state::prepare_commit:
    case state::prepare_abort:
        r.error_code = ec::concurrent_transactions;
        return r;
    case state::empty:
        r.error_code = ec::invalid_txn_state;
        return r;
    }
    return r;
}

void txn_coordinator::expire_idle_ids() {
    int64_t now = wall_ms();
    for (auto it = _txns.begin(); it != _txns.end();) {
        auto& t = it->second;
        bool idle = t.st == state::empty || t.st == state::complete_commit || t.st == state::complete_abort;
        if (idle && now - t.updated_ms > _cfg.id_expiration_ms) {
            logger()->info("transactional id {} expired after transactional.id.expiration.ms", t.id);
            (void)_journal.erase(txn_key(t.id));
            it = _txns.erase(it);
        } else {
            ++it;
        }
    }
}

void txn_coordinator::abort_timed_out() {
    int64_t now = wall_ms();
    for (auto& [id, t] : _txns) {
        if (t.st != state::ongoing || now - t.started_ms <= t.timeout_ms) continue;
        logger()->warn("transactional id {}: transaction open for {} ms exceeds transaction.timeout.ms {}; aborting "
                       "and fencing epoch {}",
                       id, now - t.started_ms, t.timeout_ms, t.epoch);
        t.last_producer_id = t.producer_id;
        t.last_epoch = t.epoch;
        if (t.epoch < epoch_exhausted) t.epoch++;
        t.st = state::prepare_abort;
        persist(t);
        complete(t);
    }
}

} // namespace ferry::broker
