#include "base/log.hpp"
#include "config/regex.hpp"
#include "catalog.hpp"
#include "pg_conn.hpp"
#include "pgoutput.hpp"
#include "postgres_cdc.hpp"
#include "replication_stream.hpp"
#include "snapshot_encoder.hpp"
#include "tables.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/base64.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cctype>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace ferry::plugins::postgres_cdc {

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string random_uuid() {
    std::random_device rd;
    std::mt19937_64 g((uint64_t(rd()) << 32) ^ rd() ^ uint64_t(now_ns()));
    uint64_t a = g(), b = g();
    a = (a & ~0xF000ULL) | 0x4000ULL;             // version 4
    b = (b & ~(3ULL << 62)) | (2ULL << 62);       // variant
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", uint32_t(a >> 32), uint32_t(a >> 16) & 0xffff,
                       uint32_t(a) & 0xffff, uint32_t(b >> 48), b & 0xffffffffffffULL);
}

const value* map_field(const value& m, std::string_view k) {
    return m.type() == value::kind::map ? m.map_get(k) : nullptr;
}
std::optional<int64_t> map_int(const value& m, std::string_view k) {
    auto* v = map_field(m, k);
    if (!v || !v->is_integer()) return std::nullopt;
    return v->to_int64();
}
std::optional<std::string> map_str(const value& m, std::string_view k) {
    auto* v = map_field(m, k);
    if (!v || v->type() != value::kind::string) return std::nullopt;
    return v->as_string();
}
bool map_bool(const value& m, std::string_view k) {
    auto* v = map_field(m, k);
    if (!v) return false;
    if (v->type() == value::kind::boolean) return v->as_bool();
    if (v->type() == value::kind::string) return v->as_string() == "true";
    return false;
}

// COPY text format: tab separated, \N is NULL, backslash escapes. A raw tab is always a separator
// (the server writes a tab inside a value as \t), so fields are found with memchr and only a field
// that contains a backslash is decoded, into `scratch`; the others are views of `line`.
struct copy_span {
    size_t field, start, len;
};

void unescape_copy_field(std::string_view f, std::string& scratch) {
    size_t i = 0;
    while (i < f.size()) {
        const void* bs = std::memchr(f.data() + i, '\\', f.size() - i);
        size_t run = bs ? size_t(static_cast<const char*>(bs) - f.data()) - i : f.size() - i;
        scratch.append(f.data() + i, run);
        i += run;
        if (i >= f.size()) break;
        if (i + 1 >= f.size()) { // a lone trailing backslash stays
            scratch += '\\';
            break;
        }
        char e = f[i + 1];
        i += 2;
        switch (e) {
        case 'b': scratch += '\b'; break;
        case 'f': scratch += '\f'; break;
        case 'n': scratch += '\n'; break;
        case 'r': scratch += '\r'; break;
        case 't': scratch += '\t'; break;
        case 'v': scratch += '\v'; break;
        case 'x': {
            int v = 0, n = 0;
            while (n < 2 && i < f.size() && std::isxdigit(static_cast<unsigned char>(f[i]))) {
                char h = f[i++];
                v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                n++;
            }
            scratch += char(v);
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                int v = e - '0', n = 1;
                while (n < 3 && i < f.size() && f[i] >= '0' && f[i] <= '7') {
                    v = v * 8 + (f[i++] - '0');
                    n++;
                }
                scratch += char(v);
            } else {
                scratch += e;
            }
        }
    }
}

void split_copy_line(std::string_view line, std::vector<std::optional<std::string_view>>& fields, std::string& scratch,
                     std::vector<copy_span>& spans) {
    fields.clear();
    spans.clear();
    scratch.clear();
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    size_t start = 0;
    while (true) {
        const void* tab = std::memchr(line.data() + start, '\t', line.size() - start);
        size_t end = tab ? size_t(static_cast<const char*>(tab) - line.data()) : line.size();
        std::string_view f(line.data() + start, end - start);
        if (f.size() == 2 && f[0] == '\\' && f[1] == 'N') {
            fields.emplace_back(std::nullopt);
        } else if (!std::memchr(f.data(), '\\', f.size())) {
            fields.emplace_back(f);
        } else {
            size_t s = scratch.size();
            unescape_copy_field(f, scratch);
            spans.push_back({fields.size(), s, scratch.size() - s});
            fields.emplace_back(std::string_view());
        }
        if (!tab) break;
        start = end + 1;
    }
    // `scratch` may have moved while it grew: point the decoded fields at it only now.
    for (auto& sp : spans) fields[sp.field] = std::string_view(scratch).substr(sp.start, sp.len);
}

const char* op_message_type(char op) {
    switch (op) {
    case 'c': return "INSERT";
    case 'u': return "UPDATE";
    case 'd': return "DELETE";
    case 't': return "TRUNCATE";
    case 'm': return "MESSAGE";
    }
    return "";
}

} // namespace

class postgres_task final : public source_task {
public:
    std::string version() const override { return FERRY_VERSION; }

    void start(const config_map& cfg) override {
        _s = parse_settings(cfg);
        _log = log::get("connector.postgres-cdc");
        _tag = fmt::format("[{}|task-{}]", _s.topic_prefix, _s.task_id);
        for (auto& msg : unsupported_settings(cfg)) _log->warn("{} {}", _tag, msg);
        _run_id = random_uuid();
        _types = std::make_unique<type_registry>();
        _mapper = std::make_unique<value_mapper>(_s, *_types);
        _filters = std::make_unique<filters>(_s);
        _namer = std::make_unique<schema_namer>(_s);
        _schemas = std::make_unique<common_schemas>(_s, *_namer);
        _encoder = snapshot_encoder::make(context().output_format());
        _encoder_values.task = this;
        _partition = value(value::map_type{{value("server"), value(_s.topic_prefix)}});
        _heartbeat_topic = _namer->heartbeat_topic();
        _tx_topic = _namer->transaction_topic();
        _message_topic = _namer->message_topic();

        connect_metadata();
        check_server();
        load_types(_meta, *_types);
        // initial_only never streams: like Debezium (which opens no replication connection when its
        // snapshotter does not stream) it takes neither a publication nor a slot - a slot nobody
        // reads would hold the server's WAL from its creation on, until the disk is full.
        bool streams = _s.snapshot != snapshot_mode::initial_only;
        if (streams) {
            ensure_publication();
            apply_replica_identities();
        }

        // Stored offset (Debezium's PostgresOffsetContext layout).
        auto off = context().offset_reader().offset(_partition);
        bool has_offset = !off.is_null();
        bool snapshot_running = false;
        if (has_offset) {
            load_offset(off);
            bool last_snapshot_record = map_bool(off, "last_snapshot_record");
            bool completed = map_bool(off, "snapshot_completed");
            snapshot_running = map_field(off, "snapshot") && !last_snapshot_record && !completed;
        }
        if (!streams) {
            if (has_offset && !snapshot_running) {
                _log->info("{} snapshot.mode=initial_only and the snapshot is complete: nothing to stream", _tag);
                _phase = phase::idle;
                return;
            }
            prepare_snapshot(std::nullopt); // a transaction of its own, at the current WAL position
            _phase = phase::snapshot;
            start_snapshot_reader();
            return;
        }
        auto slot = read_slot();
        if (slot && slot->plugin != "pgoutput")
            throw connect_error(fmt::format(
                "{} Replication slot '{}' exists but uses the output plugin '{}'; this connector decodes pgoutput only. "
                "Drop the slot (SELECT pg_drop_replication_slot('{}')) or set slot.name to another name.",
                _tag, _s.slot_name, slot->plugin, _s.slot_name));
        if (slot && slot->database != _s.dbname)
            throw connect_error(fmt::format("{} Replication slot '{}' belongs to database '{}', not '{}'. Use another slot.name.",
                                            _tag, _s.slot_name, slot->database, _s.dbname));
        if (slot && slot->wal_status == "lost")
            throw connect_error(fmt::format(
                "{} Replication slot '{}' has been invalidated (wal_status=lost): the WAL it needed was removed, "
                "usually because max_slot_wal_keep_size was exceeded. Changes have been lost; drop the slot "
                "(SELECT pg_drop_replication_slot('{}')), delete the connector's offsets and restart it to take a new snapshot.",
                _tag, _s.slot_name, _s.slot_name));
        bool streamed_before = has_offset && !snapshot_running;
        if (!slot && streamed_before && _s.snapshot != snapshot_mode::when_needed && _s.snapshot != snapshot_mode::always)
            throw connect_error(fmt::format(
                "{} Replication slot '{}' does not exist, but the connector has a stored offset (LSN {}): the slot was "
                "dropped and the changes made since then cannot be read any more. To recover, either set "
                "snapshot.mode=when_needed (a new slot and a new snapshot are taken), or delete the connector's offsets "
                "and restart it.",
                _tag, _s.slot_name, format_lsn(_pos.lsn.value_or(0))));

        bool want_snapshot = false;
        switch (_s.snapshot) {
        case snapshot_mode::initial_only: // handled above
        case snapshot_mode::initial: want_snapshot = !has_offset || snapshot_running; break;
        case snapshot_mode::always: want_snapshot = true; break;
        case snapshot_mode::when_needed: want_snapshot = !has_offset || snapshot_running || !slot; break;
        case snapshot_mode::no_data: want_snapshot = false; break;
        }
        for (int attempt = 1; slot && slot->active; attempt++) {
            // A previous walsender of this slot (a crashed worker's) may not have exited yet.
            if (attempt > _s.slot_max_retries)
                throw connect_error(fmt::format(
                    "{} Replication slot '{}' is active: another process is streaming from it. Stop the other "
                    "connector (or terminate its walsender) or use another slot.name.",
                    _tag, _s.slot_name));
            _log->info("{} replication slot '{}' is active; retrying in {} ms ({}/{})", _tag, _s.slot_name,
                       std::min<int64_t>(_s.slot_retry_delay_ms, 2000), attempt, _s.slot_max_retries);
            wait(std::chrono::milliseconds(std::min<int64_t>(_s.slot_retry_delay_ms, 2000)));
            if (_stopping) return;
            slot = read_slot();
        }
        std::optional<std::string> exported;
        if (!slot) {
            create_slot(want_snapshot, exported);
            _slot_created = true;
        } else {
            _slot_confirmed = slot->confirmed_flush;
            open_replication();
        }
        if (want_snapshot) {
            prepare_snapshot(exported);
            _phase = phase::snapshot;
            start_snapshot_reader();
        } else {
            if (!has_offset) {
                // Stream from the slot's position (its consistent point when just created).
                _pos = {};
                _pos.lsn = _slot_created ? _consistent_point : _slot_confirmed;
            }
            start_streaming();
            _phase = phase::streaming;
        }
    }

