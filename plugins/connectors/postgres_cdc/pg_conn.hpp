#pragma once
// libpq RAII: regular connections (catalog queries, publication management, the snapshot
// transaction, heartbeat action queries) and replication connections (replication=database,
// simple query protocol only: IDENTIFY_SYSTEM, CREATE_REPLICATION_SLOT, START_REPLICATION).
//
// Every connection sets the session options the value parsers rely on (see pg_types.hpp):
// DateStyle ISO, TimeZone UTC, IntervalStyle postgres, bytea_output hex, lc_monetary C,
// extra_float_digits 3. The walsender decodes with the replication connection's settings, so the
// streamed text has the same shape as the snapshot's.
//
// Threading: a connection belongs to one thread at a time (libpq's rule).

#include "config.hpp"

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::plugins::postgres_cdc {

class pg_result {
public:
    pg_result() = default;
    explicit pg_result(PGresult* r) : _r(r) {}
    pg_result(pg_result&& o) noexcept : _r(o._r) { o._r = nullptr; }
    pg_result& operator=(pg_result&& o) noexcept {
        if (this != &o) {
            if (_r) PQclear(_r);
            _r = o._r;
            o._r = nullptr;
        }
        return *this;
    }
    ~pg_result() {
        if (_r) PQclear(_r);
    }
    PGresult* get() const { return _r; }
    int rows() const { return _r ? PQntuples(_r) : 0; }
    int cols() const { return _r ? PQnfields(_r) : 0; }
    bool is_null(int row, int col) const { return PQgetisnull(_r, row, col); }
    std::string_view get(int row, int col) const {
        return std::string_view(PQgetvalue(_r, row, col), size_t(PQgetlength(_r, row, col)));
    }
    std::string str(int row, int col) const { return std::string(get(row, col)); }
    ExecStatusType status() const { return _r ? PQresultStatus(_r) : PGRES_FATAL_ERROR; }
    // SQLSTATE of an error result ("42704" ...), empty otherwise.
    std::string sqlstate() const;
    std::string error() const;

private:
    PGresult* _r = nullptr;
};

// Thrown for failures of the database itself (the connection broke, the server is shutting down):
// the task treats them as retriable and reconnects with back-off.
struct pg_connection_lost : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class pg_conn {
public:
    enum class kind { regular, replication };

    pg_conn() = default;
    pg_conn(pg_conn&& o) noexcept : _c(o._c), _where(std::move(o._where)) { o._c = nullptr; }
    pg_conn& operator=(pg_conn&& o) noexcept {
        if (this != &o) {
            close();
            _c = o._c;
            _where = std::move(o._where);
            o._c = nullptr;
        }
        return *this;
    }
    ~pg_conn() { close(); }

    // Connects; on failure returns the libpq message (never containing the password).
    static std::optional<std::string> open(const settings& s, kind k, pg_conn& out);

    PGconn* get() const { return _c; }
    explicit operator bool() const { return _c != nullptr; }
    void close();
    bool alive() const { return _c && PQstatus(_c) == CONNECTION_OK; }
    // "host:port/db"
    const std::string& where() const { return _where; }

    // Runs a statement (simple query protocol) and returns its result, whatever the status.
    pg_result exec(const std::string& sql);
    // Parameterised query (regular connections only).
    pg_result exec(const std::string& sql, const std::vector<std::string>& params);
    // Runs and requires PGRES_COMMAND_OK / PGRES_TUPLES_OK; throws connect_error with `what` and
    // the server's message, or pg_connection_lost when the connection is gone.
    pg_result must(const std::string& sql, const char* what);
    pg_result must(const std::string& sql, const std::vector<std::string>& params, const char* what);

    std::string last_error() const;

private:
    PGconn* _c = nullptr;
    std::string _where;
};

std::string quote_ident(std::string_view id);
std::string quote_literal(std::string_view s);

} // namespace ferry::plugins::postgres_cdc
