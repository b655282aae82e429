#include "broker/storage/record_batch.hpp"

#include "broker/storage/crc32c.hpp"

#include <chrono>

namespace ferry::broker::storage {

int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int32_t batch_view::last_sequence() const {
    int32_t base = base_sequence();
    if (base < 0) return -1;
    int64_t last = int64_t(base) + last_offset_delta();
    if (last > INT32_MAX) last -= int64_t(INT32_MAX) + 1; // sequences wrap to 0 after INT32_MAX
    return int32_t(last);
}

uint32_t compute_batch_crc(std::string_view batch) {
    return crc32c(batch.data() + batch_layout::attributes, batch.size() - batch_layout::attributes);
}

void update_batch_crc(std::span<char> batch) {
    store_be32(batch.data() + batch_layout::crc, compute_batch_crc(std::string_view(batch.data(), batch.size())));
}

result<> check_batch_integrity(std::string_view batch) {
    if (batch.size() < batch_layout::header_size)
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: batch of {} bytes is shorter than a RecordBatch header",
                    batch.size());
    batch_view v{batch.data()};
    if (int64_t(v.batch_length()) + int64_t(batch_layout::log_overhead) != int64_t(batch.size()))
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: batch_length {} does not match the {} bytes received",
                    v.batch_length(), batch.size());
    if (v.magic() != 2)
        return fail(errc::invalid_argument, "INVALID_RECORD: unsupported record batch magic {} (only v2)", v.magic());
    uint32_t want = compute_batch_crc(batch);
    if (want != v.crc())
        return fail(errc::invalid_argument, "CORRUPT_MESSAGE: CRC-32C mismatch (stored {:08x}, computed {:08x})",
                    v.crc(), want);
    return {};
}

// ---- varints -----------------------------------------------------------------------------------

