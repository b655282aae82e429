#include "plugins/connectors/jdbc/dialect.hpp"

#include "base/log.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <cctype>

namespace ferry::plugins::jdbc {

namespace {

schema_ptr integer_schema(bool optional, int precision) {
    if (precision > 9) return schemas::of(schema_type::int64, optional);
    if (precision > 4) return schemas::of(schema_type::int32, optional);
    if (precision > 2) return schemas::of(schema_type::int16, optional);
    return schemas::of(schema_type::int8, optional);
}

reader_kind integer_reader(int precision) {
    if (precision > 9) return reader_kind::int64;
    if (precision > 4) return reader_kind::int32;
    if (precision > 2) return reader_kind::int16;
    return reader_kind::int8;
}

constexpr int max_integer_precision = 18;
constexpr int numeric_scale_low = -84;
constexpr int numeric_scale_high = 127;
constexpr int numeric_scale_unset = -127;

} // namespace

const value& column_value(const sink_column& c, const sink_record& r, bool replace_null_with_default, value& scratch) {
    static const value null_value;
    switch (c.from) {
    case sink_column::source::kafka_topic:
        scratch = value(r.topic);
        return scratch;
    case sink_column::source::kafka_partition:
        scratch = value(int32_t(r.kafka_partition.value_or(-1)));
        return scratch;
    case sink_column::source::kafka_offset:
        scratch = value(int64_t(r.offset));
        return scratch;
    case sink_column::source::key:
        return r.key;
    case sink_column::source::value:
        return r.val;
    case sink_column::source::key_field: {
        if (r.key.type() != value::kind::struct_) return null_value;
        auto& s = *r.key.as_struct();
        auto& v = s.get(c.field_index);
        if (v.is_null() && replace_null_with_default) {
            auto& f = s.schema()->fields()[size_t(c.field_index)];
            if (f.schema && f.schema->default_value()) return *f.schema->default_value();
        }
        return v;
    }
    case sink_column::source::value_field: {
        if (r.val.type() != value::kind::struct_) return null_value;
        auto& s = *r.val.as_struct();
        auto& v = s.get(c.field_index);
        if (v.is_null() && replace_null_with_default) {
            auto& f = s.schema()->fields()[size_t(c.field_index)];
            if (f.schema && f.schema->default_value()) return *f.schema->default_value();
        }
        return v;
    }
    }
    return null_value;
}

instant timestamp_field_instant(const value& v, bool nanos) {
    int64_t n = 0;
    if (v.is_integer()) {
        n = v.to_int64();
    } else if (v.type() == value::kind::string) {
        try {
            n = std::stoll(v.as_string());
        } catch (const std::exception&) {
            throw data_error(fmt::format("Invalid value for a timestamp.fields.list field: '{}'", v.as_string()));
        }
    } else {
        throw data_error("timestamp.fields.list fields must be INT64 or STRING");
    }
    if (nanos) {
        int64_t s = n >= 0 ? n / 1000000000 : -((-n + 999999999) / 1000000000);
        return {s, int32_t(n - s * 1000000000)};
    }
    return instant::from_micros(n);
}

table_id dialect::parse_table(std::string_view fqn) const {
    auto parts = parse_qualified(fqn, quote_char());
    if (parts.empty()) throw config_error(fmt::format("Invalid fully qualified name: '{}'", fqn));
    table_id t;
    if (parts.size() == 1) {
        t.table = parts[0];
    } else if (parts.size() >= 3) {
        t.catalog = parts[parts.size() - 3];
        t.schema = parts[parts.size() - 2];
        t.table = parts.back();
    } else {
        t.schema = parts[0];
        t.table = parts[1];
    }
    return t;
}

std::string dialect::column(const table_id& t, std::string_view name) const {
    std::string s = table(t);
    s.push_back('.');
    append_identifier(s, name, quote_char(), _quote);
    return s;
}

schema_mapping dialect::map_columns(const std::optional<std::string>& schema_name, const std::vector<column_def>& cols,
                                    numeric_mapping numerics, ts_granularity granularity, bool warn_skipped) const {
    auto b = schema_builder::struct_();
    if (schema_name) b.name(*schema_name);
    schema_mapping m;
    for (size_t i = 0; i < cols.size(); i++) {
        auto& c = cols[i];
        bool opt = c.optional;
        schema_ptr fs;
        column_reader r;
        r.column = int(i);
        auto set = [&](schema_ptr s, reader_kind k) {
            fs = std::move(s);
            r.kind = k;
        };
        auto decimal = [&] {
            int scale = c.scale == numeric_scale_unset ? numeric_scale_high : c.scale;
            if (kind() == db_kind::postgres && c.precision == 0 && c.scale == 0) scale = numeric_scale_high;
            auto db = logical::decimal_builder(scale);
            db.parameter(std::string(logical::decimal_precision_param), std::to_string(c.precision));
            if (opt) db.optional();
            set(db.build(), reader_kind::decimal);
            r.scale = scale;
        };
        switch (c.type) {
        case jdbc_type::boolean:
            set(schemas::of(schema_type::boolean, opt), reader_kind::boolean);
            break;
        case jdbc_type::bit:
            if (kind() == db_kind::postgres) {
                if (c.precision <= 1) set(schemas::of(schema_type::boolean, opt), reader_kind::boolean);
                else if (c.precision <= 8) set(schemas::of(schema_type::int8, opt), reader_kind::int8);
                else set(schemas::of(schema_type::bytes, opt), reader_kind::bytes);
            } else {
                set(schemas::of(schema_type::int8, opt), reader_kind::int8);
            }
            break;
        case jdbc_type::tinyint:
            if (c.is_signed) set(schemas::of(schema_type::int8, opt), reader_kind::int8);
            else set(schemas::of(schema_type::int16, opt), reader_kind::int16);
            break;
        case jdbc_type::smallint:
            if (c.is_signed) set(schemas::of(schema_type::int16, opt), reader_kind::int16);
            else set(schemas::of(schema_type::int32, opt), reader_kind::int32);
            break;
        case jdbc_type::integer:
            if (c.is_signed) set(schemas::of(schema_type::int32, opt), reader_kind::int32);
            else set(schemas::of(schema_type::int64, opt), reader_kind::int64);
            break;
        case jdbc_type::bigint:
            set(schemas::of(schema_type::int64, opt), reader_kind::int64);
            break;
        case jdbc_type::real:
            set(schemas::of(schema_type::float32, opt), reader_kind::float32);
            break;
        case jdbc_type::float_:
        case jdbc_type::double_:
            set(schemas::of(schema_type::float64, opt), reader_kind::float64);
            break;
        case jdbc_type::numeric: {
            int p = c.precision, s = c.scale;
            // An unconstrained PostgreSQL numeric reports precision 0: Confluent's best_fit would map it
            // to INT8 and truncate every value; Ferry keeps it a Decimal (documented).
            bool unconstrained = kind() == db_kind::postgres && p == 0;
            if (!unconstrained && numerics == numeric_mapping::precision_only) {
                if (s == 0 && p <= max_integer_precision) {
                    set(integer_schema(opt, p), integer_reader(p));
                    break;
                }
            } else if (!unconstrained && numerics == numeric_mapping::best_fit) {
                if (p <= max_integer_precision) {
                    if (s < 1 && s >= numeric_scale_low) {
                        set(integer_schema(opt, p), integer_reader(p));
                        break;
                    }
                    if (s > 0) {
                        set(schemas::of(schema_type::float64, opt), reader_kind::float64);
                        break;
                    }
                }
            } else if (!unconstrained && numerics == numeric_mapping::best_fit_eager_double) {
                if (s < 1 && s >= numeric_scale_low) {
                    if (p <= max_integer_precision) {
                        set(integer_schema(opt, p), integer_reader(p));
                        break;
                    }
                } else if (s > 0) {
                    set(schemas::of(schema_type::float64, opt), reader_kind::float64);
                    break;
                }
            }
            decimal();
            break;
        }
        case jdbc_type::decimal:
            decimal();
            break;
        case jdbc_type::char_:
        case jdbc_type::varchar:
        case jdbc_type::longvarchar:
        case jdbc_type::nchar:
        case jdbc_type::nvarchar:
        case jdbc_type::longnvarchar:
        case jdbc_type::clob:
        case jdbc_type::nclob:
        case jdbc_type::sqlxml:
            set(schemas::of(schema_type::string, opt), reader_kind::string);
            break;
        case jdbc_type::binary:
        case jdbc_type::varbinary:
        case jdbc_type::longvarbinary:
        case jdbc_type::blob:
            set(schemas::of(schema_type::bytes, opt), reader_kind::bytes);
            break;
        case jdbc_type::date:
            set(logical::date_schema(opt), reader_kind::date);
            break;
        case jdbc_type::time:
            set(logical::time_schema(opt), reader_kind::time);
            break;
        case jdbc_type::timestamp:
            switch (granularity) {
            case ts_granularity::connect_logical:
                set(logical::timestamp_schema(opt), reader_kind::timestamp);
                break;
            case ts_granularity::micros_long:
            case ts_granularity::nanos_long:
                set(schemas::of(schema_type::int64, opt), reader_kind::timestamp);
                break;
            default:
                set(schemas::of(schema_type::string, opt), reader_kind::timestamp);
            }
            break;
        case jdbc_type::other:
            if (kind() == db_kind::postgres && (c.is_json || c.is_uuid)) {
                set(schemas::of(schema_type::string, opt), reader_kind::string);
                break;
            }
            [[fallthrough]];
        default:
            if (warn_skipped)
                log::get("connector.jdbc")
                    ->warn("JDBC type {} not currently supported; column '{}' is skipped", c.type_name, c.name);
            continue;
        }
        b.field(c.name, fs);
        m.readers.push_back(r);
    }
    m.schema = b.build();
    return m;
}

void dialect::column_spec(std::string& out, const sink_column& c) const {
    append_identifier(out, c.name, quote_char(), _quote);
    out.push_back(' ');
    out += sql_type(*c.schema, c.timestamp_field, c.key);
    if (c.schema->default_value() && !c.schema->default_value()->is_null()) {
        out += " DEFAULT ";
        out += format_literal(*c.schema, *c.schema->default_value());
    } else if (!c.key && c.schema->optional()) {
        out += " NULL";
    } else {
        out += " NOT NULL";
    }
}

std::string dialect::create_table(const table_id& t, const std::vector<const sink_column*>& cols) const {
    std::string s = "CREATE TABLE " + table(t) + " (";
    bool first = true;
    std::vector<const sink_column*> pks;
    for (auto* c : cols) {
        if (!first) s.push_back(',');
        first = false;
        s.push_back('\n');
        column_spec(s, *c);
        if (c->key) pks.push_back(c);
    }
    if (!pks.empty()) {
        s += ",\nPRIMARY KEY(";
        for (size_t i = 0; i < pks.size(); i++) {
            if (i) s.push_back(',');
            append_identifier(s, pks[i]->name, quote_char(), _quote);
        }
        s.push_back(')');
    }
    s.push_back(')');
    return s;
}

std::vector<std::string> dialect::alter_table(const table_id& t, const std::vector<const sink_column*>& cols) const {
    bool newlines = cols.size() > 1;
    std::string s = "ALTER TABLE " + table(t) + " ";
    for (size_t i = 0; i < cols.size(); i++) {
        if (i) s.push_back(',');
        if (newlines) s.push_back('\n');
        s += "ADD ";
        column_spec(s, *cols[i]);
    }
    return {s};
}

std::string dialect::insert_sql(const write_plan& p) const {
    std::string s = "INSERT INTO " + p.table_ref + "(";
    size_t n = 0;
    for (auto* cols : {&p.keys, &p.values})
        for (auto& c : *cols) {
            if (n++) s.push_back(',');
            s += column(c.name);
        }
    s += ") VALUES(";
    for (size_t i = 0; i < n; i++) s += i ? ",?" : "?";
    s += ")";
    return s;
}

std::string dialect::update_sql(const write_plan& p) const {
    std::string s = "UPDATE " + p.table_ref + " SET ";
    for (size_t i = 0; i < p.values.size(); i++) {
        if (i) s += ", ";
        s += column(p.values[i].name) + " = ?";
    }
    if (!p.keys.empty()) {
        s += " WHERE ";
        for (size_t i = 0; i < p.keys.size(); i++) {
            if (i) s += " AND ";
            s += column(p.keys[i].name) + " = ?";
        }
    }
    return s;
}

std::string dialect::delete_sql(const write_plan& p) const {
    std::string s = "DELETE FROM " + p.table_ref;
    if (!p.keys.empty()) {
        s += " WHERE ";
        for (size_t i = 0; i < p.keys.size(); i++) {
            if (i) s += " AND ";
            s += column(p.keys[i].name) + " = ?";
        }
    }
    return s;
}

std::string dialect::format_literal(const schema& s, const value& v) const {
    if (s.name()) {
        auto& n = *s.name();
        if (n == logical::decimal_name) return logical::decimal_to_java_string(v.as_bytes(), logical::decimal_scale(s));
        if (n == logical::date_name) return "'" + logical::format_date(v.as_int32()) + "'";
        if (n == logical::time_name) {
            auto t = logical::format_time(v.as_int32()); // HH:mm:ss.SSS'Z'
            if (!t.empty() && t.back() == 'Z') t.pop_back();
            return "'" + t + "'";
        }
        if (n == logical::timestamp_name) {
            auto t = logical::format_timestamp(v.as_int64()); // yyyy-MM-dd'T'HH:mm:ss.SSS'Z'
            if (!t.empty() && t.back() == 'Z') t.pop_back();
            for (auto& ch : t)
                if (ch == 'T') ch = ' ';
            return "'" + t + "'";
        }
    }
    switch (s.type()) {
    case schema_type::int8:
    case schema_type::int16:
    case schema_type::int32:
    case schema_type::int64:
        return std::to_string(v.to_int64());
    case schema_type::float32:
        return java_float_to_string(v.as_float32());
    case schema_type::float64:
        return java_double_to_string(v.as_float64());
    case schema_type::boolean:
        return v.as_bool() ? "1" : "0";
    case schema_type::string: {
        std::string out = "'";
        for (char c : v.as_string()) {
            if (c == '\'') out.push_back('\'');
            out.push_back(c);
        }
        out.push_back('\'');
        return out;
    }
    case schema_type::bytes: {
        std::string out = "x'";
        static const char* hex = "0123456789ABCDEF";
        for (unsigned char c : v.as_bytes()) {
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
        out.push_back('\'');
        return out;
    }
    default:
        throw connect_error(fmt::format("Unsupported type for column value: {}", type_name(s.type())));
    }
}

std::unique_ptr<session> connect_with_retries(const dialect& d, const connection_settings& s, const jdbc_url& url,
                                              const std::function<bool(int64_t)>& wait) {
    auto log = log::get("connector.jdbc");
    for (int attempt = 1;; attempt++) {
        try {
            return d.connect(s, url);
        } catch (const db_error& e) {
            // A wrong password does not get better by waiting: fail at once (Confluent retries it).
            if (e.what_kind() == db_error::kind::auth || attempt >= s.attempts) throw;
            log->info("[{}] Unable to connect to database on attempt {}/{}. Will retry in {} ms. {}",
                      s.connector_name, attempt, s.attempts, s.backoff_ms, e.what());
            if (!wait(s.backoff_ms)) throw;
        }
    }
}

std::unique_ptr<dialect> make_dialect(const connection_settings& s, const jdbc_url& url) {
    auto k = s.dialect_name.empty() ? url.kind : dialect_from_name(s.dialect_name);
    return make_dialect(k);
}

} // namespace ferry::plugins::jdbc
