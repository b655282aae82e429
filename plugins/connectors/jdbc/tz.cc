#include "plugins/connectors/jdbc/tz.hpp"

#include "ferry/data/logical.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace ferry::plugins::jdbc::tz {

namespace {

std::invalid_argument invalid(std::string_view id) {
    return std::invalid_argument("Invalid time zone: " + std::string(id));
}

// "+03:00", "-0530", "+3", "+03", "+03:00:00" -> seconds east; false when malformed.
bool parse_offset(std::string_view s, int32_t& out) {
    if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
    int sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int parts[3] = {0, 0, 0};
    int n = 0;
    size_t i = 0;
    if (s.find(':') != std::string_view::npos) {
        while (i <= s.size() && n < 3) {
            size_t j = s.find(':', i);
            if (j == std::string_view::npos) j = s.size();
            auto part = s.substr(i, j - i);
            if (part.empty() || part.size() > 2) return false;
            int v = 0;
            for (char c : part) {
                if (!std::isdigit((unsigned char)c)) return false;
                v = v * 10 + (c - '0');
            }
            parts[n++] = v;
            i = j + 1;
            if (j == s.size()) break;
        }
    } else {
        if (!(s.size() == 1 || s.size() == 2 || s.size() == 4 || s.size() == 6)) return false;
        for (char c : s)
            if (!std::isdigit((unsigned char)c)) return false;
        if (s.size() <= 2) {
            parts[0] = std::stoi(std::string(s));
        } else {
            parts[0] = std::stoi(std::string(s.substr(0, 2)));
            parts[1] = std::stoi(std::string(s.substr(2, 2)));
            if (s.size() == 6) parts[2] = std::stoi(std::string(s.substr(4, 2)));
        }
    }
    if (parts[0] > 18 || parts[1] > 59 || parts[2] > 59) return false;
    out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    return std::abs(out) <= 18 * 3600;
}

int64_t read_be(const unsigned char* p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    if (n == 4) return int32_t(uint32_t(v));
    return int64_t(v);
}

// POSIX "hh[:mm[:ss]]" with optional sign; returns seconds (POSIX sign: positive = west).
bool posix_time(std::string_view& s, int32_t& out, bool allow_sign) {
    int sign = 1;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        if (!allow_sign) return false;
        sign = s[0] == '-' ? -1 : 1;
        s.remove_prefix(1);
    }
    int v[3] = {0, 0, 0};
    for (int part = 0; part < 3; part++) {
        if (s.empty() || !std::isdigit((unsigned char)s[0])) return false;
        int x = 0;
        while (!s.empty() && std::isdigit((unsigned char)s[0])) {
            x = x * 10 + (s[0] - '0');
            s.remove_prefix(1);
        }
        v[part] = x;
        if (s.empty() || s[0] != ':') break;
        s.remove_prefix(1);
    }
    out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    return true;
}

bool posix_name(std::string_view& s) {
    if (s.empty()) return false;
    if (s[0] == '<') {
        auto e = s.find('>');
        if (e == std::string_view::npos) return false;
        s.remove_prefix(e + 1);
        return true;
    }
    size_t n = 0;
    while (n < s.size() && std::isalpha((unsigned char)s[n])) n++;
    if (n < 3) return false;
    s.remove_prefix(n);
    return true;
}

bool posix_point(std::string_view& s, zone::rule_point& p) {
    if (s.empty()) return false;
    if (s[0] == 'M') {
        s.remove_prefix(1);
        int vals[3];
        for (int i = 0; i < 3; i++) {
            int x = 0;
            if (s.empty() || !std::isdigit((unsigned char)s[0])) return false;
            while (!s.empty() && std::isdigit((unsigned char)s[0])) {
                x = x * 10 + (s[0] - '0');
                s.remove_prefix(1);
            }
            vals[i] = x;
            if (i < 2) {
                if (s.empty() || s[0] != '.') return false;
                s.remove_prefix(1);
            }
        }
        p.k = zone::rule_point::kind::month_week_day;
        p.month = vals[0];
        p.week = vals[1];
        p.weekday = vals[2];
        if (p.month < 1 || p.month > 12 || p.week < 1 || p.week > 5 || p.weekday > 6) return false;
    } else {
        p.k = zone::rule_point::kind::julian0;
        if (s[0] == 'J') {
            p.k = zone::rule_point::kind::julian1;
            s.remove_prefix(1);
        }
        int x = 0;
        if (s.empty() || !std::isdigit((unsigned char)s[0])) return false;
        while (!s.empty() && std::isdigit((unsigned char)s[0])) {
            x = x * 10 + (s[0] - '0');
            s.remove_prefix(1);
        }
        p.day = x;
    }
    p.time = 7200;
    if (!s.empty() && s[0] == '/') {
        s.remove_prefix(1);
        int32_t t;
        if (!posix_time(s, t, true)) return false;
        p.time = t;
    }
    return true;
}

