#include "config/properties.hpp"

#include "config/java_text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ferry::config {

void properties::set(std::string key, std::string value, int line) {
    if (auto it = _index.find(key); it != _index.end()) {
        _entries[it->second].value = std::move(value);
        _entries[it->second].line = line;
        return;
    }
    _index.emplace(key, _entries.size());
    _entries.push_back({std::move(key), std::move(value), line});
}

bool properties::erase(std::string_view key) {
    auto it = _index.find(key);
    if (it == _index.end()) return false;
    size_t pos = it->second;
    _index.erase(it);
    _entries.erase(_entries.begin() + static_cast<std::ptrdiff_t>(pos));
    for (auto& [k, i] : _index)
        if (i > pos) --i;
    return true;
}

const property* properties::find(std::string_view key) const {
    auto it = _index.find(key);
    return it == _index.end() ? nullptr : &_entries[it->second];
}

const std::string* properties::get(std::string_view key) const {
    const property* p = find(key);
    return p ? &p->value : nullptr;
}

config_map properties::to_map() const {
    config_map m;
    for (const auto& e : _entries) m.emplace(e.key, e.value);
    return m;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// A logical line and, for error messages, the natural line each of its pieces came from.
struct logical_line {
    std::string buf;
    std::vector<std::pair<size_t, int>> pieces; // (offset in buf, 1-based line number)

    int line_at(size_t offset) const {
        auto it = std::upper_bound(pieces.begin(), pieces.end(), offset,
                                   [](size_t off, const auto& p) { return off < p.first; });
        return it == pieces.begin() ? pieces.front().second : std::prev(it)->second;
    }
};

// Port of java.util.Properties.LineReader#readLine over an in-memory buffer.
class line_reader {
public:
    explicit line_reader(std::string_view text) : _text(text) {}

    bool read(logical_line& out) {
        out.buf.clear();
        out.pieces.clear();
        bool skip_white = true, appended_line_begin = false, preceding_backslash = false, new_piece = true;
        while (true) {
            if (_pos >= _text.size()) {
                if (out.buf.empty()) return false;
                if (preceding_backslash) out.buf.pop_back();
                return true;
            }
            int line = _line;
            char c = next();
            if (skip_white) {
                if (is_blank(c)) continue;
                if (!appended_line_begin && (c == '\r' || c == '\n')) continue;
                skip_white = false;
                appended_line_begin = false;
            }
            if (out.buf.empty() && (c == '#' || c == '!')) {
                while (_pos < _text.size()) {
                    char d = next();
                    if (d == '\r' || d == '\n') break;
                }
                if (_pos >= _text.size()) return false;
                skip_white = true;
                continue;
            }
            if (c != '\n' && c != '\r') {
                if (new_piece) {
                    out.pieces.emplace_back(out.buf.size(), line);
                    new_piece = false;
                }
                out.buf.push_back(c);
                preceding_backslash = c == '\\' ? !preceding_backslash : false;
                continue;
            }
            // End of a natural line.
            if (out.buf.empty()) {
                skip_white = true;
                continue;
            }
            if (_pos >= _text.size()) {
                if (preceding_backslash) out.buf.pop_back();
                return true;
            }
            if (!preceding_backslash) return true;
            out.buf.pop_back(); // the continuation backslash is not part of the line
            skip_white = true;
            appended_line_begin = true;
            preceding_backslash = false;
            new_piece = true;
            if (c == '\r' && _text[_pos] == '\n') next();
        }
    }

private:
    char next() {
        char c = _text[_pos++];
        if (c == '\n') {
            if (!_after_cr) ++_line;
            _after_cr = false;
        } else if (c == '\r') {
            ++_line;
            _after_cr = true;
        } else {
            _after_cr = false;
        }
        return c;
    }

    std::string_view _text;
    size_t _pos = 0;
    int _line = 1;
    bool _after_cr = false;
};

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Port of Properties#loadConvert. Returns the offset of a malformed \u escape on failure.
result<std::string> load_convert(const logical_line& line, size_t off, size_t end, std::string_view source) {
    std::string out;
    out.reserve(end - off);
    uint32_t pending_high = 0; // a \u high surrogate waiting for its low half
    auto flush_pending = [&] {
        if (pending_high) out += '?';
        pending_high = 0;
    };
    while (off < end) {
        char c = line.buf[off++];
        if (c != '\\') {
            flush_pending();
            out += c;
            continue;
        }
        if (off >= end) break; // unreachable: the line reader drops an unpaired trailing backslash
        size_t escape_at = off - 1;
        c = line.buf[off++];
        if (c != 'u') {
            flush_pending();
            out += c == 't' ? '\t' : c == 'r' ? '\r' : c == 'n' ? '\n' : c == 'f' ? '\f' : c;
            continue;
        }
        uint32_t unit = 0;
        bool ok = end - off >= 4;
        for (int i = 0; ok && i < 4; ++i) {
            int h = hex_value(line.buf[off++]);
            ok = h >= 0;
            unit = (unit << 4) | static_cast<uint32_t>(h < 0 ? 0 : h);
        }
        if (!ok) return fail(errc::invalid_argument, "{}:{}: malformed \\uxxxx encoding", source, line.line_at(escape_at));
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            flush_pending();
            pending_high = unit;
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            if (pending_high) {
                append_utf8(out, 0x10000 + ((pending_high - 0xD800) << 10) + (unit - 0xDC00));
                pending_high = 0;
            } else {
                out += '?';
            }
        } else {
            flush_pending();
            append_utf8(out, unit);
        }
    }
    flush_pending();
    return out;
}

} // namespace

