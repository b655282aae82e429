#include "plugins/converters/json/json_converter.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/base64.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/converters/json/json_writer.hpp"

#include <fmt/format.h>

// simdjson's on-demand iterator checks its own invariants with assert() unless NDEBUG is set,
// which Ferry's release builds keep for Ferry's asserts; those checks cost about a fifth of the
// parse. They guard simdjson's internal state, not the input, so they are compiled out here.
#ifndef NDEBUG
#define NDEBUG
#define FERRY_JSON_RESTORE_ASSERT
#endif
#include <simdjson.h>
#ifdef FERRY_JSON_RESTORE_ASSERT
#undef NDEBUG
#undef FERRY_JSON_RESTORE_ASSERT
#include <cassert>
#endif

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ferry::json {

namespace {

namespace od = simdjson::ondemand;
using namespace std::string_view_literals;

constexpr int64_t k_millis_per_day = 86400000;

constexpr std::string_view k_envelope_error =
    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional "
    "fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter "
    "configuration.";

// A conversion problem and where it happened (innermost segment first); turned into a
// data_error naming the field once it reaches the converter's surface.
struct json_error {
    std::string message;
    std::vector<std::string> path;
};

[[noreturn]] void fail(std::string message) { throw json_error{std::move(message), {}}; }

std::string render_path(const std::vector<std::string>& path) {
    std::string out;
    for (size_t i = path.size(); i-- > 0;) {
        const std::string& seg = path[i];
        if (!out.empty() && seg[0] != '[') out.push_back('.');
        out += seg;
    }
    return out;
}

data_error to_data_error(const json_error& e) {
    if (e.path.empty()) return data_error(e.message);
    return data_error(fmt::format("{} (field \"{}\")", e.message, render_path(e.path)));
}

std::string index_segment(size_t i) { return fmt::format("[{}]", i); }

// What getClass() would print for the Java object Connect holds for this kind of value.
std::string_view java_class_of(value::kind k) {
    switch (k) {
    case value::kind::null: return "null";
    case value::kind::boolean: return "class java.lang.Boolean";
    case value::kind::int8: return "class java.lang.Byte";
    case value::kind::int16: return "class java.lang.Short";
    case value::kind::int32: return "class java.lang.Integer";
    case value::kind::int64: return "class java.lang.Long";
    case value::kind::float32: return "class java.lang.Float";
    case value::kind::float64: return "class java.lang.Double";
    case value::kind::string: return "class java.lang.String";
    case value::kind::bytes: return "class [B";
    case value::kind::array: return "class java.util.ArrayList";
    case value::kind::map: return "class java.util.HashMap";
    case value::kind::struct_: return "class org.apache.kafka.connect.data.Struct";
    }
    return "unknown";
}

std::optional<schema_type> type_of_kind(value::kind k) {
    switch (k) {
    case value::kind::boolean: return schema_type::boolean;
    case value::kind::int8: return schema_type::int8;
    case value::kind::int16: return schema_type::int16;
    case value::kind::int32: return schema_type::int32;
    case value::kind::int64: return schema_type::int64;
    case value::kind::float32: return schema_type::float32;
    case value::kind::float64: return schema_type::float64;
    case value::kind::string: return schema_type::string;
    case value::kind::bytes: return schema_type::bytes;
    case value::kind::array: return schema_type::array;
    case value::kind::map: return schema_type::map;
    case value::kind::struct_: return schema_type::struct_;
    default: return std::nullopt;
    }
}

// BigInteger.toByteArray() is minimal; a producer may have padded the sign.
std::string_view minimal_twos_complement(std::string_view b) {
    while (b.size() > 1) {
        auto first = static_cast<uint8_t>(b[0]);
        auto next = static_cast<uint8_t>(b[1]);
        if ((first == 0x00 && !(next & 0x80)) || (first == 0xff && (next & 0x80))) {
            b.remove_prefix(1);
        } else {
            break;
        }
    }
    return b;
}

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_json(std::string_view s) {
    while (!s.empty() && is_json_whitespace(s.back())) s.remove_suffix(1);
    while (!s.empty() && is_json_whitespace(s.front())) s.remove_prefix(1);
    return s;
}

std::string_view node_type_name(od::json_type t) {
    switch (t) {
    case od::json_type::array: return "ARRAY";
    case od::json_type::object: return "OBJECT";
    case od::json_type::number: return "NUMBER";
    case od::json_type::string: return "STRING";
    case od::json_type::boolean: return "BOOLEAN";
    case od::json_type::null: return "NULL";
    }
    return "UNKNOWN";
}

template <class T>
T check(simdjson::simdjson_result<T>&& r);

// A JSON string's content. Strings without escapes (nearly all) are taken straight from the
// input, which simdjson has already validated as UTF-8.
std::string_view string_view_of(od::value& v) {
    std::string_view tok = trim_json(v.raw_json_token());
    if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"' &&
        std::memchr(tok.data() + 1, '\\', tok.size() - 2) == nullptr)
        return tok.substr(1, tok.size() - 2);
    return check(v.get_string());
}

// Whether a member's key is `name`, compared on the raw bytes when `name` needs no escaping.
bool key_is(od::field& f, std::string_view name) {
    const char* raw = f.key().raw();
    if (std::memcmp(raw, name.data(), name.size()) == 0 && raw[name.size()] == '"')
        return name.find('\\') == std::string_view::npos;
    return false;
}

[[noreturn]] void fail_json(simdjson::error_code err) {
    fail(fmt::format("Converting byte[] to Kafka Connect data failed due to serialization error: {}",
                     simdjson::error_message(err)));
}

template <class T>
T check(simdjson::simdjson_result<T>&& r) {
    if (r.error()) [[unlikely]]
        fail_json(r.error());
    return std::move(r).value_unsafe();
}

// A node's type. simdjson's on-demand type() decides from the first character alone, so a token
// starting with 'n' ("nonsense", "nul") reports null without being read; checking the literal
// makes such input a serialization error, as Jackson's "Unrecognized token" is, instead of a
// silent null (which a sink may even take for a delete).
od::json_type node_type(od::value& v) {
    od::json_type t = check(v.type());
    if (t == od::json_type::null && !check(v.is_null())) [[unlikely]]
        fail_json(simdjson::N_ATOM_ERROR);
    return t;
}

// Schema equality except for the default: a struct used as the default of its own schema was
// necessarily built against the schema before the default was set.
bool same_except_default(const schema& a, const schema& b) {
    if (&a == &b || a == b) return true;
    if (a.type() != b.type() || a.optional() != b.optional() || a.name() != b.name() || a.version() != b.version() ||
        a.doc() != b.doc() || a.fields().size() != b.fields().size())
        return false;
    for (size_t i = 0; i < a.fields().size(); ++i)
        if (a.fields()[i].name != b.fields()[i].name || !schema_equals(a.fields()[i].schema, b.fields()[i].schema))
            return false;
    auto params = [](const schema& x) {
        auto p = x.parameters();
        std::sort(p.begin(), p.end());
        return p;
    };
    return params(a) == params(b);
}

// --- numbers, read from their text as Jackson's nodes would convert them ---

struct json_number {
    std::string_view text;
    bool integral = true; // no fraction, no exponent: Jackson's IntNode/LongNode/BigIntegerNode
};

// JSON's number grammar with leading zeros allowed (JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS).
json_number parse_number_token(std::string_view tok) {
    tok = trim_json(tok);
    json_number n{tok, true};
    size_t i = 0;
    if (i < tok.size() && tok[i] == '-') ++i;
    size_t digits = i;
    while (i < tok.size() && tok[i] >= '0' && tok[i] <= '9') ++i;
    bool ok = i > digits;
    if (ok && i < tok.size() && tok[i] == '.') {
        n.integral = false;
        size_t f = ++i;
        while (i < tok.size() && tok[i] >= '0' && tok[i] <= '9') ++i;
        ok = i > f;
    }
    if (ok && i < tok.size() && (tok[i] == 'e' || tok[i] == 'E')) {
        n.integral = false;
        ++i;
        if (i < tok.size() && (tok[i] == '+' || tok[i] == '-')) ++i;
        size_t e = i;
        while (i < tok.size() && tok[i] >= '0' && tok[i] <= '9') ++i;
        ok = i > e;
    }
    if (!ok || i != tok.size()) fail(fmt::format("Invalid JSON number: {}", tok));
    return n;
}

json_number read_number(od::value& v) { return parse_number_token(v.raw_json_token()); }

// Number.longValue() of a number node, with the common case (a plain integer in range) first.
int64_t read_long(od::value& v);

// Number.longValue() of the node: the low 64 bits of the integer part.
int64_t low_bits(const json_number& n) {
    std::string_view t = n.text;
    int64_t fast = 0;
    if (n.integral) {
        auto r = std::from_chars(t.data(), t.data() + t.size(), fast);
        if (r.ec == std::errc()) return fast;
    }
    bool neg = !t.empty() && t[0] == '-';
    if (neg) t.remove_prefix(1);
    std::string_view int_part = t.substr(0, std::min(t.find_first_of(".eE"), t.size()));
    std::string_view frac_part;
    int64_t exp = 0;
    if (!n.integral) {
        size_t dot = t.find('.');
        size_t e = t.find_first_of("eE");
        if (dot != std::string_view::npos) frac_part = t.substr(dot + 1, (e == std::string_view::npos ? t.size() : e) - dot - 1);
        if (e != std::string_view::npos) {
            std::string_view es = t.substr(e + 1);
            bool eneg = !es.empty() && es[0] == '-';
            if (!es.empty() && (es[0] == '+' || es[0] == '-')) es.remove_prefix(1);
            for (char c : es) {
                exp = exp * 10 + (c - '0');
                if (exp > 100000) break; // far beyond where the low 64 bits become zero
            }
            if (eneg) exp = -exp;
        }
    }
    // Digits of the integer part: int_part, then as many fraction digits as the exponent shifts in.
    uint64_t v = 0;
    auto take = [&](char c) { v = v * 10 + static_cast<uint64_t>(c - '0'); };
    if (exp >= 0) {
        for (char c : int_part) take(c);
        int64_t shifted = 0;
        for (; shifted < exp && shifted < static_cast<int64_t>(frac_part.size()); ++shifted) take(frac_part[shifted]);
        for (int64_t k = shifted; k < exp && k < shifted + 70; ++k) v *= 10; // 10^64 = 0 mod 2^64
    } else {
        int64_t keep = static_cast<int64_t>(int_part.size()) + exp;
        for (int64_t k = 0; k < keep; ++k) take(int_part[k]);
    }
    return static_cast<int64_t>(neg ? ~v + 1 : v);
}

int64_t read_long(od::value& v) {
    std::string_view tok = trim_json(v.raw_json_token());
    int64_t fast = 0;
    auto r = std::from_chars(tok.data(), tok.data() + tok.size(), fast);
    if (r.ec == std::errc() && r.ptr == tok.data() + tok.size()) return fast;
    return low_bits(parse_number_token(tok));
}

// Jackson's isInt(): an integer token that fits in an int.
std::optional<int32_t> as_int32(const json_number& n) {
    if (!n.integral) return std::nullopt;
    int32_t v = 0;
    auto r = std::from_chars(n.text.data(), n.text.data() + n.text.size(), v);
    if (r.ec != std::errc() || r.ptr != n.text.data() + n.text.size()) return std::nullopt;
    return v;
}

// doubleValue()/floatValue(): correctly rounded; infinite or zero out of range; BigDecimal has no
// negative zero.
template <class T>
T as_floating(const json_number& n) {
    T v{};
    auto r = std::from_chars(n.text.data(), n.text.data() + n.text.size(), v);
    if (r.ec == std::errc::result_out_of_range) {
        auto d = logical::parse_decimal(n.text);
        bool big = d && static_cast<int64_t>(logical::decimal_to_string(d->unscaled, 0).size()) - d->scale > 1;
        v = big ? std::numeric_limits<T>::infinity() : T(0);
        if (!n.text.empty() && n.text[0] == '-') v = -v;
    }
    if (v == 0) v = T(0);
    return v;
}

// Our own writer emits these strings for non-finite floats (Jackson's QUOTE_NON_NUMERIC_NUMBERS).
template <class T>
std::optional<T> non_finite(std::string_view s) {
    if (s == "NaN") return std::numeric_limits<T>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<T>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<T>::infinity();
    return std::nullopt;
}

// --- LRU caches ---

struct schema_structure_hash {
    size_t operator()(const schema* s) const { return schema_hash(*s); }
};
struct schema_structure_eq {
    bool operator()(const schema* a, const schema* b) const { return a == b || *a == *b; }
};

// A reusable input buffer with the padding simdjson requires.
class padded_buffer {
public:
    std::string_view assign(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
        size_t len = a.size() + b.size() + c.size();
        reserve(len);
        char* p = _data.get();
        if (!a.empty()) std::memcpy(p, a.data(), a.size());
        if (!b.empty()) std::memcpy(p + a.size(), b.data(), b.size());
        if (!c.empty()) std::memcpy(p + a.size() + b.size(), c.data(), c.size());
        std::memset(p + len, ' ', simdjson::SIMDJSON_PADDING);
        _size = len;
        return {p, len};
    }
    simdjson::padded_string_view view() const { return simdjson::padded_string_view(_data.get(), _size, _capacity); }
    // A sub-range of this buffer: everything after it is readable, which is all simdjson needs.
    simdjson::padded_string_view sub(std::string_view part) const {
        size_t offset = static_cast<size_t>(part.data() - _data.get());
        return simdjson::padded_string_view(part.data(), part.size(), _capacity - offset);
    }
    const char* data() const { return _data.get(); }

private:
    void reserve(size_t len) {
        size_t need = len + simdjson::SIMDJSON_PADDING;
        if (need <= _capacity) return;
        size_t cap = std::max(need, _capacity * 2);
        _data = std::make_unique<char[]>(cap);
        _capacity = cap;
    }
    std::unique_ptr<char[]> _data;
    size_t _capacity = 0;
    size_t _size = 0;
};

} // namespace

