#pragma once
// Small POSIX helpers for the storage layer: an owning file descriptor, full pread/pwrite,
// fsync of files and directories, atomic replacement of small files, and Kafka's offset
// checkpoint files ("0\n<count>\n<topic> <partition> <offset>\n...").

#include "base/error.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace ferry::broker::storage {

class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) : _fd(fd) {}
    unique_fd(unique_fd&& o) noexcept : _fd(std::exchange(o._fd, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) {
            reset();
            _fd = std::exchange(o._fd, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const { return _fd; }
    explicit operator bool() const { return _fd >= 0; }
    void reset();

private:
    int _fd = -1;
};

// Opens with O_CLOEXEC; errc::io naming the path on failure.
result<unique_fd> open_file(const std::string& path, int flags, int mode = 0644);
// Reads up to n bytes at off (fewer only at end of file). Returns the count read.
result<size_t> pread_full(int fd, void* buf, size_t n, int64_t off);
result<> pwrite_full(int fd, const void* buf, size_t n, int64_t off);
result<> fdatasync_fd(int fd, std::string_view what);
result<> fsync_dir(const std::string& dir);
result<int64_t> file_size(int fd);

// Writes `content` to `path` via `path.tmp`, fsync, rename, and fsync of the directory, so a
// crash leaves either the old or the new file.
result<> write_file_atomic(const std::string& path, std::string_view content);
result<std::string> read_small_file(const std::string& path);

using tp_offsets = std::map<std::pair<std::string, int32_t>, int64_t>;
result<> write_checkpoint(const std::string& path, const tp_offsets& offsets);
// A missing file reads as empty; a malformed one is an error.
result<tp_offsets> read_checkpoint(const std::string& path);

std::string join_path(std::string_view dir, std::string_view name);

} // namespace ferry::broker::storage
