// PostgreSQL through libpq: binary cursors for the source, binary COPY into a staging table plus
// one set-based INSERT ... ON CONFLICT / UPDATE ... FROM / DELETE ... USING for the sink.

#include "base/log.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/connectors/jdbc/dialect.hpp"
#include "plugins/connectors/jdbc/pg_codec.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>

namespace ferry::plugins::jdbc {

namespace {

namespace oid {
constexpr uint32_t bool_ = 16, bytea = 17, char_ = 18, name = 19, int8 = 20, int2 = 21, int4 = 23, text = 25,
                   oid_ = 26, json = 114, xml = 142, float4 = 700, float8 = 701, money = 790, bpchar = 1042,
                   varchar = 1043, date = 1082, time = 1083, timestamp = 1114, timestamptz = 1184, timetz = 1266,
                   bit = 1560, varbit = 1562, numeric = 1700, uuid = 2950, jsonb = 3802;
}

struct pg_type_info {
    std::string name;
    char typtype = 'b';
    uint32_t base = 0;
};

// Fills jdbc type, precision, scale from a type OID and typmod as pgjdbc's TypeInfoCache does.
void describe_type(column_def& c, uint32_t t, int32_t typmod, const pg_type_info* extra) {
    c.native_type = t;
    c.precision = 0;
    c.scale = 0;
    switch (t) {
    case oid::bool_: c.type = jdbc_type::bit; c.precision = 1; c.type_name = "bool"; break;
    case oid::bit:
        c.type = jdbc_type::bit;
        c.precision = typmod > 0 ? typmod : 1;
        c.type_name = "bit";
        break;
    case oid::int2: c.type = jdbc_type::smallint; c.precision = 5; c.type_name = "int2"; break;
    case oid::int4: c.type = jdbc_type::integer; c.precision = 10; c.type_name = "int4"; break;
    case oid::int8: c.type = jdbc_type::bigint; c.precision = 19; c.type_name = "int8"; break;
    case oid::oid_: c.type = jdbc_type::bigint; c.precision = 10; c.type_name = "oid"; break;
    case oid::float4: c.type = jdbc_type::real; c.precision = 8; c.type_name = "float4"; break;
    case oid::float8: c.type = jdbc_type::double_; c.precision = 17; c.type_name = "float8"; break;
    case oid::money: c.type = jdbc_type::double_; c.type_name = "money"; break;
    case oid::numeric:
        c.type = jdbc_type::numeric;
        c.type_name = "numeric";
        if (typmod >= 4) {
            c.precision = ((typmod - 4) >> 16) & 0xFFFF;
            c.scale = (typmod - 4) & 0xFFFF;
        }
        break;
    case oid::char_: c.type = jdbc_type::char_; c.type_name = "char"; break;
    case oid::bpchar: c.type = jdbc_type::char_; c.type_name = "bpchar"; c.precision = typmod > 4 ? typmod - 4 : 0; break;
    case oid::varchar: c.type = jdbc_type::varchar; c.type_name = "varchar"; c.precision = typmod > 4 ? typmod - 4 : 0; break;
    case oid::text: c.type = jdbc_type::varchar; c.type_name = "text"; break;
    case oid::name: c.type = jdbc_type::varchar; c.type_name = "name"; break;
    case oid::xml: c.type = jdbc_type::sqlxml; c.type_name = "xml"; break;
    case oid::bytea: c.type = jdbc_type::binary; c.type_name = "bytea"; break;
    case oid::date: c.type = jdbc_type::date; c.type_name = "date"; break;
    case oid::time: c.type = jdbc_type::time; c.type_name = "time"; break;
    case oid::timetz: c.type = jdbc_type::time; c.type_name = "timetz"; c.with_time_zone = true; break;
    case oid::timestamp: c.type = jdbc_type::timestamp; c.type_name = "timestamp"; break;
    case oid::timestamptz: c.type = jdbc_type::timestamp; c.type_name = "timestamptz"; c.with_time_zone = true; break;
    case oid::json: c.type = jdbc_type::other; c.type_name = "json"; c.is_json = true; break;
    case oid::jsonb: c.type = jdbc_type::other; c.type_name = "jsonb"; c.is_json = true; break;
    case oid::uuid: c.type = jdbc_type::other; c.type_name = "uuid"; c.is_uuid = true; break;
    default:
        c.type = jdbc_type::other;
        c.type_name = extra ? extra->name : std::to_string(t);
        if (extra && extra->typtype == 'e') c.type = jdbc_type::varchar; // enums read as their label
        if (extra && extra->typtype == 'c') c.type = jdbc_type::struct_;
        if (extra && !extra->name.empty() && extra->name[0] == '_') c.type = jdbc_type::array;
    }
}

db_error pg_error(PGconn* conn, const PGresult* res, std::string_view context) {
    std::string msg;
    std::string state;
    if (res) {
        const char* st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (st) state = st;
        const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        const char* hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
        if (primary) {
            msg = fmt::format("ERROR: {}", primary);
            if (detail) msg += fmt::format("\n  Detail: {}", detail);
            if (hint) msg += fmt::format("\n  Hint: {}", hint);
        }
    }
    if (msg.empty()) {
        msg = conn ? PQerrorMessage(conn) : "unknown error";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    }
    auto kind = classify_sqlstate(state);
    if (conn && PQstatus(conn) == CONNECTION_BAD) kind = db_error::kind::connection;
    if (!context.empty()) msg = fmt::format("{}: {}", context, msg);
    if (!state.empty()) msg += fmt::format(" (SQLState: {})", state);
    return db_error(kind, std::move(msg), std::move(state));
}

struct result_ptr {
    PGresult* r = nullptr;
    result_ptr() = default;
    explicit result_ptr(PGresult* p) : r(p) {}
    result_ptr(const result_ptr&) = delete;
    result_ptr& operator=(const result_ptr&) = delete;
    result_ptr(result_ptr&& o) noexcept : r(o.r) { o.r = nullptr; }
    result_ptr& operator=(result_ptr&& o) noexcept {
        if (this != &o) {
            reset();
            r = o.r;
            o.r = nullptr;
        }
        return *this;
    }
    ~result_ptr() { reset(); }
    void reset() {
        if (r) PQclear(r);
        r = nullptr;
    }
    PGresult* get() const { return r; }
};

int64_t be64(const char* p) { return int64_t(pg::get_u64(p)); }

class pg_session;

class pg_cursor final : public cursor {
public:
    pg_cursor(pg_session& s, int fetch_size) : _s(s), _fetch_size(fetch_size) {}
    void init(result_ptr first, std::vector<column_def> cols) {
        _res = std::move(first);
        _cols = std::move(cols);
        _nrows = PQntuples(_res.get());
        _done = _nrows < _fetch_size;
        _row = -1;
    }
    const std::vector<column_def>& columns() const override { return _cols; }
    bool done() const { return _done; }
    bool next() override;
    bool is_null(int c) const override { return PQgetisnull(_res.get(), _row, c); }
    bool get_bool(int c) const override {
        auto p = val(c);
        if (_cols[size_t(c)].native_type == oid::bit) return len(c) > 4 && (uint8_t(p[4]) & 0x80);
        return p[0] != 0;
    }
    int64_t get_int64(int c) const override {
        auto p = val(c);
        switch (_cols[size_t(c)].native_type) {
        case oid::int2: return int16_t(pg::get_u16(p));
        case oid::int4: return int32_t(pg::get_u32(p));
        case oid::oid_: return int64_t(pg::get_u32(p));
        case oid::int8: return be64(p);
        case oid::bool_: return p[0] ? 1 : 0;
        case oid::bit: return len(c) > 4 ? int8_t(uint8_t(p[4])) : 0;
        case oid::numeric: {
            if (!pg::numeric_to_text(p, len(c), _tmp)) throw data_error("NaN/Infinity numeric cannot be read as an integer");
            auto dot = _tmp.find('.');
            int64_t v = 0;
            auto r = std::from_chars(_tmp.data(), _tmp.data() + (dot == std::string::npos ? _tmp.size() : dot), v);
            if (r.ec != std::errc()) throw data_error(fmt::format("Numeric value {} does not fit in a long", _tmp));
            return v;
        }
        case oid::float4: return int64_t(std::bit_cast<float>(pg::get_u32(p)));
        case oid::float8: return int64_t(std::bit_cast<double>(pg::get_u64(p)));
        default: throw data_error(fmt::format("Column {} of type {} cannot be read as an integer", _cols[size_t(c)].name, _cols[size_t(c)].type_name));
        }
    }
    double get_double(int c) const override {
        auto p = val(c);
        switch (_cols[size_t(c)].native_type) {
        case oid::float4: return std::bit_cast<float>(pg::get_u32(p));
        case oid::float8: return std::bit_cast<double>(pg::get_u64(p));
        case oid::money: return double(be64(p)) / 100.0;
        case oid::numeric: {
            if (!pg::numeric_to_text(p, len(c), _tmp)) {
                uint16_t sign = pg::get_u16(p + 4);
                return sign == 0xD000 ? INFINITY : sign == 0xF000 ? -INFINITY : NAN;
            }
            double d = 0;
            std::from_chars(_tmp.data(), _tmp.data() + _tmp.size(), d);
            return d;
        }
        default: return double(get_int64(c));
        }
    }
    std::string_view get_text(int c) const override {
        auto p = val(c);
        int n = len(c);
        auto t = _cols[size_t(c)].native_type;
        if (t == oid::jsonb && n > 0) return {p + 1, size_t(n - 1)}; // version byte
        if (t == oid::uuid && n == 16) {
            static const char* hex = "0123456789abcdef";
            _tmp.clear();
            for (int i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10) _tmp.push_back('-');
                _tmp.push_back(hex[uint8_t(p[i]) >> 4]);
                _tmp.push_back(hex[uint8_t(p[i]) & 15]);
            }
            return _tmp;
        }
        return {p, size_t(n)};
    }
    std::string_view get_bytes(int c) const override {
        auto p = val(c);
        if (_cols[size_t(c)].native_type == oid::bit || _cols[size_t(c)].native_type == oid::varbit)
            return len(c) >= 4 ? std::string_view(p + 4, size_t(len(c) - 4)) : std::string_view{};
        return {p, size_t(len(c))};
    }
    void get_decimal(int c, int32_t scale, std::string& unscaled) const override {
        auto t = _cols[size_t(c)].native_type;
        if (int64_t u; t == oid::numeric && pg::numeric_to_unscaled(val(c), len(c), scale, u)) {
            unscaled = logical::decimal_from_int64(u);
            return;
        }
        if (t == oid::numeric) {
            if (!pg::numeric_to_text(val(c), len(c), _tmp))
                throw data_error(fmt::format("Column {}: NaN and Infinity cannot be represented as a Decimal", _cols[size_t(c)].name));
        } else {
            _tmp = std::to_string(get_int64(c));
        }
        pg::round_text(_tmp, scale);
        unscaled = logical::decimal_from_string(_tmp, scale);
    }
    int32_t get_date(int c) const override {
        auto d = int32_t(pg::get_u32(val(c)));
        if (d == INT32_MAX || d == INT32_MIN) return d; // +/-infinity stay extreme
        return d + pg::epoch_offset_days;
    }
    int64_t get_time_micros(int c) const override {
        auto p = val(c);
        int64_t us = be64(p);
        if (_cols[size_t(c)].native_type == oid::timetz && len(c) >= 12) {
            int32_t west = int32_t(pg::get_u32(p + 8));
            us += int64_t(west) * 1000000; // to UTC
            us %= 86400000000LL;
            if (us < 0) us += 86400000000LL;
        }
        return us;
    }
    instant get_timestamp(int c, const tz::zone& z) const override {
        int64_t us = be64(val(c));
        if (us == INT64_MAX) return instant::from_millis(9223372036825200000LL); // pgjdbc's infinity
        if (us == INT64_MIN) return instant::from_millis(-9223372036832400000LL);
        auto t = instant::from_micros(us);
        t.seconds += pg::epoch_offset_seconds;
        if (!_cols[size_t(c)].with_time_zone) t.seconds = z.local_to_utc(t.seconds);
        return t;
    }

private:
    const char* val(int c) const { return PQgetvalue(_res.get(), _row, c); }
    int len(int c) const { return PQgetlength(_res.get(), _row, c); }

