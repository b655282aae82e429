// ferry ctl: the REST client CLI (see ctl.hpp and docs/ctl.md).

#include "apps/ferry/ctl.hpp"

#include "apps/ferry/commands.hpp"
#include "config/connector_file.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace ferry::app {

namespace ctl_cli {

std::string endpoint::origin() const {
    auto h = host.find(':') == std::string::npos ? host : "[" + host + "]";
    return fmt::format("{}://{}:{}", scheme, h, port);
}

result<endpoint> parse_url(std::string_view url) {
    endpoint e;
    std::string_view rest = url;
    if (auto p = rest.find("://"); p != std::string_view::npos) {
        e.scheme = std::string(rest.substr(0, p));
        rest.remove_prefix(p + 3);
    }
    if (e.scheme != "http" && e.scheme != "https")
        return fail(errc::invalid_argument, "unsupported URL scheme '{}' in {} (use http or https)", e.scheme, url);
    e.port = e.scheme == "https" ? 443 : 80;
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        e.prefix = std::string(rest.substr(slash));
        while (!e.prefix.empty() && e.prefix.back() == '/')
            e.prefix.pop_back();
    }
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        auto colon = userinfo.find(':');
        e.user = std::string(userinfo.substr(0, colon));
        if (colon != std::string_view::npos) e.password = std::string(userinfo.substr(colon + 1));
    }
    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') { // [IPv6]:port
        auto close = authority.find(']');
        if (close == std::string_view::npos) return fail(errc::invalid_argument, "invalid URL {}", url);
        host = authority.substr(1, close - 1);
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority.front() != ':') return fail(errc::invalid_argument, "invalid URL {}", url);
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        authority.remove_prefix(colon);
    } else {
        authority = {};
    }
    if (!authority.empty()) { // ":port"
        auto digits = authority.substr(1);
        int port = 0;
        for (char c : digits) {
            if (c < '0' || c > '9' || port > 65535) return fail(errc::invalid_argument, "invalid port in URL {}", url);
            port = port * 10 + (c - '0');
        }
        if (digits.empty() || port == 0 || port > 65535)
            return fail(errc::invalid_argument, "invalid port in URL {}", url);
        e.port = port;
    }
    if (host.empty()) return fail(errc::invalid_argument, "no host in URL {}", url);
    e.host = std::string(host);
    return e;
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width(header.size());
    auto measure = [&](const std::vector<std::string>& r) {
        for (size_t i = 0; i < r.size() && i < width.size(); i++)
            width[i] = std::max(width[i], r[i].size());
    };
    measure(header);
    for (auto& r : rows)
        measure(r);
    std::string out;
    auto line = [&](const std::vector<std::string>& r) {
        std::string l;
        for (size_t i = 0; i < width.size(); i++) {
            const std::string& cell = i < r.size() ? r[i] : std::string();
            l += cell;
            if (i + 1 < width.size()) l.append(width[i] - cell.size() + 2, ' ');
        }
        while (!l.empty() && l.back() == ' ')
            l.pop_back();
        out += l + "\n";
    };
    line(header);
    for (auto& r : rows)
        line(r);
    return out;
}

} // namespace ctl_cli

