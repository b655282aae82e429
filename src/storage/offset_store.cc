#include "storage/offset_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ferry::storage {

std::optional<std::string> memory_offset_store::get(std::string_view key) const {
    std::lock_guard g(_mu);
    auto it = _data.find(key);
    if (it == _data.end()) return std::nullopt;
    return it->second;
}

result<> memory_offset_store::set(const offset_entries& entries, std::chrono::milliseconds) {
    std::lock_guard g(_mu);
    for (auto& [k, v] : entries) {
        if (v) _data[k] = *v;
        else _data.erase(k);
    }
    return {};
}

std::vector<std::pair<std::string, std::string>> memory_offset_store::entries() const {
    std::lock_guard g(_mu);
    return {_data.begin(), _data.end()};
}

// ---------------------------------------------------------------------------------------------

result<> file_offset_store::start() {
    std::ifstream in(_path, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(_path)) return {}; // missing file = no offsets yet
        return fail(errc::io, "cannot read offsets file {}: {}", _path, std::strerror(errno));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto data = ss.str();
    if (data.empty()) return {};
    auto entries = java_deserialize_byte_map(data);
    if (!entries) return fail(errc::io, "offsets file {} is not a Java-serialized offsets map: {}", _path,
                              entries.error().message);
    std::lock_guard g(_mu);
    for (auto& [k, v] : *entries)
        if (v) _data[k] = *v;
    return {};
}

result<> file_offset_store::set(const offset_entries& entries, std::chrono::milliseconds timeout) {
    std::lock_guard g(_mu);
    auto before = _data;
    for (auto& [k, v] : entries) {
        if (v) _data[k] = *v;
        else _data.erase(k);
    }
    auto r = save_locked();
    if (!r) _data = std::move(before); // keep memory and file in agreement
    return r;
}

namespace {
result<> write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(errc::io, "write {}: {}", path, std::strerror(errno));
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}
} // namespace

result<> file_offset_store::save_locked() {
    std::map<std::string, std::optional<std::string>, std::less<>> m;
    for (auto& [k, v] : _data) m.emplace(k, v);
    auto bytes = java_serialize_byte_map(m);
    auto tmp = _path + ".tmp";
    std::filesystem::path p(_path);
    if (p.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
    }
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(errc::io, "cannot write offsets file {}: {}", tmp, std::strerror(errno));
    auto w = write_all(fd, bytes, tmp);
    if (w && ::fsync(fd) != 0) w = fail(errc::io, "fsync {}: {}", tmp, std::strerror(errno));
    ::close(fd);
    if (!w) return w;
    if (::rename(tmp.c_str(), _path.c_str()) != 0)
        return fail(errc::io, "rename {} -> {}: {}", tmp, _path, std::strerror(errno));
    auto dir = p.has_parent_path() ? p.parent_path().string() : std::string(".");
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Java serialization (java.io.ObjectOutputStream, stream protocol version 2) of
// HashMap<byte[],byte[]>. Only what that one object graph needs is implemented.

namespace {

constexpr uint8_t TC_NULL = 0x70, TC_REFERENCE = 0x71, TC_CLASSDESC = 0x72, TC_OBJECT = 0x73, TC_STRING = 0x74,
                  TC_ARRAY = 0x75, TC_BLOCKDATA = 0x77, TC_ENDBLOCKDATA = 0x78, TC_BLOCKDATALONG = 0x7A;
constexpr uint32_t base_handle = 0x7E0000;

void put_u16(std::string& o, uint16_t v) {
    o.push_back(char(v >> 8));
    o.push_back(char(v));
}
void put_u32(std::string& o, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) o.push_back(char(v >> s));
}
void put_u64(std::string& o, uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) o.push_back(char(v >> s));
}
void put_utf(std::string& o, std::string_view s) {
    put_u16(o, uint16_t(s.size()));
    o.append(s);
}

} // namespace

std::string java_serialize_byte_map(const std::map<std::string, std::optional<std::string>, std::less<>>& m) {
    std::string o;
    put_u16(o, 0xACED);
    put_u16(o, 5);
    // HashMap class descriptor (handle 0) and the object itself (handle 1).
    o.push_back(char(TC_OBJECT));
    o.push_back(char(TC_CLASSDESC));
    put_utf(o, "java.util.HashMap");
    put_u64(o, 0x0507DAC1C31660D1ULL); // serialVersionUID
    o.push_back(0x03);                 // SC_WRITE_METHOD | SC_SERIALIZABLE
    put_u16(o, 2);
    o.push_back('F');
    put_utf(o, "loadFactor");
    o.push_back('I');
    put_utf(o, "threshold");
    o.push_back(char(TC_ENDBLOCKDATA));
    o.push_back(char(TC_NULL)); // no serializable superclass
    // Java allocates a 16-bucket table on first put and doubles it past 75% load.
    uint32_t capacity = 16;
    while (m.size() > capacity * 3 / 4) capacity *= 2;
    put_u32(o, 0x3F400000); // 0.75f
    put_u32(o, m.empty() ? 0 : capacity * 3 / 4);
    o.push_back(char(TC_BLOCKDATA));
    o.push_back(8);
    put_u32(o, capacity);
    put_u32(o, uint32_t(m.size()));
    uint32_t next_handle = 2;
    std::optional<uint32_t> array_desc;
    auto put_array = [&](const std::string& bytes) {
        o.push_back(char(TC_ARRAY));
        if (!array_desc) {
            o.push_back(char(TC_CLASSDESC));
            put_utf(o, "[B");
            put_u64(o, 0xACF317F8060854E0ULL);
            o.push_back(0x02); // SC_SERIALIZABLE
            put_u16(o, 0);
            o.push_back(char(TC_ENDBLOCKDATA));
            o.push_back(char(TC_NULL));
            array_desc = next_handle++;
        } else {
            o.push_back(char(TC_REFERENCE));
            put_u32(o, base_handle + *array_desc);
        }
        next_handle++; // the array object itself
        put_u32(o, uint32_t(bytes.size()));
        o.append(bytes);
    };
    for (auto& [k, v] : m) {
        put_array(k);
        if (v) put_array(*v);
        else o.push_back(char(TC_NULL));
    }
    o.push_back(char(TC_ENDBLOCKDATA));
    return o;
}

