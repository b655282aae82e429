#include "runtime/distributed/rest_client.hpp"

#include "base/log.hpp"

#include <httplib.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace ferry::runtime {

namespace {

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    return s;
}

// The certificates of a PKCS12 truststore as an X509_STORE (owned by the caller), or null.
X509_STORE* pkcs12_store(const rest_client_tls& tls) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(tls.truststore_location.c_str(), "rb"), BIO_free);
    std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(bio ? d2i_PKCS12_bio(bio.get(), nullptr) : nullptr,
                                                        PKCS12_free);
    if (!p12) return nullptr;
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* cas = nullptr;
    if (!PKCS12_parse(p12.get(), tls.truststore_password.c_str(), &key, &cert, &cas)) return nullptr;
    X509_STORE* store = X509_STORE_new();
    // A Java truststore holds trusted certificate entries; they arrive as the "CA" list (and a
    // single certificate with a key, if any, as `cert`).
    if (cert) X509_STORE_add_cert(store, cert);
    for (int i = 0; cas && i < sk_X509_num(cas); i++) X509_STORE_add_cert(store, sk_X509_value(cas, i));
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(cas, X509_free);
    return store;
}

} // namespace

bool is_jks_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char magic[4] = {};
    in.read(reinterpret_cast<char*>(magic), 4);
    return in.gcount() == 4 && magic[0] == 0xFE && magic[1] == 0xED && magic[2] == 0xFE && magic[3] == 0xED;
}

bool is_pem_file(const std::string& path) {
    std::ifstream in(path);
    std::string head(4096, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    head.resize(size_t(in.gcount()));
    return head.find("-----BEGIN ") != std::string::npos;
}

result<rest_client_tls> rest_client_tls_from(const config::config_values& worker) {
    // RestClient / SSLUtils: the listeners.https.* values when any is set, else the top-level ones.
    auto prefixed = worker.originals_with_prefix("listeners.https.");
    bool use_prefix = !prefixed.empty();
    const auto& m = use_prefix ? prefixed : worker.originals();
    auto get = [&](const std::string& key) {
        auto it = m.find(key);
        return it == m.end() ? std::string() : it->second;
    };
    auto key_name = [&](const std::string& key) { return (use_prefix ? "listeners.https." : "") + key; };

    if (m.count("ssl.endpoint.identification.algorithm") && get("ssl.endpoint.identification.algorithm").empty())
        log::get("runtime")->warn("{} is empty: Ferry still checks the host name of other workers' certificates",
                                  key_name("ssl.endpoint.identification.algorithm"));
    rest_client_tls tls;
    auto location = get("ssl.truststore.location");
    if (location.empty()) return tls;
    tls.truststore_key = key_name("ssl.truststore.location");
    if (!std::ifstream(location))
        return fail(errc::invalid_argument, "cannot read {} ({})", location, tls.truststore_key);
    if (is_jks_file(location))
        return fail(errc::invalid_argument,
                    "{} is a JKS truststore, which Ferry cannot read; convert it with `keytool -importkeystore "
                    "-srckeystore {} -destkeystore truststore.p12 -deststoretype PKCS12` and set {}=PKCS12",
                    location, location, key_name("ssl.truststore.type"));
    auto type = upper(get("ssl.truststore.type"));
    if (type.empty() || type == "JKS") type = is_pem_file(location) ? "PEM" : "PKCS12";
    if (type != "PEM" && type != "PKCS12")
        return fail(errc::invalid_argument, "Unsupported {}: {} (Ferry reads PEM and PKCS12 truststores)",
                    key_name("ssl.truststore.type"), type);
    tls.truststore_location = location;
    tls.truststore_pkcs12 = type == "PKCS12";
    tls.truststore_password = get("ssl.truststore.password");
    if (tls.truststore_pkcs12) {
        X509_STORE* probe = pkcs12_store(tls);
        if (!probe)
            return fail(errc::invalid_argument, "cannot read the PKCS12 truststore {} (wrong {}?)", location,
                        key_name("ssl.truststore.password"));
        X509_STORE_free(probe);
    }
    return tls;
}

std::unique_ptr<httplib::Client> make_rest_client(const std::string& base_url, const rest_client_tls& tls) {
    auto cli = std::make_unique<httplib::Client>(base_url);
    cli->set_connection_timeout(10);
    cli->set_read_timeout(90);
    if (base_url.rfind("https://", 0) == 0) {
        cli->enable_server_certificate_verification(true);
        if (!tls.truststore_location.empty()) {
            if (tls.truststore_pkcs12) {
                // The client's SSL context takes ownership of the store.
                if (auto* store = pkcs12_store(tls)) cli->set_ca_cert_store(store);
            } else {
                cli->set_ca_cert_path(tls.truststore_location);
            }
        }
    }
    return cli;
}

} // namespace ferry::runtime
