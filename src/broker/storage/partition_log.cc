#include "broker/storage/partition_log_impl.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

namespace ferry::broker::storage {

// ---- Kafka error names -------------------------------------------------------------------------

namespace {

struct named_error {
    const char* name;
    kafka_error code;
};

constexpr named_error error_names[] = {
    {"UNKNOWN_SERVER_ERROR", kafka_error::unknown_server_error},
    {"NONE", kafka_error::none},
    {"OFFSET_OUT_OF_RANGE", kafka_error::offset_out_of_range},
    {"CORRUPT_MESSAGE", kafka_error::corrupt_message},
    {"UNKNOWN_TOPIC_OR_PARTITION", kafka_error::unknown_topic_or_partition},
    {"MESSAGE_TOO_LARGE", kafka_error::message_too_large},
    {"INVALID_TOPIC_EXCEPTION", kafka_error::invalid_topic_exception},
    {"INVALID_TIMESTAMP", kafka_error::invalid_timestamp},
    {"TOPIC_ALREADY_EXISTS", kafka_error::topic_already_exists},
    {"INVALID_PARTITIONS", kafka_error::invalid_partitions},
    {"INVALID_CONFIG", kafka_error::invalid_config},
    {"INVALID_REQUEST", kafka_error::invalid_request},
    {"UNSUPPORTED_COMPRESSION_TYPE", kafka_error::unsupported_compression_type},
    {"INVALID_RECORD", kafka_error::invalid_record},
};

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Scratch buffers reused by the append path (decompression for key checks, recompression), so a
// steady stream of batches allocates nothing per batch once warmed up.
thread_local std::string tl_scratch;
thread_local std::string tl_batch;

struct parsed_name {
    int64_t base = -1;
    std::string rest; // ".log", ".index.swap", ...
};

std::optional<parsed_name> parse_segment_file(std::string_view n) {
    if (n.size() < 21) return std::nullopt;
    for (size_t i = 0; i < 20; ++i)
        if (n[i] < '0' || n[i] > '9') return std::nullopt;
    if (n[20] != '.') return std::nullopt;
    parsed_name p;
    p.base = std::stoll(std::string(n.substr(0, 20)));
    p.rest = std::string(n.substr(20));
    return p;
}

// Inserts "<topic>-<partition>:" after the Kafka error name so the message says where.
error in_partition(error e, const std::string& tp) {
    auto c = e.message.find(':');
    if (c != std::string::npos) e.message.insert(c + 1, " " + tp + ":");
    return e;
}

bool ends_with(std::string_view s, std::string_view suf) {
    return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

} // namespace

kafka_error kafka_error_of(const error& e) {
    std::string_view m = e.message;
    auto colon = m.find(':');
    std::string_view word = m.substr(0, colon == std::string_view::npos ? m.size() : colon);
    for (const auto& n : error_names)
        if (word == n.name) return n.code;
    return kafka_error::unknown_server_error;
}

const char* kafka_error_name(kafka_error e) {
    for (const auto& n : error_names)
        if (n.code == e) return n.name;
    return "UNKNOWN_SERVER_ERROR";
}

// ---- open and recovery -------------------------------------------------------------------------

disk_log::disk_log(std::shared_ptr<log_env> env, std::string topic, int32_t partition, std::string dir,
                   std::shared_ptr<const topic_config> cfg)
    : _env(std::move(env)), _topic(std::move(topic)), _partition(partition), _dir(std::move(dir)) {
    _cfg.store(std::move(cfg));
}

disk_log::~disk_log() = default;

result<std::shared_ptr<disk_log>> disk_log::open(std::shared_ptr<log_env> env, std::string topic, int32_t partition,
                                                 std::string dir, std::shared_ptr<const topic_config> cfg,
                                                 const log_open_state& st) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(errc::io, "create {}: {}", dir, ec.message());
    std::shared_ptr<disk_log> l(
        new disk_log(std::move(env), std::move(topic), partition, std::move(dir), std::move(cfg)));
    if (auto r = l->load(st); !r) return fail(std::move(r.error()));
    return l;
}

result<> disk_log::load(const log_open_state& st) {
    auto cfg = config();
    auto& logger = _env->logger;
    std::vector<std::string> names;
    {
        DIR* d = ::opendir(_dir.c_str());
        if (!d) return fail(errc::io, "opendir {}: {}", _dir, std::strerror(errno));
        while (auto* e = ::readdir(d))
            names.emplace_back(e->d_name);
        ::closedir(d);
    }
    auto rm = [&](const std::string& n) { ::unlink(join_path(_dir, n).c_str()); };
    auto exists = [&](const std::string& n) { return ::access(join_path(_dir, n).c_str(), F_OK) == 0; };

    // Leftovers of interrupted work: unfinished cleaning output and temp files go; a `.log.swap`
    // is a finished cleaning whose swap was interrupted, so it is completed.
    std::set<int64_t> logs, swaps;
    for (const auto& n : names) {
        if (ends_with(n, ".cleaned") || ends_with(n, ".deleted") || ends_with(n, ".tmp")) {
            rm(n);
            continue;
        }
        auto p = parse_segment_file(n);
        if (!p) continue;
        if (p->rest == ".log") logs.insert(p->base);
        if (p->rest == ".log.swap") swaps.insert(p->base);
    }
    std::set<int64_t> must_recover;
    for (int64_t base : swaps) {
        std::string swap_name = segment::file_name(base, ".log", ".swap");
        int64_t last = base - 1;
        {
            auto fd = open_file(join_path(_dir, swap_name), O_RDONLY);
            if (!fd) return fail(std::move(fd.error()));
            auto sz = file_size(fd->get());
            if (!sz) return fail(std::move(sz.error()));
            batch_reader rd(fd->get(), 0, *sz, 1 << 20);
            std::string_view b;
            int64_t pos;
            while (rd.next(b, pos) == batch_reader::status::ok)
                last = batch_view{b.data()}.last_offset();
        }
        // Inputs of the cleaning that the swap now covers are removed; the first input has the
        // swap's own base and is replaced by the rename below.
        for (auto it = logs.upper_bound(base); it != logs.end() && *it <= last;) {
            for (const char* ext : {".log", ".index", ".timeindex", ".txnindex"})
                rm(segment::file_name(*it, ext));
            it = logs.erase(it);
        }
        for (const char* ext : {".index", ".timeindex"}) {
            rm(segment::file_name(base, ext));
            rm(segment::file_name(base, ext, ".swap"));
        }
        std::string txn_swap = segment::file_name(base, ".txnindex", ".swap");
        if (exists(txn_swap) && ::rename(join_path(_dir, txn_swap).c_str(),
                                         join_path(_dir, segment::file_name(base, ".txnindex")).c_str()) != 0)
            return fail(errc::io, "rename {}: {}", txn_swap, std::strerror(errno));
        if (::rename(join_path(_dir, swap_name).c_str(), join_path(_dir, segment::file_name(base, ".log")).c_str()) !=
            0)
            return fail(errc::io, "rename {}: {}", swap_name, std::strerror(errno));
        logs.insert(base);
        must_recover.insert(base);
        logger->warn("{}: completed an interrupted compaction swap at offset {}", name(), base);
    }
    // Index files without their log (a crash in the middle of deleting a segment), and swap
    // files of a cleaning that never committed.
    for (const auto& n : names) {
        auto p = parse_segment_file(n);
        if (!p || p->rest == ".log" || p->rest == ".log.swap") continue;
        if (ends_with(p->rest, ".swap") || !logs.count(p->base)) rm(n);
    }
    if (!swaps.empty()) (void)fsync_dir(_dir);

    std::vector<std::shared_ptr<segment>> segs;
    for (int64_t base : logs) {
        auto s = segment::open(_dir, base);
        if (!s) return fail(std::move(s.error()));
        segs.push_back(std::move(*s));
    }

    // Segments from the one holding the recovery point on are re-validated after a crash.
    size_t recover_from = segs.size();
    if (!st.clean_shutdown) {
        int64_t rp = st.recovery_point.value_or(0);
        recover_from = 0;
        for (size_t i = 0; i < segs.size(); ++i)
            if (segs[i]->base_offset() <= rp) recover_from = i;
    }
    std::vector<std::shared_ptr<segment>> recovered;
    int64_t prev_next = -1;
    for (size_t i = 0; i < segs.size(); ++i) {
        auto& s = segs[i];
        bool do_recover = i >= recover_from || must_recover.count(s->base_offset());
        if (!do_recover) {
            if (auto r = s->load(); !r) {
                logger->warn("{}: {}; re-validating the segment", name(), r.error().message);
                do_recover = true;
            }
        }
        int64_t truncated = 0;
        if (do_recover) {
            auto r = s->recover(cfg->index_interval_bytes);
            if (!r) return fail(std::move(r.error()));
            truncated = *r;
            recovered.push_back(s);
            if (truncated > 0)
                logger->warn(
                    "{}: truncated {} bytes of torn or corrupt data at the end of segment {} (log end offset {})",
                    name(), truncated, s->base_offset(), s->next_offset());
        }
        bool overlap = prev_next >= 0 && s->base_offset() < prev_next;
        if (overlap)
            logger->error("{}: segment {} overlaps its predecessor; dropping it and later segments", name(),
                          s->base_offset());
        if (truncated > 0 || overlap) {
            size_t drop_from = overlap ? i : i + 1;
            for (size_t j = drop_from; j < segs.size(); ++j) {
                logger->warn("{}: removing segment {} after the truncation point", name(), segs[j]->base_offset());
                (void)segs[j]->remove_files();
            }
            segs.resize(drop_from);
            break;
        }
        prev_next = s->next_offset();
    }
    if (segs.empty()) {
        auto s = segment::create(_dir, std::max<int64_t>(0, st.log_start.value_or(0)));
        if (!s) return fail(std::move(s.error()));
        segs.push_back(std::move(*s));
        _dir_dirty = true;
    }
    for (size_t i = 0; i + 1 < segs.size(); ++i)
        if (auto r = segs[i]->seal(); !r) return r;
    _active = segs.back();
    if (auto r = _active->activate(cfg->index_interval_bytes); !r) return r;
    _active_created_ms = _env->clock();

    int64_t total = 0;
    for (auto& s : segs) {
        total += s->size();
        _segments.emplace(s->base_offset(), s);
    }
    _size_bytes = total;
    int64_t leo = _active->next_offset();
    _leo = leo;
    _log_start = std::clamp<int64_t>(std::max(st.log_start.value_or(0), segs.front()->base_offset()), 0, leo);
    // After a crash the recovery point stays where the checkpoint had it: the re-validated data
    // (and any truncation) is fsynced by the first background flush, not on the start-up path.
    if (recovered.empty()) {
        _recovery_point = leo;
    } else {
        _recovery_point = std::min(st.clean_shutdown ? leo : st.recovery_point.value_or(0), leo);
        _flush_pending = true;
        _dir_dirty = true;
    }
    _cleaner_offset = std::clamp<int64_t>(st.cleaner_offset.value_or(0), _log_start.load(), leo);
    _last_flush_steady = steady_ms();
    return {};
}

// ---- append ------------------------------------------------------------------------------------

result<> disk_log::validate(std::span<char> b, const topic_config& cfg, int64_t now) const {
    if (b.size() < batch_layout::header_size)
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: {}: {} bytes is shorter than a RecordBatch header",
                    name(), b.size());
    batch_view v{b.data()};
    int64_t declared = v.size();
    if (declared < int64_t(batch_layout::header_size) || declared > int64_t(b.size()))
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: {}: batch_length {} does not match the {} bytes received",
                    name(), v.batch_length(), b.size());
    if (declared < int64_t(b.size()))
        return fail(errc::invalid_argument,
                    "INVALID_RECORD: {}: a produce request must carry exactly one RecordBatch v2", name());
    if (v.magic() != 2)
        return fail(errc::invalid_argument, "INVALID_RECORD: {}: record batch magic {} is not supported (only v2)",
                    name(), v.magic());
    if (int64_t(b.size()) > cfg.max_message_bytes)
        return fail(errc::invalid_argument, "MESSAGE_TOO_LARGE: {}: batch of {} bytes exceeds max.message.bytes {}",
                    name(), b.size(), cfg.max_message_bytes);
    uint32_t crc = compute_batch_crc(std::string_view(b.data(), b.size()));
    if (crc != v.crc())
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: {}: CRC-32C mismatch (stored {:08x}, computed {:08x})",
                    name(), v.crc(), crc);
    if (uint16_t(v.codec()) > 4)
        return fail(errc::invalid_argument, "UNSUPPORTED_COMPRESSION_TYPE: {}: compression codec id {}", name(),
                    int(v.codec()));
    if (v.records_count() <= 0 || v.last_offset_delta() < 0 || v.records_count() != v.last_offset_delta() + 1)
        return fail(errc::invalid_argument,
                    "INVALID_RECORD: {}: records_count {} is inconsistent with last_offset_delta {}", name(),
                    v.records_count(), v.last_offset_delta());
    if (v.is_control())
        return fail(errc::invalid_argument, "INVALID_RECORD: {}: clients may not write control batches", name());
    if (v.producer_id() >= 0 && v.base_sequence() < 0)
        return fail(errc::invalid_argument, "INVALID_RECORD: {}: invalid sequence number {} for producer id {}", name(),
                    v.base_sequence(), v.producer_id());
    if (v.is_transactional() && v.producer_id() < 0)
        return fail(errc::invalid_argument, "INVALID_RECORD: {}: transactional batch without a producer id", name());
    if (v.is_log_append_time())
        return fail(errc::invalid_argument,
                    "INVALID_TIMESTAMP: {}: producers must not set the timestamp type to LogAppendTime", name());
    if (!cfg.log_append_time) {
        int64_t lo = std::min(v.base_timestamp(), v.max_timestamp());
        int64_t hi = std::max(v.base_timestamp(), v.max_timestamp());
        if (cfg.message_timestamp_before_max_ms != INT64_MAX && lo >= 0 &&
            now - lo > cfg.message_timestamp_before_max_ms)
            return fail(
                errc::invalid_argument,
                "INVALID_TIMESTAMP: {}: timestamp {} is more than message.timestamp.before.max.ms={} in the past",
                name(), lo, cfg.message_timestamp_before_max_ms);
        if (cfg.message_timestamp_after_max_ms != INT64_MAX && hi - now > cfg.message_timestamp_after_max_ms)
            return fail(
                errc::invalid_argument,
                "INVALID_TIMESTAMP: {}: timestamp {} is more than message.timestamp.after.max.ms={} in the future",
                name(), hi, cfg.message_timestamp_after_max_ms);
    }
    if (cfg.cleanup_compact) {
        // Compaction needs every record to carry a key; this is the only append-time check that
        // looks inside the records (decompressing if needed).
        auto sec = batch_records(std::string_view(b.data(), b.size()), tl_scratch, size_t(64) << 20);
        if (!sec) return fail(in_partition(std::move(sec.error()), name()));
        int32_t i = 0;
        std::optional<std::string> bad;
        auto r = parse_records(*sec, v.records_count(), [&](const record_view& rec) {
            if (!rec.key) {
                bad = fmt::format("INVALID_RECORD: {}: compacted topic cannot accept a record without key (record {})",
                                  name(), i);
                return false;
            }
            if (rec.offset_delta != i) {
                bad = fmt::format("INVALID_RECORD: {}: record {} has offset delta {}", name(), i, rec.offset_delta);
                return false;
            }
            ++i;
            return true;
        });
        if (bad) return fail(errc::invalid_argument, "{}", *bad);
        if (!r) return fail(errc::invalid_argument, "INVALID_RECORD: {}: {}", name(), r.error().message);
    }
    return {};
}