bool read_varlong(const char*& p, const char* end, int64_t& out) {
    uint64_t raw = 0;
    int shift = 0;
    while (true) {
        if (p >= end || shift > 63) return false;
        uint8_t b = uint8_t(*p++);
        raw |= uint64_t(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    out = int64_t(raw >> 1) ^ -int64_t(raw & 1);
    return true;
}

bool read_varint(const char*& p, const char* end, int32_t& out) {
    uint32_t raw = 0;
    int shift = 0;
    while (true) {
        if (p >= end || shift > 28) return false;
        uint8_t b = uint8_t(*p++);
        raw |= uint32_t(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    out = int32_t(raw >> 1) ^ -int32_t(raw & 1);
    return true;
}

void write_varlong(std::string& out, int64_t v) {
    uint64_t z = (uint64_t(v) << 1) ^ uint64_t(v >> 63);
    char buf[10];
    int n = 0;
    while (z >= 0x80) {
        buf[n++] = char((z & 0x7F) | 0x80);
        z >>= 7;
    }
    buf[n++] = char(z);
    out.append(buf, n);
}

void write_varint(std::string& out, int32_t v) {
    write_varlong(out, v);
}

size_t varlong_size(int64_t v) {
    uint64_t z = (uint64_t(v) << 1) ^ uint64_t(v >> 63);
    size_t n = 1;
    while (z >= 0x80) {
        z >>= 7;
        ++n;
    }
    return n;
}

size_t varint_size(int32_t v) {
    return varlong_size(v);
}

// ---- records -----------------------------------------------------------------------------------

namespace {

bool read_bytes(const char*& p, const char* end, std::optional<std::string_view>& out) {
    int32_t len;
    if (!read_varint(p, end, len)) return false;
    if (len < 0) {
        out.reset();
        return true;
    }
    if (len > end - p) return false;
    out = std::string_view(p, size_t(len));
    p += len;
    return true;
}

} // namespace

result<> parse_record(const char*& p, const char* end, int32_t i, record_view& r) {
    const char* start = p;
    int32_t len;
    if (!read_varint(p, end, len) || len < 0 || len > end - p)
        return fail(errc::invalid_argument, "INVALID_RECORD: record {} has an invalid length", i);
    const char* rend = p + len;
    r.raw = std::string_view(start, size_t(rend - start));
    if (p >= rend) return fail(errc::invalid_argument, "INVALID_RECORD: record {} is truncated", i);
    r.attributes = int8_t(*p++);
    if (!read_varlong(p, rend, r.timestamp_delta) || !read_varint(p, rend, r.offset_delta) ||
        !read_bytes(p, rend, r.key) || !read_bytes(p, rend, r.value))
        return fail(errc::invalid_argument, "INVALID_RECORD: record {} is malformed", i);
    const char* hstart = p;
    if (!read_varint(p, rend, r.header_count) || r.header_count < 0)
        return fail(errc::invalid_argument, "INVALID_RECORD: record {} has an invalid header count", i);
    for (int32_t h = 0; h < r.header_count; ++h) {
        std::optional<std::string_view> hk, hv;
        if (!read_bytes(p, rend, hk) || !hk || !read_bytes(p, rend, hv))
            return fail(errc::invalid_argument, "INVALID_RECORD: record {} has a malformed header", i);
    }
    if (p != rend)
        return fail(errc::invalid_argument, "INVALID_RECORD: record {} length disagrees with its content", i);
    r.headers = std::string_view(hstart, size_t(rend - hstart));
    p = rend;
    return {};
}

result<std::string_view> batch_records(std::string_view batch, std::string& scratch, size_t max_out) {
    batch_view v{batch.data()};
    std::string_view section = batch.substr(batch_layout::header_size);
    if (v.codec() == codec::none) return section;
    scratch.clear();
    auto r = decompress(v.codec(), section, scratch, max_out);
    if (!r) return fail(std::move(r.error()));
    return std::string_view(scratch);
}

result<> for_each_record(std::string_view batch, const std::function<bool(const record_view&)>& fn) {
    if (batch.size() < batch_layout::header_size) return fail(errc::invalid_argument, "INVALID_RECORD: short batch");
    std::string scratch;
    auto sec = batch_records(batch, scratch);
    if (!sec) return fail(std::move(sec.error()));
    return parse_records(*sec, batch_view{batch.data()}.records_count(), fn);
}

void encode_record(std::string& out, int8_t attributes, int64_t timestamp_delta, int32_t offset_delta,
                   std::optional<std::string_view> key, std::optional<std::string_view> value,
                   std::string_view raw_headers_with_count) {
    size_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) +
                  (key ? varint_size(int32_t(key->size())) + key->size() : 1) +
                  (value ? varint_size(int32_t(value->size())) + value->size() : 1) +
                  (raw_headers_with_count.empty() ? 1 : raw_headers_with_count.size());
    out.reserve(out.size() + body + 5);
    write_varint(out, int32_t(body));
    out.push_back(char(attributes));
    write_varlong(out, timestamp_delta);
    write_varint(out, offset_delta);
    if (key) {
        write_varint(out, int32_t(key->size()));
        out.append(*key);
    } else {
        write_varint(out, -1);
    }
    if (value) {
        write_varint(out, int32_t(value->size()));
        out.append(*value);
    } else {
        write_varint(out, -1);
    }
    if (raw_headers_with_count.empty())
        write_varint(out, 0);
    else
        out.append(raw_headers_with_count);
}

std::optional<control_type> control_batch_type(std::string_view batch) {
    if (batch.size() < batch_layout::header_size) return std::nullopt;
    batch_view v{batch.data()};
    if (v.records_count() < 1 || v.codec() != codec::none) return std::nullopt;
    std::optional<control_type> out;
    auto r = parse_records(batch.substr(batch_layout::header_size), 1, [&](const record_view& rec) {
        if (rec.key && rec.key->size() >= 4) {
            int16_t type = int16_t(load_be16(rec.key->data() + 2));
            if (type == 0) out = control_type::abort;
            if (type == 1) out = control_type::commit;
        }
        return false;
    });
    (void)r;
    return out;
}

// ---- building ----------------------------------------------------------------------------------

std::string assemble_batch(int64_t base_offset, uint16_t attributes, int32_t last_offset_delta, int64_t base_timestamp,
                           int64_t max_timestamp, int64_t producer_id, int16_t producer_epoch, int32_t base_sequence,
                           int32_t records_count, std::string_view records_section) {
    std::string b(batch_layout::header_size + records_section.size(), '\0');
    char* p = b.data();
    store_be64(p + batch_layout::base_offset, uint64_t(base_offset));
    store_be32(p + batch_layout::batch_length, uint32_t(b.size() - batch_layout::log_overhead));
    store_be32(p + batch_layout::partition_leader_epoch, 0);
    p[batch_layout::magic] = 2;
    store_be16(p + batch_layout::attributes, attributes);
    store_be32(p + batch_layout::last_offset_delta, uint32_t(last_offset_delta));
    store_be64(p + batch_layout::base_timestamp, uint64_t(base_timestamp));
    store_be64(p + batch_layout::max_timestamp, uint64_t(max_timestamp));
    store_be64(p + batch_layout::producer_id, uint64_t(producer_id));
    store_be16(p + batch_layout::producer_epoch, uint16_t(producer_epoch));
    store_be32(p + batch_layout::base_sequence, uint32_t(base_sequence));
    store_be32(p + batch_layout::records_count, uint32_t(records_count));
    std::memcpy(p + batch_layout::header_size, records_section.data(), records_section.size());
    update_batch_crc(std::span<char>(b.data(), b.size()));
    return b;
}

record_batch_builder::record_batch_builder() : _default_ts(wall_clock_ms()) {}

record_batch_builder& record_batch_builder::compression(storage::codec c, bool snappy_xerial) {
    _codec = c;
    _xerial = snappy_xerial;
    return *this;
}
record_batch_builder& record_batch_builder::base_offset(int64_t o) {
    _base_offset = o;
    return *this;
}
record_batch_builder& record_batch_builder::producer(int64_t id, int16_t epoch, int32_t base_sequence) {
    _producer_id = id;
    _producer_epoch = epoch;
    _base_sequence = base_sequence;
    return *this;
}
record_batch_builder& record_batch_builder::transactional(bool on) {
    _attrs = on ? (_attrs | batch_attr::transactional) : (_attrs & ~batch_attr::transactional);
    return *this;
}
record_batch_builder& record_batch_builder::control(bool on) {
    _attrs = on ? (_attrs | batch_attr::control) : (_attrs & ~batch_attr::control);
    return *this;
}
record_batch_builder& record_batch_builder::log_append_time(bool on) {
    _attrs = on ? (_attrs | batch_attr::log_append_time) : (_attrs & ~batch_attr::log_append_time);
    return *this;
}
record_batch_builder& record_batch_builder::default_timestamp(int64_t ts) {
    _default_ts = ts;
    return *this;
}

record_batch_builder& record_batch_builder::add(std::optional<std::string_view> key,
                                                std::optional<std::string_view> value, std::optional<int64_t> timestamp,
                                                std::span<const record_header> headers) {
    int64_t ts = timestamp.value_or(_default_ts);
    if (_count == 0) _base_ts = ts;
    _max_ts = _count == 0 ? ts : std::max(_max_ts, ts);
    std::string hdrs;
    if (!headers.empty()) {
        write_varint(hdrs, int32_t(headers.size()));
        for (const auto& h : headers) {
            write_varint(hdrs, int32_t(h.key.size()));
            hdrs.append(h.key);
            if (h.value) {
                write_varint(hdrs, int32_t(h.value->size()));
                hdrs.append(*h.value);
            } else {
                write_varint(hdrs, -1);
            }
        }
    }
    encode_record(_records, 0, ts - _base_ts, _count, key, value, hdrs);
    ++_count;
    return *this;
}

std::string record_batch_builder::build() const {
    std::string compressed;
    std::string_view section = _records;
    if (_codec != codec::none) {
        auto r = compress(_codec, _records, compressed, _xerial);
        assert(r);
        (void)r;
        section = compressed;
    }
    uint16_t attrs = uint16_t(_attrs | uint16_t(_codec));
    return assemble_batch(_base_offset, attrs, _count > 0 ? _count - 1 : 0, _base_ts, _max_ts, _producer_id,
                          _producer_epoch, _base_sequence, _count, section);
}

void record_batch_builder::clear() {
    _records.clear();
    _count = 0;
    _base_ts = -1;
    _max_ts = -1;
}

std::string make_control_batch(int64_t producer_id, int16_t producer_epoch, control_type type,
                               int32_t coordinator_epoch, int64_t timestamp) {
    char key[4], value[6];
    store_be16(key, 0);
    store_be16(key + 2, uint16_t(type));
    store_be16(value, 0);
    store_be32(value + 2, uint32_t(coordinator_epoch));
    std::string rec;
    encode_record(rec, 0, 0, 0, std::string_view(key, 4), std::string_view(value, 6), {});
    return assemble_batch(0, batch_attr::transactional | batch_attr::control, 0, timestamp, timestamp, producer_id,
                          producer_epoch, -1, 1, rec);
}

} // namespace ferry::broker::storage