bool is_leap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Local seconds (relative to the given year's epoch day) of a rule point in `year`.
int64_t point_local_seconds(const zone::rule_point& p, int32_t year) {
    int64_t day;
    switch (p.k) {
    case zone::rule_point::kind::julian1: {
        int d = p.day; // 1..365, Feb 29 never counted
        int64_t jan1 = logical::days_from_civil({year, 1, 1});
        day = jan1 + d - 1;
        if (is_leap(year) && d >= 60) day++;
        break;
    }
    case zone::rule_point::kind::julian0:
        day = logical::days_from_civil({year, 1, 1}) + p.day;
        break;
    default: {
        int64_t first = logical::days_from_civil({year, uint32_t(p.month), 1});
        int wd = int((first + 4) % 7); // 1970-01-01 was a Thursday (4)
        if (wd < 0) wd += 7;
        int delta = (p.weekday - wd + 7) % 7;
        int64_t d = first + delta + (p.week - 1) * 7;
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int dim = mdays[p.month - 1] + (p.month == 2 && is_leap(year) ? 1 : 0);
        while (d >= first + dim) d -= 7;
        day = d;
    }
    }
    return day * 86400 + p.time;
}

std::mutex cache_mu;
std::map<std::string, zone_ptr, std::less<>> cache;

} // namespace

bool zone::parse_posix(std::string_view s, posix_rule& out) {
    out = posix_rule{};
    if (!posix_name(s)) return false;
    int32_t std_west;
    if (!posix_time(s, std_west, true)) return false;
    out.std_offset = -std_west;
    if (s.empty()) return true;
    if (!posix_name(s)) return false;
    out.has_dst = true;
    out.dst_offset = out.std_offset + 3600;
    if (!s.empty() && s[0] != ',') {
        int32_t dst_west;
        if (!posix_time(s, dst_west, true)) return false;
        out.dst_offset = -dst_west;
    }
    if (s.empty()) {
        // No rule: the US default of POSIX.
        out.start = {rule_point::kind::month_week_day, 3, 2, 0, 0, 7200};
        out.end = {rule_point::kind::month_week_day, 11, 1, 0, 0, 7200};
        return true;
    }
    if (s[0] != ',') return false;
    s.remove_prefix(1);
    if (!posix_point(s, out.start)) return false;
    if (s.empty() || s[0] != ',') return false;
    s.remove_prefix(1);
    if (!posix_point(s, out.end)) return false;
    return s.empty();
}

int32_t zone::rule_offset(int64_t utc) const {
    if (!_rule.has_dst) return _rule.std_offset;
    auto year = civil_from_seconds(utc + _rule.std_offset).year;
    // Transition instants in UTC: start is given in standard local time, end in DST local time.
    int64_t start = point_local_seconds(_rule.start, year) - _rule.std_offset;
    int64_t end = point_local_seconds(_rule.end, year) - _rule.dst_offset;
    bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
    return dst ? _rule.dst_offset : _rule.std_offset;
}

int32_t zone::offset_at(int64_t utc) const {
    if (_fixed) return _fixed_offset;
    if (_transitions.empty() || utc < _transitions.front())
        return _transitions.empty() && _has_rule ? rule_offset(utc) : _initial_offset;
    if (utc >= _transitions.back() && _has_rule) return rule_offset(utc);
    auto it = std::upper_bound(_transitions.begin(), _transitions.end(), utc);
    return _offsets[size_t(it - _transitions.begin()) - 1];
}

int32_t zone::offset_for_local(int64_t local) const {
    if (_fixed) return _fixed_offset;
    int32_t before = offset_at(local - 86400);
    int32_t after = offset_at(local + 86400);
    bool before_ok = offset_at(local - before) == before;
    bool after_ok = offset_at(local - after) == after;
    if (before_ok && after_ok) return std::max(before, after); // overlap: the earlier instant
    if (before_ok) return before;
    if (after_ok) return after;
    return before; // gap
}

