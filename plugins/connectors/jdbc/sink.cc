// JdbcSinkConnector / JdbcSinkTask: Confluent's record validation, fields metadata (pk.mode,
// pk.fields, fields.whitelist), auto.create/auto.evolve and buffering (spec jdbc-connectors.md
// section 2), writing through the dialect sessions' bulk paths. Errors: transient database errors
// are retried max.retries times through retriable_error + context.timeout(retry.backoff.ms);
// records the table rejects go to the errant record reporter (DLQ) when there is one, and
// otherwise fail the task with the table and the database's message (which names the column).

#include "base/log.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "plugins/connectors/jdbc/dialect.hpp"
#include "plugins/connectors/jdbc/jdbc.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

namespace ferry::plugins::jdbc {

namespace {

const char* const kafka_pk_names[3] = {"__connect_topic", "__connect_partition", "__connect_offset"};

std::string pk_mode_name(pk_mode m) {
    switch (m) {
    case pk_mode::none: return "NONE";
    case pk_mode::kafka: return "KAFKA";
    case pk_mode::record_key: return "RECORD_KEY";
    case pk_mode::record_value: return "RECORD_VALUE";
    }
    return "NONE";
}

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower((unsigned char)c));
    return s;
}

// A DDL problem (table missing without auto.create, columns missing without auto.evolve ...):
// Confluent's TableAlterOrCreateException.
class table_alter_error : public connect_error {
public:
    using connect_error::connect_error;
};

// A record the connector cannot write whatever the database says (tombstone without
// delete.enabled, missing key ...). Reported per record when a reporter exists.
class record_error : public connect_error {
public:
    using connect_error::connect_error;
};

std::atomic<uint64_t> next_plan_id{1};

std::string value_kind_or_null(const value& v) {
    switch (v.type()) {
    case value::kind::null: return "null";
    case value::kind::struct_: return "Struct";
    case value::kind::string: return "String";
    default: return std::string(kind_name(v.type()));
    }
}

std::string field_desc(const sink_column& c) {
    return fmt::format("SinkRecordField{{schema={}, name='{}', isPrimaryKey={}}}", c.schema->to_string(), c.name,
                       c.key ? "true" : "false");
}

class jdbc_sink_connector : public sink_connector {
public:
    std::string version() const override { return FERRY_VERSION; }
    std::string task_class() const override { return sink_task_class; }
    const config::config_def& config() const override { return sink_config_def(); }
    std::vector<config::config_validation> validate(const config_map& props) const override {
        auto out = sink_config_def().validate(props);
        auto get = [&](const char* k, const char* def) {
            auto it = props.find(k);
            return lower(it == props.end() ? std::string(def) : it->second);
        };
        auto add = [&](const std::string& key, const std::string& msg) {
            for (auto& v : out)
                if (v.name == key) v.errors.push_back(msg);
        };
        if (get("delete.enabled", "false") == "true" && get("pk.mode", "none") != "record_key")
            add("delete.enabled", "Deletes are only supported for pk.mode record_key");
        auto im = get("insert.mode", "insert");
        if ((im == "upsert" || im == "update") && get("pk.mode", "none") == "none")
            add("pk.mode", fmt::format("Primary key mode must not be 'none' when insert.mode is '{}'", im));
        if (auto it = props.find("connection.url"); it != props.end()) {
            try {
                parse_jdbc_url(it->second);
            } catch (const std::exception& e) {
                add("connection.url", e.what());
            }
        }
        return out;
    }
    void start(const config_map& props) override {
        parse_sink_settings(props); // config errors fail the connector, as JdbcSinkConfig's constructor does
        parse_jdbc_url(props.at("connection.url"));
        _props = props;
    }
    std::vector<config_map> task_configs(int max_tasks) override { return std::vector<config_map>(size_t(max_tasks), _props); }
    void stop() override {}
    std::optional<bool> alter_offsets(const config_map&, const std::map<topic_partition, std::optional<int64_t>>&) override {
        return true;
    }

private:
    config_map _props;
};