// Jackson's StreamReadConstraints: nesting deeper than this is rejected (it also keeps the
// recursive reader's stack use bounded).
constexpr int k_max_nesting_depth = 1000;

struct json_converter::impl {
    // configuration
    bool schemas_enabled = true;
    int32_t cache_size = 1000;
    bool decimal_numeric = false;
    bool replace_null = true;

    // from_connect: schema JSON by schema structure, with a pointer-keyed front.
    struct out_entry {
        schema_ptr schema;
        std::shared_ptr<const std::string> json;
    };
    std::list<out_entry> out_lru;
    std::unordered_map<const schema*, std::list<out_entry>::iterator, schema_structure_hash, schema_structure_eq> out_index;
    std::array<out_entry, 8> out_front;
    std::string out_scratch;
    // from_connect: the JSON of the last nested struct that was shared (held elsewhere too, like
    // the `source` block a CDC connector puts into every row of a table), reused while the next
    // records carry the same struct object with the same schema. Holding a reference keeps the
    // object alive (so its address cannot come back as another struct) and shared (so no
    // transform edits it in place); structs in a record are otherwise never modified.
    struct_ptr memo_struct;
    const schema* memo_schema = nullptr;
    std::string memo_json;
    const value* top_level = nullptr;

    // from_connect: how to write a struct schema's fields, built once per schema object: each
    // field's key with its quotes, colon and leading comma already rendered, and which logical
    // type (if any) the field's schema is - so a record costs one append per key and no name
    // comparisons. Direct-mapped by the schema's address; the entry holds the schema, so an
    // address cannot come back as another schema while its plan is cached.
    enum class logical_kind : uint8_t { unknown, none, decimal, date, time, timestamp };
    struct struct_plan {
        schema_ptr schema;
        std::vector<std::string> keys;
        std::vector<logical_kind> kinds;
    };
    // Shared pointers: a nested struct may evict its parent's slot while the parent is written.
    std::array<std::shared_ptr<const struct_plan>, 16> plans;