std::shared_ptr<const zone> zone::utc() {
    static const zone_ptr z = [] {
        auto p = std::make_shared<zone>();
        p->_id = "UTC";
        p->_fixed = true;
        return p;
    }();
    return z;
}

std::shared_ptr<const zone> zone::load(std::string_view id) {
    {
        std::lock_guard g(cache_mu);
        if (auto it = cache.find(id); it != cache.end()) return it->second;
    }
    auto z = std::make_shared<zone>();
    z->_id = std::string(id);
    int32_t off = 0;
    if (id == "Z" || id == "UTC" || id == "GMT" || id == "UT" || id == "Etc/UTC" || id == "Etc/GMT") {
        z->_fixed = true;
    } else if (parse_offset(id, off)) {
        z->_fixed = true;
        z->_fixed_offset = off;
    } else if ((id.starts_with("UTC") || id.starts_with("GMT")) && parse_offset(id.substr(3), off)) {
        z->_fixed = true;
        z->_fixed_offset = off;
    } else if (id.starts_with("UT") && parse_offset(id.substr(2), off)) {
        z->_fixed = true;
        z->_fixed_offset = off;
    } else {
        // Region ids: letters, digits, '/', '_', '-', '+'; no "..", no leading '/'.
        if (id.empty() || id[0] == '/' || id.find("..") != std::string_view::npos) throw invalid(id);
        for (char c : id)
            if (!std::isalnum((unsigned char)c) && c != '/' && c != '_' && c != '-' && c != '+') throw invalid(id);
        std::ifstream f("/usr/share/zoneinfo/" + std::string(id), std::ios::binary);
        if (!f) throw invalid(id);
        std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        auto* p = reinterpret_cast<const unsigned char*>(data.data());
        size_t n = data.size();
        if (n < 44 || data.compare(0, 4, "TZif") != 0) throw invalid(id);
        auto counts = [&](size_t at, int64_t c[6]) {
            for (int i = 0; i < 6; i++) c[i] = read_be(p + at + 20 + i * 4, 4);
        };
        int64_t c[6]; // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
        counts(0, c);
        size_t pos = 44;
        int tsize = 4;
        if (data[4] >= '2') {
            pos += size_t(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
            if (pos + 44 > n || data.compare(pos, 4, "TZif") != 0) throw invalid(id);
            counts(pos, c);
            pos += 44;
            tsize = 8;
        }
        size_t need = size_t(c[3] * tsize + c[3] + c[4] * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0]);
        if (pos + need > n || c[4] <= 0) throw invalid(id);
        const unsigned char* times = p + pos;
        const unsigned char* idx = times + c[3] * tsize;
        const unsigned char* types = idx + c[3];
        std::vector<int32_t> type_off(static_cast<size_t>(c[4]));
        for (int64_t i = 0; i < c[4]; i++) type_off[size_t(i)] = int32_t(read_be(types + i * 6, 4));
        z->_initial_offset = type_off[0];
        for (int64_t i = 0; i < c[3]; i++) {
            z->_transitions.push_back(read_be(times + i * tsize, tsize));
            uint8_t t = idx[i];
            if (t >= type_off.size()) throw invalid(id);
            z->_offsets.push_back(type_off[t]);
        }
        pos += need;
        if (tsize == 8 && pos < n && data[pos] == '\n') {
            auto e = data.find('\n', pos + 1);
            if (e != std::string::npos && e > pos + 1) {
                z->_has_rule = parse_posix(std::string_view(data).substr(pos + 1, e - pos - 1), z->_rule);
            }
        }
        if (z->_transitions.empty() && !z->_has_rule) {
            z->_fixed = true;
            z->_fixed_offset = z->_initial_offset;
        }
    }
    std::lock_guard g(cache_mu);
    return cache.emplace(std::string(id), z).first->second;
}

civil_time civil_from_seconds(int64_t s) {
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t rem = s - days * 86400;
    auto d = logical::civil_from_days(int32_t(days));
    return {d.year, d.month, d.day, uint32_t(rem / 3600), uint32_t(rem % 3600 / 60), uint32_t(rem % 60)};
}

int64_t seconds_from_civil(int32_t y, uint32_t m, uint32_t d, uint32_t hh, uint32_t mm, uint32_t ss) {
    return int64_t(logical::days_from_civil({y, m, d})) * 86400 + hh * 3600 + mm * 60 + ss;
}

} // namespace ferry::plugins::jdbc::tz