result<> disk_log::roll_locked() {
    if (_active->empty()) return {};
    int64_t base = _leo.load(std::memory_order_relaxed);
    if (auto r = _active->seal(); !r) return r;
    auto s = segment::create(_dir, base);
    if (!s) return fail(std::move(s.error()));
    {
        std::unique_lock lk(_seg_mu);
        _segments[base] = *s;
    }
    _active = std::move(*s);
    _active_created_ms = _env->clock();
    _flush_pending = true;
    _dir_dirty = true;
    return {};
}

result<> disk_log::maybe_roll_locked(int64_t batch_size, int64_t batch_max_ts, int64_t batch_last_offset,
                                     const topic_config& cfg) {
    if (_active->empty()) return {};
    bool roll = _active->size() + batch_size > cfg.segment_bytes;
    int64_t first_ts = _active->first_batch_timestamp();
    if (!roll) {
        // As Kafka: the segment's age is measured in data time (this batch's timestamp against the
        // segment's first), falling back to wall time when batches carry no timestamps.
        int64_t age = first_ts >= 0 && batch_max_ts >= 0 ? batch_max_ts - first_ts : _env->clock() - _active_created_ms;
        roll = age > cfg.segment_ms;
    }
    if (!roll) roll = _active->index_full(cfg.segment_index_bytes);
    if (!roll) roll = batch_last_offset - _active->base_offset() > INT32_MAX;
    return roll ? roll_locked() : result<>{};
}

