#include "broker/protocol/record_batch.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ferry::broker::proto {

int32_t read_i32_be(const char* p) {
    auto u = reinterpret_cast<const uint8_t*>(p);
    return static_cast<int32_t>((uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) |
                                uint32_t(u[3]));
}
int64_t read_i64_be(const char* p) {
    return static_cast<int64_t>((uint64_t(static_cast<uint32_t>(read_i32_be(p))) << 32) |
                                uint64_t(static_cast<uint32_t>(read_i32_be(p + 4))));
}
void write_i32_be(char* p, int32_t v) {
    uint32_t u = static_cast<uint32_t>(v);
    p[0] = char(u >> 24);
    p[1] = char(u >> 16);
    p[2] = char(u >> 8);
    p[3] = char(u);
}
void write_i64_be(char* p, int64_t v) {
    write_i32_be(p, static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
    write_i32_be(p + 4, static_cast<int32_t>(static_cast<uint64_t>(v) & 0xffffffffu));
}
static int16_t read_i16_be(const char* p) {
    auto u = reinterpret_cast<const uint8_t*>(p);
    return static_cast<int16_t>((uint16_t(u[0]) << 8) | uint16_t(u[1]));
}

std::optional<batch_header> parse_batch_header(std::string_view d) {
    if (d.size() < batch_header_size) return std::nullopt;
    const char* p = d.data();
    batch_header h;
    h.base_offset = read_i64_be(p);
    h.batch_length = read_i32_be(p + 8);
    h.partition_leader_epoch = read_i32_be(p + 12);
    h.magic = static_cast<int8_t>(p[16]);
    if (h.magic != 2) return std::nullopt;
    h.crc = static_cast<uint32_t>(read_i32_be(p + 17));
    h.attributes = read_i16_be(p + 21);
    h.last_offset_delta = read_i32_be(p + 23);
    h.base_timestamp = read_i64_be(p + 27);
    h.max_timestamp = read_i64_be(p + 35);
    h.producer_id = read_i64_be(p + 43);
    h.producer_epoch = read_i16_be(p + 51);
    h.base_sequence = read_i32_be(p + 53);
    h.records_count = read_i32_be(p + 57);
    return h;
}

namespace {

// Zig-zag varints of the record format.
struct vreader {
    const char* p;
    const char* end;
    bool ok = true;
    int64_t varlong() {
        uint64_t r = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) {
                ok = false;
                return 0;
            }
            uint8_t b = static_cast<uint8_t>(*p++);
            r |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return static_cast<int64_t>((r >> 1) ^ (~(r & 1) + 1));
        }
        ok = false;
        return 0;
    }
    std::optional<std::string> blob() {
        int64_t n = varlong();
        if (!ok || n < 0) return std::nullopt;
        if (end - p < n) {
            ok = false;
            return std::nullopt;
        }
        std::string s(p, static_cast<size_t>(n));
        p += n;
        return s;
    }
};

void put_varlong(std::string& out, int64_t v) {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (z >= 0x80) {
        out.push_back(static_cast<char>((z & 0x7f) | 0x80));
        z >>= 7;
    }
    out.push_back(static_cast<char>(z));
}
void put_blob(std::string& out, const std::optional<std::string>& s) {
    if (!s) {
        put_varlong(out, -1);
        return;
    }
    put_varlong(out, static_cast<int64_t>(s->size()));
    out += *s;
}

std::array<std::array<uint32_t, 256>, 8> make_tables() {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
        for (int k = 1; k < 8; ++k)
            t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    return t;
}

uint32_t crc32c_sw(uint32_t crc, const uint8_t* p, size_t n) {
    static const auto t = make_tables();
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 4);
        lo ^= crc;
        crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^ t[3][hi & 0xff] ^
              t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_hw(uint32_t crc, const uint8_t* p, size_t n) {
    uint64_t c = ~crc;
    while (n >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = static_cast<uint32_t>(c);
    while (n--)
        c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}
#endif

} // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t n) {
    auto p = static_cast<const uint8_t*>(data);
#if defined(__x86_64__)
    static const bool hw = __builtin_cpu_supports("sse4.2");
    if (hw) return crc32c_hw(crc, p, n);
#endif
    return crc32c_sw(crc, p, n);
}

