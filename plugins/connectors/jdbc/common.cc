#include "plugins/connectors/jdbc/common.hpp"

#include "ferry/connect/errors.hpp"

#include <fmt/format.h>

#include <cctype>

namespace ferry::plugins::jdbc {

namespace {

std::string url_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit((unsigned char)s[i + 1]) &&
            std::isxdigit((unsigned char)s[i + 2])) {
            out.push_back(char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else if (s[i] == '+') {
            out.push_back(' ');
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

void parse_params(std::string_view q, char sep, std::map<std::string, std::string>& out) {
    while (!q.empty()) {
        auto amp = q.find(sep);
        auto kv = q.substr(0, amp);
        if (!kv.empty()) {
            auto eq = kv.find('=');
            if (eq == std::string_view::npos) out[url_decode(kv)] = "";
            else out[url_decode(kv.substr(0, eq))] = url_decode(kv.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
    }
}

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = char(std::tolower((unsigned char)c));
    return r;
}

} // namespace

std::string sanitize_url(std::string_view url) {
    // ([?&;]...password...=)value  ->  $1****, and user:password@ in the authority.
    std::string out;
    out.reserve(url.size());
    size_t i = 0;
    while (i < url.size()) {
        char c = url[i];
        out.push_back(c);
        i++;
        if (c == '?' || c == '&' || c == ';' || c == '(' || c == ',') {
            size_t eq = url.find('=', i);
            size_t stop = url.find_first_of("&;?", i);
            if (eq != std::string_view::npos && (stop == std::string_view::npos || eq < stop)) {
                auto key = lower(url.substr(i, eq - i));
                if (key.find("password") != std::string::npos) {
                    out.append(url.substr(i, eq - i + 1));
                    out.append("****");
                    size_t end = url.find_first_of("&;)", eq + 1);
                    i = end == std::string_view::npos ? url.size() : end;
                }
            }
        }
    }
    // scheme://user:secret@host
    auto pos = out.find("://");
    if (pos != std::string::npos) {
        auto at = out.find('@', pos + 3);
        auto slash = out.find('/', pos + 3);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            auto colon = out.find(':', pos + 3);
            if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "****");
        }
    }
    return out;
}

jdbc_url parse_jdbc_url(std::string_view url) {
    auto bad = [&](std::string_view why) {
        return config_error(fmt::format("Not a valid JDBC URL: {} ({})", sanitize_url(url), why));
    };
    if (!url.starts_with("jdbc:")) throw bad("it must start with 'jdbc:'");
    auto rest = url.substr(5);
    auto colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) throw bad("missing subprotocol");
    jdbc_url u;
    u.subprotocol = lower(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
    if (u.subprotocol == "sqlite") {
        u.kind = db_kind::sqlite;
        auto q = rest.find('?');
        u.database = std::string(rest.substr(0, q));
        if (q != std::string_view::npos) parse_params(rest.substr(q + 1), '&', u.params);
        if (u.database.empty()) throw bad("missing database file");
        return u;
    }
    if (u.subprotocol == "postgresql") u.kind = db_kind::postgres;
    else if (u.subprotocol == "mysql" || u.subprotocol == "mariadb") u.kind = db_kind::mysql;
    else
        throw config_error(fmt::format(
            "No suitable driver found for {}: Ferry's JDBC connectors support jdbc:postgresql://, "
            "jdbc:mysql://, jdbc:mariadb:// and jdbc:sqlite: URLs (subprotocol '{}' is not supported)",
            sanitize_url(url), u.subprotocol));
    auto q = rest.find('?');
    auto main = rest.substr(0, q);
    if (q != std::string_view::npos) parse_params(rest.substr(q + 1), '&', u.params);
    if (!main.starts_with("//")) {
        // jdbc:postgresql:dbname (localhost)
        u.database = url_decode(main);
        u.hosts.push_back({"localhost", 0});
        return u;
    }
    main.remove_prefix(2);
    auto slash = main.find('/');
    auto authority = main.substr(0, slash);
    if (slash != std::string_view::npos) u.database = url_decode(main.substr(slash + 1));
    // user:password@ in the authority (MySQL style)
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto cred = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        auto c = cred.find(':');
        u.params.emplace("user", url_decode(cred.substr(0, c)));
        if (c != std::string_view::npos) u.params.emplace("password", url_decode(cred.substr(c + 1)));
    }
    while (!authority.empty()) {
        auto comma = authority.find(',');
        auto hp = authority.substr(0, comma);
        std::string host;
        int port = 0;
        if (!hp.empty() && hp[0] == '[') { // IPv6
            auto e = hp.find(']');
            if (e == std::string_view::npos) throw bad("unterminated IPv6 address");
            host = std::string(hp.substr(1, e - 1));
            hp.remove_prefix(e + 1);
            if (!hp.empty() && hp[0] == ':') hp.remove_prefix(1);
            else hp = {};
        } else {
            auto c = hp.rfind(':');
            host = std::string(hp.substr(0, c));
            hp = c == std::string_view::npos ? std::string_view{} : hp.substr(c + 1);
        }
        if (!hp.empty()) {
            for (char ch : hp)
                if (!std::isdigit((unsigned char)ch)) throw bad("invalid port");
            port = std::stoi(std::string(hp));
            if (port <= 0 || port > 65535) throw bad("invalid port");
        }
        if (host.empty()) host = "localhost";
        u.hosts.emplace_back(std::move(host), port);
        if (comma == std::string_view::npos) break;
        authority.remove_prefix(comma + 1);
    }
    if (u.hosts.empty()) u.hosts.push_back({"localhost", 0});
    return u;
}

db_kind dialect_from_name(std::string_view name) {
    auto n = lower(name);
    if (n.ends_with("databasedialect")) n.resize(n.size() - std::string_view("databasedialect").size());
    if (n == "postgresql" || n == "postgres") return db_kind::postgres;
    if (n == "mysql" || n == "mariadb") return db_kind::mysql;
    if (n == "sqlite") return db_kind::sqlite;
    throw config_error(fmt::format("Unable to find dialect with name '{}' in the available dialects: "
                                   "[PostgreSqlDatabaseDialect, MySqlDatabaseDialect, SqliteDatabaseDialect]",
                                   name));
}

std::string table_id::unquoted() const {
    std::string s;
    if (catalog) s += *catalog + ".";
    if (schema) s += *schema + ".";
    s += table;
    return s;
}

std::vector<std::string> parse_qualified(std::string_view fqn, char quote) {
    std::vector<std::string> parts;
    std::string cur;
    bool in_quote = false, quoted_part = false;
    for (size_t i = 0; i < fqn.size(); i++) {
        char c = fqn[i];
        if (in_quote) {
            if (c == quote) {
                if (i + 1 < fqn.size() && fqn[i + 1] == quote) {
                    cur.push_back(quote);
                    i++;
                } else {
                    in_quote = false;
                }
            } else {
                cur.push_back(c);
            }
        } else if (c == quote) {
            in_quote = true;
            quoted_part = true;
        } else if (c == '.') {
            parts.push_back(std::move(cur));
            cur.clear();
            quoted_part = false;
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty() || quoted_part || !parts.empty()) parts.push_back(std::move(cur));
    // Unquoted parts are trimmed as Java does.
    for (auto& p : parts) {
        size_t b = 0, e = p.size();
        while (b < e && std::isspace((unsigned char)p[b])) b++;
        while (e > b && std::isspace((unsigned char)p[e - 1])) e--;
        p = p.substr(b, e - b);
    }
    return parts;
}

void append_identifier(std::string& out, std::string_view name, char quote, quote_method m) {
    if (m == quote_method::never) {
        out.append(name);
        return;
    }
    out.push_back(quote);
    for (char c : name) {
        if (c == quote) out.push_back(quote);
        out.push_back(c);
    }
    out.push_back(quote);
}

std::string quote_identifier(std::string_view name, char quote, quote_method m) {
    std::string s;
    append_identifier(s, name, quote, m);
    return s;
}

std::string table_sql(const table_id& t, char quote, quote_method m) {
    std::string s;
    if (t.catalog) {
        append_identifier(s, *t.catalog, quote, m);
        s.push_back('.');
    }
    if (t.schema) {
        append_identifier(s, *t.schema, quote, m);
        s.push_back('.');
    }
    append_identifier(s, t.table, quote, m);
    return s;
}

std::string format_local(instant t, const tz::zone& z, int digits) {
    auto c = tz::civil_from_seconds(z.utc_to_local(t.seconds));
    auto s = fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}", c.year, c.month, c.day, c.hour, c.minute, c.second);
    if (digits > 0) {
        auto frac = fmt::format("{:09d}", t.nanos);
        s.push_back('.');
        s.append(frac, 0, size_t(digits));
    }
    return s;
}

std::optional<instant> parse_local(std::string_view s) {
    auto num = [&](size_t pos, size_t n, uint32_t& out) {
        if (pos + n > s.size()) return false;
        uint32_t v = 0;
        for (size_t i = pos; i < pos + n; i++) {
            if (!std::isdigit((unsigned char)s[i])) return false;
            v = v * 10 + uint32_t(s[i] - '0');
        }
        out = v;
        return true;
    };
    bool neg = !s.empty() && s[0] == '-';
    if (neg) s.remove_prefix(1);
    size_t ylen = 0;
    while (ylen < s.size() && std::isdigit((unsigned char)s[ylen])) ylen++;
    if (ylen < 4) return std::nullopt;
    uint32_t y, mo, d, h = 0, mi = 0, se = 0;
    if (!num(0, ylen, y) || ylen >= s.size() || s[ylen] != '-' || !num(ylen + 1, 2, mo) || s.size() < ylen + 6 ||
        s[ylen + 3] != '-' || !num(ylen + 4, 2, d))
        return std::nullopt;
    size_t p = ylen + 6;
    int32_t nanos = 0;
    if (p < s.size() && (s[p] == ' ' || s[p] == 'T')) {
        if (!num(p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' || !num(p + 4, 2, mi)) return std::nullopt;
        p += 6;
        if (p < s.size() && s[p] == ':') {
            if (!num(p + 1, 2, se)) return std::nullopt;
            p += 3;
        }
        if (p < s.size() && s[p] == '.') {
            p++;
            int digits = 0;
            while (p < s.size() && std::isdigit((unsigned char)s[p])) {
                if (digits < 9) {
                    nanos = nanos * 10 + (s[p] - '0');
                    digits++;
                }
                p++;
            }
            while (digits++ < 9) nanos *= 10;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60) return std::nullopt;
    int32_t year = neg ? -int32_t(y) : int32_t(y);
    return instant{tz::seconds_from_civil(year, mo, d, h, mi, se), nanos};
}

db_error::kind classify_sqlstate(std::string_view st) {
    if (st.size() < 2) return db_error::kind::other;
    auto cls = st.substr(0, 2);
    if (cls == "08") return db_error::kind::connection;
    if (cls == "28") return db_error::kind::auth;
    if (cls == "40" || cls == "53" || cls == "55" || cls == "57" || cls == "58" || st == "HYT00")
        return st == "57014" ? db_error::kind::other : db_error::kind::transient;
    if (cls == "22" || cls == "23") return db_error::kind::data;
    return db_error::kind::other;
}

} // namespace ferry::plugins::jdbc
