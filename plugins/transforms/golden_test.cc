// The golden, data-driven tests of every transform and predicate: each case in
// tests/golden/transforms/<family>/*.json names a transform (or predicate), its configuration, an
// input record and what must come out - the record, "dropped", or an error. The notation is
// described in tests/golden/transforms/README.md. Transforms are built directly from their
// classes here (not through the plugin registry), one instance per case, so a case with several
// "records" also exercises the schema caches of one instance. Every input runs twice: once as a
// converter hands it over (the record alone owns its structs, so transforms may edit them in
// place), and once through a second instance while another record shares its key and value
// (transforms must copy; the other record must see the input unchanged).

#include "plugins/transforms/cast/cast.hpp"
#include "plugins/transforms/drop_headers/drop_headers.hpp"
#include "plugins/transforms/extract_field/extract_field.hpp"
#include "plugins/transforms/extract_new_record_state/extract_new_record_state.hpp"
#include "plugins/transforms/filter/filter.hpp"
#include "plugins/transforms/flatten/flatten.hpp"
#include "plugins/transforms/header_from/header_from.hpp"
#include "plugins/transforms/hoist_field/hoist_field.hpp"
#include "plugins/transforms/insert_field/insert_field.hpp"
#include "plugins/transforms/insert_header/insert_header.hpp"
#include "plugins/transforms/mask_field/mask_field.hpp"
#include "plugins/transforms/predicates/predicates.hpp"
#include "plugins/transforms/regex_router/regex_router.hpp"
#include "plugins/transforms/replace_field/replace_field.hpp"
#include "plugins/transforms/set_schema_metadata/set_schema_metadata.hpp"
#include "plugins/transforms/timestamp_converter/timestamp_converter.hpp"
#include "plugins/transforms/timestamp_router/timestamp_router.hpp"
#include "plugins/transforms/value_to_key/value_to_key.hpp"

#include "ferry/data/base64.hpp"
#include "ferry/data/logical.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::transforms {
namespace {

namespace dom = simdjson::dom;

[[noreturn]] void bad(const std::string& what) {
    throw std::runtime_error(what);
}

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

template <class T> T floating_of(dom::element e) {
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
    if (e.is_int64()) return static_cast<T>(int_of(e));
    double d = 0;
    if (e.get_double().get(d)) bad("expected a number");
    return static_cast<T>(d);
}

// ---- schemas: "int32", "string?", "decimal(2)", "date", "time", "timestamp", or an object ----

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

value value_of(const schema_ptr& s, dom::element e);

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
            if (bool(member.get_bool())) b->optional();
        } else if (key == "name") {
            b->name(str_of(member));
        } else if (key == "version") {
            b->version(static_cast<int32_t>(int_of(member)));
        } else if (key == "doc") {
            b->doc(str_of(member));
        } else if (key == "parameters") {
            for (auto [pk, pv] : dom::object(member))
                b->parameter(std::string(pk), str_of(pv));
        } else if (key == "fields") {
            for (dom::element f : dom::array(member)) {
                dom::array pair = f;
                if (pair.size() != 2) bad("a field is [name, schema]");
                b->field(str_of(pair.at(0).value()), schema_of(pair.at(1).value()));
            }
        } else if (key != "type" && key != "items" && key != "keys" && key != "values" && key != "default") {
            bad("unknown schema member " + std::string(key));
        }
    }
    dom::element dflt;
    if (!o["default"].get(dflt)) b->default_value(value_of(b->build(), dflt));
    return b->build();
}

// ---- values ----

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
    if (tag == "$utf8") return value::bytes(str_of(inner));
    if (tag == "$map") {
        value::map_type m;
        for (dom::element p : dom::array(inner)) {
            dom::array kv = p;
            if (kv.size() != 2) bad("$map entries are [key, value]");
            m.emplace_back(value_of(s ? s->key_schema() : nullptr, kv.at(0).value()),
                           value_of(s ? s->value_schema() : nullptr, kv.at(1).value()));
        }
        return value(std::move(m));
    }
    if (tag == "$struct") { // a Struct where no schema says so: {"$struct": {"schema": ..., "value": ...}}
        dom::object so = inner;
        schema_ptr ss = schema_of(so["schema"].value());
        return value_of(ss, so["value"].value());
    }
    bad("unknown tag " + std::string(tag));
}

