// MariaDB/MySQL through MariaDB Connector/C: server-side prepared statements streaming rows for
// the source; multi-row INSERT ... ON DUPLICATE KEY UPDATE (prepared once per row count) for the
// sink. Sessions run with time_zone '+00:00', so TIMESTAMP columns read and bind as UTC instants
// and DATETIME columns as wall clock in db.timezone.

#include "base/log.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/connectors/jdbc/dialect.hpp"
#include "plugins/connectors/jdbc/jdbc.hpp"
#include "plugins/connectors/jdbc/pg_codec.hpp"

#include <fmt/format.h>
#include <mysql.h>

#include <charconv>
#include <cstring>
#include <map>
#include <unordered_map>

namespace ferry::plugins::jdbc {

namespace {

db_error::kind classify_mysql(unsigned err, std::string_view state) {
    switch (err) {
    case 1045: case 1044: case 1698: return db_error::kind::auth;
    case 2002: case 2003: case 2005: case 2006: case 2013: case 2055: case 1927: case 1053: case 1152: case 1184:
        return db_error::kind::connection;
    case 1205: case 1213: case 1040: case 1203: case 1614: return db_error::kind::transient;
    case 1048: case 1062: case 1264: case 1292: case 1364: case 1366: case 1406: case 1451: case 1452: case 1690:
    case 3819: case 4025: case 1265: case 1586: case 1859:
        return db_error::kind::data;
    default: break;
    }
    auto k = classify_sqlstate(state);
    return k;
}

db_error my_error(MYSQL* m, std::string_view ctx) {
    unsigned e = mysql_errno(m);
    std::string state = mysql_sqlstate(m);
    auto msg = fmt::format("{}{}{} (SQLState: {}, errorCode: {})", ctx, ctx.empty() ? "" : ": ", mysql_error(m), state, e);
    return db_error(classify_mysql(e, state), std::move(msg), state);
}

db_error stmt_error(MYSQL_STMT* s, std::string_view ctx) {
    unsigned e = mysql_stmt_errno(s);
    std::string state = mysql_stmt_sqlstate(s);
    auto msg = fmt::format("{}{}{} (SQLState: {}, errorCode: {})", ctx, ctx.empty() ? "" : ": ", mysql_stmt_error(s), state, e);
    return db_error(classify_mysql(e, state), std::move(msg), state);
}

std::string upper(std::string s) {
    for (auto& c : s) c = char(std::toupper((unsigned char)c));
    return s;
}

// MYSQL_FIELD -> column_def as Connector/J reports it.
column_def describe_field(const MYSQL_FIELD& f) {
    column_def c;
    c.name = std::string(f.name, f.name_length);
    c.native_type = f.type;
    c.optional = !(f.flags & NOT_NULL_FLAG);
    c.is_signed = !(f.flags & UNSIGNED_FLAG);
    c.auto_increment = f.flags & AUTO_INCREMENT_FLAG;
    c.primary_key = f.flags & PRI_KEY_FLAG;
    bool binary = f.charsetnr == 63;
    switch (f.type) {
    case MYSQL_TYPE_TINY:
        c.type = f.length == 1 ? jdbc_type::bit : jdbc_type::tinyint;
        c.type_name = "TINYINT";
        c.precision = int(f.length);
        break;
    case MYSQL_TYPE_SHORT: c.type = jdbc_type::smallint; c.type_name = "SMALLINT"; c.precision = 5; break;
    case MYSQL_TYPE_INT24: c.type = jdbc_type::integer; c.type_name = "MEDIUMINT"; c.precision = 7; break;
    case MYSQL_TYPE_LONG: c.type = jdbc_type::integer; c.type_name = "INT"; c.precision = 10; break;
    case MYSQL_TYPE_LONGLONG: c.type = jdbc_type::bigint; c.type_name = "BIGINT"; c.precision = 19; c.is_signed = true; break;
    case MYSQL_TYPE_FLOAT: c.type = jdbc_type::real; c.type_name = "FLOAT"; break;
    case MYSQL_TYPE_DOUBLE: c.type = jdbc_type::double_; c.type_name = "DOUBLE"; break;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        c.type = jdbc_type::decimal;
        c.type_name = "DECIMAL";
        c.scale = int(f.decimals);
        c.precision = int(f.length) - (f.decimals > 0 ? 1 : 0) - ((f.flags & UNSIGNED_FLAG) ? 0 : 1);
        break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE: c.type = jdbc_type::date; c.type_name = "DATE"; break;
    case MYSQL_TYPE_YEAR: c.type = jdbc_type::date; c.type_name = "YEAR"; break;
    case MYSQL_TYPE_TIME: c.type = jdbc_type::time; c.type_name = "TIME"; break;
    case MYSQL_TYPE_DATETIME: c.type = jdbc_type::timestamp; c.type_name = "DATETIME"; break;
    case MYSQL_TYPE_TIMESTAMP:
        c.type = jdbc_type::timestamp;
        c.type_name = "TIMESTAMP";
        c.with_time_zone = true;
        break;
    case MYSQL_TYPE_BIT: c.type = jdbc_type::bit; c.type_name = "BIT"; c.precision = int(f.length); break;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
        c.type = binary ? jdbc_type::longvarbinary : jdbc_type::longvarchar;
        c.type_name = binary ? "BLOB" : "TEXT";
        break;
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
        c.type = binary ? jdbc_type::varbinary : jdbc_type::varchar;
        c.type_name = binary ? "VARBINARY" : "VARCHAR";
        break;
    case MYSQL_TYPE_STRING:
        c.type = binary ? jdbc_type::binary : jdbc_type::char_;
        c.type_name = (f.flags & ENUM_FLAG) ? "ENUM" : (f.flags & SET_FLAG) ? "SET" : binary ? "BINARY" : "CHAR";
        break;
    case MYSQL_TYPE_JSON: c.type = jdbc_type::longvarchar; c.type_name = "JSON"; break;
    case MYSQL_TYPE_ENUM:
    case MYSQL_TYPE_SET: c.type = jdbc_type::char_; c.type_name = "ENUM"; break;
    default: c.type = jdbc_type::other; c.type_name = fmt::format("MYSQL_TYPE_{}", int(f.type));
    }
    return c;
}

// information_schema.COLUMNS.DATA_TYPE -> column_def (sink table definitions, describe_table).
void describe_data_type(column_def& c, std::string dt, const std::string& column_type) {
    dt = upper(dt);
    c.type_name = dt;
    bool unsigned_ = upper(column_type).find("UNSIGNED") != std::string::npos;
    c.is_signed = !unsigned_;
    if (dt == "TINYINT") c.type = column_type.find("(1)") != std::string::npos ? jdbc_type::bit : jdbc_type::tinyint;
    else if (dt == "SMALLINT") c.type = jdbc_type::smallint;
    else if (dt == "MEDIUMINT" || dt == "INT" || dt == "INTEGER") c.type = jdbc_type::integer;
    else if (dt == "BIGINT") c.type = jdbc_type::bigint;
    else if (dt == "FLOAT") c.type = jdbc_type::real;
    else if (dt == "DOUBLE" || dt == "REAL") c.type = jdbc_type::double_;
    else if (dt == "DECIMAL" || dt == "NUMERIC") c.type = jdbc_type::decimal;
    else if (dt == "DATE" || dt == "YEAR") c.type = jdbc_type::date;
    else if (dt == "TIME") c.type = jdbc_type::time;
    else if (dt == "DATETIME") c.type = jdbc_type::timestamp;
    else if (dt == "TIMESTAMP") { c.type = jdbc_type::timestamp; c.with_time_zone = true; }
    else if (dt == "BIT") c.type = jdbc_type::bit;
    else if (dt.find("BLOB") != std::string::npos) c.type = jdbc_type::longvarbinary;
    else if (dt == "BINARY") c.type = jdbc_type::binary;
    else if (dt == "VARBINARY") c.type = jdbc_type::varbinary;
    else if (dt.find("TEXT") != std::string::npos || dt == "JSON" || dt == "LONGTEXT") c.type = jdbc_type::longvarchar;
    else if (dt == "CHAR" || dt == "ENUM" || dt == "SET") c.type = jdbc_type::char_;
    else if (dt == "VARCHAR") c.type = jdbc_type::varchar;
    else c.type = jdbc_type::other;
}

struct stmt_ptr {
    MYSQL_STMT* s = nullptr;
    stmt_ptr() = default;
    explicit stmt_ptr(MYSQL_STMT* p) : s(p) {}
    stmt_ptr(stmt_ptr&& o) noexcept : s(o.s) { o.s = nullptr; }
    stmt_ptr& operator=(stmt_ptr&& o) noexcept {
        if (this != &o) {
            reset();
            s = o.s;
            o.s = nullptr;
        }
        return *this;
    }
    ~stmt_ptr() { reset(); }
    void reset() {
        if (s) mysql_stmt_close(s);
        s = nullptr;
    }
};

class my_session;

class my_cursor final : public cursor {
public:
    my_cursor(MYSQL_STMT* st, std::vector<column_def> cols) : _st(st), _cols(std::move(cols)) {
        size_t n = _cols.size();
        _binds.assign(n, MYSQL_BIND{});
        _bufs.resize(n);
        _lens.assign(n, 0);
        _nulls.assign(n, 0);
        _errs.assign(n, 0);
        for (size_t i = 0; i < n; i++) {
            auto& b = _binds[i];
            auto t = enum_field_types(_cols[i].native_type);
            switch (t) {
            case MYSQL_TYPE_TINY:
            case MYSQL_TYPE_SHORT:
            case MYSQL_TYPE_INT24:
            case MYSQL_TYPE_LONG:
            case MYSQL_TYPE_LONGLONG:
            case MYSQL_TYPE_YEAR:
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                _bufs[i].resize(8);
                b.is_unsigned = !_cols[i].is_signed;
                break;
            case MYSQL_TYPE_FLOAT:
            case MYSQL_TYPE_DOUBLE:
                b.buffer_type = MYSQL_TYPE_DOUBLE;
                _bufs[i].resize(8);
                break;
            case MYSQL_TYPE_DATE:
            case MYSQL_TYPE_NEWDATE:
            case MYSQL_TYPE_TIME:
            case MYSQL_TYPE_DATETIME:
            case MYSQL_TYPE_TIMESTAMP:
                b.buffer_type = t == MYSQL_TYPE_NEWDATE ? MYSQL_TYPE_DATE : t;
                _bufs[i].resize(sizeof(MYSQL_TIME));
                break;
            default:
                b.buffer_type = MYSQL_TYPE_STRING;
                _bufs[i].resize(256);
            }
            b.buffer = _bufs[i].data();
            b.buffer_length = (unsigned long)_bufs[i].size();
            b.length = &_lens[i];
            b.is_null = &_nulls[i];
            b.error = &_errs[i];
        }
        if (mysql_stmt_bind_result(_st, _binds.data())) throw stmt_error(_st, "bind result");
    }
    const std::vector<column_def>& columns() const override { return _cols; }
    bool next() override {
        int rc = mysql_stmt_fetch(_st);
        if (rc == MYSQL_NO_DATA) return false;
        if (rc == 1) throw stmt_error(_st, "fetch");
        if (rc == MYSQL_DATA_TRUNCATED) {
            for (size_t i = 0; i < _cols.size(); i++) {
                if (!_errs[i] || _binds[i].buffer_type != MYSQL_TYPE_STRING) continue;
                _bufs[i].resize(_lens[i] + 1);
                _binds[i].buffer = _bufs[i].data();
                _binds[i].buffer_length = (unsigned long)_bufs[i].size();
                if (mysql_stmt_fetch_column(_st, &_binds[i], unsigned(i), 0)) throw stmt_error(_st, "fetch column");
                _rebind = true;
            }
            if (_rebind) {
                // Keep the bigger buffers for the next rows.
                mysql_stmt_bind_result(_st, _binds.data());
                _rebind = false;
            }
        }
        return true;
    }
    bool is_null(int c) const override { return _nulls[size_t(c)]; }
    bool get_bool(int c) const override { return get_int64(c) != 0; }
    int64_t get_int64(int c) const override {
        auto& b = _binds[size_t(c)];
        if (b.buffer_type == MYSQL_TYPE_LONGLONG) {
            int64_t v;
            std::memcpy(&v, _bufs[size_t(c)].data(), 8);
            return v;
        }
        if (b.buffer_type == MYSQL_TYPE_DOUBLE) return int64_t(get_double(c));
        auto s = get_text(c);
        if (_cols[size_t(c)].native_type == MYSQL_TYPE_BIT) {
            int64_t v = 0;
            for (unsigned char ch : s) v = (v << 8) | ch;
            return v;
        }
        int64_t v = 0;
        auto dot = s.find('.');
        std::from_chars(s.data(), s.data() + (dot == std::string_view::npos ? s.size() : dot), v);
        return v;
    }
    double get_double(int c) const override {
        auto& b = _binds[size_t(c)];
        if (b.buffer_type == MYSQL_TYPE_DOUBLE) {
            double v;
            std::memcpy(&v, _bufs[size_t(c)].data(), 8);
            return v;
        }
        if (b.buffer_type == MYSQL_TYPE_LONGLONG) return double(get_int64(c));
        auto s = get_text(c);
        double d = 0;
        std::from_chars(s.data(), s.data() + s.size(), d);
        return d;
    }
    std::string_view get_text(int c) const override {
        return {_bufs[size_t(c)].data(), std::min<size_t>(_lens[size_t(c)], _bufs[size_t(c)].size())};
    }
    std::string_view get_bytes(int c) const override { return get_text(c); }
    void get_decimal(int c, int32_t scale, std::string& unscaled) const override {
        _tmp = _binds[size_t(c)].buffer_type == MYSQL_TYPE_STRING ? std::string(get_text(c)) : std::to_string(get_int64(c));
        pg::round_text(_tmp, scale);
        unscaled = logical::decimal_from_string(_tmp, scale);
    }
    const MYSQL_TIME& tm(int c) const { return *reinterpret_cast<const MYSQL_TIME*>(_bufs[size_t(c)].data()); }
    int32_t get_date(int c) const override {
        if (_cols[size_t(c)].native_type == MYSQL_TYPE_YEAR)
            return logical::days_from_civil({int32_t(get_int64(c)), 1, 1});
        auto& t = tm(c);
        if (t.year == 0) return 0;
        return logical::days_from_civil({int32_t(t.year), t.month, t.day});
    }
    int64_t get_time_micros(int c) const override {
        auto& t = tm(c);
        int64_t us = ((int64_t(t.day) * 24 + t.hour) * 3600 + t.minute * 60 + t.second) * 1000000 + int64_t(t.second_part);
        if (t.neg) us = -us;
        us %= 86400000000LL;
        if (us < 0) us += 86400000000LL;
        return us;
    }
    instant get_timestamp(int c, const tz::zone& z) const override {
        auto& t = tm(c);
        if (t.year == 0) return {}; // zero dates
        int64_t secs = tz::seconds_from_civil(int32_t(t.year), t.month, t.day, t.hour, t.minute, t.second);
        if (!_cols[size_t(c)].with_time_zone) secs = z.local_to_utc(secs);
        return {secs, int32_t(t.second_part * 1000)};
    }

private:
    MYSQL_STMT* _st;
    std::vector<column_def> _cols;
    std::vector<MYSQL_BIND> _binds;
    std::vector<std::string> _bufs;
    std::vector<unsigned long> _lens;
    std::vector<my_bool> _nulls, _errs;
    bool _rebind = false;
    mutable std::string _tmp;
};

struct my_plan_cache {
    std::map<std::pair<int, size_t>, stmt_ptr> stmts; // (op, rows) -> statement
};

// One multi-row statement's parameters, with their own storage: the binds point only into these
// vectors (strings and bytes are copied too), never into the records, so the chunk can be executed
// after put() has returned, on the sink's writer thread.
struct my_chunk {
    size_t rows = 0;
    std::vector<MYSQL_BIND> binds;
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<MYSQL_TIME> times;
    std::vector<std::string> strs;
};

struct my_encoded final : encoded_write {
    uint64_t plan_id = 0;
    write_op op = write_op::insert;
    std::vector<my_chunk> chunks;
    // The statements of full chunks and of the last one, prepared (once per plan, op and row
    // count) when first run.
    size_t full_rows = 0;
    std::string full_sql, last_sql;
};

class my_session final : public session {
public:
    my_session(MYSQL* m, const connection_settings& s, std::string where, const dialect& d)
        : _m(m), _settings(s), _where(std::move(where)), _dialect(d) {}
    ~my_session() override {
        _query.reset();
        _plans.clear();
        mysql_close(_m);
    }

