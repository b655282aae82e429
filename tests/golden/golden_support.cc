#include "tests/golden/golden_support.hpp"

#include "ferry/data/base64.hpp"
#include "ferry/data/logical.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <stdexcept>

namespace ferry::golden {

namespace {

namespace dom = simdjson::dom;

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("golden file: " + what); }

std::string str_of(dom::element e) {
    std::string_view s;
    if (e.get_string().get(s)) bad("expected a string");
    return std::string(s);
}

int64_t int_of(dom::element e) {
    int64_t i = 0;
    if (e.get_int64().get(i)) bad("expected an integer");
    return i;
}

template <class T>
T floating_of(dom::element e) {
    if (e.is_string()) {
        std::string s = str_of(e);
        if (s == "NaN") return std::numeric_limits<T>::quiet_NaN();
        if (s == "Infinity") return std::numeric_limits<T>::infinity();
        if (s == "-Infinity") return -std::numeric_limits<T>::infinity();
        T v{};
        auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (r.ec != std::errc()) bad("bad floating point text " + s);
        return v;
    }
    double d = 0;
    if (e.is_int64()) return static_cast<T>(int_of(e));
    if (e.get_double().get(d)) bad("expected a number");
    return static_cast<T>(d);
}

std::string hex_decode(const std::string& h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}

schema_ptr schema_of(dom::element e);
value value_of(const schema_ptr& s, dom::element e);

schema_builder builder_of(const std::string& base) {
    if (base.rfind("decimal(", 0) == 0) return logical::decimal_builder(std::stoi(base.substr(8)));
    if (base == "date") return logical::date_builder();
    if (base == "time") return logical::time_builder();
    if (base == "timestamp") return logical::timestamp_builder();
    if (base == "struct") return schema_builder::struct_();
    auto t = type_from_name(base);
    if (!t || !is_primitive(*t)) bad("unknown schema type " + base);
    return schema_builder(*t);
}

schema_ptr schema_of(dom::element e) {
    if (e.is_null()) return nullptr;
    if (e.is_string()) {
        std::string s = str_of(e);
        bool optional = !s.empty() && s.back() == '?';
        if (optional) s.pop_back();
        schema_builder b = builder_of(s);
        if (optional) b.optional();
        return b.build();
    }
    dom::object o;
    if (e.get_object().get(o)) bad("a schema is a string, an object or null");
    dom::element type;
    if (o["type"].get(type)) bad("schema object without \"type\"");
    std::string tn = str_of(type);
    std::optional<schema_builder> b;
    if (tn == "array") {
        dom::element items;
        if (o["items"].get(items)) bad("array schema without items");
        schema_ptr is = schema_of(items);
        b = is ? schema_builder::array(is) : schema_builder(schema_type::array);
    } else if (tn == "map") {
        dom::element k, v;
        if (o["keys"].get(k) || o["values"].get(v)) bad("map schema without keys/values");
        b = schema_builder::map_nullable(schema_of(k), schema_of(v));
    } else {
        b = builder_of(tn);
    }
    for (auto [key, member] : o) {
        if (key == "optional") {
            bool opt = false;
            if (member.get_bool().get(opt)) bad("optional is a boolean");
            if (opt) b->optional();
        } else if (key == "name") {
            b->name(str_of(member));
        } else if (key == "version") {
            b->version(static_cast<int32_t>(int_of(member)));
        } else if (key == "doc") {
            b->doc(str_of(member));
        } else if (key == "parameters") {
            dom::object p;
            if (member.get_object().get(p)) bad("parameters is an object");
            for (auto [pk, pv] : p) b->parameter(std::string(pk), str_of(pv));
        } else if (key == "fields") {
            dom::array fields;
            if (member.get_array().get(fields)) bad("fields is an array of [name, schema]");
            for (dom::element f : fields) {
                dom::array pair;
                if (f.get_array().get(pair) || pair.size() != 2) bad("a field is [name, schema]");
                b->field(str_of(pair.at(0).value()), schema_of(pair.at(1).value()));
            }
        }
    }
    dom::element dflt;
    if (!o["default"].get(dflt)) b->default_value(value_of(b->build(), dflt));
    return b->build();
}

// Values without a schema: JSON kinds map to INT64, FLOAT64, STRING, BOOLEAN, lists and maps.
value infer(dom::element e);

std::optional<value> tagged(const schema_ptr& s, dom::element e) {
    dom::object o;
    if (e.get_object().get(o) || o.size() != 1) return std::nullopt;
    auto [tag, inner] = *o.begin();
    if (tag.empty() || tag[0] != '$') return std::nullopt;
    if (tag == "$int8") return value(static_cast<int8_t>(int_of(inner)));
    if (tag == "$int16") return value(static_cast<int16_t>(int_of(inner)));
    if (tag == "$int32") return value(static_cast<int32_t>(int_of(inner)));
    if (tag == "$int64") return value(int_of(inner));
    if (tag == "$float32") return value(floating_of<float>(inner));
    if (tag == "$float64") return value(floating_of<double>(inner));
    if (tag == "$string") return value(str_of(inner));
    if (tag == "$boolean") return value(bool(inner.get_bool()));
    if (tag == "$base64") {
        auto b = base64_decode(str_of(inner));
        if (!b) bad("bad base64");
        return value::bytes(*b);
    }
    if (tag == "$hex") return value::bytes(hex_decode(str_of(inner)));
    if (tag == "$utf8") return value::bytes(str_of(inner));
    if (tag == "$map") {
        dom::array pairs;
        if (inner.get_array().get(pairs)) bad("$map takes [[key, value], ...]");
        value::map_type m;
        for (dom::element p : pairs) {
            dom::array kv;
            if (p.get_array().get(kv) || kv.size() != 2) bad("$map entries are [key, value]");
            schema_ptr ks = s ? s->key_schema() : nullptr;
            schema_ptr vs = s ? s->value_schema() : nullptr;
            m.emplace_back(value_of(ks, kv.at(0).value()), value_of(vs, kv.at(1).value()));
        }
        return value(std::move(m));
    }
    bad("unknown tag " + std::string(tag));
}

value infer(dom::element e) {
    if (auto t = tagged(nullptr, e)) return *t;
    switch (e.type()) {
    case dom::element_type::NULL_VALUE: return value();
    case dom::element_type::BOOL: return value(bool(e.get_bool()));
    case dom::element_type::INT64: return value(int_of(e));
    case dom::element_type::UINT64: bad("integer out of range");
    case dom::element_type::DOUBLE: return value(double(e.get_double()));
    case dom::element_type::STRING: return value(str_of(e));
    case dom::element_type::ARRAY: {
        value::array_type a;
        for (dom::element x : dom::array(e)) a.push_back(infer(x));
        return value(std::move(a));
    }
    case dom::element_type::OBJECT: {
        value::map_type m;
        for (auto [k, v] : dom::object(e)) m.emplace_back(value(std::string(k)), infer(v));
        return value(std::move(m));
    }
    }
    return value();
}

value value_of(const schema_ptr& s, dom::element e) {
    if (e.is_null()) return value();
    if (auto t = tagged(s, e)) return *t;
    if (!s) return infer(e);
    const std::string* name = s->name() ? &*s->name() : nullptr;
    if (name && *name == logical::decimal_name) {
        std::string text = e.is_string() ? str_of(e) : std::to_string(int_of(e));
        return value::bytes(logical::decimal_from_string(text, logical::decimal_scale(*s)));
    }
    if (name && *name == logical::date_name && e.is_string()) {
        std::string d = str_of(e);
        return value(logical::days_from_civil({std::stoi(d.substr(0, 4)), static_cast<uint32_t>(std::stoi(d.substr(5, 2))),
                                               static_cast<uint32_t>(std::stoi(d.substr(8, 2)))}));
    }
    switch (s->type()) {
    case schema_type::int8: return value(static_cast<int8_t>(int_of(e)));
    case schema_type::int16: return value(static_cast<int16_t>(int_of(e)));
    case schema_type::int32: return value(static_cast<int32_t>(int_of(e)));
    case schema_type::int64: return value(int_of(e));
    case schema_type::float32: return value(floating_of<float>(e));
    case schema_type::float64: return value(floating_of<double>(e));
    case schema_type::boolean: return value(bool(e.get_bool()));
    case schema_type::string: return value(str_of(e));
    case schema_type::bytes: return value::bytes(str_of(e));
    case schema_type::array: {
        value::array_type a;
        for (dom::element x : dom::array(e)) a.push_back(value_of(s->value_schema(), x));
        return value(std::move(a));
    }
    case schema_type::map: {
        value::map_type m;
        if (e.is_array()) {
            for (dom::element p : dom::array(e)) {
                dom::array kv = p;
                m.emplace_back(value_of(s->key_schema(), kv.at(0).value()), value_of(s->value_schema(), kv.at(1).value()));
            }
        } else {
            for (auto [k, v] : dom::object(e)) m.emplace_back(value(std::string(k)), value_of(s->value_schema(), v));
        }
        return value(std::move(m));
    }
    case schema_type::struct_: {
        auto st = make_struct(s);
        for (auto [k, v] : dom::object(e)) {
            const field* f = s->find_field(k);
            if (!f) bad("no field " + std::string(k) + " in the struct schema");
            st->put_unchecked(f->index, value_of(f->schema, v));
        }
        return value(std::move(st));
    }
    }
    return value();
}

std::string sanitize(const std::string& s) {
    std::string out;
    for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    return out;
}

std::optional<std::string> bytes_member(dom::object o, const std::string& member, bool& present) {
    dom::element e;
    present = false;
    if (!o[member].get(e)) {
        present = true;
        if (e.is_null()) return std::nullopt;
        return str_of(e);
    }
    if (!o[member + "_hex"].get(e)) {
        present = true;
        return hex_decode(str_of(e));
    }
    if (!o[member + "_base64"].get(e)) {
        present = true;
        auto b = base64_decode(str_of(e));
        if (!b) bad("bad base64 in " + member + "_base64");
        return *b;
    }
    return std::nullopt;
}

} // namespace

