#pragma once
// Java's String <-> bytes conversions for the charsets the simple converters accept. Java never
// fails on bad input here: undecodable bytes become U+FFFD and unencodable characters '?', so
// neither do we.

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::converters {

enum class charset { utf8, us_ascii, iso_8859_1 };

// Charset.forName for the names and aliases of the supported charsets (case-insensitive).
inline std::optional<charset> charset_for_name(std::string_view name) {
    std::string n;
    for (char c : name) n.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
    if (n == "UTF-8" || n == "UTF8" || n == "UNICODE-1-1-UTF-8") return charset::utf8;
    if (n == "US-ASCII" || n == "ASCII" || n == "ISO646-US" || n == "US" || n == "ASCII7" || n == "646" ||
        n == "ISO_646.IRV:1991" || n == "CP367" || n == "IBM367" || n == "DEFAULT")
        return charset::us_ascii;
    if (n == "ISO-8859-1" || n == "ISO8859-1" || n == "ISO8859_1" || n == "ISO_8859_1" || n == "LATIN1" || n == "L1" ||
        n == "ISO_8859-1" || n == "IBM819" || n == "CP819" || n == "819" || n == "CSISOLATIN1" || n == "8859_1")
        return charset::iso_8859_1;
    return std::nullopt;
}

namespace detail {

inline void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or the length of the maximal invalid
// subpart (at least 1) with cp = U+FFFD, as Java's decoder replaces malformed input.
inline size_t next_code_point(std::string_view s, size_t i, uint32_t& cp) {
    auto b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    size_t len;
    uint32_t min_second = 0x80, max_second = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        cp = b0 & 0x0F;
        if (b0 == 0xE0) min_second = 0xA0;
        if (b0 == 0xED) max_second = 0x9F; // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        cp = b0 & 0x07;
        if (b0 == 0xF0) min_second = 0x90;
        if (b0 == 0xF4) max_second = 0x8F;
    } else {
        cp = 0xFFFD;
        return 1;
    }
    for (size_t k = 1; k < len; ++k) {
        if (i + k >= s.size()) {
            cp = 0xFFFD;
            return k;
        }
        auto b = static_cast<uint8_t>(s[i + k]);
        uint32_t lo = k == 1 ? min_second : 0x80, hi = k == 1 ? max_second : 0xBF;
        if (b < lo || b > hi) {
            cp = 0xFFFD;
            return k;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    return len;
}

} // namespace detail

// new String(bytes, cs), as UTF-8, appended to `out` (no temporary: StringConverter's hot path).
inline void decode_into(std::string_view bytes, charset cs, std::string& out) {
    out.reserve(out.size() + bytes.size());
    if (cs == charset::iso_8859_1) {
        for (char c : bytes) detail::append_utf8(out, static_cast<uint8_t>(c));
        return;
    }
    if (cs == charset::us_ascii) {
        for (char c : bytes) detail::append_utf8(out, static_cast<uint8_t>(c) < 0x80 ? static_cast<uint8_t>(c) : 0xFFFD);
        return;
    }
    // All ASCII (the common case): one append. Sixteen bytes per step, OR-ed together.
    {
        const char* p = bytes.data();
        size_t n = bytes.size(), k = 0;
        uint64_t any = 0;
        for (; k + 16 <= n; k += 16) {
            uint64_t a, b;
            std::memcpy(&a, p + k, 8);
            std::memcpy(&b, p + k + 8, 8);
            any |= a | b;
        }
        for (; k < n; k++) any |= uint64_t(static_cast<uint8_t>(p[k]));
        if (!(any & 0x8080808080808080ULL)) {
            out.append(p, n);
            return;
        }
    }
    size_t i = 0;
    while (i < bytes.size()) {
        // Fast path over ASCII runs, eight bytes at a time.
        size_t run = i;
        while (run + 8 <= bytes.size()) {
            uint64_t w;
            std::memcpy(&w, bytes.data() + run, 8);
            if (w & 0x8080808080808080ULL) break;
            run += 8;
        }
        while (run < bytes.size() && static_cast<uint8_t>(bytes[run]) < 0x80) ++run;
        out.append(bytes.data() + i, run - i);
        i = run;
        if (i >= bytes.size()) break;
        uint32_t cp = 0;
        size_t n = detail::next_code_point(bytes, i, cp);
        if (cp == 0xFFFD && !(n == 3 && bytes.substr(i, 3) == "\xEF\xBF\xBD")) {
            detail::append_utf8(out, 0xFFFD);
        } else {
            out.append(bytes.data() + i, n);
        }
        i += n;
    }
}

// new String(bytes, cs), as UTF-8.
inline std::string decode(std::string_view bytes, charset cs) {
    std::string out;
    decode_into(bytes, cs, out);
    return out;
}

// text.getBytes(cs), `text` being UTF-8 (invalid sequences count as U+FFFD).
inline void encode(std::string_view text, charset cs, std::string& out) {
    if (cs == charset::utf8) {
        decode_into(text, charset::utf8, out);
        return;
    }
    size_t i = 0;
    while (i < text.size()) {
        uint32_t cp = 0;
        i += detail::next_code_point(text, i, cp);
        uint32_t limit = cs == charset::us_ascii ? 0x80 : 0x100;
        out.push_back(cp < limit ? static_cast<char>(cp) : '?');
    }
}

} // namespace ferry::converters