    void poll(std::vector<source_record>& out) override {
        if (_stopping) return;
        try {
            switch (_phase) {
            case phase::snapshot: snapshot_poll(out); break;
            case phase::streaming: stream_step(out); break;
            case phase::idle: wait(std::chrono::milliseconds(_s.poll_interval_ms)); break;
            }
        } catch (const pg_connection_lost& e) {
            if (_phase != phase::streaming) {
                // A snapshot cannot continue on a new connection: fail, and the restarted task snapshots again.
                throw connect_error(fmt::format("{} {}; the snapshot will be taken again when the task is restarted", _tag, e.what()));
            }
            // Records already in `out` are consistent with _pos: hand them over, reconnect later.
            _log->warn("{} {}; reconnecting", _tag, e.what());
            if (_stream) {
                _stream->stop();
                _stream.reset();
            }
            schedule_reconnect();
        }
    }

    void commit() override {
        if (!_stream || _s.flush_mode == lsn_flush_mode::manual) return;
        auto off = context().offset_reader().offset(_partition);
        if (off.is_null()) return;
        auto lsn = map_int(off, "lsn_commit");
        if (!lsn) lsn = map_int(off, "lsn_proc");
        if (!lsn || *lsn <= 0) return;
        _stream->confirm(lsn_t(*lsn));
    }

    void stop() override {
        _stopping = true;
        {
            std::lock_guard g(_mu);
            _cv.notify_all();
        }
        std::lock_guard g(_sq_mu);
        _sq_not_full.notify_all();
        _sq_not_empty.notify_all();
    }

    ~postgres_task() override {
        if (_snap_thread.joinable()) {
            stop();
            bool finished;
            {
                std::lock_guard g(_sq_mu);
                finished = _sq_done || _sq_error;
            }
            // The reader may be waiting for COPY data: cancel the statement so that it returns.
            char err[256];
            if (!finished && _snap_cancel) PQcancel(_snap_cancel, err, sizeof err);
            join_snapshot_reader();
        }
        if (_stream) {
            _stream->stop();
            _stream.reset();
        }
        _repl.close();
        _snap.close();
        if (_s.slot_drop_on_stop && _s.snapshot != snapshot_mode::initial_only && _meta.alive()) {
            // The walsender may need a moment to release the slot.
            for (int i = 0; i < 50; i++) {
                auto r = _meta.exec("SELECT pg_drop_replication_slot($1)", {_s.slot_name});
                if (r.status() == PGRES_TUPLES_OK) {
                    _log->info("{} dropped replication slot '{}' (slot.drop.on.stop=true)", _tag, _s.slot_name);
                    break;
                }
                if (r.sqlstate() != "55006") {
                    _log->warn("{} could not drop replication slot '{}': {}", _tag, _s.slot_name, r.error());
                    break;
                }
                std::this_thread::sleep_for(100ms);
            }
        }
    }

private:
    enum class phase { snapshot, streaming, idle };

    struct slot_state {
        std::string plugin, database, wal_status;
        bool active = false;
        lsn_t confirmed_flush = 0;
    };

    // Debezium's offset context: SourceInfo + PostgresOffsetContext fields.
    struct position {
        std::optional<lsn_t> lsn;
        std::optional<lsn_t> lsn_proc;
        std::optional<lsn_t> lsn_commit;
        std::optional<int64_t> txid;
        std::optional<int64_t> ts_usec;
        std::string message_type;
        int64_t lsn_events = 0;
        lsn_t previous_lsn = 0;
        std::optional<int64_t> xmin;
    };

    // Where a restart resumes: events up to the stored offset are not emitted again.
    struct resume_filter {
        bool active = false;
        lsn_t lsn_commit = 0;
        lsn_t lsn = 0;
        std::optional<int64_t> txid;
        int64_t events_at_lsn = 0;
        bool in_dml = false; // the stored event was inside a transaction (a change or a message)
    };

    // ---------------------------------------------------------------- setup

    void connect_metadata() {
        if (auto err = pg_conn::open(_s, pg_conn::kind::regular, _meta))
            throw connect_error(fmt::format(
                "{} Cannot connect to PostgreSQL at {}:{} database '{}' as user '{}': {}. Check database.hostname, "
                "database.port, database.user, database.password and that the server accepts connections (pg_hba.conf).",
                _tag, _s.hostname, _s.port, _s.dbname, _s.user, *err));
        _server_version = PQserverVersion(_meta.get());
    }

    void check_server() {
        auto wl = _meta.must("SHOW wal_level", "reading wal_level");
        auto level = wl.str(0, 0);
        if (level != "logical")
            throw connect_error(fmt::format(
                "{} PostgreSQL at {} runs with wal_level={}, but logical decoding needs wal_level=logical. Set wal_level = "
                "logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart the server.",
                _tag, _meta.where(), level));
        auto r = _meta.must("SELECT rolreplication, rolsuper, current_user FROM pg_catalog.pg_roles WHERE rolname = current_user",
                            "reading the role's privileges");
        if (r.rows() == 1 && r.get(0, 0) != "t" && r.get(0, 1) != "t")
            throw connect_error(fmt::format(
                "{} User '{}' has neither the REPLICATION attribute nor superuser rights, so it cannot read the logical "
                "replication stream. Grant it: ALTER ROLE \"{}\" WITH REPLICATION; (it also needs SELECT on the captured tables).",
                _tag, r.str(0, 2), r.str(0, 2)));
        auto m = _meta.exec("SELECT pg_size_bytes(setting || coalesce(unit, '')) FROM pg_catalog.pg_settings "
                            "WHERE name = 'max_slot_wal_keep_size' AND setting <> '-1'");
        if (m.status() == PGRES_TUPLES_OK && m.rows() == 1) _max_slot_wal_keep_size = std::stoll(m.str(0, 0));
    }

    void ensure_publication() {
        auto r = _meta.must("SELECT puballtables FROM pg_catalog.pg_publication WHERE pubname = $1", {_s.publication_name},
                            "reading pg_publication");
        bool exists = r.rows() == 1;
        auto pub = quote_ident(_s.publication_name);
        if (exists && _s.publication_autocreate != autocreate_mode::filtered) return;
        if (!exists && _s.publication_autocreate == autocreate_mode::disabled)
            throw connect_error(fmt::format(
                "{} Publication '{}' does not exist and publication.autocreate.mode is 'disabled'. Create it, e.g. "
                "CREATE PUBLICATION {} FOR ALL TABLES; (or FOR TABLE ... for the captured tables), or set "
                "publication.autocreate.mode=all_tables or filtered.",
                _tag, _s.publication_name, pub));
        std::string via_root = _s.publish_via_partition_root ? " WITH (publish_via_partition_root = true)" : "";
        std::string sql;
        if (_s.publication_autocreate == autocreate_mode::all_tables) {
            sql = fmt::format("CREATE PUBLICATION {} FOR ALL TABLES{}", pub, via_root);
        } else if (_s.publication_autocreate == autocreate_mode::no_tables) {
            sql = fmt::format("CREATE PUBLICATION {}{}", pub, via_root);
        } else {
            std::string list;
            for (auto& t : list_tables(_meta)) {
                if (!_filters->include_table(t.schema, t.table)) continue;
                if (!list.empty()) list += ", ";
                list += quote_ident(t.schema) + "." + quote_ident(t.table);
            }
            if (list.empty())
                throw connect_error(fmt::format("{} publication.autocreate.mode=filtered but no table matches the filters", _tag));
            sql = exists ? fmt::format("ALTER PUBLICATION {} SET TABLE {}", pub, list)
                         : fmt::format("CREATE PUBLICATION {} FOR TABLE {}{}", pub, list, via_root);
        }
        auto c = _meta.exec(sql);
        if (c.status() != PGRES_COMMAND_OK)
            throw connect_error(fmt::format(
                "{} Cannot create publication '{}' ({}): {}. Create it as a superuser or the tables' owner, or let an "
                "administrator do it and set publication.autocreate.mode=disabled.",
                _tag, _s.publication_name, sql, c.error()));
        _log->info("{} {}", _tag, sql);
    }