    static logical_kind logical_of(const schema* s) {
        if (!s || !s->name()) return logical_kind::none;
        const std::string& n = *s->name();
        if (n == logical::decimal_name) return logical_kind::decimal;
        if (n == logical::date_name) return logical_kind::date;
        if (n == logical::time_name) return logical_kind::time;
        if (n == logical::timestamp_name) return logical_kind::timestamp;
        return logical_kind::none;
    }

    std::shared_ptr<const struct_plan> plan_for(const schema_ptr& s) {
        auto& slot = plans[(reinterpret_cast<uintptr_t>(s.get()) >> 4) & (plans.size() - 1)];
        if (slot && slot->schema.get() == s.get()) return slot;
        auto p = std::make_shared<struct_plan>();
        p->schema = s;
        const auto& fields = s->fields();
        for (size_t i = 0; i < fields.size(); ++i) {
            std::string k = i ? "," : "";
            append_string(k, fields[i].name);
            k.push_back(':');
            p->keys.push_back(std::move(k));
            p->kinds.push_back(logical_of(fields[i].schema.get()));
        }
        slot = p;
        return p;
    }

    // to_connect: schemas by the exact text of their JSON.
    struct in_entry {
        std::string json;
        schema_ptr schema;
    };
    std::list<in_entry> in_lru;
    std::unordered_map<std::string_view, std::list<in_entry>::iterator> in_index;
    // The entry of the previous record's schema: most topics carry one schema, and recognising
    // its text with one memcmp lets the parser skip it entirely.
    std::optional<std::list<in_entry>::iterator> in_last;

    int depth = 0; // nesting of the value being read

    struct nesting {
        explicit nesting(int& d) : _d(d) {
            if (++_d > k_max_nesting_depth)
                fail(fmt::format("Converting byte[] to Kafka Connect data failed due to serialization error: Document "
                                 "nesting depth ({}) exceeds the maximum allowed ({})",
                                 _d, k_max_nesting_depth));
        }
        ~nesting() { --_d; }
        nesting(const nesting&) = delete;
        nesting& operator=(const nesting&) = delete;
        int& _d;
    };

    od::parser parser;     // the record being read
    od::parser aux_parser; // schema text, defaults, payloads seen before their schema
    padded_buffer record_buf;
    padded_buffer schema_buf;
    padded_buffer scratch_buf;

    void reset_caches() {
        out_lru.clear();
        out_index.clear();
        out_front = {};
        plans = {};
        in_lru.clear();
        in_index.clear();
        in_last.reset();
    }

    // ---------------------------------------------------------------- writing

    const std::string& schema_json(const schema_ptr& s) {
        if (cache_size <= 0) {
            out_scratch.clear();
            write_schema(out_scratch, s.get(), nullptr);
            return out_scratch;
        }
        auto& slot = out_front[(reinterpret_cast<uintptr_t>(s.get()) >> 4) & (out_front.size() - 1)];
        if (slot.schema.get() == s.get()) return *slot.json;
        std::shared_ptr<const std::string> json;
        if (auto it = out_index.find(s.get()); it != out_index.end()) {
            out_lru.splice(out_lru.begin(), out_lru, it->second);
            json = it->second->json;
        } else {
            auto text = std::make_shared<std::string>();
            write_schema(*text, s.get(), nullptr);
            json = text;
            out_lru.push_front(out_entry{s, json});
            out_index.emplace(s.get(), out_lru.begin());
            if (out_lru.size() > static_cast<size_t>(cache_size)) {
                out_index.erase(out_lru.back().schema.get());
                out_lru.pop_back();
            }
        }
        slot = out_entry{s, json};
        return *json;
    }

    // JsonConverter.asJsonSchema; `field_name` adds the "field" member of a struct field.
    void write_schema(std::string& out, const schema* s, const std::string* field_name) {
        if (!s) {
            out += "null";
            return;
        }
        out += "{\"type\":\"";
        out += json_type_name(s->type());
        out.push_back('"');
        switch (s->type()) {
        case schema_type::array:
            out += ",\"items\":";
            write_schema(out, s->value_schema().get(), nullptr);
            break;
        case schema_type::map:
            out += ",\"keys\":";
            write_schema(out, s->key_schema().get(), nullptr);
            out += ",\"values\":";
            write_schema(out, s->value_schema().get(), nullptr);
            break;
        case schema_type::struct_: {
            out += ",\"fields\":[";
            bool first = true;
            for (const auto& f : s->fields()) {
                if (!first) out.push_back(',');
                first = false;
                write_schema(out, f.schema.get(), &f.name);
            }
            out.push_back(']');
            break;
        }
        default: break;
        }
        out += s->optional() ? ",\"optional\":true" : ",\"optional\":false";
        if (s->name()) {
            out += ",\"name\":";
            append_string(out, *s->name());
        }
        if (s->version()) {
            out += ",\"version\":";
            append_int(out, *s->version());
        }
        if (s->doc()) {
            out += ",\"doc\":";
            append_string(out, *s->doc());
        }
        if (!s->parameters().empty()) {
            out += ",\"parameters\":{";
            bool first = true;
            for (const auto& [k, v] : s->parameters()) {
                if (!first) out.push_back(',');
                first = false;
                append_string(out, k);
                out.push_back(':');
                append_string(out, v);
            }
            out.push_back('}');
        }
        if (s->default_value()) {
            out += ",\"default\":";
            write_value(out, s, *s->default_value());
        }
        if (field_name) {
            out += ",\"field\":";
            append_string(out, *field_name);
        }
        out.push_back('}');
    }

    template <class T>
    static void write_floating(std::string& out, T v) {
        char buf[java_number_chars];
        size_t n = sizeof(T) == 4 ? java_float_to_chars(static_cast<float>(v), buf) : java_double_to_chars(double(v), buf);
        if (std::isfinite(v)) {
            out.append(buf, n);
        } else {
            out.push_back('"'); // Jackson's QUOTE_NON_NUMERIC_NUMBERS
            out.append(buf, n);
            out.push_back('"');
        }
    }