// The background writer of a sink task whose session can defer writes (PostgreSQL: binary COPY
// data; MariaDB/MySQL: bound multi-row statements; SQLite writes synchronously, in process). put()
// encodes its batch on the task thread and hands the result here as one job: the job's writes run
// and commit as one transaction on the writer thread while the runtime polls and converts the
// next batch. One job at a time (the bounded queue has one slot): put() waits for the previous job
// before it touches the session, and flush()/pre_commit() wait for it, so offsets are committed
// only for rows the database has committed. A job that fails is not retried here: it keeps copies of its records, and the task
// writes them again through the synchronous path (with its retries and error reporting) before
// anything else.
class background_writer {
public:
    struct job {
        session* s = nullptr;
        std::vector<std::unique_ptr<encoded_write>> writes;
        std::vector<sink_record> records; // the put() batch, for a synchronous replay
        std::string error;                // empty when the transaction committed
    };

    ~background_writer() {
        {
            std::lock_guard g(_mu);
            _quit = true;
        }
        _cv.notify_all();
        if (_thread.joinable()) _thread.join();
    }

    bool busy() {
        std::lock_guard g(_mu);
        return _job.has_value();
    }
    bool finished() {
        std::lock_guard g(_mu);
        return _job && _done;
    }
    void submit(job j) {
        std::unique_lock l(_mu);
        assert(!_job);
        _job = std::move(j);
        _done = false;
        if (!_thread.joinable()) _thread = std::thread([this] { loop(); });
        l.unlock();
        _cv.notify_all();
    }
    // Waits for the job in flight, if any, and takes it back.
    std::optional<job> wait() {
        std::unique_lock l(_mu);
        _cv.wait(l, [&] { return !_job || _done; });
        std::optional<job> out = std::move(_job);
        _job.reset();
        return out;
    }

private:
    void loop() {
        std::unique_lock l(_mu);
        for (;;) {
            _cv.wait(l, [&] { return _quit || (_job && !_done); });
            if (_quit) return;
            auto& j = *_job;
            l.unlock();
            try {
                for (auto& w : j.writes) j.s->run(*w);
                j.s->commit();
            } catch (const std::exception& e) {
                j.error = e.what();
                try {
                    j.s->rollback();
                } catch (const std::exception& e2) {
                    j.error += fmt::format(" (and the rollback failed: {})", e2.what());
                }
            }
            j.writes.clear();
            l.lock();
            _done = true;
            _cv.notify_all();
        }
    }

    std::mutex _mu;
    std::condition_variable _cv;
    std::optional<job> _job;
    bool _done = false, _quit = false;
    std::thread _thread;
};

// One destination table: the current schemas, the plan derived from them, and the records waiting
// to be written (pointers into the batch being put; never kept across put() calls).
struct table_buffer {
    table_id table;
    schema_ptr key_schema, value_schema;
    bool have_schemas = false;
    std::shared_ptr<write_plan> plan;
    std::shared_ptr<const table_definition> def;
    std::vector<const sink_record*> records;
    bool deletes_in_batch = false;
};

class jdbc_sink_task : public sink_task {
public:
    std::string version() const override { return FERRY_VERSION; }

    void start(const config_map& props) override {
        _log = log::get("connector.jdbc");
        _s = parse_sink_settings(props);
        _tag = _s.conn.connector_name;
        _url = parse_jdbc_url(_s.conn.url);
        _dialect = make_dialect(_s.conn, _url);
        _dialect->set_quoting(_s.quote);
        _remaining_retries = _s.max_retries;
        _log->info("[{}] Starting JDBC Sink task ({} dialect, {} {})", _tag, _dialect->name(), sanitize_url(_s.conn.url),
                   _s.insert == insert_mode::upsert ? "upsert" : _s.insert == insert_mode::update ? "update" : "insert");
    }

    void put(const std::vector<sink_record>& records) override {
        // An empty put() comes after every poll: it must not wait for the writer, only collect
        // a finished job (so a failed one is written again promptly).
        if (records.empty() && _writer.busy() && !_writer.finished()) return;
        settle();
        if (!_replay.empty()) {
            _batch.clear();
            for (auto& r : _replay) _batch.push_back(&r);
            deliver(false); // throws as put() always did; the runtime then redelivers `records` too
            _replay.clear();
        }
        if (records.empty()) return;
        _batch.clear();
        for (auto& r : records) _batch.push_back(&r);
        // With an errant record reporter every failed record must be reported while its batch is
        // the runtime's current one (the DLQ sends its original bytes): write synchronously.
        deliver(context().errant_reporter() == nullptr);
    }

