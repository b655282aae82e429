#include "pg_types.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/base64.hpp"
#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace ferry::plugins::postgres_cdc {

namespace {

constexpr int32_t variable_scale_decimal_length = 131089;
constexpr int32_t unknown_length = 2147483647; // pgjdbc's unknownLength (Integer.MAX_VALUE)

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `n` digits at s[i].
bool digits(std::string_view s, size_t& i, size_t n, int64_t& out) {
    if (i + n > s.size()) return false;
    int64_t v = 0;
    for (size_t k = 0; k < n; k++) {
        char c = s[i + k];
        if (!is_digit(c)) return false;
        v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
}

// One or more digits.
bool number(std::string_view s, size_t& i, int64_t& out) {
    size_t start = i;
    int64_t v = 0;
    while (i < s.size() && is_digit(s[i])) {
        v = v * 10 + (s[i] - '0');
        i++;
        if (i - start > 18) return false;
    }
    out = v;
    return i > start;
}

// ".123456" -> micros (digits beyond 6 truncated, as PostgreSQL never sends them for times).
int32_t fraction_micros(std::string_view s, size_t& i) {
    int32_t micros = 0;
    if (i < s.size() && s[i] == '.') {
        i++;
        int n = 0;
        while (i < s.size() && is_digit(s[i])) {
            if (n < 6) micros = micros * 10 + (s[i] - '0');
            n++;
            i++;
        }
        for (; n < 6; n++) micros *= 10;
    }
    return micros;
}

// "+02", "-05:30", "+05:30:15" at s[i]; advances i.
bool parse_offset(std::string_view s, size_t& i, int32_t& seconds) {
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
    int sign = s[i] == '-' ? -1 : 1;
    i++;
    int64_t h = 0, m = 0, sec = 0;
    if (!digits(s, i, 2, h)) return false;
    if (i < s.size() && s[i] == ':') {
        i++;
        if (!digits(s, i, 2, m)) return false;
        if (i < s.size() && s[i] == ':') {
            i++;
            if (!digits(s, i, 2, sec)) return false;
        }
    }
    seconds = int32_t(sign * (h * 3600 + m * 60 + sec));
    return true;
}

bool parse_date_part(std::string_view s, size_t& i, int64_t& y, int64_t& mo, int64_t& d) {
    if (!number(s, i, y) || i >= s.size() || s[i] != '-') return false;
    i++;
    if (!digits(s, i, 2, mo) || i >= s.size() || s[i] != '-') return false;
    i++;
    return digits(s, i, 2, d);
}

bool ends_with_bc(std::string_view& s) {
    if (s.size() > 3 && s.substr(s.size() - 3) == " BC") {
        s.remove_suffix(3);
        return true;
    }
    return false;
}

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

void append_padded(std::string& out, int64_t v, int width) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    int n = int(r.ptr - buf);
    for (int k = n; k < width; k++) out += '0';
    out.append(buf, size_t(n));
}

// java.time's year printing in ISO_LOCAL_DATE: 4 digits, '+' beyond 9999, '-' before year 0.
void append_iso_year(std::string& out, int64_t year) {
    if (year > 9999) {
        out += '+';
        append_padded(out, year, 4);
    } else if (year < 0) {
        out += '-';
        append_padded(out, -year, 4);
    } else {
        append_padded(out, year, 4);
    }
}

void append_fraction(std::string& out, int32_t nanos, int digits_wanted) {
    if (digits_wanted < 0) {
        // ISO_LOCAL_TIME: as many digits as needed, none when zero.
        if (nanos == 0) return;
        char buf[10];
        int32_t v = nanos;
        for (int k = 8; k >= 0; k--) {
            buf[k] = char('0' + v % 10);
            v /= 10;
        }
        int n = 9;
        while (n > 0 && buf[n - 1] == '0') n--;
        out += '.';
        out.append(buf, size_t(n));
        return;
    }
    if (digits_wanted == 0) return;
    char buf[10];
    int32_t v = nanos;
    for (int k = 8; k >= 0; k--) {
        buf[k] = char('0' + v % 10);
        v /= 10;
    }
    out += '.';
    out.append(buf, size_t(std::min(digits_wanted, 9)));
}

void append_time_of_day(std::string& out, int64_t seconds_of_day) {
    append_padded(out, seconds_of_day / 3600, 2);
    out += ':';
    append_padded(out, seconds_of_day / 60 % 60, 2);
    out += ':';
    append_padded(out, seconds_of_day % 60, 2);
}

std::string hex_of(std::string_view bytes) {
    static constexpr char d[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

std::string base64_url(std::string_view in) {
    std::string s = base64_encode(in);
    for (auto& c : s) {
        if (c == '+') c = '-';
        else if (c == '/') c = '_';
    }
    return s;
}

std::optional<std::string> decode_bytea(std::string_view t) {
    if (t.size() >= 2 && t[0] == '\\' && t[1] == 'x') {
        auto hexval = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        if ((t.size() - 2) % 2) return std::nullopt;
        std::string out;
        out.resize((t.size() - 2) / 2);
        for (size_t i = 2, o = 0; i < t.size(); i += 2, o++) {
            int a = hexval(t[i]), b = hexval(t[i + 1]);
            if (a < 0 || b < 0) return std::nullopt;
            out[o] = char(a << 4 | b);
        }
        return out;
    }
    // escape format (bytea_output = escape): backslash octal escapes
    std::string out;
    for (size_t i = 0; i < t.size(); i++) {
        if (t[i] != '\\') {
            out += t[i];
        } else if (i + 1 < t.size() && t[i + 1] == '\\') {
            out += '\\';
            i++;
        } else if (i + 3 < t.size()) {
            int v = 0;
            for (int k = 1; k <= 3; k++) {
                if (i + size_t(k) >= t.size() || t[i + k] < '0' || t[i + k] > '7') return std::nullopt;
                v = v * 8 + (t[i + k] - '0');
            }
            out += char(v);
            i += 3;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

// Java's String.hashCode over the UTF-16 code units of UTF-8 text.
int32_t java_hash(std::string_view s) {
    uint32_t h = 0;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        uint32_t cp;
        int n;
        if (c < 0x80) { cp = c; n = 1; }
        else if ((c >> 5) == 6 && i + 1 < s.size()) { cp = (c & 0x1f) << 6 | (s[i + 1] & 0x3f); n = 2; }
        else if ((c >> 4) == 14 && i + 2 < s.size()) { cp = (c & 0x0f) << 12 | (s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f); n = 3; }
        else if ((c >> 3) == 30 && i + 3 < s.size()) {
            cp = (c & 0x07) << 18 | (s[i + 1] & 0x3f) << 12 | (s[i + 2] & 0x3f) << 6 | (s[i + 3] & 0x3f);
            n = 4;
        } else { cp = c; n = 1; }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = h * 31 + (0xD800 + (cp >> 10));
            h = h * 31 + (0xDC00 + (cp & 0x3ff));
        } else {
            h = h * 31 + cp;
        }
        i += size_t(n);
    }
    return int32_t(h);
}

std::vector<size_t> java_hashmap_order_impl(const std::vector<std::string>& keys) {
    size_t cap = 16;
    while (double(keys.size()) > 0.75 * double(cap)) cap *= 2;
    std::vector<std::pair<size_t, size_t>> idx; // (bucket, insertion index)
    for (size_t i = 0; i < keys.size(); i++) {
        uint32_t h = uint32_t(java_hash(keys[i]));
        h ^= h >> 16;
        idx.emplace_back(h & (cap - 1), i);
    }
    std::stable_sort(idx.begin(), idx.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::vector<size_t> out;
    for (auto& p : idx) out.push_back(p.second);
    return out;
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) out += fmt::format("\\u{:04X}", c);
            else out += char(c);
        }
    }
    out += '"';
}

// hstore text: "k"=>"v", "k2"=>NULL. Keys and values are always quoted by hstore_out.
bool parse_hstore(std::string_view t, std::vector<std::pair<std::string, std::optional<std::string>>>& out) {
    size_t i = 0;
    auto skip_ws = [&] { while (i < t.size() && (t[i] == ' ' || t[i] == ',')) i++; };
    auto quoted = [&](std::string& s) -> bool {
        if (i >= t.size() || t[i] != '"') return false;
        i++;
        while (i < t.size() && t[i] != '"') {
            if (t[i] == '\\' && i + 1 < t.size()) i++;
            s += t[i++];
        }
        if (i >= t.size()) return false;
        i++;
        return true;
    };
    skip_ws();
    while (i < t.size()) {
        std::string k;
        if (!quoted(k)) return false;
        if (t.substr(i, 2) != "=>") return false;
        i += 2;
        if (t.substr(i, 4) == "NULL") {
            i += 4;
            out.emplace_back(std::move(k), std::nullopt);
        } else {
            std::string v;
            if (!quoted(v)) return false;
            out.emplace_back(std::move(k), std::move(v));
        }
        skip_ws();
    }
    return true;
}

// Array text "{a,"b c",NULL}" -> elements (nullopt = NULL). False for malformed or
// multi-dimensional input.
bool parse_array(std::string_view t, std::vector<std::optional<std::string>>& out, bool& multidim) {
    multidim = false;
    size_t i = 0;
    if (!t.empty() && t[0] == '[') { // explicit bounds "[0:2]={...}"
        auto eq = t.find('=');
        if (eq == std::string_view::npos) return false;
        i = eq + 1;
    }
    if (i >= t.size() || t[i] != '{') return false;
    i++;
    if (i < t.size() && t[i] == '{') {
        multidim = true;
        return false;
    }
    if (i < t.size() && t[i] == '}') return i + 1 == t.size();
    while (i < t.size()) {
        std::string e;
        bool quoted = false;
        if (t[i] == '"') {
            quoted = true;
            i++;
            while (i < t.size() && t[i] != '"') {
                if (t[i] == '\\' && i + 1 < t.size()) i++;
                e += t[i++];
            }
            if (i >= t.size()) return false;
            i++;
        } else {
            while (i < t.size() && t[i] != ',' && t[i] != '}') {
                if (t[i] == '\\' && i + 1 < t.size()) i++;
                e += t[i++];
            }
        }
        if (!quoted && e == "NULL")
            out.emplace_back(std::nullopt);
        else
            out.emplace_back(std::move(e));
        if (i >= t.size()) return false;
        if (t[i] == ',') {
            i++;
            continue;
        }
        if (t[i] == '}') return i + 1 == t.size();
        return false;
    }
    return false;
}

// PostgreSQL "postgres" IntervalStyle: "1 year 2 mons -3 days +04:05:06.789", "00:00:01", "@ ..." not used.
struct interval_parts {
    int32_t years = 0, months = 0, days = 0, hours = 0, minutes = 0;
    int64_t whole_seconds = 0;
    int32_t micros = 0;
    double seconds() const { return double(whole_seconds) + double(micros) / 1e6; }
};

bool parse_interval(std::string_view t, interval_parts& p) {
    size_t i = 0;
    auto skip = [&] { while (i < t.size() && t[i] == ' ') i++; };
    skip();
    while (i < t.size()) {
        int sign = 1;
        size_t start = i;
        if (t[i] == '+' || t[i] == '-') {
            sign = t[i] == '-' ? -1 : 1;
            i++;
        }
        int64_t n = 0;
        if (!number(t, i, n)) return false;
        if (i < t.size() && t[i] == ':') {
            // time part [+-]HH:MM:SS[.ffffff]
            int64_t m = 0, s = 0;
            i++;
            if (!number(t, i, m)) return false;
            if (i < t.size() && t[i] == ':') {
                i++;
                if (!number(t, i, s)) return false;
            }
            int32_t us = fraction_micros(t, i);
            p.hours = int32_t(sign * n);
            p.minutes = int32_t(sign * m);
            p.whole_seconds = sign * s;
            p.micros = sign * us;
            (void)start;
        } else {
            skip();
            size_t ws = i;
            while (i < t.size() && t[i] != ' ') i++;
            auto unit = t.substr(ws, i - ws);
            int64_t v = sign * n;
            if (unit == "year" || unit == "years") p.years = int32_t(v);
            else if (unit == "mon" || unit == "mons") p.months = int32_t(v);
            else if (unit == "day" || unit == "days") p.days = int32_t(v);
            else return false;
        }
        skip();
    }
    return true;
}

// Debezium's Interval.toIsoString: seconds via BigDecimal.stripTrailingZeros().toPlainString().
std::string interval_iso(const interval_parts& p) {
    std::string secs;
    int64_t total_us = p.whole_seconds * 1000000 + p.micros;
    bool neg = total_us < 0;
    uint64_t a = uint64_t(neg ? -total_us : total_us);
    secs = (neg ? "-" : "") + std::to_string(a / 1000000);
    if (a % 1000000) {
        std::string f = fmt::format("{:06d}", a % 1000000);
        while (!f.empty() && f.back() == '0') f.pop_back();
        secs += "." + f;
    }
    return fmt::format("P{}Y{}M{}DT{}H{}M{}S", p.years, p.months, p.days, p.hours, p.minutes, secs);
}

int64_t interval_micros(const interval_parts& p) {
    // MicroDuration.durationMicros with DAYS_PER_MONTH_AVG, in Java's double arithmetic.
    double days_per_month = 365.25 / 12.0;
    double number_of_days = double(p.years * 12 + p.months) * days_per_month + double(p.days);
    double number_of_seconds = (((number_of_days * 24 + double(p.hours)) * 60) + double(p.minutes)) * 60 + p.seconds();
    return int64_t(number_of_seconds * 1e6);
}

// Money text in lc_monetary=C: "$1,234.56", "-$1,234.56" -> plain decimal text.
std::optional<std::string> money_plain(std::string_view t) {
    std::string out;
    bool neg = false;
    for (char c : t) {
        if (c == '-' || c == '(') neg = true;
        else if (is_digit(c) || c == '.') out += c;
    }
    if (out.empty()) return std::nullopt;
    return neg ? "-" + out : out;
}

// BigDecimal.stripTrailingZeros() then setScale(0) when the scale went negative: only fraction
// zeros go.
std::string strip_fraction_zeros(std::string_view t) {
    std::string s(t);
    auto dot = s.find('.');
    if (dot == std::string::npos) return s;
    while (s.size() > dot + 1 && s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    if (s == "-0") s = "0";
    return s;
}

bool parse_double(std::string_view t, double& d) {
    if (t == "NaN") { d = std::nan(""); return true; }
    if (t == "Infinity") { d = HUGE_VAL; return true; }
    if (t == "-Infinity") { d = -HUGE_VAL; return true; }
    auto r = std::from_chars(t.data(), t.data() + t.size(), d);
    return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

template <class T>
bool parse_int(std::string_view t, T& v) {
    auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

[[noreturn]] void bad(const column_converter& cc, std::string_view text, const char* what) {
    throw data_error(fmt::format("Cannot convert value '{}' to {}: {}", text.substr(0, 200),
                                 cc.schema ? cc.schema->to_string() : std::string("?"), what));
}

schema_ptr point_schema(bool optional) {
    auto b = schema_builder::struct_();
    b.name("io.debezium.data.geometry.Point").version(1).doc("Geometry (POINT)");
    b.field("x", schemas::float64());
    b.field("y", schemas::float64());
    b.field("wkb", schemas::optional_bytes());
    b.field("srid", schemas::optional_int32());
    if (optional) b.optional();
    return b.build();
}

// Little-endian WKB (Debezium's WkbWriter).
void wkb_put_u32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; i++) out += char((v >> (8 * i)) & 0xff);
}
void wkb_put_f64(std::string& out, double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    for (int i = 0; i < 8; i++) out += char((v >> (8 * i)) & 0xff);
}
std::string wkb_point(double x, double y) {
    std::string w(1, '\1');
    wkb_put_u32(w, 1);
    wkb_put_f64(w, x);
    wkb_put_f64(w, y);
    return w;
}
std::string wkb_points(uint32_t type, const std::vector<std::vector<std::pair<double, double>>>& rings, bool polygon) {
    std::string w(1, '\1');
    wkb_put_u32(w, type);
    if (polygon) wkb_put_u32(w, uint32_t(rings.size()));
    for (auto& ring : rings) {
        wkb_put_u32(w, uint32_t(ring.size()));
        for (auto& [x, y] : ring) {
            wkb_put_f64(w, x);
            wkb_put_f64(w, y);
        }
    }
    return w;
}

schema_ptr debezium_builder(schema_type t, const char* name, bool optional) {
    auto b = schema_builder(t);
    b.name(name).version(1);
    if (optional) b.optional();
    return b.build();
}

} // namespace

std::vector<size_t> java_hashmap_order(const std::vector<std::string>& keys) { return java_hashmap_order_impl(keys); }

uint32_t type_registry::resolve(uint32_t oid, int32_t& typmod) const {
    for (int depth = 0; depth < 16; depth++) {
        auto* t = find(oid);
        if (!t || t->typtype != 'd' || t->basetype == 0) return oid;
        if (typmod < 0) typmod = t->base_typmod;
        oid = t->basetype;
    }
    return oid;
}

// --- text parsers -------------------------------------------------------------------------------

bool parse_pg_date(std::string_view text, int32_t& days, int& special) {
    special = 0;
    if (text == "infinity") { special = 1; return true; }
    if (text == "-infinity") { special = -1; return true; }
    bool bc = ends_with_bc(text);
    size_t i = 0;
    int64_t y, m, d;
    if (!parse_date_part(text, i, y, m, d) || i != text.size()) return false;
    if (bc) y = 1 - y;
    days = logical::days_from_civil({int32_t(y), uint32_t(m), uint32_t(d)});
    return true;
}

bool parse_pg_time(std::string_view text, int64_t& micros, int32_t* offset_seconds) {
    size_t i = 0;
    int64_t h, m, s = 0;
    if (!digits(text, i, 2, h) || i >= text.size() || text[i] != ':') return false;
    i++;
    if (!digits(text, i, 2, m)) return false;
    if (i < text.size() && text[i] == ':') {
        i++;
        if (!digits(text, i, 2, s)) return false;
    }
    int32_t us = fraction_micros(text, i);
    micros = ((h * 60 + m) * 60 + s) * 1000000 + us;
    if (offset_seconds) {
        if (!parse_offset(text, i, *offset_seconds)) return false;
    }
    return i == text.size();
}

bool parse_pg_timestamp(std::string_view text, parsed_timestamp& out) {
    out = {};
    if (text == "infinity") { out.special = 1; return true; }
    if (text == "-infinity") { out.special = -1; return true; }
    bool bc = ends_with_bc(text);
    size_t i = 0;
    int64_t y, mo, d;
    if (!parse_date_part(text, i, y, mo, d)) return false;
    if (i >= text.size() || (text[i] != ' ' && text[i] != 'T')) return false;
    i++;
    int64_t h, mi, s = 0;
    if (!digits(text, i, 2, h) || i >= text.size() || text[i] != ':') return false;
    i++;
    if (!digits(text, i, 2, mi)) return false;
    if (i < text.size() && text[i] == ':') {
        i++;
        if (!digits(text, i, 2, s)) return false;
    }
    out.micros = fraction_micros(text, i);
    if (i < text.size()) {
        if (!parse_offset(text, i, out.offset_seconds)) return false;
        out.has_offset = true;
    }
    if (i != text.size()) return false;
    if (bc) y = 1 - y;
    int64_t days = logical::days_from_civil({int32_t(y), uint32_t(mo), uint32_t(d)});
    out.epoch_seconds = days * 86400 + h * 3600 + mi * 60 + s - out.offset_seconds;
    return true;
}

std::optional<std::string> iso_instant_of_utc_text(std::string_view t, int fraction_digits) {
    std::string out;
    if (!append_iso_instant_of_utc_text(out, t, fraction_digits)) return std::nullopt;
    return out;
}

bool append_iso_instant_of_utc_text(std::string& out, std::string_view t, int fraction_digits) {
    // YYYY-MM-DD HH:MM:SS, then optionally .F (1-6 digits), then exactly "+00" (the session runs in UTC).
    static constexpr char shape[] = "dddd-dd-dd dd:dd:dd";
    if (t.size() < 22) return false;
    for (size_t i = 0; i < 19; i++) {
        bool digit = t[i] >= '0' && t[i] <= '9';
        if (shape[i] == 'd' ? !digit : t[i] != shape[i]) return false;
    }
    size_t i = 19, frac = 0, nfrac = 0;
    if (t[i] == '.') {
        frac = ++i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') i++;
        nfrac = i - frac;
        if (nfrac == 0 || nfrac > 6) return false; // PostgreSQL prints microseconds at most
    }
    if (t.substr(i) != "+00") return false;
    if (t.substr(0, 4) == "0000") return false; // not PostgreSQL's (year 1 BC is "0001 BC")
    // append_fraction's rules on the printed digits (the leading digits of the nanoseconds):
    // as many as needed (trailing zeros dropped) when fraction_digits < 0, else exactly that many.
    std::string_view f = t.substr(frac, nfrac);
    size_t want;
    if (fraction_digits < 0) {
        while (!f.empty() && f.back() == '0') f.remove_suffix(1);
        want = f.size();
    } else {
        want = size_t(std::min(fraction_digits, 9));
        if (f.size() > want) f = f.substr(0, want);
    }
    out.reserve(out.size() + 22 + want);
    out.append(t.data(), 10);
    out += 'T';
    out.append(t.data() + 11, 8);
    if (want > 0) {
        out += '.';
        out.append(f);
        out.append(want - f.size(), '0');
    }
    out += 'Z';
    return true;
}

std::string iso_instant(int64_t epoch_seconds, int32_t nanos, int fraction_digits) {
    int64_t days = floor_div(epoch_seconds, 86400);
    int64_t sod = epoch_seconds - days * 86400;
    auto c = logical::civil_from_days(int32_t(days));
    std::string out;
    out.reserve(32);
    append_iso_year(out, c.year);
    out += '-';
    append_padded(out, c.month, 2);
    out += '-';
    append_padded(out, c.day, 2);
    out += 'T';
    append_time_of_day(out, sod);
    append_fraction(out, nanos, fraction_digits);
    out += 'Z';
    return out;
}

// --- schemas ------------------------------------------------------------------------------------

column_converter value_mapper::make(const column_info& c) const {
    auto cc = make_for(c.type_oid, c.typmod, c.type_name, c.optional, false);
    if (cc.kind == conv::drop) return cc;
    if (c.default_expr) {
        if (auto d = parse_default(c, cc)) {
            // Rebuild the schema with the default (a built schema is immutable).
            const auto& s = *cc.schema;
            if (s.type() == schema_type::array || s.type() == schema_type::map) return cc;
            schema_builder b(s.type());
            if (s.name()) b.name(*s.name());
            if (s.version()) b.version(*s.version());
            if (s.doc()) b.doc(*s.doc());
            for (auto& [k, v] : s.parameters()) b.parameter(k, v);
            for (auto& f : s.fields()) b.field(f.name, f.schema);
            if (s.optional()) b.optional();
            try {
                b.default_value(std::move(*d));
                cc.schema = b.build();
            } catch (const data_error&) {
                // A default the schema cannot carry is left out, as Debezium logs and skips it.
            }
        }
    }
    return cc;
}

column_converter value_mapper::make_for(uint32_t type_oid, int32_t typmod, const std::string& type_name, bool optional,
                                        bool array_element) const {
    column_converter cc;
    uint32_t o = _types.resolve(type_oid, typmod);
    const type_info* ti = _types.find(o);
    auto primitive = [&](conv k, schema_type t) {
        cc.kind = k;
        cc.schema = schemas::of(t, optional);
        return cc;
    };
    auto named = [&](conv k, schema_type t, const char* name) {
        cc.kind = k;
        cc.schema = debezium_builder(t, name, optional);
        return cc;
    };
    auto binary = [&]() {
        switch (_s.binary) {
        case binary_mode::bytes: return primitive(conv::bytes, schema_type::bytes);
        case binary_mode::base64: return primitive(conv::bytes_base64, schema_type::string);
        case binary_mode::base64_url_safe: return primitive(conv::bytes_base64_url, schema_type::string);
        case binary_mode::hex: return primitive(conv::bytes_hex, schema_type::string);
        }
        return primitive(conv::bytes, schema_type::bytes);
    };
    auto time_precision_of = [&]() { return typmod < 0 ? 6 : typmod; }; // pgjdbc getScale for time types
    auto temporal_time = [&]() {
        int p = time_precision_of();
        switch (_s.temporal) {
        case time_precision::adaptive:
            if (p <= 3) return named(conv::time_ms, schema_type::int32, "io.debezium.time.Time");
            if (p <= 6) return named(conv::time_us, schema_type::int64, "io.debezium.time.MicroTime");
            return named(conv::time_ns, schema_type::int64, "io.debezium.time.NanoTime");
        case time_precision::adaptive_time_microseconds:
        case time_precision::microseconds:
            return named(conv::time_us, schema_type::int64, "io.debezium.time.MicroTime");
        case time_precision::nanoseconds:
            return named(conv::time_ns, schema_type::int64, "io.debezium.time.NanoTime");
        case time_precision::connect:
            cc.kind = conv::time_ms;
            cc.schema = logical::time_schema(optional);
            return cc;
        case time_precision::isostring:
            return named(conv::time_iso, schema_type::string, "io.debezium.time.IsoTime");
        }
        return cc;
    };
    auto temporal_timestamp = [&]() {
        int p = time_precision_of();
        switch (_s.temporal) {
        case time_precision::adaptive:
        case time_precision::adaptive_time_microseconds:
            if (p <= 3) return named(conv::timestamp_ms, schema_type::int64, "io.debezium.time.Timestamp");
            if (p <= 6) return named(conv::timestamp_us, schema_type::int64, "io.debezium.time.MicroTimestamp");
            return named(conv::timestamp_ns, schema_type::int64, "io.debezium.time.NanoTimestamp");
        case time_precision::microseconds:
            return named(conv::timestamp_us, schema_type::int64, "io.debezium.time.MicroTimestamp");
        case time_precision::nanoseconds:
            return named(conv::timestamp_ns, schema_type::int64, "io.debezium.time.NanoTimestamp");
        case time_precision::connect:
            cc.kind = conv::timestamp_ms;
            cc.schema = logical::timestamp_schema(optional);
            return cc;
        case time_precision::isostring:
            return named(conv::timestamp_iso, schema_type::string, "io.debezium.time.IsoTimestamp");
        }
        return cc;
    };
    auto date = [&]() {
        switch (_s.temporal) {
        case time_precision::connect:
            cc.kind = conv::date_days;
            cc.schema = logical::date_schema(optional);
            return cc;
        case time_precision::isostring:
            return named(conv::date_iso, schema_type::string, "io.debezium.time.IsoDate");
        default:
            return named(conv::date_days, schema_type::int32, "io.debezium.time.Date");
        }
    };
    auto decimal = [&](int32_t precision, int32_t scale, bool variable) {
        switch (_s.decimals) {
        case decimal_mode::double_: return primitive(conv::decimal_double, schema_type::float64);
        case decimal_mode::string:
            cc.fixed_scale = !variable;
            cc.scale = scale;
            return primitive(conv::decimal_string, schema_type::string);
        case decimal_mode::precise:
            if (variable) {
                cc.kind = conv::var_decimal;
                auto b = schema_builder::struct_();
                b.name("io.debezium.data.VariableScaleDecimal").version(1).doc("Variable scaled decimal");
                b.field("scale", schemas::int32());
                b.field("value", schemas::bytes());
                if (optional) b.optional();
                cc.schema = b.build();
                return cc;
            }
            cc.kind = conv::decimal;
            cc.scale = scale;
            auto b = logical::decimal_builder(scale);
            b.parameter(std::string(logical::decimal_precision_param), std::to_string(precision));
            if (optional) b.optional();
            cc.schema = b.build();
            return cc;
        }
        return cc;
    };

    switch (o) {
    case oid::bool_: return primitive(conv::boolean, schema_type::boolean);
    case oid::bit:
    case oid::varbit: {
        int32_t len = typmod >= 0 ? typmod : (o == oid::bit ? 1 : unknown_length);
        if (len > 1) {
            cc.kind = conv::bits;
            auto b = schema_builder::bytes();
            b.name("io.debezium.data.Bits").version(1).parameter("length", std::to_string(len));
            if (optional) b.optional();
            cc.schema = b.build();
            return cc;
        }
        return primitive(conv::bit_bool, schema_type::boolean);
    }
    case oid::int2: return primitive(conv::int16, schema_type::int16);
    case oid::int4: return primitive(conv::int32, schema_type::int32);
    case oid::int8:
    case oid::oid: return primitive(conv::int64, schema_type::int64);
    case oid::float4: return primitive(conv::float32, schema_type::float32);
    case oid::float8: return primitive(conv::float64, schema_type::float64);
    case oid::numeric: {
        if (typmod < 0) return decimal(variable_scale_decimal_length, 0, true);
        int32_t precision = ((typmod - 4) >> 16) & 0xffff;
        int32_t scale = (typmod - 4) & 0xffff;
        if (scale > 1000) scale -= 2048; // PostgreSQL 15 allows negative scales (11-bit two's complement)
        return decimal(precision, scale, false);
    }
    case oid::money:
        cc.scale = _s.money_fraction_digits;
        switch (_s.decimals) {
        case decimal_mode::double_: return primitive(conv::money_double, schema_type::float64);
        case decimal_mode::string: return primitive(conv::money_string, schema_type::string);
        case decimal_mode::precise: {
            cc.kind = conv::money_decimal;
            auto b = logical::decimal_builder(_s.money_fraction_digits);
            if (optional) b.optional();
            cc.schema = b.build();
            return cc;
        }
        }
        return cc;
    case oid::char_:
    case oid::name:
    case oid::text:
    case oid::varchar:
    case oid::bpchar:
    case oid::inet:
    case oid::cidr:
    case oid::macaddr:
    case oid::macaddr8:
    case oid::int4range:
    case oid::numrange:
    case oid::int8range:
    case oid::tsrange:
    case oid::tstzrange:
    case oid::daterange:
        cc.toast_kind = column_converter::toast::scalar;
        return primitive(conv::string, schema_type::string);
    case oid::json:
    case oid::jsonb: return named(conv::string, schema_type::string, "io.debezium.data.Json");
    case oid::xml: return named(conv::string, schema_type::string, "io.debezium.data.Xml");
    case oid::uuid: return named(conv::string, schema_type::string, "io.debezium.data.Uuid");
    case oid::tsvector: return named(conv::string, schema_type::string, "io.debezium.data.Tsvector");
    case oid::bytea: return binary();
    case oid::date: return date();
    case oid::time: return temporal_time();
    case oid::timetz: return named(conv::timetz, schema_type::string, "io.debezium.time.ZonedTime");
    case oid::timestamp: return temporal_timestamp();
    case oid::timestamptz:
        cc.scale = time_precision_of();
        return named(conv::timestamptz, schema_type::string, "io.debezium.time.ZonedTimestamp");
    case oid::interval:
        if (_s.intervals == interval_mode::string)
            return named(conv::interval_string, schema_type::string, "io.debezium.time.Interval");
        return named(conv::interval_us, schema_type::int64, "io.debezium.time.MicroDuration");
    case oid::point:
        cc.kind = conv::point;
        cc.schema = point_schema(optional);
        return cc;
    case oid::circle: {
        // Circle.builder() and Line.builder() are optional whatever the column says.
        cc.kind = conv::circle;
        auto b = schema_builder::struct_();
        b.name("io.debezium.data.geometry.Circle").version(1).doc("Geometry (CIRCLE)").optional();
        b.field("center", point_schema(false));
        b.field("radius", schemas::float64());
        cc.schema = b.build();
        return cc;
    }
    case oid::line: {
        cc.kind = conv::line;
        auto b = schema_builder::struct_();
        b.name("io.debezium.data.geometry.Line").version(1).doc("Geometry (LINE)").optional();
        b.field("a", schemas::float64());
        b.field("b", schemas::float64());
        b.field("c", schemas::float64());
        cc.schema = b.build();
        return cc;
    }
    case oid::box:
    case oid::lseg:
    case oid::path:
    case oid::polygon: {
        cc.kind = o == oid::box ? conv::geometry_box : o == oid::lseg ? conv::geometry_lseg
                  : o == oid::path ? conv::geometry_path : conv::geometry_polygon;
        auto b = schema_builder::struct_();
        b.name("io.debezium.data.geometry.Geometry").version(2).doc("Geometry").optional();
        b.field("wkb", schemas::bytes());
        b.field("srid", schemas::optional_int32());
        b.field("extensions", schema_builder::map(schemas::string(), schemas::string()).optional().build());
        cc.schema = b.build();
        return cc;
    }
    default:
        break;
    }
    if (ti) {
        if (ti->name == "citext" || ti->name == "isbn" || ti->name == "isbn13" || ti->name == "ean13")
            return primitive(conv::string, schema_type::string);
        if (ti->name == "ltree") return named(conv::string, schema_type::string, "io.debezium.data.Ltree");
        if (ti->name == "hstore") {
            cc.toast_kind = column_converter::toast::hstore;
            if (_s.hstore == hstore_mode::json) return named(conv::hstore_json, schema_type::string, "io.debezium.data.Json");
            cc.kind = conv::hstore_map;
            auto b = schema_builder::map(schemas::string(), schemas::optional_string());
            if (optional) b.optional();
            cc.schema = b.build();
            return cc;
        }
        if (ti->typtype == 'e') {
            std::string allowed;
            for (size_t k = 0; k < ti->enum_labels.size(); k++) {
                if (k) allowed += ',';
                allowed += ti->enum_labels[k];
            }
            cc.kind = conv::string;
            auto b = schema_builder::string();
            b.name("io.debezium.data.Enum").version(1).parameter("allowed", allowed);
            // An enum array's element schema is required (SchemaBuilder.array(Enum.builder(...))).
            if (optional && !array_element) b.optional();
            cc.schema = b.build();
            return cc;
        }
        if (ti->category == 'A' && ti->elem != 0 && !array_element) {
            auto* et = _types.find(ti->elem);
            // Array types Debezium leaves unmapped (money[], name[], interval[], varbit[], xml[], point[]).
            static constexpr uint32_t unmapped[] = {oid::money, oid::name, oid::interval, oid::varbit, oid::xml, oid::point};
            uint32_t eo = ti->elem;
            if (std::find(std::begin(unmapped), std::end(unmapped), eo) != std::end(unmapped)) {
                cc.kind = conv::drop;
                return cc;
            }
            auto elem = make_for(eo, typmod, et ? et->name : std::string(), true, true);
            if (elem.kind == conv::drop || elem.kind == conv::array) {
                if (!_s.include_unknown_datatypes) return cc;
                elem = column_converter{};
                elem.kind = conv::unknown_bytes;
                elem.schema = _s.binary == binary_mode::bytes ? schemas::bytes() : schemas::string();
            }
            cc.kind = conv::array;
            auto b = schema_builder::array(elem.schema);
            if (optional) b.optional();
            cc.schema = b.build();
            std::string en = et ? et->name : std::string();
            if (en == "text" || en == "varchar" || en == "bpchar" || en == "json" || en == "jsonb")
                cc.toast_kind = column_converter::toast::text_array;
            else if (en == "bytea") cc.toast_kind = column_converter::toast::binary_array;
            else if (en == "int4" || en == "date") cc.toast_kind = column_converter::toast::int_array;
            else if (en == "int8") cc.toast_kind = column_converter::toast::bigint_array;
            else if (en == "uuid") cc.toast_kind = column_converter::toast::uuid_array;
            cc.element = std::make_shared<column_converter>(std::move(elem));
            return cc;
        }
    }
    (void)type_name;
    if (_s.include_unknown_datatypes) {
        cc.kind = conv::unknown_bytes;
        cc.schema = _s.binary == binary_mode::bytes ? schemas::of(schema_type::bytes, optional)
                                                    : schemas::of(schema_type::string, optional);
        return cc;
    }
    cc.kind = conv::drop;
    return cc;
}

// --- values -------------------------------------------------------------------------------------

value value_mapper::convert(const column_converter& cc, std::string_view t) const {
    switch (cc.kind) {
    case conv::drop: return value();
    case conv::boolean:
        if (t == "t" || t == "true") return value(true);
        if (t == "f" || t == "false") return value(false);
        bad(cc, t, "not a boolean");
    case conv::bit_bool:
        return value(t.find('1') != std::string_view::npos);
    case conv::bits: {
        // Little-endian bytes of a java.util.BitSet: bit i is the i-th character from the right;
        // trailing zero bytes are not written (BitSet.toByteArray()).
        std::string out((t.size() + 7) / 8, '\0');
        size_t len = t.size();
        size_t last = 0;
        for (size_t k = 0; k < len; k++) {
            char c = t[len - 1 - k];
            if (c == '1') {
                out[k / 8] = char(out[k / 8] | (1 << (k % 8)));
                last = k / 8 + 1;
            } else if (c != '0') {
                bad(cc, t, "not a bit string");
            }
        }
        out.resize(last);
        return value::bytes(std::move(out));
    }
    case conv::int16: {
        int16_t v;
        if (!parse_int(t, v)) bad(cc, t, "not a SMALLINT");
        return value(v);
    }
    case conv::int32: {
        int32_t v;
        if (!parse_int(t, v)) bad(cc, t, "not an INTEGER");
        return value(v);
    }
    case conv::int64: {
        int64_t v;
        if (!parse_int(t, v)) {
            uint64_t u; // oid is unsigned 32-bit
            if (!parse_int(t, u)) bad(cc, t, "not a BIGINT");
            v = int64_t(u);
        }
        return value(v);
    }
    case conv::float32: {
        double d;
        if (!parse_double(t, d)) bad(cc, t, "not a REAL");
        return value(float(d));
    }
    case conv::float64: {
        double d;
        if (!parse_double(t, d)) bad(cc, t, "not a DOUBLE PRECISION");
        return value(d);
    }
    case conv::decimal: {
        if (t == "NaN" || t == "Infinity" || t == "-Infinity")
            throw data_error("Got a special value (NaN/Infinity) for Decimal type but current mode does not handle it. "
                             "If you need to support it then set decimal handling mode to 'string'.");
        try {
            return value::bytes(logical::decimal_from_string(t, cc.scale));
        } catch (const data_error&) {
            bad(cc, t, "not a decimal of the column's scale");
        }
    }
    case conv::var_decimal: {
        if (t == "NaN" || t == "Infinity" || t == "-Infinity")
            throw data_error("Got a special value (NaN/Infinity) for Decimal type but current mode does not handle it. "
                             "If you need to support it then set decimal handling mode to 'string'.");
        auto d = logical::parse_decimal(strip_fraction_zeros(t));
        if (!d) bad(cc, t, "not a decimal");
        auto s = make_struct(cc.schema);
        s->put_unchecked(0, value(int32_t(d->scale)));
        s->put_unchecked(1, value::bytes(std::move(d->unscaled)));
        return value(std::move(s));
    }
    case conv::decimal_double: {
        double d;
        if (!parse_double(t, d)) bad(cc, t, "not a number");
        return value(d);
    }
    case conv::decimal_string: {
        if (t == "NaN") return value(std::string("NAN"));
        if (t == "Infinity") return value(std::string("POSITIVE_INFINITY"));
        if (t == "-Infinity") return value(std::string("NEGATIVE_INFINITY"));
        if (!cc.fixed_scale) return value(std::string(t));
        try {
            return value(logical::decimal_to_string(logical::decimal_from_string(t, cc.scale), cc.scale));
        } catch (const data_error&) {
            bad(cc, t, "not a decimal");
        }
    }
    case conv::money_decimal:
    case conv::money_double:
    case conv::money_string: {
        auto plain = money_plain(t);
        if (!plain) bad(cc, t, "not a money value");
        auto d = logical::parse_decimal(*plain);
        if (!d) bad(cc, t, "not a money value");
        if (cc.kind == conv::money_double) return value(logical::decimal_to_double(d->unscaled, d->scale));
        std::string unscaled;
        try {
            unscaled = logical::decimal_from_string(*plain, cc.scale);
        } catch (const data_error&) {
            bad(cc, t, "more fraction digits than money.fraction.digits");
        }
        if (cc.kind == conv::money_string) return value(logical::decimal_to_string(d->unscaled, d->scale));
        return value::bytes(std::move(unscaled));
    }
    case conv::string: return value(std::string(t));
    case conv::bytes:
    case conv::bytes_base64:
    case conv::bytes_base64_url:
    case conv::bytes_hex: {
        auto b = decode_bytea(t);
        if (!b) bad(cc, t, "not bytea text");
        if (cc.kind == conv::bytes) return value::bytes(std::move(*b));
        if (cc.kind == conv::bytes_base64) return value(base64_encode(*b));
        if (cc.kind == conv::bytes_base64_url) return value(base64_url(*b));
        return value(hex_of(*b));
    }
    case conv::unknown_bytes:
        if (cc.schema->type() == schema_type::bytes) return value::bytes(std::string(t));
        if (_s.binary == binary_mode::hex) return value(hex_of(t));
        if (_s.binary == binary_mode::base64_url_safe) return value(base64_url(t));
        return value(base64_encode(t));
    case conv::date_days:
    case conv::date_iso: {
        int32_t days = 0;
        int special = 0;
        if (!parse_pg_date(t, days, special)) bad(cc, t, "not a date");
        if (special) // pgjdbc's LocalDate sentinels for +-infinity
            days = logical::days_from_civil({-5877611, 6, uint32_t(special > 0 ? 21 : 22)});
        if (cc.kind == conv::date_days) return value(days);
        auto c = logical::civil_from_days(days);
        std::string out;
        append_iso_year(out, c.year);
        out += '-';
        append_padded(out, c.month, 2);
        out += '-';
        append_padded(out, c.day, 2);
        out += 'Z';
        return value(std::move(out));
    }
    case conv::time_ms:
    case conv::time_us:
    case conv::time_ns:
    case conv::time_iso: {
        int64_t us;
        if (!parse_pg_time(t, us, nullptr)) bad(cc, t, "not a time");
        if (cc.kind == conv::time_ms) return value(int32_t(us / 1000));
        if (cc.kind == conv::time_us) return value(us);
        if (cc.kind == conv::time_ns) return value(us * 1000);
        std::string out;
        append_time_of_day(out, us / 1000000);
        append_fraction(out, int32_t(us % 1000000) * 1000, -1);
        out += 'Z';
        return value(std::move(out));
    }
    case conv::timestamp_ms:
    case conv::timestamp_us:
    case conv::timestamp_ns:
    case conv::timestamp_iso: {
        parsed_timestamp p;
        if (!parse_pg_timestamp(t, p)) bad(cc, t, "not a timestamp");
        if (p.special) {
            // pgjdbc's infinity sentinels read as microseconds (see spec section 5)
            int64_t us = p.special > 0 ? 9223372036825200000LL : -9223372036832400000LL;
            if (cc.kind == conv::timestamp_ms) return value(us / 1000);
            if (cc.kind == conv::timestamp_us) return value(us);
            if (cc.kind == conv::timestamp_ns) return value(p.special > 0 ? INT64_MAX : INT64_MIN);
            return value(std::string(t));
        }
        if (cc.kind == conv::timestamp_ms) return value(p.epoch_seconds * 1000 + p.micros / 1000);
        if (cc.kind == conv::timestamp_us) return value(p.epoch_seconds * 1000000 + p.micros);
        if (cc.kind == conv::timestamp_ns) return value(p.epoch_seconds * 1000000000 + int64_t(p.micros) * 1000);
        return value(iso_instant(p.epoch_seconds, p.micros * 1000, -1));
    }
    case conv::timestamptz: {
        int digits = cc.scale <= 0 || cc.scale > 9 ? -1 : cc.scale;
        if (auto iso = iso_instant_of_utc_text(t, digits)) return value(std::move(*iso));
        parsed_timestamp p;
        if (!parse_pg_timestamp(t, p)) bad(cc, t, "not a timestamp with time zone");
        if (p.special) return value(std::string(p.special > 0 ? "infinity" : "-infinity"));
        return value(iso_instant(p.epoch_seconds, p.micros * 1000, digits));
    }
    case conv::timetz: {
        int64_t us;
        int32_t off = 0;
        if (!parse_pg_time(t, us, &off)) bad(cc, t, "not a time with time zone");
        int64_t secs = us / 1000000 - off;
        secs = ((secs % 86400) + 86400) % 86400;
        if (us / 1000000 == 24 * 3600 && off == 0) secs = 0; // 24:00:00+00 is midnight
        std::string out;
        append_time_of_day(out, secs);
        append_fraction(out, int32_t(us % 1000000) * 1000, -1);
        out += 'Z';
        return value(std::move(out));
    }
    case conv::interval_us:
    case conv::interval_string: {
        interval_parts p;
        if (!parse_interval(t, p)) bad(cc, t, "not an interval");
        if (cc.kind == conv::interval_us) return value(interval_micros(p));
        return value(interval_iso(p));
    }
    case conv::point:
    case conv::circle:
    case conv::line:
    case conv::geometry_box:
    case conv::geometry_lseg:
    case conv::geometry_path:
    case conv::geometry_polygon: {
        // "(x,y)", "<(x,y),r>", "{a,b,c}", "(x1,y1),(x2,y2)", "[(x1,y1),(x2,y2)]", "((x1,y1),...)"
        std::vector<double> nums;
        size_t i = 0;
        while (i < t.size()) {
            char c = t[i];
            if (c == '(' || c == ')' || c == '[' || c == ']' || c == '<' || c == '>' || c == '{' || c == '}' || c == ',' ||
                c == ' ') {
                i++;
                continue;
            }
            size_t j = i;
            while (j < t.size() && t[j] != ',' && t[j] != ')' && t[j] != '>' && t[j] != '}' && t[j] != ']') j++;
            double d;
            if (!parse_double(t.substr(i, j - i), d)) bad(cc, t, "not a geometric value");
            nums.push_back(d);
            i = j;
        }
        auto s = make_struct(cc.schema);
        auto need = [&](size_t n) {
            if (nums.size() != n) bad(cc, t, "not a geometric value");
        };
        switch (cc.kind) {
        case conv::point:
            need(2);
            s->put_unchecked(0, value(nums[0]));
            s->put_unchecked(1, value(nums[1]));
            s->put_unchecked(2, value::bytes(wkb_point(nums[0], nums[1])));
            break;
        case conv::circle: {
            need(3);
            auto center = make_struct(cc.schema->fields()[0].schema);
            center->put_unchecked(0, value(nums[0]));
            center->put_unchecked(1, value(nums[1]));
            center->put_unchecked(2, value::bytes(wkb_point(nums[0], nums[1])));
            s->put_unchecked(0, value(std::move(center)));
            s->put_unchecked(1, value(nums[2]));
            break;
        }
        case conv::line:
            need(3);
            for (int k = 0; k < 3; k++) s->put_unchecked(k, value(nums[size_t(k)]));
            break;
        default: {
            if (nums.size() % 2 || nums.empty()) bad(cc, t, "not a geometric value");
            std::vector<std::pair<double, double>> pts;
            for (size_t k = 0; k < nums.size(); k += 2) pts.emplace_back(nums[k], nums[k + 1]);
            value::map_type ext;
            std::string wkb;
            if (cc.kind == conv::geometry_box) {
                need(4);
                double x1 = pts[0].first, y1 = pts[0].second, x2 = pts[1].first, y2 = pts[1].second;
                wkb = wkb_points(3, {{{x1, y1}, {x1, y2}, {x2, y2}, {x2, y1}, {x1, y1}}}, true);
                ext.emplace_back(value("type"), value("box"));
            } else if (cc.kind == conv::geometry_lseg) {
                need(4);
                wkb = wkb_points(2, {pts}, false);
                ext.emplace_back(value("type"), value("lseg"));
            } else if (cc.kind == conv::geometry_path) {
                wkb = wkb_points(2, {pts}, false);
                ext.emplace_back(value("type"), value("path"));
                ext.emplace_back(value("closed"), value(std::string(t.starts_with("[") ? "false" : "true")));
            } else {
                if (pts.size() >= 2 && pts.front() != pts.back()) pts.push_back(pts.front());
                wkb = wkb_points(3, {pts}, true);
                ext.emplace_back(value("type"), value("polygon"));
            }
            s->put_unchecked(0, value::bytes(std::move(wkb)));
            s->put_unchecked(2, value(std::move(ext)));
        }
        }
        return value(std::move(s));
    }
    case conv::hstore_json:
    case conv::hstore_map: {
        std::vector<std::pair<std::string, std::optional<std::string>>> kv;
        if (!parse_hstore(t, kv)) bad(cc, t, "not an hstore value");
        // pgjdbc's HStoreConverter builds a HashMap: iterate in its order.
        std::vector<std::string> keys;
        for (auto& [k, _] : kv) keys.push_back(k);
        auto order = java_hashmap_order_impl(keys);
        if (cc.kind == conv::hstore_map) {
            value::map_type m;
            for (auto i : order)
                m.emplace_back(value(kv[i].first), kv[i].second ? value(*kv[i].second) : value());
            return value(std::move(m));
        }
        std::string out = "{";
        bool first = true;
        for (auto i : order) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, kv[i].first);
            out += ':';
            if (kv[i].second) append_json_string(out, *kv[i].second);
            else out += "null";
        }
        out += '}';
        return value(std::move(out));
    }
    case conv::array: {
        std::vector<std::optional<std::string>> elems;
        bool multidim = false;
        if (!parse_array(t, elems, multidim))
            bad(cc, t, multidim ? "multi-dimensional arrays are not supported" : "not an array");
        value::array_type a;
        a.reserve(elems.size());
        for (auto& e : elems) a.push_back(e ? convert(*cc.element, *e) : value());
        return value(std::move(a));
    }
    }
    return value();
}

