#include "kafka/group/connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "ferry/data/base64.hpp"

namespace ferry::kafka::group {

namespace proto = broker::proto;
using clock = std::chrono::steady_clock;

// --------------------------------------------------------------------------------- security

result<security_config> security_config::from(const std::map<std::string, std::string>& p) {
    security_config s;
    auto get = [&](const char* k) -> std::string {
        auto it = p.find(k);
        return it == p.end() ? std::string() : it->second;
    };
    if (auto v = get("security.protocol"); !v.empty()) {
        for (auto& c : v) c = char(std::toupper((unsigned char)c));
        s.protocol = v;
    }
    if (s.protocol != "PLAINTEXT" && s.protocol != "SSL" && s.protocol != "SASL_PLAINTEXT" && s.protocol != "SASL_SSL")
        return fail(errc::invalid_argument, "unsupported security.protocol {}", s.protocol);
    s.ca_location = get("ssl.ca.location");
    if (s.ca_location.empty()) s.ca_location = get("ssl.truststore.location");
    s.cert_location = get("ssl.certificate.location");
    s.key_location = get("ssl.key.location");
    s.key_password = get("ssl.key.password");
    auto algo = get("ssl.endpoint.identification.algorithm");
    if (p.count("ssl.endpoint.identification.algorithm") && (algo.empty() || algo == "none")) s.verify_hostname = false;
    if (auto m = get("sasl.mechanism"); !m.empty()) s.sasl_mechanism = m;
    else if (auto m2 = get("sasl.mechanisms"); !m2.empty()) s.sasl_mechanism = m2;
    s.sasl_username = get("sasl.username");
    s.sasl_password = get("sasl.password");
    if (auto jaas = get("sasl.jaas.config"); !jaas.empty()) {
        static const std::regex user_re(R"(username\s*=\s*"([^"]*)\")"), pass_re(R"(password\s*=\s*"([^"]*)\")");
        std::smatch m;
        if (std::regex_search(jaas, m, user_re)) s.sasl_username = m[1];
        if (std::regex_search(jaas, m, pass_re)) s.sasl_password = m[1];
    }
    if (s.sasl() && s.sasl_mechanism != "PLAIN" && s.sasl_mechanism != "SCRAM-SHA-256" &&
        s.sasl_mechanism != "SCRAM-SHA-512")
        return fail(errc::invalid_argument, "sasl.mechanism {} is not supported for worker group membership (PLAIN, "
                                            "SCRAM-SHA-256 and SCRAM-SHA-512 are)",
                    s.sasl_mechanism);
    return s;
}

// --------------------------------------------------------------------------------- SASL messages

namespace {
struct sasl_handshake_request {
    std::string mechanism;
    template <class S> void serde(S& s) { s.str(mechanism); }
};
struct sasl_handshake_response {
    int16_t error_code = 0;
    std::vector<std::string> mechanisms;
    template <class S> void serde(S& s) {
        s.i16(error_code);
        s.array_str(mechanisms);
    }
};
struct sasl_authenticate_request {
    std::string auth_bytes;
    template <class S> void serde(S& s) { s.bytes(auth_bytes); }
};
struct sasl_authenticate_response {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::string auth_bytes;
    int64_t session_lifetime_ms = 0;
    template <class S> void serde(S& s) {
        s.i16(error_code);
        s.nstr(error_message);
        s.bytes(auth_bytes);
        if (s.v >= 1) s.i64(session_lifetime_ms);
    }
};
constexpr auto sasl_handshake_key = static_cast<proto::api_key>(17);
constexpr auto sasl_authenticate_key = static_cast<proto::api_key>(36);

std::string openssl_error() {
    char buf[256];
    unsigned long e = ERR_get_error();
    if (!e) return "unknown TLS error";
    ERR_error_string_n(e, buf, sizeof(buf));
    return buf;
}
} // namespace

struct connection::tls_state {
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    ~tls_state() {
        if (ssl) SSL_free(ssl);
        if (ctx) SSL_CTX_free(ctx);
    }
};

// --------------------------------------------------------------------------------- connection

connection::~connection() {
    if (_tls && _tls->ssl) SSL_shutdown(_tls->ssl);
    _tls.reset();
    if (_fd >= 0) ::close(_fd);
}

result<std::unique_ptr<connection>> connection::open(const std::string& host, int port, const security_config& sec,
                                                     const std::string& client_id, std::chrono::milliseconds timeout) {
    std::unique_ptr<connection> c(new connection());
    c->_host = host;
    c->_port = port;
    c->_client_id = client_id;
    auto deadline = clock::now() + timeout;

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
        return fail(errc::unavailable, "cannot resolve {}: {}", host, gai_strerror(rc));
    std::string last_error = "no address";
    for (auto* ai = res; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            pollfd pfd{fd, POLLOUT, 0};
            int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count());
            rc = ::poll(&pfd, 1, std::max(left, 0));
            if (rc == 1) {
                int err = 0;
                socklen_t len = sizeof(err);
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                rc = err == 0 ? 0 : -1;
                errno = err;
            } else {
                rc = -1;
                errno = ETIMEDOUT;
            }
        }
        if (rc == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            c->_fd = fd;
            break;
        }
        last_error = std::strerror(errno);
        ::close(fd);
    }
    freeaddrinfo(res);
    if (c->_fd < 0) return fail(errc::unavailable, "cannot connect to {}:{}: {}", host, port, last_error);
    if (auto r = c->handshake(sec, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now())); !r)
        return fail(r.error());

    // Learn the broker's versions (ApiVersions v0 works with every broker).
    proto::api_versions_request req;
    auto resp = c->call<proto::api_versions_request, proto::api_versions_response>(
        proto::api_key::api_versions, 0, req, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()));
    if (!resp) return fail(resp.error());
    if (resp->error_code) return fail(errc::unavailable, "ApiVersions failed: {}", proto::error_name(resp->error_code));
    for (auto& a : resp->api_keys) c->_versions[a.api_key] = {a.min_version, a.max_version};
    return c;
}

std::optional<int16_t> connection::version_for(proto::api_key key, int16_t min_client, int16_t max_client) const {
    auto it = _versions.find(static_cast<int16_t>(key));
    if (it == _versions.end()) return std::nullopt;
    int16_t v = std::min(max_client, it->second.second);
    if (v < std::max(min_client, it->second.first)) return std::nullopt;
    return v;
}

result<> connection::handshake(const security_config& sec, std::chrono::milliseconds timeout) {
    if (sec.tls()) {
        _tls = std::make_unique<tls_state>();
        _tls->ctx = SSL_CTX_new(TLS_client_method());
        if (!_tls->ctx) return fail(errc::internal, "TLS: {}", openssl_error());
        SSL_CTX_set_min_proto_version(_tls->ctx, TLS1_2_VERSION);
        if (!sec.ca_location.empty()) {
            if (SSL_CTX_load_verify_locations(_tls->ctx, sec.ca_location.c_str(), nullptr) != 1)
                return fail(errc::invalid_argument, "TLS: cannot load CA file {}: {}", sec.ca_location, openssl_error());
        } else {
            SSL_CTX_set_default_verify_paths(_tls->ctx);
        }
        SSL_CTX_set_verify(_tls->ctx, SSL_VERIFY_PEER, nullptr);
        if (!sec.cert_location.empty()) {
            if (!sec.key_password.empty())
                SSL_CTX_set_default_passwd_cb_userdata(_tls->ctx, const_cast<char*>(sec.key_password.c_str()));
            if (SSL_CTX_use_certificate_chain_file(_tls->ctx, sec.cert_location.c_str()) != 1 ||
                SSL_CTX_use_PrivateKey_file(_tls->ctx, sec.key_location.c_str(), SSL_FILETYPE_PEM) != 1)
                return fail(errc::invalid_argument, "TLS: cannot load client certificate/key: {}", openssl_error());
        }
        _tls->ssl = SSL_new(_tls->ctx);
        SSL_set_fd(_tls->ssl, _fd);
        SSL_set_tlsext_host_name(_tls->ssl, _host.c_str());
        if (sec.verify_hostname) {
            auto* param = SSL_get0_param(_tls->ssl);
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            in6_addr a6;
            in_addr a4;
            if (inet_pton(AF_INET, _host.c_str(), &a4) == 1 || inet_pton(AF_INET6, _host.c_str(), &a6) == 1)
                X509_VERIFY_PARAM_set1_ip_asc(param, _host.c_str());
            else
                X509_VERIFY_PARAM_set1_host(param, _host.c_str(), 0);
        }
        auto deadline = clock::now() + timeout;
        for (;;) {
            int rc = SSL_connect(_tls->ssl);
            if (rc == 1) break;
            int err = SSL_get_error(_tls->ssl, rc);
            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                return fail(errc::unavailable, "TLS handshake with {}:{} failed: {}", _host, _port, openssl_error());
            pollfd pfd{_fd, short(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
            int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count());
            if (left <= 0 || ::poll(&pfd, 1, left) <= 0)
                return fail(errc::timeout, "TLS handshake with {}:{} timed out", _host, _port);
        }
    }
    if (sec.sasl()) return sasl_authenticate(sec, timeout);
    return {};
}

result<> connection::sasl_authenticate(const security_config& sec, std::chrono::milliseconds timeout) {
    sasl_handshake_request hs{sec.sasl_mechanism};
    auto hr = call<sasl_handshake_request, sasl_handshake_response>(sasl_handshake_key, 1, hs, timeout);
    if (!hr) return fail(hr.error());
    if (hr->error_code)
        return fail(errc::invalid_argument, "SASL mechanism {} is not enabled on the broker (it offers {})",
                    sec.sasl_mechanism, fmt::join(hr->mechanisms, ", "));
    auto exchange = [&](std::string bytes) -> result<std::string> {
        sasl_authenticate_request ar{std::move(bytes)};
        auto r = call<sasl_authenticate_request, sasl_authenticate_response>(sasl_authenticate_key, 1, ar, timeout);
        if (!r) return fail(r.error());
        if (r->error_code)
            return fail(errc::invalid_argument, "SASL authentication failed: {}",
                        r->error_message.value_or(proto::error_name(r->error_code)));
        return std::move(r->auth_bytes);
    };
    if (sec.sasl_mechanism == "PLAIN") {
        std::string token;
        token.push_back('\0');
        token += sec.sasl_username;
        token.push_back('\0');
        token += sec.sasl_password;
        auto r = exchange(token);
        if (!r) return fail(r.error());
        return {};
    }
    scram_client scram{sec.sasl_mechanism, sec.sasl_username, sec.sasl_password};
    auto server_first = exchange(scram.first_message());
    if (!server_first) return fail(server_first.error());
    auto final = scram.final_message(*server_first);
    if (!final) return fail(final.error());
    auto server_final = exchange(*final);
    if (!server_final) return fail(server_final.error());
    return scram.verify_server_final(*server_final);
}

result<> connection::write_all(const char* p, size_t n, clock::time_point deadline) {
    while (n > 0) {
        ssize_t w;
        int want = POLLOUT;
        if (_tls) {
            int rc = SSL_write(_tls->ssl, p, int(n));
            if (rc > 0) {
                w = rc;
            } else {
                int err = SSL_get_error(_tls->ssl, rc);
                if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                    return fail(errc::io, "TLS write to {}:{}: {}", _host, _port, openssl_error());
                want = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
                w = -1;
            }
        } else {
            w = ::send(_fd, p, n, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                return fail(errc::io, "write to {}:{}: {}", _host, _port, std::strerror(errno));
        }
        if (w > 0) {
            p += w;
            n -= size_t(w);
            continue;
        }
        pollfd pfd{_fd, short(want), 0};
        int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count());
        if (left <= 0 || ::poll(&pfd, 1, left) <= 0) return fail(errc::timeout, "write to {}:{} timed out", _host, _port);
    }
    return {};
}

result<> connection::read_all(char* p, size_t n, clock::time_point deadline) {
    while (n > 0) {
        ssize_t r;
        int want = POLLIN;
        if (_tls) {
            int rc = SSL_read(_tls->ssl, p, int(n));
            if (rc > 0) {
                r = rc;
            } else {
                int err = SSL_get_error(_tls->ssl, rc);
                if (err == SSL_ERROR_ZERO_RETURN) return fail(errc::io, "{}:{} closed the connection", _host, _port);
                if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                    return fail(errc::io, "TLS read from {}:{}: {}", _host, _port, openssl_error());
                want = err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
                r = -1;
            }
        } else {
            r = ::recv(_fd, p, n, 0);
            if (r == 0) return fail(errc::io, "{}:{} closed the connection", _host, _port);
            if (r < 0 && errno != EAGAIN && errno != EINTR)
                return fail(errc::io, "read from {}:{}: {}", _host, _port, std::strerror(errno));
        }
        if (r > 0) {
            p += r;
            n -= size_t(r);
            continue;
        }
        pollfd pfd{_fd, short(want), 0};
        int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count());
        if (left <= 0 || ::poll(&pfd, 1, left) <= 0) return fail(errc::timeout, "read from {}:{} timed out", _host, _port);
    }
    return {};
}

result<std::string> connection::roundtrip(const std::string& frame, std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    if (auto r = write_all(frame.data(), frame.size(), deadline); !r) return fail(r.error());
    char size_buf[4];
    if (auto r = read_all(size_buf, 4, deadline); !r) return fail(r.error());
    uint32_t size = uint32_t(uint8_t(size_buf[0])) << 24 | uint32_t(uint8_t(size_buf[1])) << 16 |
                    uint32_t(uint8_t(size_buf[2])) << 8 | uint8_t(size_buf[3]);
    if (size > 100 * 1024 * 1024) return fail(errc::io, "response of {} bytes from {}:{} is too large", size, _host, _port);
    std::string body(size, '\0');
    if (auto r = read_all(body.data(), size, deadline); !r) return fail(r.error());
    return body;
}

// --------------------------------------------------------------------------------- SCRAM

namespace {
const EVP_MD* scram_md(const std::string& mech) { return mech == "SCRAM-SHA-512" ? EVP_sha512() : EVP_sha256(); }

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string scram_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '=') o += "=3D";
        else if (c == ',') o += "=2C";
        else o += c;
    }
    return o;
}