result<> disk_log::write_locked(std::span<char> batch, const topic_config& cfg) {
    batch_view v{batch.data()};
    int64_t base = _leo.load(std::memory_order_relaxed);
    if (auto r = maybe_roll_locked(int64_t(batch.size()), v.max_timestamp(), base + v.last_offset_delta(), cfg); !r)
        return r;
    // Offset and leader epoch lie outside the CRC: no checksum work here.
    store_be64(batch.data() + batch_layout::base_offset, uint64_t(base));
    store_be32(batch.data() + batch_layout::partition_leader_epoch, 0);
    if (auto r = _active->append(std::string_view(batch.data(), batch.size()), cfg.index_interval_bytes); !r) return r;
    const int64_t leo = base + v.last_offset_delta() + 1;
    _size_bytes.fetch_add(int64_t(batch.size()), std::memory_order_relaxed);
    _unflushed.fetch_add(v.last_offset_delta() + 1, std::memory_order_relaxed);
    result<> flushed;
    // Under flush.messages the batch must be durable before readers (and the high watermark)
    // see it; otherwise it is published at once. Readers are bounded by _leo, not by the
    // segment's own size, so fsyncing first really does hide it.
    if (_unflushed.load(std::memory_order_relaxed) >= cfg.flush_messages) flushed = flush_locked(leo);
    _leo.store(leo, std::memory_order_release);
    return flushed;
}