result<properties> parse_properties(std::string_view text, std::string_view source) {
    properties props;
    line_reader reader(text);
    logical_line line;
    while (reader.read(line)) {
        const std::string& b = line.buf;
        const size_t limit = b.size();
        size_t key_len = 0, value_start = limit;
        bool has_sep = false, preceding_backslash = false;
        while (key_len < limit) {
            char c = b[key_len];
            if ((c == '=' || c == ':') && !preceding_backslash) {
                value_start = key_len + 1;
                has_sep = true;
                break;
            }
            if (is_blank(c) && !preceding_backslash) {
                value_start = key_len + 1;
                break;
            }
            preceding_backslash = c == '\\' ? !preceding_backslash : false;
            ++key_len;
        }
        while (value_start < limit) {
            char c = b[value_start];
            if (!is_blank(c)) {
                if (!has_sep && (c == '=' || c == ':'))
                    has_sep = true;
                else
                    break;
            }
            ++value_start;
        }
        auto key = load_convert(line, 0, key_len, source);
        if (!key) return fail(std::move(key).error());
        auto value = load_convert(line, value_start, limit, source);
        if (!value) return fail(std::move(value).error());
        props.set(std::move(*key), std::move(*value), line.pieces.empty() ? 0 : line.pieces.front().second);
    }
    return props;
}

result<properties> load_properties(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::io, "cannot read {}: {}", path, std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return fail(errc::io, "cannot read {}: {}", path, std::strerror(errno));
    return parse_properties(ss.str(), path);
}

// ---------------------------------------------------------------------------------------------
// store

namespace {

// Calls f(code point, its bytes) for each UTF-8 sequence (see java::next_code_point for bytes
// that form none).
template <class F>
void for_each_code_point(std::string_view s, F f) {
    for (size_t i = 0; i < s.size();) {
        size_t start = i;
        uint32_t cp = java::next_code_point(s, i);
        f(cp, s.substr(start, i - start));
    }
}

void append_u_escape(std::string& out, uint32_t unit) {
    static const char digits[] = "0123456789ABCDEF";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += digits[(unit >> shift) & 0xF];
}

// Port of Properties#saveConvert, per code point instead of per UTF-16 unit.
void save_convert(std::string& out, std::string_view s, bool escape_space, bool escape_unicode) {
    bool first = true;
    for_each_code_point(s, [&](uint32_t c, std::string_view raw) {
        bool at_start = first;
        first = false;
        if (c > 61 && c < 127) {
            if (c == '\\') out += "\\\\";
            else out += static_cast<char>(c);
            return;
        }
        switch (c) {
        case ' ':
            if (at_start || escape_space) out += '\\';
            out += ' ';
            return;
        case '\t': out += "\\t"; return;
        case '\n': out += "\\n"; return;
        case '\r': out += "\\r"; return;
        case '\f': out += "\\f"; return;
        case '=':
        case ':':
        case '#':
        case '!':
            out += '\\';
            out += static_cast<char>(c);
            return;
        default:
            if ((c < 0x20 || c > 0x7e) && escape_unicode) {
                if (c >= 0x10000) {
                    append_u_escape(out, 0xD800 + ((c - 0x10000) >> 10));
                    append_u_escape(out, 0xDC00 + ((c - 0x10000) & 0x3FF));
                } else {
                    append_u_escape(out, c);
                }
            } else {
                out += raw;
            }
        }
    });
}

} // namespace

std::string store_properties(const properties& props, const store_options& opts) {
    std::string out;
    if (!opts.comments.empty()) {
        // Java's writeComments: each line gets '#' unless it already starts with '#' or '!'.
        out += '#';
        std::string_view c = opts.comments;
        for (size_t i = 0; i < c.size(); ++i) {
            char ch = c[i];
            if (ch == '\r' || ch == '\n') {
                out += '\n';
                if (ch == '\r' && i + 1 < c.size() && c[i + 1] == '\n') ++i;
                if (i + 1 == c.size() || (c[i + 1] != '#' && c[i + 1] != '!')) out += '#';
            } else {
                out += ch;
            }
        }
        out += '\n';
    }
    for (const auto& e : props.entries()) {
        save_convert(out, e.key, true, opts.escape_unicode);
        out += '=';
        save_convert(out, e.value, false, opts.escape_unicode);
        out += '\n';
    }
    return out;
}

std::string store_properties(const config_map& props, const store_options& opts) {
    properties p;
    for (const auto& [k, v] : props) p.set(k, v);
    return store_properties(p, opts);
}

} // namespace ferry::config