    // Committed offsets must not run ahead of the database: wait for the writer, and skip this
    // commit while a failed job's records still wait to be written again.
    void flush(const offset_map& current) override {
        (void)current;
        settle();
    }
    offset_map pre_commit(const offset_map& current) override {
        settle();
        if (!_replay.empty()) return {};
        return current;
    }
    void close(const std::vector<topic_partition>& partitions) override {
        settle();
        // Records of revoked partitions are not ours to write any more; their offsets were not
        // committed (pre_commit skipped), so the partitions' next owner reads them again.
        std::erase_if(_replay, [&](const sink_record& r) {
            return std::find(partitions.begin(), partitions.end(),
                             topic_partition{r.original_topic, r.original_partition}) != partitions.end();
        });
    }

private:
    // Takes back the writer's job; a failed one leaves its records in _replay.
    void settle() {
        auto j = _writer.wait();
        drop_retired_plans();
        if (!j || j->error.empty()) return;
        _log->warn("[{}] Background write of {} records failed; writing them again: {}", _tag, j->records.size(), j->error);
        _replay = std::move(j->records);
        if (_session && !_session->is_valid()) {
            _session_for_cancel = nullptr;
            _session.reset();
        }
    }

    void drop_retired_plans() {
        if (_session)
            for (auto id : _retired_plans) _session->drop_plan(id);
        _retired_plans.clear();
    }

    // Writes _batch with put()'s error handling; `async`: hand the encoded writes to the writer
    // when the session can defer them.
    void deliver(bool async) {
        try {
            write(_batch, async);
        } catch (const db_error& e) {
            if (e.what_kind() == db_error::kind::auth) throw connect_error(e.what()); // waiting will not help
            if (e.what_kind() == db_error::kind::data) {
                if (auto* rep = context().errant_reporter()) return unroll(rep);
                throw data_error(e.what());
            }
            if (_remaining_retries > 0) {
                _log->warn("[{}] Write of {} records failed, remainingRetries={}: {}", _tag, _batch.size(),
                           _remaining_retries, e.what());
                _session.reset(); // reconnect for the next attempt
                _plans_valid = false;
                _remaining_retries--;
                context().timeout(_s.retry_backoff_ms);
                throw retriable_error(e.what());
            }
            if (auto* rep = context().errant_reporter()) return unroll(rep);
            _log->error("[{}] Failing task after exhausting retries: {}", _tag, e.what());
            throw connect_error(e.what());
        } catch (const table_alter_error& e) {
            if (auto* rep = context().errant_reporter()) return unroll(rep);
            _log->error("[{}] {}", _tag, e.what());
            throw;
        } catch (const record_error& e) {
            if (auto* rep = context().errant_reporter()) return unroll(rep);
            throw;
        }
        _remaining_retries = _s.max_retries;
    }

public:
    void stop() override {
        _waiter.stop();
        if (auto* s = _session_for_cancel.load()) s->cancel();
    }

    ~jdbc_sink_task() override {
        _writer.wait(); // stop() cancelled its statement, if any
        _session_for_cancel = nullptr;
        if (_session) {
            try {
                _session->rollback();
            } catch (const std::exception&) {
                // closing anyway
            }
        }
    }

private:
    // Writes one batch in one transaction (DDL commits on its own, as Confluent's does). With
    // `async` and a session that can defer writes, the transaction runs on the writer thread.
    void write(std::span<const sink_record* const> batch, bool async = false) {
        assert(!_writer.busy());
        if (!_session || !_session->is_valid()) {
            _session_for_cancel = nullptr;
            _session.reset();
            try {
                // Between attempts wait connection.backoff.ms, as Confluent's connection provider does: a
                // database that is down uses up the task's retries in minutes, not seconds.
                _session = connect_with_retries(*_dialect, _s.conn, _url, [this](int64_t ms) { return _waiter.wait_ms(ms); });
            } catch (const db_error& e) {
                if (e.what_kind() == db_error::kind::data) throw db_error(db_error::kind::other, e.what());
                throw;
            }
            _session_for_cancel = _session.get();
            _plans_valid = false; // staging tables and statements belong to the old session
            _default_schema = _session->default_schema();
            _dest_cache.clear(); // destinations are qualified with the session's default schema
            _last_dest = nullptr;
            _default_catalog = _session->default_catalog();
            _log->info("[{}] JdbcDbWriter Connected to {}", _tag, _session->describe());
        }
        if (!_plans_valid) {
            for (auto& [t, b] : _buffers) {
                if (b.plan) _session->drop_plan(b.plan->id);
                b.plan.reset();
                b.have_schemas = false;
            }
            _defs.clear();
            _plans_valid = true;
        }
        _order.clear();
        try {
            // Set before the records are added: add() flushes a table's buffer when it reaches
            // batch.size or its schemas change, and those writes are deferred too (written on the
            // task thread, every full batch made it wait for the database).
            _async = async;
            for (auto* r : batch) {
                auto& b = buffer_for(r->topic);
                if (std::find(_order.begin(), _order.end(), &b) == _order.end()) _order.push_back(&b);
                add(b, *r);
            }
            for (auto* b : _order) flush(*b);
            _async = false;
            if (!_encoded.empty()) {
                background_writer::job j;
                j.s = _session.get();
                j.writes = std::move(_encoded);
                _encoded.clear();
                j.records.reserve(batch.size());
                for (auto* r : batch) j.records.push_back(*r);
                _writer.submit(std::move(j));
            } else {
                _session->commit();
            }
        } catch (...) {
            _async = false;
            _encoded.clear();
            drop_retired_plans();
            for (auto* b : _order) b->records.clear();
            try {
                if (_session) _session->rollback();
            } catch (const std::exception&) {
                _session.reset();
            }
            throw;
        }
    }