result<append_result> disk_log::append(std::span<char> batch) {
    auto cfg = config();
    int64_t now = _env->clock();
    if (auto r = validate(batch, *cfg, now); !r) return fail(std::move(r.error()));
    std::span<char> data = batch;
    batch_view v{batch.data()};
    if (cfg->compression_type != "producer") {
        auto target = codec_from_name(cfg->compression_type);
        if (target && *target != v.codec()) {
            auto sec = batch_records(std::string_view(batch.data(), batch.size()), tl_scratch, size_t(64) << 20);
            if (!sec) return fail(std::move(sec.error()));
            std::string packed;
            if (auto r = compress(*target, *sec, packed); !r) return fail(std::move(r.error()));
            uint16_t attrs = uint16_t((v.attributes() & ~batch_attr::codec_mask) | uint16_t(*target));
            tl_batch =
                assemble_batch(0, attrs, v.last_offset_delta(), v.base_timestamp(), v.max_timestamp(), v.producer_id(),
                               v.producer_epoch(), v.base_sequence(), v.records_count(), packed);
            if (int64_t(tl_batch.size()) > cfg->max_message_bytes)
                return fail(errc::invalid_argument,
                            "MESSAGE_TOO_LARGE: {}: batch recompressed with {} is {} bytes, above max.message.bytes {}",
                            name(), cfg->compression_type, tl_batch.size(), cfg->max_message_bytes);
            data = std::span<char>(tl_batch.data(), tl_batch.size());
        }
    }
    append_result res;
    if (cfg->log_append_time) {
        store_be16(data.data() + batch_layout::attributes,
                   uint16_t(batch_view{data.data()}.attributes() | batch_attr::log_append_time));
        store_be64(data.data() + batch_layout::max_timestamp, uint64_t(now));
        update_batch_crc(data);
        res.log_append_time = now;
    }
    {
        std::lock_guard lk(_append_mu);
        if (_closed.load()) return fail(errc::not_found, "UNKNOWN_TOPIC_OR_PARTITION: {} is closed or deleted", name());
        if (auto r = write_locked(data, *cfg); !r) {
            _env->logger->error("{}: append failed: {}", name(), r.error().message);
            return fail(std::move(r.error()));
        }
        res.base_offset = int64_t(load_be64(data.data()));
    }
    res.log_start_offset = log_start_offset();
    notify();
    return res;
}

