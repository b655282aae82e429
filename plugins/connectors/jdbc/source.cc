// JdbcSourceConnector / JdbcSourceTask: Confluent's table queriers (bulk, incrementing, timestamp,
// timestamp+incrementing, custom query) with their SQL, offsets, partitions, topics and schemas
// (spec jdbc-connectors.md section 1), plus the late-commit guard for timestamp modes.

#include "base/log.hpp"
#include "config/regex.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/connectors/jdbc/dialect.hpp"
#include "plugins/connectors/jdbc/jdbc.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace ferry::plugins::jdbc {

namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower((unsigned char)c));
    return s;
}

value string_map(std::initializer_list<std::pair<const char*, std::string>> kv) {
    value::map_type m;
    for (auto& [k, v] : kv) m.emplace_back(value(k), value(v));
    return value(std::move(m));
}


// --- table selection (TableMonitorThread) ---------------------------------------------------------

struct table_filter {
    std::vector<std::string> whitelist, blacklist;
    std::vector<config::regex> include, exclude;
    const dialect* d = nullptr;

    static table_filter from(const source_settings& s, const dialect& d) {
        table_filter f;
        f.d = &d;
        f.whitelist = s.whitelist;
        f.blacklist = s.blacklist;
        for (auto& r : s.include_list)
            if (auto re = config::regex::compile(r)) f.include.push_back(*re);
        for (auto& r : s.exclude_list)
            if (auto re = config::regex::compile(r)) f.exclude.push_back(*re);
        return f;
    }

    bool listed(const std::vector<std::string>& list, const table_id& t) const {
        auto fqn1 = table_sql(t, d->quote_char(), quote_method::never);
        auto fqn2 = table_sql(t, d->quote_char(), quote_method::always);
        for (auto& w : list)
            if (w == fqn1 || w == fqn2 || w == t.table) return true;
        return false;
    }

    std::vector<table_id> apply(const std::vector<table_id>& all) const {
        std::vector<table_id> out;
        for (auto& t : all) {
            if (!include.empty() || !exclude.empty()) {
                auto name = t.unquoted();
                bool in = include.empty();
                for (auto& r : include)
                    if (r.full_match(name)) in = true;
                for (auto& r : exclude)
                    if (r.full_match(name)) in = false;
                if (in) out.push_back(t);
            } else if (!whitelist.empty()) {
                if (listed(whitelist, t)) out.push_back(t);
            } else if (!blacklist.empty()) {
                if (!listed(blacklist, t)) out.push_back(t);
            } else {
                out.push_back(t);
            }
        }
        return out;
    }
};

// Splits n items into `groups` contiguous groups as ConnectorUtils.groupPartitions does.
template <class T>
std::vector<std::vector<T>> group_partitions(const std::vector<T>& items, int groups) {
    std::vector<std::vector<T>> out(static_cast<size_t>(groups));
    size_t per = items.size() / size_t(groups), left = items.size() % size_t(groups);
    size_t pos = 0;
    for (size_t g = 0; g < size_t(groups); g++) {
        size_t n = per + (g < left ? 1 : 0);
        for (size_t i = 0; i < n; i++) out[g].push_back(items[pos++]);
    }
    return out;
}

// --- connector ------------------------------------------------------------------------------------

class jdbc_source_connector : public source_connector {
public:
    std::string version() const override { return FERRY_VERSION; }
    std::string task_class() const override { return source_task_class; }
    const config::config_def& config() const override { return source_config_def(); }

    std::vector<config::config_validation> validate(const config_map& props) const override {
        auto out = source_config_def().validate(props);
        auto add = [&](const std::string& key, const std::string& msg) {
            for (auto& v : out)
                if (v.name == key) v.errors.push_back(msg);
        };
        auto get = [&](const char* k) {
            auto it = props.find(k);
            return it == props.end() ? std::string() : it->second;
        };
        if (get("mode").empty() || get("mode").find_first_not_of(" \t") == std::string::npos)
            add("mode", "Query mode must be specified");
        try {
            auto url = get("connection.url");
            if (url.empty()) add("connection.url", "Not a valid JDBC URL: ");
            else parse_jdbc_url(url);
        } catch (const std::exception& e) {
            add("connection.url", e.what());
        }
        if (!get("table.whitelist").empty() && !get("table.blacklist").empty())
            add("table.blacklist", "table.whitelist and table.blacklist are exclusive; set at most one of them");
        if (!get("query").empty() && (!get("table.whitelist").empty() || !get("table.blacklist").empty() ||
                                      !get("table.include.list").empty() || !get("table.exclude.list").empty()))
            add("query", "Do not specify table filtering configs with 'query'. Remove table.whitelist / "
                         "table.blacklist / table.include.list / table.exclude.list when using query mode or "
                         "'query' when using table filtering mode.");
        return out;
    }