    // Writes records one by one, each in its own transaction, and reports those the database
    // rejects (Confluent's unrollAndRetry).
    void unroll(errant_record_reporter* rep) {
        _log->warn("[{}] Retrying write operation for {} records one by one.", _tag, _batch.size());
        for (auto* r : _batch) {
            const sink_record* one[1] = {r};
            try {
                write(std::span<const sink_record* const>(one, 1));
            } catch (const db_error& e) {
                if (e.retriable()) throw retriable_error(e.what());
                rep->report(*r, record_message(*r, e.what()));
            } catch (const table_alter_error& e) {
                rep->report(*r, record_message(*r, e.what()));
            } catch (const record_error& e) {
                rep->report(*r, e.what());
            }
        }
        _remaining_retries = _s.max_retries;
    }

    std::string record_message(const sink_record& r, const std::string& msg) {
        return fmt::format("Failed to write record (topic={}, partition={}, offset={}) to table {}: {}", r.topic,
                           r.kafka_partition.value_or(-1), r.offset, _dialect->table(destination(r.topic)), msg);
    }

    table_id destination(const std::string& topic) {
        std::string name = _s.table_name_format;
        for (size_t p; (p = name.find("${topic}")) != std::string::npos;) name.replace(p, 8, topic);
        if (name.empty())
            throw connect_error(fmt::format("Destination table name for topic '{}' is empty using the format string '{}'",
                                            topic, _s.table_name_format));
        auto t = _dialect->parse_table(name);
        if (!t.schema && _default_schema) t.schema = _default_schema;
        if (!t.catalog && _default_catalog) t.catalog = _default_catalog;
        return t;
    }

    // The buffer of a topic's destination table, remembered per topic (the table name is
    // formatted and parsed once, not for every record).
    table_buffer& buffer_for(const std::string& topic) {
        if (_last_dest && topic == _last_dest_topic) return *_last_dest;
        table_buffer* b;
        if (auto it = _dest_cache.find(topic); it != _dest_cache.end()) {
            b = it->second;
        } else {
            auto t = destination(topic);
            auto bit = _buffers.find(t);
            if (bit == _buffers.end()) {
                bit = _buffers.emplace(t, table_buffer{}).first;
                bit->second.table = t;
            }
            b = &bit->second;
            _dest_cache.emplace(topic, b);
        }
        _last_dest_topic = topic;
        _last_dest = b;
        return *b;
    }