    bool is_valid() override { return !_broken; }
    std::string describe() const override { return fmt::format("MariaDB/MySQL {} at {}", mysql_get_server_info(_m), _where); }

    void exec(const std::string& sql) {
        if (mysql_real_query(_m, sql.data(), (unsigned long)sql.size())) throw fail(my_error(_m, {}));
        if (MYSQL_RES* r = mysql_store_result(_m)) mysql_free_result(r);
    }

    db_error fail(db_error e) {
        if (e.what_kind() == db_error::kind::connection) _broken = true;
        return e;
    }

    // Runs a text query and returns all rows as strings.
    std::vector<std::vector<std::optional<std::string>>> rows(const std::string& sql) {
        if (mysql_real_query(_m, sql.data(), (unsigned long)sql.size())) throw fail(my_error(_m, {}));
        MYSQL_RES* r = mysql_store_result(_m);
        std::vector<std::vector<std::optional<std::string>>> out;
        if (!r) {
            if (mysql_field_count(_m)) throw fail(my_error(_m, {}));
            return out;
        }
        unsigned n = mysql_num_fields(r);
        while (MYSQL_ROW row = mysql_fetch_row(r)) {
            auto* lens = mysql_fetch_lengths(r);
            auto& v = out.emplace_back();
            for (unsigned i = 0; i < n; i++)
                v.push_back(row[i] ? std::optional<std::string>(std::string(row[i], lens[i])) : std::nullopt);
        }
        mysql_free_result(r);
        return out;
    }