int control_type(std::string_view batch) {
    auto h = parse_batch_header(batch);
    if (!h || !h->is_control() || h->compression() != 0 || batch.size() < batch_header_size + 1) return -1;
    vreader r{batch.data() + batch_header_size, batch.data() + batch.size()};
    r.varlong(); // length
    if (r.p >= r.end) return -1;
    ++r.p;       // attributes
    r.varlong(); // timestamp delta
    r.varlong(); // offset delta
    int64_t klen = r.varlong();
    if (!r.ok || klen < 4 || r.end - r.p < 4) return -1;
    return read_i16_be(r.p + 2);
}

std::string build_batch(const std::vector<simple_record>& records, const batch_options& opt) {
    std::string body; // records section
    int64_t max_ts = opt.base_timestamp;
    for (size_t i = 0; i < records.size(); ++i) {
        auto& r = records[i];
        std::string rec;
        rec.push_back(0); // attributes
        put_varlong(rec, r.timestamp_delta);
        put_varlong(rec, static_cast<int64_t>(i));
        put_blob(rec, r.key);
        put_blob(rec, r.value);
        put_varlong(rec, static_cast<int64_t>(r.headers.size()));
        for (auto& [k, v] : r.headers) {
            put_blob(rec, k);
            put_blob(rec, v);
        }
        put_varlong(body, static_cast<int64_t>(rec.size()));
        body += rec;
        max_ts = std::max(max_ts, opt.base_timestamp + r.timestamp_delta);
    }
    std::string b(batch_header_size, '\0');
    b += body;
    char* p = b.data();
    write_i64_be(p, 0);
    write_i32_be(p + 8, static_cast<int32_t>(b.size() - 12));
    write_i32_be(p + 12, 0);
    p[16] = 2;
    int16_t attrs = 0;
    if (opt.transactional) attrs |= batch_attr::transactional;
    if (opt.control) attrs |= batch_attr::control;
    p[21] = static_cast<char>(attrs >> 8);
    p[22] = static_cast<char>(attrs & 0xff);
    write_i32_be(p + 23, static_cast<int32_t>(records.empty() ? 0 : records.size() - 1));
    write_i64_be(p + 27, opt.base_timestamp);
    write_i64_be(p + 35, max_ts);
    write_i64_be(p + 43, opt.producer_id);
    p[51] = static_cast<char>(opt.producer_epoch >> 8);
    p[52] = static_cast<char>(opt.producer_epoch & 0xff);
    write_i32_be(p + 53, opt.base_sequence);
    write_i32_be(p + 57, static_cast<int32_t>(records.size()));
    write_i32_be(p + 17, static_cast<int32_t>(crc32c(0, p + 21, b.size() - 21)));
    return b;
}

std::optional<std::vector<decoded_record>> decode_records(std::string_view batch) {
    auto h = parse_batch_header(batch);
    if (!h || h->compression() != 0 || batch.size() < h->total_size()) return std::nullopt;
    std::vector<decoded_record> out;
    vreader r{batch.data() + batch_header_size, batch.data() + h->total_size()};
    for (int32_t i = 0; i < h->records_count; ++i) {
        int64_t len = r.varlong();
        if (!r.ok || len < 0 || r.end - r.p < len) return std::nullopt;
        vreader rr{r.p, r.p + len};
        r.p += len;
        if (rr.p >= rr.end) return std::nullopt;
        ++rr.p; // attributes
        decoded_record d;
        d.timestamp = h->base_timestamp + rr.varlong();
        d.offset = h->base_offset + rr.varlong();
        d.key = rr.blob();
        d.value = rr.blob();
        int64_t nh = rr.varlong();
        for (int64_t k = 0; k < nh && rr.ok; ++k) {
            auto hk = rr.blob();
            auto hv = rr.blob();
            d.headers.emplace_back(hk.value_or(""), hv);
        }
        if (!rr.ok) return std::nullopt;
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<std::string_view> split_batches(std::string_view data) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (data.size() - pos >= 12) {
        int32_t len = read_i32_be(data.data() + pos + 8);
        if (len < 0 || data.size() - pos - 12 < static_cast<size_t>(len)) break;
        out.push_back(data.substr(pos, static_cast<size_t>(len) + 12));
        pos += static_cast<size_t>(len) + 12;
    }
    return out;
}

} // namespace ferry::broker::proto
