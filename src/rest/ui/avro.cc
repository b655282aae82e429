#include "rest/ui/avro.hpp"

#include "base/json_writer.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <cstring>
#include <limits>
#include <map>

namespace ferry::rest::ui {

namespace {

using rapidjson::Value;

class decoder {
public:
    decoder(std::string_view data, json_writer& w) : _p(data.data()), _end(data.data() + data.size()), _w(w) {}

    // Registers named types (records, enums, fixed) so that later references resolve.
    void collect_names(const Value& s, const std::string& ns) {
        if (s.IsArray()) {
            for (auto& b : s.GetArray()) collect_names(b, ns);
            return;
        }
        if (!s.IsObject() || !s.HasMember("type")) return;
        auto& t = s["type"];
        if (!t.IsString()) {
            collect_names(t, ns);
            return;
        }
        std::string_view type = t.GetString();
        std::string inner_ns = ns;
        if ((type == "record" || type == "error" || type == "enum" || type == "fixed") && s.HasMember("name") &&
            s["name"].IsString()) {
            std::string name = s["name"].GetString();
            std::string full = name;
            if (name.find('.') == std::string::npos) {
                std::string space = s.HasMember("namespace") && s["namespace"].IsString() ? s["namespace"].GetString() : ns;
                if (!space.empty()) full = space + "." + name;
            }
            inner_ns = full.rfind('.') == std::string::npos ? "" : full.substr(0, full.rfind('.'));
            _names[full] = &s;
            _names.emplace(full.substr(full.rfind('.') == std::string::npos ? 0 : full.rfind('.') + 1), &s);
        }
        if ((type == "record" || type == "error") && s.HasMember("fields") && s["fields"].IsArray())
            for (auto& f : s["fields"].GetArray())
                if (f.IsObject() && f.HasMember("type")) collect_names(f["type"], inner_ns);
        if (type == "array" && s.HasMember("items")) collect_names(s["items"], inner_ns);
        if (type == "map" && s.HasMember("values")) collect_names(s["values"], inner_ns);
    }

    result<> read(const Value& s, int depth = 0) {
        if (depth > 64) return fail(errc::invalid_argument, "Avro schema nests too deeply");
        if (s.IsString()) return read_named(s.GetString(), nullptr, depth);
        if (s.IsArray()) return read_union(s, depth);
        if (!s.IsObject() || !s.HasMember("type")) return fail(errc::invalid_argument, "invalid Avro schema");
        auto& t = s["type"];
        if (!t.IsString()) return read(t, depth + 1);
        return read_named(t.GetString(), &s, depth);
    }

    size_t left() const { return size_t(_end - _p); }

private:
    result<> read_named(std::string_view type, const Value* s, int depth) {
        if (type == "null") {
            _w.null();
            return {};
        }
        if (type == "boolean") {
            if (_p >= _end) return truncated();
            _w.boolean(*_p++ != 0);
            return {};
        }
        if (type == "int" || type == "long") {
            auto v = varint();
            if (!v) return fail(v.error());
            if (s && s->HasMember("logicalType") && (*s)["logicalType"] == "decimal") return decimal_of_long(*v, *s);
            _w.num(*v);
            return {};
        }
        if (type == "float") {
            float f;
            if (_end - _p < 4) return truncated();
            std::memcpy(&f, _p, 4); // Avro is little-endian, as is every platform Ferry builds on.
            _p += 4;
            write_double(f);
            return {};
        }
        if (type == "double") {
            double d;
            if (_end - _p < 8) return truncated();
            std::memcpy(&d, _p, 8);
            _p += 8;
            write_double(d);
            return {};
        }
        if (type == "bytes" || type == "string") {
            auto n = varint();
            if (!n) return fail(n.error());
            if (*n < 0 || *n > _end - _p) return truncated();
            std::string_view b(_p, size_t(*n));
            _p += *n;
            if (type == "string") _w.str(b);
            else if (s && s->HasMember("logicalType") && (*s)["logicalType"] == "decimal") return decimal_of_bytes(b, *s);
            else _w.str(latin1(b));
            return {};
        }
        if (!s) {
            auto it = _names.find(std::string(type));
            if (it == _names.end()) return fail(errc::invalid_argument, "Avro schema names an unknown type '{}'", type);
            return read(*it->second, depth + 1);
        }
        if (type == "record" || type == "error") {
            if (!s->HasMember("fields") || !(*s)["fields"].IsArray()) return fail(errc::invalid_argument, "record without fields");
            _w.begin_object();
            for (auto& f : (*s)["fields"].GetArray()) {
                if (!f.IsObject() || !f.HasMember("name") || !f["name"].IsString() || !f.HasMember("type"))
                    return fail(errc::invalid_argument, "invalid record field in the Avro schema");
                _w.key(f["name"].GetString());
                if (auto r = read(f["type"], depth + 1); !r) return r;
            }
            _w.end_object();
            return {};
        }
        if (type == "enum") {
            auto i = varint();
            if (!i) return fail(i.error());
            if (!s->HasMember("symbols") || !(*s)["symbols"].IsArray() || *i < 0 || *i >= int64_t((*s)["symbols"].Size()))
                return fail(errc::invalid_argument, "enum index {} out of range", *i);
            auto& sym = (*s)["symbols"][rapidjson::SizeType(*i)];
            _w.str(sym.IsString() ? sym.GetString() : "");
            return {};
        }
        if (type == "fixed") {
            if (!s->HasMember("size") || !(*s)["size"].IsInt()) return fail(errc::invalid_argument, "fixed without size");
            int64_t n = (*s)["size"].GetInt();
            if (n < 0 || n > _end - _p) return truncated();
            std::string_view b(_p, size_t(n));
            _p += n;
            if (s->HasMember("logicalType") && (*s)["logicalType"] == "decimal") return decimal_of_bytes(b, *s);
            _w.str(latin1(b));
            return {};
        }
        if (type == "array" || type == "map") {
            bool is_map = type == "map";
            const char* member = is_map ? "values" : "items";
            if (!s->HasMember(member)) return fail(errc::invalid_argument, "{} without {}", type, member);
            if (is_map) _w.begin_object();
            else _w.begin_array();
            for (;;) {
                auto count = varint();
                if (!count) return fail(count.error());
                if (*count == 0) break;
                int64_t n = *count;
                if (n < 0) { // a negative count is followed by the block's size in bytes
                    n = -n;
                    if (auto size = varint(); !size) return fail(size.error());
                }
                // Every item takes at least one byte unless it is null: a bound against huge counts.
                if (n > (_end - _p) + 1024) return truncated();
                for (int64_t i = 0; i < n; i++) {
                    if (is_map) {
                        auto len = varint();
                        if (!len) return fail(len.error());
                        if (*len < 0 || *len > _end - _p) return truncated();
                        _w.key(std::string_view(_p, size_t(*len)));
                        _p += *len;
                    }
                    if (auto r = read((*s)[member], depth + 1); !r) return r;
                }
            }
            if (is_map) _w.end_object();
            else _w.end_array();
            return {};
        }
        // {"type":"string","logicalType":...} and other primitives written as objects.
        return read_named(type, nullptr, depth);
    }

