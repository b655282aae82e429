// SQLite through libsqlite3: prepared statements stepping rows for the source; INSERT ... ON
// CONFLICT DO UPDATE (upsert), INSERT, UPDATE and DELETE executed row by row inside one
// transaction per put() for the sink. Date/Time/Timestamp values are stored as epoch milliseconds,
// as sqlite-jdbc stores them by default (date_class=INTEGER); text timestamps are read too.

#include "base/log.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/connectors/jdbc/dialect.hpp"
#include "plugins/connectors/jdbc/jdbc.hpp"
#include "plugins/connectors/jdbc/pg_codec.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>

namespace ferry::plugins::jdbc {

namespace {

db_error lite_error(sqlite3* db, int rc, std::string_view ctx) {
    int ext = db ? sqlite3_extended_errcode(db) : rc;
    int prim = ext & 0xFF;
    auto kind = db_error::kind::other;
    if (prim == SQLITE_CONSTRAINT || prim == SQLITE_MISMATCH || prim == SQLITE_TOOBIG || prim == SQLITE_RANGE)
        kind = db_error::kind::data;
    else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED || prim == SQLITE_FULL || prim == SQLITE_IOERR)
        kind = db_error::kind::transient;
    else if (prim == SQLITE_CANTOPEN || prim == SQLITE_NOTADB)
        kind = db_error::kind::connection;
    else if (prim == SQLITE_AUTH || prim == SQLITE_PERM)
        kind = db_error::kind::auth;
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return db_error(kind, fmt::format("{}{}[SQLITE_{}] {}", ctx, ctx.empty() ? "" : ": ", sqlite3_errstr(prim), msg),
                    kind == db_error::kind::data ? "23000" : "HY000");
}

std::string upper(std::string s) {
    for (auto& c : s) c = char(std::toupper((unsigned char)c));
    return s;
}

// A declared column type -> JDBC type, as sqlite-jdbc reports it (by name, then affinity).
void describe_decl(column_def& c, const char* decl) {
    std::string d = upper(decl ? decl : "");
    c.type_name = decl ? decl : "";
    auto has = [&](const char* s) { return d.find(s) != std::string::npos; };
    int p = 0, s = 0;
    if (auto open = d.find('('); open != std::string::npos) {
        std::sscanf(d.c_str() + open, "(%d,%d)", &p, &s);
    }
    if (d.starts_with("BOOL")) c.type = jdbc_type::boolean;
    else if (d.starts_with("TINYINT")) c.type = jdbc_type::tinyint;
    else if (d.starts_with("SMALLINT")) c.type = jdbc_type::smallint;
    else if (d.starts_with("BIGINT")) c.type = jdbc_type::bigint;
    else if (has("INT")) c.type = jdbc_type::integer;
    else if (d.starts_with("DATETIME") || d.starts_with("TIMESTAMP")) c.type = jdbc_type::timestamp;
    else if (d.starts_with("DATE")) c.type = jdbc_type::date;
    else if (d.starts_with("TIME")) c.type = jdbc_type::time;
    else if (has("CHAR") || has("CLOB") || has("TEXT") || has("JSON")) c.type = jdbc_type::varchar;
    else if (has("BLOB") || has("BINARY")) c.type = jdbc_type::blob;
    else if (has("REAL") || has("FLOA") || has("DOUB")) c.type = jdbc_type::double_;
    else if ((has("DECIMAL") || has("NUMERIC")) && p > 0) {
        c.type = jdbc_type::decimal;
        c.precision = p;
        c.scale = s;
    } else if (has("DECIMAL") || has("NUMERIC")) c.type = jdbc_type::double_;
    else if (d.empty()) c.type = jdbc_type::varchar;
    else c.type = jdbc_type::varchar;
}

class lite_cursor final : public cursor {
public:
    lite_cursor(sqlite3* db, sqlite3_stmt* st, std::vector<column_def> cols) : _db(db), _st(st), _cols(std::move(cols)) {}
    ~lite_cursor() override { sqlite3_finalize(_st); }
    const std::vector<column_def>& columns() const override { return _cols; }
    bool next() override {
        int rc = sqlite3_step(_st);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw lite_error(_db, rc, "step");
    }
    bool is_null(int c) const override { return sqlite3_column_type(_st, c) == SQLITE_NULL; }
    bool get_bool(int c) const override { return sqlite3_column_int64(_st, c) != 0; }
    int64_t get_int64(int c) const override { return sqlite3_column_int64(_st, c); }
    double get_double(int c) const override { return sqlite3_column_double(_st, c); }
    std::string_view get_text(int c) const override {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(_st, c));
        return {p ? p : "", size_t(sqlite3_column_bytes(_st, c))};
    }
    std::string_view get_bytes(int c) const override {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(_st, c));
        return {p ? p : "", size_t(sqlite3_column_bytes(_st, c))};
    }
    void get_decimal(int c, int32_t scale, std::string& unscaled) const override {
        int t = sqlite3_column_type(_st, c);
        if (t == SQLITE_INTEGER) _tmp = std::to_string(sqlite3_column_int64(_st, c));
        else if (t == SQLITE_FLOAT) _tmp = fmt::format("{:.17g}", sqlite3_column_double(_st, c));
        else _tmp = std::string(get_text(c));
        if (_tmp.find_first_of("eE") != std::string::npos) _tmp = fmt::format("{:f}", std::stod(_tmp));
        pg::round_text(_tmp, scale);
        unscaled = logical::decimal_from_string(_tmp, scale);
    }
    instant raw_instant(int c) const {
        int t = sqlite3_column_type(_st, c);
        if (t == SQLITE_INTEGER) return instant::from_millis(sqlite3_column_int64(_st, c));
        if (t == SQLITE_FLOAT) return instant::from_millis(int64_t(std::llround((sqlite3_column_double(_st, c) - 2440587.5) * 86400000.0)));
        auto p = parse_local(get_text(c));
        if (!p) throw data_error(fmt::format("Column {}: '{}' is not a date/time", _cols[size_t(c)].name, get_text(c)));
        return *p;
    }
    bool textual(int c) const { return sqlite3_column_type(_st, c) == SQLITE_TEXT; }
    int32_t get_date(int c) const override {
        auto t = raw_instant(c);
        return int32_t(t.seconds >= 0 ? t.seconds / 86400 : -((-t.seconds + 86399) / 86400));
    }
    int64_t get_time_micros(int c) const override {
        if (textual(c)) {
            auto s = std::string("1970-01-01 ") + std::string(get_text(c));
            auto p = parse_local(s);
            if (p) return p->seconds * 1000000 + p->nanos / 1000;
        }
        auto t = raw_instant(c);
        int64_t us = (t.seconds % 86400) * 1000000 + t.nanos / 1000;
        return us < 0 ? us + 86400000000LL : us;
    }
    instant get_timestamp(int c, const tz::zone& z) const override {
        auto t = raw_instant(c);
        if (textual(c)) t.seconds = z.local_to_utc(t.seconds); // text is wall clock
        return t;
    }

