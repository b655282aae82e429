#pragma once
// io.debezium.connector.postgresql.PostgresConnector on Ferry: change data capture from PostgreSQL
// through logical replication (pgoutput), with Debezium's events, offsets and configuration
// (spec debezium-postgres.md). docs/connectors/postgres-cdc.md is the user's guide.
//
// The task (postgres_task.cc) in one paragraph. start() checks the server (wal_level, privileges),
// makes sure the publication and the replication slot exist, reads the stored offset and decides
// whether to snapshot. A new slot exports a snapshot; the snapshot transaction imports it, so
// the rows read by COPY are exactly the state at the slot's consistent point, and streaming then
// starts at that point: nothing is lost or seen twice at the hand-over. poll() returns snapshot
// rows first, then streamed changes that a reader thread (replication_stream.hpp) queues.
// commit() - called after the runtime durably stored offsets of records Kafka acknowledged -
// reads that stored offset back and confirms its LSN to the server, which is the only way the
// slot's confirmed_flush_lsn moves. After a crash, streaming restarts from the stored position and
// the events of a partly delivered transaction that were already delivered are skipped, so the
// only duplicates possible are those after the last committed offset.

#include "config.hpp"

#include "ferry/plugin.hpp"

namespace ferry::plugins::postgres_cdc {

std::unique_ptr<source_task> make_task();

} // namespace ferry::plugins::postgres_cdc

namespace ferry {
void register_postgres_cdc(plugin_registry& r);
}
