#pragma once
// GET /metrics: Kafka Connect's metric groups in Prometheus text format.
//
// Names follow the convention of the Prometheus JMX exporter's Kafka Connect rules, so dashboards
// built for Java workers keep working: kafka_connect_<group>_<metric> with '-' turned into '_',
// labelled by connector and task. Counters are *_total (Prometheus derives rates); Java's windowed
// *-rate and *-avg metrics are given as totals plus averages over the task's life.
//   connect-worker-metrics   connector_count, task_count, connector_startup_*...
//   connector-metrics        status (as a label, value 1)
//   task-metrics             status, offset_commit_success_percentage, offset_commit_max_time_ms, ...
//   source-task-metrics      source_record_poll_total, source_record_write_total, poll_batch_*_time_ms, ...
//   sink-task-metrics        sink_record_read_total, sink_record_send_total, put_batch_*_time_ms, ...
//   task-error-metrics       total_record_errors, total_record_failures, total_records_skipped, ...

#include "runtime/herder.hpp"
#include "runtime/worker.hpp"

#include <string>

namespace ferry::runtime {

std::string render_metrics(const worker& w, herder& h);

} // namespace ferry::runtime
