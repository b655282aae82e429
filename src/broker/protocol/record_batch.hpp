#pragma once
// RecordBatch v2 (spec section 3) as the protocol layer sees it: the fixed 61-byte header, read
// without touching the records. The broker never decodes records on the produce or fetch path;
// it only needs the header for idempotence, transactions and validation. Building batches is
// here for tests and tools (a producer written against the protocol directly).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::broker::proto {

inline constexpr size_t batch_header_size = 61;

namespace batch_attr {
inline constexpr int16_t compression_mask = 0x07;
inline constexpr int16_t log_append_time = 0x08;
inline constexpr int16_t transactional = 0x10;
inline constexpr int16_t control = 0x20;
inline constexpr int16_t delete_horizon = 0x40;
} // namespace batch_attr

struct batch_header {
    int64_t base_offset = 0;
    int32_t batch_length = 0; // bytes after this field
    int32_t partition_leader_epoch = 0;
    int8_t magic = 0;
    uint32_t crc = 0;
    int16_t attributes = 0;
    int32_t last_offset_delta = 0;
    int64_t base_timestamp = 0;
    int64_t max_timestamp = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t base_sequence = -1;
    int32_t records_count = 0;

    int64_t last_offset() const { return base_offset + last_offset_delta; }
    size_t total_size() const { return static_cast<size_t>(batch_length) + 12; }
    bool is_transactional() const { return attributes & batch_attr::transactional; }
    bool is_control() const { return attributes & batch_attr::control; }
    int compression() const { return attributes & batch_attr::compression_mask; }
    // Last sequence number of the batch, wrapping after INT32_MAX as Kafka does.
    int32_t last_sequence() const {
        if (base_sequence < 0) return -1;
        int64_t l = static_cast<int64_t>(base_sequence) + last_offset_delta;
        return static_cast<int32_t>(l > INT32_MAX ? l - INT32_MAX - 1 : l);
    }
};

// Parses the header at the start of `data`; nullopt if shorter than the header or magic != 2.
std::optional<batch_header> parse_batch_header(std::string_view data);

// For a control batch (transaction marker): 0 = ABORT, 1 = COMMIT, -1 if not parseable.
int control_type(std::string_view batch);

uint32_t crc32c(uint32_t crc, const void* data, size_t n);
inline uint32_t crc32c(std::string_view s) {
    return crc32c(0, s.data(), s.size());
}

// A record to put into a batch (tests, tools).
struct simple_record {
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    int64_t timestamp_delta = 0;
};

struct batch_options {
    int64_t base_timestamp = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t base_sequence = -1;
    bool transactional = false;
    bool control = false;
};

// An uncompressed RecordBatch v2 with a valid CRC (base offset 0).
std::string build_batch(const std::vector<simple_record>& records, const batch_options& opt);

// Decodes the records of an uncompressed batch (tests). nullopt when compressed or malformed.
struct decoded_record {
    int64_t offset = 0;
    int64_t timestamp = 0;
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};
std::optional<std::vector<decoded_record>> decode_records(std::string_view batch);

// Splits a records blob into batches (each a view), stopping at a partial trailing batch.
std::vector<std::string_view> split_batches(std::string_view data);

void write_i32_be(char* p, int32_t v);
void write_i64_be(char* p, int64_t v);
int32_t read_i32_be(const char* p);
int64_t read_i64_be(const char* p);

} // namespace ferry::broker::proto
