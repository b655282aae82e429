#include "broker/storage/segment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ferry::broker::storage {

// ---- batch_reader ------------------------------------------------------------------------------

batch_reader::batch_reader(int fd, int64_t pos, int64_t end, size_t chunk)
    : _fd(fd), _buf_pos(pos), _end(end), _chunk(chunk) {}

bool batch_reader::ensure(size_t n) {
    if (_len - _off >= n) return true;
    // Slide the unread bytes to the front, then fill up from the file.
    if (_off > 0) {
        std::memmove(_buf.data(), _buf.data() + _off, _len - _off);
        _buf_pos += int64_t(_off);
        _len -= _off;
        _off = 0;
    }
    size_t want = std::max(n, _chunk);
    if (_buf.size() < want) _buf.resize(want);
    while (_len < n) {
        int64_t file_at = _buf_pos + int64_t(_len);
        if (file_at >= _end) return false;
        size_t room = std::min<int64_t>(int64_t(_buf.size() - _len), _end - file_at);
        auto r = pread_full(_fd, _buf.data() + _len, room, file_at);
        if (!r) {
            _err = std::move(r.error());
            return false;
        }
        if (*r == 0) return false;
        _len += *r;
    }
    return true;
}

batch_reader::status batch_reader::next(std::string_view& batch, int64_t& position) {
    if (!ensure(batch_layout::log_overhead)) {
        if (_err || _len == _off) return status::end;
        return status::incomplete;
    }
    int32_t len = int32_t(load_be32(_buf.data() + _off + batch_layout::batch_length));
    int64_t total = int64_t(len) + int64_t(batch_layout::log_overhead);
    if (len < int32_t(batch_layout::header_size - batch_layout::log_overhead) || total > max_sane_batch_bytes)
        return status::bad_length;
    if (!ensure(size_t(total))) return _err ? status::end : status::incomplete;
    batch = std::string_view(_buf.data() + _off, size_t(total));
    position = _buf_pos + int64_t(_off);
    _off += size_t(total);
    return status::ok;
}

// ---- segment -----------------------------------------------------------------------------------

namespace {

constexpr size_t idx_entry_size = 8;
constexpr size_t tidx_entry_size = 12;
constexpr size_t txn_entry_size = 34;

void encode_txn(char* p, const txn_index_entry& e) {
    store_be16(p, 0);
    store_be64(p + 2, uint64_t(e.producer_id));
    store_be64(p + 10, uint64_t(e.first_offset));
    store_be64(p + 18, uint64_t(e.last_offset));
    store_be64(p + 26, uint64_t(e.last_stable_offset));
}

result<> unlink_if_exists(const std::string& p) {
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return fail(errc::io, "unlink {}: {}", p, std::strerror(errno));
    return {};
}

} // namespace

std::string segment::file_name(int64_t base, std::string_view ext, std::string_view suffix) {
    return fmt::format("{:020d}{}{}", base, ext, suffix);
}

segment::segment(std::string dir, int64_t base, std::string suffix)
    : _dir(std::move(dir)), _base(base), _suffix(std::move(suffix)), _next_offset(base), _offset_of_max_ts(base) {}

segment::~segment() = default;

result<std::shared_ptr<segment>> segment::create(const std::string& dir, int64_t base, std::string_view suffix) {
    std::shared_ptr<segment> s(new segment(dir, base, std::string(suffix)));
    auto log = open_file(s->path(".log"), O_RDWR | O_CREAT | O_TRUNC);
    if (!log) return fail(std::move(log.error()));
    auto idx = open_file(s->path(".index"), O_RDWR | O_CREAT | O_TRUNC);
    if (!idx) return fail(std::move(idx.error()));
    auto tidx = open_file(s->path(".timeindex"), O_RDWR | O_CREAT | O_TRUNC);
    if (!tidx) return fail(std::move(tidx.error()));
    if (auto r = unlink_if_exists(s->path(".txnindex")); !r) return fail(std::move(r.error()));
    s->_log_fd = std::move(*log);
    s->_idx_fd = std::move(*idx);
    s->_tidx_fd = std::move(*tidx);
    s->_dirty = true;
    return s;
}