    void validate(const sink_record& r) {
        bool need_key = _s.pk == pk_mode::record_key || _s.delete_enabled;
        bool need_value = (_s.pk == pk_mode::record_value || _s.pk == pk_mode::none) || !_s.delete_enabled;
        auto where = [&] {
            return fmt::format("(topic='{}',partition={},offset={},timestamp={})", r.topic, r.kafka_partition.value_or(-1),
                               r.offset, r.timestamp ? std::to_string(*r.timestamp) : "null");
        };
        if (need_key) {
            bool ok = !r.key.is_null() && r.key_schema &&
                      (r.key_schema->type() == schema_type::struct_ || is_primitive(r.key_schema->type()));
            if (!ok)
                throw record_error(fmt::format(
                    "Sink connector '{}' is configured with 'delete.enabled={}' and 'pk.mode={}' and therefore requires "
                    "records with a non-null key and non-null Struct or primitive key schema, but found record at {} "
                    "with a {} key and {} key schema.",
                    _tag, _s.delete_enabled, lower(pk_mode_name(_s.pk)), where(), value_kind_or_null(r.key),
                    r.key_schema ? std::string(type_name(r.key_schema->type())) : "null"));
        }
        if (need_value && !(r.val.is_null() && _s.delete_enabled)) {
            bool ok = !r.val.is_null() && r.value_schema &&
                      (r.value_schema->type() == schema_type::struct_ || r.value_schema->type() == schema_type::string);
            if (!ok)
                throw record_error(fmt::format(
                    "Sink connector '{}' is configured with 'delete.enabled={}' and 'pk.mode={}' and therefore requires "
                    "records with a non-null Struct or String value and non-null Struct or String schema, but found "
                    "record at {} with a {} value and {} value schema.",
                    _tag, _s.delete_enabled, lower(pk_mode_name(_s.pk)), where(), value_kind_or_null(r.val),
                    r.value_schema ? std::string(type_name(r.value_schema->type())) : "null"));
        }
    }

    void add(table_buffer& b, const sink_record& r) {
        validate(r);
        bool changed = false;
        if (!b.have_schemas || !schema_equals(b.key_schema, r.key_schema)) {
            b.key_schema = r.key_schema;
            changed = true;
        }
        if (r.val.is_null() || !r.value_schema) {
            if (_s.delete_enabled) b.deletes_in_batch = true;
        } else if (b.have_schemas && b.value_schema && schema_equals(b.value_schema, r.value_schema)) {
            if (_s.delete_enabled && b.deletes_in_batch) flush(b); // an insert after a delete must not overtake it
        } else {
            b.value_schema = r.value_schema;
            changed = true;
        }
        if (changed || !b.plan) {
            flush(b);
            b.have_schemas = true;
            build_plan(b, r);
        }
        if (r.val.is_null() && _s.delete_enabled) b.deletes_in_batch = true;
        b.records.push_back(&r);
        if (b.records.size() >= size_t(std::max(1, _s.batch_size))) flush(b);
    }

    void flush(table_buffer& b) {
        if (b.records.empty()) return;
        // Non-deletes first, then deletes, as Confluent executes its two JDBC batches.
        _ups.clear();
        _dels.clear();
        for (auto* r : b.records) (r->val.is_null() ? _dels : _ups).push_back(r);
        auto op = _s.insert == insert_mode::upsert ? write_op::upsert
                  : _s.insert == insert_mode::update ? write_op::update
                                                     : write_op::insert;
        try {
            bool deferred = false;
            if (_async) {
                // Encoded now, written by the writer thread in the same order.
                std::unique_ptr<encoded_write> ups, dels;
                if (!_ups.empty()) ups = _session->encode(*b.plan, op, _ups);
                if (!_dels.empty()) dels = _session->encode(*b.plan, write_op::remove, _dels);
                deferred = (_ups.empty() || ups) && (_dels.empty() || dels);
                if (deferred) {
                    if (ups) _encoded.push_back(std::move(ups));
                    if (dels) _encoded.push_back(std::move(dels));
                } else {
                    _async = false; // this session writes directly
                }
            }
            if (!deferred) {
                if (!_ups.empty()) _session->write(*b.plan, op, _ups);
                if (!_dels.empty()) _session->write(*b.plan, write_op::remove, _dels);
            }
        } catch (const db_error& e) {
            b.records.clear();
            b.deletes_in_batch = false;
            throw db_error(e.what_kind(),
                           fmt::format("Failed to write {} records to table {}: {}", _ups.size() + _dels.size(),
                                       b.plan->table_ref, e.what()),
                           e.sqlstate());
        }
        b.records.clear();
        b.deletes_in_batch = false;
    }