    void start(const config_map& props) override {
        try {
            _settings = parse_source_settings(props, false);
        } catch (const config_error& e) {
            throw connect_error(fmt::format("Couldn't start JdbcSourceConnector due to configuration error: {}", e.what()));
        }
        _props = props;
        _log = log::get("connector.jdbc");
        _tag = _settings.conn.connector_name;
        if (_settings.mode.empty()) throw config_error("Query mode must be specified");
        auto url = _settings.conn.url.empty() ? throw config_error("Not a valid JDBC URL: ") : parse_jdbc_url(_settings.conn.url);
        _url = url;
        _dialect = make_dialect(_settings.conn, url);
        _dialect->set_quoting(_settings.quote);
        _waiter = std::make_shared<waiter>();
        _log->info("[{}] Starting JDBC Source Connector for {} ({} dialect)", _tag, sanitize_url(_settings.conn.url),
                   _dialect->name());
        bool query_mode = !_settings.query.empty();
        if (query_mode && (!_settings.whitelist.empty() || !_settings.blacklist.empty() ||
                           !_settings.include_list.empty() || !_settings.exclude_list.empty()))
            throw connect_error("query may not be combined with whole-table copying settings.");
        auto w = _waiter;
        try {
            _session = connect_with_retries(*_dialect, _settings.conn, _url, [w](int64_t ms) { return w->wait_ms(ms); });
        } catch (const db_error& e) {
            throw connect_error(e.what());
        }
        if (query_mode) return;
        _filter = table_filter::from(_settings, *_dialect);
        {
            std::lock_guard g(_mu);
            _tables = read_tables();
        }
        check_duplicates();
        _monitor = std::thread([this] { monitor(); });
    }

    std::vector<config_map> task_configs(int max_tasks) override {
        std::vector<config_map> out;
        if (!_settings.query.empty()) {
            auto p = _props;
            p["tables"] = "";
            p["tables.fetched"] = "true";
            out.push_back(std::move(p));
            return out;
        }
        std::vector<table_id> tables;
        bool fetched;
        {
            std::lock_guard g(_mu);
            fetched = _tables.has_value();
            if (fetched) tables = *_tables;
        }
        if (tables.empty()) {
            auto p = _props;
            p["tables"] = "";
            p["tables.fetched"] = fetched ? "true" : "false";
            if (fetched) _log->warn("[{}] No tables were found so there's no work to be done.", _tag);
            else _log->warn("[{}] The connector has not been able to read the list of tables from the database yet.", _tag);
            out.push_back(std::move(p));
            return out;
        }
        int groups = std::min<int>(int(tables.size()), std::max(1, max_tasks));
        for (auto& g : group_partitions(tables, groups)) {
            auto p = _props;
            std::string list;
            for (auto& t : g) list += (list.empty() ? "" : ",") + _dialect->table(t);
            p["tables"] = list;
            p["tables.fetched"] = "true";
            out.push_back(std::move(p));
        }
        return out;
    }

    void stop() override {
        if (_waiter) _waiter->stop();
        if (_monitor.joinable()) _monitor.join();
        _session.reset();
    }

    ~jdbc_source_connector() override { stop(); }

private:
    std::optional<std::vector<table_id>> read_tables() {
        if (!_session || !_session->is_valid()) {
            auto w = _waiter;
            _session = connect_with_retries(*_dialect, _settings.conn, _url, [w](int64_t ms) { return w->wait_ms(ms); });
        }
        auto all = _session->list_tables(_settings.catalog_pattern, _settings.schema_pattern, _settings.table_types);
        return _filter.apply(all);
    }

    void check_duplicates() {
        std::lock_guard g(_mu);
        if (!_tables) return;
        std::map<std::string, std::vector<std::string>> by_name;
        for (auto& t : *_tables) by_name[t.table].push_back(_dialect->table(t));
        std::vector<std::string> dups;
        for (auto& [n, l] : by_name)
            if (l.size() > 1) dups.push_back(fmt::format("[{}]", fmt::join(l, ", ")));
        if (dups.empty()) return;
        std::string cfg = !_settings.whitelist.empty()   ? "'table.whitelist'"
                          : !_settings.blacklist.empty() ? "'table.blacklist'"
                                                         : "'table.whitelist' or 'table.blacklist'";
        throw connect_error(fmt::format(
            "The connector uses the unqualified table name as the topic name and has detected duplicate unqualified "
            "table names. This could lead to mixed data types in the topic and downstream processing errors. To "
            "prevent such processing errors, the JDBC Source connector fails to start when it detects duplicate "
            "table name configurations. Update the connector's {} config to include exactly one table in each of the "
            "tables listed below.\n\t[{}]",
            cfg, fmt::join(dups, ", ")));
    }