    std::string literal(std::string_view s) {
        std::string out(s.size() * 2 + 3, '\0');
        out[0] = '\'';
        auto n = mysql_real_escape_string(_m, out.data() + 1, s.data(), (unsigned long)s.size());
        out.resize(n + 1);
        out.push_back('\'');
        return out;
    }

    std::vector<table_id> list_tables(const std::optional<std::string>& catalog_pattern, const std::optional<std::string>& schema_pattern,
                                      const std::vector<std::string>& types) override {
        (void)schema_pattern; // MySQL has catalogs (databases), no schemas
        std::vector<std::string> conds;
        for (auto& t : types) {
            auto u = upper(t);
            if (u == "TABLE") conds.push_back("'BASE TABLE'");
            else if (u == "VIEW") conds.push_back("'VIEW'");
            else if (u == "SYSTEM VIEW") conds.push_back("'SYSTEM VIEW'");
        }
        if (conds.empty()) return {};
        std::string sql = "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE IN (";
        for (size_t i = 0; i < conds.size(); i++) sql += (i ? "," : "") + conds[i];
        sql += ")";
        if (catalog_pattern) sql += " AND TABLE_SCHEMA LIKE " + literal(*catalog_pattern);
        else sql += " AND TABLE_SCHEMA = DATABASE()";
        sql += " ORDER BY TABLE_SCHEMA, TABLE_NAME";
        auto rs = rows(sql);
        end_query();
        std::vector<table_id> out;
        for (auto& r : rs) out.push_back({r[0], std::nullopt, r[1].value_or("")});
        return out;
    }

