#pragma once
// A minimal blocking Kafka protocol client connection, for the calls librdkafka does not expose:
// the group membership of distributed workers (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup with protocol type "connect").
//
// One request at a time per connection (requests are small and the caller waits for each). The
// security settings are the worker's: security.protocol PLAINTEXT | SSL | SASL_PLAINTEXT |
// SASL_SSL, ssl.ca.location (or ssl.truststore.location as a PEM file), ssl.certificate.location /
// ssl.key.location for client certificates, ssl.endpoint.identification.algorithm, and SASL PLAIN
// or SCRAM-SHA-256/512 with sasl.username/sasl.password or a sasl.jaas.config.

#include "base/error.hpp"
#include "broker/protocol/api.hpp"
#include "broker/protocol/messages.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ferry::kafka::group {

struct security_config {
    std::string protocol = "PLAINTEXT";
    std::string ca_location;
    std::string cert_location, key_location, key_password;
    bool verify_hostname = true;
    std::string sasl_mechanism = "GSSAPI";
    std::string sasl_username, sasl_password;

    // From Java/librdkafka client properties.
    static result<security_config> from(const std::map<std::string, std::string>& props);
    bool tls() const { return protocol == "SSL" || protocol == "SASL_SSL"; }
    bool sasl() const { return protocol == "SASL_PLAINTEXT" || protocol == "SASL_SSL"; }
};

class connection {
public:
    static result<std::unique_ptr<connection>> open(const std::string& host, int port, const security_config& sec,
                                                    const std::string& client_id, std::chrono::milliseconds timeout);
    ~connection();

    // Sends a request and waits for its response (non-flexible versions only).
    template <class Req, class Resp>
    result<Resp> call(broker::proto::api_key key, int16_t version, Req& req, std::chrono::milliseconds timeout) {
        int32_t corr = _next_correlation++;
        auto frame = broker::proto::encode_request(static_cast<int16_t>(key), version, corr, _client_id, req);
        auto raw = roundtrip(frame.flatten(), timeout);
        if (!raw) return fail(raw.error());
        int32_t got = -1;
        auto resp = broker::proto::decode_response<Resp>(static_cast<int16_t>(key), version, raw->data(), raw->size(), &got);
        if (!resp) return fail(errc::io, "malformed response to API {} v{}", static_cast<int>(key), version);
        if (got != corr) return fail(errc::io, "response correlation id {} does not match request {}", got, corr);
        return std::move(*resp);
    }

    // The highest version both sides support for an API, within [min_client, max_client].
    std::optional<int16_t> version_for(broker::proto::api_key key, int16_t min_client, int16_t max_client) const;
    const std::string& host() const { return _host; }
    int port() const { return _port; }

private:
    connection() = default;
    result<> handshake(const security_config& sec, std::chrono::milliseconds timeout);
    result<> sasl_authenticate(const security_config& sec, std::chrono::milliseconds timeout);
    result<std::string> roundtrip(const std::string& frame, std::chrono::milliseconds timeout);
    result<> write_all(const char* p, size_t n, std::chrono::steady_clock::time_point deadline);
    result<> read_all(char* p, size_t n, std::chrono::steady_clock::time_point deadline);

    struct tls_state;
    std::unique_ptr<tls_state> _tls;
    int _fd = -1;
    std::string _host;
    int _port = 0;
    std::string _client_id;
    int32_t _next_correlation = 1;
    std::map<int16_t, std::pair<int16_t, int16_t>> _versions;
};

// SCRAM (RFC 5802/7677) client, exposed for tests.
struct scram_client {
    std::string mechanism; // SCRAM-SHA-256 or SCRAM-SHA-512
    std::string username, password, nonce;
    std::string client_first_bare, server_first;
    std::string first_message();
    // Returns the client-final message, or an error for a bad server-first message.
    result<std::string> final_message(const std::string& server_first_message);
    // Verifies the server signature in server-final.
    result<> verify_server_final(const std::string& server_final_message);
    std::string expected_server_signature;
};

} // namespace ferry::kafka::group