value infer(dom::element e) {
    if (auto t = tagged(nullptr, e)) return *t;
    switch (e.type()) {
    case dom::element_type::NULL_VALUE:
        return value();
    case dom::element_type::BOOL:
        return value(bool(e.get_bool()));
    case dom::element_type::INT64:
        return value(int_of(e));
    case dom::element_type::UINT64:
        bad("integer out of range");
    case dom::element_type::DOUBLE:
        return value(double(e.get_double()));
    case dom::element_type::STRING:
        return value(str_of(e));
    case dom::element_type::ARRAY: {
        value::array_type a;
        for (dom::element x : dom::array(e))
            a.push_back(infer(x));
        return value(std::move(a));
    }
    case dom::element_type::OBJECT: {
        value::map_type m;
        for (auto [k, v] : dom::object(e))
            m.emplace_back(value(std::string(k)), infer(v));
        return value(std::move(m));
    }
    }
    return value();
}

// "2017-01-01T12:34:56.789Z" (the time part optional) -> epoch ms.
int64_t parse_iso(const std::string& t) {
    if (t.size() < 10) bad("bad date text " + t);
    int64_t days =
        logical::days_from_civil({std::stoi(t.substr(0, 4)), static_cast<uint32_t>(std::stoi(t.substr(5, 2))),
                                  static_cast<uint32_t>(std::stoi(t.substr(8, 2)))});
    int64_t ms = days * 86400000;
    if (t.size() >= 19)
        ms += std::stoll(t.substr(11, 2)) * 3600000 + std::stoll(t.substr(14, 2)) * 60000 +
              std::stoll(t.substr(17, 2)) * 1000;
    if (t.size() >= 23 && t[19] == '.') ms += std::stoll(t.substr(20, 3));
    return ms;
}

