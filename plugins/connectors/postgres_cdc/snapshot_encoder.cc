#include "snapshot_encoder.hpp"

#include "plugins/converters/json/json_converter.hpp"
#include "plugins/converters/json/json_writer.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/base64.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <tuple>

namespace ferry::plugins::postgres_cdc {

namespace {

constexpr std::string_view k_json_converter = "org.apache.kafka.connect.json.JsonConverter";

// JsonConverter's schemas.enable and decimal.format (BASE64 unless NUMERIC), read by its own
// ConfigDef exactly as the runtime's converter read them.
std::pair<bool, bool> schemas_and_base64(const config_map& c) {
    auto v = json::json_converter::definition().parse(c);
    std::string fmt = v.get_string("decimal.format");
    std::transform(fmt.begin(), fmt.end(), fmt.begin(), [](unsigned char ch) { return char(std::toupper(ch)); });
    return {v.get_bool("schemas.enable"), fmt != "NUMERIC"};
}

std::unique_ptr<json::json_converter> fragment_converter(config_map c, bool is_key) {
    c["schemas.enable"] = "false";
    auto conv = std::make_unique<json::json_converter>();
    conv->configure(c, is_key);
    return conv;
}

// The envelope fields, in order, that this encoder writes; any other envelope is not encoded.
constexpr std::string_view k_envelope[] = {"before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"};

// PostgreSQL prints an integer as JsonConverter does: an optional '-', then digits without a
// leading zero. Text of that shape with fewer digits than the type's widest value is in range and
// is copied as it is (no parse and print per column per row); anything else is parsed, range
// checked and printed.
template <class T>
bool print_int(std::string& out, std::string_view text) {
    size_t neg = !text.empty() && text[0] == '-' ? 1 : 0;
    size_t digits = text.size() - neg;
    if (digits > 0 && digits <= size_t(std::numeric_limits<T>::digits10) && (text[neg] != '0' || (digits == 1 && !neg))) {
        bool all = true;
        for (size_t i = neg; i < text.size(); i++) all &= text[i] >= '0' && text[i] <= '9';
        if (all) {
            out.append(text);
            return true;
        }
    }
    T v;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
    json::append_int(out, v);
    return true;
}

} // namespace

bool append_decimal_base64(std::string& out, std::string_view t, int scale) {
    size_t i = 0;
    bool neg = !t.empty() && t[0] == '-';
    if (neg) i++;
    int64_t u = 0;
    int digits = 0, fraction = -1;
    for (; i < t.size(); i++) {
        char ch = t[i];
        if (ch == '.' && fraction < 0) {
            fraction = 0;
            continue;
        }
        if (ch < '0' || ch > '9' || ++digits > 18) return false;
        u = u * 10 + (ch - '0');
        if (fraction >= 0) fraction++;
    }
    if (digits == 0 || std::max(fraction, 0) != scale || (fraction == 0)) return false;
    if (neg) u = -u;
    unsigned char b[8];
    for (int k = 0; k < 8; k++) b[k] = static_cast<unsigned char>(uint64_t(u) >> (56 - 8 * k));
    int start = 0;
    while (start < 7 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) || (b[start] == 0xff && (b[start + 1] & 0x80)))) start++;
    out.push_back('"');
    base64_encode(std::string_view(reinterpret_cast<const char*>(b) + start, size_t(8 - start)), out);
    out.push_back('"');
    return true;
}

snapshot_encoder::~snapshot_encoder() = default;

std::unique_ptr<snapshot_encoder> snapshot_encoder::make(const record_format* format) {
    if (!format || format->key_converter != k_json_converter || format->value_converter != k_json_converter) return nullptr;
    std::unique_ptr<snapshot_encoder> e(new snapshot_encoder());
    std::tie(e->_key_schemas, e->_key_base64) = schemas_and_base64(format->key_converter_config);
    std::tie(e->_val_schemas, e->_val_base64) = schemas_and_base64(format->value_converter_config);
    e->_key_conv = fragment_converter(format->key_converter_config, true);
    e->_val_conv = fragment_converter(format->value_converter_config, false);
    return e;
}

std::string snapshot_encoder::render(json::json_converter& conv, const schema_ptr& s, const value& v) {
    std::string out;
    headers none;
    conv.from_connect("", none, s, v, out);
    return out;
}