    // The logical types JsonConverter knows; false when `s` is not one of them.
    bool write_logical(std::string& out, const schema& s, const value& v, logical_kind kind) {
        if (kind == logical_kind::unknown) kind = logical_of(&s);
        if (kind == logical_kind::none) return false;
        const std::string& n = *s.name();
        if (kind == logical_kind::decimal) {
            if (v.type() != value::kind::bytes)
                fail(fmt::format("Invalid type for Decimal, expected BYTES (the unscaled value) but was {}",
                                 java_class_of(v.type())));
            int32_t scale = 0;
            try {
                scale = logical::decimal_scale(s);
            } catch (const data_error& e) {
                fail(e.what());
            }
            std::string_view unscaled = minimal_twos_complement(v.as_bytes());
            if (unscaled.empty()) fail("Invalid bytes for Decimal: no unscaled value");
            if (decimal_numeric) {
                out += logical::decimal_to_java_string(unscaled, scale);
            } else {
                out.push_back('"');
                base64_encode(unscaled, out);
                out.push_back('"');
            }
            return true;
        }
        if (kind == logical_kind::date || kind == logical_kind::time) {
            if (v.type() != value::kind::int32)
                fail(fmt::format("Invalid type for {}, expected INT32 but was {}",
                                 n == logical::date_name ? "Date" : "Time", java_class_of(v.type())));
            if (n == logical::time_name && (v.as_int32() < 0 || v.as_int32() > k_millis_per_day))
                fail("Kafka Connect Time type should not have any date fields set to non-zero values.");
            append_int(out, v.as_int32());
            return true;
        }
        if (kind == logical_kind::timestamp) {
            if (v.type() != value::kind::int64)
                fail(fmt::format("Invalid type for Timestamp, expected INT64 but was {}", java_class_of(v.type())));
            append_int(out, v.as_int64());
            return true;
        }
        return false;
    }

    // JsonConverter.convertToJson, rendered straight into `out`. `kind` is the logical type of
    // `s` when the caller knows it (a struct plan), else unknown.
    void write_value(std::string& out, const schema* s, const value& v, logical_kind kind = logical_kind::unknown) {
        if (v.is_null()) {
            if (!s) {
                out += "null";
            } else if (s->default_value() && replace_null) {
                write_value(out, s, *s->default_value());
            } else if (s->optional()) {
                out += "null";
            } else {
                fail("Conversion error: null value for field that is required and has no default value");
            }
            return;
        }
        if (s && s->name() && write_logical(out, *s, v, kind)) return;
        schema_type t;
        if (s) {
            t = s->type();
        } else if (auto inferred = type_of_kind(v.type())) {
            t = *inferred;
        } else {
            fail(fmt::format("Java class {} does not have corresponding schema type.", java_class_of(v.type())));
        }
        auto expect = [&](value::kind k) {
            if (v.type() != k) fail(fmt::format("Invalid type for {}: {}", type_name(t), java_class_of(v.type())));
        };
        switch (t) {
        case schema_type::int8: expect(value::kind::int8); append_int(out, v.as_int8()); break;
        case schema_type::int16: expect(value::kind::int16); append_int(out, v.as_int16()); break;
        case schema_type::int32: expect(value::kind::int32); append_int(out, v.as_int32()); break;
        case schema_type::int64: expect(value::kind::int64); append_int(out, v.as_int64()); break;
        case schema_type::float32: expect(value::kind::float32); write_floating(out, v.as_float32()); break;
        case schema_type::float64: expect(value::kind::float64); write_floating(out, v.as_float64()); break;
        case schema_type::boolean: expect(value::kind::boolean); out += v.as_bool() ? "true" : "false"; break;
        case schema_type::string: expect(value::kind::string); append_string(out, v.as_string()); break;
        case schema_type::bytes:
            expect(value::kind::bytes);
            out.push_back('"');
            base64_encode(v.as_bytes(), out);
            out.push_back('"');
            break;
        case schema_type::array: {
            expect(value::kind::array);
            const schema* es = s ? s->value_schema().get() : nullptr;
            out.push_back('[');
            size_t i = 0;
            for (const auto& e : v.as_array()) {
                if (i) out.push_back(',');
                try {
                    write_value(out, es, e);
                } catch (json_error& err) {
                    err.path.push_back(index_segment(i));
                    throw;
                }
                ++i;
            }
            out.push_back(']');
            break;
        }
        case schema_type::map: write_map(out, s, v, t); break;
        case schema_type::struct_: {
            expect(value::kind::struct_);
            const auto& st = v.as_struct();
            if (st && st == memo_struct && s == memo_schema) {
                out += memo_json;
                break;
            }
            if (!s || !st || !st->schema() || !same_except_default(*st->schema(), *s)) fail("Mismatching schema.");
            const size_t start = out.size();
            out.push_back('{');
            const auto& fields = s->fields();
            // The plan is the struct's own schema's; `s` may be a copy of it differing only in its
            // default, with the same field names and field schemas, so the same keys and kinds.
            const auto plan_ref = plan_for(st->schema());
            const struct_plan& plan = *plan_ref;
            for (size_t i = 0; i < fields.size(); ++i) {
                const field& f = fields[i];
                out += plan.keys[i];
                try {
                    write_value(out, f.schema.get(), st->get(static_cast<int>(i)), plan.kinds[i]);
                } catch (json_error& err) {
                    err.path.push_back(f.name);
                    throw;
                }
            }
            out.push_back('}');
            // Only when `s` is the struct's own schema object, which the remembered struct keeps
            // alive: a pointer match on the next record then really is the same schema.
            if (st.use_count() > 1 && &v != top_level && s == st->schema().get()) {
                memo_struct = st;
                memo_schema = s;
                memo_json.assign(out, start, out.size() - start);
            }
            break;
        }
        }
    }

    void write_map(std::string& out, const schema* s, const value& v, schema_type t) {
        if (v.type() != value::kind::map) fail(fmt::format("Invalid type for {}: {}", type_name(t), java_class_of(v.type())));
        const auto& m = v.as_map();
        const schema* ks = s ? s->key_schema().get() : nullptr;
        const schema* vs = s ? s->value_schema().get() : nullptr;
        bool object_mode = true;
        if (s) {
            object_mode = ks && ks->type() == schema_type::string;
        } else {
            for (const auto& [k, e] : m) {
                if (k.type() != value::kind::string) {
                    object_mode = false;
                    break;
                }
            }
        }
        out.push_back(object_mode ? '{' : '[');
        bool first = true;
        for (const auto& [k, e] : m) {
            if (!first) out.push_back(',');
            first = false;
            try {
                if (object_mode) {
                    // ObjectNode.set(key.asText(), ...): a null key prints as the text "null".
                    if (k.type() == value::kind::string) {
                        append_string(out, k.as_string());
                    } else if (k.is_null() && ks && ks->default_value() && replace_null &&
                               ks->default_value()->type() == value::kind::string) {
                        append_string(out, ks->default_value()->as_string());
                    } else if (k.is_null() && (!ks || ks->optional())) {
                        out += "\"null\"";
                    } else if (k.is_null()) {
                        fail("Conversion error: null value for field that is required and has no default value");
                    } else {
                        fail(fmt::format("Invalid type for STRING: {}", java_class_of(k.type())));
                    }
                    out.push_back(':');
                    write_value(out, vs, e);
                } else {
                    out.push_back('[');
                    write_value(out, ks, k);
                    out.push_back(',');
                    write_value(out, vs, e);
                    out.push_back(']');
                }
            } catch (json_error& err) {
                err.path.push_back(k.type() == value::kind::string ? fmt::format("[\"{}\"]", k.as_string())
                                                                   : std::string("[key]"));
                throw;
            }
        }
        out.push_back(object_mode ? '}' : ']');
    }

    bool from_connect(const schema_ptr& s, const value& v, std::string& out) {
        out.clear();
        if (!s && v.is_null()) return false; // a tombstone
        top_level = &v; // the record's own struct is not worth remembering
        try {
            if (schemas_enabled) {
                out += "{\"schema\":";
                if (s) {
                    out += schema_json(s);
                } else {
                    out += "null";
                }
                out += ",\"payload\":";
                write_value(out, s.get(), v);
                out.push_back('}');
            } else {
                write_value(out, s.get(), v);
            }
        } catch (const json_error& e) {
            out.clear();
            throw to_data_error(e);
        }
        return true;
    }

    // ---------------------------------------------------------------- reading