std::string golden_dir(const std::string& sub) {
    if (const char* src = std::getenv("FERRY_SOURCE_DIR")) return std::string(src) + "/tests/golden/" + sub;
    return std::string(FERRY_GOLDEN_DIR) + "/" + sub;
}

std::vector<golden_case> load_cases(const std::string& dir, const std::string& member) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    std::vector<golden_case> cases;
    for (const auto& path : files) {
        dom::parser parser;
        dom::element root;
        if (auto err = parser.load(path).get(root)) bad(path + ": " + simdjson::error_message(err));
        std::string stem = std::filesystem::path(path).stem().string();
        size_t index = 0;
        for (dom::element ce : dom::array(root)) {
            dom::object o = ce;
            golden_case c;
            c.file = stem;
            try {
                c.name = sanitize(str_of(o["name"].value()));
                dom::element e;
                if (!o["direction"].get(e)) c.direction = str_of(e);
                if (!o["key"].get(e)) c.key = str_of(e);
                if (!o["config"].get(e))
                    for (auto [k, v] : dom::object(e)) c.config[std::string(k)] = str_of(v);
                if (!o["schema"].get(e)) c.schema = schema_of(e);
                if (!o["value"].get(e)) {
                    c.val = value_of(c.schema, e);
                    c.schemaless_val = value_of(nullptr, e);
                }
                bool present = false;
                c.bytes = bytes_member(o, member, present);
                if (!present) bad("case without \"" + member + "\"");
                dom::element rs, rv;
                bool has_rs = !o["read_schema"].get(rs);
                bool has_rv = !o["read_value"].get(rv);
                if (has_rs || has_rv) {
                    c.has_read = true;
                    // Without "read_schema", reading gives the case's schema, or none when the
                    // converter does not carry schemas.
                    auto se = c.config.find("schemas.enable");
                    bool schemaless = se != c.config.end() && se->second == "false";
                    c.read_schema = has_rs ? schema_of(rs) : (schemaless ? nullptr : c.schema);
                    c.read_val = has_rv ? value_of(c.read_schema, rv) : c.val;
                }
                if (!o["error"].get(e)) c.error = str_of(e);
            } catch (const std::exception& ex) {
                throw std::runtime_error(path + " case " + std::to_string(index) + " (" + c.name + "): " + ex.what());
            }
            c.name = stem + "_" + std::to_string(index) + "_" + c.name;
            cases.push_back(std::move(c));
            ++index;
        }
    }
    return cases;
}

void PrintTo(const golden_case& c, std::ostream* os) { *os << c.name; }

std::string describe(const schema_ptr& s, const value& v) {
    std::string out = s ? s->to_string() + (s->optional() ? "?" : "") : "<no schema>";
    out += " ";
    out += to_java_string(s, v);
    return out;
}

} // namespace ferry::golden