    // FieldsMetadata.extract + DbStructure.createOrAmendIfNecessary + the write plan.
    void build_plan(table_buffer& b, const sink_record& r) {
        auto& ks = b.key_schema;
        auto& vs = r.val.is_null() ? b.value_schema : r.value_schema;
        auto tname = b.table.table;
        if (vs && vs->type() != schema_type::struct_ && vs->type() != schema_type::string)
            throw record_error("Value schema must be of type Struct or String");
        bool string_value = vs && vs->type() == schema_type::string;
        auto plan = std::make_shared<write_plan>();
        plan->id = next_plan_id++;
        plan->table = b.table;
        plan->table_ref = _dialect->table(b.table);
        plan->mode = _s.insert;
        plan->replace_null_with_default = _s.replace_null_with_default;
        plan->timestamp_nanos = _s.timestamp_nanos;
        plan->zone = _s.conn.zone.get();
        plan->date_zone = _s.date_zone.get();
        std::set<std::string> ts_fields(_s.timestamp_fields.begin(), _s.timestamp_fields.end());
        std::vector<std::string> key_names;
        auto key_col = [&](std::string name, schema_ptr s, sink_column::source from, int idx) {
            sink_column c;
            c.name = std::move(name);
            c.schema = std::move(s);
            c.from = from;
            c.field_index = idx;
            c.key = true;
            plan->keys.push_back(std::move(c));
        };
        switch (_s.pk) {
        case pk_mode::none: break;
        case pk_mode::kafka: {
            std::vector<std::string> names = _s.pk_fields;
            if (names.empty()) names = {kafka_pk_names[0], kafka_pk_names[1], kafka_pk_names[2]};
            else if (names.size() != 3)
                throw record_error(fmt::format("PK mode for table '{}' is KAFKA so there should either be no field names "
                                               "defined for defaults [__connect_topic, __connect_partition, "
                                               "__connect_offset] to be applicable, or exactly 3, defined fields are: [{}]",
                                               tname, fmt::join(names, ", ")));
            key_col(names[0], schemas::string(), sink_column::source::kafka_topic, -1);
            key_col(names[1], schemas::int32(), sink_column::source::kafka_partition, -1);
            key_col(names[2], schemas::int64(), sink_column::source::kafka_offset, -1);
            break;
        }
        case pk_mode::record_key: {
            if (!ks)
                throw record_error(fmt::format("PK mode for table '{}' is RECORD_KEY, but record key schema is missing", tname));
            if (is_primitive(ks->type())) {
                if (_s.pk_fields.size() != 1)
                    throw record_error(fmt::format("Need exactly one PK column defined since the key schema for records is "
                                                   "a primitive type, defined columns are: [{}]",
                                                   fmt::join(_s.pk_fields, ", ")));
                key_col(_s.pk_fields[0], ks, sink_column::source::key, -1);
            } else if (ks->type() == schema_type::struct_) {
                if (_s.pk_fields.empty()) {
                    for (auto& f : ks->fields()) key_col(f.name, f.schema, sink_column::source::key_field, f.index);
                } else {
                    for (auto& n : _s.pk_fields)
                        if (!ks->find_field(n))
                            throw record_error(fmt::format("PK mode for table '{}' is RECORD_KEY with configured PK fields "
                                                           "[{}], but record key schema does not contain field: {}",
                                                           tname, fmt::join(_s.pk_fields, ", "), n));
                    for (auto& n : _s.pk_fields) {
                        auto* f = ks->find_field(n);
                        key_col(f->name, f->schema, sink_column::source::key_field, f->index);
                    }
                }
            } else {
                throw record_error(fmt::format("Key schema must be primitive type or Struct, but is of type: {}",
                                               type_name(ks->type())));
            }
            break;
        }
        case pk_mode::record_value: {
            if (string_value) throw record_error("pk.mode record_value is not supported with String value schemas");
            if (!vs)
                throw record_error(fmt::format("PK mode for table '{}' is RECORD_VALUE, but record value schema is missing", tname));
            if (_s.pk_fields.empty()) {
                for (auto& f : vs->fields()) key_col(f.name, f.schema, sink_column::source::value_field, f.index);
            } else {
                for (auto& n : _s.pk_fields)
                    if (!vs->find_field(n))
                        throw record_error(fmt::format("PK mode for table '{}' is RECORD_VALUE with configured PK fields "
                                                       "[{}], but record value schema does not contain field: {}",
                                                       tname, fmt::join(_s.pk_fields, ", "), n));
                for (auto& n : _s.pk_fields) {
                    auto* f = vs->find_field(n);
                    key_col(f->name, f->schema, sink_column::source::value_field, f->index);
                }
            }
            break;
        }
        }
        auto is_key = [&](const std::string& n) {
            for (auto& k : plan->keys)
                if (k.name == n) return true;
            return false;
        };
        if (string_value) {
            if (is_key(_s.string_value_column))
                throw record_error(fmt::format("Configured string.output.value.column.name '{}' conflicts with a primary "
                                               "key column for table '{}'",
                                               _s.string_value_column, tname));
            sink_column c;
            c.name = _s.string_value_column;
            c.schema = schemas::optional_string();
            c.from = sink_column::source::value;
            plan->values.push_back(std::move(c));
        } else if (vs) {
            std::set<std::string> whitelist(_s.fields_whitelist.begin(), _s.fields_whitelist.end());
            for (auto& f : vs->fields()) {
                if (is_key(f.name)) continue;
                if (!whitelist.empty() && !whitelist.count(f.name)) continue;
                sink_column c;
                c.name = f.name;
                c.schema = f.schema;
                c.from = sink_column::source::value_field;
                c.field_index = f.index;
                plan->values.push_back(std::move(c));
            }
        }
        for (auto* group : {&plan->keys, &plan->values})
            for (auto& c : *group) c.timestamp_field = ts_fields.count(c.name) > 0;
        if (plan->keys.empty() && plan->values.empty())
            throw record_error(fmt::format("No fields found using key and value schemas for table: {}", tname));
        // Every column must have an SQL type (STRUCT/MAP fail here, with Confluent's message).
        for (auto* group : {&plan->keys, &plan->values})
            for (auto& c : *group) _dialect->sql_type(*c.schema, c.timestamp_field, c.key);
        if (_s.insert == insert_mode::upsert && plan->keys.empty())
            throw record_error(fmt::format("Write to table '{}' in UPSERT mode requires key field names to be known, "
                                           "check the primary key configuration",
                                           plan->table_ref));
        if (_s.delete_enabled && plan->keys.empty()) throw record_error("Require primary keys to support delete");

        // CREATE TABLE order: kafka pk columns, then value fields in schema order, then the rest
        // sorted by name (FieldsMetadata's allFieldsOrdered).
        std::vector<const sink_column*> ordered;
        std::set<const sink_column*> placed;
        if (_s.pk == pk_mode::kafka)
            for (auto& k : plan->keys) ordered.push_back(&k), placed.insert(&k);
        if (vs && !string_value)
            for (auto& f : vs->fields())
                for (auto* group : {&plan->keys, &plan->values})
                    for (auto& c : *group)
                        if (c.name == f.name && !placed.count(&c) &&
                            (c.from == sink_column::source::value_field || c.from == sink_column::source::key_field ||
                             c.from == sink_column::source::key))
                            ordered.push_back(&c), placed.insert(&c);
        std::vector<const sink_column*> rest;
        for (auto* group : {&plan->keys, &plan->values})
            for (auto& c : *group)
                if (!placed.count(&c)) rest.push_back(&c);
        std::sort(rest.begin(), rest.end(), [](auto* a, auto* c) { return a->name < c->name; });
        ordered.insert(ordered.end(), rest.begin(), rest.end());

        auto def = table_definition_for(b.table);
        if (!def) {
            if (!_s.auto_create)
                throw table_alter_error(fmt::format("Table {} is missing and auto-creation is disabled", plan->table_ref));
            auto sql = _dialect->create_table(b.table, ordered);
            _log->info("[{}] Creating table with sql: {}", _tag, sql);
            try {
                _session->execute(sql);
                _session->commit();
            } catch (const db_error& e) {
                _session->rollback();
                _log->warn("[{}] Create failed, will attempt amend if table already exists: {}", _tag, e.what());
                _defs.erase(b.table);
                if (!table_definition_for(b.table)) throw;
            }
            _defs.erase(b.table);
            def = table_definition_for(b.table);
            if (!def) throw table_alter_error(fmt::format("Table {} was created but cannot be found", plan->table_ref));
        }
        amend(b.table, *plan, ordered, def);
        def = table_definition_for(b.table);
        for (auto* group : {&plan->keys, &plan->values})
            for (auto& c : *group) {
                c.db = def->find(c.name);
                if (!c.db)
                    for (auto& dc : def->columns)
                        if (lower(dc.name) == lower(c.name)) c.db = &dc;
            }
        plan->copy_target = def->copy_as_insert;
        if (b.plan) _retired_plans.push_back(b.plan->id); // encoded writes of this batch may still use it
        if (!_async) drop_retired_plans();
        b.plan = std::move(plan);
        b.def = def;
    }