std::map<char, std::string> scram_fields(const std::string& msg) {
    std::map<char, std::string> out;
    size_t pos = 0;
    while (pos < msg.size()) {
        auto comma = msg.find(',', pos);
        auto part = msg.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (part.size() >= 2 && part[1] == '=') out[part[0]] = part.substr(2);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}
} // namespace

std::string scram_client::first_message() {
    if (nonce.empty()) {
        unsigned char raw[24];
        RAND_bytes(raw, sizeof(raw));
        nonce = base64_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof(raw)));
    }
    client_first_bare = "n=" + scram_escape(username) + ",r=" + nonce;
    return "n,," + client_first_bare;
}

result<std::string> scram_client::final_message(const std::string& sf) {
    server_first = sf;
    auto f = scram_fields(sf);
    if (f.count('e')) return fail(errc::invalid_argument, "SCRAM: server error {}", f['e']);
    if (!f.count('r') || !f.count('s') || !f.count('i') || f['r'].rfind(nonce, 0) != 0)
        return fail(errc::invalid_argument, "SCRAM: invalid server-first message");
    auto salt = base64_decode(f['s']);
    int iterations = std::atoi(f['i'].c_str());
    if (!salt || iterations < 1) return fail(errc::invalid_argument, "SCRAM: invalid salt or iteration count");
    auto* md = scram_md(mechanism);
    std::string salted(size_t(EVP_MD_size(md)), '\0');
    PKCS5_PBKDF2_HMAC(password.data(), int(password.size()), reinterpret_cast<const unsigned char*>(salt->data()),
                      int(salt->size()), iterations, md, int(salted.size()), reinterpret_cast<unsigned char*>(salted.data()));
    auto client_key = hmac(md, salted, "Client Key");
    auto stored_key = digest(md, client_key);
    std::string without_proof = "c=biws,r=" + f['r'];
    auto auth_message = client_first_bare + "," + server_first + "," + without_proof;
    auto client_signature = hmac(md, stored_key, auth_message);
    std::string proof = client_key;
    for (size_t i = 0; i < proof.size(); i++) proof[i] = char(proof[i] ^ client_signature[i]);
    auto server_key = hmac(md, salted, "Server Key");
    expected_server_signature = base64_encode(hmac(md, server_key, auth_message));
    return without_proof + ",p=" + base64_encode(proof);
}

result<> scram_client::verify_server_final(const std::string& sf) {
    auto f = scram_fields(sf);
    if (f.count('e')) return fail(errc::invalid_argument, "SCRAM: server error {}", f['e']);
    if (!f.count('v') || f['v'] != expected_server_signature)
        return fail(errc::invalid_argument, "SCRAM: the server's signature does not verify");
    return {};
}

} // namespace ferry::kafka::group