namespace {

using ctl_cli::endpoint;
constexpr int exit_ok = 0, exit_failed = 1, exit_usage = 2;

const char* usage_text =
    "usage: ferry ctl [--url URL] [-o table|json] <command>\n"
    "\n"
    "commands:\n"
    "  connectors list\n"
    "  connectors describe <name>\n"
    "  connectors create -f <file.json|file.properties>\n"
    "  connectors update <name> -f <file>\n"
    "  connectors delete <name>\n"
    "  connectors status <name>\n"
    "  connectors restart <name> [--include-tasks] [--only-failed]\n"
    "  connectors restart-task <name> <task id>\n"
    "  connectors pause|resume|stop <name>\n"
    "  connectors offsets get <name>\n"
    "  connectors offsets alter <name> -f <offsets.json>\n"
    "  connectors offsets reset <name>\n"
    "  plugins list [--all]\n"
    "  plugins validate -f <file>\n"
    "  loggers get [name]\n"
    "  loggers set <name> <level> [--scope worker|cluster]\n"
    "\n"
    "The worker URL is --url, else $FERRY_URL, else http://localhost:8083 (http://user:pass@host:port\n"
    "for basic authentication). -o json prints the REST entities for scripts.\n";

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct options {
    std::string url;
    bool json = false;
    std::optional<std::string> file;
    std::optional<std::string> scope;
    bool include_tasks = false, only_failed = false, all = false, help = false;
    std::vector<std::string> words;
};

options parse_args(const args& a) {
    options o;
    if (const char* env = std::getenv("FERRY_URL"); env && *env)
        o.url = env;
    else
        o.url = "http://localhost:8083";
    for (size_t i = 0; i < a.size(); i++) {
        const std::string& arg = a[i];
        auto value = [&](const std::string& flag) -> std::string {
            if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) return arg.substr(eq + 1);
            if (i + 1 >= a.size()) throw usage_error(fmt::format("{} needs a value", flag));
            return a[++i];
        };
        auto is = [&](std::string_view f) {
            return arg == f || (f.starts_with("--") && arg.starts_with(std::string(f) + "="));
        };
        if (is("--url"))
            o.url = value("--url");
        else if (is("-o") || is("--output")) {
            auto v = value("-o");
            if (v == "json")
                o.json = true;
            else if (v == "table")
                o.json = false;
            else
                throw usage_error(fmt::format("unknown output format '{}' (use table or json)", v));
        } else if (is("-f") || is("--file"))
            o.file = value("-f");
        else if (is("--scope"))
            o.scope = value("--scope");
        else if (arg == "--include-tasks")
            o.include_tasks = true;
        else if (arg == "--only-failed")
            o.only_failed = true;
        else if (arg == "--all")
            o.all = true;
        else if (arg == "-h" || arg == "--help")
            o.help = true;
        else if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9'))
            throw usage_error(fmt::format("unknown option '{}'", arg));
        else
            o.words.push_back(arg);
    }
    return o;
}

// --- JSON helpers ---------------------------------------------------------------------------