result<int64_t> disk_log::append_marker(int64_t pid, int16_t epoch, bool commit, int32_t coordinator_epoch,
                                        int64_t first_offset_of_txn) {
    auto cfg = config();
    int64_t now = _env->clock();
    std::string b =
        make_control_batch(pid, epoch, commit ? control_type::commit : control_type::abort, coordinator_epoch, now);
    std::span<char> data(b.data(), b.size());
    if (cfg->log_append_time) {
        store_be16(b.data() + batch_layout::attributes,
                   uint16_t(batch_view{b.data()}.attributes() | batch_attr::log_append_time));
        update_batch_crc(data);
    }
    int64_t offset;
    {
        std::lock_guard lk(_append_mu);
        if (_closed.load()) return fail(errc::not_found, "UNKNOWN_TOPIC_OR_PARTITION: {} is closed or deleted", name());
        if (auto r = write_locked(data, *cfg); !r) return fail(std::move(r.error()));
        offset = int64_t(load_be64(b.data()));
        if (!commit) {
            // The marker is in the log before its index entry: a crash in between leaves a marker
            // without entry, which the coordinator repairs by writing the marker again (it is
            // still in PrepareAbort until this call returns).
            if (auto r = _active->append_txn({pid, first_offset_of_txn, offset, -1}); !r)
                return fail(std::move(r.error()));
        }
    }
    notify();
    return offset;
}

void disk_log::notify() {
    auto l = _listener.load();
    if (l && *l) (*l)();
}