    std::shared_ptr<const table_definition> table_definition_for(const table_id& t) {
        auto it = _defs.find(t);
        if (it != _defs.end()) return it->second;
        auto d = _session->describe_table(t);
        if (!d) return nullptr;
        auto p = std::make_shared<const table_definition>(std::move(*d));
        _defs[t] = p;
        return p;
    }

    void amend(const table_id& t, const write_plan& plan, const std::vector<const sink_column*>& ordered,
               std::shared_ptr<const table_definition> def, int retries_left = -1) {
        if (retries_left < 0) retries_left = _s.max_retries;
        std::set<std::string> names, lowers;
        for (auto& c : def->columns) {
            names.insert(c.name);
            lowers.insert(lower(c.name));
        }
        std::vector<const sink_column*> missing;
        for (auto* c : ordered)
            if (!names.count(c->name) && !lowers.count(lower(c->name))) missing.push_back(c);
        if (missing.empty()) return;
        std::vector<std::string> desc;
        for (auto* c : missing) desc.push_back(field_desc(*c));
        auto kind = def->type == table_type::view ? "View" : "Table";
        if (def->type == table_type::view)
            throw table_alter_error(fmt::format("View {} is missing fields ([{}]) and ALTER VIEW is unsupported",
                                                plan.table_ref, fmt::join(desc, ", ")));
        for (auto* c : missing)
            if (!(!c->key && c->schema->optional()) && !c->schema->default_value())
                throw table_alter_error(fmt::format("Cannot ALTER TABLE {} to add missing field {}, as the field is not "
                                                    "optional and does not have a default value",
                                                    plan.table_ref, field_desc(*c)));
        if (!_s.auto_evolve)
            throw table_alter_error(fmt::format("{} {} is missing fields ([{}]) and auto-evolution is disabled", kind,
                                                plan.table_ref, fmt::join(desc, ", ")));
        auto sqls = _dialect->alter_table(t, missing);
        _log->info("[{}] Amending TABLE to add missing fields:[{}] maxRetries:{} with SQL: [{}]", _tag,
                   fmt::join(desc, ", "), retries_left, fmt::join(sqls, ", "));
        try {
            for (auto& s : sqls) _session->execute(s);
            _session->commit();
        } catch (const db_error& e) {
            _session->rollback();
            _defs.erase(t);
            if (retries_left <= 0)
                throw table_alter_error(fmt::format("Failed to amend TABLE '{}' to add missing fields: [{}]: {}",
                                                    plan.table_ref, fmt::join(desc, ", "), e.what()));
            _log->warn("[{}] Amend failed, re-attempting: {}", _tag, e.what());
            auto fresh = table_definition_for(t);
            if (!fresh) throw;
            return amend(t, plan, ordered, fresh, retries_left - 1);
        }
        _defs.erase(t);
    }