    pg_session& _s;
    int _fetch_size;
    result_ptr _res;
    std::vector<column_def> _cols;
    int _row = -1, _nrows = 0;
    bool _done = false;
    mutable std::string _tmp;
};

struct stage {
    std::string name;   // quoted staging table name
    std::string create; // CREATE TEMP TABLE
    std::string copy_all, copy_keys;
    std::string apply[4]; // per write_op, followed by TRUNCATE
    // Inserts and upserts first COPY straight into the target (under a savepoint) when every
    // column's binary encoding is the target column's own type and COPY does what INSERT would;
    // see pg_session::run().
    std::string copy_direct; // empty when not possible
    int direct_skip = 0, direct_backoff = 0; // writes to stage after a failed direct COPY
    enum class enc { boolean, int2, int4, int8, float4, float8, text, bytea, numeric, date, time, timestamp, timestamptz };
    std::vector<enc> encs; // keys then values
    bool created = false;
};

class pg_session final : public session {
public:
    pg_session(PGconn* c, const connection_settings& s, const jdbc_url& u, const dialect& d)
        : _conn(c), _settings(s), _dialect(d) {
        _cancel = PQgetCancel(_conn);
        _where = fmt::format("{}:{}/{}", u.hosts.empty() ? "" : u.hosts[0].first,
                             u.hosts.empty() || u.hosts[0].second == 0 ? 5432 : u.hosts[0].second, u.database);
        _version = PQserverVersion(_conn);
    }
    ~pg_session() override {
        if (_cancel) PQfreeCancel(_cancel);
        PQfinish(_conn);
    }

