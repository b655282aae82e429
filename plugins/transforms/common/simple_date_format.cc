#include "plugins/transforms/common/simple_date_format.hpp"

#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <stdexcept>

namespace ferry::transforms {

namespace {

constexpr int64_t millis_per_day = 86400000;
constexpr std::string_view pattern_letters = "GyMdkHmsSEDFwWahKzZYuXL";
constexpr std::array<std::string_view, 12> months = {"January",   "February", "March",    "April",
                                                     "May",       "June",     "July",     "August",
                                                     "September", "October",  "November", "December"};
constexpr std::array<std::string_view, 12> short_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> weekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> short_weekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 2> ampm = {"AM", "PM"};
constexpr std::array<std::string_view, 2> eras = {"BC", "AD"};

int64_t floor_div(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
int64_t floor_mod(int64_t a, int64_t b) {
    return a - floor_div(a, b) * b;
}

bool is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t days_of(int64_t year, int64_t month1, int64_t day1) {
    return logical::days_from_civil({static_cast<int32_t>(year), static_cast<uint32_t>(month1), 1}) + (day1 - 1);
}

bool is_numeric(char letter) {
    // Text fields: era, month/day names (only with 3+ letters for M/L), am/pm, zones.
    return letter != 'G' && letter != 'E' && letter != 'a' && letter != 'z' && letter != 'Z' && letter != 'X';
}

void pad(std::string& out, int64_t v, int width) {
    auto digits = fmt::format("{}", v);
    for (int i = static_cast<int>(digits.size()); i < width; ++i)
        out.push_back('0');
    out += digits;
}

struct broken_down {
    int64_t year, month, day, hour, minute, second, milli, dow, doy; // month 1-12, dow 0 = Sunday
};

broken_down break_down(int64_t ms) {
    int64_t days = floor_div(ms, millis_per_day);
    int64_t rest = ms - days * millis_per_day;
    auto c = logical::civil_from_days(static_cast<int32_t>(days));
    broken_down b{};
    b.year = c.year;
    b.month = c.month;
    b.day = c.day;
    b.hour = rest / 3600000;
    b.minute = rest / 60000 % 60;
    b.second = rest / 1000 % 60;
    b.milli = rest % 1000;
    b.dow = floor_mod(days + 4, 7); // 1970-01-01 was a Thursday
    b.doy = days - days_of(b.year, 1, 1) + 1;
    return b;
}

// US week rules (weeks start on Sunday; week 1 holds January 1st).
void week_of_year(const broken_down& b, int64_t& week, int64_t& week_year) {
    int64_t days_in_year = is_leap(b.year) ? 366 : 365;
    if (b.doy + (6 - b.dow) > days_in_year) {
        week = 1;
        week_year = b.year + 1;
        return;
    }
    int64_t jan1_dow = floor_mod(b.dow - (b.doy - 1), 7);
    week = (b.doy - 1 + jan1_dow) / 7 + 1;
    week_year = b.year;
}

} // namespace

simple_date_format::simple_date_format(std::string_view pattern) : _pattern(pattern) {
    size_t i = 0;
    auto add_literal = [&](char c) {
        if (!_items.empty() && _items.back().letter == 0)
            _items.back().literal.push_back(c);
        else
            _items.push_back({0, 0, std::string(1, c)});
    };
    while (i < pattern.size()) {
        char c = pattern[i];
        if (c == '\'') {
            if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
                add_literal('\'');
                i += 2;
                continue;
            }
            size_t j = i + 1;
            std::string lit;
            bool closed = false;
            while (j < pattern.size()) {
                if (pattern[j] == '\'') {
                    if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
                        lit.push_back('\'');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                lit.push_back(pattern[j++]);
            }
            if (!closed) throw std::invalid_argument("Unterminated quote");
            for (char l : lit)
                add_literal(l);
            i = j + 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            if (pattern_letters.find(c) == std::string_view::npos)
                throw std::invalid_argument(fmt::format("Illegal pattern character '{}'", c));
            size_t j = i;
            while (j < pattern.size() && pattern[j] == c)
                ++j;
            _items.push_back({c, static_cast<int>(j - i), {}});
            i = j;
        } else {
            add_literal(c);
            ++i;
        }
    }
}

std::string simple_date_format::format(int64_t epoch_millis) const {
    std::string out;
    format_to(out, epoch_millis);
    return out;
}

void simple_date_format::format_to(std::string& out, int64_t ms) const {
    broken_down b = break_down(ms);
    int64_t year_of_era = b.year > 0 ? b.year : 1 - b.year;
    for (const auto& it : _items) {
        int n = it.count;
        switch (it.letter) {
        case 0:
            out += it.literal;
            break;
        case 'G':
            out += eras[b.year > 0 ? 1 : 0];
            break;
        case 'y':
        case 'Y': {
            int64_t y = year_of_era;
            if (it.letter == 'Y') {
                int64_t w, wy;
                week_of_year(b, w, wy);
                y = wy > 0 ? wy : 1 - wy;
            }
            if (n == 2)
                pad(out, y % 100, 2);
            else
                pad(out, y, n);
            break;
        }
        case 'M':
        case 'L':
            if (n >= 4)
                out += months[b.month - 1];
            else if (n == 3)
                out += short_months[b.month - 1];
            else
                pad(out, b.month, n);
            break;
        case 'w': {
            int64_t w, wy;
            week_of_year(b, w, wy);
            pad(out, w, n);
            break;
        }
        case 'W': {
            int64_t first_dow = floor_mod(b.dow - (b.day - 1), 7);
            pad(out, (b.day - 1 + first_dow) / 7 + 1, n);
            break;
        }
        case 'D':
            pad(out, b.doy, n);
            break;
        case 'd':
            pad(out, b.day, n);
            break;
        case 'F':
            pad(out, (b.day - 1) / 7 + 1, n);
            break;
        case 'E':
            out += n >= 4 ? weekdays[b.dow] : short_weekdays[b.dow];
            break;
        case 'u':
            pad(out, b.dow == 0 ? 7 : b.dow, n);
            break;
        case 'a':
            out += ampm[b.hour < 12 ? 0 : 1];
            break;
        case 'H':
            pad(out, b.hour, n);
            break;
        case 'k':
            pad(out, b.hour == 0 ? 24 : b.hour, n);
            break;
        case 'K':
            pad(out, b.hour % 12, n);
            break;
        case 'h':
            pad(out, b.hour % 12 == 0 ? 12 : b.hour % 12, n);
            break;
        case 'm':
            pad(out, b.minute, n);
            break;
        case 's':
            pad(out, b.second, n);
            break;
        case 'S':
            pad(out, b.milli, n);
            break;
        case 'z':
            out += n >= 4 ? "Coordinated Universal Time" : "UTC";
            break;
        case 'Z':
            out += "+0000";
            break;
        case 'X':
            out += "Z";
            break; // ISO 8601 writes a zero offset as Z in every width
        }
    }
}

namespace {

bool iequals_at(std::string_view text, size_t pos, std::string_view word) {
    if (text.size() - pos < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
        char a = text[pos + i], b = word[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

// DateFormat.matchString: the longest entry matching at `pos`, ignoring case; -1 if none.
template <size_t N> int match_text(std::string_view text, size_t& pos, const std::array<std::string_view, N>& words) {
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < N; ++i)
        if (words[i].size() > best_len && iequals_at(text, pos, words[i])) {
            best = static_cast<int>(i);
            best_len = words[i].size();
        }
    if (best >= 0) pos += best_len;
    return best;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// SimpleDateFormat.subParseNumericZone; returns false on failure.
bool numeric_zone(std::string_view text, size_t& pos, int sign, int count, bool colon, int64_t& offset) {
    auto at = [&](size_t i) -> int { return i < text.size() ? text[i] : -1; };
    size_t i = pos;
    int c = at(i++);
    if (c < 0 || !is_digit(static_cast<char>(c))) return false;
    int hours = c - '0';
    c = at(i++);
    if (c >= 0 && is_digit(static_cast<char>(c))) {
        hours = hours * 10 + (c - '0');
    } else {
        if (count > 0 || !colon || c < 0) return false;
        --i;
    }
    if (hours > 23) return false;
    int minutes = 0;
    if (count != 1) {
        c = at(i++);
        if (colon) {
            if (c != ':') return false;
            c = at(i++);
        }
        if (c < 0 || !is_digit(static_cast<char>(c))) return false;
        minutes = c - '0';
        c = at(i++);
        if (c < 0 || !is_digit(static_cast<char>(c))) return false;
        minutes = minutes * 10 + (c - '0');
        if (minutes > 59) return false;
    }
    offset = int64_t(sign) * (hours * 60 + minutes) * 60000;
    pos = i;
    return true;
}

int64_t century_start_year() {
    using namespace std::chrono;
    auto now = floor<days>(system_clock::now());
    return static_cast<int>(year_month_day(now).year()) - 80;
}

} // namespace

std::optional<int64_t> simple_date_format::parse(std::string_view text) const {
    std::optional<int64_t> year, month, day, doy, hour_of_day, hour12, minute, second, milli, offset;
    int pm = -1;
    bool bc = false;
    int order = 0, hour_of_day_order = -1, hour12_order = -1;
    size_t pos = 0;
    for (size_t idx = 0; idx < _items.size(); ++idx) {
        const item& it = _items[idx];
        if (it.letter == 0) {
            for (char c : it.literal) {
                if (pos >= text.size() || text[pos] != c) return std::nullopt;
                ++pos;
            }
            continue;
        }
        // Spaces and tabs before a field are skipped; running out of text fails.
        while (true) {
            if (pos >= text.size()) return std::nullopt;
            if (text[pos] != ' ' && text[pos] != '\t') break;
            ++pos;
        }
        char letter = it.letter;
        bool text_month = (letter == 'M' || letter == 'L') && it.count >= 3;
        if (!is_numeric(letter) || text_month) {
            size_t p = pos;
            switch (letter) {
            case 'G': {
                int e = match_text(text, p, eras);
                if (e < 0) return std::nullopt;
                bc = e == 0;
                break;
            }
            case 'M':
            case 'L': {
                int m = match_text(text, p, months);
                if (m < 0) m = match_text(text, p, short_months);
                if (m < 0) return std::nullopt;
                month = m + 1;
                break;
            }
            case 'E': {
                int d = match_text(text, p, weekdays);
                if (d < 0) d = match_text(text, p, short_weekdays);
                if (d < 0) return std::nullopt;
                break;
            }
            case 'a': {
                int a = match_text(text, p, ampm);
                if (a < 0) return std::nullopt;
                pm = a;
                break;
            }
            case 'X': {
                if (text[p] == 'Z') {
                    offset = 0;
                    ++p;
                    break;
                }
                int sign = text[p] == '+' ? 1 : text[p] == '-' ? -1 : 0;
                if (sign == 0) return std::nullopt;
                ++p;
                int64_t off = 0;
                if (!numeric_zone(text, p, sign, it.count, it.count == 3, off)) return std::nullopt;
                offset = off;
                break;
            }
            default: { // 'z' and 'Z'
                int sign = text[p] == '+' ? 1 : text[p] == '-' ? -1 : 0;
                int64_t off = 0;
                if (sign != 0) {
                    ++p;
                    if (!numeric_zone(text, p, sign, 0, false, off)) return std::nullopt;
                } else if (iequals_at(text, p, "GMT")) {
                    p += 3;
                    sign = p < text.size() ? (text[p] == '+' ? 1 : text[p] == '-' ? -1 : 0) : 0;
                    if (sign != 0) {
                        ++p;
                        if (!numeric_zone(text, p, sign, 0, true, off)) return std::nullopt;
                    }
                } else {
                    static constexpr std::array<std::string_view, 4> utc_names = {"Coordinated Universal Time",
                                                                                  "Greenwich Mean Time", "UTC", "GMT"};
                    if (match_text(text, p, utc_names) < 0) return std::nullopt;
                }
                offset = off;
                break;
            }
            }
            pos = p;
            continue;
        }
        // A numeric field directly followed by another field reads exactly `count` characters.
        bool obey_count = idx + 1 < _items.size() && _items[idx + 1].letter != 0;
        size_t limit = obey_count ? pos + static_cast<size_t>(it.count) : text.size();
        if (limit > text.size()) return std::nullopt;
        size_t p = pos;
        bool negative = false;
        if (p < limit && text[p] == '-') {
            negative = true;
            ++p;
        }
        size_t digits_start = p;
        int64_t v = 0;
        while (p < limit && is_digit(text[p])) {
            if (v < (int64_t(1) << 58)) v = v * 10 + (text[p] - '0');
            ++p;
        }
        if (p == digits_start) return std::nullopt;
        if (negative) v = -v;
        size_t consumed = p - pos;
        pos = p;
        ++order;
        switch (letter) {
        case 'y':
        case 'Y':
            if (letter == 'Y' && year) break; // the calendar year wins over a week year
            if (it.count <= 2 && consumed == 2 && !negative) {
                int64_t start = century_start_year();
                int64_t ambiguous = start % 100;
                v += (start / 100) * 100 + (v < ambiguous ? 100 : 0);
            }
            year = v;
            break;
        case 'M':
        case 'L':
            month = v;
            break;
        case 'd':
            day = v;
            break;
        case 'D':
            doy = v;
            break;
        case 'H':
            hour_of_day = v;
            hour_of_day_order = order;
            break;
        case 'k':
            hour_of_day = v == 24 ? 0 : v;
            hour_of_day_order = order;
            break;
        case 'h':
            hour12 = v == 12 ? 0 : v;
            hour12_order = order;
            break;
        case 'K':
            hour12 = v;
            hour12_order = order;
            break;
        case 'm':
            minute = v;
            break;
        case 's':
            second = v;
            break;
        case 'S':
            milli = v;
            break;
        default:
            break; // w W F u: read, not used (see the header)
        }
    }
    int64_t y = year.value_or(1970);
    if (bc) y = 1 - y;
    int64_t days;
    if (doy && !month && !day) {
        days = days_of(y, 1, 1) + (*doy - 1);
    } else {
        int64_t m0 = month.value_or(1) - 1;
        y += floor_div(m0, 12);
        m0 = floor_mod(m0, 12);
        days = days_of(y, m0 + 1, 1) + (day.value_or(1) - 1);
    }
    int64_t hour = 0;
    if (hour_of_day && hour_of_day_order > hour12_order)
        hour = *hour_of_day;
    else if (hour12)
        hour = *hour12 + (pm == 1 ? 12 : 0);
    else if (pm == 1)
        hour = 12;
    return days * millis_per_day + hour * 3600000 + minute.value_or(0) * 60000 + second.value_or(0) * 1000 +
           milli.value_or(0) - offset.value_or(0);
}

} // namespace ferry::transforms
