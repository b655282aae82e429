#include "runtime/metrics.hpp"

#include <fmt/format.h>

#include <map>

namespace ferry::runtime {

namespace {

struct family {
    std::string help, type;
    std::vector<std::string> samples;
};

class exposition {
public:
    void add(const std::string& name, const char* type, const std::string& help, const std::string& labels, double v) {
        auto& f = _families[name];
        f.help = help;
        f.type = type;
        f.samples.push_back(fmt::format("{}{{{}}} {}", name, labels, v));
    }
    std::string text() const {
        std::string out;
        for (auto& [name, f] : _families) {
            out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, f.type);
            for (auto& s : f.samples) out += s + "\n";
        }
        return out;
    }

private:
    std::map<std::string, family> _families;
};

std::string escape(const std::string& v) {
    std::string o;
    for (char c : v) {
        if (c == '\\' || c == '"') o += '\\';
        if (c == '\n') {
            o += "\\n";
            continue;
        }
        o += c;
    }
    return o;
}

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower((unsigned char)c));
    return s;
}

} // namespace

std::string render_metrics(const worker& w, herder& h) {
    exposition e;
    auto names = h.connectors();
    std::map<std::string, std::string> types;
    int64_t tasks_total = 0;
    for (auto& c : names) {
        auto st = h.connector_status(c);
        if (!st) continue;
        types[c] = st->type;
        auto cl = fmt::format("connector=\"{}\"", escape(c));
        e.add("kafka_connect_connector_metrics_status", "gauge", "The status of the connector (value 1, status as label).",
              fmt::format("{},status=\"{}\"", cl, lower(st->connector.state)), 1);
        for (auto& t : st->tasks) {
            e.add("kafka_connect_task_metrics_status", "gauge", "The status of the connector task (value 1, status as label).",
                  fmt::format("{},task=\"{}\",status=\"{}\"", cl, t.id, lower(t.state)), 1);
            tasks_total++;
        }
    }
    auto wl = fmt::format("worker_id=\"{}\"", escape(w.worker_id()));
    e.add("kafka_connect_connect_worker_metrics_connector_count", "gauge", "The number of connectors run in this worker.",
          wl, double(names.size()));
    e.add("kafka_connect_connect_worker_metrics_task_count", "gauge", "The number of tasks run in this worker.", wl,
          double(w.all_tasks().size()));

    w.for_each_task([&](const task_id& id, const task_metrics& m) {
        auto l = fmt::format("connector=\"{}\",task=\"{}\"", escape(id.connector), id.task);
        bool sink = types.count(id.connector) && types[id.connector] == "sink";
        double commits = double(m.offset_commit_success + m.offset_commit_failure);
        e.add("kafka_connect_task_metrics_offset_commit_success_percentage", "gauge",
              "The average percentage of this task's offset commit attempts that succeeded.", l,
              commits > 0 ? 100.0 * double(m.offset_commit_success) / commits : 0);
        e.add("kafka_connect_task_metrics_offset_commit_failure_percentage", "gauge",
              "The average percentage of this task's offset commit attempts that failed.", l,
              commits > 0 ? 100.0 * double(m.offset_commit_failure) / commits : 0);
        e.add("kafka_connect_task_metrics_offset_commit_max_time_ms", "gauge",
              "The maximum time in milliseconds taken by this task to commit offsets.", l,
              double(m.offset_commit_time_us_max) / 1000.0);
        double avg_batch_ms = m.batches > 0 ? double(m.batch_time_us_total) / double(m.batches) / 1000.0 : 0;
        if (sink) {
            e.add("kafka_connect_sink_task_metrics_sink_record_read_total", "counter",
                  "The total number of records read from Kafka by this task.", l, double(m.records_read));
            e.add("kafka_connect_sink_task_metrics_sink_record_send_total", "counter",
                  "The total number of records output from the transformations and sent/put to this task.", l,
                  double(m.records_sent));
            e.add("kafka_connect_sink_task_metrics_put_batch_avg_time_ms", "gauge",
                  "The average time taken by this task to put a batch of sink records.", l, avg_batch_ms);
            e.add("kafka_connect_sink_task_metrics_put_batch_max_time_ms", "gauge",
                  "The maximum time taken by this task to put a batch of sink records.", l,
                  double(m.batch_time_us_max) / 1000.0);
            e.add("kafka_connect_sink_task_metrics_offset_commit_completion_total", "counter",
                  "The total number of offset commit completions that were completed successfully.", l,
                  double(m.offset_commit_success));
        } else {
            e.add("kafka_connect_source_task_metrics_source_record_poll_total", "counter",
                  "The total number of records produced/polled by this task.", l, double(m.records_polled));
            e.add("kafka_connect_source_task_metrics_source_record_write_total", "counter",
                  "The number of records output from the transformations and written to Kafka for this task.", l,
                  double(m.records_written));
            e.add("kafka_connect_source_task_metrics_source_record_active_count", "gauge",
                  "The number of records that have been produced by this task but not yet completely written to Kafka.",
                  l, double(m.active_records));
            e.add("kafka_connect_source_task_metrics_poll_batch_avg_time_ms", "gauge",
                  "The average time in milliseconds taken by this task to poll for a batch of source records.", l,
                  avg_batch_ms);
            e.add("kafka_connect_source_task_metrics_poll_batch_max_time_ms", "gauge",
                  "The maximum time in milliseconds taken by this task to poll for a batch of source records.", l,
                  double(m.batch_time_us_max) / 1000.0);
        }
        auto& er = *m.errors;
        e.add("kafka_connect_task_error_metrics_total_record_errors", "counter",
              "The number of record processing errors in this task.", l, double(er.total_record_errors));
        e.add("kafka_connect_task_error_metrics_total_record_failures", "counter",
              "The number of record processing failures in this task.", l, double(er.total_record_failures));
        e.add("kafka_connect_task_error_metrics_total_records_skipped", "counter",
              "The number of records skipped due to errors.", l, double(er.total_records_skipped));
        e.add("kafka_connect_task_error_metrics_total_retries", "counter", "The number of operations retried.", l,
              double(er.total_retries));
        e.add("kafka_connect_task_error_metrics_total_errors_logged", "counter",
              "The number of errors that were logged.", l, double(er.total_errors_logged));
        e.add("kafka_connect_task_error_metrics_deadletterqueue_produce_requests", "counter",
              "The number of attempted writes to the dead letter queue.", l,
              double(er.deadletterqueue_produce_requests));
        e.add("kafka_connect_task_error_metrics_deadletterqueue_produce_failures", "counter",
              "The number of failed writes to the dead letter queue.", l, double(er.deadletterqueue_produce_failures));
        e.add("kafka_connect_task_error_metrics_last_error_timestamp", "gauge",
              "The epoch timestamp when this task last encountered an error.", l, double(er.last_error_timestamp));
    });
    (void)tasks_total;
    return e.text();
}

} // namespace ferry::runtime