value value_mapper::fallback(const column_converter& cc) const {
    switch (cc.kind) {
    case conv::boolean:
    case conv::bit_bool: return value(false);
    case conv::int16: return value(int16_t(0));
    case conv::int32: return value(int32_t(0));
    case conv::int64: return value(int64_t(0));
    case conv::float32: return value(0.0f);
    case conv::float64:
    case conv::decimal_double:
    case conv::money_double: return value(0.0);
    case conv::decimal: return value::bytes(logical::decimal_from_int64(0));
    case conv::money_decimal: return value::bytes(logical::decimal_from_int64(0));
    case conv::var_decimal: {
        auto s = make_struct(cc.schema);
        s->put_unchecked(0, value(int32_t(0)));
        s->put_unchecked(1, value::bytes(logical::decimal_from_int64(0)));
        return value(std::move(s));
    }
    case conv::decimal_string: return value(std::string(cc.fixed_scale && cc.scale > 0 ? "0." + std::string(size_t(cc.scale), '0') : "0"));
    case conv::money_string: return value(std::string("0.") + std::string(size_t(std::max(0, cc.scale)), '0'));
    case conv::bits:
    case conv::bytes: return value::bytes(std::string());
    case conv::unknown_bytes: return cc.schema->type() == schema_type::bytes ? value::bytes(std::string()) : value(std::string());
    case conv::string:
    case conv::bytes_base64:
    case conv::bytes_base64_url:
    case conv::bytes_hex: return value(std::string());
    case conv::hstore_json: return value(std::string("{}"));
    case conv::hstore_map: return value(value::map_type{});
    case conv::date_days: return value(int32_t(0));
    case conv::date_iso: return value(std::string("1970-01-01Z"));
    case conv::time_ms: return value(int32_t(0));
    case conv::time_us:
    case conv::time_ns:
    case conv::timestamp_ms:
    case conv::timestamp_us:
    case conv::timestamp_ns:
    case conv::interval_us: return value(int64_t(0));
    case conv::time_iso: return value(std::string("00:00:00Z"));
    case conv::timestamp_iso:
    case conv::timestamptz: return value(std::string("1970-01-01T00:00:00Z"));
    case conv::timetz: return value(std::string("00:00:00Z"));
    case conv::interval_string: return value(std::string("P0Y0M0DT0H0M0S"));
    case conv::point: return convert(cc, "(0,0)");
    case conv::circle:
    case conv::line:
    case conv::geometry_box:
    case conv::geometry_lseg:
    case conv::geometry_path:
    case conv::geometry_polygon: return value(); // always optional schemas
    case conv::array: return value(value::array_type{});
    case conv::drop: return value();
    }
    return value();
}

