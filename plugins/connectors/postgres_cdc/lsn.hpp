#pragma once
// PostgreSQL log sequence numbers: 64-bit WAL positions, written "%X/%X" (high/low 32 bits, upper
// case hex, no padding) as the server prints them. Offsets store them as plain numbers.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::plugins::postgres_cdc {

using lsn_t = uint64_t;

inline std::string format_lsn(lsn_t lsn) {
    char buf[24];
    static constexpr char digits[] = "0123456789ABCDEF";
    auto put_hex = [&](uint32_t v, char* out) {
        char tmp[8];
        int n = 0;
        do {
            tmp[n++] = digits[v & 0xf];
            v >>= 4;
        } while (v);
        for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
        return n;
    };
    int n = put_hex(uint32_t(lsn >> 32), buf);
    buf[n++] = '/';
    n += put_hex(uint32_t(lsn), buf + n);
    return std::string(buf, size_t(n));
}

// Accepts "16/B374D848" and zero-padded forms; nullopt for anything else.
inline std::optional<lsn_t> parse_lsn(std::string_view s) {
    auto slash = s.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= s.size()) return std::nullopt;
    uint64_t hi = 0, lo = 0;
    auto a = s.substr(0, slash), b = s.substr(slash + 1);
    if (a.size() > 8 || b.size() > 8) return std::nullopt;
    auto r1 = std::from_chars(a.data(), a.data() + a.size(), hi, 16);
    auto r2 = std::from_chars(b.data(), b.data() + b.size(), lo, 16);
    if (r1.ec != std::errc() || r1.ptr != a.data() + a.size() || r2.ec != std::errc() || r2.ptr != b.data() + b.size())
        return std::nullopt;
    return (hi << 32) | lo;
}

// Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's epoch.
inline constexpr int64_t pg_epoch_offset_us = 946684800000000LL;

} // namespace ferry::plugins::postgres_cdc