    std::optional<std::string> default_catalog() override {
        auto rs = rows("SELECT DATABASE()");
        end_query();
        if (rs.empty() || !rs[0][0]) return std::nullopt;
        return rs[0][0];
    }

    std::optional<table_definition> describe_table(const table_id& t) override {
        std::string db = t.catalog ? literal(*t.catalog) : t.schema ? literal(*t.schema) : "DATABASE()";
        auto tt = rows("SELECT TABLE_SCHEMA, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + db +
                       " AND TABLE_NAME = " + literal(t.table));
        if (tt.empty()) {
            end_query();
            return std::nullopt;
        }
        auto rs = rows("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE, EXTRA, "
                       "COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                       db + " AND TABLE_NAME = " + literal(t.table) + " ORDER BY ORDINAL_POSITION");
        end_query();
        table_definition def;
        def.id = {tt[0][0], std::nullopt, t.table};
        def.type = tt[0][1].value_or("") == "VIEW" ? table_type::view : table_type::table;
        for (auto& r : rs) {
            column_def c;
            c.name = r[0].value_or("");
            describe_data_type(c, r[1].value_or(""), r[2].value_or(""));
            c.optional = r[3].value_or("YES") == "YES";
            if (r[4]) c.precision = std::stoi(*r[4]);
            if (r[5]) c.scale = std::stoi(*r[5]);
            c.auto_increment = r[6].value_or("").find("auto_increment") != std::string::npos;
            c.primary_key = r[7].value_or("") == "PRI";
            def.columns.push_back(std::move(c));
        }
        return def;
    }

    instant current_time() override {
        auto rs = rows("SELECT UNIX_TIMESTAMP(NOW(6))");
        auto s = rs.at(0).at(0).value_or("0");
        auto dot = s.find('.');
        int64_t secs = std::stoll(s.substr(0, dot));
        int32_t nanos = 0;
        if (dot != std::string::npos) {
            auto frac = s.substr(dot + 1);
            frac.resize(9, '0');
            nanos = std::stoi(frac);
        }
        return {secs, nanos};
    }

    // InnoDB's trx_started is the server's local time (localtime_r) with second precision; the
    // floor keeps the bound at or below the real start. Read-only transactions (Ferry's own
    // readers among them) cannot commit rows and are ignored. Needs the PROCESS privilege.
    std::optional<instant> oldest_open_transaction() override {
        auto rs = rows("SELECT UNIX_TIMESTAMP(CONVERT_TZ(MIN(trx_started), 'SYSTEM', '+00:00')) FROM "
                       "information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID() AND trx_is_read_only = 0");
        if (rs.empty() || !rs[0][0]) return std::nullopt;
        int64_t secs = 0;
        auto& v = *rs[0][0];
        std::from_chars(v.data(), v.data() + v.size(), secs);
        return instant{secs, 0};
    }

    std::unique_ptr<cursor> query(const std::string& sql, const std::vector<query_param>& params, int fetch_size) override {
        (void)fetch_size; // rows stream from the server unbuffered
        end_query();
        exec("START TRANSACTION READ ONLY"); // one snapshot; invisible to other tasks' late-commit guards
        _query = stmt_ptr(mysql_stmt_init(_m));
        if (mysql_stmt_prepare(_query.s, sql.data(), (unsigned long)sql.size())) throw fail(stmt_error(_query.s, "prepare"));
        std::vector<MYSQL_BIND> binds(params.size());
        std::vector<int64_t> ints(params.size());
        std::vector<MYSQL_TIME> times(params.size());
        for (size_t i = 0; i < params.size(); i++) {
            auto& b = binds[i];
            if (params[i].k == query_param::kind::int64) {
                ints[i] = params[i].i;
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                b.buffer = &ints[i];
            } else {
                auto& p = params[i];
                int64_t secs = p.instant_column ? p.ts.seconds : _settings.zone->utc_to_local(p.ts.seconds);
                auto ct = tz::civil_from_seconds(secs);
                auto& t = times[i];
                t = MYSQL_TIME{};
                t.year = unsigned(ct.year);
                t.month = ct.month;
                t.day = ct.day;
                t.hour = ct.hour;
                t.minute = ct.minute;
                t.second = ct.second;
                t.second_part = unsigned(p.ts.nanos / 1000);
                t.time_type = MYSQL_TIMESTAMP_DATETIME;
                b.buffer_type = MYSQL_TYPE_DATETIME;
                b.buffer = &t;
            }
        }
        if (!binds.empty() && mysql_stmt_bind_param(_query.s, binds.data())) throw fail(stmt_error(_query.s, "bind"));
        if (mysql_stmt_execute(_query.s)) throw fail(stmt_error(_query.s, {}));
        MYSQL_RES* meta = mysql_stmt_result_metadata(_query.s);
        if (!meta) throw db_error(db_error::kind::other, "The query returned no result set");
        std::vector<column_def> cols;
        unsigned n = mysql_num_fields(meta);
        MYSQL_FIELD* fields = mysql_fetch_fields(meta);
        for (unsigned i = 0; i < n; i++) cols.push_back(describe_field(fields[i]));
        mysql_free_result(meta);
        return std::make_unique<my_cursor>(_query.s, std::move(cols));
    }

    void end_query() override {
        if (_query.s) {
            mysql_stmt_free_result(_query.s);
            _query.reset();
        }
        if (!_broken && mysql_commit(_m)) throw fail(my_error(_m, "commit"));
    }

    void execute(const std::string& sql) override { exec(sql); }
    void commit() override {
        if (mysql_commit(_m)) throw fail(my_error(_m, "commit"));
    }
    void rollback() override {
        if (!_broken) mysql_rollback(_m);
    }

    void write(const write_plan& p, write_op op, std::span<const sink_record* const> records) override;
    std::unique_ptr<encoded_write> encode(const write_plan& p, write_op op,
                                          std::span<const sink_record* const> records) override;
    void run(encoded_write& w) override;
    void drop_plan(uint64_t id) override { _plans.erase(id); }

private:
    std::string statement_sql(const write_plan& p, write_op op, size_t rows) const;
    void bind(const write_plan& p, const sink_column& c, const value& v, my_chunk& ch, size_t slot);

    MYSQL* _m;
    connection_settings _settings;
    std::string _where;
    const dialect& _dialect;
    bool _broken = false;
    stmt_ptr _query;
    std::unordered_map<uint64_t, my_plan_cache> _plans;
};

std::string my_session::statement_sql(const write_plan& p, write_op op, size_t rows) const {
    std::string sql;
    auto cols = [&](bool keys, bool values) {
        std::string s;
        if (keys)
            for (auto& c : p.keys) s += (s.empty() ? "" : ",") + _dialect.column(c.name);
        if (values)
            for (auto& c : p.values) s += (s.empty() ? "" : ",") + _dialect.column(c.name);
        return s;
    };
    size_t ncols = p.keys.size() + p.values.size();
    if (op == write_op::insert || op == write_op::upsert) {
        std::string row = "(";
        for (size_t i = 0; i < ncols; i++) row += i ? ",?" : "?";
        row += ")";
        sql = "INSERT INTO " + p.table_ref + "(" + cols(true, true) + ") VALUES";
        for (size_t r = 0; r < rows; r++) sql += (r ? "," : "") + row;
        if (op == write_op::upsert) {
            sql += " ON DUPLICATE KEY UPDATE ";
            auto& set = p.values.empty() ? p.keys : p.values;
            for (size_t i = 0; i < set.size(); i++) {
                auto q = _dialect.column(set[i].name);
                sql += (i ? "," : "") + q + "=VALUES(" + q + ")";
            }
        }
    } else if (op == write_op::update) {
        sql = _dialect.update_sql(p);
    } else {
        sql = _dialect.delete_sql(p);
    }
    return sql;
}

void my_session::bind(const write_plan& p, const sink_column& c, const value& v, my_chunk& ch, size_t slot) {
    auto& b = ch.binds[slot];
    b = MYSQL_BIND{};
    if (v.is_null()) {
        b.buffer_type = MYSQL_TYPE_NULL;
        return;
    }
    auto& s = *c.schema;
    auto as_time = [&](int64_t secs, uint32_t micros, enum_mysql_timestamp_type tt) {
        auto ct = tz::civil_from_seconds(secs);
        auto& t = ch.times[slot];
        t = MYSQL_TIME{};
        t.year = unsigned(ct.year);
        t.month = ct.month;
        t.day = ct.day;
        t.hour = ct.hour;
        t.minute = ct.minute;
        t.second = ct.second;
        t.second_part = micros;
        t.time_type = tt;
        b.buffer = &t;
    };
    bool tz_col = c.db && c.db->with_time_zone;
    if (s.name()) {
        auto& n = *s.name();
        if (n == logical::decimal_name) {
            ch.strs[slot] = logical::decimal_to_string(v.as_bytes(), logical::decimal_scale(s));
            b.buffer_type = MYSQL_TYPE_NEWDECIMAL;
            b.buffer = ch.strs[slot].data();
            b.buffer_length = (unsigned long)ch.strs[slot].size();
            return;
        }
        if (n == logical::date_name) {
            int64_t local = p.date_zone->utc_to_local(int64_t(v.as_int32()) * 86400);
            b.buffer_type = MYSQL_TYPE_DATE;
            as_time(local - (local % 86400 + 86400) % 86400, 0, MYSQL_TIMESTAMP_DATE);
            return;
        }
        if (n == logical::time_name) {
            int64_t ms = v.as_int32();
            int64_t local = ms + int64_t(p.zone->offset_at(ms / 1000)) * 1000;
            local = (local % 86400000 + 86400000) % 86400000;
            b.buffer_type = MYSQL_TYPE_TIME;
            as_time(local / 1000, uint32_t(local % 1000 * 1000), MYSQL_TIMESTAMP_TIME);
            ch.times[slot].year = ch.times[slot].month = ch.times[slot].day = 0;
            return;
        }
        if (n == logical::timestamp_name) {
            auto t = instant::from_millis(v.as_int64());
            b.buffer_type = MYSQL_TYPE_DATETIME;
            as_time(tz_col ? t.seconds : p.zone->utc_to_local(t.seconds), uint32_t(t.nanos / 1000), MYSQL_TIMESTAMP_DATETIME);
            return;
        }
    }
    if (c.timestamp_field && (s.type() == schema_type::int64 || s.type() == schema_type::string)) {
        auto t = timestamp_field_instant(v, p.timestamp_nanos);
        b.buffer_type = MYSQL_TYPE_DATETIME;
        as_time(tz_col ? t.seconds : p.zone->utc_to_local(t.seconds), uint32_t(t.nanos / 1000), MYSQL_TIMESTAMP_DATETIME);
        return;
    }
    switch (s.type()) {
    case schema_type::boolean:
    case schema_type::int8:
    case schema_type::int16:
    case schema_type::int32:
    case schema_type::int64:
        ch.ints[slot] = s.type() == schema_type::boolean ? (v.as_bool() ? 1 : 0) : v.to_int64();
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &ch.ints[slot];
        return;
    case schema_type::float32:
    case schema_type::float64:
        ch.doubles[slot] = s.type() == schema_type::float32 ? double(v.as_float32()) : v.as_float64();
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &ch.doubles[slot];
        return;
    case schema_type::string:
        ch.strs[slot] = v.as_string();
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = ch.strs[slot].data();
        b.buffer_length = (unsigned long)ch.strs[slot].size();
        return;
    case schema_type::bytes:
        ch.strs[slot] = v.as_bytes();
        b.buffer_type = MYSQL_TYPE_BLOB;
        b.buffer = ch.strs[slot].data();
        b.buffer_length = (unsigned long)ch.strs[slot].size();
        return;
    default:
        throw connect_error(fmt::format("Unsupported source data type: {}", type_name(s.type())));
    }
}

void my_session::write(const write_plan& p, write_op op, std::span<const sink_record* const> records) {
    if (auto w = encode(p, op, records)) run(*w);
}

// Binds every record's columns into chunks of up to 1,000 rows (and at most 65,535 parameters)
// per multi-row INSERT; updates and deletes go one row per statement.
std::unique_ptr<encoded_write> my_session::encode(const write_plan& p, write_op op,
                                                  std::span<const sink_record* const> records) {
    auto out = std::make_unique<my_encoded>();
    out->plan_id = p.id;
    out->op = op;
    if (records.empty()) return out;
    std::vector<const sink_column*> order;
    if (op == write_op::update) {
        for (auto& c : p.values) order.push_back(&c);
        for (auto& c : p.keys) order.push_back(&c);
    } else if (op == write_op::remove) {
        for (auto& c : p.keys) order.push_back(&c);
    } else {
        for (auto& c : p.keys) order.push_back(&c);
        for (auto& c : p.values) order.push_back(&c);
    }
    if (order.empty()) return out;
    bool multi = op == write_op::insert || op == write_op::upsert;
    size_t ncols = order.size();
    size_t chunk = multi ? std::max<size_t>(1, std::min<size_t>(1000, 65535 / ncols)) : 1;
    value scratch;
    out->chunks.reserve((records.size() + chunk - 1) / chunk);
    for (size_t at = 0; at < records.size(); at += chunk) {
        auto& ch = out->chunks.emplace_back();
        ch.rows = std::min(chunk, records.size() - at);
        size_t slots = ch.rows * ncols;
        // Sized before binding: the binds point into these vectors.
        ch.binds.resize(slots);
        ch.ints.resize(slots);
        ch.doubles.resize(slots);
        ch.times.resize(slots);
        ch.strs.resize(slots);
        size_t k = 0;
        for (size_t r = 0; r < ch.rows; r++) {
            auto& rec = *records[at + r];
            for (size_t i = 0; i < ncols; i++, k++)
                bind(p, *order[i], column_value(*order[i], rec, p.replace_null_with_default, scratch), ch, k);
        }
    }
    out->full_rows = chunk;
    if (records.size() >= chunk) out->full_sql = statement_sql(p, op, chunk);
    if (size_t last = records.size() % chunk; last != 0) out->last_sql = statement_sql(p, op, last);
    return out;
}

void my_session::run(encoded_write& ew) {
    auto& w = static_cast<my_encoded&>(ew);
    auto& cache = _plans[w.plan_id].stmts;
    for (auto& ch : w.chunks) {
        auto key = std::make_pair(int(w.op), ch.rows);
        auto it = cache.find(key);
        if (it == cache.end()) {
            auto& sql = ch.rows == w.full_rows ? w.full_sql : w.last_sql;
            stmt_ptr st(mysql_stmt_init(_m));
            if (mysql_stmt_prepare(st.s, sql.data(), (unsigned long)sql.size())) throw fail(stmt_error(st.s, "prepare"));
            it = cache.emplace(key, std::move(st)).first;
        }
        auto* st = it->second.s;
        if (mysql_stmt_bind_param(st, ch.binds.data())) throw fail(stmt_error(st, "bind"));
        if (mysql_stmt_execute(st)) throw fail(stmt_error(st, {}));
    }
}

class my_dialect final : public dialect {
public:
    db_kind kind() const override { return db_kind::mysql; }
    std::string_view name() const override { return "MySql"; }
    char quote_char() const override { return '`'; }

