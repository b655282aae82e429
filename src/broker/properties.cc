#include "broker/properties.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace ferry::broker {
namespace {

bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\f';
}

// Joins continuation lines: a line ending in an odd number of backslashes continues on the next,
// whose leading whitespace is dropped.
std::vector<std::string> logical_lines(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    bool continuing = false;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++pos;
        if (continuing) {
            size_t i = 0;
            while (i < line.size() && is_ws(line[i]))
                ++i;
            line.remove_prefix(i);
        } else {
            size_t i = 0;
            while (i < line.size() && is_ws(line[i]))
                ++i;
            if (i == line.size() || line[i] == '#' || line[i] == '!') {
                if (end >= text.size()) break;
                continue;
            }
        }
        size_t backslashes = 0;
        for (size_t i = line.size(); i > 0 && line[i - 1] == '\\'; --i)
            ++backslashes;
        if (backslashes % 2 == 1) {
            cur.append(line.substr(0, line.size() - 1));
            continuing = true;
        } else {
            cur.append(line);
            out.push_back(std::move(cur));
            cur.clear();
            continuing = false;
        }
        if (end >= text.size()) break;
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c != '\\' || i + 1 == s.size()) {
            out.push_back(c);
            continue;
        }
        char n = s[++i];
        switch (n) {
        case 't':
            out.push_back('\t');
            break;
        case 'n':
            out.push_back('\n');
            break;
        case 'r':
            out.push_back('\r');
            break;
        case 'f':
            out.push_back('\f');
            break;
        case 'u':
            if (i + 4 < s.size()) {
                unsigned cp = 0;
                for (size_t k = 1; k <= 4; ++k) {
                    char h = s[i + k];
                    cp = cp * 16 + static_cast<unsigned>(h >= '0' && h <= '9'   ? h - '0'
                                                         : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                                         : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                                                : 0);
                }
                i += 4;
                if (cp < 0x80)
                    out.push_back(static_cast<char>(cp));
                else if (cp < 0x800) {
                    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                } else {
                    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
                    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                }
            }
            break;
        default:
            out.push_back(n);
        }
    }
    return out;
}

} // namespace

std::map<std::string, std::string> parse_properties(std::string_view text) {
    std::map<std::string, std::string> props;
    for (auto& line : logical_lines(text)) {
        size_t i = 0;
        while (i < line.size() && is_ws(line[i]))
            ++i;
        size_t key_start = i;
        while (i < line.size()) {
            char c = line[i];
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '=' || c == ':' || is_ws(c)) break;
            ++i;
        }
        std::string key = unescape(std::string_view(line).substr(key_start, std::min(i, line.size()) - key_start));
        while (i < line.size() && is_ws(line[i]))
            ++i;
        if (i < line.size() && (line[i] == '=' || line[i] == ':')) ++i;
        while (i < line.size() && is_ws(line[i]))
            ++i;
        std::string value = i < line.size() ? unescape(std::string_view(line).substr(i)) : std::string();
        if (!key.empty()) props[key] = value;
    }
    return props;
}

result<std::map<std::string, std::string>> read_properties_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::not_found, "cannot read properties file {}", path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_properties(text);
}

} // namespace ferry::broker
