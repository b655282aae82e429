#include "config/regex.hpp"

#ifdef FERRY_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#else
#include <regex>
#endif

namespace ferry::config {

#ifdef FERRY_HAVE_PCRE2
struct regex::impl {
    pcre2_code* code = nullptr;
    ~impl() { pcre2_code_free(code); }
};

result<regex> regex::compile(std::string_view pattern) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &offset, nullptr);
    if (!code) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(err, buf, sizeof buf);
        return fail(errc::invalid_argument, "{} near index {}", reinterpret_cast<const char*>(buf), offset);
    }
    auto i = std::make_shared<impl>();
    i->code = code;
    regex r;
    r._impl = std::move(i);
    return r;
}

bool regex::full_match(std::string_view s) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(_impl->code, nullptr);
    int rc = pcre2_match(_impl->code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0,
                         PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, nullptr);
    pcre2_match_data_free(md);
    return rc >= 0;
}

bool regex::find(std::string_view s, size_t start, std::vector<span>& groups) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(_impl->code, nullptr);
    int rc = pcre2_match(_impl->code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, md, nullptr);
    bool found = rc >= 0;
    if (found) {
        uint32_t n = pcre2_get_ovector_count(md);
        PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        groups.assign(static_cast<size_t>(group_count()) + 1, span{npos, npos});
        for (uint32_t i = 0; i < n && i < groups.size(); ++i)
            if (ov[2 * i] != PCRE2_UNSET) groups[i] = {ov[2 * i], ov[2 * i + 1]};
    }
    pcre2_match_data_free(md);
    return found;
}

int regex::group_count() const {
    uint32_t n = 0;
    pcre2_pattern_info(_impl->code, PCRE2_INFO_CAPTURECOUNT, &n);
    return static_cast<int>(n);
}

namespace {
int named_group(const pcre2_code* code, const std::string& name) {
    int n = pcre2_substring_number_from_name(code, reinterpret_cast<PCRE2_SPTR>(name.c_str()));
    return n > 0 ? n : -1;
}
} // namespace
#else
struct regex::impl {
    std::regex re;
};

result<regex> regex::compile(std::string_view pattern) {
    try {
        auto i = std::make_shared<impl>();
        i->re = std::regex(std::string(pattern));
        regex r;
        r._impl = std::move(i);
        return r;
    } catch (const std::regex_error& e) {
        return fail(errc::invalid_argument, "{}", e.what());
    }
}

bool regex::full_match(std::string_view s) const { return std::regex_match(s.begin(), s.end(), _impl->re); }

bool regex::find(std::string_view s, size_t start, std::vector<span>& groups) const {
    std::match_results<std::string_view::const_iterator> m;
    if (start > s.size() || !std::regex_search(s.begin() + start, s.end(), m, _impl->re)) return false;
    groups.assign(m.size(), span{npos, npos});
    for (size_t i = 0; i < m.size(); ++i)
        if (m[i].matched)
            groups[i] = {static_cast<size_t>(m[i].first - s.begin()), static_cast<size_t>(m[i].second - s.begin())};
    return true;
}

int regex::group_count() const { return static_cast<int>(_impl->re.mark_count()); }

namespace {
// std::regex (ECMAScript) has no named groups.
int named_group(const std::regex&, const std::string&) { return -1; }
} // namespace
#endif

// Matcher.appendExpandedReplacement, error texts included.
result<std::string> regex::replace_first(std::string_view s, std::string_view replacement) const {
    std::vector<span> g;
    if (!find(s, 0, g)) return std::string(s);
    std::string out(s.substr(0, g[0].first));
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    auto is_alnum = [&](char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    size_t cursor = 0;
    while (cursor < replacement.size()) {
        char c = replacement[cursor];
        if (c == '\\') {
            if (++cursor == replacement.size()) return fail(errc::invalid_argument, "character to be escaped is missing");
            out.push_back(replacement[cursor++]);
        } else if (c == '$') {
            if (++cursor == replacement.size())
                return fail(errc::invalid_argument, "Illegal group reference: group index is missing");
            int ref = -1;
            if (replacement[cursor] == '{') {
                ++cursor;
                std::string name;
                while (cursor < replacement.size() && is_alnum(replacement[cursor])) name.push_back(replacement[cursor++]);
                if (name.empty()) return fail(errc::invalid_argument, "named capturing group has 0 length name");
                if (cursor == replacement.size() || replacement[cursor] != '}')
                    return fail(errc::invalid_argument, "named capturing group is missing trailing '}}'");
                if (is_digit(name[0]))
                    return fail(errc::invalid_argument, "capturing group name {{{}}} starts with digit character", name);
#ifdef FERRY_HAVE_PCRE2
                ref = named_group(_impl->code, name);
#else
                ref = named_group(_impl->re, name);
#endif
                if (ref < 0) return fail(errc::invalid_argument, "No group with name {{{}}}", name);
                ++cursor;
            } else {
                if (!is_digit(replacement[cursor])) return fail(errc::invalid_argument, "Illegal group reference");
                ref = replacement[cursor++] - '0';
                // The longest run of digits that still names an existing group.
                while (cursor < replacement.size() && is_digit(replacement[cursor])) {
                    int next = ref * 10 + (replacement[cursor] - '0');
                    if (group_count() < next) break;
                    ref = next;
                    ++cursor;
                }
            }
            if (ref > group_count()) return fail(errc::invalid_argument, "No group {}", ref);
            if (g[ref].first != npos) out.append(s.substr(g[ref].first, g[ref].second - g[ref].first));
        } else {
            out.push_back(c);
            ++cursor;
        }
    }
    out.append(s.substr(g[0].second));
    return out;
}

} // namespace ferry::config
