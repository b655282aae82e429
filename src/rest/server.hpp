#pragma once
// The worker's REST server: Kafka Connect's REST API (spec kafka-connect.md section 1) on top of a
// herder, plus Ferry's /metrics and /ui/ when those are registered.
//
// Threading: an HTTP thread pool; each request calls the herder synchronously (the herder is
// thread-safe). Errors become {"error_code":N,"message":"..."} with N the HTTP status.

#include "base/error.hpp"
#include "ferry/config/config_def.hpp"
#include "runtime/distributed/rest_client.hpp"
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
    // HTTPS (listeners=https://...): PEM files (the same file may hold both), or a PKCS12 keystore
    // in tls_cert_file with tls_keystore_pkcs12 set. tls_key_password unlocks an encrypted PEM key
    // or the PKCS12 file.
    std::string tls_cert_file, tls_key_file, tls_key_password;
    bool tls_keystore_pkcs12 = false;
    // Certificate checks when this worker forwards a request to another (runtime/distributed/rest_client.hpp).
    runtime::rest_client_tls client_tls;
    // Basic authentication: user -> password; empty = no authentication.
    std::map<std::string, std::string> basic_auth;
};

// Fills the listener's security and topic-tracking settings of `cfg` from the worker
// configuration, as Kafka Connect's RestServerConfig reads them:
// - an https listener takes its keystore from the `listeners.https.`-prefixed ssl.* keys when any
//   is set, else from the worker's top-level ssl.* keys (ssl.keystore.location, .type PEM or
//   PKCS12, .password, ssl.key.password); JKS keystores are refused with a conversion hint;
// - basic authentication is on when rest.extension.classes names Kafka's
//   BasicAuthSecurityRestExtension: the credentials file (user=password lines) is the `file` of
//   the KafkaConnect entry of the JAAS file given by -Djava.security.auth.login.config in
//   KAFKA_OPTS, as with Java workers, or Ferry's rest.basic.auth.credentials.file;
// - topic.tracking.enable / topic.tracking.allow.reset (403 on /topics when off);
// - the truststore used to verify other workers when forwarding (rest_client_tls_from).
// Errors name the key and file; the worker refuses to start on them.
result<> configure_listener(server_config& cfg, const config::config_values& worker, bool https);

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
