#include "rest/value_json.hpp"

#include <cmath>

namespace ferry::rest {

void write_value(json_writer& w, const value& v) {
    using k = value::kind;
    switch (v.type()) {
    case k::null: w.null(); break;
    case k::boolean: w.boolean(v.as_bool()); break;
    case k::int8: case k::int16: case k::int32: case k::int64: w.num(v.to_int64()); break;
    case k::float32: case k::float64: w.dbl(v.to_float64()); break;
    case k::string: w.str(v.as_string()); break;
    case k::bytes: w.str(v.as_bytes()); break;
    case k::array:
        w.begin_array();
        for (auto& x : v.as_array()) write_value(w, x);
        w.end_array();
        break;
    case k::map:
        w.begin_object();
        for (auto& [mk, mv] : v.as_map()) {
            w.key(mk.type() == k::string ? mk.as_string() : to_java_string(mk));
            write_value(w, mv);
        }
        w.end_object();
        break;
    case k::struct_: {
        auto& s = v.as_struct();
        w.begin_object();
        for (auto& f : s->schema()->fields()) {
            w.key(f.name);
            write_value(w, s->get(f));
        }
        w.end_object();
        break;
    }
    }
}

value read_value(const rapidjson::Value& j) {
    if (j.IsNull()) return value();
    if (j.IsBool()) return value(j.GetBool());
    if (j.IsInt64()) return value(int64_t(j.GetInt64()));
    if (j.IsUint64()) return value(double(j.GetUint64()));
    if (j.IsNumber()) return value(j.GetDouble());
    if (j.IsString()) return value(std::string(j.GetString(), j.GetStringLength()));
    if (j.IsArray()) {
        value::array_type a;
        for (auto& x : j.GetArray()) a.push_back(read_value(x));
        return value(std::move(a));
    }
    value::map_type m;
    for (auto& x : j.GetObject())
        m.emplace_back(value(std::string(x.name.GetString(), x.name.GetStringLength())), read_value(x.value));
    return value(std::move(m));
}

} // namespace ferry::rest
