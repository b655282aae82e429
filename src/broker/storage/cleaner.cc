// Log compaction (cleanup.policy=compact), spec kafka-protocol.md section 4.6, following Kafka's
// LogCleaner in behaviour:
//  * cleanable range: closed segments below the first one that is too young for
//    min.compaction.lag.ms or holds an offset at/after the LSO (an open transaction's data must
//    not shadow older committed values); the active segment is never cleaned;
//  * a pass starts when dirty bytes / (clean + dirty) > min.cleanable.dirty.ratio, when the oldest
//    dirty data is older than max.compaction.lag.ms, or when a delete horizon recorded by the last
//    pass has passed;
//  * the dirty section [cleaner checkpoint, end) is mapped key -> latest offset (128-bit key hashes
//    in a bounded open-addressing table; a map that fills up ends the pass early and the rest is
//    cleaned next time); then every segment from the log start up to the mapped end is rewritten
//    keeping a record iff no later offset has its key. Offsets never change; batches keep their
//    last_offset_delta, producer id/epoch/sequence and codec, so readers and idempotent producers
//    see consistent state;
//  * tombstones and transaction markers get a delete horizon (now + delete.retention.ms, KIP-534:
//    attribute bit 6, base_timestamp = horizon) when first cleaned, and go at a pass after it;
//    markers only once no data of their transaction remains; aborted transactional data is dropped;
//    the last batch of each producer stays as an empty header so sequence numbers survive;
//  * small neighbouring segments are merged up to segment.bytes;
//  * crash safety: output goes to `<base>.*.cleaned`, is fsynced, renamed to `.swap` (the commit
//    point is the rename of the .log), the inputs are deleted and the swap renamed into place;
//    partition open completes or discards whatever a crash left behind.

