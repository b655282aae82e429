#include "ferry/data/base64.hpp"

#include <array>
#include <cstdint>

namespace ferry {

namespace {

constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_decode_table() {
    std::array<int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(k_alphabet[i])] = static_cast<int8_t>(i);
    return t;
}
constexpr auto k_decode = make_decode_table();

} // namespace

void base64_encode(std::string_view in, std::string& out) {
    size_t n = in.size();
    size_t start = out.size();
    out.resize(start + (n + 2) / 3 * 4);
    char* o = out.data() + start;
    const auto* p = reinterpret_cast<const uint8_t*>(in.data());
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8) | p[i + 2];
        *o++ = k_alphabet[(v >> 18) & 63];
        *o++ = k_alphabet[(v >> 12) & 63];
        *o++ = k_alphabet[(v >> 6) & 63];
        *o++ = k_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = uint32_t(p[i]) << 16;
        *o++ = k_alphabet[(v >> 18) & 63];
        *o++ = k_alphabet[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8);
        *o++ = k_alphabet[(v >> 18) & 63];
        *o++ = k_alphabet[(v >> 12) & 63];
        *o++ = k_alphabet[(v >> 6) & 63];
        *o++ = '=';
    }
}

std::string base64_encode(std::string_view in) {
    std::string out;
    base64_encode(in, out);
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size() / 4 * 3);
    size_t i = 0;
    const size_t n = in.size();
    auto skip_ws = [&] {
        while (i < n && static_cast<uint8_t>(in[i]) <= ' ') ++i;
    };
    while (true) {
        skip_ws();
        if (i >= n) break;
        int q[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            if (i >= n) return std::nullopt; // padding is required
            char c = in[i++];
            if (c == '=' && k >= 2) {
                q[k] = 0;
                ++pad;
                continue;
            }
            if (pad > 0) return std::nullopt; // data after '='
            int v = k_decode[static_cast<uint8_t>(c)];
            if (v < 0) return std::nullopt;
            q[k] = v;
        }
        uint32_t v = (uint32_t(q[0]) << 18) | (uint32_t(q[1]) << 12) | (uint32_t(q[2]) << 6) | uint32_t(q[3]);
        out.push_back(static_cast<char>((v >> 16) & 0xff));
        if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
        if (pad > 0) {
            skip_ws();
            if (i < n) return std::nullopt; // padding only at the end
            break;
        }
    }
    return out;
}

} // namespace ferry