    std::string sql_type(const schema& s, bool timestamp_field, bool key) const override {
        if (s.name()) {
            auto& n = *s.name();
            if (n == logical::decimal_name) return fmt::format("DECIMAL(65,{})", logical::decimal_scale(s));
            if (n == logical::date_name) return "DATE";
            if (n == logical::time_name) return "TIME(3)";
            if (n == logical::timestamp_name) return "DATETIME(3)";
        }
        switch (s.type()) {
        case schema_type::int8: return "TINYINT";
        case schema_type::int16: return "SMALLINT";
        case schema_type::int32: return "INT";
        case schema_type::int64: return timestamp_field ? "DATETIME(6)" : "BIGINT";
        case schema_type::float32: return "FLOAT";
        case schema_type::float64: return "DOUBLE";
        case schema_type::boolean: return "TINYINT";
        // Confluent creates TEXT, which MySQL cannot use in a primary key ("BLOB/TEXT column used in
        // key specification without a key length"): key strings become VARCHAR(255).
        case schema_type::string: return timestamp_field ? "DATETIME(6)" : key ? "VARCHAR(255)" : "TEXT";
        case schema_type::bytes: return "VARBINARY(1024)";
        default:
            throw connect_error(fmt::format("{} ({}) type doesn't have a mapping to the SQL database column type",
                                            s.name() ? *s.name() : "null", type_name(s.type())));
        }
    }

