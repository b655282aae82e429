#pragma once
// The HTTP client one worker uses to call another: REST requests a follower forwards to the leader
// (or to the worker running a task), and the task configs a follower's connector sends to the
// leader. Kafka Connect's RestClient does the same with the worker's own SSL settings, and so does
// this: for an https:// peer the server certificate is verified, against the truststore of the
// `listeners.https.`-prefixed ssl.* keys when any such key is set, else of the top-level ssl.*
// keys, else against the system's CA certificates (Java: the JVM's default truststore). The host
// name is always checked against the certificate (ssl.endpoint.identification.algorithm=https,
// Kafka's default; an empty value, which turns the check off in Java, is refused with a warning
// and the check stays on). These requests carry connector configurations, secrets included, so an
// unverified peer is never acceptable.

#include "base/error.hpp"
#include "ferry/config/config_def.hpp"

#include <memory>
#include <string>

namespace httplib {
class Client;
}

namespace ferry::runtime {

struct rest_client_tls {
    std::string truststore_location; // PEM bundle or PKCS12 file; empty = the system's CAs
    bool truststore_pkcs12 = false;
    std::string truststore_password; // PKCS12 only
    std::string truststore_key;      // the key that named the file, for messages
};

// Reads the truststore settings; fails naming the key when the file cannot be read or its type
// is not PEM or PKCS12 (JKS files get a conversion hint).
result<rest_client_tls> rest_client_tls_from(const config::config_values& worker);

// What a keystore/truststore file is, by its first bytes (also used for the REST listener's
// keystore): a Java JKS store (which Ferry cannot read) or PEM text.
bool is_jks_file(const std::string& path);
bool is_pem_file(const std::string& path);

// A client for `base_url` (http://host:port or https://host:port) with Ferry's inter-worker
// timeouts and, for https, certificate verification as above.
std::unique_ptr<httplib::Client> make_rest_client(const std::string& base_url, const rest_client_tls& tls);

} // namespace ferry::runtime