#include "broker/storage/partition_log_impl.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace ferry::broker::storage {
namespace {

inline uint64_t rotl64(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}
inline uint64_t fmix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

// MurmurHash3 x64 128-bit: keys are identified by this hash alone (as Kafka does with MD5), so it
// has to be wide enough that collisions are not a practical concern.
void hash128(std::string_view key, uint64_t& out1, uint64_t& out2) {
    const auto* data = reinterpret_cast<const uint8_t*>(key.data());
    const size_t len = key.size();
    const size_t nblocks = len / 16;
    uint64_t h1 = 0x9368e53c2f6af274ULL, h2 = 0x586dcd208f7cd3fdULL;
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    for (size_t i = 0; i < nblocks; i++) {
        uint64_t k1, k2;
        std::memcpy(&k1, data + i * 16, 8);
        std::memcpy(&k2, data + i * 16 + 8, 8);
        k1 *= c1;
        k1 = rotl64(k1, 31);
        k1 *= c2;
        h1 ^= k1;
        h1 = rotl64(h1, 27);
        h1 += h2;
        h1 = h1 * 5 + 0x52dce729;
        k2 *= c2;
        k2 = rotl64(k2, 33);
        k2 *= c1;
        h2 ^= k2;
        h2 = rotl64(h2, 31);
        h2 += h1;
        h2 = h2 * 5 + 0x38495ab5;
    }
    const uint8_t* tail = data + nblocks * 16;
    uint64_t k1 = 0, k2 = 0;
    switch (len & 15) {
    case 15:
        k2 ^= uint64_t(tail[14]) << 48;
        [[fallthrough]];
    case 14:
        k2 ^= uint64_t(tail[13]) << 40;
        [[fallthrough]];
    case 13:
        k2 ^= uint64_t(tail[12]) << 32;
        [[fallthrough]];
    case 12:
        k2 ^= uint64_t(tail[11]) << 24;
        [[fallthrough]];
    case 11:
        k2 ^= uint64_t(tail[10]) << 16;
        [[fallthrough]];
    case 10:
        k2 ^= uint64_t(tail[9]) << 8;
        [[fallthrough]];
    case 9:
        k2 ^= uint64_t(tail[8]);
        k2 *= c2;
        k2 = rotl64(k2, 33);
        k2 *= c1;
        h2 ^= k2;
        [[fallthrough]];
    case 8:
        k1 ^= uint64_t(tail[7]) << 56;
        [[fallthrough]];
    case 7:
        k1 ^= uint64_t(tail[6]) << 48;
        [[fallthrough]];
    case 6:
        k1 ^= uint64_t(tail[5]) << 40;
        [[fallthrough]];
    case 5:
        k1 ^= uint64_t(tail[4]) << 32;
        [[fallthrough]];
    case 4:
        k1 ^= uint64_t(tail[3]) << 24;
        [[fallthrough]];
    case 3:
        k1 ^= uint64_t(tail[2]) << 16;
        [[fallthrough]];
    case 2:
        k1 ^= uint64_t(tail[1]) << 8;
        [[fallthrough]];
    case 1:
        k1 ^= uint64_t(tail[0]);
        k1 *= c1;
        k1 = rotl64(k1, 31);
        k1 *= c2;
        h1 ^= k1;
    }
    h1 ^= len;
    h2 ^= len;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    h2 += h1;
    out1 = h1;
    out2 = h2;
}

// key hash -> latest offset, fixed memory, linear probing.
class offset_map {
public:
    explicit offset_map(size_t bytes) {
        size_t slots = 1024;
        while (slots * 2 * sizeof(slot) <= bytes)
            slots *= 2;
        _t.assign(slots, slot{0, 0, -1});
        _mask = slots - 1;
        _max = slots * 3 / 4;
    }
    // False when the key is new and the map is full.
    bool put(std::string_view key, int64_t off) {
        uint64_t a, b;
        hash128(key, a, b);
        for (size_t i = size_t(a) & _mask;; i = (i + 1) & _mask) {
            slot& s = _t[i];
            if (s.off < 0) {
                if (_count >= _max) return false;
                s = slot{a, b, off};
                ++_count;
                return true;
            }
            if (s.a == a && s.b == b) {
                if (off > s.off) s.off = off;
                return true;
            }
        }
    }
    int64_t get(std::string_view key) const {
        if (_count == 0) return -1;
        uint64_t a, b;
        hash128(key, a, b);
        for (size_t i = size_t(a) & _mask;; i = (i + 1) & _mask) {
            const slot& s = _t[i];
            if (s.off < 0) return -1;
            if (s.a == a && s.b == b) return s.off;
        }
    }
    size_t size() const { return _count; }

private:
    struct slot {
        uint64_t a, b;
        int64_t off;
    };
    std::vector<slot> _t;
    size_t _mask = 0, _count = 0, _max = 0;
};

// Visits every batch header of a segment (one small pread per batch: the payload is not read).
template <class F> result<> walk_headers(const segment& s, F&& fn) {
    int64_t end = s.size();
    int64_t pos = 0;
    char h[batch_layout::header_size];
    while (pos < end) {
        auto r = pread_full(s.log_fd(), h, sizeof h, pos);
        if (!r) return fail(std::move(r.error()));
        batch_view v{h};
        if (*r != sizeof h || v.size() < int64_t(batch_layout::header_size) || pos + v.size() > end)
            return fail(errc::io, "malformed batch at position {} of segment {}", pos, s.base_offset());
        fn(v);
        pos += v.size();
    }
    return {};
}

int64_t saturating_add(int64_t a, int64_t b) {
    return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

} // namespace

struct disk_log::clean_pass {
    int64_t now = 0;
    std::shared_ptr<const topic_config> cfg;
    offset_map map;
    int64_t map_end = 0; // records at or beyond are not covered by the map and always kept
    std::unordered_map<int64_t, int64_t> last_data_batch;                          // pid -> last offset
    std::unordered_map<int64_t, std::vector<std::pair<int64_t, int64_t>>> aborted; // pid -> [first, marker]
    std::unordered_set<int64_t> txn_data_seen; // pids whose txn data was read since their last marker
    int64_t min_horizon = INT64_MAX;
    int64_t records_read = 0, records_kept = 0, bytes_read = 0, bytes_written = 0;
    std::string scratch, records_out, packed, rebuilt;
    std::vector<record_view> kept;

    explicit clean_pass(size_t map_bytes) : map(map_bytes) {}