private:
    sqlite3* _db;
    sqlite3_stmt* _st;
    std::vector<column_def> _cols;
    mutable std::string _tmp;
};

struct lite_stmt {
    sqlite3_stmt* s = nullptr;
    lite_stmt() = default;
    explicit lite_stmt(sqlite3_stmt* p) : s(p) {}
    lite_stmt(lite_stmt&& o) noexcept : s(o.s) { o.s = nullptr; }
    lite_stmt& operator=(lite_stmt&& o) noexcept {
        std::swap(s, o.s);
        return *this;
    }
    ~lite_stmt() {
        if (s) sqlite3_finalize(s);
    }
};

class lite_session final : public session {
public:
    lite_session(sqlite3* db, const connection_settings& s, std::string path, const dialect& d)
        : _db(db), _settings(s), _path(std::move(path)), _dialect(d) {}
    ~lite_session() override {
        _plans.clear();
        sqlite3_close_v2(_db);
    }
    bool is_valid() override { return true; }
    void cancel() override { sqlite3_interrupt(_db); }
    std::string describe() const override { return fmt::format("SQLite {} file {}", sqlite3_libversion(), _path); }

    void exec(const std::string& sql) {
        char* err = nullptr;
        int rc = sqlite3_exec(_db, sql.c_str(), nullptr, nullptr, &err);
        if (err) sqlite3_free(err);
        if (rc != SQLITE_OK) throw lite_error(_db, rc, {});
    }
    void begin() {
        if (!sqlite3_get_autocommit(_db)) return; // already in a transaction
        exec("BEGIN");
    }

