#include "schema_registry/avro/json.hpp"

#include "ferry/data/value.hpp"

#include <charconv>
#include <cmath>

namespace ferry::avro {

const json* json::get(std::string_view key) const {
    if (_k != kind::object) return nullptr;
    for (auto& [k, v] : _o)
        if (k == key) return &v;
    return nullptr;
}

void json::set(std::string key, json v) {
    for (auto& [k, old] : _o) {
        if (k == key) {
            old = std::move(v);
            return;
        }
    }
    _o.emplace_back(std::move(key), std::move(v));
}

bool operator==(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
        if (a._k == json::kind::integer && b._k == json::kind::integer) return a._i == b._i;
        return a.as_double() == b.as_double();
    }
    if (a._k != b._k) return false;
    switch (a._k) {
    case json::kind::null: return true;
    case json::kind::boolean: return a._b == b._b;
    case json::kind::string: return a._s == b._s;
    case json::kind::array: return a._a == b._a;
    case json::kind::object: return a._o == b._o;
    default: return false;
    }
}

namespace {

// Deep enough for any real schema, shallow enough that hostile input cannot exhaust the stack.
constexpr int k_max_depth = 512;

struct parser {
    std::string_view in;
    size_t pos = 0;
    std::string err;

    void ws() {
        while (pos < in.size() && (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' || in[pos] == '\r')) pos++;
    }
    bool fail(std::string m) {
        if (err.empty()) err = fmt::format("{} at offset {}", m, pos);
        return false;
    }
    bool literal(std::string_view w) {
        if (in.substr(pos, w.size()) != w) return fail("unexpected token");
        pos += w.size();
        return true;
    }
    static void put_utf8(uint32_t cp, std::string& out) {
        if (cp < 0x80) {
            out.push_back(char(cp));
        } else if (cp < 0x800) {
            out.push_back(char(0xc0 | (cp >> 6)));
            out.push_back(char(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.push_back(char(0xe0 | (cp >> 12)));
            out.push_back(char(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(char(0x80 | (cp & 0x3f)));
        } else {
            out.push_back(char(0xf0 | (cp >> 18)));
            out.push_back(char(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(char(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(char(0x80 | (cp & 0x3f)));
        }
    }
    bool hex4(uint32_t& v) {
        if (pos + 4 > in.size()) return fail("truncated \\u escape");
        v = 0;
        for (int i = 0; i < 4; i++) {
            char c = in[pos++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= uint32_t(c - '0');
            else if (c >= 'a' && c <= 'f') v |= uint32_t(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= uint32_t(c - 'A' + 10);
            else return fail("bad \\u escape");
        }
        return true;
    }
    bool str(std::string& out) {
        if (pos >= in.size() || in[pos] != '"') return fail("expected a string");
        pos++;
        while (true) {
            if (pos >= in.size()) return fail("unterminated string");
            char c = in[pos++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (pos >= in.size()) return fail("unterminated escape");
            char e = in[pos++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xd800 && cp < 0xdc00 && pos + 6 <= in.size() && in[pos] == '\\' && in[pos + 1] == 'u') {
                    size_t save = pos;
                    pos += 2;
                    uint32_t lo = 0;
                    if (!hex4(lo)) return false;
                    if (lo >= 0xdc00 && lo < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    else pos = save;
                }
                put_utf8(cp, out);
                break;
            }
            default: return fail("bad escape");
            }
        }
    }
    bool number(json& out) {
        size_t start = pos;
        bool integral = true;
        if (pos < in.size() && in[pos] == '-') pos++;
        if (pos >= in.size() || !(in[pos] >= '0' && in[pos] <= '9')) return fail("bad number");
        while (pos < in.size() && in[pos] >= '0' && in[pos] <= '9') pos++;
        if (pos < in.size() && in[pos] == '.') {
            integral = false;
            pos++;
            if (pos >= in.size() || !(in[pos] >= '0' && in[pos] <= '9')) return fail("bad number");
            while (pos < in.size() && in[pos] >= '0' && in[pos] <= '9') pos++;
        }
        if (pos < in.size() && (in[pos] == 'e' || in[pos] == 'E')) {
            integral = false;
            pos++;
            if (pos < in.size() && (in[pos] == '+' || in[pos] == '-')) pos++;
            if (pos >= in.size() || !(in[pos] >= '0' && in[pos] <= '9')) return fail("bad number");
            while (pos < in.size() && in[pos] >= '0' && in[pos] <= '9') pos++;
        }
        const char* b = in.data() + start;
        const char* e = in.data() + pos;
        if (integral) {
            int64_t i = 0;
            auto r = std::from_chars(b, e, i);
            if (r.ec == std::errc() && r.ptr == e) {
                out = json::integer(i);
                return true;
            }
        }
        double d = 0;
        auto r = std::from_chars(b, e, d);
        if (r.ec != std::errc() && r.ec != std::errc::result_out_of_range) return fail("bad number");
        out = json::number(d);
        return true;
    }
    bool value(json& out, int depth) {
        if (depth > k_max_depth) return fail("nesting too deep");
        ws();
        if (pos >= in.size()) return fail("unexpected end of input");
        char c = in[pos];
        if (c == '{') {
            pos++;
            json::members m;
            ws();
            if (pos < in.size() && in[pos] == '}') {
                pos++;
                out = json::object(std::move(m));
                return true;
            }
            while (true) {
                ws();
                std::string k;
                if (!str(k)) return false;
                ws();
                if (pos >= in.size() || in[pos] != ':') return fail("expected ':'");
                pos++;
                json v;
                if (!value(v, depth + 1)) return false;
                m.emplace_back(std::move(k), std::move(v));
                ws();
                if (pos < in.size() && in[pos] == ',') {
                    pos++;
                    continue;
                }
                if (pos < in.size() && in[pos] == '}') {
                    pos++;
                    break;
                }
                return fail("expected ',' or '}'");
            }
            out = json::object(std::move(m));
            return true;
        }
        if (c == '[') {
            pos++;
            json::items a;
            ws();
            if (pos < in.size() && in[pos] == ']') {
                pos++;
                out = json::array(std::move(a));
                return true;
            }
            while (true) {
                json v;
                if (!value(v, depth + 1)) return false;
                a.push_back(std::move(v));
                ws();
                if (pos < in.size() && in[pos] == ',') {
                    pos++;
                    continue;
                }
                if (pos < in.size() && in[pos] == ']') {
                    pos++;
                    break;
                }
                return fail("expected ',' or ']'");
            }
            out = json::array(std::move(a));
            return true;
        }
        if (c == '"') {
            std::string s;
            if (!str(s)) return false;
            out = json::string(std::move(s));
            return true;
        }
        if (c == 't') {
            if (!literal("true")) return false;
            out = json::boolean(true);
            return true;
        }
        if (c == 'f') {
            if (!literal("false")) return false;
            out = json::boolean(false);
            return true;
        }
        if (c == 'n') {
            if (!literal("null")) return false;
            out = json::null();
            return true;
        }
        return number(out);
    }
};

} // namespace

result<json> parse_json(std::string_view text) {
    parser p{text};
    json out;
    if (!p.value(out, 0)) return fail(errc::invalid_argument, "invalid JSON: {}", p.err);
    p.ws();
    if (p.pos != text.size()) return fail(errc::invalid_argument, "invalid JSON: unexpected data at offset {}", p.pos);
    return out;
}

void write_json_string(std::string_view s, std::string& out) {
    static const char* hex = "0123456789ABCDEF";
    out.push_back('"');
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 15]);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

void write_json(const json& j, std::string& out) {
    switch (j.type()) {
    case json::kind::null: out += "null"; break;
    case json::kind::boolean: out += j.as_bool() ? "true" : "false"; break;
    case json::kind::integer: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof(buf), j.as_int());
        out.append(buf, r.ptr);
        break;
    }
    case json::kind::number: {
        double d = j.as_double();
        // Jackson writes non-finite doubles as bare tokens; keep them readable as JSON strings instead.
        if (!std::isfinite(d)) {
            write_json_string(java_double_to_string(d), out);
        } else {
            out += java_double_to_string(d);
        }
        break;
    }
    case json::kind::string: write_json_string(j.as_string(), out); break;
    case json::kind::array: {
        out.push_back('[');
        bool first = true;
        for (auto& v : j.as_array()) {
            if (!first) out.push_back(',');
            first = false;
            write_json(v, out);
        }
        out.push_back(']');
        break;
    }
    case json::kind::object: {
        out.push_back('{');
        bool first = true;
        for (auto& [k, v] : j.as_object()) {
            if (!first) out.push_back(',');
            first = false;
            write_json_string(k, out);
            out.push_back(':');
            write_json(v, out);
        }
        out.push_back('}');
        break;
    }
    }
}

std::string to_json(const json& j) {
    std::string out;
    write_json(j, out);
    return out;
}

} // namespace ferry::avro
