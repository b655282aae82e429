#include "schema_registry/avro/schema.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <array>
#include <map>
#include <set>

namespace ferry::avro {

std::string_view type_name(type t) {
    switch (t) {
    case type::null_: return "null";
    case type::boolean: return "boolean";
    case type::int_: return "int";
    case type::long_: return "long";
    case type::float_: return "float";
    case type::double_: return "double";
    case type::bytes: return "bytes";
    case type::string: return "string";
    case type::record: return "record";
    case type::enum_: return "enum";
    case type::array: return "array";
    case type::map: return "map";
    case type::union_: return "union";
    case type::fixed: return "fixed";
    }
    return "?";
}

bool is_named(type t) { return t == type::record || t == type::enum_ || t == type::fixed; }

namespace {

std::optional<type> primitive(std::string_view n) {
    if (n == "null") return type::null_;
    if (n == "boolean") return type::boolean;
    if (n == "int") return type::int_;
    if (n == "long") return type::long_;
    if (n == "float") return type::float_;
    if (n == "double") return type::double_;
    if (n == "bytes") return type::bytes;
    if (n == "string") return type::string;
    return std::nullopt;
}

const json* find_prop(const properties& p, std::string_view key) {
    for (auto& [k, v] : p)
        if (k == key) return &v;
    return nullptr;
}

bool reserved_schema_key(std::string_view k) {
    return k == "doc" || k == "fields" || k == "items" || k == "name" || k == "namespace" || k == "size" ||
           k == "symbols" || k == "values" || k == "type" || k == "aliases";
}

bool reserved_field_key(std::string_view k) {
    return k == "default" || k == "doc" || k == "name" || k == "order" || k == "type" || k == "aliases";
}

} // namespace

const json* field::prop(std::string_view key) const { return find_prop(props, key); }
const json* node::prop(std::string_view key) const { return find_prop(props, key); }

const std::string* node::prop_string(std::string_view key) const {
    auto* p = prop(key);
    return p && p->is_string() ? &p->as_string() : nullptr;
}

void node::add_prop(std::string key, json value) {
    for (auto& [k, v] : props) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    props.emplace_back(std::move(key), std::move(value));
}

const field* node::find_field(std::string_view n) const {
    for (auto& f : fields)
        if (f.name == n) return &f;
    return nullptr;
}

int node::null_branch() const {
    for (size_t i = 0; i < branches.size(); i++)
        if (branches[i]->type == type::null_) return int(i);
    return -1;
}

bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    auto first = name[0];
    if (!(std::isalpha(static_cast<unsigned char>(first)) || first == '_')) return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

void resolve_logical(node& n) {
    n.logical = logical::none;
    const std::string* lt = n.prop_string("logicalType");
    if (!lt) return;
    auto as_int = [&](const char* key, int32_t& out) {
        auto* p = n.prop(key);
        if (!p || !p->is_integer()) return false;
        out = int32_t(p->as_int());
        return true;
    };
    if (*lt == "decimal") {
        if (n.type != type::bytes && n.type != type::fixed) return;
        int32_t precision = 0, scale = 0;
        if (!as_int("precision", precision) || precision <= 0) return;
        if (n.prop("scale") && !as_int("scale", scale)) return;
        if (scale < 0 || scale > precision) return;
        if (n.type == type::fixed) {
            // Java: precision must fit the fixed size: floor(log10(2^(8*size-1) - 1)).
            double max_digits = std::floor(std::log10(std::pow(2.0, 8.0 * n.size - 1) - 1));
            if (precision > max_digits) return;
        }
        n.logical = logical::decimal;
        n.precision = precision;
        n.scale = scale;
    } else if (*lt == "date" && n.type == type::int_) {
        n.logical = logical::date;
    } else if (*lt == "time-millis" && n.type == type::int_) {
        n.logical = logical::time_millis;
    } else if (*lt == "time-micros" && n.type == type::long_) {
        n.logical = logical::time_micros;
    } else if (*lt == "timestamp-millis" && n.type == type::long_) {
        n.logical = logical::timestamp_millis;
    } else if (*lt == "timestamp-micros" && n.type == type::long_) {
        n.logical = logical::timestamp_micros;
    } else if (*lt == "local-timestamp-millis" && n.type == type::long_) {
        n.logical = logical::local_timestamp_millis;
    } else if (*lt == "local-timestamp-micros" && n.type == type::long_) {
        n.logical = logical::local_timestamp_micros;
    } else if (*lt == "uuid" && (n.type == type::string || (n.type == type::fixed && n.size == 16))) {
        n.logical = logical::uuid;
    } else if (*lt == "duration" && n.type == type::fixed && n.size == 12) {
        n.logical = logical::duration;
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

namespace {

struct parse_error {
    std::string message;
};

[[noreturn]] void bad(std::string m) { throw parse_error{std::move(m)}; }

class parser {
public:
    parser(schema& s, const parse_options& o) : _s(s), _opts(o) {}

    const node* parse(const json& j, const std::string& space) {
        if (++_depth > 256) bad("schema nesting too deep");
        const node* r = parse_inner(j, space);
        --_depth;
        return r;
    }

    void validate_defaults() {
        for (auto& [f, n] : _defaults_to_check) {
            if (!valid_default(*f->schema, *f->default_value, 0))
                bad(fmt::format("Invalid default for field {}: {} not a {}", f->name, to_json(*f->default_value),
                                to_string(*f->schema)));
        }
    }

private:
    std::string full(std::string_view name, const std::string& space) {
        if (name.find('.') != std::string_view::npos || space.empty()) return std::string(name);
        return space + "." + std::string(name);
    }

    void check_name(std::string_view full_name) {
        if (!_opts.validate) return;
        size_t start = 0;
        while (true) {
            auto dot = full_name.find('.', start);
            auto part = full_name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
            if (part.empty()) bad(fmt::format("Empty name"));
            if (!valid_name(part)) {
                auto c = part[0];
                if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_'))
                    bad(fmt::format("Illegal initial character: {}", part));
                bad(fmt::format("Illegal character in: {}", part));
            }
            if (dot == std::string_view::npos) break;
            start = dot + 1;
        }
    }

    void name_node(node* n, const json& j, const std::string& space) {
        auto* name = j.get("name");
        if (!name || !name->is_string()) bad("No name in schema: " + to_json(j));
        std::string ns = space;
        if (auto* nsj = j.get("namespace"); nsj && nsj->is_string()) ns = nsj->as_string();
        std::string fn = full(name->as_string(), ns);
        check_name(fn);
        auto dot = fn.rfind('.');
        n->name = dot == std::string::npos ? fn : fn.substr(dot + 1);
        n->space = dot == std::string::npos ? "" : fn.substr(0, dot);
        n->full_name = fn;
        if (_names.count(fn)) bad("Can't redefine: " + fn);
        _names[fn] = n;
        if (auto* d = j.get("doc"); d && d->is_string()) n->doc = d->as_string();
        if (auto* a = j.get("aliases")) {
            if (!a->is_array()) bad("aliases not an array: " + to_json(j));
            for (auto& x : a->as_array()) {
                if (!x.is_string()) bad("alias not a string: " + to_json(x));
                n->aliases.push_back(full(x.as_string(), n->space));
            }
        }
    }

    void copy_props(node* n, const json& j, bool (*reserved)(std::string_view), std::string_view extra = {}) {
        for (auto& [k, v] : j.as_object())
            if (!reserved(k) && k != extra) n->props.emplace_back(k, v);
    }

    const node* parse_inner(const json& j, const std::string& space) {
        if (j.is_string()) {
            const auto& n = j.as_string();
            if (auto p = primitive(n)) return _s.make(*p);
            auto it = _names.find(full(n, space));
            if (it == _names.end()) it = _names.find(n);
            if (it == _names.end()) bad(fmt::format("\"{}\" is not a defined name. The type of the \"{}\" field must be a "
                                                    "defined name or a {{\"type\": ...}} expression.",
                                                    n, _current_field));
            return it->second;
        }
        if (j.is_array()) {
            node* u = _s.make(type::union_);
            std::set<std::string> seen;
            for (auto& b : j.as_array()) {
                const node* bn = parse(b, space);
                if (bn->type == type::union_) bad("Nested union: " + to_json(j));
                std::string key = is_named(bn->type) ? bn->full_name : std::string(type_name(bn->type));
                if (!seen.insert(key).second) bad("Duplicate in union:" + key);
                u->branches.push_back(bn);
            }
            return u;
        }
        if (!j.is_object()) bad("Schema not yet supported: " + to_json(j));
        auto* t = j.get("type");
        if (!t) bad("No type: " + to_json(j));
        if (!t->is_string()) {
            // {"type": {...}} or {"type": [...]}: Java Avro parses the nested schema.
            return parse(*t, space);
        }
        const std::string& tn = t->as_string();
        if (auto p = primitive(tn)) {
            node* n = _s.make(*p);
            copy_props(n, j, reserved_schema_key);
            resolve_logical(*n);
            return n;
        }
        if (tn == "record" || tn == "error") {
            node* n = _s.make(type::record);
            n->is_error = tn == "error";
            name_node(n, j, space);
            auto* fields = j.get("fields");
            if (!fields || !fields->is_array()) bad("Record has no fields: " + to_json(j));
            std::set<std::string> seen;
            int pos = 0;
            // Fields are parsed into a local vector first: a recursive reference to this record
            // sees the node (registered above) while its fields are still being built.
            std::vector<field> out;
            for (auto& fj : fields->as_array()) {
                if (!fj.is_object()) bad("Field not an object: " + to_json(fj));
                auto* fname = fj.get("name");
                if (!fname || !fname->is_string()) bad("No field name: " + to_json(fj));
                auto* ftype = fj.get("type");
                if (!ftype) bad("No field type: " + to_json(fj));
                field f;
                f.name = fname->as_string();
                if (_opts.validate) check_name(f.name);
                if (f.name.find('.') != std::string::npos && _opts.validate) bad("Illegal character in: " + f.name);
                if (!seen.insert(f.name).second) bad("Duplicate field " + f.name + " in record " + n->full_name);
                std::string saved = std::move(_current_field);
                _current_field = f.name;
                f.schema = parse(*ftype, n->space);
                _current_field = std::move(saved);
                if (auto* d = fj.get("doc"); d && d->is_string()) f.doc = d->as_string();
                if (auto* d = fj.get("default")) f.default_value = *d;
                if (auto* o = fj.get("order"); o && o->is_string()) {
                    if (o->as_string() == "descending") f.order = field_order::descending;
                    else if (o->as_string() == "ignore") f.order = field_order::ignore;
                    else if (o->as_string() != "ascending" && _opts.validate) bad("Invalid order: " + o->as_string());
                }
                if (auto* a = fj.get("aliases"); a && a->is_array())
                    for (auto& x : a->as_array())
                        if (x.is_string()) f.aliases.push_back(x.as_string());
                for (auto& [k, v] : fj.as_object())
                    if (!reserved_field_key(k)) f.props.emplace_back(k, v);
                f.position = pos++;
                out.push_back(std::move(f));
            }
            n->fields = std::move(out);
            if (_opts.validate)
                for (auto& f : n->fields)
                    if (f.default_value) _defaults_to_check.emplace_back(&f, n);
            copy_props(n, j, reserved_schema_key);
            resolve_logical(*n);
            return n;
        }
        if (tn == "enum") {
            node* n = _s.make(type::enum_);
            name_node(n, j, space);
            auto* syms = j.get("symbols");
            if (!syms || !syms->is_array()) bad("Enum has no symbols: " + to_json(j));
            std::set<std::string> seen;
            for (auto& s : syms->as_array()) {
                if (!s.is_string()) bad("Enum symbol not a string: " + to_json(s));
                if (_opts.validate && !valid_name(s.as_string())) bad("Illegal character in: " + s.as_string());
                if (!seen.insert(s.as_string()).second) bad("Duplicate enum symbol: " + s.as_string());
                n->symbols.push_back(s.as_string());
            }
            if (auto* d = j.get("default")) {
                if (!d->is_string() || !seen.count(d->as_string()))
                    bad("The Enum Default: " + to_json(*d) + " is not in the enum symbol set: " + to_json(*syms));
                n->enum_default = d->as_string();
            }
            copy_props(n, j, reserved_schema_key, "default");
            resolve_logical(*n);
            return n;
        }
        if (tn == "fixed") {
            node* n = _s.make(type::fixed);
            name_node(n, j, space);
            auto* size = j.get("size");
            if (!size || !size->is_integer() || size->as_int() < 0 || size->as_int() > INT32_MAX)
                bad("Invalid or no size: " + to_json(j));
            n->size = int32_t(size->as_int());
            copy_props(n, j, reserved_schema_key);
            resolve_logical(*n);
            return n;
        }
        if (tn == "array") {
            node* n = _s.make(type::array);
            auto* items = j.get("items");
            if (!items) bad("Array has no items type: " + to_json(j));
            n->items = parse(*items, space);
            copy_props(n, j, reserved_schema_key);
            return n;
        }
        if (tn == "map") {
            node* n = _s.make(type::map);
            auto* values = j.get("values");
            if (!values) bad("Map has no values type: " + to_json(j));
            n->items = parse(*values, space);
            copy_props(n, j, reserved_schema_key);
            return n;
        }
        // A named type given as {"type": "com.example.Name"}.
        auto it = _names.find(full(tn, space));
        if (it == _names.end()) it = _names.find(tn);
        if (it != _names.end()) return it->second;
        bad("Type not supported: " + tn);
    }

    static bool fits_int(const json& j) { return j.is_integer() && j.as_int() >= INT32_MIN && j.as_int() <= INT32_MAX; }

    bool valid_default(const node& n, const json& d, int depth) {
        if (depth > 64) return true;
        switch (n.type) {
        case type::null_: return d.is_null();
        case type::boolean: return d.is_bool();
        case type::int_: return fits_int(d);
        case type::long_: return d.is_integer();
        case type::float_:
        case type::double_: return d.is_number();
        case type::string:
        case type::bytes:
        case type::enum_:
        case type::fixed: return d.is_string();
        case type::array:
            if (!d.is_array()) return false;
            for (auto& x : d.as_array())
                if (!valid_default(*n.items, x, depth + 1)) return false;
            return true;
        case type::map:
            if (!d.is_object()) return false;
            for (auto& [k, x] : d.as_object())
                if (!valid_default(*n.items, x, depth + 1)) return false;
            return true;
        case type::union_:
            // Any branch, as Avro 1.12 (AVRO-3649) that Confluent's 8.x registry parses with;
            // 1.11 and older took the first branch only.
            for (auto& b : n.branches)
                if (valid_default(*b, d, depth + 1)) return true;
            return false;
        case type::record:
            if (!d.is_object()) return false;
            for (auto& f : n.fields) {
                const json* v = d.get(f.name);
                if (!v) v = f.default_value ? &*f.default_value : nullptr;
                if (!v || !valid_default(*f.schema, *v, depth + 1)) return false;
            }
            return true;
        }
        return false;
    }

    schema& _s;
    parse_options _opts;
    std::map<std::string, node*> _names;
    std::vector<std::pair<const field*, const node*>> _defaults_to_check;
    std::string _current_field;
    int _depth = 0;
};

} // namespace

result<schema_ptr> schema::parse(std::string_view text, const parse_options& opts) {
    auto j = parse_json(text);
    if (!j) return fail(errc::invalid_argument, "{}", j.error().message);
    auto s = std::make_shared<schema>();
    try {
        parser p(*s, opts);
        s->_root = p.parse(*j, "");
        p.validate_defaults();
    } catch (const parse_error& e) {
        return fail(errc::invalid_argument, "{}", e.message);
    }
    s->_canonical = to_string(*s->_root);
    return schema_ptr(std::move(s));
}

node* schema::make(type t) {
    _nodes.push_back(std::make_unique<node>());
    _nodes.back()->type = t;
    return _nodes.back().get();
}

void schema::finish() {
    for (auto& n : _nodes) resolve_logical(*n);
    _canonical = to_string(*_root);
}

std::string schema::parsing_canonical_form() const { return avro::parsing_canonical_form(*_root); }
int64_t schema::fingerprint64() const { return avro::fingerprint64(parsing_canonical_form()); }

// ---------------------------------------------------------------------------------------------
// Java's Schema.toString()

namespace {

struct writer {
    std::set<const node*> written;
    std::set<std::string> written_names;
    std::string space; // Java's names.space()
    std::string& out;

    void key(std::string_view k) {
        write_json_string(k, out);
        out.push_back(':');
    }
    void str_field(std::string_view k, std::string_view v) {
        key(k);
        write_json_string(v, out);
        out.push_back(',');
    }
    void props(const properties& ps) {
        for (auto& [k, v] : ps) {
            key(k);
            write_json(v, out);
            out.push_back(',');
        }
    }
    void close_object() {
        if (out.back() == ',') out.back() = '}';
        else out.push_back('}');
    }
    std::string qualified(const std::string& full_name, const std::string& ns) {
        auto dot = full_name.rfind('.');
        std::string nspace = dot == std::string::npos ? "" : full_name.substr(0, dot);
        if (nspace.empty() || nspace == ns) return dot == std::string::npos ? full_name : full_name.substr(dot + 1);
        return full_name;
    }
    void name(const node& n) {
        str_field("name", n.name);
        if (!n.space.empty()) {
            if (n.space != space) str_field("namespace", n.space);
        } else if (!space.empty()) {
            str_field("namespace", "");
        }
    }
    void aliases(const node& n) {
        if (n.aliases.empty()) return;
        key("aliases");
        out.push_back('[');
        for (size_t i = 0; i < n.aliases.size(); i++) {
            if (i) out.push_back(',');
            write_json_string(qualified(n.aliases[i], n.space), out);
        }
        out += "],";
    }

    void write(const node& n) {
        if (is_named(n.type)) {
            if (written_names.count(n.full_name)) {
                write_json_string(qualified(n.full_name, space), out);
                return;
            }
            written_names.insert(n.full_name);
        }
        switch (n.type) {
        case type::union_:
            out.push_back('[');
            for (size_t i = 0; i < n.branches.size(); i++) {
                if (i) out.push_back(',');
                write(*n.branches[i]);
            }
            out.push_back(']');
            return;
        case type::record: {
            out.push_back('{');
            str_field("type", n.is_error ? "error" : "record");
            name(n);
            std::string saved = space;
            space = n.space;
            if (n.doc) str_field("doc", *n.doc);
            key("fields");
            out.push_back('[');
            for (size_t i = 0; i < n.fields.size(); i++) {
                const field& f = n.fields[i];
                if (i) out.push_back(',');
                out.push_back('{');
                str_field("name", f.name);
                key("type");
                write(*f.schema);
                out.push_back(',');
                if (f.doc) str_field("doc", *f.doc);
                if (f.default_value) {
                    key("default");
                    write_json(*f.default_value, out);
                    out.push_back(',');
                }
                if (f.order != field_order::ascending)
                    str_field("order", f.order == field_order::descending ? "descending" : "ignore");
                if (!f.aliases.empty()) {
                    key("aliases");
                    out.push_back('[');
                    for (size_t a = 0; a < f.aliases.size(); a++) {
                        if (a) out.push_back(',');
                        write_json_string(f.aliases[a], out);
                    }
                    out += "],";
                }
                props(f.props);
                close_object();
            }
            out += "],";
            props(n.props);
            aliases(n);
            space = saved;
            close_object();
            return;
        }
        case type::enum_:
            out.push_back('{');
            str_field("type", "enum");
            name(n);
            if (n.doc) str_field("doc", *n.doc);
            key("symbols");
            out.push_back('[');
            for (size_t i = 0; i < n.symbols.size(); i++) {
                if (i) out.push_back(',');
                write_json_string(n.symbols[i], out);
            }
            out += "],";
            if (n.enum_default) str_field("default", *n.enum_default);
            props(n.props);
            aliases(n);
            close_object();
            return;
        case type::fixed:
            out.push_back('{');
            str_field("type", "fixed");
            name(n);
            if (n.doc) str_field("doc", *n.doc);
            key("size");
            out += std::to_string(n.size);
            out.push_back(',');
            props(n.props);
            aliases(n);
            close_object();
            return;
        case type::array:
        case type::map:
            out.push_back('{');
            str_field("type", type_name(n.type));
            key(n.type == type::array ? "items" : "values");
            write(*n.items);
            out.push_back(',');
            props(n.props);
            close_object();
            return;
        default:
            if (n.props.empty()) {
                write_json_string(type_name(n.type), out);
                return;
            }
            out.push_back('{');
            str_field("type", type_name(n.type));
            props(n.props);
            close_object();
            return;
        }
    }
};

struct pcf_writer {
    std::set<std::string> seen;
    std::string& out;

    void write(const node& n) {
        switch (n.type) {
        case type::union_:
            out.push_back('[');
            for (size_t i = 0; i < n.branches.size(); i++) {
                if (i) out.push_back(',');
                write(*n.branches[i]);
            }
            out.push_back(']');
            return;
        case type::record:
        case type::enum_:
        case type::fixed:
            if (!seen.insert(n.full_name).second) {
                write_json_string(n.full_name, out);
                return;
            }
            out += "{\"name\":";
            write_json_string(n.full_name, out);
            out += ",\"type\":";
            write_json_string(type_name(n.type), out);
            if (n.type == type::record) {
                out += ",\"fields\":[";
                for (size_t i = 0; i < n.fields.size(); i++) {
                    if (i) out.push_back(',');
                    out += "{\"name\":";
                    write_json_string(n.fields[i].name, out);
                    out += ",\"type\":";
                    write(*n.fields[i].schema);
                    out.push_back('}');
                }
                out.push_back(']');
            } else if (n.type == type::enum_) {
                out += ",\"symbols\":[";
                for (size_t i = 0; i < n.symbols.size(); i++) {
                    if (i) out.push_back(',');
                    write_json_string(n.symbols[i], out);
                }
                out.push_back(']');
            } else {
                out += ",\"size\":" + std::to_string(n.size);
            }
            out.push_back('}');
            return;
        case type::array:
            out += "{\"type\":\"array\",\"items\":";
            write(*n.items);
            out.push_back('}');
            return;
        case type::map:
            out += "{\"type\":\"map\",\"values\":";
            write(*n.items);
            out.push_back('}');
            return;
        default: write_json_string(type_name(n.type), out); return;
        }
    }
};

} // namespace

std::string to_string(const node& n) {
    std::string out;
    writer w{{}, {}, {}, out};
    w.write(n);
    return out;
}

std::string parsing_canonical_form(const node& n) {
    std::string out;
    pcf_writer w{{}, out};
    w.write(n);
    return out;
}

int64_t fingerprint64(std::string_view bytes) {
    static const std::array<uint64_t, 256> table = [] {
        std::array<uint64_t, 256> t{};
        constexpr uint64_t empty = 0xc15d213aa4d7a795ULL;
        for (int i = 0; i < 256; i++) {
            uint64_t fp = uint64_t(i);
            for (int j = 0; j < 8; j++) fp = (fp >> 1) ^ (empty & (0 - (fp & 1)));
            t[size_t(i)] = fp;
        }
        return t;
    }();
    uint64_t fp = 0xc15d213aa4d7a795ULL;
    for (unsigned char b : bytes) fp = (fp >> 8) ^ table[(fp ^ b) & 0xff];
    return int64_t(fp);
}

} // namespace ferry::avro