    // The JSON text of a value, which stays valid as long as the buffer it points into.
    static std::string_view raw_of(od::value v) {
        od::json_type t = node_type(v);
        if (t == od::json_type::object) {
            od::object o = check(v.get_object());
            return check(o.raw_json());
        }
        if (t == od::json_type::array) {
            od::array a = check(v.get_array());
            return check(a.raw_json());
        }
        return trim_json(v.raw_json_token());
    }

    schema_ptr lookup_schema(std::string_view text) {
        if (cache_size > 0) {
            if (auto it = in_index.find(text); it != in_index.end()) {
                if (it->second != in_lru.begin()) in_lru.splice(in_lru.begin(), in_lru, it->second);
                in_last = it->second;
                return it->second->schema;
            }
        }
        std::string_view copy = schema_buf.assign(text);
        schema_ptr parsed = parse_schema(copy).schema;
        if (cache_size > 0) {
            in_lru.push_front(in_entry{std::string(text), parsed});
            in_index.emplace(in_lru.front().json, in_lru.begin());
            if (in_lru.size() > static_cast<size_t>(cache_size)) {
                in_index.erase(in_lru.back().json);
                in_lru.pop_back();
            }
            in_last = in_lru.begin();
        }
        return parsed;
    }

    struct parsed_schema {
        schema_ptr schema;
        std::optional<std::string> field_name;
    };

    // JsonConverter.asConnectSchema over text inside schema_buf. Members are collected first and
    // interpreted afterwards, because JSON does not order them and "default" needs the type.
    parsed_schema parse_schema(std::string_view text) {
        text = trim_json(text);
        if (text == "null") return {};
        if (text.empty() || text[0] != '{') fail("Schema must contain 'type' field");
        std::optional<std::string> type;
        bool optional = false;
        std::optional<std::string> name, doc, field_name;
        std::optional<int32_t> version;
        schema_parameters params;
        bool bad_params = false;
        std::optional<std::string_view> dflt, items, keys, values, fields;
        {
            od::document doc_ = check(aux_parser.iterate(schema_buf.sub(text)));
            od::object obj = check(doc_.get_object());
            for (auto fr : obj) {
                od::field f = check(std::move(fr));
                std::string key(check(f.unescaped_key()));
                od::value v = f.value();
                od::json_type t = node_type(v);
                if (key == "type") {
                    if (t == od::json_type::string) {
                        type = std::string(check(v.get_string()));
                    } else {
                        type.reset();
                    }
                } else if (key == "optional") {
                    optional = t == od::json_type::boolean && check(v.get_bool());
                } else if (key == "name") {
                    if (t == od::json_type::string) name = std::string(check(v.get_string()));
                } else if (key == "version") {
                    if (t == od::json_type::number) {
                        json_number n = read_number(v);
                        if (n.integral) version = static_cast<int32_t>(low_bits(n));
                    }
                } else if (key == "doc") {
                    if (t == od::json_type::string) doc = std::string(check(v.get_string()));
                } else if (key == "parameters") {
                    params.clear();
                    bad_params = false;
                    if (t == od::json_type::object) {
                        od::object po = check(v.get_object());
                        for (auto pr : po) {
                            od::field pf = check(std::move(pr));
                            std::string pk(check(pf.unescaped_key()));
                            od::value pv = pf.value();
                            if (node_type(pv) != od::json_type::string) {
                                bad_params = true;
                                continue;
                            }
                            std::string val(check(pv.get_string()));
                            auto it = std::find_if(params.begin(), params.end(), [&](auto& p) { return p.first == pk; });
                            if (it != params.end()) {
                                it->second = std::move(val);
                            } else {
                                params.emplace_back(std::move(pk), std::move(val));
                            }
                        }
                    }
                } else if (key == "default") {
                    dflt = raw_of(v);
                } else if (key == "items") {
                    items = raw_of(v);
                } else if (key == "keys") {
                    keys = raw_of(v);
                } else if (key == "values") {
                    values = raw_of(v);
                } else if (key == "fields") {
                    fields = raw_of(v);
                } else if (key == "field") {
                    field_name.reset();
                    if (t == od::json_type::string) field_name = std::string(check(v.get_string()));
                }
            }
        }
        if (!type) fail("Schema must contain 'type' field");
        std::optional<schema_builder> builder;
        const std::string& tn = *type;
        try {
            if (tn == "array") {
                if (!items || *items == "null") fail("Array schema did not specify the element type");
                builder = schema_builder::array(parse_schema(*items).schema);
            } else if (tn == "map") {
                if (!keys) fail("Map schema did not specify the key type");
                if (!values) fail("Map schema did not specify the value type");
                schema_ptr k = parse_schema(*keys).schema;
                schema_ptr v = parse_schema(*values).schema;
                builder = schema_builder::map(std::move(k), std::move(v));
            } else if (tn == "struct") {
                builder = schema_builder::struct_();
                if (!fields || fields->empty() || (*fields)[0] != '[')
                    fail("Struct schema's \"fields\" argument is not an array.");
                std::vector<std::string_view> elements;
                {
                    od::document fd = check(aux_parser.iterate(schema_buf.sub(*fields)));
                    od::array arr = check(fd.get_array());
                    for (auto er : arr) elements.push_back(raw_of(check(std::move(er))));
                }
                for (std::string_view e : elements) {
                    parsed_schema ps = (!e.empty() && e[0] == '{') ? parse_schema(e) : parsed_schema{};
                    if (!ps.field_name) fail("Struct schema's field name not specified properly");
                    std::string fname = *ps.field_name;
                    builder->field(std::move(fname), std::move(ps.schema));
                }
            } else if (auto t = type_from_name(tn); t && is_primitive(*t) && tn == json_type_name(*t)) {
                builder.emplace(*t);
            } else {
                fail(fmt::format("Unknown schema type: {}", tn));
            }
            if (optional) {
                builder->optional();
            } else {
                builder->required();
            }
            if (name) builder->name(*name);
            if (version) builder->version(*version);
            if (doc) builder->doc(*doc);
            if (bad_params) fail("Schema parameters must have string values.");
            for (auto& [k, v] : params) builder->parameter(k, v);
            if (dflt) {
                schema_ptr so_far = builder->build();
                builder->default_value(read_detached(so_far, *dflt));
            }
        } catch (const data_error& e) {
            fail(e.what());
        }
        return {builder->build(), std::move(field_name)};
    }

    // Converts JSON text that is not part of the record being iterated (a default, or a payload
    // that came before its schema).
    value read_detached(const schema_ptr& s, std::string_view text) {
        scratch_buf.assign("["sv, text, "]"sv);
        od::document d = check(aux_parser.iterate(scratch_buf.view()));
        od::array arr = check(d.get_array());
        for (auto er : arr) return read(s, check(std::move(er)));
        fail("Invalid JSON: no value");
    }

    value read_null(const schema_ptr& s) {
        if (s->default_value() && replace_null) return *s->default_value();
        if (s->optional()) return value();
        fail(fmt::format("Invalid null value for required {} field", type_name(s->type())));
    }

