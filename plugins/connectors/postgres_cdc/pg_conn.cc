#include "pg_conn.hpp"

#include "ferry/connect/errors.hpp"

#include <fmt/format.h>

namespace ferry::plugins::postgres_cdc {

std::string pg_result::sqlstate() const {
    if (!_r) return {};
    const char* s = PQresultErrorField(_r, PG_DIAG_SQLSTATE);
    return s ? s : "";
}

std::string pg_result::error() const {
    if (!_r) return "no result";
    std::string m = PQresultErrorMessage(_r);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
}

std::optional<std::string> pg_conn::open(const settings& s, kind k, pg_conn& out) {
    std::string port = std::to_string(s.port);
    std::vector<const char*> keys, vals;
    auto add = [&](const char* key, const std::string& v) {
        if (v.empty()) return;
        keys.push_back(key);
        vals.push_back(v.c_str());
    };
    static const std::string options =
        "-c DateStyle=ISO,MDY -c TimeZone=UTC -c IntervalStyle=postgres -c bytea_output=hex -c lc_monetary=C "
        "-c extra_float_digits=3";
    static const std::string app = "ferry-postgres-cdc";
    static const std::string replication = "database";
    static const std::string one = "1", zero = "0", timeout = "30";
    add("host", s.hostname);
    add("port", port);
    add("user", s.user);
    add("password", s.password);
    add("dbname", s.dbname);
    add("sslmode", s.sslmode);
    add("sslcert", s.sslcert);
    add("sslkey", s.sslkey);
    add("sslrootcert", s.sslrootcert);
    add("sslpassword", s.sslpassword);
    add("application_name", app);
    add("options", options);
    add("connect_timeout", timeout);
    add("keepalives", s.tcp_keepalive ? one : zero);
    if (k == kind::replication) add("replication", replication);
    keys.push_back(nullptr);
    vals.push_back(nullptr);
    PGconn* c = PQconnectdbParams(keys.data(), vals.data(), 0);
    out.close();
    out._where = fmt::format("{}:{}/{}", s.hostname, s.port, s.dbname);
    if (!c) return "out of memory";
    if (PQstatus(c) != CONNECTION_OK) {
        std::string m = PQerrorMessage(c);
        while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
        PQfinish(c);
        return m;
    }
    out._c = c;
    if (k == kind::regular && !s.initial_statements.empty()) {
        // ';' separates statements, ';;' is a literal ';'
        std::string cur;
        const auto& t = s.initial_statements;
        for (size_t i = 0; i <= t.size(); i++) {
            if (i == t.size() || (t[i] == ';' && !(i + 1 < t.size() && t[i + 1] == ';'))) {
                if (cur.find_first_not_of(" \t\r\n") != std::string::npos) {
                    auto r = out.exec(cur);
                    if (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK)
                        return fmt::format("database.initial.statements failed: {}", r.error());
                }
                cur.clear();
            } else if (t[i] == ';') {
                cur += ';';
                i++;
            } else {
                cur += t[i];
            }
        }
    }
    return std::nullopt;
}

void pg_conn::close() {
    if (_c) PQfinish(_c);
    _c = nullptr;
}

std::string pg_conn::last_error() const {
    if (!_c) return "not connected";
    std::string m = PQerrorMessage(_c);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
}

pg_result pg_conn::exec(const std::string& sql) { return pg_result(PQexec(_c, sql.c_str())); }

pg_result pg_conn::exec(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> p;
    p.reserve(params.size());
    for (auto& s : params) p.push_back(s.c_str());
    return pg_result(PQexecParams(_c, sql.c_str(), int(p.size()), nullptr, p.data(), nullptr, nullptr, 0));
}

namespace {
pg_result check(pg_conn& c, pg_result r, const char* what) {
    auto st = r.status();
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    if (!c.alive() || r.sqlstate().rfind("08", 0) == 0 || r.sqlstate() == "57P01" || r.sqlstate() == "57P02" ||
        r.sqlstate() == "57P03")
        throw pg_connection_lost(fmt::format("{}: connection to PostgreSQL at {} lost: {}", what, c.where(),
                                             r.get() ? r.error() : c.last_error()));
    throw connect_error(fmt::format("{}: {}", what, r.get() ? r.error() : c.last_error()));
}
} // namespace

pg_result pg_conn::must(const std::string& sql, const char* what) { return check(*this, exec(sql), what); }

pg_result pg_conn::must(const std::string& sql, const std::vector<std::string>& params, const char* what) {
    return check(*this, exec(sql, params), what);
}

std::string quote_ident(std::string_view id) {
    std::string out = "\"";
    for (char c : id) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string quote_literal(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    out += '\'';
    return out;
}

} // namespace ferry::plugins::postgres_cdc
