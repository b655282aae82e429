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
#endif

} // namespace ferry::config