result<std::shared_ptr<segment>> segment::open(const std::string& dir, int64_t base) {
    std::shared_ptr<segment> s(new segment(dir, base, {}));
    s->_index_missing =
        ::access(s->path(".index").c_str(), F_OK) != 0 || ::access(s->path(".timeindex").c_str(), F_OK) != 0;
    auto log = open_file(s->path(".log"), O_RDWR);
    if (!log) return fail(std::move(log.error()));
    auto idx = open_file(s->path(".index"), O_RDWR | O_CREAT);
    if (!idx) return fail(std::move(idx.error()));
    auto tidx = open_file(s->path(".timeindex"), O_RDWR | O_CREAT);
    if (!tidx) return fail(std::move(tidx.error()));
    s->_log_fd = std::move(*log);
    s->_idx_fd = std::move(*idx);
    s->_tidx_fd = std::move(*tidx);
    auto sz = file_size(s->_log_fd.get());
    if (!sz) return fail(std::move(sz.error()));
    s->_size.store(*sz);
    return s;
}

bool segment::read_index_file_entry(size_t i, index_entry& e) const {
    char b[idx_entry_size];
    auto r = pread_full(_idx_fd.get(), b, sizeof b, int64_t(i * idx_entry_size));
    if (!r || *r != sizeof b) return false;
    e.rel_offset = int32_t(load_be32(b));
    e.position = int32_t(load_be32(b + 4));
    return true;
}

bool segment::read_time_file_entry(size_t i, time_entry& e) const {
    char b[tidx_entry_size];
    auto r = pread_full(_tidx_fd.get(), b, sizeof b, int64_t(i * tidx_entry_size));
    if (!r || *r != sizeof b) return false;
    e.timestamp = int64_t(load_be64(b));
    e.rel_offset = int32_t(load_be32(b + 8));
    return true;
}

result<> segment::load_txns() {
    std::lock_guard lk(_txn_mu);
    _txns.clear();
    std::string p = path(".txnindex");
    if (::access(p.c_str(), F_OK) != 0) return {};
    auto content = read_small_file(p);
    if (!content) return fail(std::move(content.error()));
    for (size_t at = 0; at + txn_entry_size <= content->size(); at += txn_entry_size) {
        const char* q = content->data() + at;
        txn_index_entry e;
        e.producer_id = int64_t(load_be64(q + 2));
        e.first_offset = int64_t(load_be64(q + 10));
        e.last_offset = int64_t(load_be64(q + 18));
        e.last_stable_offset = int64_t(load_be64(q + 26));
        _txns.push_back(e);
    }
    return {};
}

result<> segment::load() {
    int64_t size = _size.load();
    auto isz = file_size(_idx_fd.get());
    auto tsz = file_size(_tidx_fd.get());
    if (!isz || !tsz) return fail(errc::io, "cannot stat index files of {}", path(".log"));
    bool sane = !(_index_missing && size > 0) && *isz % idx_entry_size == 0 && *tsz % tidx_entry_size == 0;
    size_t n_idx = size_t(*isz / idx_entry_size), n_tidx = size_t(*tsz / tidx_entry_size);
    index_entry last_idx{0, 0};
    time_entry last_t{-1, 0};
    if (sane && n_idx > 0) {
        sane = read_index_file_entry(n_idx - 1, last_idx) && last_idx.rel_offset >= 0 && last_idx.position >= 0 &&
               last_idx.position < size;
    }
    if (sane && n_tidx > 0) sane = read_time_file_entry(n_tidx - 1, last_t) && last_t.rel_offset >= 0;
    // A large segment without any index entry means the index was lost: rebuild rather than scan
    // from 0 on every lookup.
    if (sane && n_idx == 0 && size > 4 * 1024 * 1024) sane = false;
    if (!sane) return fail(errc::io, "index of {} is inconsistent", path(".log"));

    // Walk the tail (from the last indexed batch) to learn the next offset and max timestamp.
    int64_t pos = last_idx.position;
    int64_t next = _base, max_ts = last_t.timestamp, off_max = _base + last_t.rel_offset;
    char h[batch_layout::header_size];
    while (pos < size) {
        auto r = pread_full(_log_fd.get(), h, sizeof h, pos);
        if (!r) return fail(std::move(r.error()));
        if (*r != sizeof h) return fail(errc::io, "torn batch header at {} in {}", pos, path(".log"));
        batch_view v{h};
        if (v.magic() != 2 || v.size() < int64_t(batch_layout::header_size) || pos + v.size() > size)
            return fail(errc::io, "bad batch at {} in {}", pos, path(".log"));
        if (v.max_timestamp() > max_ts) {
            max_ts = v.max_timestamp();
            off_max = v.base_offset();
        }
        next = v.next_offset();
        pos += v.size();
    }
    if (size > 0 && next == _base) return fail(errc::io, "no batch found in {}", path(".log"));
    _next_offset.store(next);
    _max_ts.store(max_ts);
    _offset_of_max_ts = off_max;
    if (size > 0) {
        auto r = pread_full(_log_fd.get(), h, sizeof h, 0);
        if (!r || *r != sizeof h) return fail(errc::io, "cannot read first batch of {}", path(".log"));
        _first_batch_ts.store(batch_view{h}.max_timestamp());
    }
    {
        std::unique_lock lk(_idx_mu);
        _in_memory = false;
        _idx.clear();
        _tidx.clear();
        _idx_file_entries = n_idx;
        _tidx_file_entries = n_tidx;
    }
    return load_txns();
}

