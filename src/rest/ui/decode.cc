#include "rest/ui/decode.hpp"

#include "rest/ui/avro.hpp"

#include <rapidjson/document.h>

namespace ferry::rest::ui {

std::optional<payload_format> parse_payload_format(std::string_view s) {
    if (s.empty() || s == "auto") return payload_format::auto_detect;
    if (s == "json") return payload_format::json;
    if (s == "avro") return payload_format::avro;
    if (s == "string") return payload_format::string;
    if (s == "hex") return payload_format::hex;
    return std::nullopt;
}

bool valid_utf8(std::string_view s) {
    size_t i = 0, n = s.size();
    while (i < n) {
        auto c = uint8_t(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (len == 0 || i + len > n) return false;
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
        for (size_t k = 1; k < len; k++) {
            auto cc = uint8_t(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

std::string to_hex(std::string_view b) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 2);
    for (unsigned char c : b) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

namespace {

// Text without control characters other than tab and line breaks reads as a string.
bool printable_text(std::string_view s) {
    if (!valid_utf8(s)) return false;
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
    return true;
}

// Invalid UTF-8 sequences become U+FFFD, byte by byte.
std::string sanitize_utf8(std::string_view s) {
    if (valid_utf8(s)) return std::string(s);
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        size_t len = 0;
        for (size_t l = 4; l >= 1 && len == 0; l--)
            if (i + l <= s.size() && valid_utf8(s.substr(i, l))) len = l;
        if (len == 0) {
            out += "\xef\xbf\xbd";
            len = 1;
        } else {
            out.append(s.substr(i, len));
        }
        i += len;
    }
    return out;
}

bool is_json(std::string_view s) {
    if (s.find_first_not_of(" \t\r\n") == std::string_view::npos) return false;
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(s.data(), s.size());
    return !d.HasParseError();
}

void write_hex(json_writer& w, std::string_view b) {
    bool cut = b.size() > max_payload_shown;
    w.key("format").str("hex").key("size").num(int64_t(b.size())).key("hex").str(to_hex(b.substr(0, max_payload_shown)));
    if (cut) w.key("truncated").boolean(true);
}

void write_text(json_writer& w, std::string_view b) {
    bool cut = b.size() > max_payload_shown;
    auto shown = b.substr(0, max_payload_shown);
    // Do not cut a UTF-8 sequence in half.
    while (cut && !shown.empty() && (uint8_t(b[shown.size()]) & 0xc0) == 0x80) shown.remove_suffix(1);
    w.key("format").str("string").key("size").num(int64_t(b.size())).key("text").str(sanitize_utf8(shown));
    if (cut) w.key("truncated").boolean(true);
}

// Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the encoded datum.
std::optional<int32_t> wire_schema_id(std::string_view b) {
    if (b.size() < 5 || b[0] != 0) return std::nullopt;
    return int32_t(uint32_t(uint8_t(b[1])) << 24 | uint32_t(uint8_t(b[2])) << 16 | uint32_t(uint8_t(b[3])) << 8 |
                   uint32_t(uint8_t(b[4])));
}

// Returns the JSON text of a registry-encoded payload, or why not.
result<std::string> decode_registered(std::string_view b, int32_t id, const schema_lookup& lookup) {
    auto s = lookup(id);
    if (!s) return fail(s.error());
    auto body = b.substr(5);
    if (s->type == "AVRO" || s->type.empty()) return avro_to_json(s->schema, body);
    if (s->type == "JSON") {
        if (is_json(body)) return std::string(body);
        return fail(errc::invalid_argument, "the payload of JSON-schema id {} is not JSON", id);
    }
    return fail(errc::invalid_argument, "schema id {} is of type {}, which the browser does not decode", id, s->type);
}

} // namespace

void write_payload(json_writer& w, std::optional<std::string_view> bytes, payload_format f, const schema_lookup& lookup) {
    w.begin_object();
    if (!bytes) {
        w.key("format").str("null").end_object();
        return;
    }
    auto b = *bytes;
    std::string err;
    if (f == payload_format::auto_detect || f == payload_format::avro) {
        auto id = wire_schema_id(b);
        if (id && lookup) {
            auto j = decode_registered(b, *id, lookup);
            if (j && j->size() <= max_payload_shown) {
                w.key("format").str("avro").key("size").num(int64_t(b.size())).key("schema_id").num(*id);
                w.key("json").raw(*j).end_object();
                return;
            }
            if (!j) err = fmt::format("Not decodable with schema id {}: {}", *id, j.error().message);
            else err = fmt::format("The decoded value is larger than {} bytes", max_payload_shown);
        } else if (f == payload_format::avro) {
            err = !lookup ? "No schema registry is configured (value.converter.schema.registry.url)"
                          : "Not in the schema registry's wire format (magic byte 0, 4-byte schema id)";
        }
        if (f == payload_format::avro) {
            w.key("error").str(err);
            write_hex(w, b);
            w.end_object();
            return;
        }
    }
    if (f == payload_format::auto_detect || f == payload_format::json) {
        if (b.size() <= max_payload_shown && is_json(b)) {
            w.key("format").str("json").key("size").num(int64_t(b.size())).key("json").raw(b).end_object();
            return;
        }
        if (f == payload_format::json) {
            w.key("error").str(b.size() > max_payload_shown ? "Too large to show as JSON" : "Not valid JSON");
            if (printable_text(b)) write_text(w, b);
            else write_hex(w, b);
            w.end_object();
            return;
        }
    }
    if (f == payload_format::string || (f == payload_format::auto_detect && printable_text(b))) write_text(w, b);
    else write_hex(w, b);
    if (!err.empty()) w.key("error").str(err);
    w.end_object();
}

} // namespace ferry::rest::ui