void disk_log::set_append_listener(append_listener l) {
    _listener.store(std::make_shared<append_listener>(std::move(l)));
}

// ---- flush -------------------------------------------------------------------------------------

result<> disk_log::flush_segments(const std::vector<std::shared_ptr<segment>>& segs, int64_t upto, int64_t messages) {
    for (const auto& s : segs)
        if (auto r = s->flush(); !r) {
            if (_deleted.load()) return {};
            _env->logger->error("{}: flush failed: {}", name(), r.error().message);
            return r;
        }
    if (_dir_dirty.exchange(false)) {
        if (auto r = fsync_dir(_dir); !r) {
            _dir_dirty = true;
            if (!_deleted.load()) return r;
        }
    }
    int64_t rp = _recovery_point.load();
    while (rp < upto && !_recovery_point.compare_exchange_weak(rp, upto)) {
    }
    _unflushed.fetch_sub(messages);
    _last_flush_steady = steady_ms();
    return {};
}

result<> disk_log::flush_locked(int64_t upto) {
    int64_t rp = _recovery_point.load();
    std::vector<std::shared_ptr<segment>> segs;
    {
        std::shared_lock lk(_seg_mu);
        for (const auto& [base, s] : _segments)
            if (s->next_offset() > rp || s == _active) segs.push_back(s);
    }
    _flush_pending = false;
    return flush_segments(segs, upto, _unflushed.load());
}

result<> disk_log::flush() {
    std::vector<std::shared_ptr<segment>> segs;
    int64_t upto, messages;
    {
        std::lock_guard lk(_append_mu);
        _flush_pending = false;
        upto = _leo.load();
        messages = _unflushed.load();
        int64_t rp = _recovery_point.load();
        std::shared_lock slk(_seg_mu);
        for (const auto& [base, s] : _segments)
            if (s->next_offset() > rp || s == _active) segs.push_back(s);
    }
    // The fsyncs run without the append mutex: producers keep appending meanwhile.
    return flush_segments(segs, upto, messages);
}

result<> disk_log::maybe_flush(int64_t steady_now_ms, int64_t periodic_flush_ms) {
    if (_closed.load()) return {};
    bool pending = _flush_pending.load();
    if (!pending && _unflushed.load() <= 0) return {};
    auto cfg = config();
    int64_t since = steady_now_ms - _last_flush_steady.load();
    bool due = pending || (cfg->flush_ms != INT64_MAX && since >= cfg->flush_ms) ||
               (periodic_flush_ms > 0 && since >= periodic_flush_ms);
    return due ? flush() : result<>{};
}

// ---- reads -------------------------------------------------------------------------------------

std::vector<std::shared_ptr<segment>> disk_log::segments() const {
    std::shared_lock lk(_seg_mu);
    std::vector<std::shared_ptr<segment>> v;
    v.reserve(_segments.size());
    for (const auto& [b, s] : _segments)
        v.push_back(s);
    return v;
}

size_t disk_log::segment_count() const {
    std::shared_lock lk(_seg_mu);
    return _segments.size();
}

std::shared_ptr<segment> disk_log::floor_segment(int64_t offset) const {
    std::shared_lock lk(_seg_mu);
    auto it = _segments.upper_bound(offset);
    if (it == _segments.begin()) return nullptr;
    return std::prev(it)->second;
}

std::shared_ptr<segment> disk_log::segment_after(int64_t base) const {
    std::shared_lock lk(_seg_mu);
    auto it = _segments.upper_bound(base);
    return it == _segments.end() ? nullptr : it->second;
}

read_result disk_log::read(int64_t offset, int32_t max_bytes, int64_t limit_offset, bool min_one_batch) const {
    read_result r;
    r.log_start_offset = _log_start.load(std::memory_order_acquire);
    r.high_watermark = _leo.load(std::memory_order_acquire);
    if (offset < r.log_start_offset || offset > r.high_watermark) {
        r.out_of_range = true;
        return r;
    }
    int64_t limit = std::min(limit_offset, r.high_watermark);
    if (offset >= limit) return r;
    auto seg = floor_segment(offset);
    if (!seg) {
        r.out_of_range = true; // retention removed it between the checks above
        return r;
    }
    while (seg && seg->base_offset() < limit) {
        auto found = seg->read(offset, max_bytes, limit, min_one_batch, r.data);
        if (!found) {
            _env->logger->error("{}: read at offset {} failed: {}", name(), offset, found.error().message);
            r.data.clear();
            return r;
        }
        if (*found) break;
        seg = segment_after(seg->base_offset());
    }
    return r;
}