    void monitor() {
        while (_waiter->wait_ms(_settings.table_poll_interval_ms)) {
            std::optional<std::vector<table_id>> fresh;
            try {
                fresh = read_tables();
            } catch (const std::exception& e) {
                _log->error("[{}] Error while trying to get updated table list, ignoring and waiting for next table "
                            "poll interval: {}",
                            _tag, e.what());
                _session.reset();
                continue;
            }
            bool changed;
            {
                std::lock_guard g(_mu);
                changed = _tables != fresh;
                if (changed) _tables = std::move(fresh);
            }
            if (!changed) continue;
            try {
                check_duplicates();
            } catch (const connect_error& e) {
                _log->error("[{}] Encountered an unrecoverable error while reading tables from the database: {}", _tag,
                            e.what());
                context().raise_error(e.what());
                return;
            }
            _log->info("[{}] Table list changed; requesting task reconfiguration", _tag);
            context().request_task_reconfiguration();
        }
    }

    source_settings _settings;
    config_map _props;
    jdbc_url _url;
    std::unique_ptr<dialect> _dialect;
    std::unique_ptr<session> _session;
    std::shared_ptr<waiter> _waiter;
    table_filter _filter;
    std::mutex _mu;
    std::optional<std::vector<table_id>> _tables;
    std::thread _monitor;
    log::logger_ptr _log;
    std::string _tag;
};

// --- task -----------------------------------------------------------------------------------------

struct querier {
    bool query_mode = false;
    table_id table;
    std::string query;
    std::string topic;
    shared_value partition;
    std::string mode;
    std::string inc_col;              // may be found by auto-detection
    std::vector<std::string> ts_cols;
    bool ts_instant_column = false;   // the (first) timestamp column holds instants

    std::string sql;
    int64_t last_update = 0;
    std::unique_ptr<cursor> cur;
    bool querying() const { return cur != nullptr; }
    schema_mapping mapping;
    std::vector<column_def> mapped_cols;
    int inc_index = -1;
    std::vector<int> ts_index;
    int attempts = 0;

    // The running offset (what the last emitted record carries) and the committed one.
    std::optional<instant> ts_offset;
    std::optional<int64_t> inc_offset;
    std::optional<instant> committed_ts;
    std::optional<int64_t> committed_inc;
    // timestamp-only mode: the row read ahead (TimestampTableQuerier).
    bool have_pending = false;
    bool exhausted = false;
    struct pending_row {
        struct_ptr value;
        std::optional<instant> ts;
    } pending;

    // The mode as flags: read_rows() asks for every row.
    bool ts_mode = false, inc_mode = false;
    void set_mode(std::string m) {
        mode = std::move(m);
        ts_mode = mode == "timestamp" || mode == "timestamp+incrementing";
        inc_mode = mode == "incrementing" || mode == "timestamp+incrementing";
    }
    bool uses_ts() const { return ts_mode; }
    bool uses_inc() const { return inc_mode; }
    std::string display() const { return query_mode ? std::string("query") : table.unquoted(); }
};

value offset_map(const std::optional<instant>& ts, const std::optional<int64_t>& inc) {
    value::map_type m;
    if (inc) m.emplace_back(value("incrementing"), value(int64_t(*inc)));
    if (ts) {
        m.emplace_back(value("timestamp"), value(int64_t(ts->millis())));
        m.emplace_back(value("timestamp_nanos"), value(int64_t(ts->nanos)));
    }
    return value(std::move(m));
}

std::string iso_local(instant t, const tz::zone& z, int digits) {
    auto s = format_local(t, z, digits);
    s[10] = 'T';
    return s;
}

class jdbc_source_task : public source_task {
public:
    std::string version() const override { return FERRY_VERSION; }
    // No commit_record()/commit(): the runtime reads the next rows while it sends the last ones.
    bool poll_concurrently() const override { return true; }

