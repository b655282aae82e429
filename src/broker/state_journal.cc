#include "broker/state_journal.hpp"

#include "base/log.hpp"
#include "broker/protocol/record_batch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace ferry::broker {
namespace {

constexpr uint8_t op_put = 1;
constexpr uint8_t op_erase = 2;
constexpr int64_t min_compact_bytes = 4 * 1024 * 1024;

std::string encode_record(uint8_t op, const std::string& key, const std::string& value) {
    std::string payload;
    payload.reserve(5 + key.size() + value.size());
    payload.push_back(static_cast<char>(op));
    char b[4];
    proto::write_i32_be(b, static_cast<int32_t>(key.size()));
    payload.append(b, 4);
    payload += key;
    payload += value;
    std::string rec(8, '\0');
    proto::write_i32_be(rec.data(), static_cast<int32_t>(payload.size()));
    proto::write_i32_be(rec.data() + 4, static_cast<int32_t>(proto::crc32c(payload)));
    rec += payload;
    return rec;
}

// Applies the records of `data` to `m`; returns the length of the valid prefix.
size_t replay(const std::string& data, std::map<std::string, std::string>& m) {
    size_t pos = 0;
    while (data.size() - pos >= 8) {
        int32_t len = proto::read_i32_be(data.data() + pos);
        uint32_t crc = static_cast<uint32_t>(proto::read_i32_be(data.data() + pos + 4));
        if (len < 5 || data.size() - pos - 8 < static_cast<size_t>(len)) break;
        std::string_view payload(data.data() + pos + 8, static_cast<size_t>(len));
        if (proto::crc32c(payload) != crc) break;
        uint8_t op = static_cast<uint8_t>(payload[0]);
        int32_t klen = proto::read_i32_be(payload.data() + 1);
        if (klen < 0 || static_cast<size_t>(klen) > payload.size() - 5) break;
        std::string key(payload.substr(5, static_cast<size_t>(klen)));
        if (op == op_put)
            m[key] = std::string(payload.substr(5 + static_cast<size_t>(klen)));
        else if (op == op_erase)
            m.erase(key);
        else
            break;
        pos += 8 + static_cast<size_t>(len);
    }
    return pos;
}

result<std::string> read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::string();
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return s;
}

result<> write_fully(int fd, const std::string& s, const std::string& path) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t w = ::write(fd, s.data() + off, s.size() - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return fail(errc::io, "write {}: {}", path, std::strerror(errno));
        }
        off += static_cast<size_t>(w);
    }
    return {};
}

void fsync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

result<std::unique_ptr<state_journal>> state_journal::open(const std::string& dir, const std::string& name) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(errc::io, "create {}: {}", dir, ec.message());
    std::unique_ptr<state_journal> j(new state_journal());
    j->_dir = dir;
    j->_snapshot_path = dir + "/" + name + ".snapshot";
    j->_journal_path = dir + "/" + name + ".journal";
    auto snap = read_all(j->_snapshot_path);
    if (!snap) return fail(snap.error());
    size_t good = replay(*snap, j->_entries);
    if (good != snap->size())
        ferry::log::get("broker")->warn("{}: ignoring {} trailing bytes of a damaged snapshot", j->_snapshot_path,
                                        snap->size() - good);
    auto jr = read_all(j->_journal_path);
    if (!jr) return fail(jr.error());
    size_t jgood = replay(*jr, j->_entries);
    j->_fd = ::open(j->_journal_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (j->_fd < 0) return fail(errc::io, "open {}: {}", j->_journal_path, std::strerror(errno));
    if (jgood != jr->size()) {
        ferry::log::get("broker")->warn("{}: truncating a torn tail of {} bytes", j->_journal_path, jr->size() - jgood);
        if (::ftruncate(j->_fd, static_cast<off_t>(jgood)) != 0)
            return fail(errc::io, "truncate {}: {}", j->_journal_path, std::strerror(errno));
    }
    ::lseek(j->_fd, static_cast<off_t>(jgood), SEEK_SET);
    j->_journal_bytes = static_cast<int64_t>(jgood);
    for (auto& [k, v] : j->_entries)
        j->_live_bytes += static_cast<int64_t>(k.size() + v.size() + 13);
    return j;
}

state_journal::~state_journal() {
    if (_fd >= 0) {
        if (_dirty) ::fsync(_fd);
        ::close(_fd);
    }
}

result<> state_journal::append(uint8_t op, const std::string& key, const std::string& value) {
    auto rec = encode_record(op, key, value);
    if (auto r = write_fully(_fd, rec, _journal_path); !r) return r;
    _journal_bytes += static_cast<int64_t>(rec.size());
    _dirty = true;
    return maybe_compact();
}

result<> state_journal::put(const std::string& key, const std::string& value) {
    auto it = _entries.find(key);
    if (it != _entries.end()) {
        if (it->second == value) return {};
        _live_bytes -= static_cast<int64_t>(it->second.size());
        it->second = value;
        _live_bytes += static_cast<int64_t>(value.size());
    } else {
        _entries.emplace(key, value);
        _live_bytes += static_cast<int64_t>(key.size() + value.size() + 13);
    }
    return append(op_put, key, value);
}

result<> state_journal::erase(const std::string& key) {
    auto it = _entries.find(key);
    if (it == _entries.end()) return {};
    _live_bytes -= static_cast<int64_t>(it->first.size() + it->second.size() + 13);
    _entries.erase(it);
    return append(op_erase, key, {});
}

result<> state_journal::sync() {
    if (!_dirty) return {};
    if (::fsync(_fd) != 0) return fail(errc::io, "fsync {}: {}", _journal_path, std::strerror(errno));
    _dirty = false;
    return {};
}

result<> state_journal::maybe_compact() {
    if (_journal_bytes < min_compact_bytes || _journal_bytes < 2 * _live_bytes) return {};
    return compact();
}

result<> state_journal::compact() {
    std::string tmp = _snapshot_path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(errc::io, "open {}: {}", tmp, std::strerror(errno));
    std::string buf;
    for (auto& [k, v] : _entries) {
        buf += encode_record(op_put, k, v);
        if (buf.size() > (1 << 20)) {
            if (auto r = write_fully(fd, buf, tmp); !r) {
                ::close(fd);
                return r;
            }
            buf.clear();
        }
    }
    if (auto r = write_fully(fd, buf, tmp); !r) {
        ::close(fd);
        return r;
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        return fail(errc::io, "fsync {}: {}", tmp, std::strerror(errno));
    }
    ::close(fd);
    if (::rename(tmp.c_str(), _snapshot_path.c_str()) != 0)
        return fail(errc::io, "rename {}: {}", tmp, std::strerror(errno));
    fsync_dir(_dir);
    // Replaying the old journal over the new snapshot would give the same map, so a crash
    // between the rename and the truncation is harmless.
    if (::ftruncate(_fd, 0) != 0) return fail(errc::io, "truncate {}: {}", _journal_path, std::strerror(errno));
    ::lseek(_fd, 0, SEEK_SET);
    ::fsync(_fd);
    _journal_bytes = 0;
    _dirty = false;
    return {};
}

} // namespace ferry::broker
