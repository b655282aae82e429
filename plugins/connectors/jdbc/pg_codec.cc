#include "plugins/connectors/jdbc/pg_codec.hpp"

#include <vector>

namespace ferry::plugins::jdbc::pg {

bool numeric_to_text(const char* data, int len, std::string& out) {
    out.clear();
    if (len < 8) return false;
    int ndigits = int16_t(get_u16(data));
    int weight = int16_t(get_u16(data + 2));
    uint16_t sign = get_u16(data + 4);
    int dscale = int16_t(get_u16(data + 6));
    if (sign != 0 && sign != 0x4000) return false; // NaN, +/-Infinity
    if (len < 8 + ndigits * 2) return false;
    auto digit = [&](int i) -> int { return i >= 0 && i < ndigits ? get_u16(data + 8 + i * 2) : 0; };
    if (sign == 0x4000) out.push_back('-');
    // Integer part: groups 0..weight.
    if (weight < 0) {
        out.push_back('0');
    } else {
        for (int i = 0; i <= weight; i++) {
            int d = digit(i);
            char buf[4] = {char('0' + d / 1000), char('0' + d / 100 % 10), char('0' + d / 10 % 10), char('0' + d % 10)};
            if (i == 0) {
                int skip = d >= 1000 ? 0 : d >= 100 ? 1 : d >= 10 ? 2 : 3;
                out.append(buf + skip, size_t(4 - skip));
            } else {
                out.append(buf, 4);
            }
        }
    }
    if (dscale > 0) {
        out.push_back('.');
        int written = 0;
        for (int i = weight + 1; written < dscale; i++) {
            int d = digit(i);
            char buf[4] = {char('0' + d / 1000), char('0' + d / 100 % 10), char('0' + d / 10 % 10), char('0' + d % 10)};
            for (int k = 0; k < 4 && written < dscale; k++, written++) out.push_back(buf[k]);
        }
    }
    if (out == "-0" || (out.size() > 1 && out[0] == '-' && out.find_first_not_of("-0.") == std::string::npos))
        out.erase(0, 1); // -0 -> 0
    return true;
}

bool numeric_to_unscaled(const char* p, int n, int32_t scale, int64_t& out) {
    if (n < 8 || scale < 0 || scale > 16) return false;
    int ndigits = int16_t(get_u16(p));
    int weight = int16_t(get_u16(p + 2));
    uint16_t sign = get_u16(p + 4);
    if ((sign != 0 && sign != 0x4000) || n < 8 + ndigits * 2) return false;
    int fg = (scale + 3) / 4; // fraction groups holding the kept digits
    if (ndigits == 0) weight = -fg - 2; // zero
    if (weight + fg + 1 > 4) return false;
    auto digit = [&](int i) -> int64_t { return i >= 0 && i < ndigits ? get_u16(p + 8 + i * 2) : 0; };
    int64_t v = 0; // |value| * 10000^fg, truncated
    for (int pos = weight; pos >= -fg; pos--) v = v * 10000 + digit(weight - pos);
    static constexpr int64_t pow10[] = {1, 10, 100, 1000};
    int64_t div = pow10[4 * fg - scale];
    int64_t u = v / div;
    if (div > 1 ? v % div >= div / 2 : digit(weight + fg + 1) >= 5000) u++; // HALF_UP on the magnitude
    out = sign == 0x4000 ? -u : u;
    return true;
}

namespace {
// The header of PostgreSQL's binary numeric: digit-group count, weight, sign and display scale.
// Zero has no groups, weight 0 and a positive sign.
void put_numeric_header(std::string& out, int ndigits, int weight, bool neg, int dscale) {
    if (ndigits == 0) {
        weight = 0;
        neg = false;
    }
    put_u16(out, uint16_t(ndigits));
    put_u16(out, uint16_t(int16_t(weight)));
    put_u16(out, neg ? 0x4000 : 0);
    put_u16(out, uint16_t(dscale));
}
} // namespace

bool numeric_from_unscaled(std::string_view unscaled, int32_t scale, std::string& out) {
    if (unscaled.empty() || unscaled.size() > 8 || scale < 0 || scale > 16) return false;
    int64_t v = int8_t(unscaled[0]); // sign-extended
    for (size_t i = 1; i < unscaled.size(); i++) v = (v << 8) | uint8_t(unscaled[i]);
    bool neg = v < 0;
    unsigned __int128 a = neg ? uint64_t(0) - uint64_t(v) : uint64_t(v);
    // Align the fraction to whole base-10000 groups.
    int pad = (4 - scale % 4) % 4;
    for (int i = 0; i < pad; i++) a *= 10;
    int fgroups = (scale + pad) / 4;
    uint16_t g[12]; // least significant first; 2^63 * 1000 < 10000^6
    int n = 0;
    while (a != 0) {
        g[n++] = uint16_t(a % 10000);
        a /= 10000;
    }
    int lo = 0; // trailing zero groups
    while (lo < n && g[lo] == 0) lo++;
    put_numeric_header(out, n - lo, n - fgroups - 1, neg, scale);
    for (int i = n - 1; i >= lo; i--) put_u16(out, g[i]);
    return true;
}

void numeric_from_text(std::string_view text, std::string& out) {
    bool neg = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        neg = text[0] == '-';
        text.remove_prefix(1);
    }
    auto dot = text.find('.');
    std::string_view ip = text.substr(0, dot);
    std::string_view fp = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    while (ip.size() > 1 && ip[0] == '0') ip.remove_prefix(1);
    if (ip == "0") ip = {};
    int dscale = int(fp.size());
    // Base-10000 groups: integer part aligned from the right, fraction from the left.
    int16_t groups[64 + 1024];
    std::vector<int16_t> big;
    int16_t* g = groups;
    size_t max_groups = (ip.size() + 3) / 4 + (fp.size() + 3) / 4;
    if (max_groups > sizeof(groups) / sizeof(groups[0])) {
        big.resize(max_groups);
        g = big.data();
    }
    int n = 0;
    int int_groups = int((ip.size() + 3) / 4);
    size_t first = ip.size() % 4 == 0 ? 4 : ip.size() % 4;
    size_t pos = 0;
    for (int i = 0; i < int_groups; i++) {
        size_t take = i == 0 ? first : 4;
        int v = 0;
        for (size_t k = 0; k < take; k++) v = v * 10 + (ip[pos + k] - '0');
        pos += take;
        g[n++] = int16_t(v);
    }
    for (size_t i = 0; i < fp.size(); i += 4) {
        int v = 0;
        for (size_t k = 0; k < 4; k++) v = v * 10 + (i + k < fp.size() ? fp[i + k] - '0' : 0);
        g[n++] = int16_t(v);
    }
    int weight = int_groups - 1;
    // Strip leading zero groups (adjusting the weight) and trailing zero groups.
    int start = 0;
    while (start < n && g[start] == 0) {
        start++;
        weight--;
    }
    int end = n;
    while (end > start && g[end - 1] == 0) end--;
    put_numeric_header(out, end - start, weight, neg, dscale);
    for (int i = start; i < end; i++) put_u16(out, uint16_t(g[i]));
}

void round_text(std::string& t, int32_t scale) {
    if (scale < 0) scale = 0;
    auto dot = t.find('.');
    size_t frac = dot == std::string::npos ? 0 : t.size() - dot - 1;
    if (frac <= size_t(scale)) {
        if (frac == size_t(scale)) return;
        if (dot == std::string::npos) t.push_back('.');
        t.append(size_t(scale) - frac, '0');
        if (scale == 0 && !t.empty() && t.back() == '.') t.pop_back();
        return;
    }
    char next = t[dot + 1 + size_t(scale)];
    t.resize(dot + 1 + size_t(scale));
    if (scale == 0) t.pop_back(); // drop '.'
    if (next >= '5') {
        // Increment the magnitude at the last digit.
        size_t i = t.size();
        bool carry = true;
        while (carry && i > 0) {
            i--;
            if (t[i] == '.' || t[i] == '-') continue;
            if (t[i] == '9') {
                t[i] = '0';
            } else {
                t[i]++;
                carry = false;
            }
        }
        if (carry) t.insert(t[0] == '-' ? 1 : 0, 1, '1');
    }
}

} // namespace ferry::plugins::jdbc::pg