    void start(const config_map& props) override {
        _log = log::get("connector.jdbc");
        try {
            _s = parse_source_settings(props, true);
        } catch (const config_error& e) {
            throw config_error(fmt::format("Couldn't start JdbcSourceTask due to configuration error: {}", e.what()));
        }
        _tag = _s.conn.connector_name;
        bool query_mode = !_s.query.empty();
        if (_s.tables.empty() && !query_mode) {
            if (!_s.tables_fetched) {
                _log->info("[{}] Started JDBC source task. Waiting for DB tables to be fetched.", _tag);
                return;
            }
            throw config_error(
                "Task is being killed because it was not assigned a table nor a query to execute. If run in table "
                "mode please make sure that the tables exist on the database. If the table does exist on the "
                "database, we recommend using the fully qualified table name." +
                (_s.whitelist.empty() ? std::string() : fmt::format(" (table.whitelist: {})", fmt::join(_s.whitelist, ","))));
        }
        if (!_s.tables.empty() && query_mode)
            throw config_error("Invalid configuration: a JdbcSourceTask cannot have both a table and a query assigned to it");
        if (_s.mode.empty()) throw config_error("Query mode must be specified");
        _url = parse_jdbc_url(_s.conn.url);
        _dialect = make_dialect(_s.conn, _url);
        _dialect->set_quoting(_s.quote);
        _log->info("[{}] Using JDBC dialect {}", _tag, _dialect->name());
        connect();

        std::vector<std::string> names = query_mode ? std::vector<std::string>{_s.query} : _s.tables;
        for (auto& name : names) {
            auto q = std::make_unique<querier>();
            q->query_mode = query_mode;
            q->set_mode(_s.mode);
            q->inc_col = _s.incrementing_column;
            q->ts_cols = _s.timestamp_columns;
            if (query_mode) {
                q->query = name;
                q->topic = _s.topic_prefix;
                q->partition = string_map({{"query", "query"}});
            } else {
                q->table = _dialect->parse_table(name);
                q->topic = _s.topic_prefix + q->table.table;
                if (q->mode == "bulk") q->partition = string_map({{"table", q->table.table}});
                else q->partition = string_map({{"protocol", "1"}, {"table", q->table.unquoted()}});
                apply_mappings(*q);
            }
            _queriers.push_back(std::move(q));
        }
        if (!query_mode) validate_tables();
        for (auto& q : _queriers) load_offset(*q);
        _log->info("[{}] Started JDBC source task with {} {}", _tag, _queriers.size(),
                   query_mode ? "query" : "table(s)");
    }

