#pragma once
// The worker's REST server: Kafka Connect's REST API (spec kafka-connect.md section 1) on top of a
// herder, plus Ferry's /metrics and /ui/ when those are registered.
//
// Threading: an HTTP thread pool; each request calls the herder synchronously (the herder is
// thread-safe). Errors become {"error_code":N,"message":"..."} with N the HTTP status.

#include "base/error.hpp"
#include "runtime/herder.hpp"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <map>
#include <regex>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace ferry::rest {

struct server_config {
    std::string host = "0.0.0.0";
    int port = 8083;
    std::string version = "4.0.0";   // GET / "version"
    std::string commit;              // GET / "commit"
    std::string cors_origin;         // access.control.allow.origin
    std::string cors_methods;        // access.control.allow.methods
    bool admin_enabled = true;
    bool topic_tracking = true;       // topic.tracking.enable
    bool topic_tracking_reset = true; // topic.tracking.allow.reset
    // HTTPS (listeners=https://...): PEM files.
    std::string tls_cert_file, tls_key_file;
    // Basic authentication: user -> password; empty = no authentication.
    std::map<std::string, std::string> basic_auth;
};

class server {
public:
    server(server_config cfg, runtime::herder& h);
    ~server();

    // Binds (port 0 = any free port) and serves on a background thread.
    result<> start();
    void stop();
    int port() const { return _port; }
    std::string url() const;

    // Extra routes (metrics, UI) registered by other subsystems before start().
    using handler = std::function<void(const httplib::Request&, httplib::Response&)>;
    void add_get(const std::string& pattern, handler h);

private:
    void routes();
    // Registers a route (with an optional trailing slash) and remembers it for 405 answers.
    void route(const char* method, const std::string& pattern, handler fn);
    bool path_known(const std::string& path) const;
    server_config _cfg;
    runtime::herder& _herder;
    std::unique_ptr<httplib::Server> _http;
    std::thread _thread;
    int _port = 0;
    std::vector<std::pair<std::string, handler>> _extra_gets;
    std::vector<std::pair<std::string, std::regex>> _routes;
};

// Renders the error body of the Connect REST API.
std::string error_body(int code, std::string_view message);
int status_of(const error& e);

} // namespace ferry::rest
