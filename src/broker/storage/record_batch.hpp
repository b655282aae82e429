#pragma once
// RecordBatch v2 (spec kafka-protocol.md section 3): layout, header accessors, record parsing,
// validation of producer batches, and record_batch_builder for everyone who needs to write
// batches (control markers here, the broker's tests, Connect runtime tests).
//
// Batches stay opaque bytes on the hot path: the accessors read single big-endian header fields
// in place; records are parsed only where a decision needs them (keys of compacted topics,
// compaction, offset-for-timestamp).

#include "base/error.hpp"
#include "broker/storage/compression.hpp"

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker::storage {

// ---- big-endian field access -------------------------------------------------------------------

inline uint16_t load_be16(const char* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}
inline uint32_t load_be32(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline uint64_t load_be64(const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}
inline void store_be16(char* p, uint16_t v) {
    v = __builtin_bswap16(v);
    std::memcpy(p, &v, 2);
}
inline void store_be32(char* p, uint32_t v) {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}
inline void store_be64(char* p, uint64_t v) {
    v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}

// ---- layout ------------------------------------------------------------------------------------

namespace batch_layout {
inline constexpr size_t base_offset = 0;
inline constexpr size_t batch_length = 8;
inline constexpr size_t partition_leader_epoch = 12;
inline constexpr size_t magic = 16;
inline constexpr size_t crc = 17;
inline constexpr size_t attributes = 21;
inline constexpr size_t last_offset_delta = 23;
inline constexpr size_t base_timestamp = 27;
inline constexpr size_t max_timestamp = 35;
inline constexpr size_t producer_id = 43;
inline constexpr size_t producer_epoch = 51;
inline constexpr size_t base_sequence = 53;
inline constexpr size_t records_count = 57;
inline constexpr size_t header_size = 61;  // also the smallest valid batch
inline constexpr size_t log_overhead = 12; // base_offset + batch_length precede the counted bytes
} // namespace batch_layout

namespace batch_attr {
inline constexpr uint16_t codec_mask = 0x07;
inline constexpr uint16_t log_append_time = 0x08;
inline constexpr uint16_t transactional = 0x10;
inline constexpr uint16_t control = 0x20;
inline constexpr uint16_t delete_horizon = 0x40; // KIP-534: base_timestamp holds the delete horizon
} // namespace batch_attr

// A read-only view of one batch's header. The bytes must hold at least header_size bytes.
struct batch_view {
    const char* p;

    int64_t base_offset() const { return int64_t(load_be64(p + batch_layout::base_offset)); }
    int32_t batch_length() const { return int32_t(load_be32(p + batch_layout::batch_length)); }
    int64_t size() const { return int64_t(batch_length()) + int64_t(batch_layout::log_overhead); }
    int32_t partition_leader_epoch() const { return int32_t(load_be32(p + batch_layout::partition_leader_epoch)); }
    int8_t magic() const { return int8_t(p[batch_layout::magic]); }
    uint32_t crc() const { return load_be32(p + batch_layout::crc); }
    uint16_t attributes() const { return load_be16(p + batch_layout::attributes); }
    int32_t last_offset_delta() const { return int32_t(load_be32(p + batch_layout::last_offset_delta)); }
    int64_t last_offset() const { return base_offset() + last_offset_delta(); }
    int64_t next_offset() const { return last_offset() + 1; }
    int64_t base_timestamp() const { return int64_t(load_be64(p + batch_layout::base_timestamp)); }
    int64_t max_timestamp() const { return int64_t(load_be64(p + batch_layout::max_timestamp)); }
    int64_t producer_id() const { return int64_t(load_be64(p + batch_layout::producer_id)); }
    int16_t producer_epoch() const { return int16_t(load_be16(p + batch_layout::producer_epoch)); }
    int32_t base_sequence() const { return int32_t(load_be32(p + batch_layout::base_sequence)); }
    int32_t records_count() const { return int32_t(load_be32(p + batch_layout::records_count)); }

    storage::codec codec() const { return storage::codec(attributes() & batch_attr::codec_mask); }
    bool is_transactional() const { return attributes() & batch_attr::transactional; }
    bool is_control() const { return attributes() & batch_attr::control; }
    bool is_log_append_time() const { return attributes() & batch_attr::log_append_time; }
    bool has_delete_horizon() const { return attributes() & batch_attr::delete_horizon; }
    // The last sequence number, wrapping like Kafka's DefaultRecordBatch.lastSequence.
    int32_t last_sequence() const;
};

// CRC-32C over bytes 21..end, as stored in the crc field.
uint32_t compute_batch_crc(std::string_view batch);
// Recomputes and stores the crc field.
void update_batch_crc(std::span<char> batch);
// Checks framing only (size, batch_length, magic, CRC); errc::invalid_argument with
// CORRUPT_MESSAGE (bad CRC or framing) or INVALID_RECORD (wrong magic).
result<> check_batch_integrity(std::string_view batch);

// ---- varints -----------------------------------------------------------------------------------

// Zig-zag varints as Kafka encodes them. Readers return false on truncated or over-long input.
bool read_varint(const char*& p, const char* end, int32_t& out);
bool read_varlong(const char*& p, const char* end, int64_t& out);
void write_varint(std::string& out, int32_t v);
void write_varlong(std::string& out, int64_t v);
size_t varint_size(int32_t v);
size_t varlong_size(int64_t v);

// ---- records -----------------------------------------------------------------------------------

struct record_view {
    std::string_view raw; // the whole record including its length prefix
    int8_t attributes = 0;
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    std::optional<std::string_view> key;
    std::optional<std::string_view> value; // nullopt = tombstone
    std::string_view headers;              // header_count varint and the headers, undecoded
    int32_t header_count = 0;
};

// Parses one record at p (advancing it); false if malformed. `index` is only for messages.
result<> parse_record(const char*& p, const char* end, int32_t index, record_view& out);

// Parses `count` records from an (uncompressed) records section. Stops early when `fn` returns
// false. errc::invalid_argument ("INVALID_RECORD: ...") on malformed data or a count mismatch.
// A template so the per-record callback is inlined (this runs per record in validation and
// compaction).
template <class F> result<> parse_records(std::string_view records, int32_t count, F&& fn) {
    const char* p = records.data();
    const char* end = p + records.size();
    record_view r;
    for (int32_t i = 0; i < count; ++i) {
        if (auto e = parse_record(p, end, i, r); !e) return e;
        if (!fn(static_cast<const record_view&>(r))) return {};
    }
    if (p != end)
        return fail(errc::invalid_argument, "INVALID_RECORD: {} trailing bytes after {} records", end - p, count);
    return {};
}

// The uncompressed records section of a batch: a view into the batch when uncompressed, else
// decompressed into `scratch` (cleared first). `max_out` bounds the decompressed size.
result<std::string_view> batch_records(std::string_view batch, std::string& scratch, size_t max_out = 256u << 20);

// Convenience: every record of a batch (decompressing as needed).
result<> for_each_record(std::string_view batch, const std::function<bool(const record_view&)>& fn);

// Encodes one record (length prefix included) into `out`.
void encode_record(std::string& out, int8_t attributes, int64_t timestamp_delta, int32_t offset_delta,
                   std::optional<std::string_view> key, std::optional<std::string_view> value,
                   std::string_view raw_headers_with_count);

// ---- control records ---------------------------------------------------------------------------

enum class control_type : int16_t { abort = 0, commit = 1 };

// Decodes the key of a control batch's single record; nullopt if the batch holds no record or an
// unknown type.
std::optional<control_type> control_batch_type(std::string_view batch);

// ---- building ----------------------------------------------------------------------------------

struct record_header {
    std::string_view key;
    std::optional<std::string_view> value;
};

// Builds one RecordBatch v2. Records are encoded as they are added; build() compresses (if
// asked), fills the header and computes the CRC. Reusable after clear().
class record_batch_builder {
public:
    record_batch_builder();

    record_batch_builder& compression(storage::codec c, bool snappy_xerial = true);
    record_batch_builder& base_offset(int64_t o);
    record_batch_builder& producer(int64_t id, int16_t epoch, int32_t base_sequence);
    record_batch_builder& transactional(bool on = true);
    record_batch_builder& control(bool on = true);
    record_batch_builder& log_append_time(bool on = true);
    // Default timestamp for records added without one (defaults to the wall clock at construction).
    record_batch_builder& default_timestamp(int64_t ts);

    record_batch_builder& add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                              std::optional<int64_t> timestamp = std::nullopt,
                              std::span<const record_header> headers = {});

    int32_t count() const { return _count; }
    bool empty() const { return _count == 0; }
    std::string build() const;
    void clear();

private:
    std::string _records;
    int32_t _count = 0;
    int64_t _base_offset = 0;
    int64_t _base_ts = -1;
    int64_t _max_ts = -1;
    int64_t _default_ts = -1;
    int64_t _producer_id = -1;
    int16_t _producer_epoch = -1;
    int32_t _base_sequence = -1;
    uint16_t _attrs = 0;
    storage::codec _codec = storage::codec::none;
    bool _xerial = true;
};

// A transaction marker batch (attributes 0x30, one record, base_sequence -1).
std::string make_control_batch(int64_t producer_id, int16_t producer_epoch, control_type type,
                               int32_t coordinator_epoch, int64_t timestamp);

// Assembles a batch from an already encoded (and, if `c` != none, already compressed) records
// section and header values. Used by compaction and recompression. `attributes` includes the codec.
std::string assemble_batch(int64_t base_offset, uint16_t attributes, int32_t last_offset_delta, int64_t base_timestamp,
                           int64_t max_timestamp, int64_t producer_id, int16_t producer_epoch, int32_t base_sequence,
                           int32_t records_count, std::string_view records_section);

int64_t wall_clock_ms();

} // namespace ferry::broker::storage