value value_of(const schema_ptr& s, dom::element e) {
    if (e.is_null()) return value();
    if (auto t = tagged(s, e)) return *t;
    if (!s) return infer(e);
    if (s->has_name(logical::decimal_name) && s->type() == schema_type::bytes) {
        std::string text = e.is_string() ? str_of(e) : std::to_string(int_of(e));
        return value::bytes(logical::decimal_from_string(text, logical::decimal_scale(*s)));
    }
    if (s->has_name(logical::date_name) && s->type() == schema_type::int32 && e.is_string())
        return value(static_cast<int32_t>(parse_iso(str_of(e)) / 86400000));
    if (s->has_name(logical::timestamp_name) && s->type() == schema_type::int64 && e.is_string())
        return value(parse_iso(str_of(e)));
    if (s->has_name(logical::time_name) && s->type() == schema_type::int32 && e.is_string()) {
        std::string t = str_of(e); // HH:mm:ss.SSS
        return value(static_cast<int32_t>(parse_iso("1970-01-01T" + t) % 86400000));
    }
    switch (s->type()) {
    case schema_type::int8:
        return value(static_cast<int8_t>(int_of(e)));
    case schema_type::int16:
        return value(static_cast<int16_t>(int_of(e)));
    case schema_type::int32:
        return value(static_cast<int32_t>(int_of(e)));
    case schema_type::int64:
        return value(int_of(e));
    case schema_type::float32:
        return value(floating_of<float>(e));
    case schema_type::float64:
        return value(floating_of<double>(e));
    case schema_type::boolean:
        return value(bool(e.get_bool()));
    case schema_type::string:
        return value(str_of(e));
    case schema_type::bytes:
        return value::bytes(str_of(e));
    case schema_type::array: {
        value::array_type a;
        for (dom::element x : dom::array(e))
            a.push_back(value_of(s->value_schema(), x));
        return value(std::move(a));
    }
    case schema_type::map: {
        value::map_type m;
        if (e.is_array()) {
            for (dom::element p : dom::array(e)) {
                dom::array kv = p;
                m.emplace_back(value_of(s->key_schema(), kv.at(0).value()),
                               value_of(s->value_schema(), kv.at(1).value()));
            }
        } else {
            for (auto [k, v] : dom::object(e))
                m.emplace_back(value(std::string(k)), value_of(s->value_schema(), v));
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

// ---- records ----

struct record_spec {
    bool source = false;
    std::shared_ptr<connect_record> rec;
};

// Reads a record; `base` supplies every member the JSON leaves out (expected records).
record_spec record_of(dom::element e, const connect_record* base, bool base_source) {
    dom::object o;
    if (e.get_object().get(o)) bad("a record is an object");
    record_spec spec;
    dom::element kind;
    spec.source = base ? base_source : (!o["kind"].get(kind) && str_of(kind) == "source");
    std::shared_ptr<connect_record> r;
    if (spec.source) {
        auto sr = base ? std::make_shared<source_record>(static_cast<const source_record&>(*base))
                       : std::make_shared<source_record>();
        r = sr;
    } else {
        auto sk = base ? std::make_shared<sink_record>(static_cast<const sink_record&>(*base))
                       : std::make_shared<sink_record>();
        if (!base) {
            sk->offset = 0;
            sk->ts_type = timestamp_type::create_time;
        }
        r = sk;
    }
    if (!base) {
        r->topic = "test";
        r->kafka_partition = 0;
    }
    for (auto [k, v] : o) {
        if (k == "kind") continue;
        if (k == "topic") {
            r->topic = str_of(v);
        } else if (k == "partition") {
            r->kafka_partition = v.is_null() ? std::nullopt : std::optional<int32_t>(static_cast<int32_t>(int_of(v)));
        } else if (k == "offset") {
            if (spec.source) bad("a source record has no offset");
            static_cast<sink_record&>(*r).offset = int_of(v);
        } else if (k == "timestamp") {
            r->timestamp = v.is_null() ? std::nullopt : std::optional<int64_t>(int_of(v));
        } else if (k == "key_schema") {
            r->key_schema = schema_of(v);
        } else if (k == "value_schema") {
            r->value_schema = schema_of(v);
        } else if (k == "headers") {
            r->headers.clear();
            for (dom::element he : dom::array(v)) {
                dom::object ho = he;
                schema_ptr hs;
                dom::element x;
                if (!ho["schema"].get(x)) hs = schema_of(x);
                value hv;
                if (!ho["value"].get(x)) hv = value_of(hs, x);
                r->headers.add(str_of(ho["key"].value()), hs, std::move(hv));
            }
        } else if (k != "key" && k != "value") {
            bad("unknown record member " + std::string(k));
        }
    }
    // Values after schemas, whatever the member order.
    dom::element x;
    if (!o["key"].get(x)) r->key = value_of(r->key_schema, x);
    if (!o["value"].get(x)) r->val = value_of(r->value_schema, x);
    spec.rec = std::move(r);
    return spec;
}

// ---- rendering, for failure messages ----

std::string render_schema(const schema_ptr& s) {
    if (!s) return "null";
    std::string out = "{" + std::string(type_name(s->type()));
    if (s->optional()) out += "?";
    if (s->name()) out += " name=" + *s->name();
    if (s->version()) out += " v" + std::to_string(*s->version());
    if (s->doc()) out += " doc=" + *s->doc();
    for (const auto& [k, v] : s->parameters())
        out += " " + k + "=" + v;
    if (s->default_value()) out += " default=" + to_java_string(s, *s->default_value());
    for (const auto& f : s->fields())
        out += " " + f.name + ":" + render_schema(f.schema);
    if (s->key_schema()) out += " keys:" + render_schema(s->key_schema());
    if (s->value_schema()) out += " values:" + render_schema(s->value_schema());
    return out + "}";
}

std::string render_value(const value& v) {
    switch (v.type()) {
    case value::kind::null:
        return "null";
    case value::kind::boolean:
        return v.as_bool() ? "true" : "false";
    case value::kind::int8:
        return "$int8:" + to_java_string(v);
    case value::kind::int16:
        return "$int16:" + to_java_string(v);
    case value::kind::int32:
        return "$int32:" + to_java_string(v);
    case value::kind::int64:
        return "$int64:" + to_java_string(v);
    case value::kind::float32:
        return "$float32:" + to_java_string(v);
    case value::kind::float64:
        return "$float64:" + to_java_string(v);
    case value::kind::string:
        return "\"" + v.as_string() + "\"";
    case value::kind::bytes:
        return "$base64:" + base64_encode(v.as_bytes());
    case value::kind::array: {
        std::string out = "[";
        for (const auto& e : v.as_array())
            out += (out.size() > 1 ? ", " : "") + render_value(e);
        return out + "]";
    }
    case value::kind::map: {
        std::string out = "{";
        for (const auto& [k, e] : v.as_map())
            out += (out.size() > 1 ? ", " : "") + render_value(k) + ": " + render_value(e);
        return out + "}";
    }
    case value::kind::struct_: {
        const auto& st = v.as_struct();
        std::string out = "Struct{";
        bool first = true;
        for (const auto& f : st->schema()->fields()) {
            out += (first ? "" : ", ") + f.name + "=" + render_value(st->get(f));
            first = false;
        }
        return out + "}";
    }
    default:
        return "?";
    }
}

std::string render(const connect_record& r) {
    std::string out = "topic=" + r.topic;
    out += " partition=" + (r.kafka_partition ? std::to_string(*r.kafka_partition) : std::string("null"));
    out += " timestamp=" + (r.timestamp ? std::to_string(*r.timestamp) : std::string("null"));
    out += "\n  key_schema=" + render_schema(r.key_schema) + "\n  key=" + render_value(r.key);
    out += "\n  value_schema=" + render_schema(r.value_schema) + "\n  value=" + render_value(r.val);
    out += "\n  headers=[";
    for (const auto& h : r.headers)
        out += " " + h.key + ":" + render_schema(h.schema) + "=" + render_value(h.val);
    return out + " ]";
}

// ---- cases ----

struct step {
    dom::element input;
    std::optional<dom::element> expect;
    bool dropped = false;
    std::optional<bool> test; // predicate result
    std::optional<std::string> error;
    std::string error_type; // "data_error" (default at apply) or "config_error" (configure)
};

struct golden_case {
    std::string id;
    std::string file;
    std::string name;
    std::string transform;
    std::string predicate;
    bool negate = false;
    config::config_map config;
    config::config_map predicate_config;
    std::optional<std::string> config_error; // configure must fail with this text
    std::vector<step> steps;
};

void PrintTo(const golden_case& c, std::ostream* os) {
    *os << c.file << ": " << c.name;
}

// Keeps the parsed documents alive for the dom::elements the cases hold.
std::vector<std::unique_ptr<dom::parser>>& parsers() {
    static std::vector<std::unique_ptr<dom::parser>> p;
    return p;
}

std::string config_text(dom::element v) {
    if (v.is_string()) return str_of(v);
    if (v.is_bool()) return bool(v.get_bool()) ? "true" : "false";
    if (v.is_int64()) return std::to_string(int_of(v));
    bad("config values are strings, numbers or booleans");
}

config::config_map config_of(dom::element e) {
    config::config_map m;
    for (auto [k, v] : dom::object(e))
        m[std::string(k)] = config_text(v);
    return m;
}

step step_of(dom::object o) {
    step s;
    dom::element e;
    if (o["input"].get(e)) bad("case without input");
    s.input = e;
    if (!o["expect"].get(e)) s.expect = e;
    if (!o["dropped"].get(e)) s.dropped = bool(e.get_bool());
    if (!o["test"].get(e)) s.test = bool(e.get_bool());
    if (!o["error"].get(e)) s.error = str_of(e);
    s.error_type = "data_error";
    if (!o["error_type"].get(e)) s.error_type = str_of(e);
    if (!s.expect && !s.dropped && !s.test && !s.error) bad("case without expect, dropped, test or error");
    return s;
}

std::string sanitize(const std::string& s) {
    std::string out;
    for (char c : s)
        out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    return out;
}

std::string golden_dir() {
    if (const char* src = std::getenv("FERRY_SOURCE_DIR")) return std::string(src) + "/tests/golden/transforms";
    return FERRY_TRANSFORMS_GOLDEN_DIR;
}

std::vector<golden_case> load_cases() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(golden_dir()))
        if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    std::vector<golden_case> cases;
    for (const auto& path : files) {
        auto& parser = parsers().emplace_back(std::make_unique<dom::parser>());
        dom::element root;
        if (auto err = parser->load(path).get(root)) bad(path + ": " + simdjson::error_message(err));
        auto rel = std::filesystem::relative(path, golden_dir());
        std::string file = rel.replace_extension().string();
        size_t index = 0;
        for (dom::element ce : dom::array(root)) {
            golden_case c;
            c.file = file;
            try {
                dom::object o = ce;
                c.name = str_of(o["name"].value());
                dom::element e;
                if (!o["transform"].get(e)) c.transform = str_of(e);
                if (!o["predicate"].get(e)) c.predicate = str_of(e);
                if (!o["negate"].get(e)) c.negate = bool(e.get_bool());
                if (!o["config"].get(e)) c.config = config_of(e);
                if (!o["predicate_config"].get(e)) c.predicate_config = config_of(e);
                if (c.transform.empty() && c.predicate.empty()) bad("case without transform or predicate");
                if (!o["records"].get(e)) {
                    for (dom::element se : dom::array(e))
                        c.steps.push_back(step_of(se));
                } else if (!o["input"].get(e)) {
                    c.steps.push_back(step_of(o));
                } else if (!o["error"].get(e)) {
                    c.config_error = str_of(e); // no input: configure itself must fail
                } else {
                    bad("case without input, records or error");
                }
            } catch (const std::exception& ex) {
                throw std::runtime_error(path + " case " + std::to_string(index) + " (" + c.name + "): " + ex.what());
            }
            c.id = sanitize(file) + "_" + std::to_string(index) + "_" + sanitize(c.name);
            cases.push_back(std::move(c));
            ++index;
        }
    }
    return cases;
}

// ---- building transforms by class name (no registry) ----

std::string simple_name(const std::string& cls) {
    auto dot = cls.rfind('.');
    return dot == std::string::npos ? cls : cls.substr(dot + 1);
}

std::unique_ptr<transformation> make_transform(const std::string& cls) {
    static const std::map<std::string, std::function<std::unique_ptr<transformation>(side)>> keyed = {
        {"Cast", [](side s) { return std::make_unique<cast>(s); }},
        {"ExtractField", [](side s) { return std::make_unique<extract_field>(s); }},
        {"Flatten", [](side s) { return std::make_unique<flatten>(s); }},
        {"HeaderFrom", [](side s) { return std::make_unique<header_from>(s); }},
        {"HoistField", [](side s) { return std::make_unique<hoist_field>(s); }},
        {"InsertField", [](side s) { return std::make_unique<insert_field>(s); }},
        {"MaskField", [](side s) { return std::make_unique<mask_field>(s); }},
        {"ReplaceField", [](side s) { return std::make_unique<replace_field>(s); }},
        {"SetSchemaMetadata", [](side s) { return std::make_unique<set_schema_metadata>(s); }},
        {"TimestampConverter", [](side s) { return std::make_unique<timestamp_converter>(s); }},
    };
    static const std::map<std::string, std::function<std::unique_ptr<transformation>()>> plain = {
        {"DropHeaders", [] { return std::make_unique<drop_headers>(); }},
        {"Filter", [] { return std::make_unique<filter>(); }},
        {"InsertHeader", [] { return std::make_unique<insert_header>(); }},
        {"RegexRouter", [] { return std::make_unique<regex_router>(); }},
        {"TimestampRouter", [] { return std::make_unique<timestamp_router>(); }},
        {"ValueToKey", [] { return std::make_unique<value_to_key>(); }},
        {"ExtractNewRecordState", [] { return std::make_unique<extract_new_record_state>(); }},
    };
    std::string name = simple_name(cls);
    if (auto it = plain.find(name); it != plain.end()) return it->second();
    auto dollar = name.find('$');
    if (dollar != std::string::npos) {
        auto it = keyed.find(name.substr(0, dollar));
        std::string variant = name.substr(dollar + 1);
        if (it != keyed.end() && (variant == "Key" || variant == "Value"))
            return it->second(variant == "Key" ? side::key : side::value);
    }
    bad("unknown transform class " + cls);
}

std::unique_ptr<predicate> make_predicate(const std::string& cls) {
    std::string name = simple_name(cls);
    if (name == "TopicNameMatches") return std::make_unique<topic_name_matches>();
    if (name == "HasHeaderKey") return std::make_unique<has_header_key>();
    if (name == "RecordIsTombstone") return std::make_unique<record_is_tombstone>();
    bad("unknown predicate class " + cls);
}

// ---- the test ----

class transforms_golden : public ::testing::TestWithParam<golden_case> {};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void expect_same(const connect_record& actual, const connect_record& expected) {
    EXPECT_EQ(actual.topic, expected.topic);
    EXPECT_EQ(actual.kafka_partition, expected.kafka_partition);
    EXPECT_EQ(actual.timestamp, expected.timestamp);
    EXPECT_EQ(actual.kafka_offset(), expected.kafka_offset());
    bool same = actual.topic == expected.topic && actual.kafka_partition == expected.kafka_partition &&
                actual.timestamp == expected.timestamp && schema_equals(actual.key_schema, expected.key_schema) &&
                actual.key == expected.key && schema_equals(actual.value_schema, expected.value_schema) &&
                actual.val == expected.val && actual.headers == expected.headers;
    EXPECT_TRUE(same) << "actual:   " << render(actual) << "\nexpected: " << render(expected);
    // The struct values must carry the schema the record names (what a converter serializes with).
    if (actual.val.type() == value::kind::struct_ && actual.value_schema) {
        EXPECT_TRUE(schema_equals(actual.val.as_struct()->schema(), actual.value_schema))
            << "value struct schema differs from the record's value schema";
    }
    if (actual.key.type() == value::kind::struct_ && actual.key_schema) {
        EXPECT_TRUE(schema_equals(actual.key.as_struct()->schema(), actual.key_schema))
            << "key struct schema differs from the record's key schema";
    }
}

TEST_P(transforms_golden, matches) {
    const golden_case& c = GetParam();
    std::unique_ptr<transformation> t;
    std::unique_ptr<transformation> t_shared; // the same transform, fed records whose structs are shared
    std::unique_ptr<predicate> p;
    try {
        if (!c.transform.empty()) {
            t = make_transform(c.transform);
            t->configure(c.config);
            t_shared = make_transform(c.transform);
            t_shared->configure(c.config);
        }
        if (!c.predicate.empty()) {
            p = make_predicate(c.predicate);
            p->configure(c.transform.empty() ? c.config : c.predicate_config);
        }
    } catch (const config_error& e) {
        bool expected_here = c.config_error || (!c.steps.empty() && c.steps[0].error_type == "config_error");
        ASSERT_TRUE(expected_here) << "configure failed: " << e.what();
        std::string want = c.config_error ? *c.config_error : *c.steps[0].error;
        EXPECT_TRUE(contains(e.what(), want)) << "error: " << e.what() << "\nexpected to contain: " << want;
        return;
    }
    ASSERT_FALSE(c.config_error) << "configure succeeded; expected: " << *c.config_error;
    for (size_t i = 0; i < c.steps.size(); ++i) {
        SCOPED_TRACE("record " + std::to_string(i));
        const step& s = c.steps[i];
        ASSERT_NE(s.error_type, "config_error") << "configure succeeded; expected: " << *s.error;
        record_spec in = record_of(s.input, nullptr, false);
        auto rec = in.rec;
        if (s.test) {
            ASSERT_TRUE(p) << "a \"test\" case needs a predicate";
            EXPECT_EQ(p->test(*rec), *s.test);
            continue;
        }
        // A copy of the input for the expected side: unspecified members stay as they came in.
        record_spec original = record_of(s.input, nullptr, false);
        if (t_shared) {
            // The input again, with a second owner of its key and value (another record sharing
            // its structs): the transform may not edit them in place, must give the same result,
            // and the other owner must still see the input as it was.
            SCOPED_TRACE("input structs shared with another record");
            auto shared_rec = record_of(s.input, nullptr, false).rec;
            const value other_key = shared_rec->key, other_val = shared_rec->val;
            bool shared_kept = true;
            std::optional<std::string> shared_error;
            try {
                if (!p || p->test(*shared_rec) != c.negate) shared_kept = t_shared->apply(*shared_rec);
            } catch (const data_error& e) {
                shared_error = e.what();
            }
            EXPECT_TRUE(other_key == original.rec->key)
                << "the key shared with another record changed: " << render_value(other_key);
            EXPECT_TRUE(other_val == original.rec->val)
                << "the value shared with another record changed: " << render_value(other_val);
            if (s.error) {
                EXPECT_TRUE(shared_error && contains(*shared_error, *s.error))
                    << "error: " << shared_error.value_or("(none)") << "\nexpected to contain: " << *s.error;
            } else if (shared_error) {
                ADD_FAILURE() << "apply failed: " << *shared_error;
            } else if (s.dropped) {
                EXPECT_FALSE(shared_kept);
            } else if (shared_kept) {
                expect_same(*shared_rec, *record_of(*s.expect, original.rec.get(), original.source).rec);
            } else {
                ADD_FAILURE() << "the record was dropped";
            }
        }
        bool kept = true;
        try {
            // transform_chain's rule: a stage runs unless its predicate (XOR negate) says skip.
            if (!p || p->test(*rec) != c.negate) kept = t->apply(*rec);
        } catch (const data_error& e) {
            ASSERT_TRUE(s.error) << "apply failed: " << e.what() << "\nrecord: " << render(*original.rec);
            EXPECT_TRUE(contains(e.what(), *s.error)) << "error: " << e.what() << "\nexpected to contain: " << *s.error;
            continue;
        }
        ASSERT_FALSE(s.error) << "apply succeeded; expected the error: " << *s.error << "\nresult: " << render(*rec);
        if (s.dropped) {
            EXPECT_FALSE(kept) << "expected the record to be dropped; got " << render(*rec);
            continue;
        }
        ASSERT_TRUE(kept) << "the record was dropped";
        record_spec expected = record_of(*s.expect, original.rec.get(), original.source);
        expect_same(*rec, *expected.rec);
    }
}

std::vector<golden_case> all_cases() {
    try {
        return load_cases();
    } catch (const std::exception& e) {
        // Surfaced as a failing test rather than a crash during test discovery.
        golden_case broken;
        broken.id = "unreadable_golden_files";
        broken.name = e.what();
        broken.transform = "<unreadable>";
        return {broken};
    }
}

INSTANTIATE_TEST_SUITE_P(golden, transforms_golden, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<golden_case>& info) { return info.param.id; });

TEST(transforms_golden_files, every_family_has_cases) {
    auto cases = load_cases();
    std::map<std::string, int> per_class;
    for (const auto& c : cases) {
        if (!c.transform.empty()) per_class[simple_name(c.transform)]++;
        if (!c.predicate.empty()) per_class[simple_name(c.predicate)]++;
    }
    for (std::string name : {"Cast$Key",
                             "Cast$Value",
                             "DropHeaders",
                             "ExtractField$Key",
                             "ExtractField$Value",
                             "Filter",
                             "Flatten$Key",
                             "Flatten$Value",
                             "HeaderFrom$Key",
                             "HeaderFrom$Value",
                             "HoistField$Key",
                             "HoistField$Value",
                             "InsertField$Key",
                             "InsertField$Value",
                             "InsertHeader",
                             "MaskField$Key",
                             "MaskField$Value",
                             "RegexRouter",
                             "ReplaceField$Key",
                             "ReplaceField$Value",
                             "SetSchemaMetadata$Key",
                             "SetSchemaMetadata$Value",
                             "TimestampConverter$Key",
                             "TimestampConverter$Value",
                             "TimestampRouter",
                             "ValueToKey",
                             "TopicNameMatches",
                             "HasHeaderKey",
                             "RecordIsTombstone",
                             "ExtractNewRecordState"})
        EXPECT_GT(per_class[name], 0) << "no golden case for " << name;
}

} // namespace
} // namespace ferry::transforms