namespace {

struct reader {
    std::string_view d;
    size_t pos = 0;
    std::string err;

    bool need(size_t n) {
        if (pos + n > d.size()) {
            if (err.empty()) err = "truncated at byte " + std::to_string(pos);
            return false;
        }
        return true;
    }
    uint8_t u8() { return need(1) ? uint8_t(d[pos++]) : 0; }
    uint16_t u16() {
        if (!need(2)) return 0;
        uint16_t v = uint16_t(uint8_t(d[pos]) << 8 | uint8_t(d[pos + 1]));
        pos += 2;
        return v;
    }
    uint32_t u32() {
        if (!need(4)) return 0;
        uint32_t v = 0;
        for (int i = 0; i < 4; i++) v = v << 8 | uint8_t(d[pos + i]);
        pos += 4;
        return v;
    }
    std::string_view take(size_t n) {
        if (!need(n)) return {};
        auto s = d.substr(pos, n);
        pos += n;
        return s;
    }
    bool fail_with(std::string m) {
        if (err.empty()) err = std::move(m) + " at byte " + std::to_string(pos);
        return false;
    }
};

// Reads a class descriptor (TC_CLASSDESC with its fields, or a reference); handles are counted so
// later TC_REFERENCEs resolve. Returns the class name.
bool read_classdesc(reader& r, std::vector<std::string>& handles, std::string& name) {
    uint8_t tc = r.u8();
    if (tc == TC_REFERENCE) {
        uint32_t h = r.u32() - base_handle;
        if (h >= handles.size()) return r.fail_with("bad reference");
        name = handles[h];
        return true;
    }
    if (tc == TC_NULL) {
        name.clear();
        return true;
    }
    if (tc != TC_CLASSDESC) return r.fail_with("expected class descriptor");
    name = std::string(r.take(r.u16()));
    r.take(8); // serialVersionUID
    handles.push_back(name);
    r.u8(); // flags
    uint16_t nfields = r.u16();
    for (uint16_t i = 0; i < nfields; i++) {
        uint8_t type = r.u8();
        r.take(r.u16());
        if (type == 'L' || type == '[') { // object field: class name string follows
            uint8_t t = r.u8();
            if (t == TC_STRING) {
                handles.emplace_back(r.take(r.u16()));
            } else if (t == TC_REFERENCE) {
                r.u32();
            } else {
                return r.fail_with("unexpected field type string");
            }
        }
    }
    // class annotations up to TC_ENDBLOCKDATA, then the superclass descriptor
    if (r.u8() != TC_ENDBLOCKDATA) return r.fail_with("class annotations are not supported");
    std::string super;
    return read_classdesc(r, handles, super) && r.err.empty();
}

bool read_byte_array(reader& r, std::vector<std::string>& handles, std::optional<std::string>& out) {
    uint8_t tc = r.u8();
    if (tc == TC_NULL) {
        out.reset();
        return true;
    }
    if (tc != TC_ARRAY) return r.fail_with("expected byte[]");
    std::string cls;
    if (!read_classdesc(r, handles, cls)) return false;
    if (cls != "[B") return r.fail_with("expected byte[] but found " + cls);
    handles.emplace_back("array");
    uint32_t n = r.u32();
    auto bytes = r.take(n);
    if (!r.err.empty()) return false;
    out = std::string(bytes);
    return true;
}

} // namespace

result<std::vector<std::pair<std::string, std::optional<std::string>>>> java_deserialize_byte_map(std::string_view data) {
    reader r{data};
    if (r.u16() != 0xACED || r.u16() != 5) return fail(errc::invalid_argument, "not a Java serialization stream");
    std::vector<std::string> handles;
    if (r.u8() != TC_OBJECT) return fail(errc::invalid_argument, "expected an object");
    std::string cls;
    if (!read_classdesc(r, handles, cls)) return fail(errc::invalid_argument, "{}", r.err);
    if (cls != "java.util.HashMap" && cls != "java.util.LinkedHashMap")
        return fail(errc::invalid_argument, "expected java.util.HashMap, found {}", cls);
    handles.emplace_back("map");
    r.take(8); // loadFactor, threshold
    uint8_t tc = r.u8();
    if (tc != TC_BLOCKDATA || r.u8() < 8) return fail(errc::invalid_argument, "expected HashMap block data");
    r.u32(); // capacity
    uint32_t size = r.u32();
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    for (uint32_t i = 0; i < size && r.err.empty(); i++) {
        std::optional<std::string> k, v;
        if (!read_byte_array(r, handles, k) || !read_byte_array(r, handles, v)) break;
        if (!k) return fail(errc::invalid_argument, "null key in offsets map");
        out.emplace_back(std::move(*k), std::move(v));
    }
    if (!r.err.empty()) return fail(errc::invalid_argument, "{}", r.err);
    return out;
}

} // namespace ferry::storage
