#pragma once
// A small durable key-value store for the coordinators' state: committed offsets, group
// generations, transactional ids, the producer-id counter.
//
// Layout: `<dir>/<name>.snapshot` (the whole map, replaced atomically by rename) and
// `<dir>/<name>.journal` (every change since, appended). Each record is
// `length:u32 crc32c:u32 op:u8 key_length:u32 key value`. Opening replays the snapshot and then
// the journal and truncates a torn last record, so a crash loses at most the changes not yet
// written (write() goes to the page cache immediately; sync() makes it survive power loss too).
// When the journal outgrows the live data it is folded into a fresh snapshot.
//
// Threading: not thread-safe; the broker uses it from the coordinator thread only.

#include "base/error.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace ferry::broker {

class state_journal {
public:
    static result<std::unique_ptr<state_journal>> open(const std::string& dir, const std::string& name);
    ~state_journal();

    const std::map<std::string, std::string>& entries() const { return _entries; }
    result<> put(const std::string& key, const std::string& value);
    result<> erase(const std::string& key);
    // fsync()s the journal if anything was written since the last sync.
    result<> sync();
    // Folds the journal into a new snapshot now (normally automatic).
    result<> compact();

private:
    state_journal() = default;
    result<> append(uint8_t op, const std::string& key, const std::string& value);
    result<> maybe_compact();

    std::string _snapshot_path, _journal_path, _dir;
    int _fd = -1;
    int64_t _journal_bytes = 0;
    int64_t _live_bytes = 0;
    bool _dirty = false;
    std::map<std::string, std::string> _entries;
};

} // namespace ferry::broker