void segment::reset_indexes_locked() {
    _idx.clear();
    _tidx.clear();
    _bytes_since_index = 0;
}

result<> segment::rewrite_index_files() {
    std::string ib, tb;
    {
        std::shared_lock lk(_idx_mu);
        ib.resize(_idx.size() * idx_entry_size);
        for (size_t i = 0; i < _idx.size(); ++i) {
            store_be32(ib.data() + i * idx_entry_size, uint32_t(_idx[i].rel_offset));
            store_be32(ib.data() + i * idx_entry_size + 4, uint32_t(_idx[i].position));
        }
        tb.resize(_tidx.size() * tidx_entry_size);
        for (size_t i = 0; i < _tidx.size(); ++i) {
            store_be64(tb.data() + i * tidx_entry_size, uint64_t(_tidx[i].timestamp));
            store_be32(tb.data() + i * tidx_entry_size + 8, uint32_t(_tidx[i].rel_offset));
        }
    }
    if (::ftruncate(_idx_fd.get(), 0) != 0 || ::ftruncate(_tidx_fd.get(), 0) != 0)
        return fail(errc::io, "truncate index of {}: {}", path(".log"), std::strerror(errno));
    if (auto r = pwrite_full(_idx_fd.get(), ib.data(), ib.size(), 0); !r) return r;
    if (auto r = pwrite_full(_tidx_fd.get(), tb.data(), tb.size(), 0); !r) return r;
    _idx_file_entries = ib.size() / idx_entry_size;
    _tidx_file_entries = tb.size() / tidx_entry_size;
    return {};
}

result<int64_t> segment::recover(int32_t index_interval_bytes) {
    auto fsz = file_size(_log_fd.get());
    if (!fsz) return fail(std::move(fsz.error()));
    {
        std::unique_lock lk(_idx_mu);
        _in_memory = true;
        reset_indexes_locked();
    }
    _max_ts.store(-1);
    _first_batch_ts.store(-1);
    _offset_of_max_ts = _base;
    _size.store(0);
    int64_t next = _base;
    int64_t valid = 0;
    batch_reader rd(_log_fd.get(), 0, *fsz, 1 << 20);
    std::string_view b;
    int64_t pos;
    while (true) {
        auto st = rd.next(b, pos);
        if (st != batch_reader::status::ok) {
            if (rd.io_error()) return fail(*rd.io_error());
            break;
        }
        if (!check_batch_integrity(b)) break;
        batch_view v{b.data()};
        if (v.base_offset() < next || v.last_offset_delta() < 0 || v.last_offset() - _base > INT32_MAX) break;
        index_batch(v, pos, index_interval_bytes);
        next = v.next_offset();
        valid = pos + int64_t(b.size());
    }
    int64_t truncated = *fsz - valid;
    if (truncated > 0 && ::ftruncate(_log_fd.get(), valid) != 0)
        return fail(errc::io, "truncate {}: {}", path(".log"), std::strerror(errno));
    _next_offset.store(next);
    _size.store(valid);
    _dirty = true;
    if (auto r = rewrite_index_files(); !r) return fail(std::move(r.error()));
    if (auto r = load_txns(); !r) return fail(std::move(r.error()));
    // Aborted-transaction entries whose marker was cut off describe offsets that will be reused.
    std::vector<txn_index_entry> keep;
    {
        std::lock_guard lk(_txn_mu);
        for (const auto& e : _txns)
            if (e.last_offset < next) keep.push_back(e);
        if (keep.size() != _txns.size()) {
            std::string buf(keep.size() * txn_entry_size, '\0');
            for (size_t i = 0; i < keep.size(); ++i)
                encode_txn(buf.data() + i * txn_entry_size, keep[i]);
            if (auto r = write_file_atomic(path(".txnindex"), buf); !r) return fail(std::move(r.error()));
            _txns = keep;
        }
    }
    return truncated;
}