    std::string upsert_sql(const write_plan& p) const override {
        std::string s = "insert into " + p.table_ref + "(";
        size_t n = 0;
        for (auto* cols : {&p.keys, &p.values})
            for (auto& c : *cols) s += (n++ ? "," : "") + column(c.name);
        s += ") values(";
        for (size_t i = 0; i < n; i++) s += i ? ",?" : "?";
        s += ") on duplicate key update ";
        auto& set = p.values.empty() ? p.keys : p.values;
        for (size_t i = 0; i < set.size(); i++) s += (i ? "," : "") + column(set[i].name) + "=values(" + column(set[i].name) + ")";
        return s;
    }

    std::unique_ptr<session> connect(const connection_settings& s, const jdbc_url& u) const override {
        MYSQL* m = mysql_init(nullptr);
        if (!m) throw db_error(db_error::kind::connection, "out of memory creating a MariaDB connection");
        unsigned timeout = 10;
        if (auto t = u.param("connectTimeout")) timeout = unsigned(std::max(1, std::stoi(*t) / 1000));
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
        my_bool truncation = 1;
        mysql_options(m, MYSQL_REPORT_DATA_TRUNCATION, &truncation);
        mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
        std::string user = u.param("user") ? *u.param("user") : s.user.value_or("");
        std::optional<std::string> password = u.param("password") ? std::optional(*u.param("password")) : s.password;
        auto& host = u.hosts.at(0);
        unsigned port = unsigned(host.second ? host.second : 3306);
        std::string where = fmt::format("{}:{}/{}", host.first, port, u.database);
        if (!mysql_real_connect(m, host.first.c_str(), user.empty() ? nullptr : user.c_str(),
                                password ? password->c_str() : nullptr, u.database.empty() ? nullptr : u.database.c_str(),
                                port, nullptr, 0)) {
            auto e = my_error(m, {});
            mysql_close(m);
            throw db_error(e.what_kind(),
                           fmt::format("Couldn't connect to MariaDB/MySQL at {}{}: {}", where,
                                       user.empty() ? "" : fmt::format(" as user '{}'", user), e.what()),
                           e.sqlstate());
        }
        auto sess = std::make_unique<my_session>(m, s, where, *this);
        mysql_autocommit(m, 0);
        sess->exec("SET time_zone = '+00:00'");
        return sess;
    }
};

} // namespace

std::unique_ptr<dialect> make_mysql_dialect() { return std::make_unique<my_dialect>(); }

} // namespace ferry::plugins::jdbc