value value_mapper::null_value(const column_converter& cc) const {
    if (!cc.schema || cc.schema->optional()) return value();
    if (auto* d = cc.schema->default_value()) return *d;
    return fallback(cc);
}

value value_mapper::toast_placeholder(const column_converter& cc) const {
    const std::string& ph = _s.unavailable_placeholder;
    std::string raw = ph;
    if (ph.rfind("hex:", 0) == 0) {
        auto b = decode_bytea("\\x" + ph.substr(4));
        raw = b ? *b : ph;
    }
    using tk = column_converter::toast;
    switch (cc.toast_kind) {
    case tk::text_array: return value(value::array_type{value(raw)});
    case tk::binary_array: return value(value::array_type{value::bytes(raw)});
    case tk::int_array:
    case tk::bigint_array: {
        value::array_type a;
        for (signed char c : raw) {
            if (cc.toast_kind == tk::int_array) a.push_back(value(int32_t(c)));
            else a.push_back(value(int64_t(c)));
        }
        return value(std::move(a));
    }
    case tk::uuid_array: break; // UUID.nameUUIDFromBytes: computed below
    case tk::hstore:
        if (cc.kind == conv::hstore_json) {
            std::string out = "{";
            append_json_string(out, raw);
            out += ':';
            append_json_string(out, raw);
            out += '}';
            return value(std::move(out));
        }
        return value(value::map_type{{value(raw), value(raw)}});
    case tk::scalar: break;
    }
    if (cc.toast_kind == tk::uuid_array) return value();
    if (!cc.schema) return value();
    if (cc.schema->type() == schema_type::bytes) return value::bytes(raw);
    if (cc.schema->type() == schema_type::string) return value(raw);
    return cc.schema->optional() ? value() : fallback(cc);
}