    // replica.identity.autoset.values (Debezium's ReplicaIdentityMapper): each entry is a
    // case-insensitive regex on "schema.table" and an identity; it applies to the captured tables
    // it matches (others are left alone), and a table matched by two entries is an error.
    void apply_replica_identities() {
        if (_s.replica_identity_autoset.empty()) return;
        std::vector<std::pair<config::regex, std::string>> rules;
        for (auto& [pattern, identity] : _s.replica_identity_autoset) {
            auto r = config::regex::compile("(?i)" + pattern);
            if (!r) throw connect_error(fmt::format("{} Invalid table pattern '{}' in replica.identity.autoset.values: {}", _tag,
                                                    pattern, r.error().message));
            rules.emplace_back(std::move(*r), identity);
        }
        for (auto& t : list_tables(_meta)) {
            if (!_filters->include_table(t.schema, t.table)) continue;
            std::string id = t.schema + "." + t.table;
            const std::string* identity = nullptr;
            for (auto& [rx, ident] : rules) {
                if (!rx.full_match(id)) continue;
                if (identity)
                    throw connect_error(fmt::format("{} More than one Regular expressions matched table {}", _tag, id));
                identity = &ident;
            }
            if (!identity) continue;
            std::string qualified = quote_ident(t.schema) + "." + quote_ident(t.table);
            std::string upper = *identity;
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return char(std::toupper(c)); });
            std::string sql = upper.rfind("INDEX ", 0) == 0
                                  ? fmt::format("ALTER TABLE {} REPLICA IDENTITY USING INDEX {}", qualified,
                                                quote_ident(identity->substr(6)))
                                  : fmt::format("ALTER TABLE {} REPLICA IDENTITY {}", qualified, upper);
            _meta.must(sql, "applying replica.identity.autoset.values");
            _log->info("{} Replica identity set to {} for table '{}'", _tag, upper.rfind("INDEX ", 0) == 0 ? "INDEX" : upper, id);
        }
    }

    std::optional<slot_state> read_slot() {
        auto r = _meta.must("SELECT plugin, database, active, coalesce(confirmed_flush_lsn::text, ''), "
                            "coalesce(wal_status, '') FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
                            {_s.slot_name}, "reading pg_replication_slots");
        if (r.rows() == 0) return std::nullopt;
        slot_state s;
        s.plugin = r.str(0, 0);
        s.database = r.str(0, 1);
        s.active = r.get(0, 2) == "t";
        s.confirmed_flush = parse_lsn(r.get(0, 3)).value_or(0);
        s.wal_status = r.str(0, 4);
        return s;
    }

    void open_replication() {
        if (auto err = pg_conn::open(_s, pg_conn::kind::replication, _repl)) {
            if (err->find("permission denied") != std::string::npos || err->find("must be superuser or replication") != std::string::npos ||
                err->find("no pg_hba.conf entry for replication") != std::string::npos)
                throw connect_error(fmt::format(
                    "{} PostgreSQL refused the replication connection for user '{}': {}. The user needs the REPLICATION "
                    "attribute (ALTER ROLE ... WITH REPLICATION) and pg_hba.conf must allow it to connect for replication.",
                    _tag, _s.user, *err));
            throw pg_connection_lost(fmt::format("cannot open a replication connection to {}:{}: {}", _s.hostname, _s.port, *err));
        }
    }

    void create_slot(bool export_snapshot, std::optional<std::string>& exported) {
        open_replication();
        std::string sql = fmt::format("CREATE_REPLICATION_SLOT {} LOGICAL pgoutput {}", quote_ident(_s.slot_name),
                                      export_snapshot ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT");
        pg_result r;
        for (int attempt = 1;; attempt++) {
            r = _repl.exec(sql);
            if (r.status() == PGRES_TUPLES_OK) break;
            if (attempt >= _s.slot_max_retries || r.sqlstate() != "55006")
                throw connect_error(fmt::format("{} Cannot create replication slot '{}': {}", _tag, _s.slot_name, r.error()));
            wait(std::chrono::milliseconds(_s.slot_retry_delay_ms));
        }
        _consistent_point = parse_lsn(r.get(0, 1)).value_or(0);
        if (export_snapshot && !r.is_null(0, 2)) exported = r.str(0, 2);
        _log->info("{} created replication slot '{}' at consistent point {}{}", _tag, _s.slot_name, format_lsn(_consistent_point),
                   exported ? " with exported snapshot " + *exported : std::string());
    }

    void load_offset(const value& off) {
        _pos.lsn = map_int(off, "lsn");
        _pos.lsn_proc = map_int(off, "lsn_proc");
        _pos.lsn_commit = map_int(off, "lsn_commit");
        if (!_pos.lsn_commit) _pos.lsn_commit = _pos.lsn_proc;
        _pos.txid = map_int(off, "txId");
        _pos.ts_usec = map_int(off, "ts_usec");
        _pos.message_type = map_str(off, "messageType").value_or("");
        _pos.lsn_events = map_int(off, "lsn_events_processed").value_or(0);
        _pos.previous_lsn = _pos.lsn.value_or(0);
        _pos.xmin = map_int(off, "xmin");
        // Resume position: skip what the stored offset says was delivered.
        if (_pos.lsn) {
            _resume.active = true;
            _resume.lsn_commit = _pos.lsn_commit.value_or(0);
            _resume.lsn = *_pos.lsn;
            _resume.txid = _pos.txid;
            _resume.events_at_lsn = _pos.lsn_events;
            const auto& t = _pos.message_type;
            _resume.in_dml = t == "INSERT" || t == "UPDATE" || t == "DELETE" || t == "TRUNCATE" || t == "MESSAGE";
        }
        _tx_id_offset = map_str(off, "transaction_id");
        _log->info("{} found previous offset: lsn={} lsn_commit={} txId={} messageType={}", _tag,
                   _pos.lsn ? format_lsn(*_pos.lsn) : "none", _pos.lsn_commit ? format_lsn(*_pos.lsn_commit) : "none",
                   _pos.txid ? std::to_string(*_pos.txid) : "none", _pos.message_type.empty() ? "none" : _pos.message_type);
    }

    // ---------------------------------------------------------------- snapshot

    struct snapshot_table {
        table_ref ref;
        std::shared_ptr<table_schema> schema;
        int64_t estimate = -1;
    };

    void prepare_snapshot(const std::optional<std::string>& exported) {
        if (_s.snapshot_delay_ms > 0) wait(std::chrono::milliseconds(_s.snapshot_delay_ms));
        if (auto err = pg_conn::open(_s, pg_conn::kind::regular, _snap))
            throw pg_connection_lost(fmt::format("cannot open the snapshot connection: {}", *err));
        if (exported) {
            _snap.must("BEGIN ISOLATION LEVEL REPEATABLE READ", "starting the snapshot transaction");
            _snap.must(fmt::format("SET TRANSACTION SNAPSHOT {}", quote_literal(*exported)), "importing the exported snapshot");
        } else {
            std::string iso = _s.snapshot_isolation == "repeatable_read" ? "REPEATABLE READ, READ ONLY"
                              : _s.snapshot_isolation == "read_committed" ? "READ COMMITTED, READ ONLY"
                              : _s.snapshot_isolation == "read_uncommitted" ? "READ UNCOMMITTED, READ ONLY"
                                                                             : "SERIALIZABLE, READ ONLY, DEFERRABLE";
            _snap.must("BEGIN ISOLATION LEVEL " + iso, "starting the snapshot transaction");
        }
        auto r = _snap.must("SELECT (CASE pg_is_in_recovery() WHEN 't' THEN NULL ELSE txid_current() END), "
                            "pg_current_wal_lsn()::text",
                            "reading the snapshot position");
        int64_t txid = r.is_null(0, 0) ? 0 : std::stoll(r.str(0, 0));
        lsn_t xlog = exported ? _consistent_point : parse_lsn(r.get(0, 1)).value_or(0);
        _pos = {};
        _pos.lsn = xlog;
        if (!r.is_null(0, 0)) _pos.txid = txid;
        _pos.ts_usec = now_ns() / 1000;
        _resume = {};
        _snapshot_start = clock_type::now();

        for (auto& t : list_tables(_snap)) {
            if (!_filters->include_table(t.schema, t.table) || !_filters->in_snapshot(t.schema, t.table)) continue;
            _snapshot_tables.push_back({t, nullptr, estimate_rows(_snap, t.relid)});
        }
        if (_s.snapshot_lock_shared && !_snapshot_tables.empty()) {
            std::string sql = fmt::format("SET lock_timeout = {};", _s.snapshot_lock_timeout_ms);
            for (auto& t : _snapshot_tables)
                sql += fmt::format(" LOCK TABLE {}.{} IN ACCESS SHARE MODE;", quote_ident(t.ref.schema), quote_ident(t.ref.table));
            _snap.must(sql, "locking the captured tables");
        }
        for (auto& t : _snapshot_tables) {
            t.schema = build(t.ref, read_columns(_snap, t.ref.relid));
            _tables[t.ref.relid] = t.schema;
        }
        int64_t total = 0;
        for (auto& t : _snapshot_tables) total += std::max<int64_t>(0, t.estimate);
        _snapshot_estimate = total;
        _log->info("{} Snapshot step 1 - snapshotting {} table(s) (about {} rows) at LSN {} ({})", _tag, _snapshot_tables.size(),
                   total, format_lsn(xlog), exported ? "exported snapshot of the new slot" : "new transaction");
        _table_index = 0;
        _last_progress_log = clock_type::now();
    }

    std::shared_ptr<table_schema> build(const table_ref& t, std::vector<column_info> cols) {
        for (auto& c : cols) {
            int32_t tm = c.typmod;
            if (!_types->find(_types->resolve(c.type_oid, tm))) {
                load_types(_meta, *_types); // a type created after start
                break;
            }
        }
        auto ts = build_table_schema(_s, *_mapper, *_filters, *_namer, *_schemas, t.relid, t.schema, t.table,
                                     t.replica_identity, std::move(cols));
        for (size_t i = 0; i < ts->columns.size(); i++)
            if (ts->conv[i].kind == conv::drop)
                _log->warn("{} column '{}.{}' of type oid {} is not supported and is left out (include.unknown.datatypes "
                           "emits it as bytes)",
                           _tag, ts->id, ts->columns[i].name, ts->columns[i].type_oid);
        return ts;
    }

    // The snapshot is read on its own thread (the "reader"): it runs the COPY of each table, parses
    // the rows and builds their records, and hands them to poll() in whole batches through a
    // bounded queue, so that libpq, parsing and record building overlap with the runtime's
    // converting and producing on the task thread (as streaming's replication_stream does for the
    // WAL). While the reader runs it alone uses _snap, the snapshot tables, the held record and the
    // row buffers; the task thread only takes batches. When the reader has queued the snapshot's
    // last record it ends; the task thread joins it and finishes the snapshot (COMMIT, then
    // streaming or idle). An exception on the reader is thrown from poll() on the task thread,
    // after the batches queued before it.
    void start_snapshot_reader() {
        // The reader hands over batches of max.batch.size records, and queues at most
        // max.queue.size records (at most four batches): Debezium's queue and batch bounds. Each
        // batch changes hands whole (no record is moved), so a larger batch only means fewer
        // hand-overs, each a wake-up of the other thread (bench/RESULTS.md, PostgreSQL CDC).
        _sq_batch = size_t(std::max(_s.max_batch_size, 1));
        _sq_max = size_t(std::clamp(_s.max_queue_size / int(_sq_batch), 1, 4));
        _snap_cancel = PQgetCancel(_snap.get());
        _snap_thread = std::thread([this] { snapshot_reader(); });
    }

    void snapshot_reader() {
        try {
            while (!_stopping) {
                std::vector<source_record> batch;
                {
                    std::lock_guard g(_sq_mu);
                    if (!_sq_spare.empty()) {
                        batch = std::move(_sq_spare.back());
                        _sq_spare.pop_back();
                    }
                }
                batch.reserve(_sq_batch);
                bool done = snapshot_fill(batch);
                std::unique_lock l(_sq_mu);
                if (!batch.empty()) {
                    _sq_not_full.wait(l, [&] { return _sq.size() < _sq_max || _stopping; });
                    if (_stopping) return;
                    _sq.push_back(std::move(batch));
                }
                _sq_done = done;
                _sq_not_empty.notify_one();
                if (done) return;
            }
        } catch (...) {
            std::lock_guard g(_sq_mu);
            _sq_error = std::current_exception();
            _sq_not_empty.notify_one();
        }
    }

    void join_snapshot_reader() {
        if (_snap_thread.joinable()) _snap_thread.join();
        if (_snap_cancel) {
            PQfreeCancel(_snap_cancel);
            _snap_cancel = nullptr;
        }
    }

    // Task thread: takes the oldest queued batch (waiting a little for one). Its array changes
    // hands without moving its records: the runtime gets the batch's array and the reader gets the
    // runtime's (empty) one back to fill.
    void snapshot_poll(std::vector<source_record>& out) {
        bool done = false;
        std::exception_ptr err;
        {
            std::unique_lock l(_sq_mu);
            _sq_not_empty.wait_for(l, std::chrono::milliseconds(std::min<int64_t>(_s.poll_interval_ms, 500)),
                                   [&] { return !_sq.empty() || _sq_done || _sq_error || _stopping; });
            if (!_sq.empty()) {
                out.swap(_sq.front());
                if (_sq_spare.size() < _sq_max + 1) _sq_spare.push_back(std::move(_sq.front()));
                _sq.pop_front();
                _sq_not_full.notify_one();
                return;
            }
            if (_sq_error) err = _sq_error;
            else done = _sq_done;
        }
        if (err) {
            join_snapshot_reader();
            std::rethrow_exception(err);
        }
        if (done) {
            join_snapshot_reader();
            finish_snapshot(out);
        }
    }

    // Reader thread: fills `out` with up to _sq_batch records; true once the snapshot's last record
    // is in it.
    //
    // Records are built in place at the end of `out`. The last one built is held back (not counted
    // in the batch, and kept by the reader between batches in _held_carry) until what follows it is
    // known: its snapshot marker depends on whether another row of its table comes, and the
    // snapshot's very last record becomes "last" with the completed offset - even when the tables
    // after its own are empty (Debezium's BufferingSnapshotChangeRecordReceiver).
    bool snapshot_fill(std::vector<source_record>& out) {
        _encoder_clock_left = 0; // a fresh clock for each batch (the reader may have waited)
        if (_held_carry) {
            out.push_back(std::move(*_held_carry));
            _held_carry.reset();
        }
        while (out.size() - (_held != held_state::none ? 1 : 0) < _sq_batch && !_stopping) {
            if (!_copy_active) {
                if (_table_index >= _snapshot_tables.size()) {
                    release_final(out);
                    return true;
                }
                auto& t = _snapshot_tables[_table_index];
                std::string select;
                for (auto& [id, sql] : _s.snapshot_select_overrides)
                    if (id == t.ref.schema + "." + t.ref.table) select = sql;
                if (select.empty()) select = fmt::format("SELECT * FROM {}.{}", quote_ident(t.ref.schema), quote_ident(t.ref.table));
                auto r = _snap.exec(fmt::format("COPY ({}) TO STDOUT", select));
                if (r.status() != PGRES_COPY_OUT)
                    throw connect_error(fmt::format("{} Snapshot of table '{}' failed: {}", _tag, t.schema->id, r.error()));
                _copy_active = true;
                _snap_source = value();
                _table_rows = 0;
                _table_started = clock_type::now();
                _table_ts_us = now_ns() / 1000;
                _log->info("{} Exporting data from table '{}' ({} of {} tables)", _tag, t.schema->id, _table_index + 1,
                           _snapshot_tables.size());
            }
            auto& t = _snapshot_tables[_table_index];
            char* buf = nullptr;
            int n = PQgetCopyData(_snap.get(), &buf, 0);
            if (n > 0) {
                std::string_view line(buf, size_t(n));
                split_copy_line(line, _fields, _scratch, _spans);
                if (_fields.size() != t.schema->columns.size()) {
                    PQfreemem(buf);
                    throw connect_error(fmt::format("{} Snapshot of table '{}': a row has {} columns, expected {}", _tag,
                                                    t.schema->id, _fields.size(), t.schema->columns.size()));
                }
                _table_rows++;
                _snapshot_rows++;
                // The previous row is complete now: it was not the last of its table.
                if (_held == held_state::open) decide_marker(out.back(), false);
                make_snapshot_record(out.emplace_back(), t);
                _held = held_state::open;
                _held_first_in_table = _table_rows == 1;
                _held_table_index = _table_index;
                PQfreemem(buf);
                if ((_table_rows & 1023) == 0 && clock_type::now() - _last_progress_log > 10s) {
                    _last_progress_log = clock_type::now();
                    _log->info("{} \t Exported {} of about {} records for table '{}'; {} of about {} rows in all", _tag,
                               _table_rows, std::max<int64_t>(0, t.estimate), t.schema->id, _snapshot_rows, _snapshot_estimate);
                }
                continue;
            }
            if (n == -1) {
                pg_result res(PQgetResult(_snap.get()));
                if (res.status() != PGRES_COMMAND_OK)
                    throw connect_error(fmt::format("{} Snapshot of table '{}' failed: {}", _tag, t.schema->id, res.error()));
                while (PGresult* extra = PQgetResult(_snap.get())) PQclear(extra);
                _copy_active = false;
                if (_held == held_state::open) decide_marker(out.back(), true);
                auto secs = std::chrono::duration<double>(clock_type::now() - _table_started).count();
                _log->info("{} \t Finished exporting {} records for table '{}' ({} of {} tables); duration {:.3f}s", _tag,
                           _table_rows, t.schema->id, _table_index + 1, _snapshot_tables.size(), secs);
                _tables_done++;
                _table_index++;
                continue;
            }
            throw pg_connection_lost(fmt::format("snapshot COPY failed: {}", _snap.last_error()));
        }
        if (_held != held_state::none) {
            _held_carry = std::move(out.back());
            out.pop_back();
        }
        return false;
    }

    // The held record's marker, now that it is known whether another row of its table follows.
    void decide_marker(source_record& r, bool last_in_table) {
        bool first_table = _held_table_index == 0;
        bool last_table = _held_table_index + 1 == _snapshot_tables.size();
        const char* marker = "true";
        if (last_in_table && last_table) marker = "last";
        else if (_held_first_in_table && first_table) marker = "first";
        else if (last_in_table) marker = "last_in_data_collection";
        else if (_held_first_in_table) marker = "first_in_data_collection";
        if (std::string_view(marker) != "true") set_snapshot_marker(r, marker);
        _held = held_state::decided;
    }

    // Snapshot rows of a table share one source struct (structs are immutable once in a record);
    // the few rows with another marker get their own copy.
    void set_snapshot_marker(source_record& r, const char* marker) {
        if (r.encoded) {
            // Only ever the held record, whose source block and struct the encoder path kept.
            auto copy = std::make_shared<struct_value>(*_held_source.as_struct());
            copy->put_unchecked(4, value(std::string(marker)));
            _encoder->replace_source(r.val, _held_source_at, value(std::move(copy)));
            return;
        }
        auto& env = r.val.as_struct();
        const auto& src = env->get(2).as_struct();
        auto copy = std::make_shared<struct_value>(*src);
        copy->put_unchecked(4, value(std::string(marker)));
        env->put_unchecked(2, value(std::move(copy)));
    }

    // The encoder's view of the row being encoded (snapshot_encoder::values).
    struct encoder_values final : snapshot_encoder::values {
        postgres_task* task = nullptr;
        const table_schema* ts = nullptr;
        value converted(size_t i) override {
            const auto& f = task->_fields[i];
            return f ? task->convert_field(*ts, i, *f) : task->_mapper->null_value(ts->conv[i]);
        }
        value mapped(size_t i, value v) override { return apply_mapping(ts->mapping[i], std::move(v)); }
    };

    // Fills `r`, a default-constructed record in place at the end of the reader's batch.
    void make_snapshot_record(source_record& r, const snapshot_table& t) {
        const auto& ts = *t.schema;
        if (_snap_source.is_null()) {
            _snap_source = source_struct(ts.schema_name, ts.table_name, "true", _table_ts_us);
            _snap_offset = snapshot_offset(false);
            _encode_table = _encoder && _encoder->begin_table(ts, _snap_source);
            if (_encode_table)
                _log->info("{} \t Rows of table '{}' are written directly in JsonConverter's bytes (no transforms configured)",
                           _tag, ts.id);
        }
        r.topic = ts.topic;
        r.source_partition = _partition;
        r.source_offset = _snap_offset;
        if (_encode_table) {
            // The row's bytes straight from the COPY text (snapshot_encoder.hpp).
            _encoder_values.ts = &ts;
            // The envelope's ts_ms/ts_us/ts_ns: the clock read once per 64 rows of a batch (rows
            // built within microseconds of each other; a clock read per row was a tenth of the
            // reader's time on this path).
            if (_encoder_clock_left == 0) {
                _encoder_clock_ns = now_ns();
                _encoder_clock_left = 64;
            }
            _encoder_clock_left--;
            try {
                _encoder->encode_row(_fields, _encoder_values, _encoder_clock_ns, r.key, r.val, _held_source_at);
                r.encoded = true;
                _held_source = _snap_source;
                add_context_headers(r);
                return;
            } catch (const data_error&) {
                // Built as a Connect record below, for the runtime's converters to report.
                r.key = value();
                r.val = value();
            }
        }
        auto after = make_struct(ts.value_schema);
        struct_ptr key = ts.key_schema ? make_struct(ts.key_schema) : nullptr;
        // Both structs are new and ours alone: fill their slots in place (no temporaries per column).
        auto& row = after->mutable_values();
        value unused;
        for (size_t i = 0; i < ts.columns.size(); i++) {
            int vf = ts.value_field[i], kf = ts.key_field[i];
            if (vf < 0 && kf < 0) continue;
            value& v = vf >= 0 ? row[size_t(vf)] : unused;
            v = _fields[i] ? convert_field(ts, i, *_fields[i]) : _mapper->null_value(ts.conv[i]);
            if (kf >= 0) key->mutable_values()[size_t(kf)] = v;
            if (vf >= 0 && ts.mapping[i].k != column_mapping::none) v = apply_mapping(ts.mapping[i], std::move(v));
        }
        if (key) {
            r.key_schema = ts.key_schema;
            r.key = value(std::move(key));
        }
        r.value_schema = ts.envelope_schema;
        r.val = envelope(ts, nullptr, std::move(after), _snap_source, 'r');
        add_context_headers(r);
    }

    value snapshot_offset(bool last) {
        value::map_type m;
        m.reserve(6);
        m.emplace_back(value("ts_usec"), value(_table_ts_us ? _table_ts_us : _pos.ts_usec.value_or(0)));
        if (_pos.txid) m.emplace_back(value("txId"), value(*_pos.txid));
        if (_pos.lsn) m.emplace_back(value("lsn"), value(int64_t(*_pos.lsn)));
        m.emplace_back(value("snapshot"), value("INITIAL"));
        m.emplace_back(value("last_snapshot_record"), value(last));
        m.emplace_back(value("snapshot_completed"), value(last));
        return value(std::move(m));
    }

    // Reader thread: the snapshot's last record, with the completed offset. The held record is
    // the last of `out` (snapshot_fill put a carried one back first); its marker was decided at
    // the end of its table's COPY.
    void release_final(std::vector<source_record>& out) {
        if (_held == held_state::none) return;
        set_snapshot_marker(out.back(), "last");
        out.back().source_offset = snapshot_offset(true);
        _held = held_state::none;
    }

    // Task thread, after the reader ended.
    void finish_snapshot(std::vector<source_record>& out) {
        _snap.must("COMMIT", "ending the snapshot transaction");
        _snap.close();
        auto secs = std::chrono::duration<double>(clock_type::now() - _snapshot_start).count();
        bool only = _s.snapshot == snapshot_mode::initial_only;
        _log->info("{} Snapshot completed: {} table(s), {} rows in {:.3f}s; {} {}", _tag, _tables_done, _snapshot_rows, secs,
                   only ? "snapshot.mode=initial_only, not streaming; snapshot taken at" : "streaming from",
                   format_lsn(_pos.lsn.value_or(0)));
        _snapshot_tables.clear();
        _snapshot_done = true;
        if (only) {
            _phase = phase::idle;
            return;
        }
        if (_s.heartbeat_interval_ms > 0) emit_heartbeat(out);
        if (_s.streaming_delay_ms > 0) wait(std::chrono::milliseconds(_s.streaming_delay_ms));
        start_streaming();
        _phase = phase::streaming;
    }

    // ---------------------------------------------------------------- streaming

    void start_streaming() {
        if (!_repl) open_replication();
        lsn_t start = 0;
        if (_pos.lsn_commit) start = *_pos.lsn_commit;
        else if (_pos.lsn_proc) start = *_pos.lsn_proc;
        else if (_pos.lsn) start = *_pos.lsn;
        _stream = std::make_unique<replication_stream>(std::move(_repl), _s);
        try {
            _stream->start(_s.slot_name, start, 0, _s.publication_name, _s.slot_stream_params, _server_version);
        } catch (...) {
            _stream.reset();
            throw;
        }
        _log->info("{} Streaming changes from slot '{}' starting at {} (publication '{}')", _tag, _s.slot_name,
                   format_lsn(start), _s.publication_name);
        _last_heartbeat = clock_type::now();
        _failures = 0;
    }

    void stream_step(std::vector<source_record>& out) {
        if (!_stream) {
            reconnect();
            return;
        }
        _frames.clear();
        size_t n = _stream->next(_frames, size_t(_s.max_batch_size), std::chrono::milliseconds(std::min<int64_t>(_s.poll_interval_ms, 500)));
        size_t i = 0;
        try {
            for (; i < n; i++) {
                process_frame(_frames[i], out);
                replication_stream::release(_frames[i]);
            }
        } catch (...) {
            for (; i < n; i++) replication_stream::release(_frames[i]);
            throw;
        }
        if (n == 0) {
            if (!_stream->running() && _stream->queue_empty()) {
                handle_stream_failure();
                return;
            }
            maybe_heartbeat(out);
        }
        maybe_check_slot();
    }

    void handle_stream_failure() {
        std::string err = _stream->error().value_or("the replication stream stopped");
        _stream->stop();
        _stream.reset();
        if (err.find("does not exist") != std::string::npos && err.find("slot") != std::string::npos)
            throw connect_error(fmt::format(
                "{} Replication slot '{}' no longer exists ({}). Changes made since the last committed offset cannot be "
                "read any more. Restart the connector with snapshot.mode=when_needed to take a new snapshot, or delete its "
                "offsets and restart it.",
                _tag, _s.slot_name, err));
        _log->warn("{} {}; reconnecting", _tag, err);
        schedule_reconnect();
    }

    void schedule_reconnect() {
        _failures++;
        if (_s.errors_max_retries >= 0 && _failures > _s.errors_max_retries + 1)
            throw connect_error(fmt::format("{} PostgreSQL is unavailable and errors.max.retries={} is exhausted", _tag,
                                            _s.errors_max_retries));
        int64_t cap = std::max<int64_t>(_s.retriable_restart_wait_ms, 500);
        int64_t backoff = std::min<int64_t>(cap, int64_t(500) << std::min(_failures - 1, 10));
        _next_reconnect = clock_type::now() + std::chrono::milliseconds(backoff);
    }

    void reconnect() {
        auto now = clock_type::now();
        if (now < _next_reconnect) {
            wait(std::min<clock_type::duration>(_next_reconnect - now, std::chrono::milliseconds(_s.poll_interval_ms)));
            return;
        }
        try {
            if (!_meta.alive()) connect_metadata_retriable();
            auto slot = read_slot();
            if (!slot)
                throw connect_error(fmt::format(
                    "{} Replication slot '{}' no longer exists. Changes made since the last committed offset cannot be read "
                    "any more. Restart the connector with snapshot.mode=when_needed to take a new snapshot, or delete its "
                    "offsets and restart it.",
                    _tag, _s.slot_name));
            if (slot->active) {
                // The old walsender may not have noticed our disconnect yet.
                _log->info("{} replication slot '{}' is still active; waiting", _tag, _s.slot_name);
                schedule_reconnect();
                return;
            }
            // Resume after what was already handed to the runtime in this run.
            _resume.active = _pos.lsn.has_value();
            _resume.lsn_commit = _pos.lsn_commit.value_or(0);
            _resume.lsn = _pos.lsn.value_or(0);
            _resume.txid = _pos.txid;
            _resume.events_at_lsn = _pos.lsn_events;
            _resume.in_dml = _in_tx && _pos.message_type != "BEGIN";
            _in_tx = false;
            _tables.clear(); // Relation messages come again on the new session
            start_streaming();
            _log->info("{} reconnected to PostgreSQL", _tag);
        } catch (const pg_connection_lost& e) {
            _log->warn("{} reconnect failed: {}", _tag, e.what());
            _repl.close();
            schedule_reconnect();
        }
    }

    void connect_metadata_retriable() {
        if (auto err = pg_conn::open(_s, pg_conn::kind::regular, _meta))
            throw pg_connection_lost(fmt::format("cannot connect to {}:{}: {}", _s.hostname, _s.port, *err));
    }

    void process_frame(const frame& f, std::vector<source_record>& out) {
        pgoutput::xlog_data x;
        if (!pgoutput::parse_xlog_data(std::string_view(f.data, size_t(f.len)), x))
            throw connect_error(fmt::format("{} malformed XLogData frame", _tag));
        if (const char* err = _decoder.decode(x.payload, _msg))
            throw connect_error(fmt::format("{} cannot decode pgoutput message at LSN {}: {}", _tag, format_lsn(x.wal_start), err));
        lsn_t lsn = x.wal_start;
        switch (_msg.type) {
        case pgoutput::msg::begin: on_begin(lsn, out); break;
        case pgoutput::msg::commit: on_commit(lsn, out); break;
        case pgoutput::msg::origin:
            _origin_name = std::string(_msg.origin_name);
            _origin_lsn = _msg.origin_lsn;
            break;
        case pgoutput::msg::relation: on_relation(); break;
        case pgoutput::msg::type: break; // types are read from pg_type
        case pgoutput::msg::insert:
        case pgoutput::msg::update:
        case pgoutput::msg::delete_: on_change(lsn, out); break;
        case pgoutput::msg::truncate: on_truncate(lsn, out); break;
        case pgoutput::msg::message: on_message(lsn, out); break;
        }
    }

    void on_begin(lsn_t lsn, std::vector<source_record>& out) {
        _in_tx = true;
        _tx_xid = _msg.xid;
        _tx_commit_time_us = _msg.commit_time + pg_epoch_offset_us;
        _tx_total_order = 0;
        _tx_collections.clear();
        _origin_name.reset();
        _origin_lsn.reset();
        _lsn_count_lsn = 0;
        _lsn_count = 0;
        _skip_tx = false;
        _filter_tx = false;
        if (_resume.active) {
            if (_msg.final_lsn < _resume.lsn_commit) {
                _skip_tx = true; // delivered completely before the restart
            } else if (_resume.in_dml && _resume.txid && int64_t(_msg.xid) == (*_resume.txid & 0xffffffffLL)) {
                _filter_tx = true; // delivered partly: skip up to the stored event
            } else {
                _resume.active = false;
            }
        }
        update_position(lsn, "BEGIN", true);
        if (_s.provide_transaction_metadata && !_skip_tx && !_filter_tx) emit_tx_boundary(out, true);
    }

    void on_commit(lsn_t lsn, std::vector<source_record>& out) {
        bool emit_end = _s.provide_transaction_metadata && !_skip_tx;
        _pos.lsn_events = 0;
        _pos.previous_lsn = 0;
        update_position(lsn, "COMMIT", true);
        _pos.lsn_commit = lsn;
        if (emit_end) emit_tx_boundary(out, false);
        if (_filter_tx) _resume.active = false;
        _in_tx = false;
        _skip_tx = _filter_tx = false;
        _tx_collections.clear();
        maybe_heartbeat(out);
    }

    void update_position(lsn_t lsn, const char* type, bool with_tx) {
        _pos.lsn = lsn;
        _pos.lsn_proc = lsn;
        _pos.txid = with_tx ? std::optional<int64_t>(int64_t(_tx_xid)) : std::nullopt;
        if (with_tx) _pos.ts_usec = _tx_commit_time_us;
        _pos.message_type = type;
    }

    void on_relation() {
        uint32_t relid = _msg.relation_oid;
        std::string schema(_msg.nspname.empty() ? "pg_catalog" : _msg.nspname);
        std::string table(_msg.relname);
        if (!_filters->include_table(schema, table)) {
            _tables.erase(relid);
            return;
        }
        // Column metadata pgoutput does not carry (nullability, defaults, key) comes from the catalog.
        std::vector<column_info> catalog;
        try {
            catalog = read_columns(_meta, relid);
        } catch (const pg_connection_lost&) {
            connect_metadata_retriable();
            catalog = read_columns(_meta, relid);
        }
        std::vector<column_info> cols;
        cols.reserve(_msg.columns.size());
        for (auto& rc : _msg.columns) {
            column_info ci;
            ci.name = std::string(rc.name);
            ci.type_oid = rc.type_oid;
            ci.typmod = rc.typmod;
            ci.optional = true;
            for (auto& cc : catalog)
                if (cc.name == ci.name) {
                    ci.optional = cc.optional;
                    ci.default_expr = cc.default_expr;
                    ci.type_name = cc.type_name;
                    ci.key = cc.key;
                    ci.key_seq = cc.key_seq;
                }
            if (ci.type_name.empty())
                if (auto* ti = _types->find(ci.type_oid)) ci.type_name = ti->name;
            cols.push_back(std::move(ci));
        }
        auto ts = build({relid, schema, table, _msg.replica_identity}, std::move(cols));
        _tables[relid] = std::move(ts);
    }

    const table_schema* table_for(uint32_t relid) {
        auto it = _tables.find(relid);
        return it == _tables.end() ? nullptr : it->second.get();
    }

    // Position of a change inside its transaction, for the resume filter and lsn_events_processed.
    void count_at(lsn_t lsn) {
        if (_lsn_count_lsn == lsn) _lsn_count++;
        else {
            _lsn_count_lsn = lsn;
            _lsn_count = 1;
        }
    }

    bool filtered_by_resume(lsn_t lsn) {
        if (_skip_tx) return true;
        if (!_filter_tx) return false;
        if (lsn < _resume.lsn) return true;
        if (lsn == _resume.lsn && _lsn_count <= std::max<int64_t>(1, _resume.events_at_lsn)) return true;
        return false;
    }

    value convert_field(const table_schema& ts, size_t i, std::string_view text) {
        try {
            return _mapper->convert(ts.conv[i], text);
        } catch (const data_error& e) {
            // Debezium's TableSchemaBuilder: the field is left null unless the mode is 'fail'.
            if (_s.converting_failure == "fail")
                throw connect_error(fmt::format("{} Failed to properly convert data value for '{}.{}' of type {}: {}", _tag,
                                                ts.id, ts.columns[i].name, ts.columns[i].type_name, e.what()));
            if (_s.converting_failure == "warn")
                _log->warn("{} Failed to properly convert data value for '{}.{}' of type {}: {}", _tag, ts.id,
                           ts.columns[i].name, ts.columns[i].type_name, e.what());
            return _mapper->null_value(ts.conv[i]);
        }
    }

    // Builds the row struct and key struct of a tuple. `old_values` (REPLICA IDENTITY FULL old row)
    // supplies unchanged TOASTed values.
    void row_of(const table_schema& ts, std::span<const pgoutput::tuple_column> tuple, struct_ptr& row, struct_ptr* key,
                std::span<const pgoutput::tuple_column> old_tuple) {
        row = make_struct(ts.value_schema);
        if (key) *key = ts.key_schema ? make_struct(ts.key_schema) : nullptr;
        size_t n = std::min(tuple.size(), ts.columns.size());
        for (size_t i = 0; i < n; i++) {
            int vf = ts.value_field[i], kf = ts.key_field[i];
            if (vf < 0 && (kf < 0 || !key)) continue;
            const auto& c = tuple[i];
            value v;
            switch (c.kind) {
            case 't': v = convert_field(ts, i, c.data); break;
            case 'u':
                if (i < old_tuple.size() && old_tuple[i].kind == 't') v = convert_field(ts, i, old_tuple[i].data);
                else v = _mapper->toast_placeholder(ts.conv[i]);
                break;
            case 'b':
                throw connect_error(fmt::format("{} binary tuple data is not supported (slot.stream.params binary=true)", _tag));
            default: v = _mapper->null_value(ts.conv[i]); break;
            }
            if (key && kf >= 0 && *key) (*key)->put_unchecked(kf, v);
            if (vf >= 0) row->put_unchecked(vf, apply_mapping(ts.mapping[i], std::move(v)));
        }
        for (size_t i = n; i < ts.columns.size(); i++)
            if (ts.value_field[i] >= 0) row->put_unchecked(ts.value_field[i], _mapper->null_value(ts.conv[i]));
    }

    void on_change(lsn_t lsn, std::vector<source_record>& out) {
        count_at(lsn);
        if (filtered_by_resume(lsn)) return;
        const table_schema* ts = table_for(_msg.relation_oid);
        char op = _msg.type == pgoutput::msg::insert ? 'c' : _msg.type == pgoutput::msg::update ? 'u' : 'd';
        _pos.lsn = lsn;
        _pos.lsn_proc = lsn;
        _pos.message_type = op_message_type(op);
        _pos.txid = int64_t(_tx_xid);
        _pos.ts_usec = _tx_commit_time_us;
        if (_pos.previous_lsn == lsn) _pos.lsn_events++;
        else {
            _pos.lsn_events = 1;
            _pos.previous_lsn = lsn;
        }
        if (!ts) return; // not captured
        if ((op == 'c' && _s.skip_create) || (op == 'u' && _s.skip_update) || (op == 'd' && _s.skip_delete)) return;

        struct_ptr before, after, old_key, new_key;
        if (op == 'c') {
            row_of(*ts, _msg.new_tuple, after, &new_key, {});
        } else if (op == 'u') {
            if (_msg.old_kind) row_of(*ts, _msg.old_tuple, before, &old_key, {});
            row_of(*ts, _msg.new_tuple, after, &new_key, _msg.old_kind == 'O' ? _msg.old_tuple : std::span<const pgoutput::tuple_column>{});
            if (_s.skip_messages_without_change && before && *before == *after) return;
        } else {
            row_of(*ts, _msg.old_tuple, before, &old_key, {});
        }
        std::string tx_id;
        if (op == 'u' && old_key && new_key && !(*old_key == *new_key)) {
            // Primary key change: delete (old key) + tombstone + create (new key), with the keys in headers.
            auto del = change_record(*ts, 'd', before, nullptr, old_key);
            del.headers.add("__debezium.newkey", ts->key_schema, value(new_key));
            add_context_headers(del);
            push_with_tombstone(out, std::move(del));
            auto cre = change_record(*ts, 'c', nullptr, after, new_key);
            cre.headers.add("__debezium.oldkey", ts->key_schema, value(old_key));
            add_context_headers(cre);
            out.push_back(std::move(cre));
            return;
        }
        auto r = change_record(*ts, op, before, after, op == 'd' ? old_key : new_key);
        add_context_headers(r);
        if (op == 'd') push_with_tombstone(out, std::move(r));
        else out.push_back(std::move(r));
    }

    void push_with_tombstone(std::vector<source_record>& out, source_record del) {
        if (!_s.tombstones_on_delete) {
            out.push_back(std::move(del));
            return;
        }
        source_record t;
        t.topic = del.topic;
        t.key_schema = del.key_schema;
        t.key = del.key;
        t.source_partition = del.source_partition;
        t.source_offset = del.source_offset;
        t.headers = del.headers;
        out.push_back(std::move(del));
        out.push_back(std::move(t));
    }

    source_record change_record(const table_schema& ts, char op, struct_ptr before, struct_ptr after, struct_ptr key) {
        source_record r;
        r.topic = ts.topic;
        r.source_partition = _partition;
        if (ts.key_schema) {
            r.key_schema = ts.key_schema;
            if (key) r.key = value(std::move(key));
        }
        auto src = source_struct(ts.schema_name, ts.table_name, nullptr, _tx_commit_time_us);
        r.value_schema = ts.envelope_schema;
        r.val = envelope(ts, std::move(before), std::move(after), std::move(src), op);
        if (_s.provide_transaction_metadata) add_transaction_block(r, ts.id);
        r.source_offset = streaming_offset();
        return r;
    }

    void on_truncate(lsn_t lsn, std::vector<source_record>& out) {
        count_at(lsn);
        if (filtered_by_resume(lsn)) return;
        _pos.lsn = lsn;
        _pos.lsn_proc = lsn;
        _pos.message_type = "TRUNCATE";
        if (_s.skip_truncate) return;
        for (auto relid : _msg.relations) {
            const table_schema* ts = table_for(relid);
            if (!ts) continue;
            source_record r;
            r.topic = ts->topic;
            r.source_partition = _partition;
            auto src = source_struct(ts->schema_name, ts->table_name, nullptr, _tx_commit_time_us);
            r.value_schema = ts->envelope_schema;
            r.val = envelope(*ts, nullptr, nullptr, std::move(src), 't');
            if (_s.provide_transaction_metadata) add_transaction_block(r, ts->id);
            r.source_offset = streaming_offset();
            add_context_headers(r);
            out.push_back(std::move(r));
        }
    }

    void on_message(lsn_t lsn, std::vector<source_record>& out) {
        bool transactional = _msg.transactional && _in_tx;
        if (transactional) {
            count_at(lsn);
            if (filtered_by_resume(lsn)) return;
            _pos.lsn = lsn;
            _pos.lsn_proc = lsn;
            _pos.message_type = "MESSAGE";
        } else {
            if (_resume.active && lsn <= _resume.lsn_commit) return;
            _pos.lsn = lsn;
            _pos.lsn_proc = lsn;
            _pos.lsn_commit = lsn;
            _pos.txid.reset();
            _pos.message_type = "MESSAGE";
            _pos.lsn_events = 0;
        }
        if (!_filters->include_message(std::string(_msg.prefix))) {
            if (!transactional) maybe_heartbeat(out);
            return;
        }
        source_record r;
        r.topic = _message_topic;
        r.source_partition = _partition;
        auto key = make_struct(_schemas->message_key);
        key->put_unchecked(0, value(std::string(_msg.prefix)));
        r.key_schema = _schemas->message_key;
        r.key = value(std::move(key));
        auto block = make_struct(_schemas->message_block);
        block->put_unchecked(0, value(std::string(_msg.prefix)));
        std::string content(_msg.content);
        switch (_s.binary) {
        case binary_mode::bytes: block->put_unchecked(1, value::bytes(std::move(content))); break;
        case binary_mode::base64: block->put_unchecked(1, value(base64_encode(content))); break;
        case binary_mode::base64_url_safe: {
            auto b = base64_encode(content);
            for (auto& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
            block->put_unchecked(1, value(std::move(b)));
            break;
        }
        case binary_mode::hex: {
            static constexpr char d[] = "0123456789abcdef";
            std::string h;
            for (unsigned char c : content) {
                h += d[c >> 4];
                h += d[c & 15];
            }
            block->put_unchecked(1, value(std::move(h)));
            break;
        }
        }
        auto v = make_struct(_schemas->message_value);
        v->put_unchecked(0, value(std::string("m")));
        v->put_unchecked(1, value(now_ns() / 1000000));
        v->put_unchecked(2, value(source_struct("", "", nullptr, transactional ? std::optional<int64_t>(_tx_commit_time_us) : _pos.ts_usec)));
        v->put_unchecked(4, value(std::move(block)));
        r.value_schema = _schemas->message_value;
        r.val = value(std::move(v));
        if (_s.provide_transaction_metadata && transactional) add_transaction_block(r, "LOGICAL_DECODING_MESSAGE");
        r.source_offset = streaming_offset();
        out.push_back(std::move(r));
        if (!transactional) maybe_heartbeat(out);
    }

    // ---------------------------------------------------------------- records

    value source_struct(const std::string& schema, const std::string& table, const char* snapshot,
                        std::optional<int64_t> ts_us_opt) {
        auto s = make_struct(_schemas->source);
        int64_t ts_us = ts_us_opt.value_or(now_ns() / 1000);
        s->put_unchecked(0, value(std::string(FERRY_VERSION)));
        s->put_unchecked(1, value(std::string(connector_name)));
        s->put_unchecked(2, value(_s.topic_prefix));
        s->put_unchecked(3, value(ts_us / 1000 - (ts_us % 1000 < 0 ? 1 : 0)));
        if (snapshot) s->put_unchecked(4, value(std::string(snapshot)));
        s->put_unchecked(5, value(_s.dbname));
        // ["<lastCommitLsn>","<lsn>"] as Jackson writes a List<String> (null for a missing one)
        char seq[64];
        char* p = seq;
        *p++ = '[';
        auto put = [&](const std::optional<lsn_t>& l) {
            if (!l) {
                std::memcpy(p, "null", 4);
                p += 4;
                return;
            }
            *p++ = '"';
            p = std::to_chars(p, seq + sizeof seq, *l).ptr;
            *p++ = '"';
        };
        put(_pos.lsn_commit);
        *p++ = ',';
        put(_pos.lsn);
        *p++ = ']';
        s->put_unchecked(6, value(std::string(seq, size_t(p - seq))));
        s->put_unchecked(7, value(ts_us));
        s->put_unchecked(8, value(ts_us * 1000));
        s->put_unchecked(9, value(schema));
        s->put_unchecked(10, value(table));
        if (_pos.txid) s->put_unchecked(11, value(*_pos.txid));
        if (_pos.lsn) s->put_unchecked(12, value(int64_t(*_pos.lsn)));
        if (_pos.xmin) s->put_unchecked(13, value(*_pos.xmin));
        if (_origin_name && _in_tx) s->put_unchecked(14, value(*_origin_name));
        if (_origin_lsn && _in_tx) s->put_unchecked(15, value(int64_t(*_origin_lsn)));
        return value(std::move(s));
    }

    value envelope(const table_schema& ts, struct_ptr before, struct_ptr after, value source, char op) {
        auto e = make_struct(ts.envelope_schema);
        if (before) e->put_unchecked(0, value(std::move(before)));
        if (after) e->put_unchecked(1, value(std::move(after)));
        e->put_unchecked(2, std::move(source));
        e->put_unchecked(4, value(std::string(1, op)));
        int64_t ns = now_ns();
        e->put_unchecked(5, value(ns / 1000000));
        e->put_unchecked(6, value(ns / 1000));
        e->put_unchecked(7, value(ns));
        return value(std::move(e));
    }

    value streaming_offset() {
        value::map_type m;
        m.reserve(9);
        if (_pos.ts_usec) m.emplace_back(value("ts_usec"), value(*_pos.ts_usec));
        if (_pos.txid) m.emplace_back(value("txId"), value(*_pos.txid));
        if (_pos.lsn) m.emplace_back(value("lsn"), value(int64_t(*_pos.lsn)));
        if (_pos.xmin) m.emplace_back(value("xmin"), value(*_pos.xmin));
        if (_pos.lsn_proc) m.emplace_back(value("lsn_proc"), value(int64_t(*_pos.lsn_proc)));
        if (_pos.lsn_commit) m.emplace_back(value("lsn_commit"), value(int64_t(*_pos.lsn_commit)));
        if (!_pos.message_type.empty()) m.emplace_back(value("messageType"), value(_pos.message_type));
        if (_pos.lsn_events > 0) m.emplace_back(value("lsn_events_processed"), value(_pos.lsn_events));
        if (_s.provide_transaction_metadata && _in_tx) {
            m.emplace_back(value("transaction_id"), value(std::to_string(_tx_xid)));
            for (auto& [id, count] : _tx_collections)
                m.emplace_back(value("transaction_data_collection_order_" + id), value(count));
        }
        return value(std::move(m));
    }

    void add_context_headers(source_record& r) {
        if (!_s.extended_headers) return;
        r.headers.add("__debezium.context.connectorLogicalName", schemas::string(), value(_s.topic_prefix));
        r.headers.add("__debezium.context.taskId", schemas::string(), value(_s.task_id));
        r.headers.add("__debezium.context.connectorName", schemas::string(), value(std::string(connector_name)));
        r.headers.add("__debezium.context.runId", schemas::string(), value(_run_id));
    }

    void add_transaction_block(source_record& r, const std::string& collection) {
        _tx_total_order++;
        int64_t order = 0;
        bool found = false;
        for (auto& [id, count] : _tx_collections)
            if (id == collection) {
                order = ++count;
                found = true;
            }
        if (!found) {
            _tx_collections.emplace_back(collection, 1);
            order = 1;
        }
        auto b = make_struct(_schemas->transaction_block);
        b->put_unchecked(0, value(fmt::format("{}:{}", _tx_xid, _pos.lsn.value_or(0))));
        b->put_unchecked(1, value(_tx_total_order));
        b->put_unchecked(2, value(order));
        r.val.as_struct()->put_unchecked(3, value(std::move(b)));
    }

    void emit_tx_boundary(std::vector<source_record>& out, bool begin) {
        source_record r;
        r.topic = _tx_topic;
        r.source_partition = _partition;
        std::string id = fmt::format("{}:{}", _tx_xid, _pos.lsn.value_or(0));
        auto key = make_struct(_schemas->tx_key);
        key->put_unchecked(0, value(id));
        r.key_schema = _schemas->tx_key;
        r.key = value(std::move(key));
        auto v = make_struct(_schemas->tx_value);
        v->put_unchecked(0, value(std::string(begin ? "BEGIN" : "END")));
        v->put_unchecked(1, value(id));
        if (!begin) {
            v->put_unchecked(2, value(_tx_total_order));
            value::array_type cols;
            std::vector<std::string> names;
            for (auto& [name, _] : _tx_collections) names.push_back(name);
            for (auto idx : java_hashmap_order(names)) {
                auto& [name, count] = _tx_collections[idx];
                auto c = make_struct(_schemas->tx_collection);
                c->put_unchecked(0, value(name));
                c->put_unchecked(1, value(count));
                cols.push_back(value(std::move(c)));
            }
            v->put_unchecked(3, value(std::move(cols)));
        }
        v->put_unchecked(4, value(_tx_commit_time_us / 1000));
        r.value_schema = _schemas->tx_value;
        r.val = value(std::move(v));
        r.source_offset = streaming_offset();
        out.push_back(std::move(r));
    }

    void maybe_heartbeat(std::vector<source_record>& out) {
        if (_s.heartbeat_interval_ms <= 0) return;
        auto now = clock_type::now();
        if (now - _last_heartbeat < std::chrono::milliseconds(_s.heartbeat_interval_ms)) return;
        _last_heartbeat = now;
        if (!_s.heartbeat_action_query.empty()) {
            auto r = _meta.exec(_s.heartbeat_action_query);
            if (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK) {
                _log->warn("{} heartbeat.action.query failed: {}", _tag, r.get() ? r.error() : _meta.last_error());
                if (!_meta.alive()) {
                    try {
                        connect_metadata_retriable();
                    } catch (const std::exception& e) {
                        _log->warn("{} {}", _tag, e.what());
                    }
                }
            }
        }
        if (_pos.lsn) emit_heartbeat(out);
    }

    void emit_heartbeat(std::vector<source_record>& out) {
        source_record r;
        r.topic = _heartbeat_topic;
        r.kafka_partition = 0;
        r.source_partition = _partition;
        auto key = make_struct(_schemas->heartbeat_key);
        key->put_unchecked(0, value(_s.topic_prefix));
        r.key_schema = _schemas->heartbeat_key;
        r.key = value(std::move(key));
        auto v = make_struct(_schemas->heartbeat_value);
        v->put_unchecked(0, value(now_ns() / 1000000));
        r.value_schema = _schemas->heartbeat_value;
        r.val = value(std::move(v));
        r.source_offset = streaming_offset();
        out.push_back(std::move(r));
    }

    // Slot lag and the distance to max_slot_wal_keep_size, every 30 s.
    void maybe_check_slot() {
        auto now = clock_type::now();
        if (now - _last_slot_check < 30s) return;
        _last_slot_check = now;
        auto r = _meta.exec("SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint, coalesce(safe_wal_size, -1), "
                            "coalesce(wal_status, '') FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
                            {_s.slot_name});
        if (r.status() != PGRES_TUPLES_OK || r.rows() != 1) return;
        _slot_lag_bytes = r.is_null(0, 0) ? 0 : std::stoll(r.str(0, 0));
        int64_t safe = std::stoll(r.str(0, 1));
        auto status = r.str(0, 2);
        if (_max_slot_wal_keep_size > 0 && safe >= 0 && safe < _max_slot_wal_keep_size / 5)
            _log->warn("{} replication slot '{}' lags {} bytes behind the WAL; only {} bytes remain before "
                       "max_slot_wal_keep_size ({}) invalidates it (wal_status={})",
                       _tag, _s.slot_name, _slot_lag_bytes, safe, _max_slot_wal_keep_size, status);
        else if (status == "unreserved")
            _log->warn("{} replication slot '{}' is about to be invalidated (wal_status=unreserved, lag {} bytes)", _tag,
                       _s.slot_name, _slot_lag_bytes);
        _log->debug("{} slot lag {} bytes, confirmed {}", _tag, _slot_lag_bytes, format_lsn(_stream ? _stream->confirmed() : 0));
    }

    template <class D>
    void wait(D d) {
        std::unique_lock l(_mu);
        _cv.wait_for(l, d, [&] { return _stopping.load(); });
    }

    settings _s;
    log::logger_ptr _log;
    std::string _tag;
    std::string _run_id;
    std::unique_ptr<type_registry> _types;
    std::unique_ptr<value_mapper> _mapper;
    std::unique_ptr<filters> _filters;
    std::unique_ptr<schema_namer> _namer;
    std::unique_ptr<common_schemas> _schemas;
    shared_value _partition;
    std::string _heartbeat_topic, _tx_topic, _message_topic;

    pg_conn _meta, _snap, _repl;
    std::unique_ptr<replication_stream> _stream;
    int _server_version = 0;
    int64_t _max_slot_wal_keep_size = -1;
    lsn_t _consistent_point = 0, _slot_confirmed = 0;
    bool _slot_created = false;

    phase _phase = phase::idle;
    position _pos;
    resume_filter _resume;
    std::optional<std::string> _tx_id_offset;
    std::unordered_map<uint32_t, std::shared_ptr<table_schema>> _tables;

    // snapshot
    std::vector<snapshot_table> _snapshot_tables;
    size_t _table_index = 0;
    bool _copy_active = false;
    int64_t _table_rows = 0, _snapshot_rows = 0, _snapshot_estimate = 0, _tables_done = 0;
    int64_t _table_ts_us = 0;
    clock_type::time_point _table_started, _snapshot_start, _last_progress_log;
    // The last snapshot record built (see snapshot_fill): none, open (its marker depends on the
    // next row) or decided (it can still become the snapshot's "last").
    enum class held_state { none, open, decided };
    held_state _held = held_state::none;
    bool _held_first_in_table = false;
    size_t _held_table_index = 0;
    std::optional<source_record> _held_carry; // the held record between two batches
    bool _snapshot_done = false;
    value _snap_source;
    shared_value _snap_offset; // shared by every snapshot record but the last
    std::vector<std::optional<std::string_view>> _fields;
    // Snapshot rows written in the runtime's JsonConverter bytes (null: built as Connect records).
    std::unique_ptr<snapshot_encoder> _encoder;
    bool _encode_table = false; // the current table's rows are encoded
    encoder_values _encoder_values;
    size_t _held_source_at = 0; // where the held record's source block starts, when encoded
    value _held_source;         // and the source struct it renders
    int64_t _encoder_clock_ns = 0;
    int _encoder_clock_left = 0;
    std::vector<copy_span> _spans;
    std::string _scratch;
    std::thread _snap_thread; // the reader
    PGcancel* _snap_cancel = nullptr;
    std::mutex _sq_mu;
    std::condition_variable _sq_not_empty, _sq_not_full;
    std::deque<std::vector<source_record>> _sq; // batches from the reader, at most _sq_max
    std::vector<std::vector<source_record>> _sq_spare; // emptied batch buffers, back to the reader
    size_t _sq_max = 2, _sq_batch = 2048;
    bool _sq_done = false;
    std::exception_ptr _sq_error;

    // streaming
    pgoutput::decoder _decoder;
    pgoutput::message _msg;
    std::vector<frame> _frames;
    bool _in_tx = false, _skip_tx = false, _filter_tx = false;
    uint32_t _tx_xid = 0;
    int64_t _tx_commit_time_us = 0;
    int64_t _tx_total_order = 0;
    std::vector<std::pair<std::string, int64_t>> _tx_collections;
    std::optional<std::string> _origin_name;
    std::optional<lsn_t> _origin_lsn;
    lsn_t _lsn_count_lsn = 0;
    int64_t _lsn_count = 0;
    clock_type::time_point _last_heartbeat, _last_slot_check, _next_reconnect;
    int _failures = 0;
    int64_t _slot_lag_bytes = 0;

    std::mutex _mu;
    std::condition_variable _cv;
    std::atomic<bool> _stopping{false};
};

std::unique_ptr<source_task> make_task() { return std::make_unique<postgres_task>(); }

} // namespace ferry::plugins::postgres_cdc