bool snapshot_encoder::begin_table(const table_schema& ts, const value& source) {
    const auto& env = ts.envelope_schema;
    if (!env || env->type() != schema_type::struct_ || env->fields().size() != std::size(k_envelope)) return false;
    for (size_t i = 0; i < std::size(k_envelope); i++)
        if (env->fields()[i].name != k_envelope[i]) return false;
    // `before` and `transaction` are always null in a snapshot read: rendered as null only when
    // JsonConverter would (optional, no default to put in their place).
    for (size_t i : {size_t(0), size_t(3)}) {
        const auto& s = env->fields()[i].schema;
        if (!s || !s->optional() || s->default_value()) return false;
    }
    if (!ts.value_schema || ts.value_schema->type() != schema_type::struct_) return false;
    _source_schema = env->fields()[2].schema;

    auto plan = [&](const schema_ptr& st, const std::vector<int>& field_of, bool value_side, std::vector<column_plan>& out) {
        out.clear();
        const auto& fields = st->fields();
        for (size_t f = 0; f < fields.size(); f++) {
            column_plan c;
            auto it = std::find(field_of.begin(), field_of.end(), int(f));
            if (it == field_of.end()) return false; // a field no column fills
            c.column = size_t(it - field_of.begin());
            c.schema = fields[f].schema;
            if (f) c.name.push_back(',');
            json::append_string(c.name, fields[f].name);
            c.name.push_back(':');
            c.mapped = value_side && ts.mapping[c.column].k != column_mapping::none;
            c.null_is_null = c.schema->optional() && !c.schema->default_value();
            c.physical = !c.schema->name() || !c.schema->name()->starts_with("org.apache.kafka.connect.data.");
            bool plain = !c.schema->name(); // no logical type: JsonConverter prints the physical value
            switch (ts.conv[c.column].kind) {
            case conv::int16: c.kind = plain && c.schema->type() == schema_type::int16 ? how::int16 : how::convert; break;
            case conv::int32: c.kind = plain && c.schema->type() == schema_type::int32 ? how::int32 : how::convert; break;
            case conv::int64: c.kind = plain && c.schema->type() == schema_type::int64 ? how::int64 : how::convert; break;
            case conv::boolean: c.kind = plain && c.schema->type() == schema_type::boolean ? how::boolean : how::convert; break;
            // Text as it is: no logical type has a STRING schema, so any name prints as the string.
            case conv::string: c.kind = c.schema->type() == schema_type::string ? how::string : how::convert; break;
            // io.debezium.time.ZonedTimestamp: PostgreSQL's UTC text rearranged (pg_types.hpp).
            case conv::timestamptz:
                c.kind = c.schema->type() == schema_type::string ? how::timestamptz : how::convert;
                c.digits = ts.conv[c.column].scale <= 0 || ts.conv[c.column].scale > 9 ? -1 : ts.conv[c.column].scale;
                break;
            // A Decimal of the column's declared scale, when JsonConverter prints decimals as base64.
            case conv::decimal:
                c.kind = (value_side ? _val_base64 : _key_base64) && c.schema->type() == schema_type::bytes &&
                                 c.schema->name() == "org.apache.kafka.connect.data.Decimal"
                             ? how::decimal
                             : how::convert;
                c.digits = ts.conv[c.column].scale;
                break;
            default: c.kind = how::convert; break;
            }
            if (c.mapped) c.kind = how::convert;
            out.push_back(std::move(c));
        }
        return true;
    };
    if (!plan(ts.value_schema, ts.value_field, true, _val_cols)) return false;
    _has_key = ts.key_schema != nullptr;
    if (_has_key && (ts.key_schema->type() != schema_type::struct_ || !plan(ts.key_schema, ts.key_field, false, _key_cols)))
        return false;

    _key_head.clear();
    _key_tail.clear();
    if (_has_key) {
        if (_key_schemas) _key_head = "{\"schema\":" + _key_conv->schema_to_json(ts.key_schema) + ",\"payload\":";
        _key_head += '{';
        _key_tail = _key_schemas ? "}}" : "}";
    }
    _val_head.clear();
    if (_val_schemas) _val_head = "{\"schema\":" + _val_conv->schema_to_json(env) + ",\"payload\":";
    _val_head += "{\"before\":null,\"after\":{";
    _val_mid = "},\"source\":";
    _source = render(*_val_conv, _source_schema, source);
    _val_tail = ",\"transaction\":null,\"op\":\"r\",\"ts_ms\":";
    _ts_text.clear();
    return true;
}