result<> segment::activate(int32_t index_interval_bytes) {
    (void)index_interval_bytes;
    std::unique_lock lk(_idx_mu);
    if (_in_memory) return {};
    _idx.resize(_idx_file_entries);
    for (size_t i = 0; i < _idx_file_entries; ++i)
        if (!read_index_file_entry(i, _idx[i])) return fail(errc::io, "cannot read index of {}", path(".log"));
    _tidx.resize(_tidx_file_entries);
    for (size_t i = 0; i < _tidx_file_entries; ++i)
        if (!read_time_file_entry(i, _tidx[i])) return fail(errc::io, "cannot read time index of {}", path(".log"));
    _bytes_since_index = size() - (_idx.empty() ? 0 : _idx.back().position);
    _in_memory = true;
    return {};
}

void segment::index_batch(const batch_view& b, int64_t position, int32_t index_interval_bytes) {
    int64_t bts = b.max_timestamp();
    if (position == 0) _first_batch_ts.store(bts, std::memory_order_relaxed);
    if (bts > _max_ts.load(std::memory_order_relaxed)) {
        _max_ts.store(bts, std::memory_order_relaxed);
        _offset_of_max_ts = b.base_offset();
    }
    if (_bytes_since_index > index_interval_bytes) {
        std::unique_lock lk(_idx_mu);
        _idx.push_back({int32_t(b.base_offset() - _base), int32_t(position)});
        int64_t mts = _max_ts.load(std::memory_order_relaxed);
        if (_tidx.empty() || mts > _tidx.back().timestamp) _tidx.push_back({mts, int32_t(_offset_of_max_ts - _base)});
        _bytes_since_index = 0;
    }
    _bytes_since_index += b.size();
}

result<> segment::append(std::string_view batch, int32_t index_interval_bytes) {
    int64_t pos = _size.load(std::memory_order_relaxed);
    if (auto r = pwrite_full(_log_fd.get(), batch.data(), batch.size(), pos); !r) {
        // A partial write (ENOSPC, EIO) must not survive as garbage behind the last batch: the next
        // append overwrites it, but if the segment rolled first it would look like a torn tail.
        (void)::ftruncate(_log_fd.get(), pos);
        return fail(errc::io, "append to {}: {}", path(".log"), r.error().message);
    }
    batch_view v{batch.data()};
    index_batch(v, pos, index_interval_bytes);
    _dirty.store(true, std::memory_order_release);
    _next_offset.store(v.next_offset(), std::memory_order_release);
    _size.store(pos + int64_t(batch.size()), std::memory_order_release);
    return {};
}

bool segment::index_full(int32_t segment_index_bytes) const {
    std::shared_lock lk(_idx_mu);
    if (!_in_memory) return false;
    return int64_t(_idx.size() + 1) * int64_t(idx_entry_size) > segment_index_bytes ||
           int64_t(_tidx.size() + 1) * int64_t(tidx_entry_size) > segment_index_bytes;
}

result<> segment::append_txn(const txn_index_entry& e) {
    std::lock_guard lk(_txn_mu);
    char b[txn_entry_size];
    encode_txn(b, e);
    auto fd = open_file(path(".txnindex"), O_WRONLY | O_CREAT | O_APPEND);
    if (!fd) return fail(std::move(fd.error()));
    if (::write(fd->get(), b, sizeof b) != ssize_t(sizeof b))
        return fail(errc::io, "append to {}: {}", path(".txnindex"), std::strerror(errno));
    _txns.push_back(e);
    _dirty = true;
    return {};
}