    lite_stmt prepare(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        int rc = sqlite3_prepare_v2(_db, sql.c_str(), int(sql.size()), &st, nullptr);
        if (rc != SQLITE_OK) throw lite_error(_db, rc, "prepare");
        return lite_stmt(st);
    }

    std::vector<table_id> list_tables(const std::optional<std::string>&, const std::optional<std::string>&,
                                      const std::vector<std::string>& types) override {
        std::string in;
        for (auto& t : types) {
            auto u = upper(t);
            if (u == "TABLE") in += std::string(in.empty() ? "" : ",") + "'table'";
            if (u == "VIEW") in += std::string(in.empty() ? "" : ",") + "'view'";
        }
        if (in.empty()) return {};
        auto st = prepare("SELECT name FROM sqlite_master WHERE type IN (" + in + ") AND name NOT LIKE 'sqlite_%' ORDER BY name");
        std::vector<table_id> out;
        while (sqlite3_step(st.s) == SQLITE_ROW)
            out.push_back({std::nullopt, std::nullopt, reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0))});
        return out;
    }

    std::optional<table_definition> describe_table(const table_id& t) override {
        auto ty = prepare("SELECT type, sql FROM sqlite_master WHERE name = ?");
        sqlite3_bind_text(ty.s, 1, t.table.c_str(), int(t.table.size()), SQLITE_TRANSIENT);
        if (sqlite3_step(ty.s) != SQLITE_ROW) return std::nullopt;
        table_definition def;
        def.id = {std::nullopt, std::nullopt, t.table};
        def.type = std::string(reinterpret_cast<const char*>(sqlite3_column_text(ty.s, 0))) == "view" ? table_type::view : table_type::table;
        auto st = prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)");
        sqlite3_bind_text(st.s, 1, t.table.c_str(), int(t.table.size()), SQLITE_TRANSIENT);
        int pks = 0;
        while (sqlite3_step(st.s) == SQLITE_ROW) {
            column_def c;
            c.name = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
            describe_decl(c, reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1)));
            c.optional = sqlite3_column_int(st.s, 2) == 0;
            c.primary_key = sqlite3_column_int(st.s, 3) > 0;
            if (c.primary_key) pks++;
            def.columns.push_back(std::move(c));
        }
        // An INTEGER PRIMARY KEY is the rowid: auto-incremented and never null.
        for (auto& c : def.columns)
            if (c.primary_key && pks == 1 && upper(c.type_name) == "INTEGER") {
                c.auto_increment = true;
                c.optional = false;
            }
        return def;
    }

    instant current_time() override {
        auto st = prepare("SELECT CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)");
        sqlite3_step(st.s);
        return instant::from_millis(sqlite3_column_int64(st.s, 0));
    }

    std::unique_ptr<cursor> query(const std::string& sql, const std::vector<query_param>& params, int) override {
        end_query();
        begin(); // one read snapshot per query
        sqlite3_stmt* st = nullptr;
        int rc = sqlite3_prepare_v2(_db, sql.c_str(), int(sql.size()), &st, nullptr);
        if (rc != SQLITE_OK) throw lite_error(_db, rc, {});
        for (size_t i = 0; i < params.size(); i++) {
            if (params[i].k == query_param::kind::int64) sqlite3_bind_int64(st, int(i + 1), params[i].i);
            else sqlite3_bind_int64(st, int(i + 1), params[i].ts.millis());
        }
        std::vector<column_def> cols;
        int n = sqlite3_column_count(st);
        const char* first_table = nullptr;
        for (int i = 0; i < n; i++) {
            column_def c;
            c.name = sqlite3_column_name(st, i);
            describe_decl(c, sqlite3_column_decltype(st, i));
            if (!sqlite3_column_decltype(st, i)) c.type = jdbc_type::varchar;
            const char* tbl = sqlite3_column_table_name(st, i);
            const char* origin = sqlite3_column_origin_name(st, i);
            if (tbl && origin) {
                int notnull = 0, pk = 0, autoinc = 0;
                if (sqlite3_table_column_metadata(_db, nullptr, tbl, origin, nullptr, nullptr, &notnull, &pk, &autoinc) == SQLITE_OK)
                    c.optional = !(notnull || (pk && upper(c.type_name) == "INTEGER"));
                if (!first_table) first_table = tbl;
            }
            cols.push_back(std::move(c));
        }
        _open = true;
        return std::make_unique<lite_cursor>(_db, st, std::move(cols));
    }

    void end_query() override {
        _open = false;
        if (!sqlite3_get_autocommit(_db)) exec("COMMIT");
    }
    void execute(const std::string& sql) override {
        begin();
        exec(sql);
    }
    void commit() override {
        if (!sqlite3_get_autocommit(_db)) exec("COMMIT");
    }
    void rollback() override {
        if (!sqlite3_get_autocommit(_db)) exec("ROLLBACK");
    }

    void write(const write_plan& p, write_op op, std::span<const sink_record* const> records) override;
    void drop_plan(uint64_t id) override { _plans.erase(id); }

