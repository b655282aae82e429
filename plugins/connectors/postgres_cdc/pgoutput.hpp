#pragma once
// pgoutput, PostgreSQL's built-in logical decoding output plugin (protocol version 1), and the
// streaming replication wrapper around it (XLogData, primary keep-alive, standby status update).
// Formats: https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html and
// protocol-replication.html; spec debezium-postgres.md sections 11 and 12.
//
// Zero copy: decode() fills a `message` whose strings are views into the input buffer and whose
// tuples and column lists are views into arrays the decoder owns and reuses. Nothing is allocated
// once those arrays have grown to the widest table seen, so the decoder costs no allocation per
// event. The views stay valid until the next decode() or until the input buffer is released.
//
// Robustness: the decoder is a parser of network input; it checks every length against the buffer
// and returns an error text (a static string) for anything malformed, never reading past the end.
// A libFuzzer target (fuzz/pgoutput_fuzz.cc) holds it to that.

#include "lsn.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ferry::plugins::postgres_cdc::pgoutput {

enum class msg : char {
    begin = 'B',
    commit = 'C',
    origin = 'O',
    relation = 'R',
    type = 'Y',
    insert = 'I',
    update = 'U',
    delete_ = 'D',
    truncate = 'T',
    message = 'M',
};

// One column of a TupleData: kind 'n' (null), 'u' (unchanged TOASTed value, not sent),
// 't' (text format) or 'b' (binary format).
struct tuple_column {
    char kind = 'n';
    std::string_view data;
};

struct relation_column {
    uint8_t flags = 0; // 1 = part of the replica identity key
    std::string_view name;
    uint32_t type_oid = 0;
    int32_t typmod = -1;
    bool key() const { return flags & 1; }
};

// The decoded message. Which members are meaningful depends on `type`.
struct message {
    msg type = msg::begin;
    // begin: final_lsn (commit LSN), commit_time, xid. commit: flags, commit_lsn, end_lsn, commit_time.
    lsn_t final_lsn = 0;
    lsn_t commit_lsn = 0;
    lsn_t end_lsn = 0;
    int64_t commit_time = 0; // microseconds since 2000-01-01 (PostgreSQL epoch)
    uint32_t xid = 0;
    uint8_t flags = 0;
    // origin
    lsn_t origin_lsn = 0;
    std::string_view origin_name;
    // relation (also relation_oid of insert/update/delete)
    uint32_t relation_oid = 0;
    std::string_view nspname;
    std::string_view relname;
    char replica_identity = 'd';
    std::span<const relation_column> columns;
    // type
    uint32_t type_oid = 0;
    std::string_view type_nspname;
    std::string_view type_name;
    // insert / update / delete: old_kind is 0 (no old tuple), 'K' (key columns) or 'O' (full old row)
    char old_kind = 0;
    std::span<const tuple_column> old_tuple;
    std::span<const tuple_column> new_tuple;
    // truncate
    uint8_t truncate_options = 0; // 1 = CASCADE, 2 = RESTART IDENTITY
    std::span<const uint32_t> relations;
    // message (pg_logical_emit_message)
    bool transactional = false;
    lsn_t message_lsn = 0;
    std::string_view prefix;
    std::string_view content;
};

class decoder {
public:
    // Decodes one pgoutput message. Returns nullptr on success, otherwise a static text naming the
    // problem ("truncated Insert message", "unknown message type", ...).
    const char* decode(std::string_view data, message& out);

private:
    std::vector<tuple_column> _old;
    std::vector<tuple_column> _new;
    std::vector<relation_column> _columns;
    std::vector<uint32_t> _relations;
};

// --- streaming replication wrapper (inside CopyData) ---------------------------------------------

struct xlog_data {
    lsn_t wal_start = 0; // WAL position of this data (for pgoutput: the LSN of the change / commit end)
    lsn_t wal_end = 0;   // current end of WAL on the server
    int64_t send_time = 0;
    std::string_view payload;
};

struct keepalive {
    lsn_t wal_end = 0;
    int64_t send_time = 0;
    bool reply_requested = false;
};

// 'w' frames. False when the frame is not an XLogData or is truncated.
bool parse_xlog_data(std::string_view frame, xlog_data& out);
// 'k' frames.
bool parse_keepalive(std::string_view frame, keepalive& out);

inline constexpr size_t status_update_size = 34;
// Standby status update ('r'): written, flushed and applied positions (each the last byte + 1),
// the client clock in microseconds since 2000-01-01, and whether the server should reply at once.
void encode_status_update(char (&out)[status_update_size], lsn_t written, lsn_t flushed, lsn_t applied,
                          int64_t now_pg_us, bool reply_requested);

} // namespace ferry::plugins::postgres_cdc::pgoutput
