#include "broker/storage/file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace ferry::broker::storage {

void unique_fd::reset() {
    if (_fd >= 0) ::close(_fd);
    _fd = -1;
}

result<unique_fd> open_file(const std::string& path, int flags, int mode) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return fail(errc::io, "open {}: {}", path, std::strerror(errno));
    return unique_fd(fd);
}

result<size_t> pread_full(int fd, void* buf, size_t n, int64_t off) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = ::pread(fd, static_cast<char*>(buf) + done, n - done, off + int64_t(done));
        if (r < 0) {
            if (errno == EINTR) continue;
            return fail(errc::io, "pread: {}", std::strerror(errno));
        }
        if (r == 0) break;
        done += size_t(r);
    }
    return done;
}

result<> pwrite_full(int fd, const void* buf, size_t n, int64_t off) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = ::pwrite(fd, static_cast<const char*>(buf) + done, n - done, off + int64_t(done));
        if (r < 0) {
            if (errno == EINTR) continue;
            return fail(errc::io, "pwrite: {}", std::strerror(errno));
        }
        done += size_t(r);
    }
    return {};
}

result<> fdatasync_fd(int fd, std::string_view what) {
    if (::fdatasync(fd) != 0) return fail(errc::io, "fdatasync {}: {}", what, std::strerror(errno));
    return {};
}

result<> fsync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(errc::io, "open dir {}: {}", dir, std::strerror(errno));
    int rc = ::fsync(fd);
    int e = errno;
    ::close(fd);
    if (rc != 0) return fail(errc::io, "fsync dir {}: {}", dir, std::strerror(e));
    return {};
}

result<int64_t> file_size(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return fail(errc::io, "fstat: {}", std::strerror(errno));
    return int64_t(st.st_size);
}

std::string join_path(std::string_view dir, std::string_view name) {
    std::string s(dir);
    if (!s.empty() && s.back() != '/') s.push_back('/');
    s.append(name);
    return s;
}

result<> write_file_atomic(const std::string& path, std::string_view content) {
    std::string tmp = path + ".tmp";
    {
        auto fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
        if (!fd) return fail(std::move(fd.error()));
        if (auto r = pwrite_full(fd->get(), content.data(), content.size(), 0); !r) return r;
        if (::fsync(fd->get()) != 0) return fail(errc::io, "fsync {}: {}", tmp, std::strerror(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return fail(errc::io, "rename {} -> {}: {}", tmp, path, std::strerror(errno));
    return fsync_dir(std::filesystem::path(path).parent_path().string());
}

result<std::string> read_small_file(const std::string& path) {
    auto fd = open_file(path, O_RDONLY);
    if (!fd) return fail(std::move(fd.error()));
    auto sz = file_size(fd->get());
    if (!sz) return fail(std::move(sz.error()));
    std::string s(size_t(*sz), '\0');
    auto n = pread_full(fd->get(), s.data(), s.size(), 0);
    if (!n) return fail(std::move(n.error()));
    s.resize(*n);
    return s;
}

result<> write_checkpoint(const std::string& path, const tp_offsets& offsets) {
    std::string s = "0\n" + std::to_string(offsets.size()) + "\n";
    for (const auto& [tp, off] : offsets)
        s += tp.first + " " + std::to_string(tp.second) + " " + std::to_string(off) + "\n";
    return write_file_atomic(path, s);
}

result<tp_offsets> read_checkpoint(const std::string& path) {
    tp_offsets out;
    if (::access(path.c_str(), F_OK) != 0) return out;
    auto content = read_small_file(path);
    if (!content) return fail(std::move(content.error()));
    std::istringstream in(*content);
    int version = -1;
    size_t count = 0;
    if (!(in >> version) || version != 0 || !(in >> count)) return fail(errc::io, "malformed checkpoint file {}", path);
    for (size_t i = 0; i < count; ++i) {
        std::string topic;
        int32_t p;
        int64_t off;
        if (!(in >> topic >> p >> off)) return fail(errc::io, "malformed checkpoint file {} (entry {})", path, i);
        out[{topic, p}] = off;
    }
    return out;
}

} // namespace ferry::broker::storage