    bool is_valid() override { return PQstatus(_conn) == CONNECTION_OK; }
    void cancel() override {
        char buf[256];
        if (_cancel) PQcancel(_cancel, buf, sizeof buf);
    }
    std::string describe() const override {
        return fmt::format("PostgreSQL {}.{} at {}", _version / 10000, _version % 100, _where);
    }

    result_ptr exec(const std::string& sql, ExecStatusType expect = PGRES_COMMAND_OK, std::string_view ctx = {}) {
        drain_prefetch();
        result_ptr r(PQexec(_conn, sql.c_str()));
        if (!r.get() || PQresultStatus(r.get()) != expect) throw pg_error(_conn, r.get(), ctx);
        return r;
    }
    result_ptr exec_params(const std::string& sql, const std::vector<std::string>& params, int result_format,
                           ExecStatusType expect = PGRES_TUPLES_OK, const std::vector<uint32_t>* types = nullptr) {
        drain_prefetch();
        std::vector<const char*> vals;
        vals.reserve(params.size());
        for (auto& p : params) vals.push_back(p.c_str());
        result_ptr r(PQexecParams(_conn, sql.c_str(), int(params.size()), types ? types->data() : nullptr,
                                  vals.data(), nullptr, nullptr, result_format));
        if (!r.get() || PQresultStatus(r.get()) != expect) throw pg_error(_conn, r.get(), {});
        return r;
    }

    void begin() {
        if (_in_txn) return;
        std::string b = "BEGIN";
        if (_isolation == "READ_UNCOMMITTED") b += " ISOLATION LEVEL READ UNCOMMITTED";
        else if (_isolation == "READ_COMMITTED") b += " ISOLATION LEVEL READ COMMITTED";
        else if (_isolation == "REPEATABLE_READ") b += " ISOLATION LEVEL REPEATABLE READ";
        else if (_isolation == "SERIALIZABLE") b += " ISOLATION LEVEL SERIALIZABLE";
        exec(b);
        _in_txn = true;
    }
    void set_isolation(std::string iso) { _isolation = std::move(iso); }

    std::vector<table_id> list_tables(const std::optional<std::string>& catalog_pattern,
                                      const std::optional<std::string>& schema_pattern,
                                      const std::vector<std::string>& types) override {
        (void)catalog_pattern; // one database per connection
        std::vector<std::string> conds;
        for (auto& t : types) {
            std::string u;
            for (char c : t) u.push_back(char(std::toupper((unsigned char)c)));
            const char* user_ns = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";
            const char* sys_ns = "(n.nspname = 'pg_catalog' OR n.nspname = 'information_schema')";
            if (u == "TABLE") conds.push_back(fmt::format("(c.relkind = 'r' AND {})", user_ns));
            else if (u == "PARTITIONED TABLE") conds.push_back(fmt::format("(c.relkind = 'p' AND {})", user_ns));
            else if (u == "VIEW") conds.push_back(fmt::format("(c.relkind = 'v' AND {})", user_ns));
            else if (u == "MATERIALIZED VIEW") conds.push_back("c.relkind = 'm'");
            else if (u == "FOREIGN TABLE") conds.push_back("c.relkind = 'f'");
            else if (u == "SYSTEM TABLE") conds.push_back(fmt::format("(c.relkind = 'r' AND {})", sys_ns));
            else if (u == "SYSTEM VIEW") conds.push_back(fmt::format("(c.relkind = 'v' AND {})", sys_ns));
            else if (u == "LOCAL TEMPORARY" || u == "TEMPORARY TABLE") conds.push_back("(c.relkind = 'r' AND n.nspname ~ '^pg_temp_')");
        }
        if (conds.empty()) return {};
        std::string sql = "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
                          "n.oid = c.relnamespace WHERE (";
        for (size_t i = 0; i < conds.size(); i++) sql += (i ? " OR " : "") + conds[i];
        sql += ")";
        std::vector<std::string> params;
        if (schema_pattern) {
            sql += " AND n.nspname LIKE $1";
            params.push_back(*schema_pattern);
        }
        sql += " ORDER BY n.nspname, c.relname";
        auto r = exec_params(sql, params, 0);
        end_read();
        std::vector<table_id> out;
        for (int i = 0; i < PQntuples(r.get()); i++)
            out.push_back({std::nullopt, std::string(PQgetvalue(r.get(), i, 0)), std::string(PQgetvalue(r.get(), i, 1))});
        return out;
    }