    value read_logical(const schema& s, od::value& v, od::json_type t, bool& done) {
        done = true;
        const std::string& n = *s.name();
        if (n == logical::decimal_name) {
            int32_t scale = 0;
            try {
                scale = logical::decimal_scale(s);
                if (t == od::json_type::number)
                    return value::bytes(logical::decimal_from_string(read_number(v).text, scale));
            } catch (const data_error& e) {
                fail(e.what());
            }
            if (t == od::json_type::string) {
                auto bytes = base64_decode(string_view_of(v));
                if (!bytes || bytes->empty()) fail("Invalid bytes for Decimal field");
                std::string_view minimal = minimal_twos_complement(*bytes);
                if (minimal.size() != bytes->size()) return value::bytes(std::string(minimal));
                return value::bytes(std::move(*bytes));
            }
            fail(fmt::format("Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                             node_type_name(t)));
        }
        if (n == logical::date_name || n == logical::time_name) {
            std::string_view what = n == logical::date_name ? "Date" : "Time";
            std::optional<int32_t> i;
            if (t == od::json_type::number) i = as_int32(read_number(v));
            if (!i)
                fail(fmt::format("Invalid type for {}, underlying representation should be integer but was {}", what,
                                 node_type_name(t)));
            if (n == logical::time_name && (*i < 0 || *i > k_millis_per_day))
                fail("Time values must use number of milliseconds greater than 0 and less than 86400000");
            return value(*i);
        }
        if (n == logical::timestamp_name) {
            if (t == od::json_type::number) {
                json_number num = read_number(v);
                if (num.integral) return value(low_bits(num));
            }
            fail(fmt::format("Invalid type for Timestamp, underlying representation should be integral but was {}",
                             node_type_name(t)));
        }
        done = false;
        return value();
    }

    [[noreturn]] static void wrong_kind(const schema& s, od::json_type t) {
        std::string_view expected = "a JSON value";
        switch (s.type()) {
        case schema_type::boolean: expected = "true or false"; break;
        case schema_type::array: expected = "a JSON array"; break;
        case schema_type::map:
        case schema_type::struct_: expected = "a JSON object"; break;
        case schema_type::string:
        case schema_type::bytes: expected = "a JSON string"; break;
        default: expected = "a JSON number"; break;
        }
        fail(fmt::format("Expected {} for {} but found {}", expected, type_name(s.type()), node_type_name(t)));
    }

    std::string read_string_value(const schema& s, od::value& v, od::json_type t) {
        if (t != od::json_type::string)
            fail(fmt::format("Expected a JSON string for {} but found {}", type_name(s.type()), node_type_name(t)));
        return std::string(string_view_of(v));
    }

    // JsonConverter.convertToConnect.
    value read(const schema_ptr& sp, od::value v) {
        od::json_type t = node_type(v);
        if (!sp) return read_schemaless(v, t);
        const schema& s = *sp;
        if (t == od::json_type::null) return read_null(sp);
        if (s.name()) {
            bool done = false;
            value lv = read_logical(s, v, t, done);
            if (done) return lv;
        }
        switch (s.type()) {
        case schema_type::boolean:
            if (t != od::json_type::boolean) wrong_kind(s, t);
            return value(check(v.get_bool()));
        case schema_type::int8:
        case schema_type::int16:
        case schema_type::int32:
        case schema_type::int64: {
            if (t != od::json_type::number) wrong_kind(s, t);
            int64_t n = read_long(v);
            switch (s.type()) {
            case schema_type::int8: return value(static_cast<int8_t>(static_cast<int32_t>(n)));
            case schema_type::int16: return value(static_cast<int16_t>(static_cast<int32_t>(n)));
            case schema_type::int32: return value(static_cast<int32_t>(n));
            default: return value(n);
            }
        }
        case schema_type::float32:
            if (t == od::json_type::string) {
                if (auto f = non_finite<float>(check(v.get_string()))) return value(*f);
            }
            if (t != od::json_type::number) wrong_kind(s, t);
            return value(as_floating<float>(read_number(v)));
        case schema_type::float64:
            if (t == od::json_type::string) {
                if (auto d = non_finite<double>(check(v.get_string()))) return value(*d);
            }
            if (t != od::json_type::number) wrong_kind(s, t);
            return value(as_floating<double>(read_number(v)));
        case schema_type::string: return value(read_string_value(s, v, t));
        case schema_type::bytes: {
            if (t != od::json_type::string) fail(fmt::format("Invalid bytes field: expected base64 text but found {}", node_type_name(t)));
            auto bytes = base64_decode(string_view_of(v));
            if (!bytes) fail("Invalid bytes field: not base64");
            return value::bytes(std::move(*bytes));
        }
        case schema_type::array: {
            if (t != od::json_type::array) wrong_kind(s, t);
            nesting guard(depth);
            od::array arr = check(v.get_array());
            value::array_type out;
            size_t i = 0;
            for (auto er : arr) {
                od::value ev = check(std::move(er));
                try {
                    out.push_back(read(s.value_schema(), ev));
                } catch (json_error& e) {
                    e.path.push_back(index_segment(i));
                    throw;
                }
                ++i;
            }
            return value(std::move(out));
        }
        case schema_type::map: {
            nesting guard(depth);
            return read_map(s, v, t);
        }
        case schema_type::struct_: {
            nesting guard(depth);
            return read_struct(sp, v, t);
        }
        }
        fail("Unknown schema type");
    }

    // Keys of a map being read, to find repeated keys (HashMap.put / ObjectNode.set keep the
    // last value) without comparing every pair: a one-word Bloom filter while the map is small,
    // an index once it is large.
    struct key_set {
        uint64_t bloom = 0;
        std::unordered_map<std::string, size_t> index;
    };

    // A byte string identifying a primitive key, or nullopt for keys that are compared in full.
    static std::optional<std::string> key_identity(const value& k) {
        std::string id(1, static_cast<char>(k.type()));
        switch (k.type()) {
        case value::kind::string: return id + k.as_string();
        case value::kind::bytes: return id + k.as_bytes();
        case value::kind::boolean: return id + (k.as_bool() ? "1" : "0");
        case value::kind::int8:
        case value::kind::int16:
        case value::kind::int32:
        case value::kind::int64: return id + std::to_string(k.to_int64());
        case value::kind::null: return id;
        default: return std::nullopt;
        }
    }

    static void put_entry(value::map_type& m, key_set& ks, value k, value v) {
        auto id = key_identity(k);
        if (id && !ks.index.empty()) {
            auto [it, inserted] = ks.index.try_emplace(*id, m.size());
            if (!inserted) {
                m[it->second].second = std::move(v);
                return;
            }
            m.emplace_back(std::move(k), std::move(v));
            return;
        }
        uint64_t bit = id ? uint64_t(1) << (std::hash<std::string>()(*id) & 63) : ~uint64_t(0);
        if (ks.bloom & bit) {
            for (auto& e : m) {
                if (e.first == k) {
                    e.second = std::move(v);
                    return;
                }
            }
        }
        ks.bloom |= bit;
        m.emplace_back(std::move(k), std::move(v));
        if (m.size() == 64 && id) {
            for (size_t i = 0; i < m.size(); ++i)
                if (auto eid = key_identity(m[i].first)) ks.index.emplace(std::move(*eid), i);
        }
    }

    // The same for the string keys of a JSON object, without building values for the search.
    static void put_member(value::map_type& m, key_set& ks, std::string_view key, value v) {
        if (!ks.index.empty()) {
            std::string id(1, static_cast<char>(value::kind::string));
            id.append(key);
            auto [it, inserted] = ks.index.try_emplace(std::move(id), m.size());
            if (!inserted) {
                m[it->second].second = std::move(v);
                return;
            }
            m.emplace_back(value(key), std::move(v));
            return;
        }
        uint64_t bit = uint64_t(1) << ((key.size() * 31 + (key.empty() ? 0 : static_cast<uint8_t>(key.back()))) & 63);
        if (ks.bloom & bit) {
            for (auto& e : m) {
                const std::string& ek = e.first.as_string();
                if (ek.size() == key.size() && ek == key) {
                    e.second = std::move(v);
                    return;
                }
            }
        }
        ks.bloom |= bit;
        if (m.empty()) m.reserve(16);
        m.emplace_back(value(key), std::move(v));
        if (m.size() == 64) {
            for (size_t i = 0; i < m.size(); ++i) ks.index.emplace(*key_identity(m[i].first), i);
        }
    }

    value read_map(const schema& s, od::value& v, od::json_type t) {
        value::map_type out;
        const schema_ptr& ks = s.key_schema();
        const schema_ptr& vs = s.value_schema();
        if (!ks || ks->type() == schema_type::string) {
            if (t != od::json_type::object)
                fail(fmt::format("Maps with string fields should be encoded as JSON objects, but found {}", node_type_name(t)));
            od::object obj = check(v.get_object());
            key_set seen;
            for (auto fr : obj) {
                od::field f = check(std::move(fr));
                std::string_view key = check(f.unescaped_key());
                try {
                    value val = read(vs, f.value());
                    put_member(out, seen, key, std::move(val));
                } catch (json_error& e) {
                    e.path.push_back(fmt::format("[\"{}\"]", key));
                    throw;
                }
            }
            return value(std::move(out));
        }
        if (t != od::json_type::array)
            fail(fmt::format("Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                             node_type_name(t)));
        od::array arr = check(v.get_array());
        size_t i = 0;
        key_set pairs_seen;
        for (auto er : arr) {
            od::value entry = check(std::move(er));
            od::json_type et = node_type(entry);
            if (et != od::json_type::array)
                fail(fmt::format("Found invalid map entry instead of array tuple: {}", node_type_name(et)));
            try {
                od::array tuple = check(entry.get_array());
                value key, val;
                size_t n = 0;
                for (auto tr : tuple) {
                    od::value tv = check(std::move(tr));
                    if (n == 0) key = read(ks, tv);
                    if (n == 1) val = read(vs, tv);
                    ++n;
                }
                if (n != 2) fail(fmt::format("Found invalid map entry, expected length 2 but found :{}", n));
                put_entry(out, pairs_seen, std::move(key), std::move(val));
            } catch (json_error& e) {
                e.path.push_back(index_segment(i));
                throw;
            }
            ++i;
        }
        return value(std::move(out));
    }

    value read_struct(const schema_ptr& sp, od::value& v, od::json_type t) {
        if (t != od::json_type::object)
            fail(fmt::format("Structs should be encoded as JSON objects, but found {}", node_type_name(t)));
        const auto& fields = sp->fields();
        auto st = std::make_shared<struct_value>(sp);
        od::object obj = check(v.get_object());
        size_t expect = 0;
        for (auto fr : obj) {
            od::field f = check(std::move(fr));
            size_t idx = fields.size();
            if (expect < fields.size() && key_is(f, fields[expect].name)) {
                idx = expect;
            } else {
                std::string_view key = check(f.unescaped_key());
                for (size_t k = 0; k < fields.size(); ++k) {
                    if (fields[k].name == key) {
                        idx = k;
                        break;
                    }
                }
            }
            if (idx == fields.size()) continue; // not in the schema: ignored, as Java does
            expect = idx + 1;
            const field& fd = fields[idx];
            try {
                st->put_unchecked(static_cast<int>(idx), read(fd.schema, f.value()));
            } catch (json_error& e) {
                e.path.push_back(fd.name);
                throw;
            }
        }
        // Missing members read as null: default, null or an error, as for an explicit null.
        for (size_t k = 0; k < fields.size(); ++k) {
            if (!st->get(static_cast<int>(k)).is_null()) continue;
            const field& fd = fields[k];
            try {
                value nv = read_null(fd.schema);
                if (!nv.is_null()) st->put_unchecked(static_cast<int>(k), std::move(nv));
            } catch (json_error& e) {
                e.path.push_back(fd.name);
                throw;
            }
        }
        return value(std::move(st));
    }

    // Without a schema: integers are INT64, other numbers FLOAT64, objects maps, arrays lists.
    value read_schemaless(od::value& v, od::json_type t) {
        switch (t) {
        case od::json_type::null: return value();
        case od::json_type::boolean: return value(check(v.get_bool()));
        case od::json_type::number: {
            std::string_view tok = trim_json(v.raw_json_token());
            int64_t fast = 0;
            auto r = std::from_chars(tok.data(), tok.data() + tok.size(), fast);
            if (r.ec == std::errc() && r.ptr == tok.data() + tok.size()) return value(fast);
            json_number n = parse_number_token(tok);
            if (n.integral) return value(low_bits(n));
            return value(as_floating<double>(n));
        }
        case od::json_type::string: return value(string_view_of(v));
        case od::json_type::array: {
            nesting guard(depth);
            od::array arr = check(v.get_array());
            value::array_type out;
            size_t i = 0;
            for (auto er : arr) {
                od::value ev = check(std::move(er));
                try {
                    out.push_back(read_schemaless(ev, node_type(ev)));
                } catch (json_error& e) {
                    e.path.push_back(index_segment(i));
                    throw;
                }
                ++i;
            }
            return value(std::move(out));
        }
        case od::json_type::object: {
            nesting guard(depth);
            od::object obj = check(v.get_object());
            value::map_type out;
            key_set seen;
            for (auto fr : obj) {
                od::field f = check(std::move(fr));
                // Stays valid: the parser appends every unescaped string to its buffer.
                std::string_view key = check(f.unescaped_key());
                od::value fv = f.value();
                try {
                    value val = read_schemaless(fv, node_type(fv));
                    put_member(out, seen, key, std::move(val));
                } catch (json_error& e) {
                    e.path.push_back(fmt::format("[\"{}\"]", key));
                    throw;
                }
            }
            return value(std::move(out));
        }
        }
        return value();
    }

    schema_ptr resolve_schema(od::value v) {
        od::json_type t = node_type(v);
        if (t == od::json_type::null) return nullptr;
        if (t != od::json_type::object) fail("Schema must contain 'type' field");
        od::object o = check(v.get_object());
        return lookup_schema(check(o.raw_json()));
    }

    schema_and_value to_connect(nullable_bytes data) {
        if (!data) return {};
        try {
            if (!schemas_enabled) {
                if (trim_json(*data).empty()) return {}; // Jackson reads no content as a missing node
                record_buf.assign("["sv, *data, "]"sv);
                od::document d = parse_record();
                od::array arr = check(d.get_array());
                for (auto er : arr) {
                    od::value v = check(std::move(er));
                    return {nullptr, read_schemaless(v, node_type(v))};
                }
                return {};
            }
            if (trim_json(*data).empty()) throw data_error(std::string(k_envelope_error));
            if (auto fast = to_connect_known_schema(*data)) return std::move(*fast);
            record_buf.assign(*data);
            od::document d = parse_record();
            od::json_type root = od::json_type::null;
            if (d.type().get(root) || root != od::json_type::object) throw data_error(std::string(k_envelope_error));
            od::object env = check(d.get_object());
            int schemas = 0, payloads = 0, others = 0;
            schema_ptr schema;
            value payload;
            bool payload_read = false;
            std::optional<std::string_view> payload_raw;
            std::exception_ptr payload_error;
            for (auto fr : env) {
                od::field f = check(std::move(fr));
                std::string_view key = check(f.unescaped_key());
                if (key == "schema") {
                    ++schemas;
                    schema = resolve_schema(f.value());
                } else if (key == "payload") {
                    ++payloads;
                    if (schemas == 1 && payloads == 1) {
                        try {
                            payload = read(schema, f.value());
                        } catch (const json_error&) {
                            // Reported below, unless a later "schema" member replaces the schema.
                            payload_error = std::current_exception();
                        }
                        payload_read = true;
                    } else {
                        payload_raw = raw_of(f.value());
                        payload_read = false;
                    }
                } else {
                    ++others;
                }
            }
            if (others > 0 || schemas == 0 || payloads == 0) throw data_error(std::string(k_envelope_error));
            if (schemas > 1 && payload_read) {
                // A second "schema" after the payload: Jackson keeps the last of each member.
                return to_connect_last_members();
            }
            if (payload_error) std::rethrow_exception(payload_error);
            if (!payload_read) payload = read_detached(schema, *payload_raw);
            return {std::move(schema), std::move(payload)};
        } catch (const json_error& e) {
            throw to_data_error(e);
        }
    }

    // The envelope as JsonConverter writes it, {"schema":<the previous record's schema
    // text>,"payload":...}: the schema is recognised by comparing bytes and only the payload is
    // parsed. Anything unusual (other spacing, member order, extra members, errors) returns
    // nullopt and takes the general path, which also produces the error messages.
    std::optional<schema_and_value> to_connect_known_schema(std::string_view data) {
        static constexpr std::string_view prefix = "{\"schema\":";
        static constexpr std::string_view middle = ",\"payload\":";
        if (!data.starts_with(prefix)) return std::nullopt;
        std::string_view rest = data.substr(prefix.size());
        schema_ptr schema;
        if (rest.starts_with("null")) {
            rest.remove_prefix(4);
        } else if (in_last && rest.size() > (*in_last)->json.size() &&
                   std::memcmp(rest.data(), (*in_last)->json.data(), (*in_last)->json.size()) == 0) {
            schema = (*in_last)->schema;
            rest.remove_prefix((*in_last)->json.size());
        } else {
            return std::nullopt;
        }
        if (!rest.starts_with(middle)) return std::nullopt;
        rest.remove_prefix(middle.size());
        while (!rest.empty() && is_json_whitespace(rest.back())) rest.remove_suffix(1);
        if (rest.size() < 2 || rest.back() != '}') return std::nullopt;
        rest.remove_suffix(1);
        try {
            record_buf.assign("["sv, rest, "]"sv);
            od::document d;
            if (parser.iterate(record_buf.view()).get(d)) return std::nullopt;
            od::array arr = check(d.get_array());
            value payload;
            size_t n = 0;
            for (auto er : arr) {
                if (n++ == 0) payload = read(schema, check(std::move(er)));
            }
            if (n != 1) return std::nullopt; // more members after the payload
            return schema_and_value{std::move(schema), std::move(payload)};
        } catch (const json_error&) {
            return std::nullopt;
        }
    }

    od::document parse_record() {
        od::document d;
        if (auto err = parser.iterate(record_buf.view()).get(d))
            throw data_error(fmt::format(
                "Converting byte[] to Kafka Connect data failed due to serialization error: {}",
                simdjson::error_message(err)));
        return d;
    }

    schema_and_value to_connect_last_members() {
        od::document d = parse_record();
        od::object env = check(d.get_object());
        std::string_view schema_raw, payload_raw;
        for (auto fr : env) {
            od::field f = check(std::move(fr));
            std::string_view key = check(f.unescaped_key());
            if (key == "schema") schema_raw = raw_of(f.value());
            if (key == "payload") payload_raw = raw_of(f.value());
        }
        std::string schema_text(schema_raw), payload_text(payload_raw);
        schema_ptr schema;
        if (schema_text != "null") {
            if (schema_text.empty() || schema_text[0] != '{') fail("Schema must contain 'type' field");
            schema = lookup_schema(schema_text);
        }
        return {schema, read_detached(schema, payload_text)};
    }
};

json_converter::json_converter() : _impl(std::make_unique<impl>()) {}
json_converter::~json_converter() = default;

const config::config_def& json_converter::definition() {
    using namespace ferry::config;
    static const config_def d =
        config_def()
            .define({.name = "converter.type",
                     .type = config_type::string,
                     .def = no_default,
                     .valid = validators::one_of({"key", "value", "header"}),
                     .imp = importance::low,
                     .doc = "How this converter will be used."})
            .define({.name = "schemas.enable",
                     .type = config_type::boolean,
                     .def = "true",
                     .imp = importance::high,
                     .doc = "Include schemas within each of the serialized values and keys.",
                     .group = "Schemas",
                     .order = 0,
                     .w = width::medium,
                     .display_name = "Enable Schemas"})
            .define({.name = "schemas.cache.size",
                     .type = config_type::int_,
                     .def = "1000",
                     .imp = importance::high,
                     .doc = "The maximum number of schemas that can be cached in this converter instance.",
                     .group = "Schemas",
                     .order = 1,
                     .w = width::medium,
                     .display_name = "Schema Cache Size"})
            .define({.name = "decimal.format",
                     .type = config_type::string,
                     .def = "BASE64",
                     .valid = validators::one_of({"BASE64", "NUMERIC"}, false),
                     .imp = importance::low,
                     .doc = "Controls which format this converter will serialize decimals in. This value is case "
                            "insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
                     .group = "Serialization",
                     .order = 0,
                     .w = width::medium,
                     .display_name = "Decimal Format"})
            .define({.name = "replace.null.with.default",
                     .type = config_type::boolean,
                     .def = "true",
                     .imp = importance::low,
                     .doc = "Whether to replace fields that have a default value and that are null to the default "
                            "value. When set to true, the default value is used, otherwise null is used.",
                     .group = "Serialization",
                     .order = 1,
                     .w = width::medium,
                     .display_name = "Replace null with default"});
    return d;
}

namespace {
config::config_map with_type(const config::config_map& props, std::string_view type, bool override_type) {
    config::config_map p = props;
    if (override_type || !p.count("converter.type")) p["converter.type"] = std::string(type);
    return p;
}
} // namespace

void json_converter::configure(const config::config_map& props, bool is_key) {
    apply(with_type(props, is_key ? "key" : "value", true));
}

void json_converter::configure(const config::config_map& props) { apply(with_type(props, "header", false)); }

void json_converter::apply(const config::config_map& props) {
    config::config_values v = definition().parse(props);
    _impl->schemas_enabled = v.get_bool("schemas.enable");
    _impl->cache_size = v.get_int("schemas.cache.size");
    std::string fmt_name = v.get_string("decimal.format");
    for (auto& c : fmt_name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    _impl->decimal_numeric = fmt_name == "NUMERIC";
    _impl->replace_null = v.get_bool("replace.null.with.default");
    _impl->reset_caches();
}

bool json_converter::from_connect(std::string_view, ferry::headers&, const schema_ptr& schema, const value& v,
                                  std::string& out) {
    return _impl->from_connect(schema, v, out);
}

schema_and_value json_converter::to_connect(std::string_view, const ferry::headers&, nullable_bytes data) {
    return _impl->to_connect(data);
}

bool json_converter::from_connect_header(std::string_view, std::string_view, const schema_ptr& schema, const value& v,
                                         std::string& out) {
    return _impl->from_connect(schema, v, out);
}

schema_and_value json_converter::to_connect_header(std::string_view, std::string_view, nullable_bytes data) {
    return _impl->to_connect(data);
}

std::string json_converter::schema_to_json(const schema_ptr& s) {
    if (!s) return "null";
    try {
        return _impl->schema_json(s);
    } catch (const json_error& e) {
        throw to_data_error(e);
    }
}

schema_ptr json_converter::schema_from_json(std::string_view json) {
    try {
        json = trim_json(json);
        if (json == "null") return nullptr;
        return _impl->lookup_schema(json);
    } catch (const json_error& e) {
        throw to_data_error(e);
    }
}

size_t json_converter::from_connect_schema_cache_size() const { return _impl->out_lru.size(); }
size_t json_converter::to_connect_schema_cache_size() const { return _impl->in_lru.size(); }

} // namespace ferry::json