// --- defaults -----------------------------------------------------------------------------------

std::optional<value> value_mapper::parse_default(const column_info& c, const column_converter& cc) const {
    // PostgresDefaultValueConverter: only these type names have a mapper.
    static const char* const mapped[] = {"bit", "varbit", "bool", "bpchar", "varchar", "text", "numeric", "float4",
                                         "float8", "int2", "int4", "serial", "int8", "bigserial", "smallserial", "json",
                                         "jsonb", "xml", "uuid", "date", "time", "timestamp", "timestamptz", "interval"};
    static const char* const trimmed[] = {"bit", "varbit", "bool", "numeric", "float4", "float8", "int2", "int4",
                                          "serial", "int8", "bigserial", "smallserial", "uuid", "date", "time",
                                          "timestamp", "timestamptz", "interval"};
    const std::string& tn = c.type_name;
    bool is_enum = false;
    if (auto* ti = _types.find(c.type_oid); ti && ti->typtype == 'e') is_enum = true;
    bool has_mapper = is_enum || std::any_of(std::begin(mapped), std::end(mapped), [&](const char* m) { return tn == m; });
    if (!has_mapper) return std::nullopt;
    std::string expr = *c.default_expr;
    if (std::any_of(std::begin(trimmed), std::end(trimmed), [&](const char* m) { return tn == m; })) {
        while (!expr.empty() && std::isspace(static_cast<unsigned char>(expr.back()))) expr.pop_back();
        size_t k = 0;
        while (k < expr.size() && std::isspace(static_cast<unsigned char>(expr[k]))) k++;
        expr = expr.substr(k);
    }
    if (is_enum) {
        // 'value'::enum_type
        auto cast = expr.rfind("::");
        if (cast == std::string::npos) return std::nullopt;
        auto lit = expr.substr(0, cast);
        if (lit.size() < 2 || lit.front() != '\'' || lit.back() != '\'') return std::nullopt;
        return convert(cc, lit.substr(1, lit.size() - 2));
    }
    auto literal = [](const std::string& e) -> std::optional<std::string> {
        if (e.find('\'') == std::string::npos) {
            if (e.rfind("NULL::", 0) == 0) return std::nullopt;
            return e;
        }
        auto q = e.find('\'');
        std::string out;
        for (size_t i = q + 1; i < e.size(); i++) {
            if (e[i] == '\'') {
                if (i + 1 < e.size() && e[i + 1] == '\'') {
                    out += '\'';
                    i++;
                    continue;
                }
                return out;
            }
            out += e[i];
        }
        return std::nullopt;
    };
    auto generated = [](const std::string& e) {
        // FUNCTION_DEFAULT_PATTERN ^[(]?[A-Za-z0-9_.]+\(...\) or a CURRENT_* keyword
        size_t i = 0;
        if (i < e.size() && e[i] == '(') i++;
        size_t start = i;
        while (i < e.size() && (std::isalnum(static_cast<unsigned char>(e[i])) || e[i] == '_' || e[i] == '.')) i++;
        if (i > start && i < e.size() && e[i] == '(' && e.find(')', i) != std::string::npos) return true;
        std::string l = e;
        std::transform(l.begin(), l.end(), l.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
        return l == "current_timestamp" || l == "current_time" || l == "current_date" || l == "localtime" ||
               l == "localtimestamp";
    };
    auto extract = [&](const char* placeholder) -> std::optional<std::string> {
        if (generated(expr)) return std::string(placeholder);
        return literal(expr);
    };
    try {
        std::optional<std::string> text;
        if (tn == "bit") {
            text = extract("00");
            if (text && text->size() == 1 && cc.kind == conv::bit_bool) return value(*text == "1");
        } else if (tn == "varbit") text = extract("0");
        else if (tn == "bool") {
            if (expr.rfind("NULL::", 0) == 0) return std::nullopt;
            text = extract("false");
            if (!text) return std::nullopt;
            std::string l = *text;
            std::transform(l.begin(), l.end(), l.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
            return value(l == "true"); // Boolean.parseBoolean
        } else if (tn == "bpchar" || tn == "varchar" || tn == "text" || tn == "xml") text = extract("");
        else if (tn == "json" || tn == "jsonb") text = extract("{}");
        else if (tn == "numeric" || tn == "float4" || tn == "float8") {
            if (expr.rfind("NULL::", 0) == 0) return std::nullopt;
            text = extract("0.0");
        } else if (tn == "int2" || tn == "int4" || tn == "serial" || tn == "int8" || tn == "bigserial" ||
                   tn == "smallserial") {
            if (expr.rfind("NULL::", 0) == 0) return std::nullopt;
            text = extract("0");
        } else if (tn == "uuid") text = extract("00000000-0000-0000-0000-000000000000");
        else if (tn == "date") text = extract("1970-01-01");
        else if (tn == "time") text = extract("00:00");
        else if (tn == "timestamp") {
            text = extract("1970-01-01");
            if (text && text->find(' ') == std::string::npos && text->find('T') == std::string::npos)
                *text += " 00:00:00";
        } else if (tn == "timestamptz") {
            text = extract("1970-01-01");
            if (text && text->find(' ') == std::string::npos && text->find('T') == std::string::npos)
                *text += " 00:00:00+00";
        } else if (tn == "interval") {
            text = extract("epoch");
            if (text && *text == "epoch") *text = "00:00:00";
        }
        if (!text) return std::nullopt;
        if (cc.kind == conv::time_ms || cc.kind == conv::time_us || cc.kind == conv::time_ns) {
            if (text->size() == 5) *text += ":00";
        }
        return convert(cc, *text);
    } catch (const data_error&) {
        return std::nullopt;
    }
}

} // namespace ferry::plugins::postgres_cdc
