#include "parley/obs/metrics.hpp"

#include <cstdio>

namespace parley::obs {

std::string_view route_class_name(RouteClass rc) {
  switch (rc) {
    case RouteClass::system:
      return "system";
    case RouteClass::read:
      return "read";
    case RouteClass::write:
      return "write";
    case RouteClass::connect:
      return "connect";
    case RouteClass::unmatched:
      return "unmatched";
  }
  return "unknown";
}

void prom_help(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void prom_value(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  char buf[64];
  std::snprintf(buf, sizeof buf, " %.17g\n", value);
  out.append(buf);
}

void prom_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, double value) {
  prom_help(out, name, type, help);
  prom_value(out, name, "", value);
}

void LatencyHistogram::observe(std::chrono::nanoseconds d) {
  const double secs = std::chrono::duration<double>(d).count();
  std::size_t i = 0;
  while (i < kBounds.size() && secs > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(d.count()), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void LatencyHistogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    char le[32];
    if (i < kBounds.size()) {
      std::snprintf(le, sizeof le, "%g", kBounds[i]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    prom_value(out, bucket, std::string(labels) + sep + "le=\"" + le + "\"", static_cast<double>(cumulative));
  }
  prom_value(out, std::string(name) + "_sum", labels, static_cast<double>(sum_ns_.load()) / 1e9);
  prom_value(out, std::string(name) + "_count", labels, static_cast<double>(count_.load()));
}

void ServerMetrics::record_request(RouteClass rc, int status, std::chrono::nanoseconds latency) {
  const auto cls = static_cast<std::size_t>(rc);
  if (status >= kMinStatus && status < kMinStatus + kStatusSlots) {
    requests_[cls][static_cast<std::size_t>(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
  }
  latency_[cls].observe(latency);
}

void ServerMetrics::render(std::string& out) const {
  prom_metric(out, "parley_http_connections_open", "gauge", "Open HTTP connections (WebSocket ones included).",
              static_cast<double>(http_connections_open.load()));
  prom_metric(out, "parley_ws_connections_open", "gauge", "Open WebSocket connections.",
              static_cast<double>(ws_connections_open.load()));
  prom_metric(out, "parley_connections_accepted_total", "counter", "TCP connections accepted.",
              static_cast<double>(connections_accepted.load()));
  prom_metric(out, "parley_connections_refused_total", "counter", "TCP connections refused over max_connections.",
              static_cast<double>(connections_refused.load()));
  prom_metric(out, "parley_ws_frames_in_total", "counter", "WebSocket frames received.",
              static_cast<double>(ws_frames_in.load()));
  prom_metric(out, "parley_ws_frames_out_total", "counter", "WebSocket frames sent.",
              static_cast<double>(ws_frames_out.load()));
  prom_metric(out, "parley_ws_writes_total", "counter",
              "Physical writes of WebSocket output; frames_out / writes = frames per write (syscall).",
              static_cast<double>(ws_writes.load()));

  prom_help(out, "parley_http_requests_total", "counter", "HTTP requests by route class and status.");
  for (std::size_t c = 0; c < kRouteClassCount; ++c) {
    const auto cls = route_class_name(static_cast<RouteClass>(c));
    for (int s = 0; s < kStatusSlots; ++s) {
      const auto n = requests_[c][static_cast<std::size_t>(s)].load(std::memory_order_relaxed);
      if (n == 0) continue;
      const std::string labels =
          "route_class=\"" + std::string(cls) + "\",status=\"" + std::to_string(s + kMinStatus) + "\"";
      prom_value(out, "parley_http_requests_total", labels, static_cast<double>(n));
    }
  }
  prom_help(out, "parley_http_request_duration_seconds", "histogram", "HTTP request latency by route class.");
  for (std::size_t c = 0; c < kRouteClassCount; ++c) {
    const std::string labels = "route_class=\"" + std::string(route_class_name(static_cast<RouteClass>(c))) + "\"";
    latency_[c].render(out, "parley_http_request_duration_seconds", labels);
  }
}

}  // namespace parley::obs