void snapshot_encoder::write_column(std::string& out, const column_plan& c, const std::optional<std::string_view>& text,
                                    values& vals, bool is_key) {
    out += c.name;
    if (!text) {
        if (c.null_is_null && !c.mapped) {
            out += "null";
            return;
        }
    } else {
        std::string_view t = *text;
        switch (c.kind) {
        case how::int16: if (print_int<int16_t>(out, t)) return; break;
        case how::int32: if (print_int<int32_t>(out, t)) return; break;
        case how::int64: if (print_int<int64_t>(out, t)) return; break;
        case how::boolean:
            if (t == "t" || t == "true") { out += "true"; return; }
            if (t == "f" || t == "false") { out += "false"; return; }
            break;
        case how::string: json::append_string(out, t); return;
        case how::timestamptz:
            out.push_back('"');
            if (append_iso_instant_of_utc_text(out, t, c.digits)) {
                out.push_back('"');
                return;
            }
            out.pop_back();
            break;
        case how::decimal: if (append_decimal_base64(out, t, c.digits)) return; break;
        default: break;
        }
    }
    // Everything else goes through the Connect value, and JsonConverter renders it - unless it is
    // a plain integer or string of a schema JsonConverter prints as such (no Connect logical type:
    // Debezium's io.debezium.time.* are integers and strings to it).
    value v = vals.converted(c.column);
    if (c.mapped) v = vals.mapped(c.column, std::move(v));
    if (c.physical) {
        switch (v.type()) {
        case value::kind::int16: if (c.schema->type() == schema_type::int16) { json::append_int(out, v.as_int16()); return; } break;
        case value::kind::int32: if (c.schema->type() == schema_type::int32) { json::append_int(out, v.as_int32()); return; } break;
        case value::kind::int64: if (c.schema->type() == schema_type::int64) { json::append_int(out, v.as_int64()); return; } break;
        case value::kind::string: if (c.schema->type() == schema_type::string) { json::append_string(out, v.as_string()); return; } break;
        default: break;
        }
    }
    _scratch.clear();
    headers none;
    (is_key ? *_key_conv : *_val_conv).from_connect("", none, c.schema, v, _scratch);
    out += _scratch;
}

void snapshot_encoder::encode_row(std::span<const std::optional<std::string_view>> fields, values& vals, int64_t now_ns,
                                  value& key, value& val, size_t& source_at) {
    if (_has_key) {
        key = value::bytes(std::string()); // a short key stays in the string's own buffer
        std::string& k = key.as_bytes();
        k += _key_head;
        for (const auto& c : _key_cols) write_column(k, c, fields[c.column], vals, true);
        k += _key_tail;
    } else {
        key = value();
    }
    val = value::bytes(std::string());
    std::string& v = val.as_bytes();
    v.reserve(_val_head.size() + _source.size() + _val_tail.size() + 72 + 24 * _val_cols.size());
    v += _val_head;
    for (const auto& c : _val_cols) write_column(v, c, fields[c.column], vals, false);
    v += _val_mid;
    source_at = v.size();
    v += _source;
    if (now_ns != _ts_ns || _ts_text.empty()) {
        // The caller reads the clock once for many rows: the three numbers are printed once.
        _ts_ns = now_ns;
        _ts_text = _val_tail;
        json::append_int(_ts_text, now_ns / 1000000);
        _ts_text += ",\"ts_us\":";
        json::append_int(_ts_text, now_ns / 1000);
        _ts_text += ",\"ts_ns\":";
        json::append_int(_ts_text, now_ns);
        _ts_text += _val_schemas ? "}}" : "}";
    }
    v += _ts_text;
}

void snapshot_encoder::replace_source(value& val, size_t source_at, const value& source) {
    std::string& v = val.as_bytes();
    // The block ends where the envelope's next field starts.
    size_t end = v.find(",\"transaction\":", source_at);
    if (end == std::string::npos) throw connect_error("snapshot encoder: an encoded value without its source block");
    v.replace(source_at, end - source_at, render(*_val_conv, _source_schema, source));
}

} // namespace ferry::plugins::postgres_cdc