result<> segment::persist_indexes() {
    std::lock_guard plk(_persist_mu);
    std::string ib, tb;
    size_t ifrom, tfrom;
    {
        std::shared_lock lk(_idx_mu);
        if (!_in_memory) return {};
        ifrom = _idx_file_entries;
        tfrom = _tidx_file_entries;
        ib.resize((_idx.size() - ifrom) * idx_entry_size);
        for (size_t i = ifrom; i < _idx.size(); ++i) {
            store_be32(ib.data() + (i - ifrom) * idx_entry_size, uint32_t(_idx[i].rel_offset));
            store_be32(ib.data() + (i - ifrom) * idx_entry_size + 4, uint32_t(_idx[i].position));
        }
        tb.resize((_tidx.size() - tfrom) * tidx_entry_size);
        for (size_t i = tfrom; i < _tidx.size(); ++i) {
            store_be64(tb.data() + (i - tfrom) * tidx_entry_size, uint64_t(_tidx[i].timestamp));
            store_be32(tb.data() + (i - tfrom) * tidx_entry_size + 8, uint32_t(_tidx[i].rel_offset));
        }
    }
    if (!ib.empty()) {
        if (auto r = pwrite_full(_idx_fd.get(), ib.data(), ib.size(), int64_t(ifrom * idx_entry_size)); !r) return r;
        _idx_file_entries = ifrom + ib.size() / idx_entry_size;
    }
    if (!tb.empty()) {
        if (auto r = pwrite_full(_tidx_fd.get(), tb.data(), tb.size(), int64_t(tfrom * tidx_entry_size)); !r) return r;
        _tidx_file_entries = tfrom + tb.size() / tidx_entry_size;
    }
    return {};
}

result<> segment::flush() {
    // Writers set _dirty after writing, so clearing it before the fsyncs never loses a write.
    if (!_dirty.exchange(false)) return {};
    auto r = sync_files(true);
    if (!r) _dirty = true;
    return r;
}

result<> segment::flush_data() {
    _dirty = false;
    auto r = sync_files(false);
    if (!r) _dirty = true;
    return r;
}

result<> segment::sync_files(bool indexes) {
    if (auto r = persist_indexes(); !r) return r;
    if (indexes) {
        if (auto r = fdatasync_fd(_idx_fd.get(), path(".index")); !r) return r;
        if (auto r = fdatasync_fd(_tidx_fd.get(), path(".timeindex")); !r) return r;
    }
    if (auto r = fdatasync_fd(_log_fd.get(), path(".log")); !r) return r;
    bool has_txn;
    {
        std::lock_guard lk(_txn_mu);
        has_txn = !_txns.empty();
    }
    if (has_txn) {
        auto fd = open_file(path(".txnindex"), O_RDONLY);
        if (fd) {
            if (auto r = fdatasync_fd(fd->get(), path(".txnindex")); !r) return r;
        }
    }
    return {};
}

result<> segment::seal() {
    {
        std::unique_lock lk(_idx_mu);
        if (!_in_memory) return {};
        int64_t mts = _max_ts.load();
        if (mts >= 0 && (_tidx.empty() || mts > _tidx.back().timestamp))
            _tidx.push_back({mts, int32_t(_offset_of_max_ts - _base)});
    }
    if (auto r = persist_indexes(); !r) return r;
    std::lock_guard plk(_persist_mu);
    std::unique_lock lk(_idx_mu);
    _in_memory = false;
    std::vector<index_entry>().swap(_idx);
    std::vector<time_entry>().swap(_tidx);
    return {};
}

