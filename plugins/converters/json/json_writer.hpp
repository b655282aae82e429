#pragma once
// Compact JSON output exactly as Jackson's UTF8JsonGenerator writes it, appended to a caller's
// buffer.

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::json {

namespace detail {
// 0: copy as is; 'u': \u00XX; otherwise the character after the backslash.
constexpr std::array<char, 256> make_escapes() {
    std::array<char, 256> t{};
    for (int i = 0; i < 0x20; ++i) t[i] = 'u';
    t['"'] = '"';
    t['\\'] = '\\';
    t['\b'] = 'b';
    t['\t'] = 't';
    t['\f'] = 'f';
    t['\n'] = 'n';
    t['\r'] = 'r';
    return t;
}
inline constexpr std::array<char, 256> k_escapes = make_escapes();
} // namespace detail

// A JSON string: quotes, the escapes Jackson uses, UTF-8 passed through.
inline void append_string(std::string& out, std::string_view s) {
    out.push_back('"');
    const char* p = s.data();
    const char* end = p + s.size();
    const char* run = p;
    for (; p < end; ++p) {
        char e = detail::k_escapes[static_cast<unsigned char>(*p)];
        if (e == 0) [[likely]]
            continue;
        out.append(run, static_cast<size_t>(p - run));
        out.push_back('\\');
        if (e == 'u') {
            static constexpr char hex[] = "0123456789ABCDEF";
            auto c = static_cast<unsigned char>(*p);
            char u[5] = {'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out.append(u, 5);
        } else {
            out.push_back(e);
        }
        run = p + 1;
    }
    out.append(run, static_cast<size_t>(end - run));
    out.push_back('"');
}

template <class Int>
inline void append_int(std::string& out, Int v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, static_cast<size_t>(r.ptr - buf));
}

} // namespace ferry::json