std::string pretty(const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

std::string compact(const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

std::string str(const rapidjson::Value& obj, const char* key) {
    if (!obj.IsObject() || !obj.HasMember(key)) return "";
    auto& v = obj[key];
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsNull()) return "";
    return compact(v);
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

std::string url_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            out += char(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

void print(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    if (!s.empty() && s.back() != '\n') std::fputc('\n', stdout);
}

std::string message_json(const std::string& message) {
    rapidjson::Document d(rapidjson::kObjectType);
    d.AddMember("message", rapidjson::Value(message.c_str(), d.GetAllocator()), d.GetAllocator());
    return pretty(d);
}

// --- HTTP -------------------------------------------------------------------------------------

// A failed call: the server's answer ({"error_code","message"}) or why there was none.
struct call_failed {
    int status = 0; // 0: no HTTP answer
    std::string message;
};

class api {
public:
    explicit api(endpoint e) : _e(std::move(e)), _client(_e.origin()) {
        // Certificates are verified unless FERRY_CTL_INSECURE is set (self-signed test listeners).
        _client.enable_server_certificate_verification(std::getenv("FERRY_CTL_INSECURE") == nullptr);
        _client.set_connection_timeout(10);
        _client.set_read_timeout(120); // herder operations may take up to 90 s
        if (!_e.user.empty()) _client.set_basic_auth(_e.user.c_str(), _e.password.c_str());
    }

    struct response {
        int status = 0;
        rapidjson::Document body; // null when the body is empty
    };

    // Non-2xx answers and transport errors throw call_failed.
    response call(const std::string& method, const std::string& path, const std::string& body = {}) {
        httplib::Headers headers = {{"Accept", "application/json"}};
        auto full = _e.prefix + path;
        const char* type = "application/json";
        auto send = [&]() -> httplib::Result {
            if (method == "POST") return _client.Post(full.c_str(), headers, body, type);
            if (method == "PUT") return _client.Put(full.c_str(), headers, body, type);
            if (method == "PATCH") return _client.Patch(full.c_str(), headers, body, type);
            if (method == "DELETE") return _client.Delete(full.c_str(), headers);
            return _client.Get(full.c_str(), headers);
        };
        auto r = send();
        if (!r) throw call_failed{0, fmt::format("cannot reach {}: {}", _e.origin(), httplib::to_string(r.error()))};
        response out;
        out.status = r->status;
        if (r->body.find_first_not_of(" \r\n\t") != std::string::npos) {
            out.body.Parse(r->body.c_str(), r->body.size());
            if (out.body.HasParseError()) {
                if (r->status >= 200 && r->status < 300)
                    throw call_failed{r->status,
                                      fmt::format("the worker's answer is not JSON: {}", first_line(r->body))};
                out.body.SetNull();
                throw call_failed{r->status, first_line(r->body)};
            }
        }
        if (r->status < 200 || r->status >= 300) {
            auto msg = str(out.body, "message");
            if (msg.empty()) msg = fmt::format("HTTP {}", r->status);
            throw call_failed{r->status, msg};
        }
        return out;
    }

private:
    endpoint _e;
    httplib::Client _client;
};

// --- connector files ------------------------------------------------------------------------

config::connector_definition load_definition(const options& o) {
    if (!o.file) throw usage_error("-f <file> is required");
    auto def = config::load_connector_file(*o.file);
    if (!def) throw call_failed{0, def.error().message};
    return *def;
}

std::string config_json(const config::config_map& cfg) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& al = d.GetAllocator();
    for (auto& [k, v] : cfg)
        d.AddMember(rapidjson::Value(k.c_str(), al), rapidjson::Value(v.c_str(), al), al);
    return compact(d);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw call_failed{0, fmt::format("cannot read {}", path)};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// --- commands -------------------------------------------------------------------------------

struct context {
    options& o;
    api& http;
    const std::string& arg(size_t i, const char* what) const {
        if (o.words.size() <= i) throw usage_error(fmt::format("missing {}", what));
        return o.words[i];
    }
    void no_more(size_t n) const {
        if (o.words.size() > n) throw usage_error(fmt::format("unexpected argument '{}'", o.words[n]));
    }
    // Prints a successful action: its message, or {"message":...} in JSON mode.
    void done(const std::string& message) const { print(o.json ? message_json(message) : message); }
};

std::string connector_path(const std::string& name) {
    return "/connectors/" + url_encode(name);
}

std::string tasks_summary(const rapidjson::Value& status) {
    if (!status.IsObject() || !status.HasMember("tasks") || !status["tasks"].IsArray()) return "";
    int running = 0, total = 0;
    std::map<std::string, int> others;
    for (auto& t : status["tasks"].GetArray()) {
        total++;
        auto st = str(t, "state");
        if (st == "RUNNING")
            running++;
        else
            others[st]++;
    }
    std::string out = fmt::format("{}/{}", running, total);
    for (auto& [st, n] : others)
        out += fmt::format(" {}:{}", st, n);
    return out;
}

int connectors_list(context& c) {
    c.no_more(2);
    auto r = c.http.call("GET", "/connectors?expand=status&expand=info");
    if (c.o.json) return print(pretty(r.body)), exit_ok;
    std::vector<std::vector<std::string>> rows;
    if (r.body.IsObject())
        for (auto& m : r.body.GetObject()) {
            auto& e = m.value;
            const rapidjson::Value* st = e.HasMember("status") ? &e["status"] : nullptr;
            const rapidjson::Value* info = e.HasMember("info") ? &e["info"] : nullptr;
            std::string cls = info && (*info).HasMember("config") ? str((*info)["config"], "connector.class") : "";
            rows.push_back({m.name.GetString(), st ? str(*st, "type") : "", st ? str((*st)["connector"], "state") : "",
                            st ? tasks_summary(*st) : "", cls});
        }
    std::sort(rows.begin(), rows.end());
    print(ctl_cli::render_table({"NAME", "TYPE", "STATE", "TASKS", "CLASS"}, rows));
    return exit_ok;
}

std::vector<std::vector<std::string>> status_rows(const rapidjson::Value& st) {
    std::vector<std::vector<std::string>> rows;
    auto& conn = st["connector"];
    rows.push_back({"connector", str(conn, "state"), str(conn, "worker_id"), first_line(str(conn, "trace"))});
    if (st.HasMember("tasks") && st["tasks"].IsArray())
        for (auto& t : st["tasks"].GetArray())
            rows.push_back({"task " + str(t, "id"), str(t, "state"), str(t, "worker_id"), first_line(str(t, "trace"))});
    return rows;
}

int connectors_describe(context& c) {
    auto& name = c.arg(2, "connector name");
    c.no_more(3);
    auto info = c.http.call("GET", connector_path(name));
    auto st = c.http.call("GET", connector_path(name) + "/status");
    std::optional<api::response> topics;
    try {
        topics = c.http.call("GET", connector_path(name) + "/topics");
    } catch (const call_failed&) {
        // topic tracking may be disabled (403) or unsupported by the worker: describe without it
    }
    const rapidjson::Value* topic_list = nullptr;
    if (topics && topics->body.IsObject() && topics->body.HasMember(name.c_str()) &&
        topics->body[name.c_str()].HasMember("topics"))
        topic_list = &topics->body[name.c_str()]["topics"];
    if (c.o.json) {
        rapidjson::Document d(rapidjson::kObjectType);
        auto& al = d.GetAllocator();
        d.AddMember("info", rapidjson::Value(info.body, al), al);
        d.AddMember("status", rapidjson::Value(st.body, al), al);
        if (topic_list) d.AddMember("topics", rapidjson::Value(*topic_list, al), al);
        print(pretty(d));
        return exit_ok;
    }
    std::string out;
    out += fmt::format("Name:       {}\n", str(info.body, "name"));
    out += fmt::format("Type:       {}\n", str(info.body, "type"));
    out += fmt::format("State:      {}\n", str(st.body["connector"], "state"));
    out += fmt::format("Worker ID:  {}\n", str(st.body["connector"], "worker_id"));
    if (auto trace = str(st.body["connector"], "trace"); !trace.empty()) out += fmt::format("Trace:      {}\n", trace);
    out += "Config:\n";
    std::vector<std::vector<std::string>> cfg;
    if (info.body.HasMember("config") && info.body["config"].IsObject())
        for (auto& m : info.body["config"].GetObject())
            cfg.push_back({"  " + std::string(m.name.GetString()), str(info.body["config"], m.name.GetString())});
    std::sort(cfg.begin(), cfg.end());
    auto table = ctl_cli::render_table({"  KEY", "VALUE"}, cfg);
    out += table;
    out += "Tasks:\n";
    std::vector<std::vector<std::string>> tasks;
    for (auto& t : st.body["tasks"].GetArray())
        tasks.push_back({"  " + str(t, "id"), str(t, "state"), str(t, "worker_id"), first_line(str(t, "trace"))});
    out += ctl_cli::render_table({"  ID", "STATE", "WORKER", "TRACE"}, tasks);
    if (topic_list && topic_list->IsArray()) {
        out += "Topics:\n";
        for (auto& t : topic_list->GetArray())
            out += fmt::format("  {}\n", t.IsString() ? t.GetString() : compact(t));
    }
    print(out);
    return exit_ok;
}

int connectors_create(context& c) {
    c.no_more(2);
    auto def = load_definition(c.o);
    rapidjson::Document d(rapidjson::kObjectType);
    auto& al = d.GetAllocator();
    d.AddMember("name", rapidjson::Value(def.name.c_str(), al), al);
    rapidjson::Document cfg;
    cfg.Parse(config_json(def.config).c_str());
    d.AddMember("config", rapidjson::Value(cfg, al), al);
    if (def.initial)
        d.AddMember("initial_state",
                    rapidjson::Value(std::string(config::initial_state_name(*def.initial)).c_str(), al), al);
    auto r = c.http.call("POST", "/connectors", compact(d));
    if (c.o.json) return print(pretty(r.body)), exit_ok;
    print(fmt::format("Created connector {}", str(r.body, "name")));
    return exit_ok;
}

// For `update <name> -f file`: the file may leave the name out (the command line gives it).
config::connector_definition load_definition_named(const options& o, const std::string& name) {
    if (!o.file) throw usage_error("-f <file> is required");
    if (auto def = config::load_connector_file(*o.file)) return *def;
    auto text = read_file(*o.file);
    auto start = text.find_first_not_of(" \t\r\n");
    if (start != std::string::npos && text[start] == '{') {
        rapidjson::Document d;
        d.Parse<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseNumbersAsStringsFlag>(text.c_str(), text.size());
        if (!d.HasParseError() && d.IsObject() && !d.HasMember("name")) {
            d.AddMember("name", rapidjson::Value(name.c_str(), d.GetAllocator()), d.GetAllocator());
            text = compact(d);
        }
    } else {
        std::string escaped;
        for (char ch : name) {
            if (std::strchr("\\:= #!", ch)) escaped += '\\';
            escaped += ch;
        }
        text += "\nname=" + escaped + "\n";
    }
    auto def = config::parse_connector_definition(text, *o.file);
    if (!def) throw call_failed{0, def.error().message};
    return *def;
}

int connectors_update(context& c) {
    auto& name = c.arg(2, "connector name");
    c.no_more(3);
    auto def = load_definition_named(c.o, name);
    auto r = c.http.call("PUT", connector_path(name) + "/config", config_json(def.config));
    if (c.o.json) return print(pretty(r.body)), exit_ok;
    print(fmt::format("{} connector {}", r.status == 201 ? "Created" : "Updated", name));
    return exit_ok;
}

int connectors_status(context& c) {
    auto& name = c.arg(2, "connector name");
    c.no_more(3);
    auto r = c.http.call("GET", connector_path(name) + "/status");
    if (c.o.json) return print(pretty(r.body)), exit_ok;
    print(ctl_cli::render_table({"ID", "STATE", "WORKER", "TRACE"}, status_rows(r.body)));
    return exit_ok;
}

int connectors_restart(context& c) {
    auto& name = c.arg(2, "connector name");
    c.no_more(3);
    auto path = connector_path(name) + "/restart";
    if (c.o.include_tasks || c.o.only_failed)
        path += fmt::format("?includeTasks={}&onlyFailed={}", c.o.include_tasks, c.o.only_failed);
    auto r = c.http.call("POST", path);
    if (r.status == 204) {
        c.done(fmt::format("Restarted connector {}", name));
        return exit_ok;
    }
    if (c.o.json) return print(pretty(r.body)), exit_ok;
    print(fmt::format("Restart of connector {} accepted:", name));
    print(ctl_cli::render_table({"ID", "STATE", "WORKER", "TRACE"}, status_rows(r.body)));
    return exit_ok;
}

int connectors_restart_task(context& c) {
    auto& name = c.arg(2, "connector name");
    auto& id = c.arg(3, "task id");
    c.no_more(4);
    c.http.call("POST", connector_path(name) + "/tasks/" + url_encode(id) + "/restart");
    c.done(fmt::format("Restarted task {}-{}", name, id));
    return exit_ok;
}

int connectors_action(context& c, const std::string& verb) {
    auto& name = c.arg(2, "connector name");
    c.no_more(3);
    if (verb == "delete") {
        c.http.call("DELETE", connector_path(name));
        c.done(fmt::format("Deleted connector {}", name));
        return exit_ok;
    }
    c.http.call("PUT", connector_path(name) + "/" + verb);
    static const std::map<std::string, std::string> past = {
        {"pause", "Paused"}, {"resume", "Resumed"}, {"stop", "Stopped"}};
    c.done(fmt::format("{} connector {}", past.at(verb), name));
    return exit_ok;
}

int connectors_offsets(context& c) {
    auto& sub = c.arg(2, "offsets command (get, alter or reset)");
    auto& name = c.arg(3, "connector name");
    c.no_more(4);
    auto path = connector_path(name) + "/offsets";
    if (sub == "get") {
        auto r = c.http.call("GET", path);
        if (c.o.json) return print(pretty(r.body)), exit_ok;
        std::vector<std::vector<std::string>> rows;
        if (r.body.IsObject() && r.body.HasMember("offsets") && r.body["offsets"].IsArray())
            for (auto& e : r.body["offsets"].GetArray())
                rows.push_back({str(e, "partition"), e.HasMember("offset") ? str(e, "offset") : ""});
        print(ctl_cli::render_table({"PARTITION", "OFFSET"}, rows));
        return exit_ok;
    }
    if (sub == "alter") {
        if (!c.o.file) throw usage_error("-f <offsets.json> is required");
        auto body = read_file(*c.o.file);
        rapidjson::Document check;
        check.Parse(body.c_str(), body.size());
        if (check.HasParseError())
            throw call_failed{0,
                              fmt::format("{} is not valid JSON: {} at offset {}", *c.o.file,
                                          rapidjson::GetParseError_En(check.GetParseError()), check.GetErrorOffset())};
        auto r = c.http.call("PATCH", path, body);
        if (c.o.json) return print(pretty(r.body)), exit_ok;
        print(str(r.body, "message"));
        return exit_ok;
    }
    if (sub == "reset") {
        auto r = c.http.call("DELETE", path);
        if (c.o.json) return print(pretty(r.body)), exit_ok;
        print(str(r.body, "message"));
        return exit_ok;
    }
    throw usage_error(fmt::format("unknown offsets command '{}' (get, alter or reset)", sub));
}

int connectors(context& c) {
    auto& cmd = c.arg(1, "connectors command");
    if (cmd == "list") return connectors_list(c);
    if (cmd == "describe") return connectors_describe(c);
    if (cmd == "create") return connectors_create(c);
    if (cmd == "update") return connectors_update(c);
    if (cmd == "status") return connectors_status(c);
    if (cmd == "restart") return connectors_restart(c);
    if (cmd == "restart-task") return connectors_restart_task(c);
    if (cmd == "delete" || cmd == "pause" || cmd == "resume" || cmd == "stop") return connectors_action(c, cmd);
    if (cmd == "offsets") return connectors_offsets(c);
    throw usage_error(fmt::format("unknown connectors command '{}'", cmd));
}

int plugins_list(context& c) {
    c.no_more(2);
    auto r = c.http.call("GET", std::string("/connector-plugins?connectorsOnly=") + (c.o.all ? "false" : "true"));
    if (c.o.json) return print(pretty(r.body)), exit_ok;
    std::vector<std::vector<std::string>> rows;
    for (auto& p : r.body.GetArray())
        rows.push_back({str(p, "class"), str(p, "type"), str(p, "version")});
    print(ctl_cli::render_table({"CLASS", "TYPE", "VERSION"}, rows));
    return exit_ok;
}

int plugins_validate(context& c) {
    c.no_more(2);
    auto def = load_definition(c.o);
    auto cls = def.config.count("connector.class") ? def.config.at("connector.class") : std::string();
    if (cls.empty()) throw call_failed{0, fmt::format("{} has no connector.class", *c.o.file)};
    auto r = c.http.call("PUT", "/connector-plugins/" + url_encode(cls) + "/config/validate", config_json(def.config));
    int errors = r.body.HasMember("error_count") && r.body["error_count"].IsInt() ? r.body["error_count"].GetInt() : 0;
    if (c.o.json) {
        print(pretty(r.body));
        return errors ? exit_failed : exit_ok;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto& e : r.body["configs"].GetArray()) {
        auto& v = e["value"];
        for (auto& err : v["errors"].GetArray())
            rows.push_back({str(v, "name"), err.GetString()});
    }
    if (errors == 0) {
        print(fmt::format("The configuration of {} is valid.", cls));
        return exit_ok;
    }
    print(ctl_cli::render_table({"KEY", "ERROR"}, rows));
    std::fprintf(stderr, "ferry ctl: %d error(s) in %s\n", errors, c.o.file->c_str());
    return exit_failed;
}

int plugins(context& c) {
    auto& cmd = c.arg(1, "plugins command");
    if (cmd == "list") return plugins_list(c);
    if (cmd == "validate") return plugins_validate(c);
    throw usage_error(fmt::format("unknown plugins command '{}'", cmd));
}

std::string last_modified(const rapidjson::Value& l) {
    if (!l.HasMember("last_modified") || l["last_modified"].IsNull()) return "";
    return str(l, "last_modified");
}

int loggers(context& c) {
    auto& cmd = c.arg(1, "loggers command");
    if (cmd == "get") {
        c.no_more(3);
        if (c.o.words.size() == 3) {
            auto& name = c.o.words[2];
            auto r = c.http.call("GET", "/admin/loggers/" + url_encode(name));
            if (c.o.json) return print(pretty(r.body)), exit_ok;
            print(ctl_cli::render_table({"LOGGER", "LEVEL", "LAST_MODIFIED"},
                                        {{name, str(r.body, "level"), last_modified(r.body)}}));
            return exit_ok;
        }
        auto r = c.http.call("GET", "/admin/loggers");
        if (c.o.json) return print(pretty(r.body)), exit_ok;
        std::vector<std::vector<std::string>> rows;
        for (auto& m : r.body.GetObject())
            rows.push_back({m.name.GetString(), str(m.value, "level"), last_modified(m.value)});
        print(ctl_cli::render_table({"LOGGER", "LEVEL", "LAST_MODIFIED"}, rows));
        return exit_ok;
    }
    if (cmd == "set") {
        auto& name = c.arg(2, "logger name");
        auto& level = c.arg(3, "level");
        c.no_more(4);
        rapidjson::Document d(rapidjson::kObjectType);
        d.AddMember("level", rapidjson::Value(level.c_str(), d.GetAllocator()), d.GetAllocator());
        auto path = "/admin/loggers/" + url_encode(name);
        if (c.o.scope) path += "?scope=" + url_encode(*c.o.scope);
        auto r = c.http.call("PUT", path, compact(d));
        if (r.status == 204) {
            c.done(fmt::format("Set the level of {} to {} across the cluster", name, level));
            return exit_ok;
        }
        if (c.o.json) return print(pretty(r.body)), exit_ok;
        std::string out = fmt::format("Set the level of {} to {}; loggers changed:", name, level);
        for (auto& n : r.body.GetArray())
            out += fmt::format("\n  {}", n.GetString());
        print(out);
        return exit_ok;
    }
    throw usage_error(fmt::format("unknown loggers command '{}'", cmd));
}

} // namespace

int ctl(const args& a) {
    options o;
    try {
        o = parse_args(a);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "ferry ctl: %s\n\n%s", e.what(), usage_text);
        return exit_usage;
    }
    if (o.help || o.words.empty()) {
        std::fputs(usage_text, o.help ? stdout : stderr);
        return o.help ? exit_ok : exit_usage;
    }
    auto ep = ctl_cli::parse_url(o.url);
    if (!ep) {
        std::fprintf(stderr, "ferry ctl: %s\n", ep.error().message.c_str());
        return exit_usage;
    }
    api http(*ep);
    context c{o, http};
    try {
        auto& group = o.words[0];
        if (group == "connectors" || group == "connector") return connectors(c);
        if (group == "plugins" || group == "plugin") return plugins(c);
        if (group == "loggers" || group == "logger") return loggers(c);
        throw usage_error(fmt::format("unknown command '{}'", group));
    } catch (const usage_error& e) {
        std::fprintf(stderr, "ferry ctl: %s\n\n%s", e.what(), usage_text);
        return exit_usage;
    } catch (const call_failed& e) {
        if (e.status)
            std::fprintf(stderr, "ferry ctl: %s (HTTP %d)\n", e.message.c_str(), e.status);
        else
            std::fprintf(stderr, "ferry ctl: %s\n", e.message.c_str());
        return exit_failed;
    }
}

} // namespace ferry::app