int64_t segment::lookup_position(int64_t offset) const {
    int64_t rel = offset - _base;
    if (rel <= 0) return 0;
    if (rel > INT32_MAX) rel = INT32_MAX;
    std::shared_lock lk(_idx_mu);
    if (_in_memory) {
        auto it = std::upper_bound(_idx.begin(), _idx.end(), rel,
                                   [](int64_t r, const index_entry& e) { return r < e.rel_offset; });
        return it == _idx.begin() ? 0 : std::prev(it)->position;
    }
    // Binary search over the file: the last entry with rel_offset <= rel.
    size_t lo = 0, hi = _idx_file_entries; // answer in [lo, hi)
    int64_t best = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        index_entry e;
        if (!read_index_file_entry(mid, e)) return best;
        if (e.rel_offset <= rel) {
            best = e.position;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return best;
}

int64_t segment::lookup_timestamp(int64_t ts) const {
    // Entries hold the max timestamp seen up to an offset; everything at or before the last entry
    // with a max below `ts` is older than ts, so the scan may start there.
    std::shared_lock lk(_idx_mu);
    if (_in_memory) {
        auto it = std::lower_bound(_tidx.begin(), _tidx.end(), ts,
                                   [](const time_entry& e, int64_t t) { return e.timestamp < t; });
        return it == _tidx.begin() ? _base : _base + std::prev(it)->rel_offset;
    }
    size_t lo = 0, hi = _tidx_file_entries;
    int64_t best = _base;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        time_entry e;
        if (!read_time_file_entry(mid, e)) return best;
        if (e.timestamp < ts) {
            best = _base + e.rel_offset;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return best;
}

std::vector<txn_index_entry> segment::txns() const {
    std::lock_guard lk(_txn_mu);
    return _txns;
}

result<bool> segment::read(int64_t offset, int64_t max_bytes, int64_t limit, bool min_one, std::string& out) const {
    out.clear();
    const int64_t end = size(); // published: only whole batches below this
    int64_t file_pos = lookup_position(offset);
    if (file_pos >= end) return false;
    // Fill the buffer lazily: `ensure(n)` makes out[0, n) valid if the segment has that much.
    size_t have = 0;
    auto ensure = [&](size_t n) -> result<bool> {
        if (n <= have) return true;
        if (file_pos + int64_t(n) > end) return false;
        size_t want = std::max(n, std::min<size_t>(size_t(end - file_pos), have + 64 * 1024));
        if (out.size() < want) out.resize(want);
        auto r = pread_full(_log_fd.get(), out.data() + have, want - have, file_pos + int64_t(have));
        if (!r) return fail(std::move(r.error()));
        have += *r;
        return n <= have;
    };
    // First read: enough to locate the start (about one index interval) plus max_bytes.
    {
        size_t first = size_t(std::min<int64_t>(end - file_pos, std::max<int64_t>(max_bytes, 0) + 16 * 1024));
        auto r = ensure(first);
        if (!r) return fail(std::move(r.error()));
    }
    size_t p = 0;
    while (true) {
        if (p >= 256 * 1024) {
            // Skipping a long way (sparse index): drop what was passed so the buffer stays small.
            size_t keep = have > p ? have - p : 0;
            std::memmove(out.data(), out.data() + std::min(p, have), keep);
            file_pos += int64_t(p);
            have = keep;
            p = 0;
        }
        auto r = ensure(p + batch_layout::header_size);
        if (!r) return fail(std::move(r.error()));
        if (!*r) {
            out.clear();
            return false;
        }
        batch_view v{out.data() + p};
        if (v.last_offset() >= offset) break;
        p += size_t(v.size());
    }
    size_t start = p;
    while (true) {
        auto r = ensure(p + batch_layout::header_size);
        if (!r) return fail(std::move(r.error()));
        if (!*r) break;
        batch_view v{out.data() + p};
        if (v.base_offset() >= limit) break;
        size_t batch_end = p + size_t(v.size());
        bool first = p == start;
        if (int64_t(batch_end - start) > max_bytes && !(first && min_one)) break;
        auto r2 = ensure(batch_end);
        if (!r2) return fail(std::move(r2.error()));
        if (!*r2) break;
        p = batch_end;
    }
    if (start > 0) std::memmove(out.data(), out.data() + start, p - start);
    out.resize(p - start);
    return true;
}

result<> segment::remove_files() {
    for (const char* ext : {".log", ".index", ".timeindex", ".txnindex"})
        if (auto r = unlink_if_exists(path(ext)); !r) return r;
    return {};
}

result<> segment::rename_files(std::string_view from, std::string_view to) {
    for (const char* ext : {".txnindex", ".index", ".timeindex", ".log"}) {
        std::string a = join_path(_dir, file_name(_base, ext, from));
        std::string b = join_path(_dir, file_name(_base, ext, to));
        if (::rename(a.c_str(), b.c_str()) != 0) {
            if (errno == ENOENT && std::string_view(ext) == ".txnindex") continue;
            return fail(errc::io, "rename {} -> {}: {}", a, b, std::strerror(errno));
        }
    }
    _suffix = to;
    return {};
}

} // namespace ferry::broker::storage
