#pragma once
// One log segment: `<base>.log` (batches back to back), `<base>.index` (sparse: relative offset
// i32 -> byte position i32, one entry per ~index.interval.bytes), `<base>.timeindex` (max
// timestamp so far i64 -> relative offset i32), `<base>.txnindex` (aborted transactions, 34-byte
// records as Kafka lays them out). All integers big-endian.
//
// Threading. One writer at a time (the partition's append mutex, or the cleaner that owns a
// not-yet-published segment); any number of readers. The writer pwrite()s a whole batch and only
// then publishes the new size (release); readers never look past the published size, so they
// never see a half-written batch. Index entries of a segment that still takes appends live in
// memory (guarded by a shared_mutex, touched about once per 4 KiB appended) and reach the files on
// persist/flush/seal; a sealed segment answers lookups by binary search over its index files with
// pread, so memory does not grow with the amount of data.

#include "base/error.hpp"
#include "broker/storage/file_util.hpp"
#include "broker/storage/record_batch.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker::storage {

struct txn_index_entry {
    int64_t producer_id = -1;
    int64_t first_offset = -1;
    int64_t last_offset = -1;        // the ABORT marker
    int64_t last_stable_offset = -1; // not tracked by this layer: always -1
};

// Reads whole batches sequentially from [pos, end) of a file through a reusable buffer.
class batch_reader {
public:
    enum class status { ok, end, incomplete, bad_length };

    batch_reader(int fd, int64_t pos, int64_t end, size_t chunk = 256 * 1024);
    // On ok, `batch` views the next batch (valid until the next call) and `position` is its file
    // position. incomplete = the file ends inside a batch; bad_length = impossible batch_length.
    status next(std::string_view& batch, int64_t& position);
    // File position of the next unread batch.
    int64_t position() const { return _buf_pos + int64_t(_off); }
    // An I/O error hit while reading (reported as `end`).
    const std::optional<error>& io_error() const { return _err; }

private:
    bool ensure(size_t n);

    int _fd;
    int64_t _buf_pos; // file position of _buf[0]
    int64_t _end;
    size_t _chunk;
    std::string _buf;
    size_t _off = 0, _len = 0;
    std::optional<error> _err;
};

// Largest batch the storage layer will ever accept while scanning files (sanity bound only).
inline constexpr int64_t max_sane_batch_bytes = int64_t(1) << 30;

class segment {
public:
    struct index_entry {
        int32_t rel_offset;
        int32_t position;
    };
    struct time_entry {
        int64_t timestamp;
        int32_t rel_offset;
    };

    // `suffix` is appended to every file name (".cleaned" while compaction writes a segment).
    static std::string file_name(int64_t base, std::string_view ext, std::string_view suffix = {});

    // Creates empty files (truncating leftovers). The segment takes appends.
    static result<std::shared_ptr<segment>> create(const std::string& dir, int64_t base, std::string_view suffix = {});
    // Opens existing files without looking at their content; follow with load() or recover().
    static result<std::shared_ptr<segment>> open(const std::string& dir, int64_t base);

    ~segment();

    int64_t base_offset() const { return _base; }
    int64_t size() const { return _size.load(std::memory_order_acquire); }
    bool empty() const { return size() == 0; }
    int64_t next_offset() const { return _next_offset.load(std::memory_order_acquire); }
    int64_t max_timestamp() const { return _max_ts.load(std::memory_order_relaxed); }
    int64_t first_batch_timestamp() const { return _first_batch_ts.load(std::memory_order_relaxed); }
    int log_fd() const { return _log_fd.get(); }
    const std::string& dir() const { return _dir; }

    // --- loading ---
    // Trusts the data (it is below the recovery point): sanity-checks the indexes (rebuilding
    // them if broken) and derives next offset and max timestamp from the tail. Fails if the tail
    // does not parse, in which case the caller runs recover().
    result<> load();
    // Validates every batch (framing, CRC, offsets), truncates at the first bad one, rebuilds the
    // indexes and drops txn entries past the end. Returns the number of bytes truncated.
    result<int64_t> recover(int32_t index_interval_bytes);
    // Prepares a loaded segment to take appends again (reads its index files into memory).
    result<> activate(int32_t index_interval_bytes);

    // --- writer ---
    // Appends one complete batch (its base offset already assigned) and publishes it.
    result<> append(std::string_view batch, int32_t index_interval_bytes);
    bool index_full(int32_t segment_index_bytes) const;
    result<> append_txn(const txn_index_entry& e);
    // Writes pending in-memory index entries to the files (no fsync).
    result<> persist_indexes();
    // persist_indexes + fdatasync of every file.
    result<> flush();
    // fdatasync of what cannot be rebuilt (the log and the aborted-transaction index); indexes are
    // only persisted, recovery rebuilds them if a crash loses them.
    result<> flush_data();
    // No more appends: final time-index entry, indexes persisted, lookups move to the files.
    result<> seal();

    // --- readers ---
    // Byte position of the last indexed batch whose base offset is <= offset (0 if none).
    int64_t lookup_position(int64_t offset) const;
    // An offset from which to scan for the first record with timestamp >= ts.
    int64_t lookup_timestamp(int64_t ts) const;
    std::vector<txn_index_entry> txns() const;
    // Reads whole batches into `out` (replacing it): the first batch whose last offset >= offset,
    // then following batches while their base < limit and the total stays <= max_bytes (the
    // first one regardless when min_one). Returns false if the segment holds no batch ending at or
    // after `offset` (the caller moves to the next segment).
    result<bool> read(int64_t offset, int64_t max_bytes, int64_t limit, bool min_one, std::string& out) const;

    // --- files ---
    // Unlinks every file of the segment (log first, so a crash leaves no index without its log).
    result<> remove_files();
    // Renames every file from suffix `from` to suffix `to` (txnindex, indexes, then log last).
    result<> rename_files(std::string_view from, std::string_view to);
    void set_suffix(std::string_view s) { _suffix = s; }

private:
    segment(std::string dir, int64_t base, std::string suffix);
    std::string path(std::string_view ext) const { return join_path(_dir, file_name(_base, ext, _suffix)); }
    void index_batch(const batch_view& b, int64_t position, int32_t index_interval_bytes);
    void reset_indexes_locked();
    result<> rewrite_index_files();
    result<> sync_files(bool indexes);
    result<> load_txns();
    bool read_index_file_entry(size_t i, index_entry& e) const;
    bool read_time_file_entry(size_t i, time_entry& e) const;

    std::string _dir;
    int64_t _base;
    std::string _suffix;
    unique_fd _log_fd, _idx_fd, _tidx_fd;

    std::atomic<int64_t> _size{0};
    std::atomic<int64_t> _next_offset;
    std::atomic<int64_t> _max_ts{-1};
    std::atomic<int64_t> _first_batch_ts{-1};
    int64_t _offset_of_max_ts; // writer only
    int64_t _bytes_since_index = 0;
    bool _index_missing = false;     // open() found no index files: load() must rebuild them
    std::atomic<bool> _dirty{false}; // written since the last flush (set after the write itself)

    mutable std::shared_mutex _idx_mu;
    bool _in_memory = true; // entries below are authoritative; else the files are
    std::vector<index_entry> _idx;
    std::vector<time_entry> _tidx;
    size_t _idx_file_entries = 0, _tidx_file_entries = 0; // entries already in the files
    std::mutex _persist_mu;

    mutable std::mutex _txn_mu;
    std::vector<txn_index_entry> _txns;
};

} // namespace ferry::broker::storage