    std::optional<table_definition> describe_table(const table_id& t) override {
        table_id lookup = t;
        lookup.catalog.reset();
        std::string regclass = table_sql(lookup, '"', quote_method::always);
        auto r = exec_params(
            "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, t.typname, t.typtype, t.typbasetype, "
            "COALESCE(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%' OR a.attidentity <> '' AS autoinc, "
            "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY(i.indkey)), "
            "c.relkind, format_type(a.atttypid, a.atttypmod), n.nspname, c.relname, c.relhasrules "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
            "JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
            "WHERE c.oid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            {regclass}, 0);
        end_read();
        int n = PQntuples(r.get());
        if (n == 0) return std::nullopt;
        table_definition def;
        def.id = {std::nullopt, std::string(PQgetvalue(r.get(), 0, 11)), std::string(PQgetvalue(r.get(), 0, 12))};
        char kind = PQgetvalue(r.get(), 0, 9)[0];
        def.type = kind == 'v' || kind == 'm' ? table_type::view : kind == 'p' ? table_type::partitioned_table : table_type::table;
        def.copy_as_insert = (kind == 'r' || kind == 'p') && PQgetvalue(r.get(), 0, 13)[0] != 't';
        for (int i = 0; i < n; i++) {
            column_def c;
            c.name = PQgetvalue(r.get(), i, 0);
            uint32_t typ = uint32_t(std::stoul(PQgetvalue(r.get(), i, 1)));
            int32_t typmod = std::stoi(PQgetvalue(r.get(), i, 2));
            pg_type_info info{PQgetvalue(r.get(), i, 4), PQgetvalue(r.get(), i, 5)[0],
                              uint32_t(std::stoul(PQgetvalue(r.get(), i, 6)))};
            if (info.typtype == 'd' && info.base) typ = info.base; // domains behave as their base type
            describe_type(c, typ, typmod, &info);
            c.optional = PQgetvalue(r.get(), i, 3)[0] != 't';
            c.auto_increment = PQgetvalue(r.get(), i, 7)[0] == 't';
            c.primary_key = PQgetvalue(r.get(), i, 8)[0] == 't';
            if (c.primary_key) c.optional = false;
            c.type_name = PQgetvalue(r.get(), i, 10); // the declared type, e.g. "character varying(20)"
            c.is_json = info.name == "json" || info.name == "jsonb";
            c.is_uuid = info.name == "uuid";
            def.columns.push_back(std::move(c));
        }
        return def;
    }

    instant current_time() override {
        begin();
        auto r = exec_params("SELECT CURRENT_TIMESTAMP", {}, 1);
        auto t = instant::from_micros(be64(PQgetvalue(r.get(), 0, 0)));
        t.seconds += pg::epoch_offset_seconds;
        return t;
    }

    std::optional<instant> oldest_open_transaction() override {
        begin();
        auto r = exec_params("SELECT min(xact_start) FROM pg_catalog.pg_stat_activity WHERE datname = current_database() "
                             "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND backend_type = 'client backend' "
                             "AND application_name NOT LIKE 'ferry-jdbc-source%'",
                             {}, 1);
        if (PQgetisnull(r.get(), 0, 0)) return std::nullopt;
        auto t = instant::from_micros(be64(PQgetvalue(r.get(), 0, 0)));
        t.seconds += pg::epoch_offset_seconds;
        return t;
    }

    // Whether this role sees other users' transactions in pg_stat_activity.
    bool can_see_all_activity() {
        begin();
        auto r = exec_params("SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') FROM pg_roles "
                             "WHERE rolname = current_user",
                             {}, 0);
        end_read();
        return PQntuples(r.get()) == 1 && PQgetvalue(r.get(), 0, 0)[0] == 't';
    }

    std::unique_ptr<cursor> query(const std::string& sql, const std::vector<query_param>& params, int fetch_size) override {
        end_cursor();
        begin();
        std::vector<std::string> vals;
        std::vector<uint32_t> types;
        for (auto& p : params) {
            if (p.k == query_param::kind::int64) {
                vals.push_back(std::to_string(p.i));
                types.push_back(oid::int8);
            } else {
                // Like pgjdbc: the wall clock of db.timezone plus its offset, typed "unknown" so a
                // timestamp column ignores the offset and a timestamptz column honours it.
                auto& z = *_settings.zone;
                int32_t off = z.offset_at(p.ts.seconds);
                auto s = format_local(p.ts, z, 9);
                s += fmt::format("{}{:02d}:{:02d}", off < 0 ? '-' : '+', std::abs(off) / 3600, std::abs(off) % 3600 / 60);
                vals.push_back(std::move(s));
                types.push_back(0);
            }
        }
        exec_params("DECLARE ferry_cursor NO SCROLL CURSOR FOR " + sql, vals, 0, PGRES_COMMAND_OK, &types);
        _cursor_open = true;
        auto cur = std::make_unique<pg_cursor>(*this, fetch_size);
        auto first = fetch(fetch_size);
        cur->init(std::move(first), result_columns(_last_fetch));
        if (!cur->done()) send_prefetch(fetch_size);
        return cur;
    }

    result_ptr fetch(int n) {
        auto r = exec_params(fmt::format("FETCH FORWARD {} FROM ferry_cursor", n), {}, 1);
        _last_fetch = r.get();
        return r;
    }

    // Read-ahead: the next FETCH is sent as soon as a full one arrived, so the server produces
    // the next rows while the task converts these. Any other statement first drains it.
    void send_prefetch(int n) {
        if (_prefetching) return;
        _fetch_sql = fmt::format("FETCH FORWARD {} FROM ferry_cursor", n);
        if (PQsendQueryParams(_conn, _fetch_sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1) != 1)
            throw pg_error(_conn, nullptr, {});
        _prefetching = true;
    }
    result_ptr take_prefetch() {
        _prefetching = false;
        result_ptr r(PQgetResult(_conn));
        while (PGresult* more = PQgetResult(_conn)) PQclear(more);
        if (!r.get() || PQresultStatus(r.get()) != PGRES_TUPLES_OK) throw pg_error(_conn, r.get(), {});
        _last_fetch = r.get();
        return r;
    }
    void drain_prefetch() {
        if (!_prefetching) return;
        _prefetching = false;
        while (PGresult* r = PQgetResult(_conn)) PQclear(r);
    }

    void end_cursor() {
        if (_cursor_open) {
            _cursor_open = false;
            if (PQstatus(_conn) == CONNECTION_OK && PQtransactionStatus(_conn) == PQTRANS_INTRANS) exec("CLOSE ferry_cursor");
        }
    }

    void end_read() {
        end_cursor();
        if (_in_txn && !_writing) {
            _in_txn = false;
            if (PQstatus(_conn) == CONNECTION_OK) {
                auto ts = PQtransactionStatus(_conn);
                exec(ts == PQTRANS_INERROR ? "ROLLBACK" : "COMMIT");
            }
        }
    }

    void end_query() override { end_read(); }

    void execute(const std::string& sql) override {
        begin();
        exec(sql);
    }

    void commit() override {
        end_cursor();
        if (!_in_txn) return;
        _in_txn = false;
        _writing = false;
        exec("COMMIT");
        for (auto* st : _created_in_txn) st->created = true;
        _created_in_txn.clear();
    }

    void rollback() override {
        drain_prefetch();
        _cursor_open = false;
        _writing = false;
        for (auto* st : _created_in_txn) st->created = false;
        _created_in_txn.clear();
        if (!_in_txn) return;
        _in_txn = false;
        if (PQstatus(_conn) == CONNECTION_OK) {
            result_ptr r(PQexec(_conn, "ROLLBACK"));
        }
    }

    std::optional<std::string> default_schema() override {
        auto r = exec_params("SELECT current_schema()", {}, 0);
        end_read();
        if (PQntuples(r.get()) != 1 || PQgetisnull(r.get(), 0, 0)) return std::nullopt;
        return std::string(PQgetvalue(r.get(), 0, 0));
    }

    void write(const write_plan& plan, write_op op, std::span<const sink_record* const> records) override;
    std::unique_ptr<encoded_write> encode(const write_plan& plan, write_op op,
                                          std::span<const sink_record* const> records) override;
    void run(encoded_write& w) override;
    void copy_in(const std::string& sql, const std::string& data);
    void drop_plan(uint64_t id) override { _stages.erase(id); }

private:
    std::vector<column_def> result_columns(PGresult* r) {
        std::vector<column_def> cols;
        int n = PQnfields(r);
        std::vector<std::pair<uint32_t, int>> table_cols;
        for (int i = 0; i < n; i++) {
            column_def c;
            c.name = PQfname(r, i);
            uint32_t t = PQftype(r, i);
            const pg_type_info* info = nullptr;
            if (t >= 10000 || (t != oid::bool_ && t != oid::bytea && t != oid::char_ && t != oid::name && t != oid::int8 &&
                                t != oid::int2 && t != oid::int4 && t != oid::text && t != oid::oid_ && t != oid::json &&
                                t != oid::xml && t != oid::float4 && t != oid::float8 && t != oid::money &&
                                t != oid::bpchar && t != oid::varchar && t != oid::date && t != oid::time &&
                                t != oid::timestamp && t != oid::timestamptz && t != oid::timetz && t != oid::bit &&
                                t != oid::varbit && t != oid::numeric && t != oid::uuid && t != oid::jsonb))
                info = type_info(t);
            if (info && info->typtype == 'd' && info->base) {
                t = info->base;
                info = type_info(t);
            }
            describe_type(c, t, PQfmod(r, i), info);
            c.optional = true; // unknown unless the column comes from a table
            if (PQftable(r, i) != InvalidOid && PQftablecol(r, i) > 0)
                table_cols.emplace_back(PQftable(r, i), PQftablecol(r, i));
            else
                table_cols.emplace_back(0, 0);
            cols.push_back(std::move(c));
        }
        // Nullability (and primary keys) from pg_attribute, as pgjdbc's metadata does.
        std::string oids;
        for (auto& [t, a] : table_cols)
            if (t) {
                if (!oids.empty()) oids.push_back(',');
                oids += std::to_string(t);
            }
        if (!oids.empty()) {
            auto q = exec_params("SELECT attrelid, attnum, attnotnull FROM pg_catalog.pg_attribute WHERE attrelid = "
                                 "ANY(('{" + oids + "}')::oid[]) AND attnum > 0",
                                 {}, 0);
            std::map<std::pair<uint32_t, int>, bool> notnull;
            for (int i = 0; i < PQntuples(q.get()); i++)
                notnull[{uint32_t(std::stoul(PQgetvalue(q.get(), i, 0))), std::stoi(PQgetvalue(q.get(), i, 1))}] =
                    PQgetvalue(q.get(), i, 2)[0] == 't';
            for (size_t i = 0; i < cols.size(); i++) {
                auto it = notnull.find(table_cols[i]);
                if (it != notnull.end()) cols[i].optional = !it->second;
            }
        }
        return cols;
    }

    const pg_type_info* type_info(uint32_t t) {
        auto it = _types.find(t);
        if (it != _types.end()) return &it->second;
        auto r = exec_params("SELECT typname, typtype, typbasetype FROM pg_catalog.pg_type WHERE oid = " + std::to_string(t),
                             {}, 0);
        pg_type_info info;
        if (PQntuples(r.get()) == 1) {
            info.name = PQgetvalue(r.get(), 0, 0);
            info.typtype = PQgetvalue(r.get(), 0, 1)[0];
            info.base = uint32_t(std::stoul(PQgetvalue(r.get(), 0, 2)));
        }
        return &_types.emplace(t, std::move(info)).first->second;
    }

    stage& stage_for(const write_plan& p);
    void encode(const write_plan& p, const sink_column& c, stage::enc e, const value& v, std::string& out);

    friend class pg_cursor;
    PGconn* _conn;
    PGcancel* _cancel = nullptr;
    connection_settings _settings;
    const dialect& _dialect;
    std::string _where;
    int _version = 0;
    std::string _isolation = "DEFAULT";
    bool _in_txn = false, _writing = false, _cursor_open = false, _prefetching = false;
    std::string _fetch_sql;
    PGresult* _last_fetch = nullptr;
    std::unordered_map<uint32_t, pg_type_info> _types;
    std::unordered_map<uint64_t, stage> _stages;
    std::vector<stage*> _created_in_txn;
    // Reused encoding buffers (encode() only).
    std::string _keybuf, _tmp;
    std::vector<uint32_t> _key_ends;
    std::vector<int32_t> _slots;
    std::vector<char> _keep;
    size_t _last_copy_size = 0;
};

// One write as binary COPY data (header to trailer) plus the statement that applies it.
struct pg_encoded final : encoded_write {
    stage* st = nullptr;
    write_op op = write_op::insert;
    std::string data;
};

bool pg_cursor::next() {
    if (++_row < _nrows) return true;
    if (_done) return false;
    _res.reset();
    _res = _s._prefetching ? _s.take_prefetch() : _s.fetch(_fetch_size);
    _nrows = PQntuples(_res.get());
    _done = _nrows < _fetch_size;
    _row = 0;
    if (!_done) _s.send_prefetch(_fetch_size);
    return _nrows > 0;
}

stage::enc staging_enc(const sink_column& c) {
    auto& s = *c.schema;
    bool tz_col = c.db && c.db->with_time_zone;
    if (s.name()) {
        auto& n = *s.name();
        if (n == logical::decimal_name) return stage::enc::numeric;
        if (n == logical::date_name) return stage::enc::date;
        if (n == logical::time_name) return stage::enc::time;
        if (n == logical::timestamp_name) return tz_col ? stage::enc::timestamptz : stage::enc::timestamp;
    }
    if (c.timestamp_field && (s.type() == schema_type::int64 || s.type() == schema_type::string))
        return tz_col ? stage::enc::timestamptz : stage::enc::timestamp;
    switch (s.type()) {
    case schema_type::boolean: return stage::enc::boolean;
    case schema_type::int8:
    case schema_type::int16: return stage::enc::int2;
    case schema_type::int32: return stage::enc::int4;
    case schema_type::int64: return stage::enc::int8;
    case schema_type::float32: return stage::enc::float4;
    case schema_type::float64: return stage::enc::float8;
    case schema_type::string: return stage::enc::text;
    case schema_type::bytes: return stage::enc::bytea;
    default: throw connect_error(fmt::format("Unsupported source data type: {}", type_name(s.type())));
    }
}

const char* enc_sql(stage::enc e) {
    switch (e) {
    case stage::enc::boolean: return "boolean";
    case stage::enc::int2: return "int2";
    case stage::enc::int4: return "int4";
    case stage::enc::int8: return "int8";
    case stage::enc::float4: return "float4";
    case stage::enc::float8: return "float8";
    case stage::enc::text: return "text";
    case stage::enc::bytea: return "bytea";
    case stage::enc::numeric: return "numeric";
    case stage::enc::date: return "date";
    case stage::enc::time: return "time";
    case stage::enc::timestamp: return "timestamp";
    case stage::enc::timestamptz: return "timestamptz";
    }
    return "text";
}

// Staging text goes into string columns implicitly; other targets (json, jsonb, uuid, enums, xml,
// inet ...) need an explicit cast, which Confluent writes as ?::jsonb / ?::uuid.
std::string source_expr(const std::string& stage_name, const sink_column& c, stage::enc e, const dialect& d) {
    std::string col = stage_name + "." + quote_identifier(c.name, '"');
    if (e == stage::enc::text && c.db) {
        auto t = c.db->native_type;
        bool stringy = t == oid::text || t == oid::varchar || t == oid::bpchar || t == oid::name || t == oid::char_;
        if (!stringy) return fmt::format("CAST({} AS {})", col, c.db->type_name);
    }
    (void)d;
    return col;
}

// Binary COPY input is read by the column type's own receive function: only an encoding of
// exactly that type (string encodings also for varchar and char, whose receive functions apply
// the length as an assignment cast would) goes straight into a target column.
bool direct_copy_type(stage::enc e, uint32_t t) {
    switch (e) {
    case stage::enc::boolean: return t == oid::bool_;
    case stage::enc::int2: return t == oid::int2;
    case stage::enc::int4: return t == oid::int4;
    case stage::enc::int8: return t == oid::int8;
    case stage::enc::float4: return t == oid::float4;
    case stage::enc::float8: return t == oid::float8;
    case stage::enc::text: return t == oid::text || t == oid::varchar || t == oid::bpchar;
    case stage::enc::bytea: return t == oid::bytea;
    case stage::enc::numeric: return t == oid::numeric;
    case stage::enc::date: return t == oid::date;
    case stage::enc::time: return t == oid::time;
    case stage::enc::timestamp: return t == oid::timestamp;
    case stage::enc::timestamptz: return t == oid::timestamptz;
    }
    return false;
}

stage& pg_session::stage_for(const write_plan& p) {
    auto it = _stages.find(p.id);
    if (it != _stages.end()) return it->second;
    stage st;
    st.name = quote_identifier(fmt::format("ferry_stage_{}", p.id), '"');
    std::string cols, keycols, create = "CREATE TEMP TABLE IF NOT EXISTS " + st.name + " (";
    size_t i = 0;
    std::vector<std::string> exprs;
    for (auto* group : {&p.keys, &p.values})
        for (auto& c : *group) {
            auto e = staging_enc(c);
            st.encs.push_back(e);
            auto q = quote_identifier(c.name, '"');
            if (i) {
                create += ", ";
                cols += ",";
            }
            create += q + " " + enc_sql(e);
            cols += q;
            if (c.key) keycols += (keycols.empty() ? "" : ",") + q;
            exprs.push_back(source_expr(st.name, c, e, _dialect));
            i++;
        }
    create += ") ON COMMIT DELETE ROWS";
    st.create = std::move(create);
    st.copy_all = "COPY " + st.name + " (" + cols + ") FROM STDIN (FORMAT binary)";
    st.copy_keys = "COPY " + st.name + " (" + keycols + ") FROM STDIN (FORMAT binary)";
    std::string target_cols;
    for (auto* group : {&p.keys, &p.values})
        for (auto& c : *group) target_cols += (target_cols.empty() ? "" : ",") + _dialect.column(c.name);
    std::string select;
    for (size_t k = 0; k < exprs.size(); k++) select += (k ? "," : "") + exprs[k];
    bool direct = p.copy_target;
    for (auto* group : {&p.keys, &p.values})
        for (auto& c : *group)
            // (COPY writes identity columns that INSERT refuses to: leave those to INSERT)
            direct = direct && c.db && !c.db->auto_increment && direct_copy_type(staging_enc(c), c.db->native_type);
    if (direct) st.copy_direct = "COPY " + p.table_ref + " (" + target_cols + ") FROM STDIN (FORMAT binary)";
    std::string truncate = "; TRUNCATE " + st.name;
    st.apply[int(write_op::insert)] =
        "INSERT INTO " + p.table_ref + " (" + target_cols + ") SELECT " + select + " FROM " + st.name + truncate;
    if (!p.keys.empty()) {
        std::string conflict = " ON CONFLICT (";
        for (size_t k = 0; k < p.keys.size(); k++) conflict += (k ? "," : "") + _dialect.column(p.keys[k].name);
        conflict += ")";
        if (p.values.empty()) {
            conflict += " DO NOTHING";
        } else {
            conflict += " DO UPDATE SET ";
            for (size_t k = 0; k < p.values.size(); k++) {
                auto q = _dialect.column(p.values[k].name);
                conflict += (k ? "," : "") + q + "=EXCLUDED." + q;
            }
        }
        st.apply[int(write_op::upsert)] = "INSERT INTO " + p.table_ref + " (" + target_cols + ") SELECT " + select +
                                          " FROM " + st.name + conflict + truncate;
        std::string where;
        for (size_t k = 0; k < p.keys.size(); k++)
            where += std::string(k ? " AND " : "") + p.table_ref + "." + _dialect.column(p.keys[k].name) + " = " + exprs[k];
        if (!p.values.empty()) {
            std::string set;
            for (size_t k = 0; k < p.values.size(); k++)
                set += (k ? ", " : "") + _dialect.column(p.values[k].name) + " = " + exprs[p.keys.size() + k];
            st.apply[int(write_op::update)] =
                "UPDATE " + p.table_ref + " SET " + set + " FROM " + st.name + " WHERE " + where + truncate;
        } else {
            st.apply[int(write_op::update)] = "TRUNCATE " + st.name; // nothing to set
        }
        st.apply[int(write_op::remove)] = "DELETE FROM " + p.table_ref + " USING " + st.name + " WHERE " + where + truncate;
    }
    return _stages.emplace(p.id, std::move(st)).first->second;
}

void pg_session::encode(const write_plan& p, const sink_column& c, stage::enc e, const value& v, std::string& out) {
    if (v.is_null()) {
        pg::put_u32(out, 0xFFFFFFFFu);
        return;
    }
    switch (e) {
    case stage::enc::boolean:
        pg::put_u32(out, 1);
        out.push_back(v.as_bool() ? 1 : 0);
        return;
    case stage::enc::int2:
        pg::put_u32(out, 2);
        pg::put_u16(out, uint16_t(int16_t(v.to_int64())));
        return;
    case stage::enc::int4:
        pg::put_u32(out, 4);
        pg::put_u32(out, uint32_t(int32_t(v.to_int64())));
        return;
    case stage::enc::int8:
        pg::put_u32(out, 8);
        pg::put_u64(out, uint64_t(v.to_int64()));
        return;
    case stage::enc::float4:
        pg::put_u32(out, 4);
        pg::put_u32(out, std::bit_cast<uint32_t>(v.as_float32()));
        return;
    case stage::enc::float8:
        pg::put_u32(out, 8);
        pg::put_u64(out, std::bit_cast<uint64_t>(v.as_float64()));
        return;
    case stage::enc::text: {
        auto& s = v.as_string();
        pg::put_u32(out, uint32_t(s.size()));
        out += s;
        return;
    }
    case stage::enc::bytea: {
        auto& s = v.as_bytes();
        pg::put_u32(out, uint32_t(s.size()));
        out += s;
        return;
    }
    case stage::enc::numeric: {
        auto scale = logical::decimal_scale(*c.schema);
        size_t at = out.size();
        pg::put_u32(out, 0);
        if (!pg::numeric_from_unscaled(v.as_bytes(), scale, out)) {
            _tmp = logical::decimal_to_string(v.as_bytes(), scale);
            pg::numeric_from_text(_tmp, out);
        }
        uint32_t n = uint32_t(out.size() - at - 4);
        out[at] = char(n >> 24), out[at + 1] = char(n >> 16), out[at + 2] = char(n >> 8), out[at + 3] = char(n);
        return;
    }
    case stage::enc::date: {
        // Confluent binds java.sql.Date in date.timezone: the calendar date of that instant there.
        int64_t secs = int64_t(v.as_int32()) * 86400;
        int64_t local = p.date_zone->utc_to_local(secs);
        int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
        pg::put_u32(out, 4);
        pg::put_u32(out, uint32_t(int32_t(days - pg::epoch_offset_days)));
        return;
    }
    case stage::enc::time: {
        int64_t ms = v.as_int32();
        int64_t local_ms = ms + int64_t(p.zone->offset_at(ms / 1000)) * 1000;
        local_ms %= 86400000;
        if (local_ms < 0) local_ms += 86400000;
        pg::put_u32(out, 8);
        pg::put_u64(out, uint64_t(local_ms * 1000));
        return;
    }
    case stage::enc::timestamp:
    case stage::enc::timestamptz: {
        instant t = c.timestamp_field && !(c.schema->name() && *c.schema->name() == logical::timestamp_name)
                        ? timestamp_field_instant(v, p.timestamp_nanos)
                        : instant::from_millis(v.as_int64());
        int64_t secs = e == stage::enc::timestamp ? p.zone->utc_to_local(t.seconds) : t.seconds;
        int64_t us = (secs - pg::epoch_offset_seconds) * 1000000 + t.nanos / 1000;
        pg::put_u32(out, 8);
        pg::put_u64(out, uint64_t(us));
        return;
    }
    }
}


} // namespace

void pg_session::write(const write_plan& p, write_op op, std::span<const sink_record* const> records) {
    if (records.empty()) return;
    auto w = encode(p, op, records);
    run(*w);
}

std::unique_ptr<encoded_write> pg_session::encode(const write_plan& p, write_op op,
                                                  std::span<const sink_record* const> records) {
    auto out = std::make_unique<pg_encoded>();
    auto& st = stage_for(p);
    out->st = &st;
    out->op = op;
    if (records.empty()) return out;
    if (st.apply[int(op)].empty()) throw connect_error("Write mode needs key columns, but the plan has none");
    const size_t nkeys = p.keys.size();
    const size_t ncols = op == write_op::remove ? nkeys : nkeys + p.values.size();
    // Upsert and update apply each key once: keep the last record per key, as the JDBC batch's
    // sequential statements would leave it.
    _keep.assign(records.size(), 1);
    value scratch;
    if ((op == write_op::upsert || op == write_op::update) && nkeys > 0 && records.size() > 1) {
        _keybuf.clear();
        _key_ends.clear();
        for (auto* r : records) {
            for (size_t k = 0; k < nkeys; k++)
                encode(p, p.keys[k], st.encs[k], column_value(p.keys[k], *r, p.replace_null_with_default, scratch), _keybuf);
            _key_ends.push_back(uint32_t(_keybuf.size()));
        }
        size_t cap = 16;
        while (cap < records.size() * 2) cap <<= 1;
        _slots.assign(cap, -1);
        auto key_of = [&](size_t i) {
            size_t b = i == 0 ? 0 : _key_ends[i - 1];
            return std::string_view(_keybuf).substr(b, _key_ends[i] - b);
        };
        for (size_t i = records.size(); i-- > 0;) {
            auto k = key_of(i);
            size_t h = std::hash<std::string_view>{}(k) & (cap - 1);
            for (;;) {
                if (_slots[h] < 0) {
                    _slots[h] = int32_t(i);
                    break;
                }
                if (key_of(size_t(_slots[h])) == k) {
                    _keep[i] = 0; // a later record has the same key
                    break;
                }
                h = (h + 1) & (cap - 1);
            }
        }
    }
    auto& data = out->data;
    data.reserve(_last_copy_size + _last_copy_size / 8);
    static const char header[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    data.append(header, 19);
    for (size_t i = 0; i < records.size(); i++) {
        if (!_keep[i]) continue;
        auto& r = *records[i];
        pg::put_u16(data, uint16_t(ncols));
        for (size_t k = 0; k < ncols; k++) {
            auto& c = k < nkeys ? p.keys[k] : p.values[k - nkeys];
            encode(p, c, st.encs[k], column_value(c, r, p.replace_null_with_default, scratch), data);
        }
    }
    pg::put_u16(data, 0xFFFF);
    _last_copy_size = data.size();
    return out;
}

// Inserts and upserts (their keys deduplicated) first try a COPY straight into the target under
// a savepoint: when every key is new, that is what INSERT ... ON CONFLICT would have done, at
// the cost of a plain COPY instead of staging plus a row-at-a-time INSERT. When it fails (a key
// exists, or anything else) the savepoint is rolled back and the write goes through the stage,
// whose statement then decides (and reports any error as before). After a failure the direct
// attempt pauses for 1, 2, 4 ... 64 writes of that plan, so a stream of updates pays for it
// rarely.
void pg_session::run(encoded_write& ew) {
    auto& w = static_cast<pg_encoded&>(ew);
    if (w.data.empty()) return;
    auto& st = *w.st;
    begin();
    _writing = true;
    if ((w.op == write_op::insert || w.op == write_op::upsert) && !st.copy_direct.empty()) {
        if (st.direct_skip > 0) {
            st.direct_skip--;
        } else {
            exec("SAVEPOINT ferry_direct");
            try {
                copy_in(st.copy_direct, w.data);
                st.direct_backoff = 0;
                return;
            } catch (const db_error& e) {
                if (e.what_kind() == db_error::kind::connection) throw;
                exec("ROLLBACK TO SAVEPOINT ferry_direct");
                st.direct_backoff = std::min(64, std::max(1, st.direct_backoff * 2));
                st.direct_skip = st.direct_backoff;
            }
        }
    }
    if (!st.created) {
        exec(st.create);
        st.created = true;
        _created_in_txn.push_back(&st);
    }
    copy_in(w.op == write_op::remove ? st.copy_keys : st.copy_all, w.data);
    result_ptr r(PQexec(_conn, st.apply[int(w.op)].c_str()));
    if (!r.get() || PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw pg_error(_conn, r.get(), {});
}

void pg_session::copy_in(const std::string& sql, const std::string& data) {
    exec(sql, PGRES_COPY_IN);
    // libpq sends what it buffers once 8 kB are queued: hand it large slices.
    constexpr size_t slice = 1u << 20;
    for (size_t at = 0; at < data.size(); at += slice) {
        size_t n = std::min(slice, data.size() - at);
        if (PQputCopyData(_conn, data.data() + at, int(n)) != 1) throw pg_error(_conn, nullptr, "COPY");
    }
    if (PQputCopyEnd(_conn, nullptr) != 1) throw pg_error(_conn, nullptr, "COPY");
    for (;;) {
        result_ptr r(PQgetResult(_conn));
        if (!r.get()) break;
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
            auto e = pg_error(_conn, r.get(), {});
            while (PGresult* more = PQgetResult(_conn)) PQclear(more);
            throw e;
        }
    }
}

namespace {

class pg_dialect final : public dialect {
public:
    db_kind kind() const override { return db_kind::postgres; }
    std::string_view name() const override { return "PostgreSql"; }
    char quote_char() const override { return '"'; }

    table_id parse_table(std::string_view fqn) const override {
        auto t = dialect::parse_table(fqn);
        if (t.table.size() > 63) t.table.resize(63); // NAMEDATALEN - 1
        if (_quote == quote_method::never)
            for (auto& c : t.table) c = char(std::tolower((unsigned char)c));
        return t;
    }

    std::string sql_type(const schema& s, bool timestamp_field, bool) const override {
        if (s.name()) {
            auto& n = *s.name();
            if (n == logical::decimal_name) return "DECIMAL";
            if (n == logical::date_name) return "DATE";
            if (n == logical::time_name) return "TIME";
            if (n == logical::timestamp_name) return "TIMESTAMP";
        }
        switch (s.type()) {
        case schema_type::int8:
        case schema_type::int16: return "SMALLINT";
        case schema_type::int32: return "INT";
        case schema_type::int64: return timestamp_field ? "TIMESTAMP" : "BIGINT";
        case schema_type::float32: return "REAL";
        case schema_type::float64: return "DOUBLE PRECISION";
        case schema_type::boolean: return "BOOLEAN";
        case schema_type::string: return timestamp_field ? "TIMESTAMP" : "TEXT";
        case schema_type::bytes: return "BYTEA";
        case schema_type::array:
            if (s.value_schema() && is_primitive(s.value_schema()->type())) return sql_type(*s.value_schema(), false, false) + "[]";
            [[fallthrough]];
        default:
            throw connect_error(fmt::format("{} ({}) type doesn't have a mapping to the SQL database column type",
                                            s.name() ? *s.name() : "null", type_name(s.type())));
        }
    }

    std::string cast_suffix(const sink_column& c) const {
        if (c.db && (c.db->is_json || c.db->is_uuid)) {
            std::string t = c.db->type_name;
            for (auto& ch : t) ch = char(std::tolower((unsigned char)ch));
            return "::" + t;
        }
        return "";
    }

    std::string insert_sql(const write_plan& p) const override {
        std::string s = "INSERT INTO " + p.table_ref + " (", v;
        size_t n = 0;
        for (auto* cols : {&p.keys, &p.values})
            for (auto& c : *cols) {
                if (n++) {
                    s.push_back(',');
                    v.push_back(',');
                }
                s += column(c.name);
                v += "?" + cast_suffix(c);
            }
        return s + ") VALUES (" + v + ")";
    }

    std::string upsert_sql(const write_plan& p) const override {
        std::string s = insert_sql(p) + " ON CONFLICT (";
        for (size_t i = 0; i < p.keys.size(); i++) s += (i ? "," : "") + column(p.keys[i].name);
        if (p.values.empty()) return s + ") DO NOTHING";
        s += ") DO UPDATE SET ";
        for (size_t i = 0; i < p.values.size(); i++) {
            auto q = column(p.values[i].name);
            s += (i ? "," : "") + q + "=EXCLUDED." + q;
        }
        return s;
    }

    std::string update_sql(const write_plan& p) const override {
        std::string s = "UPDATE " + p.table_ref + " SET ";
        for (size_t i = 0; i < p.values.size(); i++)
            s += (i ? ", " : "") + column(p.values[i].name) + " = ?" + cast_suffix(p.values[i]);
        if (!p.keys.empty()) {
            s += " WHERE ";
            for (size_t i = 0; i < p.keys.size(); i++) s += (i ? " AND " : "") + column(p.keys[i].name) + " = ?";
        }
        return s;
    }

    std::string format_literal(const schema& s, const value& v) const override {
        if (!s.name() && s.type() == schema_type::boolean) return v.as_bool() ? "TRUE" : "FALSE";
        return dialect::format_literal(s, v);
    }

    std::unique_ptr<session> connect(const connection_settings& s, const jdbc_url& u) const override {
        std::vector<std::pair<std::string, std::string>> kv;
        std::string hosts, ports;
        for (auto& [h, p] : u.hosts) {
            hosts += (hosts.empty() ? "" : ",") + h;
            ports += (ports.empty() ? "" : ",") + std::to_string(p ? p : 5432);
        }
        kv.emplace_back("host", hosts);
        kv.emplace_back("port", ports);
        if (!u.database.empty()) kv.emplace_back("dbname", u.database);
        std::string user = u.param("user") ? *u.param("user") : s.user.value_or("");
        std::optional<std::string> password = u.param("password") ? std::optional(*u.param("password")) : s.password;
        if (!user.empty()) kv.emplace_back("user", user);
        if (password) kv.emplace_back("password", *password);
        kv.emplace_back("application_name", u.param("ApplicationName") ? *u.param("ApplicationName") : s.application_name);
        kv.emplace_back("connect_timeout", u.param("connectTimeout") ? *u.param("connectTimeout") : "10");
        kv.emplace_back("client_encoding", "UTF8");
        if (auto m = u.param("sslmode")) kv.emplace_back("sslmode", *m);
        else if (auto ssl = u.param("ssl"); ssl && *ssl == "true") kv.emplace_back("sslmode", "require");
        else kv.emplace_back("sslmode", "prefer");
        for (auto [jk, pk] : {std::pair{"sslcert", "sslcert"}, {"sslkey", "sslkey"}, {"sslrootcert", "sslrootcert"}})
            if (auto v = u.param(jk)) kv.emplace_back(pk, *v);
        std::string options = u.param("options") ? *u.param("options") : "";
        if (auto cs = u.param("currentSchema")) options += (options.empty() ? "" : " ") + std::string("-c search_path=") + *cs;
        if (!options.empty()) kv.emplace_back("options", options);
        std::vector<const char*> keys, vals;
        for (auto& [k, v] : kv) {
            keys.push_back(k.c_str());
            vals.push_back(v.c_str());
        }
        keys.push_back(nullptr);
        vals.push_back(nullptr);
        PGconn* c = PQconnectdbParams(keys.data(), vals.data(), 0);
        if (!c) throw db_error(db_error::kind::connection, "out of memory creating a PostgreSQL connection");
        if (PQstatus(c) != CONNECTION_OK) {
            std::string msg = PQerrorMessage(c);
            while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
            bool auth = msg.find("password authentication failed") != std::string::npos ||
                        msg.find("no password supplied") != std::string::npos ||
                        msg.find("authentication failed") != std::string::npos ||
                        PQconnectionNeedsPassword(c);
            bool missing_db = msg.find("does not exist") != std::string::npos;
            PQfinish(c);
            auto where = fmt::format("{}:{}/{}", u.hosts[0].first, u.hosts[0].second ? u.hosts[0].second : 5432, u.database);
            throw db_error(auth ? db_error::kind::auth : missing_db ? db_error::kind::other : db_error::kind::connection,
                           fmt::format("Couldn't connect to PostgreSQL at {}{}: {}", where,
                                       user.empty() ? "" : fmt::format(" as user '{}'", user), msg),
                           auth ? "28P01" : missing_db ? "3D000" : "08001");
        }
        auto sess = std::make_unique<pg_session>(c, s, u, *this);
        return sess;
    }
};

} // namespace

std::unique_ptr<dialect> make_postgres_dialect() { return std::make_unique<pg_dialect>(); }

void pg_set_isolation(session& s, const std::string& mode) {
    if (auto* p = dynamic_cast<pg_session*>(&s)) p->set_isolation(mode);
}

bool pg_can_see_all_activity(session& s) {
    if (auto* p = dynamic_cast<pg_session*>(&s)) return p->can_see_all_activity();
    return true;
}

} // namespace ferry::plugins::jdbc