std::vector<aborted_txn> disk_log::aborted_between(int64_t from, int64_t to) const {
    std::vector<aborted_txn> out;
    auto segs = segments();
    for (const auto& s : segs) {
        if (s->next_offset() <= from && s != segs.back()) continue; // markers there end before `from`
        for (const auto& e : s->txns())
            if (e.first_offset < to && e.last_offset >= from)
                out.push_back({e.producer_id, e.first_offset, e.last_offset});
    }
    std::sort(out.begin(), out.end(),
              [](const aborted_txn& a, const aborted_txn& b) { return a.first_offset < b.first_offset; });
    return out;
}

std::optional<std::pair<int64_t, int64_t>> disk_log::offset_for_timestamp(int64_t ts) const {
    int64_t log_start = log_start_offset();
    int64_t hw = log_end_offset();
    std::string scratch;
    for (const auto& s : segments()) {
        if (s->max_timestamp() < ts || s->next_offset() <= log_start) continue;
        int64_t from = std::max(s->lookup_timestamp(ts), log_start);
        batch_reader rd(s->log_fd(), s->lookup_position(from), s->size(), 64 * 1024);
        std::string_view b;
        int64_t pos;
        while (rd.next(b, pos) == batch_reader::status::ok) {
            batch_view v{b.data()};
            if (v.base_offset() >= hw) return std::nullopt;
            if (v.last_offset() < log_start || v.max_timestamp() < ts || v.records_count() == 0) continue;
            if (v.is_log_append_time()) return std::make_pair(std::max(v.base_offset(), log_start), v.max_timestamp());
            std::optional<std::pair<int64_t, int64_t>> hit;
            auto sec = batch_records(b, scratch);
            if (!sec) continue;
            (void)parse_records(*sec, v.records_count(), [&](const record_view& rec) {
                int64_t rts = v.base_timestamp() + rec.timestamp_delta;
                int64_t off = v.base_offset() + rec.offset_delta;
                if (off >= log_start && rts >= ts) {
                    hit = std::make_pair(off, rts);
                    return false;
                }
                return true;
            });
            if (hit) return hit;
        }
    }
    return std::nullopt;
}

void disk_log::scan(int64_t from, const std::function<bool(std::string_view batch)>& fn) const {
    int64_t hw = log_end_offset();
    auto segs = segments();
    for (const auto& s : segs) {
        if (s->next_offset() <= from && s != segs.back()) continue;
        batch_reader rd(s->log_fd(), s->lookup_position(from), s->size(), 1 << 20);
        std::string_view b;
        int64_t pos;
        while (rd.next(b, pos) == batch_reader::status::ok) {
            batch_view v{b.data()};
            if (v.base_offset() >= hw) return;
            if (v.last_offset() < from) continue;
            if (!fn(b)) return;
        }
    }
}

void disk_log::scan_headers(int64_t from, const std::function<bool(std::string_view header)>& fn) const {
    const int64_t hw = log_end_offset();
    constexpr int64_t big_window = 64 * 1024, small_window = 4 * 1024;
    std::string buf(size_t(big_window), '\0');
    auto segs = segments();
    for (const auto& s : segs) {
        if (s->next_offset() <= from && s != segs.back()) continue;
        const int64_t end = s->size();
        int64_t pos = s->lookup_position(from);
        int64_t win_pos = 0, win_len = 0; // file range held in buf
        int64_t last_size = 0;
        while (pos + int64_t(batch_layout::header_size) <= end) {
            if (pos < win_pos || pos + int64_t(batch_layout::header_size) > win_pos + win_len) {
                // Small batches: one read covers many headers. Large ones: fetch just the header.
                int64_t want = std::min(end - pos, last_size > 32 * 1024 ? small_window : big_window);
                auto r = pread_full(s->log_fd(), buf.data(), size_t(want), pos);
                if (!r || int64_t(*r) < int64_t(batch_layout::header_size)) break;
                win_pos = pos;
                win_len = int64_t(*r);
            }
            const char* h = buf.data() + (pos - win_pos);
            batch_view v{h};
            if (v.size() < int64_t(batch_layout::header_size) || pos + v.size() > end) break;
            if (v.base_offset() >= hw) return;
            if (v.last_offset() >= from && !fn(std::string_view(h, batch_layout::header_size))) return;
            last_size = v.size();
            pos += v.size();
        }
    }
}

