#pragma once
// Compact JSON output (rapidjson's writer) for REST bodies and internal-topic values.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class json_writer {
public:
    json_writer() : _w(_buf) {}
    json_writer& begin_object() { _w.StartObject(); return *this; }
    json_writer& end_object() { _w.EndObject(); return *this; }
    json_writer& begin_array() { _w.StartArray(); return *this; }
    json_writer& end_array() { _w.EndArray(); return *this; }
    json_writer& key(std::string_view k) { _w.Key(k.data(), rapidjson::SizeType(k.size())); return *this; }
    json_writer& str(std::string_view s) { _w.String(s.data(), rapidjson::SizeType(s.size())); return *this; }
    json_writer& num(int64_t v) { _w.Int64(v); return *this; }
    json_writer& dbl(double v) { _w.Double(v); return *this; }
    json_writer& boolean(bool b) { _w.Bool(b); return *this; }
    json_writer& null() { _w.Null(); return *this; }
    json_writer& opt_str(const std::optional<std::string>& s) { return s ? str(*s) : null(); }
    json_writer& raw(std::string_view json) {
        _w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
        return *this;
    }
    template <class Map>
    json_writer& string_map(const Map& m) {
        begin_object();
        for (auto& [k, v] : m) key(k).str(v);
        return end_object();
    }
    json_writer& string_list(const std::vector<std::string>& l) {
        begin_array();
        for (auto& s : l) str(s);
        return end_array();
    }
    std::string take() { return std::string(_buf.GetString(), _buf.GetSize()); }

private:
    rapidjson::StringBuffer _buf;
    rapidjson::Writer<rapidjson::StringBuffer> _w;
};

} // namespace ferry