    void poll(std::vector<source_record>& out) override {
        if (_queriers.empty()) {
            _waiter.wait_ms(1000);
            return;
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (!_waiter.stopped()) {
            auto* q = head();
            if (!q->querying()) {
                int64_t next = q->last_update + _s.poll_interval_ms;
                int64_t wait = next - now_ms();
                if (wait > 0) {
                    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
                    if (left <= 0) return;
                    _waiter.wait_ms(std::min<int64_t>(wait, left));
                    continue;
                }
            }
            try {
                if (!q->querying()) start_query(*q);
                read_rows(*q, out);
                q->attempts = 0;
            } catch (const db_error& e) {
                handle_error(*q, e);
                return;
            }
            if (!out.empty()) return;
            if (std::chrono::steady_clock::now() >= deadline) return;
        }
    }

    void stop() override {
        _waiter.stop();
        if (auto* s = _session_for_cancel.load()) s->cancel();
    }

    ~jdbc_source_task() override {
        _session_for_cancel = nullptr;
        for (auto& q : _queriers) q->cur.reset();
        if (_session) {
            try {
                _session->end_query();
            } catch (const std::exception&) {
                // closing anyway
            }
        }
    }

private:
    void connect() {
        _session_for_cancel = nullptr;
        _session.reset();
        try {
            _session = connect_with_retries(*_dialect, _s.conn, _url, [this](int64_t ms) { return _waiter.wait_ms(ms); });
        } catch (const db_error& e) {
            throw connect_error(e.what());
        }
        if (_dialect->kind() == db_kind::postgres) pg_set_isolation(*_session, _s.isolation_mode);
        _session_for_cancel = _session.get();
        _log->info("[{}] Connected to {}", _tag, _session->describe());
        if (_s.late_commit_guard && _s.uses_timestamp() && _dialect->kind() == db_kind::postgres && !_guard_checked) {
            _guard_checked = true;
            if (!pg_can_see_all_activity(*_session))
                _log->warn("[{}] The late-commit guard cannot see other users' transactions: grant pg_read_all_stats "
                           "(or pg_monitor) to this user so rows committed late by long transactions of other users "
                           "are not skipped",
                           _tag);
        }
    }

    void apply_mappings(querier& q) {
        auto name = q.table.unquoted();
        if (!_s.include_list.empty()) {
            q.inc_col.clear();
            q.ts_cols.clear();
        }
        for (auto& m : _s.incrementing_column_mapping) {
            auto c = m.find(':');
            if (c == std::string::npos) continue;
            auto re = config::regex::compile(m.substr(0, c));
            if (re && re->full_match(name)) {
                q.inc_col = m.substr(c + 1);
                break;
            }
        }
        for (auto& m : _s.timestamp_columns_mapping) {
            auto c = m.find(':');
            if (c == std::string::npos) continue;
            auto re = config::regex::compile(m.substr(0, c));
            if (re && re->full_match(name)) {
                auto cols = m.substr(c + 1);
                if (cols.size() >= 2 && cols.front() == '[' && cols.back() == ']') cols = cols.substr(1, cols.size() - 2);
                q.ts_cols.clear();
                size_t p = 0;
                while (p <= cols.size()) {
                    auto e = cols.find('|', p);
                    if (e == std::string::npos) e = cols.size();
                    q.ts_cols.push_back(cols.substr(p, e - p));
                    p = e + 1;
                }
                break;
            }
        }
    }

    void validate_tables() {
        for (size_t i = 0; i < _queriers.size(); i++) {
            auto& q = *_queriers[i];
            std::optional<table_definition> def;
            try {
                def = _session->describe_table(q.table);
            } catch (const db_error& e) {
                throw connect_error(fmt::format("Failed trying to validate that columns used for offsets exist: {}", e.what()));
            }
            if (!def) {
                if (q.mode == "bulk") continue;
                throw connect_error(fmt::format("Table {} does not exist", _dialect->table(q.table)));
            }
            std::set<std::string> names;
            for (auto& c : def->columns) names.insert(lower(c.name));
            if (i == 0) {
                if (q.uses_inc() && !q.inc_col.empty() && !names.count(lower(q.inc_col)))
                    throw config_error(fmt::format("Incrementing column: {} does not exist in table '{}'", q.inc_col,
                                                   _s.tables[i]));
                if (q.uses_ts()) {
                    std::vector<std::string> missing;
                    for (auto& t : q.ts_cols)
                        if (!names.count(lower(t))) missing.push_back(t);
                    if (!missing.empty())
                        throw config_error(fmt::format("Timestamp columns: {} do not exist in table '{}'",
                                                       fmt::join(missing, ", "), _s.tables[i]));
                }
            }
            if (q.uses_inc() && q.inc_col.empty()) {
                for (auto& c : def->columns)
                    if (c.auto_increment) {
                        q.inc_col = c.name;
                        break;
                    }
                if (q.inc_col.empty())
                    throw connect_error(fmt::format("Cannot find an auto-incrementing column in {} and "
                                                    "incrementing.column.name is not set",
                                                    _dialect->table(q.table)));
            }
            for (auto& c : def->columns)
                if (!q.ts_cols.empty() && lower(c.name) == lower(q.ts_cols[0])) q.ts_instant_column = c.with_time_zone;
            if (!_s.validate_non_null) continue;
            bool inc_optional = false, ts_not_null = false;
            for (auto& c : def->columns) {
                if (lower(c.name) == lower(q.inc_col)) inc_optional = c.optional;
                for (auto& t : q.ts_cols)
                    if (lower(c.name) == lower(t) && !c.optional) ts_not_null = true;
            }
            if (q.uses_inc() && inc_optional)
                throw connect_error(fmt::format("Cannot make incremental queries using incrementing column {} on {} "
                                                "because this column is nullable.",
                                                q.inc_col, _s.tables[i]));
            if (q.uses_ts() && !ts_not_null)
                throw connect_error(fmt::format("Cannot make incremental queries using timestamp columns {} on {} "
                                                "because all of these columns are nullable.",
                                                fmt::join(q.ts_cols, ","), _s.tables[i]));
        }
    }

    void load_offset(querier& q) {
        if (q.mode == "bulk") return;
        value off = context().offset_reader().offset(q.partition);
        if (off.is_null() && !q.query_mode) {
            // Offsets written under protocol v0 ({"table": "<name>"}).
            off = context().offset_reader().offset(string_map({{"table", q.table.table}}));
        }
        if (off.type() == value::kind::map) {
            _log->info("[{}] Partition offset for '{}' is not null. Using existing offset.", _tag, q.display());
            auto* inc = off.map_get("incrementing");
            auto* ts = off.map_get("timestamp");
            auto* nanos = off.map_get("timestamp_nanos");
            if (inc && inc->is_integer()) q.inc_offset = inc->to_int64();
            if (ts && ts->is_integer()) {
                auto t = instant::from_millis(ts->to_int64());
                if (nanos && nanos->is_integer()) t.nanos = int32_t(nanos->to_int64());
                q.ts_offset = t;
            }
        } else if (_s.timestamp_initial) {
            int64_t initial = *_s.timestamp_initial;
            if (initial == -1) {
                try {
                    initial = _session->current_time().millis();
                    _session->end_query();
                } catch (const db_error& e) {
                    throw connect_error(fmt::format("Error while getting initial timestamp from database: {}", e.what()));
                }
            }
            q.ts_offset = instant::from_millis(initial);
            _log->info("[{}] No offsets found for '{}', so using configured timestamp {}", _tag, q.display(), initial);
        }
        q.committed_ts = q.ts_offset;
        q.committed_inc = q.inc_offset;
    }

    querier* head() {
        querier* best = _queriers[0].get();
        for (auto& q : _queriers) {
            if (q->querying()) return q.get();
            if (q->last_update < best->last_update ||
                (q->last_update == best->last_update && q->table < best->table))
                best = q.get();
        }
        return best;
    }

    std::string build_sql(querier& q) {
        std::string sql = q.query_mode ? q.query : "SELECT * FROM " + _dialect->table(q.table);
        auto col = [&](const std::string& c) {
            return q.query_mode ? _dialect->column(c) : _dialect->column(q.table, c);
        };
        std::string ts;
        if (q.uses_ts()) {
            if (q.ts_cols.size() == 1) {
                ts = col(q.ts_cols[0]);
            } else {
                ts = "COALESCE(";
                for (size_t i = 0; i < q.ts_cols.size(); i++) ts += (i ? "," : "") + col(q.ts_cols[i]);
                ts += ")";
            }
        }
        if (q.mode == "incrementing") {
            auto id = col(q.inc_col);
            sql += " WHERE " + id + " > ? ORDER BY " + id + " ASC";
        } else if (q.mode == "timestamp") {
            sql += " WHERE " + ts + " > ? AND " + ts + " < ? ORDER BY " + ts + " ASC";
        } else if (q.mode == "timestamp+incrementing") {
            auto id = col(q.inc_col);
            sql += " WHERE " + ts + " < ? AND ((" + ts + " = ? AND " + id + " > ?) OR " + ts + " > ?) ORDER BY " + ts +
                   "," + id + " ASC";
        }
        if (!_s.query_suffix.empty()) sql += " " + _s.query_suffix;
        // The placeholders become $1..$n for PostgreSQL; '?' inside the user's query text is theirs.
        if (_dialect->kind() == db_kind::postgres) {
            size_t user_len = q.query_mode ? q.query.size() : 0;
            std::string out = sql.substr(0, user_len);
            int n = 0;
            for (size_t i = user_len; i < sql.size(); i++) {
                if (sql[i] == '?') out += "$" + std::to_string(++n);
                else out.push_back(sql[i]);
            }
            sql = std::move(out);
        }
        return sql;
    }

    void start_query(querier& q) {
        if (!_session || !_session->is_valid()) connect();
        if (q.sql.empty()) {
            q.sql = build_sql(q);
            _log->info("[{}] Begin using SQL query: {}", _tag, _s.query_masked ? std::string("********") : q.sql);
        }
        std::vector<query_param> params;
        if (q.uses_ts()) {
            instant end = _session->current_time();
            end = instant::from_millis(end.millis() - _s.timestamp_delay_ms);
            if (_s.late_commit_guard && !_guard_unavailable) {
                std::optional<instant> oldest;
                try {
                    oldest = _session->oldest_open_transaction();
                } catch (const db_error& e) {
                    if (e.retriable()) throw;
                    // Typically a missing privilege: poll with Confluent's bound rather than not at all.
                    _guard_unavailable = true;
                    _log->warn("[{}] The late-commit guard is off for this task: cannot read the open transactions "
                               "({}). Grant PROCESS (MariaDB/MySQL) or pg_read_all_stats (PostgreSQL) to this user.",
                               _tag, e.what());
                }
                // One second below the transaction's start: a column coarser than the clock stores
                // its now() rounded (PostgreSQL timestamp(0), MySQL DATETIME: up to half a unit
                // down) or truncated (MariaDB), so the stored value can precede the start itself.
                std::optional<instant> hold;
                if (oldest) hold = instant{oldest->seconds - 1, oldest->nanos};
                if (hold && *hold < end) {
                    if (now_ms() - _last_guard_log > 60000 && end.millis() - hold->millis() > 60000) {
                        _last_guard_log = now_ms();
                        _log->info("[{}] Holding timestamp polls of {} below {} ms: a transaction open since then may "
                                   "still commit rows with earlier timestamps",
                                   _tag, q.display(), hold->millis());
                    }
                    end = *hold;
                }
            }
            instant begin = q.ts_offset.value_or(instant{});
            if (q.mode == "timestamp") {
                params.push_back(query_param::of_ts(begin, q.ts_instant_column));
                params.push_back(query_param::of_ts(end, q.ts_instant_column));
            } else {
                params.push_back(query_param::of_ts(end, q.ts_instant_column));
                params.push_back(query_param::of_ts(begin, q.ts_instant_column));
                params.push_back(query_param::of_int(q.inc_offset.value_or(-1)));
                params.push_back(query_param::of_ts(begin, q.ts_instant_column));
            }
        } else if (q.mode == "incrementing") {
            params.push_back(query_param::of_int(q.inc_offset.value_or(-1)));
        }
        q.committed_ts = q.ts_offset;
        q.committed_inc = q.inc_offset;
        q.cur = _session->query(q.sql, params, _s.batch_max_rows);
        q.have_pending = false;
        q.exhausted = false;
        auto& cols = q.cur->columns();
        if (q.mapping.schema == nullptr || !same_columns(cols, q.mapped_cols)) {
            std::optional<std::string> schema_name;
            if (!q.query_mode) schema_name = q.table.table;
            q.mapping = _dialect->map_columns(schema_name, cols, _s.numerics, _s.granularity, true);
            q.mapped_cols = cols;
            if (q.mapping.readers.empty())
                throw db_error(db_error::kind::other, fmt::format("No columns of {} can be mapped to Connect types", q.display()));
            q.inc_index = -1;
            q.ts_index.clear();
            if (q.uses_inc()) {
                q.inc_index = find_column(cols, q.inc_col);
                if (q.inc_index < 0)
                    throw connect_error(fmt::format("Incrementing column {} not found in {}", q.inc_col, column_list(cols)));
            }
            if (q.uses_ts())
                for (auto& t : q.ts_cols) {
                    int i = find_column(cols, t);
                    if (i < 0) throw connect_error(fmt::format("Timestamp column {} not found in {}", t, column_list(cols)));
                    q.ts_index.push_back(i);
                }
        }
    }

    static bool same_columns(const std::vector<column_def>& a, const std::vector<column_def>& b) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); i++)
            if (a[i].name != b[i].name || a[i].type != b[i].type || a[i].native_type != b[i].native_type ||
                a[i].optional != b[i].optional || a[i].precision != b[i].precision || a[i].scale != b[i].scale)
                return false;
        return true;
    }
    static int find_column(const std::vector<column_def>& cols, const std::string& name) {
        for (size_t i = 0; i < cols.size(); i++)
            if (cols[i].name == name) return int(i);
        int found = -1;
        for (size_t i = 0; i < cols.size(); i++)
            if (lower(cols[i].name) == lower(name)) {
                if (found >= 0) return -1;
                found = int(i);
            }
        return found;
    }
    static std::string column_list(const std::vector<column_def>& cols) {
        std::string s;
        for (auto& c : cols) s += (s.empty() ? "" : ",") + c.name;
        return s;
    }

    struct_ptr build_struct(querier& q) {
        auto st = make_struct(q.mapping.schema);
        auto& cur = *q.cur;
        for (size_t f = 0; f < q.mapping.readers.size(); f++) {
            auto& r = q.mapping.readers[f];
            int c = r.column;
            if (cur.is_null(c)) continue;
            value v;
            switch (r.kind) {
            case reader_kind::boolean: v = value(cur.get_bool(c)); break;
            case reader_kind::int8: v = value(int8_t(cur.get_int64(c))); break;
            case reader_kind::int16: v = value(int16_t(cur.get_int64(c))); break;
            case reader_kind::int32: v = value(int32_t(cur.get_int64(c))); break;
            case reader_kind::int64: v = value(int64_t(cur.get_int64(c))); break;
            case reader_kind::float32: v = value(float(cur.get_double(c))); break;
            case reader_kind::float64: v = value(cur.get_double(c)); break;
            case reader_kind::decimal: {
                std::string unscaled;
                cur.get_decimal(c, r.scale, unscaled);
                v = value::bytes(std::move(unscaled));
                break;
            }
            case reader_kind::string: v = value(std::string(cur.get_text(c))); break;
            case reader_kind::bytes: v = value::bytes(std::string(cur.get_bytes(c))); break;
            case reader_kind::date: v = value(cur.get_date(c)); break;
            case reader_kind::time: {
                // java.sql.Time read in db.timezone on 1970-01-01, as getTime(col, Calendar) gives it.
                int64_t ms = cur.get_time_micros(c) / 1000;
                ms -= int64_t(_s.conn.zone->offset_for_local(ms / 1000)) * 1000;
                ms %= 86400000;
                if (ms < 0) ms += 86400000;
                v = value(int32_t(ms));
                break;
            }
            case reader_kind::timestamp: {
                auto t = cur.get_timestamp(c, *_s.conn.zone);
                switch (_s.granularity) {
                case ts_granularity::connect_logical: v = value(int64_t(t.millis())); break;
                case ts_granularity::micros_long: v = value(int64_t(t.micros())); break;
                case ts_granularity::nanos_long: v = value(int64_t(t.seconds * 1000000000 + t.nanos)); break;
                case ts_granularity::micros_string: v = value(std::to_string(t.micros())); break;
                case ts_granularity::nanos_string: v = value(std::to_string(t.seconds * 1000000000 + t.nanos)); break;
                case ts_granularity::micros_iso_datetime_string: v = value(iso_local(t, *_s.conn.zone, 6)); break;
                case ts_granularity::nanos_iso_datetime_string: v = value(iso_local(t, *_s.conn.zone, 9)); break;
                }
                break;
            }
            }
            st->put_unchecked(int(f), std::move(v));
        }
        return st;
    }

    std::optional<instant> row_timestamp(querier& q) {
        for (int i : q.ts_index)
            if (!q.cur->is_null(i)) return q.cur->get_timestamp(i, *_s.conn.zone);
        return std::nullopt;
    }

    int64_t row_id(querier& q) {
        if (q.cur->is_null(q.inc_index))
            throw connect_error(fmt::format("Null value for incrementing column of type: {}",
                                            q.cur->columns()[size_t(q.inc_index)].type_name));
        auto& c = q.cur->columns()[size_t(q.inc_index)];
        if (c.type == jdbc_type::numeric || c.type == jdbc_type::decimal) {
            if (c.scale != 0 && !(c.precision == 0 && c.scale == 0))
                throw connect_error("Scale of Decimal value for incrementing column must be 0");
        }
        return q.cur->get_int64(q.inc_index);
    }

    void emit(querier& q, struct_ptr st, value offset, std::vector<source_record>& out) {
        auto& r = out.emplace_back();
        r.topic = q.topic;
        r.value_schema = q.mapping.schema;
        r.val = value(std::move(st));
        r.source_partition = q.partition;
        r.source_offset = std::move(offset);
    }

    void read_rows(querier& q, std::vector<source_record>& out) {
        size_t max = size_t(_s.batch_max_rows);
        size_t start = out.size();
        if (q.mode == "timestamp") {
            // TimestampTableQuerier: a row's offset keeps the previous timestamp until the last row
            // with a given timestamp has been read.
            while (out.size() - start < max) {
                if (!q.have_pending) {
                    if (q.exhausted || !q.cur->next()) {
                        q.exhausted = true;
                        break;
                    }
                    q.pending = {build_struct(q), row_timestamp(q)};
                    q.have_pending = true;
                }
                auto current = std::move(q.pending);
                q.have_pending = false;
                if (!q.exhausted && q.cur->next()) {
                    q.pending = {build_struct(q), row_timestamp(q)};
                    q.have_pending = true;
                } else {
                    q.exhausted = true;
                }
                if (!q.have_pending || !current.ts || !q.pending.ts || *current.ts < *q.pending.ts) q.ts_offset = current.ts;
                emit(q, std::move(current.value), offset_map(q.ts_offset, std::nullopt), out);
            }
            if (q.exhausted && !q.have_pending) finish(q);
            return;
        }
        while (out.size() - start < max) {
            if (!q.cur->next()) {
                finish(q);
                return;
            }
            auto st = build_struct(q);
            value offset;
            if (q.ts_mode || q.inc_mode) {
                std::optional<instant> ts;
                std::optional<int64_t> id;
                if (q.uses_ts()) ts = row_timestamp(q);
                if (q.uses_inc()) id = row_id(q);
                q.ts_offset = ts;
                q.inc_offset = id;
                offset = offset_map(ts, id);
            }
            emit(q, std::move(st), std::move(offset), out);
        }
    }

    void finish(querier& q) {
        q.cur.reset();
        q.have_pending = false;
        q.exhausted = false;
        q.last_update = now_ms();
        try {
            _session->end_query();
        } catch (const db_error& e) {
            _log->warn("[{}] Error while committing read transaction: {}", _tag, e.what());
        }
    }

    void handle_error(querier& q, const db_error& e) {
        q.cur.reset();
        q.have_pending = false;
        q.exhausted = false;
        q.last_update = now_ms();
        try {
            if (_session) _session->end_query();
        } catch (const std::exception&) {
            _session.reset(); // reconnect next time
        }
        if (e.what_kind() == db_error::kind::connection || (_session && !_session->is_valid())) {
            _session_for_cancel = nullptr;
            _session.reset();
        }
        q.attempts++;
        int max = _s.query_retry_attempts;
        _log->error("[{}] SQL exception while running query for table: {}. {}{}", _tag, q.display(), e.what(),
                    max > 0 ? fmt::format(" Attempting retry {} of {} attempts.", q.attempts, max)
                            : std::string(" Retrying at the next poll."));
        if (max > 0 && q.attempts >= max) throw connect_error(fmt::format("Failed to query table after retries: {}", e.what()));
        if (e.what_kind() == db_error::kind::auth) throw connect_error(e.what());
    }

    source_settings _s;
    jdbc_url _url;
    std::unique_ptr<dialect> _dialect;
    std::unique_ptr<session> _session;
    std::atomic<session*> _session_for_cancel{nullptr};
    std::vector<std::unique_ptr<querier>> _queriers;
    waiter _waiter;
    log::logger_ptr _log;
    std::string _tag;
    bool _guard_checked = false;
    bool _guard_unavailable = false;
    int64_t _last_guard_log = 0;
};

} // namespace

void register_source(plugin_registry& r) {
    r.add_source_connector({source_class, {"JdbcSourceConnector", "JdbcSource"}, plugin_type::source, FERRY_VERSION,
                            source_config_def},
                           [] { return std::make_unique<jdbc_source_connector>(); });
    r.add_source_task(source_task_class, [] { return std::make_unique<jdbc_source_task>(); });
}

} // namespace ferry::plugins::jdbc