    bool is_aborted(int64_t pid, int64_t offset) const {
        auto it = aborted.find(pid);
        if (it == aborted.end()) return false;
        for (const auto& [first, last] : it->second)
            if (first <= offset && offset <= last) return true;
        return false;
    }
};

namespace {

// Re-encodes a batch with a subset of its records (same codec and header fields; record
// timestamps rebased when the base timestamp becomes a delete horizon).
result<> rebuild_batch(const batch_view& v, std::string_view original_section, const std::vector<record_view>& kept,
                       std::optional<int64_t> new_horizon, std::string& records_out, std::string& packed,
                       std::string& out) {
    int64_t old_base = v.base_timestamp();
    int64_t new_base = new_horizon ? *new_horizon : old_base;
    uint16_t attrs = v.attributes();
    if (new_horizon) attrs |= batch_attr::delete_horizon;
    records_out.clear();
    int64_t max_ts = -1;
    for (const auto& rec : kept) {
        int64_t ts = old_base + rec.timestamp_delta;
        max_ts = std::max(max_ts, ts);
        if (new_base == old_base)
            records_out.append(rec.raw);
        else
            encode_record(records_out, rec.attributes, ts - new_base, rec.offset_delta, rec.key, rec.value,
                          rec.headers);
    }
    if (v.is_log_append_time() || v.has_delete_horizon()) max_ts = v.max_timestamp();
    std::string_view section = records_out;
    if (v.codec() != codec::none) {
        packed.clear();
        if (auto r = compress(v.codec(), records_out, packed, snappy_is_xerial(original_section)); !r) return r;
        section = packed;
    }
    out = assemble_batch(v.base_offset(), attrs, v.last_offset_delta(), new_base, max_ts, v.producer_id(),
                         v.producer_epoch(), v.base_sequence(), int32_t(kept.size()), section);
    return {};
}

// What Kafka's cleaner leaves of a producer's last batch: the header alone, so the producer's
// epoch and sequence survive a restart.
std::string empty_header(const batch_view& v) {
    uint16_t attrs =
        v.attributes() & uint16_t(batch_attr::log_append_time | batch_attr::transactional | batch_attr::control);
    return assemble_batch(v.base_offset(), attrs, v.last_offset_delta(), v.max_timestamp(), v.max_timestamp(),
                          v.producer_id(), v.producer_epoch(), v.base_sequence(), 0, {});
}

} // namespace

result<bool> disk_log::clean_group(clean_pass& pass, const std::vector<std::shared_ptr<segment>>& group) {
    const int64_t base = group.front()->base_offset();
    auto made = segment::create(_dir, base, ".cleaned");
    if (!made) return fail(std::move(made.error()));
    std::shared_ptr<segment> out = std::move(*made);
    auto abandon = [&](result<bool> r) -> result<bool> {
        (void)out->remove_files();
        return r;
    };
    const auto& cfg = *pass.cfg;
    const int64_t now = pass.now;
    const int64_t horizon_if_new = saturating_add(now, cfg.delete_retention_ms);
    bool changed = false;
    std::set<int64_t> kept_markers;

    for (const auto& s : group) {
        batch_reader rd(s->log_fd(), 0, s->size(), 1 << 20);
        std::string_view b;
        int64_t pos;
        batch_reader::status st;
        while ((st = rd.next(b, pos)) == batch_reader::status::ok) {
            if (stop_requested()) return abandon(false);
            batch_view v{b.data()};
            pass.bytes_read += int64_t(b.size());
            std::string_view emit = b; // empty = drop
            if (v.is_control()) {
                bool can_discard = v.records_count() == 0 || pass.txn_data_seen.erase(v.producer_id()) == 0;
                if (can_discard && v.has_delete_horizon() && v.base_timestamp() <= now) {
                    emit = {};
                } else if (can_discard && !v.has_delete_horizon()) {
                    pass.kept.clear();
                    auto r = parse_records(b.substr(batch_layout::header_size), v.records_count(),
                                           [&](const record_view& rec) {
                                               pass.kept.push_back(rec);
                                               return true;
                                           });
                    if (!r)
                        return abandon(fail(errc::io, "{}: corrupt control batch at offset {}: {}", name(),
                                            v.base_offset(), r.error().message));
                    if (auto rr = rebuild_batch(v, b.substr(batch_layout::header_size), pass.kept, horizon_if_new,
                                                pass.records_out, pass.packed, pass.rebuilt);
                        !rr)
                        return abandon(fail(std::move(rr.error())));
                    emit = pass.rebuilt;
                }
                if (!emit.empty()) kept_markers.insert(v.base_offset());
            } else {
                const int64_t pid = v.producer_id();
                const bool txn = v.is_transactional();
                const bool aborted = txn && pass.is_aborted(pid, v.base_offset());
                if (txn) pass.txn_data_seen.insert(pid);
                bool last_of_producer = false;
                if (pid >= 0) {
                    auto it = pass.last_data_batch.find(pid);
                    last_of_producer = it != pass.last_data_batch.end() && it->second == v.last_offset();
                }
                pass.records_read += v.records_count();
                if (aborted) {
                    if (!last_of_producer) {
                        emit = {};
                    } else if (v.records_count() > 0) {
                        pass.rebuilt = empty_header(v);
                        emit = pass.rebuilt;
                    }
                } else if (v.records_count() > 0) {
                    auto sec = batch_records(b, pass.scratch);
                    if (!sec)
                        return abandon(fail(errc::io, "{}: cannot decompress batch at offset {}: {}", name(),
                                            v.base_offset(), sec.error().message));
                    pass.kept.clear();
                    bool tombstone = false;
                    const bool horizon_passed = v.has_delete_horizon() && now >= v.base_timestamp();
                    auto r = parse_records(*sec, v.records_count(), [&](const record_view& rec) {
                        int64_t off = v.base_offset() + rec.offset_delta;
                        bool keep = true;
                        if (off < pass.map_end) {
                            if (!rec.key)
                                keep = false; // keyless records have no place in a compacted log
                            else if (pass.map.get(*rec.key) > off)
                                keep = false; // a later record has this key
                            else if (!rec.value && horizon_passed)
                                keep = false; // tombstone past its delete horizon
                        }
                        if (keep) {
                            pass.kept.push_back(rec);
                            if (!rec.value) tombstone = true;
                        }
                        return true;
                    });
                    if (!r)
                        return abandon(fail(errc::io, "{}: corrupt batch at offset {}: {}", name(), v.base_offset(),
                                            r.error().message));
                    const bool need_horizon = tombstone && !v.has_delete_horizon();
                    if (pass.kept.size() == size_t(v.records_count()) && !need_horizon) {
                        // unchanged: copied verbatim, no recompression
                    } else if (pass.kept.empty()) {
                        if (last_of_producer) {
                            pass.rebuilt = empty_header(v);
                            emit = pass.rebuilt;
                        } else {
                            emit = {};
                        }
                    } else {
                        auto sec_raw = b.substr(batch_layout::header_size);
                        if (auto rr =
                                rebuild_batch(v, sec_raw, pass.kept,
                                              need_horizon ? std::optional<int64_t>(horizon_if_new) : std::nullopt,
                                              pass.records_out, pass.packed, pass.rebuilt);
                            !rr)
                            return abandon(fail(std::move(rr.error())));
                        emit = pass.rebuilt;
                    }
                    pass.records_kept += int64_t(pass.kept.size());
                }
            }
            if (emit.data() != b.data() || emit.size() != b.size()) changed = true;
            if (emit.empty()) continue;
            batch_view e{emit.data()};
            if (e.has_delete_horizon()) pass.min_horizon = std::min(pass.min_horizon, e.base_timestamp());
            if (auto r = out->append(emit, cfg.index_interval_bytes); !r) return abandon(fail(std::move(r.error())));
        }
        if (st != batch_reader::status::end || rd.io_error())
            return abandon(fail(errc::io, "{}: segment {} is unreadable at position {}; not compacting it", name(),
                                s->base_offset(), rd.position()));
    }
    for (const auto& s : group)
        for (const auto& e : s->txns())
            if (kept_markers.count(e.last_offset))
                if (auto r = out->append_txn(e); !r) return abandon(fail(std::move(r.error())));
    if (!changed && group.size() == 1) return abandon(false);

    // Commit: durable output, then the .log rename to .swap is the point of no return.
    if (auto r = out->seal(); !r) return abandon(fail(std::move(r.error())));
    if (auto r = out->flush_data(); !r) return abandon(fail(std::move(r.error())));
    if (auto r = out->rename_files(".cleaned", ".swap"); !r) return abandon(fail(std::move(r.error())));
    if (auto r = fsync_dir(_dir); !r) return fail(std::move(r.error()));
    int64_t old_bytes = 0;
    {
        std::unique_lock lk(_seg_mu);
        for (const auto& s : group) {
            _segments.erase(s->base_offset());
            old_bytes += s->size();
        }
        _segments[base] = out;
    }
    _size_bytes.fetch_add(out->size() - old_bytes);
    pass.bytes_written += out->size();
    for (const auto& s : group)
        if (auto r = s->remove_files(); !r) return fail(std::move(r.error()));
    // No directory fsync here: if these renames are lost, the next open finds the `.swap` again
    // and completes it; the inputs' removal is equally idempotent.
    if (auto r = out->rename_files(".swap", ""); !r) return fail(std::move(r.error()));
    _dir_dirty = true;
    return true;
}

result<> disk_log::compact(int64_t now) {
    std::lock_guard mlk(_maint_mu);
    auto cfg = config();
    if (!cfg->cleanup_compact || stop_requested()) return {};
    auto segs = segments();
    if (segs.size() < 2) return {}; // only the active segment: nothing is cleanable
    const int64_t log_start = _log_start.load();
    const int64_t leo = _leo.load();
    const int64_t first_dirty = std::clamp(_cleaner_offset.load(), log_start, leo);
    const size_t n_closed = segs.size() - 1; // the snapshot's last segment counts as active

    size_t end_idx = 0;
    while (end_idx < n_closed) {
        const auto& s = segs[end_idx];
        if (cfg->min_compaction_lag_ms > 0 && s->max_timestamp() > now - cfg->min_compaction_lag_ms) break;
        ++end_idx;
    }
    auto measure = [&](size_t upto, int64_t& clean, int64_t& dirty, std::shared_ptr<segment>& first_dirty_seg) {
        clean = dirty = 0;
        first_dirty_seg = nullptr;
        for (size_t i = 0; i < upto; ++i) {
            if (segs[i]->next_offset() <= first_dirty) {
                clean += segs[i]->size();
            } else {
                dirty += segs[i]->size();
                if (!first_dirty_seg) first_dirty_seg = segs[i];
            }
        }
    };
    int64_t clean_bytes, dirty_bytes;
    std::shared_ptr<segment> fds;
    measure(end_idx, clean_bytes, dirty_bytes, fds);
    auto due = [&] {
        double ratio = clean_bytes + dirty_bytes > 0 ? double(dirty_bytes) / double(clean_bytes + dirty_bytes) : 0.0;
        bool lag = cfg->max_compaction_lag_ms != INT64_MAX && fds && fds->first_batch_timestamp() >= 0 &&
                   now - fds->first_batch_timestamp() > cfg->max_compaction_lag_ms;
        bool horizon = _next_horizon_ms.load() <= now && end_idx > 0;
        return (dirty_bytes > 0 && (ratio > cfg->min_cleanable_dirty_ratio || lag)) || horizon;
    };
    if (!due()) return {};

    clean_pass pass(_env->dedupe_buffer_bytes);
    pass.now = now;
    pass.cfg = cfg;

    // One header-only walk of the whole log: each producer's last data batch (kept as an empty
    // header if cleaning would remove it) and the open transactions, whose first offset is the
    // LSO the cleanable range must stay below.
    std::unordered_map<int64_t, int64_t> open_txns;
    for (const auto& s : segs) {
        auto r = walk_headers(*s, [&](const batch_view& v) {
            if (v.base_offset() >= leo) return;
            int64_t pid = v.producer_id();
            if (v.is_control()) {
                open_txns.erase(pid);
                return;
            }
            if (pid >= 0) pass.last_data_batch[pid] = v.last_offset();
            if (v.is_transactional()) open_txns.try_emplace(pid, v.base_offset());
        });
        if (!r) return fail(errc::io, "{}: {}", name(), r.error().message);
    }
    int64_t lso = leo;
    for (const auto& [pid, first] : open_txns)
        lso = std::min(lso, first);
    for (size_t i = 0; i < end_idx; ++i)
        if (segs[i]->next_offset() > lso) {
            end_idx = i;
            break;
        }
    measure(end_idx, clean_bytes, dirty_bytes, fds);
    if (end_idx == 0 || !due()) return {};
    const int64_t end_offset = segs[end_idx]->base_offset();

    for (const auto& s : segs)
        for (const auto& e : s->txns())
            pass.aborted[e.producer_id].emplace_back(e.first_offset, e.last_offset);

    // Map the dirty section.
    pass.map_end = std::max(first_dirty, end_offset);
    bool full = false;
    for (size_t i = 0; i < end_idx && !full; ++i) {
        const auto& s = segs[i];
        if (s->next_offset() <= first_dirty) continue;
        batch_reader rd(s->log_fd(), s->lookup_position(first_dirty), s->size(), 1 << 20);
        std::string_view b;
        int64_t pos;
        while (!full && rd.next(b, pos) == batch_reader::status::ok) {
            if (stop_requested()) return {};
            batch_view v{b.data()};
            if (v.last_offset() < first_dirty || v.is_control() || v.records_count() == 0) continue;
            if (v.is_transactional() && pass.is_aborted(v.producer_id(), v.base_offset())) continue;
            auto sec = batch_records(b, pass.scratch);
            if (!sec)
                return fail(errc::io, "{}: cannot decompress batch at offset {}: {}", name(), v.base_offset(),
                            sec.error().message);
            auto r = parse_records(*sec, v.records_count(), [&](const record_view& rec) {
                int64_t off = v.base_offset() + rec.offset_delta;
                if (off < first_dirty || !rec.key) return true;
                if (!pass.map.put(*rec.key, off)) {
                    pass.map_end = off; // map full: later records are kept as they are this time
                    full = true;
                    return false;
                }
                return true;
            });
            if (!r)
                return fail(errc::io, "{}: corrupt batch at offset {}: {}", name(), v.base_offset(), r.error().message);
        }
        if (rd.io_error()) return fail(*rd.io_error());
    }

    // Rewrite [first segment, map_end) in groups of at most segment.bytes.
    size_t k = 0;
    while (k < end_idx && segs[k]->base_offset() < pass.map_end)
        ++k;
    size_t groups = 0, rewritten = 0;
    for (size_t i = 0; i < k;) {
        std::vector<std::shared_ptr<segment>> group{segs[i]};
        int64_t bytes = segs[i]->size();
        size_t j = i + 1;
        while (j < k) {
            int64_t upper = (j + 1 < segs.size() ? segs[j + 1]->base_offset() : leo) - 1;
            if (bytes + segs[j]->size() > cfg->segment_bytes || upper - segs[i]->base_offset() > INT32_MAX) break;
            bytes += segs[j]->size();
            group.push_back(segs[j]);
            ++j;
        }
        auto r = clean_group(pass, group);
        if (!r) {
            if (stop_requested()) return {};
            _env->logger->error("{}: compaction failed: {}", name(), r.error().message);
            return fail(std::move(r.error()));
        }
        if (stop_requested()) return {};
        ++groups;
        if (*r) ++rewritten;
        i = j;
    }

    int64_t co = _cleaner_offset.load();
    int64_t target = std::max(pass.map_end, log_start);
    if (co < target) _cleaner_offset.store(target);
    _next_horizon_ms = pass.min_horizon;
    if (_env->cleaner_offset_changed) _env->cleaner_offset_changed();
    _env->logger->info(
        "{}: compacted offsets [{}, {}) in {} group(s), {} rewritten: {} keys mapped, {} of {} records kept, "
        "{} -> {} bytes",
        name(), log_start, pass.map_end, groups, rewritten, pass.map.size(), pass.records_kept, pass.records_read,
        pass.bytes_read, pass.bytes_written);
    return {};
}

} // namespace ferry::broker::storage