private:
    void bind(const write_plan& p, sqlite3_stmt* st, int idx, const sink_column& c, const value& v);

    sqlite3* _db;
    connection_settings _settings;
    std::string _path;
    const dialect& _dialect;
    bool _open = false;
    std::unordered_map<uint64_t, std::map<int, lite_stmt>> _plans;
};

void lite_session::bind(const write_plan& p, sqlite3_stmt* st, int idx, const sink_column& c, const value& v) {
    if (v.is_null()) {
        sqlite3_bind_null(st, idx);
        return;
    }
    auto& s = *c.schema;
    if (s.name()) {
        auto& n = *s.name();
        if (n == logical::decimal_name) {
            auto t = logical::decimal_to_string(v.as_bytes(), logical::decimal_scale(s));
            sqlite3_bind_text(st, idx, t.data(), int(t.size()), SQLITE_TRANSIENT);
            return;
        }
        if (n == logical::date_name) {
            sqlite3_bind_int64(st, idx, int64_t(v.as_int32()) * 86400000);
            return;
        }
        if (n == logical::time_name || n == logical::timestamp_name) {
            sqlite3_bind_int64(st, idx, v.to_int64());
            return;
        }
    }
    if (c.timestamp_field && (s.type() == schema_type::int64 || s.type() == schema_type::string)) {
        sqlite3_bind_int64(st, idx, timestamp_field_instant(v, p.timestamp_nanos).millis());
        return;
    }
    switch (s.type()) {
    case schema_type::boolean: sqlite3_bind_int(st, idx, v.as_bool() ? 1 : 0); return;
    case schema_type::int8:
    case schema_type::int16:
    case schema_type::int32:
    case schema_type::int64: sqlite3_bind_int64(st, idx, v.to_int64()); return;
    case schema_type::float32: sqlite3_bind_double(st, idx, v.as_float32()); return;
    case schema_type::float64: sqlite3_bind_double(st, idx, v.as_float64()); return;
    case schema_type::string:
        sqlite3_bind_text(st, idx, v.as_string().data(), int(v.as_string().size()), SQLITE_STATIC);
        return;
    case schema_type::bytes:
        sqlite3_bind_blob(st, idx, v.as_bytes().data(), int(v.as_bytes().size()), SQLITE_STATIC);
        return;
    default: throw connect_error(fmt::format("Unsupported source data type: {}", type_name(s.type())));
    }
}