result<int64_t> disk_log::delete_records_before(int64_t offset) {
    int64_t start;
    {
        std::lock_guard lk(_append_mu);
        int64_t leo = _leo.load();
        if (offset < 0 || offset > leo)
            return fail(errc::invalid_argument,
                        "OFFSET_OUT_OF_RANGE: {}: cannot delete records before {} (log start {}, end {})", name(),
                        offset, _log_start.load(), leo);
        start = _log_start.load();
        if (offset <= start) return start;
        _log_start.store(offset, std::memory_order_release);
        start = offset;
        int64_t co = _cleaner_offset.load();
        if (co < offset) _cleaner_offset.store(offset);
    }
    // Segments wholly below the new start go at the next retention pass; the start itself must
    // survive a restart now.
    if (_env->log_start_changed) _env->log_start_changed();
    return start;
}

// ---- retention ---------------------------------------------------------------------------------

void disk_log::delete_segments(const std::vector<std::shared_ptr<segment>>& doomed, const char* why) {
    if (doomed.empty()) return;
    int64_t freed = 0;
    int64_t first_remaining;
    {
        std::unique_lock lk(_seg_mu);
        for (const auto& s : doomed)
            _segments.erase(s->base_offset());
        first_remaining = _segments.empty() ? _leo.load() : _segments.begin()->first;
    }
    int64_t ls = _log_start.load();
    while (ls < first_remaining && !_log_start.compare_exchange_weak(ls, first_remaining)) {
    }
    int64_t co = _cleaner_offset.load();
    if (co < _log_start.load()) _cleaner_offset.store(_log_start.load());
    for (const auto& s : doomed) {
        freed += s->size();
        // Readers still holding the segment keep reading through their open descriptor.
        if (auto r = s->remove_files(); !r) _env->logger->error("{}: {}", name(), r.error().message);
    }
    _size_bytes.fetch_sub(freed);
    _dir_dirty = true;
    _env->logger->info("{}: deleted {} segment(s), {} bytes ({}); log start offset now {}", name(), doomed.size(),
                       freed, why, _log_start.load());
}

result<> disk_log::apply_retention(int64_t now) {
    std::lock_guard mlk(_maint_mu);
    if (stop_requested()) return {};
    auto cfg = config();
    auto segs = segments();
    if (segs.empty()) return {};
    int64_t log_start = _log_start.load();
    size_t n = 0;
    const char* why = "below the log start offset";
    while (n + 1 < segs.size() && segs[n + 1]->base_offset() <= log_start)
        ++n;
    if (cfg->cleanup_delete) {
        if (cfg->retention_ms >= 0) {
            size_t before = n;
            while (n < segs.size()) {
                const auto& s = segs[n];
                if (n + 1 == segs.size() && s->empty()) break;
                if (s->max_timestamp() < now - cfg->retention_ms)
                    ++n;
                else
                    break;
            }
            if (n > before) why = "retention.ms";
        }
        if (cfg->retention_bytes >= 0) {
            int64_t total = 0;
            for (size_t i = n; i < segs.size(); ++i)
                total += segs[i]->size();
            int64_t diff = total - cfg->retention_bytes;
            size_t before = n;
            while (n < segs.size()) {
                const auto& s = segs[n];
                if (n + 1 == segs.size() && s->empty()) break;
                if (diff - s->size() >= 0) {
                    diff -= s->size();
                    ++n;
                } else {
                    break;
                }
            }
            if (n > before) why = "retention.bytes";
        }
    }
    if (n == 0) return {};
    if (n == segs.size()) {
        // Everything expired, the active segment included: roll first so one segment remains.
        std::lock_guard lk(_append_mu);
        if (_active == segs.back()) {
            if (_active->empty()) {
                --n;
            } else if (auto r = roll_locked(); !r) {
                return r;
            }
        }
    }
    if (n == 0) return {};
    delete_segments(std::vector<std::shared_ptr<segment>>(segs.begin(), segs.begin() + ptrdiff_t(n)), why);
    return {};
}

// ---- close -------------------------------------------------------------------------------------

result<> disk_log::close() {
    // A running compaction notices env->stopping (set by the manager first) and gives up.
    std::lock_guard mlk(_maint_mu);
    std::lock_guard lk(_append_mu);
    if (_closed.load()) return {};
    auto r = flush_locked(_leo.load());
    _closed = true;
    return r;
}

void disk_log::close_for_delete() {
    _deleted = true;
    _closed = true;
    std::lock_guard mlk(_maint_mu); // waits for a running retention or compaction pass to notice
    std::lock_guard lk(_append_mu);
}

} // namespace ferry::broker::storage