    sink_settings _s;
    jdbc_url _url;
    std::unique_ptr<dialect> _dialect;
    std::unique_ptr<session> _session;
    std::atomic<session*> _session_for_cancel{nullptr};
    waiter _waiter; // connection back-off, ended by stop()
    std::optional<std::string> _default_schema, _default_catalog;
    std::map<table_id, table_buffer> _buffers; // never erased: _dest_cache points into it
    std::unordered_map<std::string, table_buffer*> _dest_cache;
    std::string _last_dest_topic;
    table_buffer* _last_dest = nullptr;
    std::map<table_id, std::shared_ptr<const table_definition>> _defs;
    std::vector<table_buffer*> _order;
    std::vector<const sink_record*> _batch, _ups, _dels;
    // Deferred writes of the batch being put (_async), in execution order.
    bool _async = false;
    std::vector<std::unique_ptr<encoded_write>> _encoded;
    std::vector<sink_record> _replay; // a failed background job's records, written before anything else
    std::vector<uint64_t> _retired_plans; // replaced plans whose session state goes once no write needs it
    background_writer _writer;         // destroyed first: its thread may be using _session
    int _remaining_retries = 0;
    bool _plans_valid = true;
    log::logger_ptr _log;
    std::string _tag;
};

} // namespace

void register_sink(plugin_registry& r) {
    r.add_sink_connector({sink_class, {"JdbcSinkConnector", "JdbcSink"}, plugin_type::sink, FERRY_VERSION, sink_config_def},
                         [] { return std::make_unique<jdbc_sink_connector>(); });
    r.add_sink_task(sink_task_class, [] { return std::make_unique<jdbc_sink_task>(); });
}

} // namespace ferry::plugins::jdbc
