#include "broker/partition_state.hpp"

#include "broker/protocol/api.hpp"

#include <chrono>

namespace ferry::broker {
namespace {

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool in_sequence(int32_t last, int32_t next) {
    return static_cast<int64_t>(next) == static_cast<int64_t>(last) + 1 || (next == 0 && last == INT32_MAX);
}

// Storage names the Kafka error first in its messages (kafka_error_of); an I/O failure without
// one is KAFKA_STORAGE_ERROR for the client.
int16_t storage_error_code(const error& e) {
    auto k = storage::kafka_error_of(e);
    if (k == storage::kafka_error::unknown_server_error && e.kind == errc::io) return 56; // KAFKA_STORAGE_ERROR
    if (k == storage::kafka_error::unknown_server_error && e.kind == errc::not_found)
        return proto::ec::unknown_topic_or_partition;
    return static_cast<int16_t>(k);
}

} // namespace

partition_state::partition_state(std::string topic, int32_t partition, std::shared_ptr<storage::partition_log> log)
    : _topic(std::move(topic)), _partition(partition), _log(std::move(log)) {}

void partition_state::bump_epoch(producer_entry& e, int16_t epoch) {
    if (epoch != e.epoch) {
        e.epoch = epoch;
        e.batches.clear();
    }
}

void partition_state::apply_data_batch(int64_t pid, const proto::batch_header& h, int64_t now_ms) {
    auto& e = _producers[pid];
    bump_epoch(e, h.producer_epoch);
    e.batches.push_back({h.base_sequence, h.last_sequence(), h.base_offset, h.max_timestamp});
    while (e.batches.size() > 5)
        e.batches.pop_front();
    e.last_seen_ms = now_ms;
    if (h.is_transactional() && e.txn_first_offset < 0) {
        e.txn_first_offset = h.base_offset;
        _open_txns.emplace(h.base_offset, pid);
    }
}

append_outcome partition_state::append(std::span<char> batch, const proto::batch_header& h) {
    append_outcome out;
    std::lock_guard lk(_mu);
    int64_t pid = h.producer_id;
    if (pid >= 0) {
        auto it = _producers.find(pid);
        if (it != _producers.end()) {
            auto& e = it->second;
            if (h.producer_epoch < e.epoch) {
                out.error = proto::ec::invalid_producer_epoch;
                out.message =
                    "producer epoch " + std::to_string(h.producer_epoch) + " is older than " + std::to_string(e.epoch);
                return out;
            }
            if (h.producer_epoch > e.epoch) {
                if (h.base_sequence != 0) {
                    out.error = proto::ec::out_of_order_sequence_number;
                    out.message = "new producer epoch must start at sequence 0";
                    return out;
                }
            } else {
                for (auto& b : e.batches)
                    if (b.first_seq == h.base_sequence && b.last_seq == h.last_sequence()) {
                        // A retry of a batch we already have: acknowledge it with its original
                        // offset and append nothing (exactly-once per partition).
                        out.base_offset = b.base_offset;
                        out.log_start_offset = _log->log_start_offset();
                        return out;
                    }
                int32_t last = e.batches.empty() ? -1 : e.batches.back().last_seq;
                if (!in_sequence(last, h.base_sequence)) {
                    out.error = proto::ec::out_of_order_sequence_number;
                    out.message = "expected sequence " + std::to_string(static_cast<int64_t>(last) + 1) + ", got " +
                                  std::to_string(h.base_sequence);
                    return out;
                }
            }
        }
        // After the epoch check, so that a fenced (zombie) producer hears INVALID_PRODUCER_EPOCH.
        if (h.is_transactional()) {
            auto en = _enrolled.find(pid);
            if (en != _enrolled.end() && h.producer_epoch < en->second) {
                out.error = proto::ec::invalid_producer_epoch;
                out.message = "producer epoch is older than the transaction's";
                return out;
            }
            if (en == _enrolled.end() || en->second != h.producer_epoch) {
                out.error = proto::ec::invalid_txn_state;
                out.message = "transactional batch for a partition not added to the transaction";
                return out;
            }
        }
    }
    auto r = _log->append(batch);
    if (!r) {
        out.error = storage_error_code(r.error());
        out.message = r.error().message;
        return out;
    }
    out.base_offset = r->base_offset;
    out.log_append_time = r->log_append_time;
    out.log_start_offset = r->log_start_offset;
    if (pid >= 0) {
        proto::batch_header stored = h;
        stored.base_offset = r->base_offset;
        apply_data_batch(pid, stored, wall_ms());
    }
    return out;
}

result<int64_t> partition_state::write_marker(int64_t pid, int16_t epoch, bool commit) {
    std::lock_guard lk(_mu);
    auto& e = _producers[pid];
    int64_t first = e.txn_first_offset >= 0 ? e.txn_first_offset : _log->log_end_offset();
    auto r = _log->append_marker(pid, epoch, commit, 0, first);
    if (!r) return r;
    if (e.txn_first_offset >= 0) _open_txns.erase({e.txn_first_offset, pid});
    e.txn_first_offset = -1;
    if (epoch > e.epoch) bump_epoch(e, epoch);
    e.last_seen_ms = wall_ms();
    _enrolled.erase(pid);
    return r;
}

void partition_state::enroll(int64_t pid, int16_t epoch) {
    std::lock_guard lk(_mu);
    _enrolled[pid] = epoch;
}

int64_t partition_state::last_stable_offset() const {
    std::lock_guard lk(_mu);
    if (_open_txns.empty()) return _log->log_end_offset();
    return _open_txns.begin()->first;
}

void partition_state::rebuild() {
    std::lock_guard lk(_mu);
    _producers.clear();
    _open_txns.clear();
    int64_t now = wall_ms();
    _log->scan_headers(_log->log_start_offset(), [&](std::string_view b) {
        auto h = proto::parse_batch_header(b);
        if (!h || h->producer_id < 0) return true;
        if (h->is_control()) {
            auto& e = _producers[h->producer_id];
            if (e.txn_first_offset >= 0) _open_txns.erase({e.txn_first_offset, h->producer_id});
            e.txn_first_offset = -1;
            if (h->producer_epoch > e.epoch) bump_epoch(e, h->producer_epoch);
            e.last_seen_ms = now;
            return true;
        }
        apply_data_batch(h->producer_id, *h, now);
        return true;
    });
}

void partition_state::expire_producers(int64_t now_ms, int64_t expiration_ms) {
    std::lock_guard lk(_mu);
    for (auto it = _producers.begin(); it != _producers.end();) {
        if (it->second.txn_first_offset < 0 && now_ms - it->second.last_seen_ms > expiration_ms &&
            !_enrolled.count(it->first))
            it = _producers.erase(it);
        else
            ++it;
    }
}

size_t partition_state::producer_count() const {
    std::lock_guard lk(_mu);
    return _producers.size();
}

std::shared_ptr<partition_state> partition_registry::get(const std::string& topic, int32_t partition) {
    {
        std::shared_lock lk(_mu);
        auto it = _states.find({topic, partition});
        if (it != _states.end()) return it->second;
    }
    auto log = _logs.partition(topic, partition);
    if (!log) return nullptr;
    std::unique_lock lk(_mu);
    auto it = _states.find({topic, partition});
    if (it != _states.end() && it->second->log() == log) return it->second;
    auto st = std::make_shared<partition_state>(topic, partition, log);
    st->rebuild();
    auto cb = _on_append;
    std::weak_ptr<partition_state> weak = st; // the log must not keep its state alive
    log->set_append_listener([cb, weak] {
        if (auto s = weak.lock()) s->note_append();
        cb();
    });
    _states[{topic, partition}] = st;
    return st;
}

void partition_registry::load_all() {
    for (auto& t : _logs.topics()) {
        auto n = _logs.partition_count(t);
        for (int32_t p = 0; n && p < *n; ++p)
            get(t, p);
    }
}

void partition_registry::forget_topic(const std::string& topic) {
    std::unique_lock lk(_mu);
    for (auto it = _states.lower_bound({topic, INT32_MIN}); it != _states.end() && it->first.first == topic;)
        it = _states.erase(it);
}

std::vector<std::shared_ptr<partition_state>> partition_registry::all() const {
    std::shared_lock lk(_mu);
    std::vector<std::shared_ptr<partition_state>> out;
    for (auto& [_, s] : _states)
        out.push_back(s);
    return out;
}

} // namespace ferry::broker