    result<> read_union(const Value& branches, int depth) {
        auto i = varint();
        if (!i) return fail(i.error());
        if (*i < 0 || *i >= int64_t(branches.Size())) return fail(errc::invalid_argument, "union branch {} out of range", *i);
        return read(branches[rapidjson::SizeType(*i)], depth + 1);
    }

    result<int64_t> varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (_p >= _end) return truncated();
            auto b = uint8_t(*_p++);
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return int64_t((v >> 1) ^ (~(v & 1) + 1)); // zigzag
        }
        return fail(errc::invalid_argument, "Avro varint longer than 10 bytes");
    }

    void write_double(double d) {
        if (d != d || d == std::numeric_limits<double>::infinity() || d == -std::numeric_limits<double>::infinity())
            _w.str(fmt::format("{}", d)); // JSON has no NaN or infinity
        else
            _w.dbl(d);
    }

    static std::string latin1(std::string_view b) {
        std::string out;
        for (unsigned char c : b) {
            if (c < 0x80) out += char(c);
            else {
                out += char(0xc0 | (c >> 6));
                out += char(0x80 | (c & 0x3f));
            }
        }
        return out;
    }

    static int scale_of(const Value& s) { return s.HasMember("scale") && s["scale"].IsInt() ? s["scale"].GetInt() : 0; }

    result<> decimal_of_bytes(std::string_view b, const Value& s) {
        if (b.empty() || b.size() > 8) {
            _w.str(latin1(b));
            return {};
        }
        int64_t v = int8_t(b[0]); // sign-extend the big-endian two's complement
        for (size_t i = 1; i < b.size(); i++) v = int64_t(uint64_t(v) << 8) | uint8_t(b[i]);
        return decimal_of_long(v, s);
    }

    result<> decimal_of_long(int64_t v, const Value& s) {
        int scale = scale_of(s);
        if (scale <= 0 || scale > 18) {
            _w.str(std::to_string(v));
            return {};
        }
        bool neg = v < 0;
        uint64_t u = neg ? ~uint64_t(v) + 1 : uint64_t(v);
        auto digits = std::to_string(u);
        if (digits.size() <= size_t(scale)) digits.insert(0, size_t(scale) + 1 - digits.size(), '0');
        digits.insert(digits.size() - size_t(scale), ".");
        _w.str((neg ? "-" : "") + digits);
        return {};
    }

    static unexpected<error> truncated() { return fail(errc::invalid_argument, "Avro data ends early"); }

    const char* _p;
    const char* _end;
    json_writer& _w;
    std::map<std::string, const Value*> _names;
};

} // namespace

result<std::string> avro_to_json(std::string_view schema_json, std::string_view data) {
    rapidjson::Document schema;
    schema.Parse(schema_json.data(), schema_json.size());
    if (schema.HasParseError()) return fail(errc::invalid_argument, "the Avro schema is not valid JSON");
    json_writer w;
    decoder d(data, w);
    d.collect_names(schema, "");
    if (auto r = d.read(schema); !r) return fail(r.error());
    if (auto left = d.left(); left > 0) return fail(errc::invalid_argument, "{} bytes left after the Avro datum", left);
    return w.take();
}

} // namespace ferry::rest::ui
