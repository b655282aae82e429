// The PostgreSQL connector's own share of the work, without Kafka: a PostgresConnectorTask driven
// directly (no runtime, converters or producer) through a snapshot of a table or the changes in a
// replication slot, counting the source_records it returns per second. Compare with COPY TO and
// pg_recvlogical on the same data (bench/cdc_vs_pg_recvlogical.sh runs it).
//
// usage: cdc_task_bench PG_PORT snapshot|stream SLOT N
//   snapshot: snapshot.mode=initial_only on table public.bench (creates SLOT, dropped at the end)
//   stream:   snapshot.mode=no_data, streams public.bench's changes already in SLOT

#include "plugins/connectors/postgres_cdc/postgres_cdc.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

class no_offsets : public ferry::offset_storage_reader {
public:
    ferry::value offset(const ferry::value&) override { return {}; }
};

class context : public ferry::source_task_context {
public:
    explicit context(ferry::config_map c) : _c(std::move(c)) {}
    const ferry::config_map& configs() const override { return _c; }
    ferry::offset_storage_reader& offset_reader() override { return _r; }

private:
    ferry::config_map _c;
    no_offsets _r;
};

} // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s PG_PORT snapshot|stream SLOT N\n", argv[0]);
        return 2;
    }
    std::string mode = argv[2];
    long n = std::atol(argv[4]);
    ferry::config_map cfg = {
        {"database.hostname", "127.0.0.1"}, {"database.port", argv[1]}, {"database.user", "postgres"},
        {"database.dbname", "postgres"}, {"topic.prefix", "bench"}, {"slot.name", argv[3]},
        {"publication.name", "bench_pub"}, {"publication.autocreate.mode", "disabled"},
        {"table.include.list", "public.bench"},
        {"snapshot.mode", mode == "snapshot" ? "initial_only" : "no_data"},
        {"slot.drop.on.stop", mode == "snapshot" ? "true" : "false"},
    };
    context ctx(cfg);
    auto task = ferry::plugins::postgres_cdc::make_task();
    task->initialize(ctx);
    auto t0 = std::chrono::steady_clock::now();
    task->start(cfg);
    long got = 0;
    std::vector<ferry::source_record> batch;
    while (got < n) {
        batch.clear();
        task->poll(batch);
        for (auto& r : batch)
            if (!r.val.is_null() && r.topic == "bench.public.bench") got++;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %ld records in %.3f s = %.0f records/s\n", mode.c_str(), got, secs, double(got) / secs);
    task->stop();
    task.reset();
    return 0;
}