void lite_session::write(const write_plan& p, write_op op, std::span<const sink_record* const> records) {
    auto& cache = _plans[p.id];
    auto it = cache.find(int(op));
    if (it == cache.end()) {
        std::string sql;
        if (op == write_op::insert) sql = _dialect.insert_sql(p);
        else if (op == write_op::upsert) sql = _dialect.upsert_sql(p);
        else if (op == write_op::update) sql = _dialect.update_sql(p);
        else sql = _dialect.delete_sql(p);
        it = cache.emplace(int(op), prepare(sql)).first;
    }
    auto* st = it->second.s;
    std::vector<const sink_column*> order;
    if (op == write_op::update) {
        for (auto& c : p.values) order.push_back(&c);
        for (auto& c : p.keys) order.push_back(&c);
    } else {
        for (auto& c : p.keys) order.push_back(&c);
        if (op != write_op::remove)
            for (auto& c : p.values) order.push_back(&c);
    }
    begin();
    value scratch;
    for (auto* r : records) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        for (size_t i = 0; i < order.size(); i++)
            bind(p, st, int(i + 1), *order[i], column_value(*order[i], *r, p.replace_null_with_default, scratch));
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
            auto e = lite_error(_db, rc, {});
            sqlite3_reset(st);
            throw e;
        }
    }
    sqlite3_reset(st);
}

class lite_dialect final : public dialect {
public:
    db_kind kind() const override { return db_kind::sqlite; }
    std::string_view name() const override { return "Sqlite"; }
    char quote_char() const override { return '`'; }

    std::string sql_type(const schema& s, bool timestamp_field, bool) const override {
        if (s.name()) {
            auto& n = *s.name();
            if (n == logical::decimal_name || n == logical::date_name || n == logical::time_name || n == logical::timestamp_name)
                return "NUMERIC";
        }
        switch (s.type()) {
        case schema_type::boolean:
        case schema_type::int8:
        case schema_type::int16:
        case schema_type::int32:
        case schema_type::int64: return timestamp_field ? "NUMERIC" : "INTEGER";
        case schema_type::float32:
        case schema_type::float64: return "REAL";
        case schema_type::string: return timestamp_field ? "NUMERIC" : "TEXT";
        case schema_type::bytes: return "BLOB";
        default:
            throw connect_error(fmt::format("{} ({}) type doesn't have a mapping to the SQL database column type",
                                            s.name() ? *s.name() : "null", type_name(s.type())));
        }
    }

    std::vector<std::string> alter_table(const table_id& t, const std::vector<const sink_column*>& cols) const override {
        std::vector<std::string> out;
        for (auto* c : cols) out.push_back(dialect::alter_table(t, {c})[0]);
        return out;
    }

    std::string upsert_sql(const write_plan& p) const override {
        std::string s = insert_sql(p) + " ON CONFLICT(";
        for (size_t i = 0; i < p.keys.size(); i++) s += (i ? "," : "") + column(p.keys[i].name);
        if (p.values.empty()) return s + ") DO NOTHING";
        s += ") DO UPDATE SET ";
        for (size_t i = 0; i < p.values.size(); i++) {
            auto q = column(p.values[i].name);
            s += (i ? "," : "") + q + "=excluded." + q;
        }
        return s;
    }

    std::unique_ptr<session> connect(const connection_settings& s, const jdbc_url& u) const override {
        sqlite3* db = nullptr;
        std::string path = u.database;
        int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
        if (rc != SQLITE_OK) {
            auto e = lite_error(db, rc, fmt::format("Couldn't open SQLite database {}", path));
            sqlite3_close_v2(db);
            throw db_error(db_error::kind::connection, e.what());
        }
        sqlite3_busy_timeout(db, 5000);
        return std::make_unique<lite_session>(db, s, path, *this);
    }
};

} // namespace

std::unique_ptr<dialect> make_sqlite_dialect() { return std::make_unique<lite_dialect>(); }

} // namespace ferry::plugins::jdbc
