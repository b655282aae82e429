#pragma once
// PostgreSQL binary formats the JDBC connectors read (FETCH ... binary results) and write (COPY
// ... FORMAT binary): big-endian integers, numeric's base-10000 digits, dates/times relative to
// 2000-01-01.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ferry::plugins::jdbc::pg {

inline constexpr int64_t epoch_offset_seconds = 946684800; // 2000-01-01 - 1970-01-01
inline constexpr int32_t epoch_offset_days = 10957;

inline uint16_t get_u16(const char* p) {
    return uint16_t((uint16_t(uint8_t(p[0])) << 8) | uint8_t(p[1]));
}
inline uint32_t get_u32(const char* p) {
    return (uint32_t(uint8_t(p[0])) << 24) | (uint32_t(uint8_t(p[1])) << 16) | (uint32_t(uint8_t(p[2])) << 8) |
           uint32_t(uint8_t(p[3]));
}
inline uint64_t get_u64(const char* p) { return (uint64_t(get_u32(p)) << 32) | get_u32(p + 4); }

inline void put_u16(std::string& out, uint16_t v) {
    char b[2] = {char(v >> 8), char(v)};
    out.append(b, 2);
}
inline void put_u32(std::string& out, uint32_t v) {
    char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}
inline void put_u64(std::string& out, uint64_t v) {
    put_u32(out, uint32_t(v >> 32));
    put_u32(out, uint32_t(v));
}

// numeric (binary) -> plain decimal text ("-12.50"); false for NaN/Infinity.
bool numeric_to_text(const char* data, int len, std::string& out);
// numeric (binary) rounded HALF_UP to `scale` (0..16) as an unscaled integer, when that is below
// 10^16; false otherwise (NaN/Infinity, bigger values: use numeric_to_text and round_text).
bool numeric_to_unscaled(const char* data, int len, int32_t scale, int64_t& out);
// Plain decimal text (optional '-', digits, optional '.' digits) -> numeric binary, appended.
void numeric_from_text(std::string_view text, std::string& out);
// A Connect Decimal (big-endian two's complement unscaled value, up to 8 bytes; scale 0..16) ->
// numeric binary, appended, as numeric_from_text() of its plain text would; false (nothing
// appended) outside those bounds.
bool numeric_from_unscaled(std::string_view unscaled, int32_t scale, std::string& out);
// Rounds plain decimal text HALF_UP to exactly `scale` fraction digits (scale >= 0), in place.
void round_text(std::string& text, int32_t scale);

} // namespace ferry::plugins::jdbc::pg
